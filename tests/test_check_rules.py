"""The rules every check follows, tested on the checks themselves: mistake codes that exist and point to real
book sections, one rule for arguments changed in place, a time limit per call, and messages whose first block
(the part a hidden test may show) holds no number of the hidden case."""
import os
import re
import time

import numpy as np
import pytest

from lstmkit.grading import checks
from lstmkit.grading.checks import calling, mistakes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKS = os.path.join(ROOT, "lstmkit", "grading", "checks")


def heading_anchors(page):
    """The anchors Sphinx gives the headings of book/<page>.md (lowercase words joined by hyphens)."""
    with open(os.path.join(ROOT, "book", page + ".md"), encoding="utf-8") as fh:
        text = re.sub(r"```.*?```", "", fh.read(), flags=re.S)
    anchors = set()
    for title in re.findall(r"^#{1,4} (.+)$", text, flags=re.M):
        words = re.findall(r"[a-z0-9]+", title.lower().replace("'", ""))
        anchors.add("-".join(words))
    return anchors


def test_every_mistake_points_to_a_heading_of_the_book():
    for code, mistake in mistakes.MISTAKES.items():
        page, anchor = mistake.section.split(".html#")
        assert anchor in heading_anchors(page), f"{code}: {mistake.section} is not a heading of book/{page}.md"


def test_every_code_the_checks_raise_is_in_the_catalogue_and_every_entry_is_used():
    used = set()
    for name in os.listdir(CHECKS):
        if name.endswith(".py") and name != "mistakes.py":
            with open(os.path.join(CHECKS, name), encoding="utf-8") as fh:
                used |= set(re.findall(r"\"(generic(?:\.[a-z0-9_]+)?|(?:rnn|bptt_rnn|clip|lstm|loop|backward|bptt|"
                                       r"peephole|gru|count|reber)\.[a-z0-9_]+)\"", fh.read()))
    assert used - set(mistakes.MISTAKES) == set()
    assert set(mistakes.MISTAKES) - used == set(), "catalogue entries no check raises"


def test_message_has_summary_detail_and_pointer_each_line_short():
    exc = mistakes.fail("lstm.gate_order", "lstm_step_forward: h is wrong: " + "the gate blocks are read " * 6,
                        "at index (0, 1): found 0.5, expected 0.25")
    blocks = str(exc).split("\n\n")
    assert blocks[0].replace("\n", " ").startswith("lstm_step_forward: h is wrong")
    assert blocks[1] == "at index (0, 1): found 0.5, expected 0.25"
    assert blocks[2] == "[mistake lstm.gate_order]\nRead: intro.html#gate-order-a-conventions-table"
    # nbgrader validate cuts lines at 87 characters (its width 90 minus 3) after a 4-space indent
    assert max(len(line) for line in str(exc).splitlines()) <= 83
    with pytest.raises(KeyError):
        mistakes.fail("no.such_code", "x")


def test_a_function_that_changes_its_input_fails_naming_it_and_the_reference_is_untouched():
    def clip(grads, max_norm):
        total = float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
        for g in grads.values():
            g *= min(1.0, max_norm / total)
        return dict(grads), total
    with pytest.raises(mistakes.CheckFailed, match=r"modified its input grads\['weight_ih'\] in place") as info:
        checks.check_clip_by_global_norm(clip)
    assert info.value.mistake.code == "generic.modifies_input"

    def clip_same_dict(grads, max_norm):
        return grads, float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
    with pytest.raises(mistakes.CheckFailed, match="returned its input grads itself"):
        checks.check_clip_by_global_norm(clip_same_dict, sizes=((2, 2),), max_norm=1e9)


def test_an_endless_loop_costs_the_time_limit_and_the_next_check_still_runs(monkeypatch):
    monkeypatch.setattr(calling, "PART_SECONDS", 1.0)

    def rnn_step_forward(x, h_prev, params):
        while True:
            pass
    start = time.perf_counter()
    with pytest.raises(mistakes.CheckFailed, match="did not finish within 1 s") as info:
        checks.check_rnn_step_forward(rnn_step_forward)
    assert time.perf_counter() - start < 5
    assert info.value.mistake.code == "generic.timeout"
    checks.check_rnn_step_forward(lambda x, h, p: np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T
                                                          + p["bias_hh"]))


def test_summary_never_names_the_sizes_or_seed_of_the_case():
    """The first block of a failure on an unusual hidden-like case holds none of its sizes or its seed."""
    def gates_o_for_g(x, h_prev, p):
        a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
        i, f, g, o = np.split(a, 4, axis=-1)
        s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
        return {"i": s(i), "f": s(f), "g": np.tanh(o), "o": s(o)}
    with pytest.raises(mistakes.CheckFailed) as info:
        checks.check_lstm_gates(gates_o_for_g, batch=13, inputs=17, hidden=19, seed=4242)
    summary = info.value.summary
    assert "candidate g was computed from the block of output gate o" in summary
    assert not re.search(r"\b(13|17|19|57|76|4242)\b", summary), summary
    assert "rows 57:76" in info.value.detail
