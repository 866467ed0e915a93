"""The course's notebooks: markers, answers, and releases filled in as a student would fill them.

nbgrader's source notebooks (``solutions/<a>/<a>.ipynb``) hold the reference answers between the solution
markers and hidden tests between the hidden-test markers; the release (``exercises/``) holds neither.
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import nbformat

from lstmkit.grading.exercises import ASSIGNMENTS as _DECLARED

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = list(_DECLARED)
"""The five assignments, in course order, as lstmkit.grading.exercises declares them (the Makefile asks too)."""
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
MARKERS = SOLUTION + HIDDEN
FIXTURES = Path(__file__).resolve().parents[1] / "grading"
"""Where the package ``exercise_fixtures`` (the known mistakes of each assignment) lives."""


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a cell nbgrader does not manage)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def region(source: str, begin: str, end: str) -> list[str]:
    """The lines strictly between the begin and end markers (all such regions of ``source``)."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            out.append(line)
    return out


def strip_markers(source: str) -> str:
    """``source`` without its marker lines: a solution cell as a student who solved it would have written it."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def source_notebook(assignment: str, root: Path = ROOT):
    return nbformat.read(Path(root) / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def release_notebook(assignment: str, root: Path = ROOT):
    return nbformat.read(Path(root) / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)


def solution_answers(source) -> dict[str, str]:
    """{grade id: the reference answer without its markers} of every answer cell of a source notebook."""
    return {nbgrader_meta(c)["grade_id"]: strip_markers(c.source) for c in source.cells
            if nbgrader_meta(c).get("solution")}


def fill_answers(nb, answers: dict[str, str]):
    """A copy of notebook ``nb`` whose cells with a grade id in ``answers`` hold that answer (metadata and
    every other cell untouched)."""
    filled = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in filled.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id].strip("\n")
    return filled


def solved(release, source, overrides: dict[str, str] | None = None):
    """The release with every answer cell filled in: from ``overrides`` (grade id -> code) where given,
    otherwise with the reference solution of ``source``."""
    return fill_answers(release, {**solution_answers(source), **(overrides or {})})


def known_mistakes(assignment: str) -> dict:
    """The wrong submissions of ``assignment``, one per known mistake (tests/grading/exercise_fixtures/):
    {name: {'cells': {grade id: code}, 'loses': [test cells], 'message': what the visible test must say}}."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return importlib.import_module(f"exercise_fixtures.{assignment}").SUBMISSIONS
