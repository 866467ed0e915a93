"""nbgrader configuration for the course's graded exercises.

Layout (relative to this file, the course directory):

    solutions/<assignment>/<assignment>.ipynb    instructor source: solutions and hidden tests
    exercises/<assignment>/<assignment>.ipynb    student release (`make release` regenerates it)
    submitted/<student>/<assignment>/...         collected work       (git-ignored)
    autograded/, feedback/, gradebook.db         grading output       (git-ignored)

Run nbgrader with the virtualenv's bin/ on PATH (it calls `alembic` through PATH); the Makefile's
`release`, `autograde`, `feedback` and `export` targets do that.
"""
import os
import secrets

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades, OverwriteKernelspec

# nbgrader's classes, fixed where this course's use of them hit a problem (lstmkit/grading/nbgrader_plugins.py)
from lstmkit.grading.feedback import HideHiddenOutputs
from lstmkit.grading.feedback_summary import MistakeSummary
from lstmkit.grading.nbgrader_plugins import ClearHiddenTests, RestoreTestCells


c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "lstm-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Only notebooks (and data files they read, if an assignment ever ships one) go to students.
# nbgrader copies every non-notebook file of a source folder verbatim, so anything that could hold
# a solution (a Markdown twin, a script, notes) is ignored here; tests/grading/test_exercises.py checks
# that the release holds the notebooks and the data files it lists (reber_data.npz) only.
c.CourseDirectory.ignore = [
    ".*", "*.md", "*.py", "*.txt", "*.rst", "*.html", "*.pdf", "*.bak", "*~", "*.orig",
    "__pycache__", "*.pyc", ".ipynb_checkpoints", "feedback", "*.db",
]
c.CourseDirectory.include = ["*.ipynb", "*.csv", "*.npz", "*.npy", "*.json"]
c.CourseDirectory.max_file_size = 2000  # kilobytes

# Grading executes every notebook top to bottom in a fresh python3 kernel. The slowest cell is the
# Reber training run (about 10 s with the reference solution); a cell that takes longer than the
# timeout is interrupted and recorded as an error, and grading goes on with the next cell.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"
# A cell tagged with this value is skipped instead of executed. nbclient's default tag,
# "skip-execution", would let a student skip the test cells by tagging them; a fresh random tag per
# run cannot be guessed.
c.Execute.skip_cells_with_tag = "skip-" + secrets.token_hex(16)

# Autograding before `make release` works: an assignment missing from the gradebook is recorded from
# solutions/ first (exercises/ is left as it is). Read-only cells are restored from the gradebook as nbgrader
# does, hidden tests included, but only a cell that differs from the released version is reported as changed
# (nbgrader's OverwriteCells reports every hidden-test cell, nbgrader #1961).
c.Autograde.pre_convert_hook = "lstmkit.grading.nbgrader_plugins.record_missing_assignment"
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreTestCells,
                                      CheckCellMetadata]

# Test cells whose last line is an expression would be read as partial credit: ours end in calls
# that return None. Student-written answers are graded by hand in the formgrader.
# Feedback shows no hidden test: HideHiddenOutputs (lstmkit/grading/feedback.py) first rewrites the outputs
# of test cells (a failing hidden test keeps only the check's summary in words and its pointer to the book;
# no traceback, no printed output, no file path anywhere), then ClearHiddenTests removes the hidden lines
# from the cells' source (nbgrader would otherwise print the hidden tests in the feedback, nbgrader #917).
# MistakeSummary (lstmkit/grading/feedback_summary.py) puts the mistakes the grader recognised at the top, each
# with a link to its book section: set c.MistakeSummary.book_url to where the book is published (or
# LSTMKIT_BOOK_URL), otherwise sections are named without a link.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenOutputs, ClearHiddenTests, MistakeSummary,
                                    CSSHTMLHeaderPreprocessor]

# `nbgrader export` (make export): nbgrader's columns and a `status` (graded, needs_manual, not_graded,
# not_submitted), so that a notebook that was never graded does not look like a graded 0.
c.ExportApp.plugin_class = "lstmkit.grading.export.GradesCsv"

# Late penalties (lstmkit/grading/late.py), applied by `make export`, `nbgrader export` and
# `python -m lstmkit.grading export --format canvas|moodle|csv` from each submission's timestamp.txt, against the
# assignment's due date in the gradebook (`nbgrader db assignment add ps1 --duedate="2026-11-20 17:00:00
# Europe/Berlin"`) plus the student's extension (`python -m lstmkit.grading extension ps1 alice --days 2`).
# Off while penalty_per_day is 0; the raw score is kept beside the penalty.
# c.LatePolicy.penalty_per_day = 0.1   # a tenth of the assignment's points for each started day late
# c.LatePolicy.max_penalty = 0.5       # at most half of the points
# c.LatePolicy.grace_minutes = 5       # up to 5 minutes late counts as on time

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
