"""The catalogue of known mistakes, and the failure every check raises.

A check that recognises a mistake raises :class:`CheckFailed` with the mistake's stable code (recorded by the
grader, counted in the class report) and the book section that explains the right way. Its message has three
parts, separated by blank lines and wrapped at :data:`WIDTH` columns:

- the **summary**: what is wrong, in words only. It never holds a size, an index, a value or a seed, so the
  grader can show it for a hidden test without revealing the hidden case;
- the **detail**: where and by how much (shapes, the first index that differs, found and expected values);
- the **pointer**: ``[mistake CODE]`` and, on the next line, ``Read: PAGE#SECTION`` in the book.

Feedback on a hidden test keeps the summary and the pointer (:mod:`lstmkit.grading.feedback`).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

WIDTH = 80
"""Messages are wrapped at this many characters: ``nbgrader validate`` cuts every longer line (its
``Validator.width`` is 90, minus its indent), in the student's own set-up too."""
POINTER = "[mistake "
"""How the pointer line starts: the feedback filter keeps the line that starts with it."""


@dataclass(frozen=True)
class Mistake:
    """One known mistake: its stable code and the book section (page.html#anchor) that explains it."""

    code: str
    section: str


_SECTIONS = {
    # any part
    "generic": "intro.html#notation",
    "generic.calls_reference": "intro.html#the-exercises",
    "generic.numerical_warning": "gates.html#a-gate-is-a-soft-switch",
    "generic.dtype": "intro.html#notation",
    "generic.timeout": "intro.html#the-exercises",
    "generic.modifies_input": "intro.html#the-exercises",
    "generic.returns_input": "intro.html#the-exercises",
    "generic.raised": "intro.html#the-exercises",
    "generic.batch_major": "gates.html#shapes-for-one-example-and-for-a-batch",
    "generic.tuple_order": "intro.html#notation",
    # chapter 1
    "rnn.h_prev_unused": "rnn_limits.html#the-simple-recurrent-network",
    "rnn.weight_hh_not_transposed": "rnn_limits.html#the-simple-recurrent-network",
    "rnn.bias_hh_missing": "gates.html#two-notations-one-computation",
    "rnn.tanh_missing": "rnn_limits.html#the-simple-recurrent-network",
    "rnn.sigmoid_not_tanh": "rnn_limits.html#the-simple-recurrent-network",
    "bptt_rnn.dtanh_missing": "rnn_limits.html#the-gradient-is-a-product-of-jacobians",
    "bptt_rnn.weight_transposed": "rnn_limits.html#the-gradient-is-a-product-of-jacobians",
    "bptt_rnn.dtanh_wrong_step": "rnn_limits.html#the-gradient-is-a-product-of-jacobians",
    "bptt_rnn.mean_over_examples": "rnn_limits.html#the-gradient-is-a-product-of-jacobians",
    "bptt_rnn.norms_reversed": "rnn_limits.html#the-gradient-is-a-product-of-jacobians",
    "clip.per_tensor": "rnn_limits.html#gradient-clipping",
    "clip.elementwise": "rnn_limits.html#gradient-clipping",
    "clip.always_rescaled": "rnn_limits.html#gradient-clipping",
    "clip.norm_squared": "rnn_limits.html#gradient-clipping",
    "clip.norm_after_clipping": "rnn_limits.html#gradient-clipping",
    # chapter 2
    "lstm.gate_block": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.gate_activation": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.bias_hh_missing": "gates.html#two-notations-one-computation",
    "lstm.h_prev_unused": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.c_prev_unused": "cell_state.html#the-conveyor-belt",
    "lstm.states_unused": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.candidate_sigmoid": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.forget_input_swapped": "cell_state.html#the-conveyor-belt",
    "lstm.tanh_c_missing": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.h_uses_old_c": "gates.html#the-four-blocks-of-an-lstm-step",
    "lstm.gate_order": "intro.html#gate-order-a-conventions-table",
    "loop.state_not_carried": "gates.html#shapes-for-one-example-and-for-a-batch",
    "loop.cell_not_carried": "cell_state.html#the-conveyor-belt",
    "loop.hidden_not_carried": "gates.html#shapes-for-one-example-and-for-a-batch",
    "loop.initial_unused": "gates.html#shapes-for-one-example-and-for-a-batch",
    "loop.one_step_short": "gates.html#shapes-for-one-example-and-for-a-batch",
    "loop.returns_h_as_c": "intro.html#notation",
    "loop.h0_in_output": "intro.html#notation",
    "loop.step_wrong": "gates.html#the-four-blocks-of-an-lstm-step",
    # chapter 3
    "backward.upstream_dc_missing": "appendix_backward.html#walking-backwards",
    "backward.through_h_missing": "appendix_backward.html#walking-backwards",
    "backward.forget_factor_missing": "appendix_backward.html#walking-backwards",
    "backward.forget_term_uses_c": "appendix_backward.html#walking-backwards",
    "backward.gate_order": "appendix_backward.html#walking-backwards",
    "backward.dtanh_c_missing": "appendix_backward.html#walking-backwards",
    "backward.output_term_missing_tanh": "appendix_backward.html#walking-backwards",
    "backward.candidate_sigmoid_derivative": "appendix_backward.html#walking-backwards",
    "backward.gates_squashed_twice": "appendix_backward.html#walking-backwards",
    "backward.bias_mean": "appendix_backward.html#the-derivation-in-numpy",
    "backward.bias_hh_zero": "appendix_backward.html#the-derivation-in-numpy",
    "backward.finite_differences": "appendix_backward.html#the-derivation-in-numpy",
    "bptt.cell_not_carried": "appendix_backward.html#through-time",
    "bptt.recurrent_missing": "appendix_backward.html#through-time",
    "bptt.forward_in_time": "appendix_backward.html#through-time",
    "bptt.dx_reversed": "appendix_backward.html#through-time",
    "bptt.params_not_summed": "appendix_backward.html#through-time",
    "bptt.step_wrong": "appendix_backward.html#walking-backwards",
    # chapter 4
    "peephole.missing": "variants.html#peephole-connections",
    "peephole.one_missing": "variants.html#peephole-connections",
    "peephole.matrix_product": "variants.html#peephole-connections",
    "peephole.gate_order": "intro.html#gate-order-a-conventions-table",
    "peephole.swapped": "variants.html#peephole-connections",
    "peephole.output_old_c": "variants.html#peephole-connections",
    "peephole.c_prev_unused": "variants.html#peephole-connections",
    "gru.blend_swapped": "variants.html#the-gated-recurrent-unit-gru",
    "gru.reset_after": "variants.html#the-gated-recurrent-unit-gru",
    "gru.both_conventions": "variants.html#the-gated-recurrent-unit-gru",
    "gru.rz_swapped": "variants.html#the-gated-recurrent-unit-gru",
    "gru.reset_unused": "variants.html#the-gated-recurrent-unit-gru",
    "gru.candidate_sigmoid": "variants.html#the-gated-recurrent-unit-gru",
    "gru.h_prev_unused": "variants.html#the-gated-recurrent-unit-gru",
    "count.one_bias": "variants.html#parameter-counts",
    "count.peepholes_missing": "variants.html#parameter-counts",
    "count.peephole_matrix": "variants.html#parameter-counts",
    "count.forget_block": "variants.html#parameter-counts",
    "count.no_biases": "variants.html#parameter-counts",
    "count.wrong": "variants.html#parameter-counts",
    # chapter 5
    "reber.not_grammatical": "reber.html#a-grammar-as-a-machine",
    "reber.seed_ignored": "reber.html#a-grammar-as-a-machine",
    "reber.same_strings": "reber.html#a-grammar-as-a-machine",
    "reber.transition_missing": "reber.html#a-grammar-as-a-machine",
    "reber.unfair_choice": "reber.html#a-grammar-as-a-machine",
    "reber.mean_length": "reber.html#a-grammar-as-a-machine",
    "reber.replayed": "reber.html#a-grammar-as-a-machine",
    "reber.acceptor_raises": "reber.html#a-grammar-as-a-machine",
    "reber.acceptor_wrong": "reber.html#a-grammar-as-a-machine",
    "reber.criterion_any": "reber.html#the-task-and-the-criterion",
    "reber.criterion_top_only": "reber.html#the-task-and-the-criterion",
    "reber.criterion_tie": "reber.html#the-task-and-the-criterion",
    "reber.criterion_wrong": "reber.html#the-task-and-the-criterion",
    "reber.weights_contract": "reber.html#the-task-and-the-criterion",
    "reber.training_slow": "reber.html#results-over-ten-seeds",
    "reber.training_seed_ignored": "reber.html#results-over-ten-seeds",
    "reber.not_learned": "reber.html#the-task-and-the-criterion",
}

MISTAKES = {code: Mistake(code, section) for code, section in _SECTIONS.items()}
"""Every known mistake by code."""


class CheckFailed(AssertionError):
    """A check's verdict on a wrong answer (an ``AssertionError``, as nbgrader expects).

    summary: what is wrong, in words only (no sizes, indices, values or seeds); detail: where and by how much;
    code: a key of :data:`MISTAKES` (``generic`` when the cause is not known).
    """

    def __init__(self, summary: str, detail: str = "", code: str = "generic"):
        if code not in MISTAKES:
            raise KeyError(f"unknown mistake code {code!r}")
        self.summary, self.detail, self.mistake = summary, detail, MISTAKES[code]
        super().__init__(str(self))

    def __str__(self) -> str:
        blocks = [self.summary] + ([self.detail] if self.detail else [])
        text = "\n\n".join(textwrap.fill(b, WIDTH, break_long_words=False, break_on_hyphens=False)
                           for b in blocks)
        return f"{text}\n\n{POINTER}{self.mistake.code}]\nRead: {self.mistake.section}"


def fail(code: str, summary: str, detail: str = "") -> CheckFailed:
    """The failure to raise: ``raise fail("lstm.gate_order", "...", "...")``."""
    return CheckFailed(summary, detail, code)
