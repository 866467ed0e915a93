"""The instructor's flow as README.md and book/instructors.md document it, on a class with a broken notebook.

A temporary course folder holds the course's nbgrader_config.py, solutions/ and the committed exercises/ of
rnn_limits (the cheapest assignment), and four students: alice (the reference solution and a written answer),
bob (the untouched release), carol (a notebook cut off mid-file: not valid JSON) and dave (the reference
solution, a written answer, the visible test of the first part replaced by `pass` and the released stub of its
hidden test cell edited).

- In the documented order, through the Makefile (`make release autograde feedback export COURSE=...`), with
  the manual grades entered by the documented Python snippet (alice) and by `python -m lstmkit.grading manual`
  (dave): every student but carol is graded with the points the source notebook gives the tests they pass,
  carol is named at the end of the output and leaves nothing in the gradebook, the checksum warnings are
  dave's two edited cells and no untouched hidden-test cell of anyone, the formgrader lists alice and dave as needing a
  manual grade before the grades and nobody after, feedback runs without a configuration warning and shows
  dave's comment, and grades.csv carries a status that tells carol's "not graded" from bob's graded 0.
- Autograding before `make release`, with `make autograde`, with the hardened grader and with nbgrader's own
  `nbgrader autograde`: each records the assignment itself, leaves exercises/ as committed, and grades the
  same; `make release` afterwards works.
"""
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from support.nbgrader import copy_course, run as run_nbgrader
from support.notebooks import ROOT, fill_answers, nbgrader_meta as meta, solution_answers, \
    source_notebook as course_source
from support.optional_deps import needs

A = "rnn_limits"
ANSWER = "answer_vanishing"
TAMPERED = {"test_rnn_step_forward": "pass",                                  # a visible test, emptied
            "test_rnn_step_forward_hidden": "# Hidden tests: none\nassert True"}  # a hidden test's cell, edited
STUDENTS = ["alice", "bob", "carol", "dave"]
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
CHECKSUM_WARNING = re.compile(r"Attribute 'checksum' for cell (\S+) has changed")


# ------------------------------------------------------------------------------------------------ the class
def source_notebook():
    return course_source(A)


def auto_points():
    """The points of the source's test cells (the reference solution earns all of them)."""
    return sum(meta(c)["points"] for c in source_notebook().cells
               if meta(c).get("grade") and not meta(c).get("solution"))


def answer_points():
    return next(meta(c)["points"] for c in source_notebook().cells if meta(c).get("grade_id") == ANSWER)


def solved(release, tamper=False):
    """The release with every code answer replaced by the source's solution and a written answer."""
    answers = dict(solution_answers(source_notebook()),
                   **{ANSWER: "Each step multiplies the gradient by W_hh^T and tanh': below 1, the product vanishes."})
    return fill_answers(release, {**answers, **TAMPERED} if tamper else answers)


def new_course(folder):
    """A course folder as a clone has it: config, solutions and the committed release; no gradebook."""
    return copy_course(folder, [A], release=True)


def collect(course, students=STUDENTS):
    """Put each student's notebook where the docs say: submitted/<student>/<assignment>/<assignment>.ipynb."""
    release = nbformat.read(ROOT / "exercises" / A / f"{A}.ipynb", as_version=4)
    text = {"alice": nbformat.writes(solved(release)), "bob": nbformat.writes(release),
            "dave": nbformat.writes(solved(release, tamper=True))}
    text["carol"] = text["alice"][: len(text["alice"]) // 2]  # a notebook cut off mid-file
    for student in students:
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text(text[student])


def env():
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def make(course, target):
    """`make TARGET` of the repository's Makefile on ``course`` (this interpreter's environment, no reinstall)."""
    venv = sys.prefix
    done = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-o", f"{venv}/.installed", target,
                           f"VENV={venv}", f"COURSE={course}", f"ASSIGNMENTS={A}"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env(), timeout=900)
    return done.returncode, done.stdout  # what a terminal shows, in its order


def grading_cli(course, *args):
    done = subprocess.run([sys.executable, "-m", "lstmkit.grading", *args], cwd=course, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, env=env(), timeout=900)
    return done.returncode, done.stdout


def gradebook_scores(course):
    """{student: (score, needs manual grade)} of the submissions in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "lstm-course") as gb:
        return {s["student"]: (s["score"], s["needs_manual_grade"]) for s in gb.submission_dicts(A)}


def formgrader_waiting(course):
    """Students the formgrader marks "needs manual grade", through the API its pages call: the Manual Grading
    page's list of a notebook's submissions and the assignment's list of submissions must agree."""
    from nbgrader.apps.api import NbGraderAPI

    from lstmkit.grading.course import load_course

    coursedir, config = load_course(course)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    by_notebook = sorted(s["student"] for s in api.get_notebook_submissions(A, A) if s["needs_manual_grade"])
    by_assignment = sorted(s["student"] for s in api.get_submissions(A) if s["needs_manual_grade"])
    assert by_notebook == by_assignment, (by_notebook, by_assignment)
    return by_notebook


