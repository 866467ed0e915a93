"""A synthetic class in a real nbgrader gradebook, written in bulk: for the report's fast tests and its benchmark.

The assignment, its notebook and graded cells go through nbgrader's API; students, submissions, grades and the
hardened grader's records (lstmkit.grading.records) are inserted with a few multi-row statements, so a class of
a thousand students takes a second or two. What the rows mean is nbgrader's: the report reads them back with
its own queries.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Optional

from lstmkit.grading.records import GradingRecords


@dataclass(frozen=True)
class Cell:
    grade_id: str
    kind: str               # "code" (a test) or "markdown" (a written answer)
    points: float


@dataclass
class Student:
    name: str
    scores: dict                            # grade id -> score (a cell left out waits for a manual grade)
    status: Optional[str] = "graded"        # the hardened grader's status; None: graded by plain nbgrader
    reason: str = ""
    seconds: Optional[float] = 1.0
    mistakes: dict = field(default_factory=dict)   # grade id -> (code, kind)
    in_gradebook: bool = True               # False for rejected submissions
    timestamp: dt.datetime = dt.datetime(2026, 11, 20, 10, 0, 0)
    recorded_timestamp: Optional[dt.datetime] = None   # what the grader's record says (default: timestamp)
    late_penalty: float = 0.0


def _id():
    return uuid.uuid4().hex


def create_assignment(db_url: str, course_id: str, assignment: str, notebook: str, cells: list[Cell]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_assignment(assignment)
        gb.update_or_create_notebook(notebook, assignment)
        for c in cells:
            gb.update_or_create_grade_cell(c.grade_id, notebook, assignment, max_score=c.points, cell_type=c.kind)


def add_students(db_url: str, course_id: str, assignment: str, notebook: str, cells: list[Cell],
                 students: list[Student]) -> None:
    """Write ``students``' submissions and grades (bulk) and the grader's records beside them."""
    import sqlalchemy as sa
    from nbgrader.api import Assignment, Base, Gradebook, GradeCell, Notebook

    with Gradebook(db_url, course_id) as gb:
        aid = gb.db.query(Assignment.id).filter(Assignment.name == assignment).scalar()
        nid = gb.db.query(Notebook.id).filter(Notebook.name == notebook, Notebook.assignment_id == aid).scalar()
        cell_ids = dict(gb.db.query(GradeCell.name, GradeCell.id).filter(GradeCell.notebook_id == nid).all())
    t = Base.metadata.tables
    rows = {"student": [], "submitted_assignment": [], "submitted_notebook": [], "grade": []}
    for s in students:
        rows["student"].append({"id": s.name})
        if not s.in_gradebook:
            continue
        sa_id, sn_id = _id(), _id()
        rows["submitted_assignment"].append({"id": sa_id, "assignment_id": aid, "student_id": s.name,
                                             "timestamp": s.timestamp})
        rows["submitted_notebook"].append({"id": sn_id, "assignment_id": sa_id, "notebook_id": nid,
                                           "flagged": False, "late_submission_penalty": s.late_penalty or None})
        for c in cells:
            score = s.scores.get(c.grade_id)
            rows["grade"].append({"id": _id(), "notebook_id": sn_id, "cell_id": cell_ids[c.grade_id],
                                  "auto_score": score, "manual_score": None, "extra_credit": None,
                                  "needs_manual_grade": score is None})
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            for name, values in rows.items():
                if values:
                    conn.execute(t[name].insert(), values)
    finally:
        engine.dispose()
    _add_records(db_url, assignment, notebook, students)


def _add_records(db_url, assignment, notebook, students):
    runs, mistakes = [], []
    for s in students:
        if s.status is None:
            continue
        score = sum(v for v in s.scores.values() if v is not None) if s.in_gradebook else 0.0
        runs.append({"assignment": assignment, "student": s.name, "status": s.status, "reason": s.reason,
                     "score": score, "max_score": 0.0, "seconds": s.seconds, "graded_at": time.time(),
                     "timestamp": s.recorded_timestamp or (s.timestamp if s.in_gradebook else None)})
        mistakes += [{"assignment": assignment, "student": s.name, "notebook": notebook, "cell": cell,
                      "code": code, "kind": kind} for cell, (code, kind) in s.mistakes.items()]
    with GradingRecords(db_url) as records, records.engine.begin() as conn:
        if runs:
            conn.execute(records.runs_table.insert(), runs)
        if mistakes:
            conn.execute(records.mistakes_table.insert(), mistakes)


def write_config(course: str, course_id: str) -> None:
    """A minimal nbgrader_config.py: the course id, the gradebook in the folder (gradebook.db)."""
    with open(f"{course}/nbgrader_config.py", "w") as fh:
        fh.write(f"c = get_config()\nc.CourseDirectory.course_id = {course_id!r}\n")
