"""Grading helpers for the course exercises."""