def documented_snippet():
    """The manual-grade snippet of the docs; README.md and book/instructors.md must show the same one."""
    blocks = []
    for doc in ("README.md", "book/instructors.md"):
        found = [b for b in re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.S) if "manual_score" in b]
        assert len(found) == 1, f"{doc}: expected one snippet that sets manual_score, found {len(found)}"
        blocks.append(found[0])
    assert blocks[0] == blocks[1], "README.md and book/instructors.md show different manual-grade snippets"
    return blocks[0]


def run_snippet(course, student, cell, score):
    snippet = documented_snippet()
    values = re.compile(r"^assignment, student, cell, score = .*$", re.M)
    assert values.search(snippet), "the snippet names its values on one line: assignment, student, cell, score = ..."
    code = values.sub(f"assignment, student, cell, score = {A!r}, {student!r}, {cell!r}, {score!r}", snippet)
    done = subprocess.run([sys.executable, "-c", code], cwd=course, capture_output=True, text=True, env=env())
    assert done.returncode == 0, done.stderr


def manual_error(course, student, cell, score):
    from lstmkit.grading.course import CourseError
    from lstmkit.grading.manual import set_manual_grade

    with pytest.raises(CourseError) as err:
        set_manual_grade(course, A, student, cell, score)
    return str(err.value)


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


# ----------------------------------------------------------------------------------------- documented order
@pytest.fixture(scope="module")
def documented(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("documented"))
    run = {"release": make(course, "release")}
    collect(course)
    run["autograde"] = make(course, "autograde")
    run["scores"] = gradebook_scores(course)
    run["waiting_before"] = formgrader_waiting(course)
    run_snippet(course, "alice", ANSWER, 1.5)
    run["manual"] = grading_cli(course, "manual", A, "dave", ANSWER, "2", "--comment", "Right, and well put.")
    run["manual_errors"] = [manual_error(course, "dave", ANSWER, 5), manual_error(course, "carol", ANSWER, 1),
                            manual_error(course, "dave", "answer_nope", 1)]
    run["waiting_after"] = formgrader_waiting(course)
    run["feedback"] = make(course, "feedback")
    run["export"] = make(course, "export")
    return course, run


def test_release_regenerates_the_committed_exercises(documented):
    course, run = documented
    assert run["release"][0] == 0, run["release"][1][-3000:]
    assert (json.loads((course / "exercises" / A / f"{A}.ipynb").read_text())
            == json.loads((ROOT / "exercises" / A / f"{A}.ipynb").read_text()))


def test_autograde_grades_everyone_else_and_names_the_broken_notebook_last(documented):
    course, run = documented
    status, out = run["autograde"]
    assert status != 0, "a notebook could not be graded: make autograde must fail, after grading the others"
    tail = out[out.rindex("autograde: not graded"):]
    assert re.search(rf"{A}, student carol: {A}\.ipynb is not valid JSON", tail), tail
    assert out.rindex("[AutogradeApp") < out.rindex("autograde: not graded"), "the report comes after grading"
    for student in ("alice", "bob", "dave"):
        assert student not in tail
        assert (course / "autograded" / student / A / f"{A}.ipynb").is_file()
    full = float(auto_points())
    # bob's 0 shows the hidden tests ran: the released hidden-test cells are comments, which would pass
    assert run["scores"] == {"alice": (full, True), "bob": (0.0, False), "dave": (full, True)}, \
        "carol leaves no submission; alice and dave earn every automatic point and wait for their answer"


def test_only_edited_test_cells_warn_about_their_checksum(documented):
    _, run = documented
    warned = CHECKSUM_WARNING.findall(run["autograde"][1])
    assert sorted(warned) == sorted(TAMPERED), f"expected warnings for dave's edited cells only, got {warned}"


def test_manual_grades_empty_the_formgraders_list(documented):
    course, run = documented
    assert run["waiting_before"] == ["alice", "dave"]
    assert run["manual"][0] == 0, run["manual"][1]
    assert run["waiting_after"] == [], "after the manual grades, no submission may still need one"
    full = float(auto_points())
    assert gradebook_scores(course) == {"alice": (full + 1.5, False), "bob": (0.0, False),
                                        "dave": (full + 2.0, False)}


def test_manual_command_names_what_is_wrong(documented):
    _, run = documented
    over, ungraded, unknown = run["manual_errors"]
    assert over == f"score: expected a number from 0 to {answer_points():g} (the points of {ANSWER}), got 5"
    assert ungraded == "student: 'carol' has no graded submission of 'rnn_limits'; autograde it first"
    assert unknown.startswith("cell: expected a graded cell of rnn_limits (") and ANSWER in unknown
    assert unknown.endswith("got 'answer_nope'")


