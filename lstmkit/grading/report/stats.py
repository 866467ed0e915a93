"""From the gradebook's rows and the grader's records to the report's figures (pure functions, no I/O)."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from typing import Callable, Iterable, Mapping, Optional

from ..records import CellMistake, GradingRun
from .collect import CellInfo, GradebookView, GradeRow, SubmissionRow
from .data import HARDENED, PLAIN, STATUSES, CellStats, Histogram, MistakeCount, StatusCount, Submission, \
    TimeSummary

EPS = 1e-9
PLAIN_REASON = "graded by plain nbgrader autograde: no mistake codes or grading time recorded"
STALE_REASON = ("regraded outside the hardened grader after its last run: its mistake codes and time are not "
                "shown")


# ------------------------------------------------------------------------------------------ submissions
def is_hardened(run: Optional[GradingRun], row: Optional[SubmissionRow]) -> bool:
    """Whether the hardened grader's run describes the submission the gradebook holds now (a rejected or
    failed submission leaves no gradebook row behind)."""
    if run is None:
        return False
    if row is None:
        return True
    return run.status != "rejected" and run.matches(row.timestamp)


def _iso(when: Optional[dt.datetime]) -> Optional[str]:
    return None if when is None else when.replace(tzinfo=dt.timezone.utc).isoformat()


def submission(student: str, run: Optional[GradingRun], row: Optional[SubmissionRow], codes: tuple[str, ...],
               max_score: float, penalty: Optional[float]) -> Submission:
    """One student's line: the status is the grader's, or nbgrader's when the gradebook says more (a written
    answer graded by hand since turns ``needs_manual`` into ``graded``)."""
    hardened = is_hardened(run, row)
    if row is None:  # rejected, or a grading that failed before anything reached the gradebook
        score = run.score if run.status in ("graded", "needs_manual") else None
        status, reason = run.status, run.reason
    else:
        score = row.score
        manual = "needs_manual" if row.needs_manual else "graded"
        status = run.status if hardened and run.status == "error" else manual
        reason = run.reason if hardened else (STALE_REASON if run is not None else PLAIN_REASON)
    default_penalty = row.late_penalty if row is not None else 0.0
    return Submission(student=student, status=status, reason=reason, score=score, max_score=max_score,
                      late_penalty=float(default_penalty if penalty is None else penalty),
                      seconds=run.seconds if hardened else None, grader=HARDENED if hardened else PLAIN,
                      timestamp=_iso(row.timestamp if row is not None else (run.timestamp if run else None)),
                      codes=codes if hardened else ())


def submissions(view: GradebookView, penalties: Optional[Mapping[str, float]] = None) -> tuple[Submission, ...]:
    """Every student with a gradebook submission or a grader's record, by student id. ``penalties``: late
    penalties that replace the gradebook's (student -> points)."""
    order = {(c.notebook, c.cell): i for i, c in enumerate(view.cells)}
    codes = defaultdict(list)
    for m in sorted(view.mistakes, key=lambda m: (m.student, order.get((m.notebook, m.cell), len(order)), m.cell)):
        codes[m.student].append(m.code)
    penalties = penalties or {}
    return tuple(submission(s, view.runs.get(s), view.submissions.get(s), tuple(codes[s]), view.max_score,
                            penalties.get(s))
                 for s in sorted(set(view.submissions) | set(view.runs)))


def hardened_mistakes(view: GradebookView, rows: Iterable[Submission]) -> list[CellMistake]:
    """The recorded mistakes of the submissions the hardened grader's records still describe."""
    current = {s.student for s in rows if s.grader == HARDENED}
    return [m for m in view.mistakes if m.student in current]


def tested(rows: Iterable[Submission], view: GradebookView) -> int:
    """Students whose tests the hardened grader ran (its submissions that reached the gradebook)."""
    return sum(1 for s in rows if s.grader == HARDENED and s.student in view.submissions)


