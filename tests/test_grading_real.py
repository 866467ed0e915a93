"""The hardened autograder on a real assignment of the course (solutions/gates).

The reference solution must earn every automatic point (the written answers
wait for a person: ``needs_manual``), the untouched release none, and each
known mistake of tests/exercise_fixtures/gates.py must lose exactly the test
cells it names, with its message in the feedback. This also checks that the
tests' switch-off of lstmkit's reference implementations reaches the
student's sandboxed kernel ("forward_through_lstmkit_layer").
"""

import os
import re
import shutil

import nbformat
import pytest

from grading_helpers import LIMITS, nbgrader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = "gates"

if shutil.which("bwrap") is None:
    print("bubblewrap (bwrap) is not installed: the sandboxed grading tests are skipped")
    pytest.skip("bubblewrap is not installed", allow_module_level=True)
if not os.path.exists(os.path.join(ROOT, "solutions", ASSIGNMENT, ASSIGNMENT + ".ipynb")):
    pytest.skip("the gates assignment is not in this checkout", allow_module_level=True)

from exercise_fixtures.gates import SUBMISSIONS  # noqa: E402

from lstmkit.grading import batch  # noqa: E402


def strip_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if not re.match(r"\s*### (BEGIN|END) SOLUTION", line))


def answers_filled(release, source, overrides=None):
    solutions = {c.metadata.nbgrader.grade_id: strip_markers(c.source) for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    solutions.update(overrides or {})
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions:
            cell.source = solutions[gid].strip("\n")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = str(tmp_path_factory.mktemp("real") / "course")
    os.makedirs(course)
    shutil.copy(os.path.join(ROOT, "nbgrader_config.py"), course)
    for folder in ("solutions", "exercises"):
        shutil.copytree(os.path.join(ROOT, folder, ASSIGNMENT), os.path.join(course, folder, ASSIGNMENT))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    release = nbformat.read(os.path.join(course, "exercises", ASSIGNMENT, ASSIGNMENT + ".ipynb"), 4)
    source = nbformat.read(os.path.join(course, "solutions", ASSIGNMENT, ASSIGNMENT + ".ipynb"), 4)
    students = {"solution": answers_filled(release, source), "untouched": release}
    for name, mistake in SUBMISSIONS.items():
        students[name] = answers_filled(release, source, mistake["cells"])
    for name, nb in students.items():
        folder = os.path.join(course, "submitted", name, ASSIGNMENT)
        os.makedirs(folder)
        nbformat.write(nb, os.path.join(folder, ASSIGNMENT + ".ipynb"))
    limits = dict(LIMITS, cell_timeout=60.0, notebook_timeout=300.0, memory_mb=2048)
    rows = batch.autograde(course, ASSIGNMENT, workers=2, log=lambda *a: None, **limits)
    return course, {r["student"]: r for r in rows}


def cell_grades(course, student):
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db"), "lstm-course") as gb:
        notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades if g.cell_type == "code"}


def test_solution_gets_every_automatic_point(graded):
    course, rows = graded
    assert rows["solution"]["status"] == "needs_manual"
    grades = cell_grades(course, "solution")
    assert grades and all(score == top for score, top in grades.values()), grades
    assert rows["solution"]["score"] == sum(top for _, top in grades.values())


def test_untouched_release_scores_zero(graded):
    course, rows = graded
    assert (rows["untouched"]["status"], rows["untouched"]["score"]) == ("graded", 0.0)


@pytest.mark.parametrize("mistake", sorted(SUBMISSIONS))
def test_known_mistake_loses_exactly_its_cells(graded, mistake):
    course, rows = graded
    assert rows[mistake]["status"] == "needs_manual"
    grades = cell_grades(course, mistake)
    lost = {name for name, (score, top) in grades.items() if score != top}
    assert lost == set(SUBMISSIONS[mistake]["loses"])
    assert all(grades[name][0] == 0 for name in lost)
    nb = nbformat.read(os.path.join(course, "autograded", mistake, ASSIGNMENT, ASSIGNMENT + ".ipynb"), 4)
    shown = " ".join(str(o.get("evalue", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert SUBMISSIONS[mistake]["message"] in shown
