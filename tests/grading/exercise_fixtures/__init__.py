"""Wrong submissions for the graded exercises, one per known mistake (see tests/grading/test_exercises.py)."""
