"""Wrong submissions for the graded exercises, one per known mistake (see tests/test_exercises.py)."""
