"""`python -m lstmkit.grading similarity`: pairs of students whose answers are alike, on a synthetic class.

The class (tests/support/similar_class.py): 35 students who wrote ``gates`` from hand-written implementations
(loops or vectorised, helper functions or none, other valid formulas, each with its own choices, names, order,
layout, comments and habits), 20 who made the course's known mistakes (tests/grading/exercise_fixtures/gates.py),
and 5 planted copies of 5 of them, renamed, reordered, reformatted and recommented. The truth is known by
construction: the planted pairs are the top 5 pairs and the only flagged ones; no independent pair reaches the
threshold. Every implementation is checked to be a correct answer by the course's own checks, so the
independent students really solved the exercise in different ways.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from lstmkit.grading import checks
from lstmkit.grading.similarity import Parameters, SimilarityResult, compare_assignment, compare_submissions
from lstmkit.grading.similarity.collect import AnswerCell, Release, Submission, read_release
from support import similar_class
from support.answer_variants import IMPLEMENTATIONS, draw
from support.disguise import disguise, habits
from support.nbgrader import copy_course, submit
from support.notebooks import ROOT, fill_answers, known_mistakes, release_notebook

ASSIGNMENT = similar_class.ASSIGNMENT
THRESHOLD = Parameters().threshold


def _namespace():
    """What the release's setup cell defines, for running answers outside a notebook."""
    import lstmkit
    import numpy as np

    return {"np": np, "lstmkit": lstmkit, "sigmoid": lstmkit.sigmoid}


def _check(cell: str, ns: dict) -> None:
    """The course's visible checks of ``cell`` on the functions in ``ns`` (raise CheckFailed when wrong)."""
    if cell == "lstm_gates":
        checks.check_lstm_gates(ns["lstm_gates"])
        checks.check_lstm_gates(ns["lstm_gates"], seed=1, input_scale=1000.0)
    elif cell == "lstm_step_forward":
        checks.check_lstm_step_forward(ns["lstm_step_forward"])
    else:
        checks.check_lstm_forward(ns["lstm_forward"], ns["lstm_step_forward"])


@pytest.mark.parametrize("cell", list(IMPLEMENTATIONS))
def test_every_independent_implementation_is_a_correct_answer(cell):
    """Each hand-written implementation, with drawn choices, as written and disguised, passes the checks."""
    for which in range(len(IMPLEMENTATIONS[cell])):
        for seed in range(4):
            rng = random.Random(100 * seed + which)
            ns, habit = _namespace(), habits(rng)
            for other in IMPLEMENTATIONS:
                code = draw(other, rng, which if other == cell else 0)
                exec(disguise(code, rng, habit=habit) if seed % 2 else code, ns)  # noqa: S102 - our own code
            _check(cell, ns)


def test_the_checks_reject_the_known_mistakes_used_in_the_class():
    """The checks above can fail: the class's wrong submissions fail them (all but one whose mistake, a float64
    buffer, only the hidden float32 test sees)."""
    passed = []
    for name, case in known_mistakes(ASSIGNMENT).items():
        ns = _namespace()
        for cell in IMPLEMENTATIONS:
            exec(case["cells"].get(cell) or draw(cell, random.Random(0), 0), ns)  # noqa: S102
        try:
            for cell in case["cells"]:
                _check(cell, ns)
            passed.append(name)
        except checks.CheckFailed:
            pass
    assert passed == ["loop_float64_buffer"], passed


def _pairs_by_rank(result) -> list:
    return [frozenset((p.student_a, p.student_b)) for p in result.pairs]


