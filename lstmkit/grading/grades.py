"""Every student's grade of every assignment, as the exports and the class report show it.

:func:`class_grades` (from the course folder) and :func:`grades_in` (from an open gradebook) return one
:class:`StudentGrade` per student and assignment: who (:class:`StudentId`, from nbgrader's ``Student`` table),
the status, the raw score (automatic and manual grades, from the gradebook), the late penalty and the final
score, and the :class:`~lstmkit.grading.late.Lateness` they come from. The students are those of the gradebook
and anyone with a folder in ``submitted/`` (a notebook that was never graded).

Statuses (:func:`submission_status`):

- ``graded``: every graded cell has its score;
- ``needs_manual``: a written answer (or a cell nbgrader could not score) waits for a manual grade; the raw score
  counts what is graded so far;
- ``not_graded``: handed in (``submitted/<student>/<assignment>/`` exists) but no grade is recorded, or the
  graded notebook is missing from ``autograded/``; no score;
- ``not_submitted``: nothing handed in; no score.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, List, Optional

from . import late
from .course import CourseError, load_course

STATUSES = ("graded", "needs_manual", "not_graded", "not_submitted")
SCORED = ("graded", "needs_manual")


@dataclass(frozen=True)
class StudentId:
    """A student as nbgrader's ``Student`` table knows them; a field nobody entered is None."""

    id: str
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None
    lms_user_id: Optional[str] = None


@dataclass(frozen=True)
class StudentGrade:
    """One student's result for one assignment.

    ``raw_score``: points from the gradebook (None unless the status is ``graded`` or ``needs_manual``);
    ``penalty``: points lost for lateness (0 when on time or unscored); ``score``: ``raw_score - penalty`` (None
    when unscored); ``max_score``: the assignment's points.
    """

    assignment: str
    student: StudentId
    status: str
    max_score: float
    raw_score: Optional[float]
    penalty: float
    score: Optional[float]
    lateness: late.Lateness


def submission_status(coursedir, assignment, student, submission, notebooks) -> str:
    """One of :data:`STATUSES` (see the module's docstring).

    ``submission``: the gradebook's record or None; ``notebooks``: the assignment's notebook names;
    ``coursedir``: nbgrader's CourseDirectory, or None to judge from the gradebook alone.
    """
    handed_in = coursedir is not None and os.path.isdir(_submitted(coursedir, student, assignment))
    missing = "not_graded" if handed_in else "not_submitted"
    if submission is None:
        return missing
    if coursedir is not None:
        graded = coursedir.format_path(coursedir.autograded_directory, student, assignment)
        if not all(os.path.isfile(os.path.join(graded, n + ".ipynb")) for n in notebooks):
            return missing  # an empty record: never graded, or kept only for an extension
    return "needs_manual" if submission.needs_manual_grade else "graded"


def class_grades(root: str, assignments: Optional[Iterable[str]] = None,
                 students: Optional[Iterable[str]] = None) -> List[StudentGrade]:
    """The grades of ``assignments`` (default: all in the gradebook) in the course folder ``root``, with the
    late policy of its ``nbgrader_config.py``; ``students`` restricts to those ids."""
    from nbgrader.api import Gradebook

    coursedir, config = load_course(root)
    rule = late.LatePolicy(config=config).rule()
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return grades_in(gb, coursedir, assignments, rule, zone=late.exchange_zone(config), students=students)


def grades_in(gb, coursedir, assignments=None, rule: Optional[late.PenaltyRule] = None, zone=None,
              students=None) -> List[StudentGrade]:
    """:func:`class_grades` on an open nbgrader ``Gradebook`` ``gb``; ``coursedir`` may be None (no folders
    are looked at: statuses from the gradebook alone, times from the gradebook)."""
    rule = rule or late.PenaltyRule()
    people = roster(gb, coursedir)
    if students is not None:
        wanted = {str(s) for s in students}
        people = {sid: p for sid, p in people.items() if sid in wanted}
    grades = []
    for record in _assignments(gb, assignments):
        notebooks = [n.name for n in record.notebooks]
        submissions = {s.student_id: s for s in record.submissions}
        for person in people.values():
            grades.append(_grade(coursedir, record, person, submissions.get(person.id), notebooks, rule, zone))
    return grades


def roster(gb, coursedir) -> dict:
    """Student id -> :class:`StudentId`: the gradebook's students and anyone with a folder in ``submitted/``."""
    people = {s.id: StudentId(s.id, s.first_name, s.last_name, s.email, s.lms_user_id) for s in gb.students}
    folder = os.path.join(coursedir.root, coursedir.submitted_directory) if coursedir is not None else ""
    if folder and os.path.isdir(folder):
        for name in os.listdir(folder):
            if os.path.isdir(os.path.join(folder, name)):
                people.setdefault(name, StudentId(name))
    return dict(sorted(people.items()))


def _assignments(gb, names):
    from nbgrader.api import MissingEntry

    if names is None:
        return list(gb.assignments)
    records = []
    for name in names:
        try:
            records.append(gb.find_assignment(name))
        except MissingEntry:
            known = sorted(a.name for a in gb.assignments)
            raise CourseError(f"assignment: {name!r} is not in the gradebook (it has {known})") from None
    return records


def _grade(coursedir, record, person, submission, notebooks, rule, zone) -> StudentGrade:
    status = submission_status(coursedir, record.name, person.id, submission, notebooks)
    when = _lateness(coursedir, record, person.id, submission, rule, zone)
    raw = float(submission.score) if status in SCORED else None
    penalty = 0.0 if raw is None else _penalty(rule, record, person.id, submission, raw, when)
    return StudentGrade(assignment=record.name, student=person, status=status,
                        max_score=float(record.max_score), raw_score=raw, penalty=penalty,
                        score=None if raw is None else round(raw - penalty, 2) if penalty else raw,
                        lateness=when)


def _lateness(coursedir, record, student, submission, rule, zone) -> late.Lateness:
    extension = submission.extension if submission is not None else None
    stamp = submission.timestamp if submission is not None else None
    if rule.active and coursedir is not None:
        path = os.path.join(_submitted(coursedir, student, record.name), "timestamp.txt")
        stamp = late.read_timestamp(path, zone) or stamp
    return late.lateness(rule, stamp, record.duedate, extension)


def _penalty(rule, record, student, submission, raw, when) -> float:
    recorded = float(submission.late_submission_penalty or 0.0)
    if not rule.active:
        return min(recorded, raw)  # nbgrader's own LateSubmissionPlugin, if configured
    if recorded > 0:
        raise late.LateError(f"{record.name}, {student}: the gradebook holds a late penalty of {recorded:g} from "
                             "nbgrader's LateSubmissionPlugin and c.LatePolicy sets one too; configure one of them")
    return rule.penalty(raw, float(record.max_score), when.days_late)


def _submitted(coursedir, student, assignment):
    return coursedir.format_path(coursedir.submitted_directory, student, assignment)
