"""The adversarial corpus (tests/grading/adversarial/corpus.py) through the hardened autograder.

One batch grades the three control students alone, then the controls and
every adversarial submission together (2 workers). Each case must get exactly
its hand-derived status and score, per test cell, and the controls must get
exactly what they got alone: no submission can change another's grade.
"""

import csv
import os

import nbformat
import psutil
from support import optional_deps
import pytest

from support.grading_course import ASSIGNMENT, LIMITS, load_corpus, make_course, test_cell_scores, write_submission

if optional_deps.problem("bubblewrap"):
    pytest.skip(optional_deps.reason("bubblewrap"), allow_module_level=True)

from lstmkit.grading import batch  # noqa: E402

corpus = load_corpus()
ALL = corpus.CONTROLS + corpus.CASES
BY_NAME = {case.name: case for case in ALL}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = make_course(str(tmp_path_factory.mktemp("grading") / "course"))
    for case in ALL:
        write_submission(course, case)
    controls = [c.name for c in corpus.CONTROLS]
    batch.autograde(course, ASSIGNMENT, workers=2, students=controls, log=lambda *a: None, **LIMITS)
    alone = {name: test_cell_scores(course, name) for name in controls}
    csv_path = os.path.join(course, "grades.csv")
    rows = batch.autograde(course, ASSIGNMENT, workers=2, csv_path=csv_path, log=lambda *a: None, **LIMITS)
    return {"course": course, "alone": alone, "rows": {r["student"]: r for r in rows}, "csv": csv_path}


def test_corpus_covers_four_kinds_with_at_least_25_cases():
    kinds = {}
    for case in corpus.CASES:
        kinds[case.kind] = kinds.get(case.kind, 0) + 1
    assert len(corpus.CASES) >= 25
    assert set(kinds) == {"wrong", "surgery", "runtime", "tamper"}
    assert min(kinds.values()) >= 5, kinds


