"""The hardened autograder on the course's real assignments (solutions/).

For each assignment the reference solution must earn every automatic point
(the written answers wait for a person: ``needs_manual``), the untouched
release none, and each known mistake of tests/exercise_fixtures/ must lose
exactly the test cells it names, with its message in the feedback. This also
checks that a solution calling lstmkit's own version of an exercise loses its points in the sandbox too,
where that version is absent from the student build (e.g. gates' "forward_through_lstmkit_layer").
"""

import importlib
import os
import re
import shutil

import nbformat
import pytest

from grading_helpers import LIMITS, nbgrader
import feedback_leaks
from optional_deps import problem, reason

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENTS = [a for a in ("rnn_limits", "gates", "cell_state", "variants", "reber")
               if os.path.exists(os.path.join(ROOT, "solutions", a, a + ".ipynb"))]

if problem("bubblewrap"):
    pytest.skip(reason("bubblewrap"), allow_module_level=True)

from lstmkit.grading import batch  # noqa: E402


def mistakes(assignment):
    return importlib.import_module(f"exercise_fixtures.{assignment}").SUBMISSIONS


CASES = [(a, m) for a in ASSIGNMENTS for m in sorted(mistakes(a))]

# Hostile answers that reach for a working reference inside the sandbox. Under the plain nbgrader path (where
# the learner's code runs next to the full library) these cannot be stopped, so they are graded here only.
# Each loses exactly the listed cells: the reference is simply not there.
CLONE = """
import types
import lstmkit.cells as _c
_f = _c.lstm_step_forward
_ref = types.FunctionType(_f.__code__, _f.__globals__, 'clone', _f.__defaults__, _f.__closure__)
_ref.__kwdefaults__ = dict(_f.__kwdefaults__ or {})
def lstm_step_forward(x, h_prev, c_prev, params):
    h, c, _ = _ref(x, h_prev, c_prev, params)
    return h, c
"""
PRIVATE_HELPER = """
from lstmkit.grading.checks import lstm_backward as _lb
def lstm_step_backward(dh, dc, cache):
    return _lb._lstm_backward_variant(dh, dc, cache)
"""
SECOND_COPY = """
import glob, importlib.util, os, sys
_roots = [p for p in sys.path if p] + ['/opt', '/work', '/root', '/home', '/srv', '/tmp', '/seed', '/scratch']
_paths = sorted({p for root in _roots for p in glob.glob(root + '/**/lstmkit/__init__.py', recursive=True)})
def _load(init):
    name = 'lstmkit_copy_%d' % len(sys.modules)
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[os.path.dirname(init)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return importlib.import_module(name + '.cells')
def lstm_step_forward(x, h_prev, c_prev, params):
    for path in _paths:
        try:
            h, c, _ = _load(path).lstm_step_forward(x, h_prev, c_prev, params)
            return h, c
        except Exception:
            pass
    raise NotImplementedError(f'no working copy among {_paths}')
"""
STEP_CELLS = ["test_lstm_step_forward", "test_lstm_step_forward_hidden", "test_lstm_forward",
              "test_lstm_forward_hidden"]
BACKWARD_CELLS = ["test_backward_cell_state", "test_backward_cell_state_hidden", "test_backward_inputs",
                  "test_backward_inputs_hidden", "test_backward_params", "test_backward_params_hidden",
                  "test_lstm_backward", "test_lstm_backward_hidden"]
