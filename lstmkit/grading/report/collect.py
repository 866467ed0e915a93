"""Read what the report needs from nbgrader's gradebook and the grader's records, in a few queries.

nbgrader's objects compute scores one query at a time (``submission.score`` and friends); for a class of a
thousand students the report reads every grade of the assignment in one joined query instead, and the
submissions' totals with nbgrader's own :meth:`~nbgrader.api.Gradebook.submission_dicts`.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Optional

import nbformat

from ..records import CellMistake, GradingRecords, GradingRun


@dataclass(frozen=True)
class CellInfo:
    """A graded cell of the assignment as the gradebook defines it."""

    notebook: str
    cell: str                  # grade id
    kind: str                  # "code" or "markdown"
    max_score: float


@dataclass(frozen=True)
class GradeRow:
    """One student's grade on one cell."""

    student: str
    notebook: str
    cell: str
    score: float               # nbgrader's: the manual score if any, else the automatic one (0 when neither)
    needs_manual: bool


@dataclass(frozen=True)
class SubmissionRow:
    """One submission's totals in the gradebook."""

    student: str
    score: float
    max_score: float
    needs_manual: bool
    timestamp: Optional[dt.datetime]
    late_penalty: float


@dataclass(frozen=True)
class GradebookView:
    """The assignment as the gradebook holds it, with the grader's records beside it."""

    course_id: str
    assignment: str
    max_score: float
    cells: tuple[CellInfo, ...]               # in notebook order
    submissions: dict[str, SubmissionRow]     # by student
    grades: tuple[GradeRow, ...]
    runs: dict[str, GradingRun]               # by student
    mistakes: tuple[CellMistake, ...]


def read(db_url: str, course_id: str, assignment: str, release_dir: Optional[str] = None) -> GradebookView:
    """Everything the report reads about ``assignment``; ``release_dir``: the released notebooks, whose cell
    order the report follows (else cells are sorted by notebook and grade id)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        record = gb.find_assignment(assignment)
        max_score = float(record.max_score)
        cells = _cells(gb, assignment)
        submissions = _submissions(gb, assignment)
        grades = _grades(gb, assignment)
    with GradingRecords(db_url) as records:
        runs = {run.student: run for run in records.runs(assignment)}
        mistakes = tuple(records.mistakes(assignment))
    return GradebookView(course_id=course_id, assignment=assignment, max_score=max_score,
                         cells=tuple(_in_release_order(cells, release_dir)), submissions=submissions,
                         grades=grades, runs=runs, mistakes=mistakes)


def _cells(gb, assignment) -> list[CellInfo]:
    from nbgrader.api import Assignment, GradeCell, Notebook

    found = gb.db.query(Notebook.name, GradeCell.name, GradeCell.cell_type, GradeCell.max_score) \
        .select_from(GradeCell).join(Notebook, GradeCell.notebook_id == Notebook.id) \
        .join(Assignment, Notebook.assignment_id == Assignment.id).filter(Assignment.name == assignment).all()
    return [CellInfo(notebook=n, cell=c, kind=k, max_score=float(m)) for n, c, k, m in found]


def _grades(gb, assignment) -> tuple[GradeRow, ...]:
    from nbgrader.api import Assignment, Grade, GradeCell, Notebook, SubmittedAssignment, SubmittedNotebook

    found = gb.db.query(SubmittedAssignment.student_id, Notebook.name, GradeCell.name, Grade.score,
                        Grade.needs_manual_grade) \
        .select_from(Grade).join(GradeCell, Grade.cell_id == GradeCell.id) \
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id) \
        .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id) \
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id) \
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id) \
        .filter(Assignment.name == assignment).all()
    return tuple(GradeRow(student=s, notebook=n, cell=c, score=float(score or 0.0), needs_manual=bool(manual))
                 for s, n, c, score, manual in found)


def _submissions(gb, assignment) -> dict[str, SubmissionRow]:
    from sqlalchemy import func
    from nbgrader.api import Assignment, SubmittedAssignment, SubmittedNotebook

    penalties = dict(gb.db.query(SubmittedAssignment.student_id,
                                 func.sum(func.coalesce(SubmittedNotebook.late_submission_penalty, 0.0)))
                     .select_from(SubmittedNotebook)
                     .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                     .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                     .filter(Assignment.name == assignment).group_by(SubmittedAssignment.student_id).all())
    rows = {}
    for d in gb.submission_dicts(assignment):
        student = d["student"]
        rows[student] = SubmissionRow(student=student, score=float(d["score"]), max_score=float(d["max_score"]),
                                      needs_manual=bool(d["needs_manual_grade"]), timestamp=d["timestamp"],
                                      late_penalty=float(penalties.get(student) or 0.0))
    return rows


def _in_release_order(cells: list[CellInfo], release_dir: Optional[str]) -> list[CellInfo]:
    """``cells`` in the order of the released notebooks' cells (notebooks by name); cells not found there (or
    without a release) after them, by notebook and grade id."""
    position = {}
    for notebook in sorted({c.notebook for c in cells}):
        path = os.path.join(release_dir, notebook + ".ipynb") if release_dir else ""
        if not os.path.isfile(path):
            continue
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id is not None:
                position[(notebook, grade_id)] = index
    return sorted(cells, key=lambda c: (c.notebook, (c.notebook, c.cell) not in position,
                                        position.get((c.notebook, c.cell), 0), c.cell))