@pytest.mark.parametrize("name", [case.name for case in ALL])
def test_case_gets_its_exact_grade(run, name):
    case = BY_NAME[name]
    row = run["rows"][name]
    assert (row["status"], row["score"], row["max_score"]) == (case.status, case.score, 6.0), row["reason"]
    assert case.reason in row["reason"]
    course = run["course"]
    for host_path in (course, "lstmkit-grading-"):  # a reason never shows where the grader keeps files
        assert host_path not in row["reason"]
    autograded = os.path.join(course, "autograded", name, ASSIGNMENT, "lstm_gate.ipynb")
    scores = test_cell_scores(course, name)
    if case.status == "rejected":
        assert scores is None, "a rejected submission must leave no grade"
        assert not os.path.exists(autograded)
        return
    expected = {test: 0.0 if test in case.lost else float(points) for test, points in corpus.POINTS.items()}
    assert scores == expected
    nb = nbformat.read(autograded, as_version=4)
    text = "\n".join(str(o.get("text", "")) + str(o.get("ename", "")) + str(o.get("evalue", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "LEAKED" not in text
    if case.output:
        assert case.output in text
    for absent in case.absent:
        assert absent.replace("{COURSE}", course) not in text, f"the outputs show {absent!r}"
    if case.max_bytes:
        size = os.path.getsize(autograded)
        assert size < case.max_bytes, f"the autograded notebook is {size} bytes"
    for cell in nb.cells:
        if cell.cell_type == "code":
            size = sum(len(str(o.get("text", ""))) for o in cell.outputs)
            assert size < 2 * LIMITS["output_limit"] + 1000, "outputs must stay bounded"


def test_controls_unchanged_by_the_other_submissions(run):
    for name, scores in run["alone"].items():
        assert scores is not None
        assert test_cell_scores(run["course"], name) == scores
        expected = {t: 0.0 if t in BY_NAME[name].lost else float(p) for t, p in corpus.POINTS.items()}
        assert scores == expected


def test_csv_matches_the_gradebook(run):
    from nbgrader.api import Gradebook, MissingEntry

    with open(run["csv"]) as fh:
        rows = list(csv.DictReader(fh))
    assert [r["student"] for r in rows] == sorted(BY_NAME)
    assert list(rows[0]) == ["student", "assignment", "score", "max_score", "status", "reason"]
    with Gradebook("sqlite:///" + os.path.join(run["course"], "gradebook.db"), "lstm-fixture") as gb:
        for row in rows:
            try:
                score = gb.find_submission(ASSIGNMENT, row["student"]).score
            except MissingEntry:
                score = None
            if row["status"] == "rejected":
                assert score is None
            else:
                assert float(row["score"]) == score


def test_no_student_process_survives(run):
    uids = range(batch.UID_BASE, batch.UID_BASE + 2 * batch.UIDS_PER_SLOT)  # two worker slots
    left = [p.info for p in psutil.process_iter(["pid", "uids", "cmdline"]) if p.info["uids"]
            and p.info["uids"].real in uids]
    assert left == []


def test_rerun_gives_the_same_result(run):
    names = ["control_perfect", "surgery_deleted_test", "surgery_truncated_json", "runtime_os_exit",
             "tamper_patched_numpy", "wrong_transposed_weights"]
    before = {n: test_cell_scores(run["course"], n) for n in names}
    rows = batch.autograde(run["course"], ASSIGNMENT, workers=2, students=names, log=lambda *a: None, **LIMITS)
    for row in rows:
        assert row == run["rows"][row["student"]]
        assert test_cell_scores(run["course"], row["student"]) == before[row["student"]]


def test_nbgrader_feedback_and_export_read_the_result(run):
    from support.grading_course import nbgrader

    course = run["course"]
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "control_partial")
    assert os.path.exists(os.path.join(course, "feedback", "control_partial", ASSIGNMENT, "lstm_gate.html"))
    nbgrader(course, "export", "--to", os.path.join(course, "export.csv"))
    with open(os.path.join(course, "export.csv")) as fh:
        exported = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(fh)}
    for name, row in run["rows"].items():
        if row["status"] != "rejected":
            assert exported[name] == row["score"]


def test_fork_bomb_was_stopped_by_the_process_limit(run):
    import re

    path = os.path.join(run["course"], "autograded", "runtime_fork_bomb", ASSIGNMENT, "lstm_gate.ipynb")
    nb = nbformat.read(path, as_version=4)
    text = " ".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    forked = int(re.search(r"forked (\d+)", text).group(1))
    assert 0 < forked < LIMITS["nproc"]  # 500 were attempted


@pytest.fixture(scope="module")
def keyrings(tmp_path_factory):
    """The keyring cases, graded one after the other on one worker slot (so the same sandbox uid)."""
    course = make_course(str(tmp_path_factory.mktemp("keyrings") / "course"))
    for case in corpus.KEYRING:
        write_submission(course, case)
    reset_keyrings(batch.UID_BASE)
    try:
        rows = batch.autograde(course, ASSIGNMENT, workers=1, students=[c.name for c in corpus.KEYRING],
                               log=lambda *a: None, **LIMITS)
    finally:
        reset_keyrings(batch.UID_BASE)  # what keyring_plant left must not outlive the test
    return course, {r["student"]: r for r in rows}


RESET = """import ctypes, os, sys
uid = int(sys.argv[1])
os.setgroups([]); os.setgid(uid); os.setuid(uid)
libc = ctypes.CDLL(None, use_errno=True)
def keyctl(*args):
    return libc.syscall(ctypes.c_long(250), *(ctypes.c_long(a) for a in args))
for ring in (-4, -5, keyctl(22, -1, -4)):
    keyctl(5, ring, 0x3f3f0000)  # KEYCTL_SETPERM back to the default (needs 'setattr', which the plant kept)
    keyctl(7, ring)              # KEYCTL_CLEAR
"""


def reset_keyrings(uid):
    import platform
    import subprocess
    import sys

    if os.geteuid() == 0 and platform.machine() == "x86_64":
        subprocess.run([sys.executable, "-c", RESET, str(uid)], check=True)


@pytest.mark.parametrize("name", [case.name for case in corpus.KEYRING])
def test_keyring_left_by_one_student_is_empty_for_the_next(keyrings, name):
    import platform

    if os.geteuid() != 0 or platform.machine() != "x86_64":
        pytest.skip("needs root (one uid per slot) and x86_64 (keyctl's system call number)")
    course, rows = keyrings
    case = next(c for c in corpus.KEYRING if c.name == name)
    row = rows[name]
    assert (row["status"], row["score"]) == (case.status, case.score), row["reason"]
    nb = nbformat.read(os.path.join(course, "autograded", name, ASSIGNMENT, "lstm_gate.ipynb"), as_version=4)
    text = "\n".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert case.output in text
    if name == "keyring_read":
        assert "planted-by" not in text, "a key stored by the previous student of this slot was readable"