def _assert_copies_on_top(result, synthetic, label):
    ranked = _pairs_by_rank(result)
    ranks = sorted(ranked.index(pair) + 1 for pair in synthetic.copies if pair in ranked)
    honest = [p for p in result.pairs if frozenset((p.student_a, p.student_b)) not in synthetic.copies]
    top_honest = max((p.score for p in honest), default=0.0)
    planted = [p.score for p in result.pairs if frozenset((p.student_a, p.student_b)) in synthetic.copies]
    figures = (f"{label}: planted pairs at ranks {ranks}, scores {sorted(planted)}; highest independent pair "
               f"{top_honest:.3f}; threshold {THRESHOLD}")
    print(figures)
    assert ranks == [1, 2, 3, 4, 5], figures
    assert top_honest < THRESHOLD, figures
    assert {frozenset((p.student_a, p.student_b)) for p in result.flagged} == synthetic.copies, figures


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_planted_copies_are_the_top_five_in_other_classes(seed):
    """The same on four more classes drawn from the same generator (in memory, the release of this repo)."""
    synthetic = similar_class.build(seed=seed)
    release = read_release(str(ROOT / "exercises" / ASSIGNMENT), ASSIGNMENT)
    result = compare_submissions(release, [Submission(s.name, s.answers) for s in synthetic.students])
    assert len(result.students) == 60 and result.pairs_compared == 60 * 59 // 2
    _assert_copies_on_top(result, synthetic, f"class {seed}")


# ---------------------------------------------------------------------------------------- the command
BROKEN = {"zz_broken_json": b'{"cells": [', "zz_no_cells": b'{"nbformat": 4, "metadata": {}}'}


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    """The class of seed 17 and two unreadable notebooks in a course folder; the command run once on it."""
    course = copy_course(tmp_path_factory.mktemp("similar"), [ASSIGNMENT], release=True)
    synthetic = similar_class.build(seed=17)
    similar_class.write(course, synthetic)
    for student, content in BROKEN.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "lstmkit.grading", "similarity", ASSIGNMENT, "--json", "sim.json",
                           "--html", "sim.html"], cwd=course, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return course, synthetic, done.stdout


