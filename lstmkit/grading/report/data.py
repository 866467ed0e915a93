"""The class report's data: typed records, shared by the HTML page, the JSON file and the tests.

Every number on the page comes from one :class:`ClassReport`; :func:`to_json` writes the same object for
scripts. Scores are nbgrader's (manual grades included); statuses, grading times and mistake codes are the
hardened grader's records beside the gradebook (:mod:`lstmkit.grading.records`).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Optional

STATUSES = ("graded", "needs_manual", "rejected", "error")
"""The hardened grader's statuses, in the order the report lists them."""
HARDENED, PLAIN = "hardened", "nbgrader"
"""Who graded a submission: the hardened grader (mistake codes and time recorded) or plain nbgrader autograde
(scores only)."""


@dataclass(frozen=True)
class Submission:
    """One student's submission of the assignment."""

    student: str
    status: str                     # one of STATUSES
    reason: str                     # why rejected / error, or what the grader noted
    score: Optional[float]          # nbgrader's score before any late penalty; None when nothing is graded
    max_score: float
    late_penalty: float             # points taken off for lateness (0 when none)
    seconds: Optional[float]        # time the grader spent on it (None: not recorded)
    grader: str                     # HARDENED or PLAIN
    timestamp: Optional[str]        # when it was handed in (ISO 8601, UTC), as the gradebook holds it
    codes: tuple[str, ...]          # its mistake codes, one per failing test cell, in cell order

    @property
    def final_score(self) -> Optional[float]:
        return None if self.score is None else max(0.0, self.score - self.late_penalty)


@dataclass(frozen=True)
class Histogram:
    """Counts of values in bins: bin k holds edges[k] <= v < edges[k + 1] (the last bin includes its end)."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class CellStats:
    """The class's scores on one graded cell and the mistakes recorded on it."""

    notebook: str
    cell: str                       # grade id
    kind: str                       # "code" (a test) or "markdown" (a written answer)
    max_score: float
    graded: int                     # students with a score on it
    full: int                       # ... with full marks
    partial: int                    # ... with some but not all
    zero: int                       # ... with none
    waiting: int                    # students whose score waits for a manual grade
    mean: Optional[float]           # mean score of the graded, None when none is
    codes: tuple[tuple[str, int], ...]  # (code, students) recorded on this cell, most frequent first


@dataclass(frozen=True)
class MistakeCount:
    """How often one mistake code was recorded across the class."""

    code: str
    kind: str                       # check, error, stderr, timeout (lstmkit.grading.verdicts)
    students: int                   # distinct students with it
    occurrences: int                # failing cells with it (a student can have it in several cells)
    share: float                    # students / the students whose tests ran (ClassReport.tested)
    cells: tuple[str, ...]          # grade ids of the cells it was recorded on
    section: Optional[str]          # the book section (page.html#anchor), None when the catalogue has none
    url: Optional[str]              # the link to that section, None when no book URL is known


@dataclass(frozen=True)
class StatusCount:
    """How many submissions ended with one status, and why (reasons with their counts)."""

    status: str
    count: int
    reasons: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class TimeSummary:
    """Grading time per submission, in seconds, over the submissions that have one."""

    count: int
    median: Optional[float]
    p90: Optional[float]
    max: Optional[float]
    total: float
    histogram: Histogram


@dataclass(frozen=True)
class Section:
    """A part of the page another module adds (the similarity of answer cells goes here): ``html`` is a
    fragment placed under an ``<h2>`` with ``title`` (use ``<h3>`` and below inside), ``data`` goes to the JSON."""

    id: str
    title: str
    html: str
    data: Optional[dict] = None


@dataclass(frozen=True)
class ClassReport:
    assignment: str
    course_id: str
    generated_at: str               # ISO 8601, UTC
    max_score: float
    book_url: Optional[str]
    tested: int                     # students whose tests the hardened grader ran (the shares' denominator)
    submissions: tuple[Submission, ...]
    score_histogram: Histogram
    cells: tuple[CellStats, ...]
    mistakes: tuple[MistakeCount, ...]
    statuses: tuple[StatusCount, ...]
    times: TimeSummary
    sections: tuple[Section, ...] = ()

    def mistake(self, code: str) -> Optional[MistakeCount]:
        return next((m for m in self.mistakes if m.code == code), None)


def to_json(report: ClassReport) -> str:
    """The report as JSON (every field of the dataclasses; ``final_score`` added to each submission)."""
    data = dataclasses.asdict(report)
    for row, submission in zip(data["submissions"], report.submissions):
        row["final_score"] = submission.final_score
    return json.dumps(data, indent=1)
