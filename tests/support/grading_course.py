"""The grader's own tests: a copy of the small fixture course (tests/grading/fixtures/) with submissions, and
the adversarial corpus (tests/grading/adversarial/corpus.py)."""

import importlib.util
import os
import shutil
import sys

import nbformat

from .nbgrader import run as nbgrader

HERE = os.path.dirname(os.path.abspath(__file__))
GRADING_TESTS = os.path.join(os.path.dirname(HERE), "grading")
FIXTURE = os.path.join(GRADING_TESTS, "fixtures", "grading_course")
ASSIGNMENT = "ps1"
TIMESTAMP = "2026-11-20 10:00:00.000000 UTC"
# Tight limits keep the suite fast; runtime-abuse cases rely on them.
LIMITS = {"cell_timeout": 6.0, "notebook_timeout": 60.0, "memory_mb": 1024, "nproc": 32,
          "output_limit": 20000}


def load_corpus():
    path = os.path.join(GRADING_TESTS, "adversarial", "corpus.py")
    spec = importlib.util.spec_from_file_location("grading_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["grading_corpus"] = module
    spec.loader.exec_module(module)
    return module


def make_course(dest, extra_config=""):
    shutil.copytree(FIXTURE, dest)
    if extra_config:
        with open(os.path.join(dest, "nbgrader_config.py"), "a") as fh:
            fh.write(extra_config)
    nbgrader(dest, "generate_assignment", ASSIGNMENT, "--force")
    return dest


def release_notebook(course):
    return nbformat.read(os.path.join(course, "exercises", ASSIGNMENT, "lstm_gate.ipynb"), as_version=4)


def write_submission(course, case):
    """Build ``case`` from the released notebook into ``submitted/<case.name>/ps1/``."""
    nb = release_notebook(course)
    files = case.build(nb) or {"lstm_gate.ipynb": nb}
    folder = os.path.join(course, "submitted", case.name, ASSIGNMENT)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    for name, content in files.items():
        if content == "mkfifo":  # a named pipe: opening it for reading would block
            os.mkfifo(os.path.join(folder, name))
            continue
        if not isinstance(content, bytes):
            for cell in content.cells:
                cell.source = cell.source.replace("{COURSE}", course)
            content = nbformat.writes(content).encode("utf-8")
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(content)
    with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
        fh.write(TIMESTAMP)


def test_cell_scores(course, student, db_url=None):
    """``{grade_id: auto_score}`` of the student's test cells in the gradebook, or None."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url = db_url or "sqlite:///" + os.path.join(course, "gradebook.db")
    with Gradebook(db_url, "lstm-fixture") as gb:
        try:
            notebook = gb.find_submission_notebook("lstm_gate", ASSIGNMENT, student)
        except MissingEntry:
            return None
        return {g.name: g.auto_score for g in notebook.grades}


test_cell_scores.__test__ = False  # a helper, not a test
