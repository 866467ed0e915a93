"""A manual grade from the command line: ``python -m lstmkit.grading manual ASSIGNMENT STUDENT CELL SCORE``.

It does what the formgrader does when a score is typed next to an answer: sets the grade's
``manual_score`` (and optionally the comment the student sees in the feedback) and clears its
``needs_manual_grade`` flag, so the submission leaves the formgrader's "needs manual grade" list. Setting
``manual_score`` alone, as nbgrader's API allows, leaves the flag set.
"""

from . import course as course_mod


def set_manual_grade(root, assignment, student, grade_id, score, comment=None, notebook=None):
    """Record ``score`` for cell ``grade_id`` of ``student``'s ``assignment``; returns ``(score, max_score)``.

    ``notebook``: the notebook's name without ``.ipynb``; optional when the assignment has one notebook.
    Raises :class:`course.CourseError` naming what is missing or out of range.
    """
    from nbgrader.api import Gradebook, MissingEntry

    coursedir, _ = course_mod.load_course(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise course_mod.CourseError(f"assignment: {assignment!r} is not in the gradebook") from None
        names = sorted(n.name for n in record.notebooks)
        if notebook is None and len(names) != 1:
            raise course_mod.CourseError(f"--notebook: {assignment!r} has the notebooks {names}; name one")
        notebook = names[0] if notebook is None else notebook
        if notebook not in names:
            raise course_mod.CourseError(f"--notebook: expected one of {names}, got {notebook!r}")
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            raise course_mod.CourseError(f"student: {student!r} has no graded submission of {assignment!r}; "
                                         "autograde it first") from None
        try:
            grade = gb.find_grade(grade_id, notebook, assignment, student)
        except MissingEntry:
            cells = sorted(c.name for c in gb.find_notebook(notebook, assignment).grade_cells)
            raise course_mod.CourseError(f"cell: expected a graded cell of {notebook} ({', '.join(cells)}), "
                                         f"got {grade_id!r}") from None
        if not 0 <= score <= grade.max_score:
            raise course_mod.CourseError(f"score: expected a number from 0 to {grade.max_score:g} (the points of "
                                         f"{grade_id}), got {score:g}")
        if comment is not None:
            try:
                gb.find_comment(grade_id, notebook, assignment, student).manual_comment = comment
            except MissingEntry:
                raise course_mod.CourseError(f"--comment: {grade_id} is a test cell; comments go with "
                                             "answer cells") from None
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.db.commit()
        return float(score), float(grade.max_score)
