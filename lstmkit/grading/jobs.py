"""The durable jobs table: what a cluster batch has graded, kept in the gradebook's own database.

One row per (assignment, student, submission hash), the table's primary key. The coordinator (the only
writer) marks a row ``running`` and counts an attempt before it sends the job to a worker, writes the result
into nbgrader's gradebook, then marks the row ``done`` with the CSV row it wrote. ``autograde --resume``
grades only the students whose current submission has no ``done`` row made with the same grader (the
assignment's release, its tests and the limits: :func:`grader_digest`); a changed submission has another
hash, so it is graded again, and an unchanged one is not.

A crash between the gradebook write and the ``done`` mark leaves the row ``running``: the resumed batch
grades that student again, and nbgrader's gradebook, whose submissions and grades are unique per
(assignment, student) and per (notebook, cell), ends with one grade, not two. ``completions`` counts the
results recorded for a row, so a test can see that each was recorded once.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from typing import Optional

TABLE = "lstmkit_grading_jobs"
STATES = ("running", "done")


@dataclass(frozen=True)
class Job:
    """One row of the jobs table."""

    assignment: str
    student: str
    submission_hash: str
    grader_digest: str
    state: str                 # one of STATES
    attempts: int              # times the coordinator sent it to the cluster
    completions: int           # results recorded for it
    status: Optional[str]      # the CSV row written when it was done
    score: Optional[float]
    max_score: Optional[float]
    reason: Optional[str]
    finished_at: Optional[float]
    worker: Optional[str]      # the worker that returned the recorded result

    def csv_row(self) -> dict:
        return {"student": self.student, "assignment": self.assignment, "score": self.score or 0.0,
                "max_score": self.max_score or 0.0, "status": self.status, "reason": self.reason or ""}


def submission_hash(folder: str) -> str:
    """SHA-256 of a submission folder: every entry's relative path and kind, a regular file's bytes, a link's
    target (never followed). ``.ipynb_checkpoints`` folders are left out, as the grader leaves them out."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".ipynb_checkpoints"))
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                digest.update(b"L" + rel.encode() + b"\0" + os.readlink(path).encode() + b"\0")
            elif stat.S_ISREG(mode):
                digest.update(b"F" + rel.encode() + b"\0")
                with open(path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
                digest.update(b"\0")
            else:
                digest.update(b"S" + rel.encode() + b"\0")
    return digest.hexdigest()


def grader_digest(spec_json: dict, limits: dict, sandbox: bool) -> str:
    """SHA-256 of what decides a grade besides the submission: the assignment spec (released notebooks,
    tests, hidden tests), the limits and whether the sandbox is on."""
    text = json.dumps({"spec": spec_json, "limits": limits, "sandbox": sandbox}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class JobsTable:
    """The jobs table in the database at ``db_url`` (nbgrader's ``db_url``: SQLite or PostgreSQL), created
    when missing. Every method is one short transaction."""

    def __init__(self, db_url: str):
        import sqlalchemy as sa

        self.sa = sa
        self.engine = sa.create_engine(db_url)
        metadata = sa.MetaData()
        self.table = sa.Table(
            TABLE, metadata,
            sa.Column("assignment", sa.String(128), primary_key=True),
            sa.Column("student", sa.String(128), primary_key=True),
            sa.Column("submission_hash", sa.String(64), primary_key=True),
            sa.Column("grader_digest", sa.String(64), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False, default=0),
            sa.Column("completions", sa.Integer, nullable=False, default=0),
            sa.Column("status", sa.String(32)),
            sa.Column("score", sa.Float),
            sa.Column("max_score", sa.Float),
            sa.Column("reason", sa.Text),
            sa.Column("finished_at", sa.Float),
            sa.Column("worker", sa.String(256)),
        )
        metadata.create_all(self.engine, checkfirst=True)

    def _key(self, assignment, student, submission_hash):
        t = self.table.c
        return self.sa.and_(t.assignment == assignment, t.student == student,
                            t.submission_hash == submission_hash)

    def get(self, assignment: str, student: str, submission_hash: str) -> Optional[Job]:
        with self.engine.connect() as conn:
            row = conn.execute(self.table.select().where(self._key(assignment, student, submission_hash))).first()
        return Job(**row._mapping) if row is not None else None

    def is_done(self, assignment: str, student: str, submission_hash: str, digest: str) -> Optional[Job]:
        """The done row for this submission graded by this grader, or None."""
        job = self.get(assignment, student, submission_hash)
        return job if job is not None and job.state == "done" and job.grader_digest == digest else None

    def start(self, assignment: str, student: str, submission_hash: str, digest: str) -> None:
        """Mark the job ``running`` and count one attempt (a new row for a new submission)."""
        key = self._key(assignment, student, submission_hash)
        with self.engine.begin() as conn:
            found = conn.execute(self.sa.select(self.table.c.attempts).where(key)).first()
            if found is None:
                conn.execute(self.table.insert().values(
                    assignment=assignment, student=student, submission_hash=submission_hash,
                    grader_digest=digest, state="running", attempts=1, completions=0))
            else:
                conn.execute(self.table.update().where(key).values(
                    grader_digest=digest, state="running", attempts=self.table.c.attempts + 1))

    def finish(self, assignment: str, student: str, submission_hash: str, row: dict,
               worker: Optional[str] = None) -> None:
        """Mark the job ``done`` with the CSV ``row`` that was written to the gradebook and the ``worker``
        that graded it."""
        key = self._key(assignment, student, submission_hash)
        with self.engine.begin() as conn:
            done = conn.execute(self.table.update().where(key).values(
                state="done", completions=self.table.c.completions + 1, status=row["status"],
                score=float(row["score"]), max_score=float(row["max_score"]), reason=row["reason"],
                finished_at=time.time(), worker=worker))
            if done.rowcount != 1:
                raise LookupError(f"no job row for {assignment}/{student} at {submission_hash[:12]}")

    def rows(self, assignment: str) -> list[Job]:
        """Every row of ``assignment``, by student then attempt order."""
        t = self.table.c
        with self.engine.connect() as conn:
            found = conn.execute(self.table.select().where(t.assignment == assignment)
                                 .order_by(t.student, t.finished_at)).all()
        return [Job(**r._mapping) for r in found]

    def close(self) -> None:
        self.engine.dispose()