# ------------------------------------------------------------------------------------------ distributions
def histogram(values: Iterable[float], edges: tuple[float, ...]) -> Histogram:
    """Counts of ``values`` in the bins between ``edges`` (increasing); the last bin includes its end, values
    outside are left out."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        if v < edges[0] or v > edges[-1]:
            continue
        k = next((i for i in range(len(counts)) if v < edges[i + 1]), len(counts) - 1)
        counts[k] += 1
    return Histogram(edges=tuple(float(e) for e in edges), counts=tuple(counts))


def score_edges(max_score: float) -> tuple[float, ...]:
    """One bin per point up to 20 points (the last holds full marks alone), else ten equal bins."""
    if 0 < max_score <= 20 and abs(max_score - round(max_score)) < EPS:
        return tuple(float(k) for k in range(int(round(max_score)) + 2))
    top = max_score if max_score > 0 else 1.0
    return tuple(top * k / 10 for k in range(11))


def time_edges(longest: float) -> tuple[float, ...]:
    """Ten bins from 0 to a round number of seconds at or above ``longest``."""
    top = max(longest, 1.0)
    step = 10 ** math.floor(math.log10(top / 10)) if top >= 10 else 0.1 * math.ceil(top)
    for factor in (1, 2, 5, 10):
        if 10 * step * factor >= top - EPS:
            step *= factor
            break
    return tuple(round(step * k, 6) for k in range(11))


def quantile(sorted_values: list[float], q: float) -> Optional[float]:
    """The ``q``-quantile by linear interpolation between closest ranks (None when empty)."""
    if not sorted_values:
        return None
    pos = q * (len(sorted_values) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def time_summary(rows: Iterable[Submission]) -> TimeSummary:
    seconds = sorted(s.seconds for s in rows if s.seconds is not None)
    longest = seconds[-1] if seconds else 0.0
    return TimeSummary(count=len(seconds), median=quantile(seconds, 0.5), p90=quantile(seconds, 0.9),
                       max=seconds[-1] if seconds else None, total=float(sum(seconds)),
                       histogram=histogram(seconds, time_edges(longest)))


# ------------------------------------------------------------------------------------------ cells
def cell_stats(cells: Iterable[CellInfo], grades: Iterable[GradeRow], mistakes: Iterable[CellMistake]
               ) -> tuple[CellStats, ...]:
    """Per graded cell: how many got full, partial and no marks, how many wait for a person, and the codes."""
    by_cell = defaultdict(list)
    for g in grades:
        by_cell[(g.notebook, g.cell)].append(g)
    codes = defaultdict(Counter)
    for m in {(m.notebook, m.cell, m.code, m.student) for m in mistakes}:
        codes[m[:2]][m[2]] += 1
    out = []
    for c in cells:
        done = [g.score for g in by_cell[(c.notebook, c.cell)] if not g.needs_manual]
        full = sum(1 for v in done if v >= c.max_score - EPS)
        zero = sum(1 for v in done if v <= EPS and c.max_score > EPS)
        out.append(CellStats(notebook=c.notebook, cell=c.cell, kind=c.kind, max_score=c.max_score,
                             graded=len(done), full=full, partial=len(done) - full - zero, zero=zero,
                             waiting=len(by_cell[(c.notebook, c.cell)]) - len(done),
                             mean=sum(done) / len(done) if done else None,
                             codes=tuple(sorted(codes[(c.notebook, c.cell)].items(), key=lambda kv: (-kv[1], kv[0])))))
    return tuple(out)


# ------------------------------------------------------------------------------------------ mistakes
def mistake_counts(mistakes: Iterable[CellMistake], tested_students: int,
                   section_of: Callable[[str], Optional[str]], url_of: Callable[[str], Optional[str]]
                   ) -> tuple[MistakeCount, ...]:
    """Every recorded code with the students who have it and the cells it was recorded on, most frequent
    first (by students, then occurrences, then code)."""
    students, occurrences, cells, kinds = defaultdict(set), Counter(), defaultdict(set), defaultdict(Counter)
    for m in mistakes:
        students[m.code].add(m.student)
        occurrences[m.code] += 1
        cells[m.code].add(m.cell)
        kinds[m.code][m.kind] += 1
    rows = [MistakeCount(code=code, kind=kinds[code].most_common(1)[0][0], students=len(who),
                         occurrences=occurrences[code],
                         share=len(who) / tested_students if tested_students else 0.0,
                         cells=tuple(sorted(cells[code])), section=section_of(code), url=url_of(code))
            for code, who in students.items()]
    return tuple(sorted(rows, key=lambda m: (-m.students, -m.occurrences, m.code)))


# ------------------------------------------------------------------------------------------ statuses
def status_counts(rows: Iterable[Submission]) -> tuple[StatusCount, ...]:
    """Each status (all four, in STATUSES order, then any other) with its count and its reasons."""
    counts, reasons = Counter(), defaultdict(Counter)
    for s in rows:
        counts[s.status] += 1
        if s.reason:
            reasons[s.status][s.reason] += 1
    order = list(STATUSES) + sorted(set(counts) - set(STATUSES))
    return tuple(StatusCount(status=st, count=counts[st],
                             reasons=tuple(sorted(reasons[st].items(), key=lambda kv: (-kv[1], kv[0]))))
                 for st in order)