def test_feedback_runs_clean_and_carries_the_manual_grade(documented):
    course, run = documented
    status, out = run["feedback"]
    assert status == 0, out[-3000:]
    assert "not recognized" not in out, [line for line in out.splitlines() if "not recognized" in line]
    for student in ("alice", "bob", "dave"):
        assert (course / "feedback" / student / A / f"{A}.html").is_file()
    assert "Right, and well put." in (course / "feedback" / "dave" / A / f"{A}.html").read_text()
    assert not (course / "feedback" / "carol").exists()


def test_export_tells_an_ungraded_notebook_from_a_graded_zero(documented):
    course, run = documented
    assert run["export"][0] == 0, run["export"][1][-3000:]
    header, *rows = read_csv(course / "grades.csv")
    assert header == NBGRADER_COLUMNS + ["status", "extension_hours", "days_late"]
    got = {r[3]: (float(r[9]), float(r[10]), r[11]) for r in rows}
    full, most = float(auto_points()), float(auto_points() + answer_points())
    assert got == {"alice": (full + 1.5, most, "graded"), "bob": (0.0, most, "graded"),
                   "carol": (0.0, most, "not_graded"), "dave": (full + 2.0, most, "graded")}


# -------------------------------------------------------------------------------- autograde before release
def test_make_autograde_before_release_records_the_assignment(tmp_path):
    course = new_course(tmp_path)
    collect(course, ["alice", "carol"])
    committed = (course / "exercises" / A / f"{A}.ipynb").read_bytes()
    status, out = make(course, "autograde")
    assert "No assignment with ID" not in out
    assert f"{A}: recorded in the gradebook from {course / 'solutions' / A}" in out
    assert status != 0 and f"{A}, student carol: {A}.ipynb is not valid JSON" in out
    assert (course / "exercises" / A / f"{A}.ipynb").read_bytes() == committed, "exercises/ must stay as committed"
    graded = {"alice": (float(auto_points()), True)}  # the hidden tests ran: every automatic point
    assert gradebook_scores(course) == graded
    assert grading_cli(course, "record", A) == (0, f"{A}: already in the gradebook\n")
    status, out = make(course, "release")  # releasing after grading works too
    assert status == 0, out[-3000:]
    assert gradebook_scores(course) == graded


@needs("bubblewrap")
def test_hardened_autograde_before_release_records_the_assignment(tmp_path):
    course = new_course(tmp_path)
    collect(course)
    status, out = grading_cli(course, "autograde", A, "--workers", "2", "--csv", "hardened.csv")
    assert status == 0, out[-3000:]
    assert f"{A}: recorded in the gradebook from {course / 'solutions' / A}" in out
    rows = {r["student"]: r for r in csv.DictReader(open(course / "hardened.csv"))}
    full = auto_points()
    assert {s: (r["status"], float(r["score"])) for s, r in rows.items()} == {
        "alice": ("needs_manual", full), "bob": ("graded", 0.0), "carol": ("rejected", 0.0),
        "dave": ("needs_manual", full)}
    assert rows["alice"]["reason"] == "" and rows["bob"]["reason"] == ""
    repaired = set(re.findall(r"test_\w+", rows["dave"]["reason"]))
    assert repaired == set(TAMPERED), rows["dave"]["reason"]
    assert "rejected: carol: rnn_limits.ipynb is not valid JSON" in out
    status, out = make(course, "export")
    assert status == 0, out[-3000:]
    assert {r[3]: r[11] for r in read_csv(course / "grades.csv")[1:]} == {
        "alice": "needs_manual", "bob": "graded", "carol": "not_graded", "dave": "needs_manual"}


def test_nbgrader_autograde_before_release_records_the_assignment(tmp_path):
    """nbgrader's own command, through nbgrader_config.py's hook; with an exercises/ older than solutions/."""
    course = new_course(tmp_path)
    collect(course, ["bob"])
    release = course / "exercises" / A / f"{A}.ipynb"
    older = nbformat.read(release, as_version=4)
    older.cells[0].source += "\n\nAn earlier wording of the introduction."
    nbformat.write(older, release)
    done = run_nbgrader(course, "autograde", A, "--force", timeout=900)
    assert f"{A}: recorded in the gradebook" in done.stderr
    assert f"warning: {A}.ipynb in {course / 'exercises' / A} differs from what {course / 'solutions' / A}" \
           " generates now" in done.stderr
    assert nbformat.read(release, as_version=4) == older
    assert gradebook_scores(course) == {"bob": (0.0, False)}
