"""What the hardened grader records beside nbgrader's gradebook, in the same database (SQLite or PostgreSQL).

Two tables, written by the process that merges results into the gradebook (the batch, or the coordinator of
a Dask cluster), one student at a time, right after nbgrader's own records:

- ``lstmkit_grading_runs``, one row per (assignment, student): the grader's status (``graded``,
  ``needs_manual``, ``rejected``, ``error``) and reason, the score it wrote, the seconds grading took, when it
  was graded, and the submission's timestamp as the gradebook holds it;
- ``lstmkit_grading_mistakes``, one row per failing test cell, (assignment, student, notebook, cell): its
  mistake code and kind (:mod:`lstmkit.grading.verdicts`: decided in the grading worker from the exception
  object, never parsed from text).

Regrading replaces a student's rows of that assignment in one transaction, so a regrade never adds to the
counts. Plain ``nbgrader autograde`` writes neither table (its tests run in the student's kernel, whose
output could be forged); a submission regraded by it later has another timestamp than the one recorded here,
and readers then ignore the recorded codes (:meth:`GradingRun.matches`).
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Iterable, Optional

RUNS = "lstmkit_grading_runs"
MISTAKES = "lstmkit_grading_mistakes"


@dataclass(frozen=True)
class GradingRun:
    """The hardened grader's verdict on one submission."""

    assignment: str
    student: str
    status: str                          # graded, needs_manual, rejected, error
    reason: str
    score: float
    max_score: float
    seconds: Optional[float]             # time spent grading it (None when unknown)
    graded_at: float                     # seconds since the epoch
    timestamp: Optional[dt.datetime]     # the submission's timestamp in the gradebook when it was graded

    def matches(self, timestamp: Optional[dt.datetime]) -> bool:
        """Whether this run graded the submission the gradebook holds now (``timestamp``: the gradebook's)."""
        return naive_utc(self.timestamp) == naive_utc(timestamp)


def naive_utc(when: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """``when`` as a naive UTC datetime, as nbgrader stores it (an aware one is converted)."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class CellMistake:
    """The mistake code of one failing test cell of one student's submission."""

    assignment: str
    student: str
    notebook: str
    cell: str           # the test cell's grade id
    code: str           # a key of MISTAKES, or error.<Type> / error.stderr (lstmkit.grading.verdicts)
    kind: str           # check, error, stderr, timeout


class GradingRecords:
    """The two tables at ``db_url`` (nbgrader's ``db_url``), created when missing. Every method is one short
    transaction; use as a context manager, or call :meth:`close`."""

    def __init__(self, db_url: str):
        import sqlalchemy as sa

        self.sa = sa
        self.engine = sa.create_engine(db_url)
        metadata = sa.MetaData()
        def key():
            return [sa.Column("assignment", sa.String(128), primary_key=True),
                    sa.Column("student", sa.String(128), primary_key=True)]

        self.runs_table = sa.Table(
            RUNS, metadata, *key(),
            sa.Column("status", sa.String(32), nullable=False),
            sa.Column("reason", sa.Text, nullable=False, default=""),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("max_score", sa.Float, nullable=False),
            sa.Column("seconds", sa.Float),
            sa.Column("graded_at", sa.Float, nullable=False),
            sa.Column("timestamp", sa.DateTime))
        self.mistakes_table = sa.Table(
            MISTAKES, metadata, *key(),
            sa.Column("notebook", sa.String(128), primary_key=True),
            sa.Column("cell", sa.String(128), primary_key=True),
            sa.Column("code", sa.String(128), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False))
        metadata.create_all(self.engine, checkfirst=True)

    def __enter__(self) -> "GradingRecords":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def _of(self, table, assignment: str, student: Optional[str] = None):
        where = table.c.assignment == assignment
        return where if student is None else self.sa.and_(where, table.c.student == student)

    def replace(self, run: GradingRun, mistakes: Iterable[CellMistake]) -> None:
        """Make ``run`` and ``mistakes`` the only rows of (run.assignment, run.student)."""
        rows = [vars(m) for m in mistakes]
        if any((m["assignment"], m["student"]) != (run.assignment, run.student) for m in rows):
            raise ValueError(f"mistakes: expected rows of {run.assignment}/{run.student} only")
        with self.engine.begin() as conn:
            for table in (self.mistakes_table, self.runs_table):
                conn.execute(table.delete().where(self._of(table, run.assignment, run.student)))
            conn.execute(self.runs_table.insert().values(**vars(run)))
            if rows:
                conn.execute(self.mistakes_table.insert(), rows)

    def runs(self, assignment: str) -> list[GradingRun]:
        """Every recorded run of ``assignment``, by student."""
        t = self.runs_table
        with self.engine.connect() as conn:
            found = conn.execute(t.select().where(self._of(t, assignment)).order_by(t.c.student)).all()
        return [GradingRun(**row._mapping) for row in found]

    def run(self, assignment: str, student: str) -> Optional[GradingRun]:
        t = self.runs_table
        with self.engine.connect() as conn:
            row = conn.execute(t.select().where(self._of(t, assignment, student))).first()
        return GradingRun(**row._mapping) if row is not None else None

    def mistakes(self, assignment: str, student: Optional[str] = None) -> list[CellMistake]:
        """The recorded mistakes of ``assignment`` (of one ``student`` if given), by student, notebook, cell."""
        t = self.mistakes_table
        order = (t.c.student, t.c.notebook, t.c.cell)
        with self.engine.connect() as conn:
            found = conn.execute(t.select().where(self._of(t, assignment, student)).order_by(*order)).all()
        return [CellMistake(**row._mapping) for row in found]


def run_from_result(assignment: str, row: dict, result: dict, timestamp: Optional[dt.datetime]) -> GradingRun:
    """The run to record for a grading ``result`` (from a worker) merged as CSV ``row``."""
    seconds = result.get("grading_seconds")
    return GradingRun(assignment=assignment, student=row["student"], status=row["status"],
                      reason=str(row.get("reason") or ""), score=float(row["score"]),
                      max_score=float(row["max_score"]),
                      seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
                      graded_at=time.time(), timestamp=naive_utc(timestamp))


def mistakes_from_result(assignment: str, student: str, result: dict) -> list[CellMistake]:
    """The failing cells of a grading ``result``, as written by the grading worker (``result["mistakes"]``).
    The result comes from the grader's own process (the student's kernel never writes it)."""
    return [CellMistake(assignment=assignment, student=student, notebook=str(m["notebook"]), cell=str(m["cell"]),
                        code=str(m["code"]), kind=str(m["kind"])) for m in result.get("mistakes") or []]