HOSTILE = {"gates": {"hostile_code_clone": ({"lstm_step_forward": CLONE}, STEP_CELLS),
                     "hostile_second_copy": ({"lstm_step_forward": SECOND_COPY}, STEP_CELLS)},
           "cell_state": {"hostile_private_helper": ({"lstm_step_backward": PRIVATE_HELPER}, BACKWARD_CELLS)}}


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
    """All assignments graded in one course: {assignment: (course, rows by student)}."""
    course = str(tmp_path_factory.mktemp("real") / "course")
    os.makedirs(course)
    shutil.copy(os.path.join(ROOT, "nbgrader_config.py"), course)
    results = {}
    for assignment in ASSIGNMENTS:
        for folder in ("solutions", "exercises"):
            shutil.copytree(os.path.join(ROOT, folder, assignment), os.path.join(course, folder, assignment))
        nbgrader(course, "generate_assignment", assignment, "--force")
        name = assignment + ".ipynb"
        release = nbformat.read(os.path.join(course, "exercises", assignment, name), 4)
        source = nbformat.read(os.path.join(course, "solutions", assignment, name), 4)
        students = {"solution": answers_filled(release, source), "untouched": release}
        for mistake, spec in mistakes(assignment).items():
            students[mistake] = answers_filled(release, source, spec["cells"])
        for hostile, (cells, _) in HOSTILE.get(assignment, {}).items():
            students[hostile] = answers_filled(release, source, cells)
        for student, nb in students.items():
            folder = os.path.join(course, "submitted", student, assignment)
            os.makedirs(folder)
            nbformat.write(nb, os.path.join(folder, name))
        limits = dict(LIMITS, cell_timeout=120.0, notebook_timeout=600.0, memory_mb=2048)
        rows = batch.autograde(course, assignment, workers=2, students=sorted(students),
                               log=lambda *a: None, **limits)
        results[assignment] = {r["student"]: r for r in rows}
    return course, results


def cell_grades(course, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db"), "lstm-course") as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades if g.cell_type == "code"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_every_automatic_point(graded, assignment):
    course, results = graded
    row = results[assignment]["solution"]
    assert row["status"] == "needs_manual", row["reason"]
    grades = cell_grades(course, assignment, "solution")
    assert grades and all(score == top for score, top in grades.values()), grades
    assert row["score"] == sum(top for _, top in grades.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded, assignment):
    course, results = graded
    row = results[assignment]["untouched"]
    assert (row["status"], row["score"]) == ("graded", 0.0), row["reason"]


@pytest.mark.parametrize("assignment,mistake", CASES, ids=[f"{a}-{m}" for a, m in CASES])
def test_known_mistake_loses_exactly_its_cells(graded, assignment, mistake):
    course, results = graded
    spec = mistakes(assignment)[mistake]
    assert results[assignment][mistake]["status"] == "needs_manual", results[assignment][mistake]["reason"]
    grades = cell_grades(course, assignment, mistake)
    lost = {name for name, (score, top) in grades.items() if score != top}
    assert lost == set(spec["loses"])
    assert all(grades[name][0] == 0 for name in lost)
    path = os.path.join(course, "autograded", mistake, assignment, assignment + ".ipynb")
    nb = nbformat.read(path, 4)
    shown = " ".join(str(o.get("evalue", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    if spec.get("message"):
        assert spec["message"] in " ".join(shown.split()), shown


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_no_hidden_test_seed_size_or_path(graded, assignment):
    """Feedback after the hardened grader (nbgrader generate_feedback on its autograded notebooks): no hidden
    line, seed, hidden failure's detail or server path (the grader's own files, the course folder)."""
    course, results = graded
    nbgrader(course, "generate_feedback", assignment, "--force")
    name = assignment + ".ipynb"
    source = nbformat.read(os.path.join(course, "solutions", assignment, name), 4)
    students = [s for s, row in results[assignment].items() if row["status"] in ("graded", "needs_manual")]
    bad = feedback_leaks.check_course_feedback(course, assignment, source, students, extra_paths=[ROOT])
    assert not bad, bad
    page = feedback_leaks.page_text(os.path.join(course, "feedback", "untouched", assignment, assignment + ".html"))
    assert page.count("A hidden test of this part failed") >= 2
    if assignment == "reber":  # a diagnosis only a hidden test makes reaches the student in words
        page = feedback_leaks.page_text(os.path.join(course, "feedback", "training_ignores_seed", "reber",
                                                     "reber.html"))
        assert "the same weights for two different seeds" in " ".join(page.split())


HOSTILE_CASES = [(a, name) for a in ASSIGNMENTS for name in sorted(HOSTILE.get(a, {}))]


@pytest.mark.parametrize("assignment,name", HOSTILE_CASES, ids=[f"{a}-{n}" for a, n in HOSTILE_CASES])
def test_hostile_answer_finds_no_reference(graded, assignment, name):
    course, results = graded
    assert results[assignment][name]["status"] == "needs_manual", results[assignment][name]["reason"]
    grades = cell_grades(course, assignment, name)
    lost = {cell for cell, (score, top) in grades.items() if score != top}
    assert lost == set(HOSTILE[assignment][name][1])
    assert all(grades[cell][0] == 0 for cell in lost)
