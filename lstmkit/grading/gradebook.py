"""Merge one graded submission into nbgrader's gradebook and ``autograded/``.

Called by the batch for one student at a time, so SQLite never sees two
writers and PostgreSQL sees ordinary short transactions. Scores are computed
with nbgrader's own ``determine_grade`` on the executed notebook, and the
``needs_manual_grade`` and "No response." rules are nbgrader's
(``SaveAutoGrades``), so the formgrader shows the same thing it would after
``nbgrader autograde``.

The grader's status, the time grading took and the mistake code of every failing test cell go to tables
beside the gradebook (:mod:`lstmkit.grading.records`), replacing the student's earlier rows.

A rejected submission leaves no grade behind: an earlier submission record
and ``autograded/<student>/<assignment>/`` are removed, so a rerun after a
bad resubmission cannot keep a stale score (an extension stays, on an empty
record).
"""

import os
import shutil

import nbformat


def _write_autograded(coursedir, assignment, student, notebooks, source_dir, max_bytes=None):
    from .worker import copy_files

    dest = coursedir.format_path(coursedir.autograded_directory, student, assignment)
    submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    copy_files(submitted, dest, max_bytes=max_bytes)
    copy_files(source_dir, dest)
    for name, nb in notebooks.items():
        nbformat.write(nbformat.from_dict(nb), os.path.join(dest, name + ".ipynb"))


def _save_grades(gb, assignment, student, name, nb):
    from nbgrader import utils

    for cell in nb.cells:
        if utils.is_grade(cell):
            grade = gb.find_grade(cell.metadata.nbgrader.grade_id, name, assignment, student)
            grade.auto_score, _ = utils.determine_grade(cell)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if utils.is_solution(cell) or utils.is_task(cell):
            comment = gb.find_comment(cell.metadata.nbgrader.grade_id, name, assignment, student)
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None
    gb.db.commit()


def forget_submission(gb, assignment, student):
    """Remove ``student``'s submission of ``assignment`` and its grades; an extension the student was given stays,
    on an empty record (nbgrader keeps extensions on the submission: :mod:`lstmkit.grading.late`)."""
    from nbgrader.api import MissingEntry

    try:
        extension = gb.find_submission(assignment, student).extension
        gb.remove_submission(assignment, student)
    except MissingEntry:
        return
    if extension:
        gb.add_submission(assignment, student, extension=extension)


def record(coursedir, spec, result):
    """Write ``result`` (from a worker) to the gradebook, then its status, grading time and mistake codes to
    the tables beside it (:mod:`lstmkit.grading.records`); returns a CSV row."""
    import warnings

    from .records import GradingRecords, mistakes_from_result, run_from_result

    with warnings.catch_warnings():
        # nbgrader's update_or_create_submission triggers harmless autoflush warnings
        warnings.filterwarnings("ignore", message=".*not in session.*")
        row, timestamp = _record(coursedir, spec, result)
    assignment = spec["assignment"]
    with GradingRecords(coursedir.db_url) as records:
        records.replace(run_from_result(assignment, row, result, timestamp),
                        mistakes_from_result(assignment, row["student"], result))
    return row


def _record(coursedir, spec, result):
    from nbgrader.api import Gradebook

    assignment, student = spec["assignment"], result["student"]
    row = {"student": student, "assignment": assignment, "score": 0.0, "max_score": 0.0,
           "status": result["status"], "reason": result.get("reason", "")}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        row["max_score"] = float(gb.find_assignment(assignment).max_score)
        gb.update_or_create_student(student)
        if result["status"] == "rejected" or not result.get("notebooks"):
            forget_submission(gb, assignment, student)
            dest = coursedir.format_path(coursedir.autograded_directory, student, assignment)
            if os.path.exists(dest):
                shutil.rmtree(dest)
            return row, None
        submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        timestamp = coursedir.get_existing_timestamp(submitted)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        notebooks = {name: nbformat.from_dict(nb) for name, nb in result["notebooks"].items()}
        for name, nb in notebooks.items():
            _save_grades(gb, assignment, student, name, nb)
        _write_autograded(coursedir, assignment, student, notebooks, spec["source_dir"],
                          spec.get("max_file_bytes"))
        submission = gb.find_submission(assignment, student)
        row["score"] = float(submission.score)
        row["max_score"] = float(submission.max_score)
        if row["status"] == "graded" and submission.needs_manual_grade:
            row["status"] = "needs_manual"
        return row, submission.timestamp
