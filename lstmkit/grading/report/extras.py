"""Where other parts of the grading tools add to the class report.

- :func:`extra_sections`: sections placed after the built-in ones and before the list of every submission: the
  similarity of answer cells (:mod:`lstmkit.grading.similarity`), its fragment as ``html`` and its JSON as ``data``.
- :func:`late_penalties`: the late penalty of each student under the course's late policy (``c.LatePolicy``,
  :mod:`lstmkit.grading.late`); without one the report shows the gradebook's (``late_submission_penalty``, which
  nbgrader's own late plugin fills in). The report shows raw score, penalty and final score side by side.
"""
from __future__ import annotations

from typing import Mapping

from .data import Section


def extra_sections(coursedir, assignment: str) -> list[Section]:
    """The similarity of the answer cells of ``assignment``; when it cannot be computed (no release, no answer
    cell), a section that says why, so the page never hides that the comparison did not run."""
    from ..similarity import SimilarityError, compare_assignment, render_fragment

    title = "Similar answers"
    try:
        result = compare_assignment(coursedir.root, assignment)
    except SimilarityError as exc:
        from html import escape

        return [Section("similarity", title, f"<p>The answers were not compared: {escape(str(exc))}</p>",
                        {"error": str(exc)})]
    return [Section("similarity", title, render_fragment(result, heading_level=3), result.to_json())]


def late_penalties(coursedir, assignment: str) -> Mapping[str, float]:
    """Late penalties by student (points) under ``c.LatePolicy``; empty when the policy sets none."""
    from ..course import load_course
    from ..grades import class_grades
    from ..late import LatePolicy

    _, config = load_course(coursedir.root)
    if not LatePolicy(config=config).rule().active:
        return {}
    return {g.student.id: g.penalty for g in class_grades(coursedir.root, [assignment])}
