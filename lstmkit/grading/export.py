"""``nbgrader export`` with a status per row (``c.ExportApp.plugin_class`` in ``nbgrader_config.py``).

nbgrader's CSV gives a 0 both to a student who was graded 0 and to one whose notebook was never graded
(rejected by the hardened grader, unreadable for nbgrader) or who handed in nothing. :class:`GradesCsv`
writes nbgrader's columns (``assignment, duedate, timestamp, student_id, last_name, first_name, email,
raw_score, late_submission_penalty, score, max_score``), quoted as CSV, and then ``status``:

- ``graded``: every graded cell has its score;
- ``needs_manual``: a written answer (or a cell nbgrader could not score) waits for a manual grade; the score
  counts what is graded so far;
- ``not_graded``: handed in (``submitted/<student>/<assignment>/`` exists) but no grade is recorded, or the
  graded notebook is missing from ``autograded/``; the score is 0 and is not a grade;
- ``not_submitted``: nothing handed in; score 0.
"""

import csv
import os

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score",
           "late_submission_penalty", "score", "max_score", "status"]


def submission_status(coursedir, assignment, student, submission, notebooks):
    """One of ``graded``, ``needs_manual``, ``not_graded``, ``not_submitted`` (see the module's docstring).

    ``submission``: the gradebook's record or None; ``notebooks``: the assignment's notebook names;
    ``coursedir``: nbgrader's CourseDirectory, or None to judge from the gradebook alone.
    """
    handed_in = coursedir is not None and os.path.isdir(
        coursedir.format_path(coursedir.submitted_directory, student, assignment))
    if submission is None:
        return "not_graded" if handed_in else "not_submitted"
    if coursedir is not None:
        graded = coursedir.format_path(coursedir.autograded_directory, student, assignment)
        if not all(os.path.isfile(os.path.join(graded, n + ".ipynb")) for n in notebooks):
            return "not_graded"
    return "needs_manual" if submission.needs_manual_grade else "graded"


def _students(gradebook, coursedir):
    """The gradebook's students, and anyone with a folder in ``submitted/`` (never graded): id -> record."""
    students = {s.id: s for s in gradebook.students}
    folder = os.path.join(coursedir.root, coursedir.submitted_directory) if coursedir is not None else ""
    if folder and os.path.isdir(folder):
        for name in os.listdir(folder):
            if os.path.isdir(os.path.join(folder, name)):
                students.setdefault(name, None)
    return dict(sorted(students.items()))


class GradesCsv(ExportPlugin):
    """nbgrader's CSV export with a ``status`` column; ``nbgrader export --to=FILE`` (default grades.csv)."""

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        coursedir = getattr(self.parent, "coursedir", None)
        only_students = {str(s) for s in self.student}
        only_assignments = {str(a) for a in self.assignment}
        self.log.info("Exporting grades with their status to %s", dest)
        rows = []
        students = _students(gradebook, coursedir)
        for assignment in gradebook.assignments:
            if only_assignments and assignment.name not in only_assignments:
                continue
            notebooks = [n.name for n in assignment.notebooks]
            for student_id, student in students.items():
                if only_students and student_id not in only_students:
                    continue
                try:
                    submission = gradebook.find_submission(assignment.name, student_id)
                except MissingEntry:
                    submission = None
                status = submission_status(coursedir, assignment.name, student_id, submission, notebooks)
                rows.append(self._row(assignment, student_id, student, submission, status))
        with open(dest, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)

    @staticmethod
    def _row(assignment, student_id, student, submission, status):
        row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student_id,
               "last_name": getattr(student, "last_name", None), "first_name": getattr(student, "first_name", None),
               "email": getattr(student, "email", None), "max_score": assignment.max_score, "status": status,
               "timestamp": None, "raw_score": 0.0, "late_submission_penalty": 0.0, "score": 0.0}
        if submission is not None and status != "not_graded":
            penalty = submission.late_submission_penalty
            row.update(timestamp=submission.timestamp, raw_score=submission.score, late_submission_penalty=penalty,
                       score=max(0.0, submission.score - penalty))
        return {k: "" if v is None else str(v) for k, v in row.items()}
