"""Grades as CSV: ``nbgrader export`` with a status per row (``c.ExportApp.plugin_class`` in ``nbgrader_config.py``),
and ``python -m lstmkit.grading export --format csv``, which writes the same file.

nbgrader's CSV gives a 0 both to a student who was graded 0 and to one whose notebook was never graded
(rejected by the hardened grader, unreadable for nbgrader) or who handed in nothing. :func:`write_csv` writes
nbgrader's columns (``assignment, duedate, timestamp, student_id, last_name, first_name, email, raw_score,
late_submission_penalty, score, max_score``), quoted as CSV, then ``status`` (``graded``, ``needs_manual``,
``not_graded``, ``not_submitted``: :mod:`lstmkit.grading.grades`), ``extension_hours`` (the student's extension,
blank without one) and ``days_late`` (started days after the deadline and the grace period,
:mod:`lstmkit.grading.late`). An unscored row (``not_graded``, ``not_submitted``) has 0 in the score columns, as
in nbgrader's export; its status says that this 0 is not a grade. ``late_submission_penalty`` is the penalty of
``c.LatePolicy`` when configured, otherwise the one nbgrader's own ``LateSubmissionPlugin`` recorded (if any);
``score`` = ``raw_score`` - ``late_submission_penalty``. Times are in UTC, as nbgrader writes them.
"""

import csv

from nbgrader.plugins import ExportPlugin

from . import grades as grades_mod
from . import late
from .grades import submission_status  # its former home: still importable from here

__all__ = ["COLUMNS", "GradesCsv", "csv_row", "submission_status", "write_csv"]
COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score",
           "late_submission_penalty", "score", "max_score", "status", "extension_hours", "days_late"]


def csv_row(grade):
    """The row of one :class:`~lstmkit.grading.grades.StudentGrade`, as strings (blank for None)."""
    when, who = grade.lateness, grade.student
    extension = when.extension.total_seconds() / 3600 if when.extension else None
    row = {"assignment": grade.assignment, "duedate": _utc(when.duedate), "timestamp": _utc(when.timestamp),
           "student_id": who.id, "last_name": who.last_name, "first_name": who.first_name, "email": who.email,
           "raw_score": grade.raw_score or 0.0, "late_submission_penalty": grade.penalty,
           "score": grade.score or 0.0, "max_score": grade.max_score, "status": grade.status,
           "extension_hours": None if extension is None else f"{extension:g}", "days_late": when.days_late}
    return {k: "" if v is None else str(v) for k, v in row.items()}


def write_csv(grades, dest):
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(csv_row(g) for g in grades)


def _utc(moment):
    """nbgrader's way of writing a time: naive, in UTC (``2026-11-20 17:00:00``)."""
    return None if moment is None else moment.astimezone(late.UTC).replace(tzinfo=None)


class GradesCsv(ExportPlugin):
    """The CSV of :func:`write_csv`; ``nbgrader export --to=FILE`` (default grades.csv)."""

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        coursedir = getattr(self.parent, "coursedir", None)
        rule = late.LatePolicy(config=self.config).rule()
        only = [str(a) for a in self.assignment] or None
        students = [str(s) for s in self.student] or None
        self.log.info("Exporting grades with their status to %s", dest)
        rows = grades_mod.grades_in(gradebook, coursedir, only, rule, zone=late.exchange_zone(self.config),
                                    students=students)
        write_csv(rows, dest)