def test_command_lists_the_planted_copies_first_and_flags_only_them(course_run):
    course, synthetic, stdout = course_run
    result = compare_assignment(str(course), ASSIGNMENT)
    _assert_copies_on_top(result, synthetic, "class 17 (course folder)")
    data = json.loads((course / "sim.json").read_text())
    assert SimilarityResult.from_json(data) == result  # the command, another process, found the same: no salted hash
    assert data["flagged"] == 5 and data["students"] == sorted(s.name for s in synthetic.students)
    flagged_json = {frozenset((p["student_a"], p["student_b"])) for p in data["pairs"] if p["flagged"]}
    assert flagged_json == synthetic.copies
    assert "nothing here accuses anyone" in stdout and "nothing here accuses anyone" in data["notice"]
    for pair in synthetic.copies:  # each planted pair is in the table, marked as flagged
        a, b = sorted(pair)
        assert any(a in line and b in line and line.rstrip().endswith("yes") for line in stdout.splitlines())
    page = (course / "sim.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "nothing here accuses anyone" in page
    assert page.count('<section id="lsim-pair-') == 5


def test_a_malformed_notebook_is_named_and_the_others_are_compared(course_run):
    course, synthetic, stdout = course_run
    result = compare_assignment(str(course), ASSIGNMENT)
    named = {p.student: p.message for p in result.problems}
    assert set(named) == set(BROKEN)
    for student, message in named.items():
        path = str(course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        assert message.startswith(path + ": not a notebook"), message
        assert message in stdout
    assert "JSON is invalid" in named["zz_broken_json"] and "list of cells" in named["zz_no_cells"]
    assert not set(BROKEN) & set(result.students) and len(result.students) == 60


def test_a_bad_option_is_named(course_run, monkeypatch, capsys):
    from lstmkit.grading.__main__ import main

    monkeypatch.chdir(course_run[0])
    assert main(["similarity", ASSIGNMENT, "--threshold", "1.5"]) == 2
    assert "threshold: expected a score in (0, 1], got 1.5" in capsys.readouterr().err


def test_a_missing_release_is_a_clear_error(tmp_path):
    course = copy_course(tmp_path, [ASSIGNMENT])  # solutions only, no exercises/
    done = subprocess.run([sys.executable, "-m", "lstmkit.grading", "similarity", ASSIGNMENT], cwd=course,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "no released notebook in" in done.stderr and "exercises" in done.stderr


# ------------------------------------------------------------------ given code and unanswered cells
SKELETON = '''def lstm_forward(X, h0, c0, params):
    """X (T, B, D), h0 (B, H), c0 (B, H) -> (H (T, B, H), c_T (B, H))."""
    T = X.shape[0]
    H = np.zeros((T,) + h0.shape, dtype=h0.dtype)
    h, c = h0, c0
    for t in range(T):
        # YOUR CODE HERE
        raise NotImplementedError()
    return H, c
'''
STUB = SKELETON.split("    T = ")[0] + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"
FILLINGS = ["h, c = lstm_step_forward(X[t], h, c, params)\n        H[t] = h",
            "state = lstm_step_forward(X[t], h, c, params)\n        h, c = state[0], state[1]\n        H[t, :, :] = h",
            "out = lstm_step_forward(x=X[t], h_prev=h, c_prev=c, params=params)\n        H[t] = out[0]\n"
            "        c = out[1]\n        h = H[t]",
            "h, c = lstm_step_forward(X[t].copy(), h, c, params)\n        np.copyto(H[t], h)",
            "x_t = X[t]\n        h, c = lstm_step_forward(x_t, h, c, params)\n        H[t] = h.copy()"]


def _filled(filling: str) -> str:
    return SKELETON.replace("# YOUR CODE HERE\n        raise NotImplementedError()", filling)


def _one_cell_release(released: str) -> Release:
    return Release(ASSIGNMENT, (AnswerCell("lstm_forward", ASSIGNMENT, "lstm_forward", released),),
                   frozenset({"np", "lstm_step_forward", "lstm_forward"}))


def test_code_given_in_the_release_does_not_make_pairs_similar():
    """Five students keep the release's loop skeleton and write its body each their own way: no part of the
    skeleton (the release's code) is a match, and no pair is flagged. The same five against a release that gave
    only the stub have the skeleton as their own code: every pair then shares it and scores higher, so the
    exclusion, not chance, keeps them apart."""
    subs = [Submission(f"s{i}", {"lstm_forward": _filled(f)}) for i, f in enumerate(FILLINGS)]
    given = compare_submissions(_one_cell_release(SKELETON), subs, Parameters(top=100))
    stub_only = compare_submissions(_one_cell_release(STUB), subs, Parameters(top=100))
    with_skeleton = {(p.student_a, p.student_b): p.score for p in given.pairs}
    without = {(p.student_a, p.student_b): p.score for p in stub_only.pairs}
    assert len(without) == 10 and min(without.values()) >= 0.5, without  # everyone shares the skeleton
    assert all(with_skeleton.get(pair, 0.0) < score for pair, score in without.items()), (with_skeleton, without)
    assert not given.flagged and max(with_skeleton.values(), default=0.0) < THRESHOLD
    for pair in given.pairs:  # no part of the skeleton is marked as matching
        cell = pair.cells[0]
        marked = "".join(cell.source_a[s.start:s.end] for s in cell.matches_a)
        assert "np.zeros" not in marked and "range(T)" not in marked and "return H, c" not in marked


def test_unanswered_and_emptied_cells_do_not_match_each_other():
    release = read_release(str(ROOT / "exercises" / ASSIGNMENT), ASSIGNMENT)
    released = {c.key: c.released for c in release.cells}
    rng = random.Random(5)
    subs = [Submission(f"blank{i}", dict(released)) for i in range(4)]                    # handed in untouched
    subs += [Submission(f"empty{i}", {k: "" for k in released}) for i in range(3)]       # cells emptied
    subs += [Submission(f"pass{i}", {k: v.replace("raise NotImplementedError()", "pass")
                                     for k, v in released.items()}) for i in range(3)]   # stub replaced by pass
    subs += [Submission(f"solved{i}", {k: draw(k, rng, i) for k in released}) for i in range(3)]
    subs += [Submission("partial", {**released, "lstm_gates": draw("lstm_gates", rng, 4)})]
    result = compare_submissions(release, subs, Parameters(top=1000))
    unanswered = {s.student for s in subs if not s.student.startswith(("solved", "partial"))}
    assert not [p for p in result.pairs if {p.student_a, p.student_b} & unanswered]
    assert result.pairs_sharing == len(result.pairs)
    for pair in result.pairs:  # between answered students, the unanswered cells of "partial" show no match
        for cell in pair.cells:
            if "partial" in (pair.student_a, pair.student_b) and cell.cell != "lstm_gates":
                assert cell.score == 0.0 and not cell.matches_a and not cell.matches_b
