"""Grading tools for the course.

- ``lstmkit.grading.checks``: helpers that test cells call to compare a student's
  answer with the expected one (imported inside notebooks, so it stays light).
- ``python -m lstmkit.grading autograde ASSIGNMENT``: the hardened batch
  autograder (``lstmkit.grading.batch``); it runs each submission in a sandbox,
  evaluates the tests outside the student's process and writes nbgrader's
  gradebook, ``autograded/`` and a CSV report; with ``--scheduler ADDRESS`` or ``--local-cluster N`` it grades
  on the workers of a Dask cluster (``lstmkit.grading.cluster``), with a jobs table and ``--resume``.
- ``python -m lstmkit.grading plain|manual|record ...``: nbgrader's own commands over every assignment with a
  report of what failed (the Makefile's targets), a manual grade, recording an assignment in the gradebook;
  ``nbgrader_plugins`` and ``export`` are what ``nbgrader_config.py`` plugs into nbgrader.
- ``python -m lstmkit.grading similarity ASSIGNMENT``: pairs of students whose answer cells are alike, flagged
  for a person to read (``lstmkit.grading.similarity``; ``render_fragment`` for the class report).
- ``python -m lstmkit.grading export|extension ...``: the grades for Canvas, Moodle or as CSV (``lms``), late
  penalties applied (``late``: deadlines, extensions, ``c.LatePolicy``); ``grades.class_grades`` returns every
  student's status, raw score, penalty, final score and lateness as typed records.
- ``python -m lstmkit.grading report ASSIGNMENT``: the class report (``lstmkit.grading.report``) from the
  gradebook and the mistake codes the hardened grader recorded beside it (``lstmkit.grading.records``).

Nothing here imports nbgrader at import time.
"""
