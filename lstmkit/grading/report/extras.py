"""Where other parts of the grading tools add to the class report.

- :func:`extra_sections`: sections placed after the built-in ones and before the list of every submission.
  The similarity of answer cells (``python -m lstmkit.grading similarity``) goes here, as a
  :class:`~lstmkit.grading.report.data.Section` whose ``html`` is its fragment and ``data`` its JSON.
- :func:`late_penalties`: the late penalty of each student, when a late policy computes them; without one the
  report shows the gradebook's (``late_submission_penalty``, which nbgrader's own late plugin fills in). The
  report shows raw score, penalty and final score side by side.
"""
from __future__ import annotations

from typing import Mapping

from .data import Section


def extra_sections(coursedir, assignment: str) -> list[Section]:
    """The sections other modules add for ``assignment`` (none yet)."""
    return []


def late_penalties(coursedir, assignment: str) -> Mapping[str, float]:
    """Late penalties by student that replace the gradebook's (none: the gradebook's are shown)."""
    return {}
