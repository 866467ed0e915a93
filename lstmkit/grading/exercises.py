"""What each assignment asks students to write, declared once.

For every part of an assignment: the name the student defines and the lstmkit objects that already compute
it (its *references*). This one declaration drives two things:

- the **student build** of lstmkit that the hardened grader mounts in the sandbox
  (:mod:`lstmkit.grading.student_build`): every reference of the assignment being graded is absent there
  (a stub that raises :class:`ExerciseUnavailable`), and ``lstmkit.grading`` holds no code at all;
- the checks' courtesy message in ``nbgrader validate`` and plain ``nbgrader autograde``, where the student's
  code runs next to the full library (:func:`lstmkit.grading.checks.calling._call`): a solution that calls one of the
  references fails with the same words as in the sandbox.

A reference is a dotted name: a module (``lstmkit.reber``: the whole module is absent), a module-level
function or class (``lstmkit.layers.LSTM``), or a method (``lstmkit.layers.LSTM.backward``).
"""
from __future__ import annotations

from dataclasses import dataclass

MESSAGE = ("{name} is lstmkit's own version of this exercise, so it is not available to your code here: "
           "write this part yourself with numpy (lstmkit.sigmoid, lstmkit.dsigmoid and lstmkit.dtanh are allowed)")


class ExerciseUnavailable(NotImplementedError):
    """Raised by the student build's stand-in for a reference implementation."""


@dataclass(frozen=True)
class Part:
    """One function students write: its name in the notebook and the lstmkit objects that compute it."""

    answer: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    name: str
    parts: tuple[Part, ...]

    @property
    def hidden(self) -> tuple[str, ...]:
        """Every reference of the assignment, sorted: what the student build leaves out."""
        return tuple(sorted({ref for part in self.parts for ref in part.references}))


TRAINING = ("lstmkit.kinds", "lstmkit.train", "lstmkit.reber", "lstmkit.experiments")
"""Models, training and the Reber experiments: they build and train every kind, so no assignment shows them."""
RNN = ("lstmkit.cells.rnn_step_forward", "lstmkit.cells.rnn_step_backward", "lstmkit.layers.RNN",
       *TRAINING)
LSTM_FORWARD = ("lstmkit.cells.lstm_step_forward", "lstmkit.cells.lstm_step_backward", "lstmkit.layers.LSTM",
                "lstmkit._fused_lstm", *TRAINING)
LSTM_BACKWARD = ("lstmkit.cells.lstm_step_backward", "lstmkit.layers.LSTM.backward",
                 "lstmkit._fused_lstm.backward", "lstmkit._fused_lstm.factors", "lstmkit._fused_lstm._step_back",
                 "lstmkit._fused_lstm.param_grads", "lstmkit._fused_lstm.input_grads",
                 "lstmkit.layers.Recurrent._finish_backward",
                 "lstmkit.layers.RNN", "lstmkit.layers.GRU", *TRAINING)
GRU = ("lstmkit.cells.gru_step_forward", "lstmkit.cells.gru_step_backward", "lstmkit.layers.GRU",
       *TRAINING)
LAYERS = ("lstmkit.layers.Recurrent", "lstmkit.layers.RNN", "lstmkit.layers.LSTM", "lstmkit.layers.GRU",
          *TRAINING)
REBER = TRAINING

ASSIGNMENTS = {a.name: a for a in (
    Assignment("rnn_limits", (
        Part("rnn_step_forward", RNN),
        Part("hidden_gradient_norms", RNN),
        Part("clip_by_global_norm", ("lstmkit.optim.clip_grad_norm", "lstmkit.optim.global_grad_norm")),
    )),
    Assignment("gates", (
        Part("lstm_gates", LSTM_FORWARD),
        Part("lstm_step_forward", LSTM_FORWARD),
        Part("lstm_forward", LSTM_FORWARD),
    )),
    Assignment("cell_state", (
        Part("lstm_step_backward", LSTM_BACKWARD),
        Part("lstm_backward", LSTM_BACKWARD),
    )),
    Assignment("variants", (
        Part("peephole_step_forward", LSTM_FORWARD),
        Part("gru_step_forward", GRU),
        Part("count_parameters", LAYERS),
    )),
    Assignment("reber", (
        Part("reber_strings", REBER),
        Part("is_reber", REBER),
        Part("predicts_correctly", REBER),
        Part("train_reber", REBER),
    )),
)}

PARTS = {part.answer: part for a in ASSIGNMENTS.values() for part in a.parts}


def hidden_for(assignment: str) -> tuple[str, ...]:
    """The references the student build of ``assignment`` leaves out (none for an unknown assignment)."""
    found = ASSIGNMENTS.get(assignment)
    return found.hidden if found is not None else ()


def references_of(answer: str) -> tuple[str, ...]:
    """The references of the part whose answer is named ``answer`` (none for an unknown name)."""
    part = PARTS.get(answer)
    return part.references if part is not None else ()
