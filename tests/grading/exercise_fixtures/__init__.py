"""Wrong submissions for the graded exercises, one per known mistake (see tests/grading/test_exercises.py).

Each case is a whole answer cell as a student would write it, with one mistake: cases of the same part look
alike on purpose (a shared helper would hide the mistake that the case is about).
"""
