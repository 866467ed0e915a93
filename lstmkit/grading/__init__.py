"""Grading tools for the course.

- ``lstmkit.grading.checks``: helpers that test cells call to compare a student's
  answer with the expected one (imported inside notebooks, so it stays light).
- ``python -m lstmkit.grading autograde ASSIGNMENT``: the hardened batch
  autograder (``lstmkit.grading.batch``); it runs each submission in a sandbox,
  evaluates the tests outside the student's process and writes nbgrader's
  gradebook, ``autograded/`` and a CSV report; with ``--scheduler ADDRESS`` or ``--local-cluster N`` it grades
  on the workers of a Dask cluster (``lstmkit.grading.cluster``), with a jobs table and ``--resume``.

Nothing here imports nbgrader at import time.
"""
