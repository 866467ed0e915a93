"""Late submissions: when a submission was handed in, how late it was, and the penalty it costs.

Where everything lives, nbgrader's own places first:

- **the deadline** is the assignment's ``duedate`` in nbgrader's gradebook (``nbgrader db assignment add ps1
  --duedate="2026-11-20 17:00:00 Europe/Berlin"``, or the formgrader's *Manage Assignments* page);
- **an extension** is nbgrader's per-student ``extension`` of the submission (``Gradebook.grant_extension``;
  ``python -m lstmkit.grading extension ps1 alice --days 2`` sets it, before or after grading, see
  :func:`grant_extension`); the student's deadline is the due date plus the extension, as in nbgrader's
  ``SubmittedAssignment.duedate``;
- **the submission time** is the first line of ``submitted/<student>/<assignment>/timestamp.txt``, as
  ``nbgrader submit``/``collect`` write it (``2026-11-20 17:03:12.123456 UTC``; format and zone from
  ``c.Exchange.timestamp_format``/``c.Exchange.timezone``), read by :func:`read_timestamp`; without that file, the
  time the gradebook recorded at grading; without either, the submission counts as on time (nbgrader's rule);
- **the penalty rule** is :class:`LatePolicy` in ``nbgrader_config.py``::

      c.LatePolicy.penalty_per_day = 0.1   # a tenth of the assignment's points for each started day late
      c.LatePolicy.max_penalty = 0.5       # never more than half of the points
      c.LatePolicy.grace_minutes = 5       # up to 5 minutes late counts as on time

  ``penalty_per_day = 0`` (the default) applies no rule of ours: the penalty is then the one nbgrader's own
  ``LateSubmissionPlugin`` recorded in the gradebook, if any (0 otherwise).

The arithmetic (:meth:`PenaltyRule.days_late`, :meth:`PenaltyRule.penalty`): a submission later than its
deadline by more than the grace is late by ``ceil(seconds late / 86400)`` started days, counted from the
deadline (1 s late is one day, exactly 2 days late is two); the penalty is ``min(days * penalty_per_day,
max_penalty)`` times the assignment's points (or times the raw score with ``c.LatePolicy.relative_to =
"raw_score"``), rounded to 0.01 point and never more than the raw score, so the final score ``raw - penalty`` is
never below 0. The raw score is kept beside it.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from typing import Optional

from traitlets import Enum, Float
from traitlets.config import Configurable

from .course import CourseError

DAY = 86400.0
UTC = dt.timezone.utc
_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)\s*(.*)")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})?")


class LateError(CourseError):
    """A late-policy setting, a deadline or a timestamp that cannot be used; the message names it."""


class LatePolicy(Configurable):
    """The penalty rule, configured in ``nbgrader_config.py`` as ``c.LatePolicy.<name>``."""

    penalty_per_day = Float(0.0, help="Fraction of the points lost per started day late (0.1 = 10 %); "
                                      "0 applies no rule (nbgrader's recorded penalty, if any, stays)").tag(config=True)
    max_penalty = Float(1.0, help="Largest fraction of the points a late submission can lose").tag(config=True)
    grace_minutes = Float(0.0, help="Lateness up to this many minutes counts as on time").tag(config=True)
    relative_to = Enum(["max_score", "raw_score"], default_value="max_score",
                       help="What the fractions are of: the assignment's points or the student's raw score"
                       ).tag(config=True)

    def rule(self) -> "PenaltyRule":
        return PenaltyRule(per_day=self.penalty_per_day, max_penalty=self.max_penalty,
                           grace=dt.timedelta(minutes=self.grace_minutes), relative_to=self.relative_to)


@dataclass(frozen=True)
class PenaltyRule:
    """A validated :class:`LatePolicy`: fractions of the points per started day and at most, a grace period."""

    per_day: float = 0.0
    max_penalty: float = 1.0
    grace: dt.timedelta = dt.timedelta(0)
    relative_to: str = "max_score"

    def __post_init__(self):
        for name, value in (("penalty_per_day", self.per_day), ("max_penalty", self.max_penalty)):
            if not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise LateError(f"c.LatePolicy.{name}: expected a fraction of the points from 0 to 1 "
                                f"(0.1 = 10 %), got {value!r}")
        if self.grace < dt.timedelta(0):
            raise LateError(f"c.LatePolicy.grace_minutes: expected 0 or more minutes, "
                            f"got {self.grace.total_seconds() / 60:g}")
        if self.relative_to not in ("max_score", "raw_score"):
            raise LateError(f"c.LatePolicy.relative_to: expected 'max_score' or 'raw_score', got {self.relative_to!r}")

    @property
    def active(self) -> bool:
        """Whether this rule sets penalties (otherwise nbgrader's recorded penalty stands)."""
        return self.per_day > 0

    def days_late(self, seconds_late: float) -> int:
        """Started days late: 0 within the grace, else ``ceil(seconds_late / 86400)``."""
        if seconds_late < 0:
            raise LateError(f"seconds late: expected 0 or more, got {seconds_late!r}")
        if seconds_late == 0 or seconds_late <= self.grace.total_seconds():
            return 0
        return math.ceil(seconds_late / DAY)

    def penalty(self, raw_score: float, max_score: float, days_late: int) -> float:
        """Points lost, from 0 to ``raw_score``, rounded to 0.01 point."""
        if raw_score < 0 or max_score < 0:
            raise LateError(f"score: expected 0 or more points, got raw {raw_score!r} of {max_score!r}")
        fraction = min(days_late * self.per_day, self.max_penalty)
        base = max_score if self.relative_to == "max_score" else raw_score
        return min(round(fraction * base, 2), raw_score)


@dataclass(frozen=True)
class Lateness:
    """When one submission came and when it was due; datetimes are timezone-aware, in UTC.

    ``duedate``: the assignment's; ``deadline``: the student's (``duedate`` + ``extension``); ``seconds_late``: 0
    when on time, or when the time or the deadline is unknown; ``days_late``: started days after the grace.
    """

    timestamp: Optional[dt.datetime] = None
    duedate: Optional[dt.datetime] = None
    extension: Optional[dt.timedelta] = None
    seconds_late: float = 0.0
    days_late: int = 0

    @property
    def deadline(self) -> Optional[dt.datetime]:
        if self.duedate is None:
            return None
        return self.duedate + (self.extension or dt.timedelta(0))


def lateness(rule: PenaltyRule, timestamp, duedate, extension=None) -> Lateness:
    """The :class:`Lateness` of a submission at ``timestamp`` for ``duedate`` (naive datetimes are UTC, as in
    nbgrader's gradebook) with an optional ``extension``."""
    timestamp, duedate = as_utc(timestamp), as_utc(duedate)
    if extension is not None and extension < dt.timedelta(0):
        raise LateError(f"extension: expected 0 or more, got {extension}")
    found = Lateness(timestamp=timestamp, duedate=duedate, extension=extension or None)
    if timestamp is None or duedate is None:
        return found
    seconds = max(0.0, (timestamp - found.deadline).total_seconds())
    return Lateness(timestamp=timestamp, duedate=duedate, extension=extension or None, seconds_late=seconds,
                    days_late=rule.days_late(seconds))


def as_utc(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """``moment`` as an aware UTC datetime; a naive one is taken as UTC (how nbgrader stores times)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# ------------------------------------------------------------------------------------------- timestamp.txt
def read_timestamp(path: str, zone: Optional[str] = None) -> Optional[dt.datetime]:
    """The time in the ``timestamp.txt`` at ``path`` (aware, UTC), or None when there is no such file.

    Accepted: ``YYYY-MM-DD HH:MM[:SS[.ffffff]]`` (or ``T`` between) followed by nothing (UTC, as nbgrader reads
    it), ``Z``, a numeric offset (``+0100``, ``-05:00``) or a time-zone name that resolves unambiguously (``UTC``,
    ``CET``, ``Europe/Berlin``), or an abbreviation of ``zone`` (``c.Exchange.timezone``, e.g. ``EDT`` with
    ``America/New_York``). Anything else raises :class:`LateError` naming the file: an empty file, a date that
    does not parse, or a zone like ``EDT`` that nbgrader's own reader silently takes as UTC.
    """
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read().strip()
    if not text:
        raise LateError(f"{path}: empty; expected the submission time, e.g. 2026-11-20 17:03:12.123456 UTC")
    match = _STAMP.fullmatch(text)
    try:
        if not match:
            raise ValueError("expected YYYY-MM-DD HH:MM:SS[.ffffff] and a time zone")
        moment = dt.datetime.fromisoformat(match.group(1).replace("T", " "))
        return _with_zone(moment, match.group(2).strip(), zone).astimezone(UTC)
    except ValueError as exc:
        raise LateError(f"{path}: cannot read the submission time {text[:80]!r}: {exc}") from None


def _with_zone(moment: dt.datetime, name: str, zone: Optional[str]) -> dt.datetime:
    from dateutil import tz

    if name in ("", "Z", "UTC", "GMT"):
        return moment.replace(tzinfo=UTC)
    offset = _OFFSET.fullmatch(name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        return moment.replace(tzinfo=dt.timezone(sign * delta))
    if zone and tz.gettz(zone) is not None:
        local = moment.replace(tzinfo=tz.gettz(zone))
        if local.tzname() == name:
            return local
    # only the zone database's files: dateutil would read "GMT+3" or "XYZ-2" as POSIX strings, sign included
    named = tz.gettz(name) if re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]*", name) else None
    if not isinstance(named, tz.tzfile):
        hint = f" (c.Exchange.timezone is {zone!r})" if zone else " (set c.Exchange.timezone to its zone)"
        raise ValueError(f"unknown time zone {name!r}{hint}; write a zone name or a numeric offset such as +0200")
    return moment.replace(tzinfo=named)


def exchange_zone(config) -> Optional[str]:
    """``c.Exchange.timezone`` from nbgrader's configuration, if set."""
    section = config.get("Exchange") if config is not None else None
    value = section.get("timezone") if section is not None else None
    return str(value) if value else None


# ------------------------------------------------------------------------------------------------ extensions
def grant_extension(root: str, assignment: str, student: str, extension: dt.timedelta) -> Lateness:
    """Give ``student`` ``extension`` more time for ``assignment`` (0 removes it); returns the new deadline.

    nbgrader keeps an extension on the student's submission record, so one that has not been graded yet gets an
    empty record (nbgrader's ``update_or_create_submission``, as ``nbgrader autograde`` makes); the graders fill
    it in and keep the extension, also when they reject a notebook. The assignment is recorded in the
    gradebook from ``solutions/`` first if needed.
    """
    from nbgrader.api import Gradebook

    from . import course as course_mod

    if extension < dt.timedelta(0):
        raise LateError(f"extension: expected 0 or more, got {extension}")
    coursedir, _ = course_mod.load_course(root)
    course_mod.record_assignment(root, assignment)
    minutes = extension.total_seconds() / 60
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        duedate = gb.find_assignment(assignment).duedate
        if minutes == 0 and not _has_submission(gb, assignment, student):
            return lateness(PenaltyRule(), None, duedate)  # nothing to remove, no record to make
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        gb.grant_extension(assignment, student, minutes=minutes)
        return lateness(PenaltyRule(), None, duedate, gb.find_submission(assignment, student).extension)


def _has_submission(gb, assignment, student) -> bool:
    from nbgrader.api import MissingEntry

    try:
        gb.find_submission(assignment, student)
    except MissingEntry:
        return False
    return True
