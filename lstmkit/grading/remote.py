"""A grading job that travels to a cluster worker, and what runs it there.

The coordinator packs one :class:`RemoteJob` per student (:func:`pack`): the submission folder's files,
the released assignment's files, the trusted files the tests import or read (the source folder without its
notebooks) and the assignment spec without the solutions (answer cells carry their released text; the names
they must define are computed by the coordinator). Nothing points at the coordinator's disk, so the worker
may be another machine.

On the worker, :func:`run` lays the job out in a private folder and grades it exactly as the local pool
does: a trusted grading process (:class:`~lstmkit.grading.batch.WorkerSlot`, reused between jobs) and a
sandboxed kernel per notebook, under a uid of its own. A worker process holds one *slot* per thread, claimed
with a lock file under ``/tmp/lstmkit-grading-slots/`` (released by the kernel when the process dies), so
two worker processes on one host never hand out the same uid. The result is plain data; the worker never
opens the gradebook.
"""
from __future__ import annotations

import atexit
import copy
import fcntl
import functools
import hashlib
import os
import shutil
import stat
import tempfile
import threading
import time
from dataclasses import dataclass

SLOT_DIR = "/tmp/lstmkit-grading-slots"
SLOT_BASE = 8          # local-pool slots are 0 .. workers-1; cluster slots start above (uids from 69000 on)
MAX_SUBMISSION_BYTES = 256 * 1024 * 1024   # beyond this, a submission's further files are left out


@dataclass(frozen=True)
class RemoteJob:
    """Everything a worker needs to grade one student. Folders are ``{relative path: entry}`` where an entry
    is ``("file", bytes)``, ``("link", target)``, ``("special", None)`` (a FIFO, socket or device) or
    ``("oversized", size)`` (left out: over the size limit)."""

    assignment: str
    student: str
    submission: dict
    release_files: dict
    trusted_files: dict
    spec: dict                 # the spec as JSON, answer cells without solutions, with "answer_names"
    limits: dict               # Limits as a dict (the worker picks the uid)
    sandbox: bool
    lstmkit_digest: str


# ------------------------------------------------------------------------------------------- coordinator
def pack_folder(folder, skip_notebooks=False, max_file_bytes=None, keep_notebooks_up_to=0,
                total_bytes=MAX_SUBMISSION_BYTES) -> dict:
    """The entries of ``folder`` (see :class:`RemoteJob`), never following links nor opening special files.
    A file over ``max_file_bytes`` is kept only when it is a notebook of at most ``keep_notebooks_up_to``
    bytes (the pre-flight check judges it); past ``total_bytes`` in all, further files are left out (they
    travel as ``special``, so the grader's report lists them)."""
    entries, total = {}, 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".ipynb_checkpoints")]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                entries[rel] = ("link", os.readlink(path))
            elif not stat.S_ISREG(info.st_mode):
                entries[rel] = ("special", None)
            elif skip_notebooks and name.endswith(".ipynb"):
                continue
            elif (max_file_bytes is not None and info.st_size > max_file_bytes
                  and not (name.endswith(".ipynb") and info.st_size <= keep_notebooks_up_to)):
                entries[rel] = ("oversized", info.st_size)
            elif total + info.st_size > total_bytes:
                entries[rel] = ("special", None)  # arrives as a FIFO: left out, and the report says so
            else:
                with open(path, "rb") as fh:
                    entries[rel] = ("file", fh.read())
                total += info.st_size
    return entries


def trim_spec(spec_json: dict) -> dict:
    """A copy of the spec without solutions: each answer cell's trusted source becomes its released text,
    and each notebook lists the names its answer cells define (what the tests take from the student)."""
    from .trusted import answer_names

    trimmed = copy.deepcopy(spec_json)
    for nb_spec in trimmed["notebooks"]:
        answers = [c for c in nb_spec["cells"] if c["role"] == "answer"]
        nb_spec["answer_names"] = sorted(answer_names(c["trusted_source"] for c in answers
                                                      if c["release_cell"]["cell_type"] == "code"))
        for cell in answers:
            cell["trusted_source"] = cell["release_cell"]["source"]
    trimmed["source_dir"] = trimmed["release_dir"] = None
    return trimmed


class LstmkitMismatch(RuntimeError):
    """The worker's lstmkit is not the coordinator's."""


@functools.lru_cache(maxsize=None)
def lstmkit_digest() -> str:
    """SHA-256 of lstmkit's Python sources as this process first found them: coordinator and workers must
    grade with the same code."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, package).encode() + b"\0")
            with open(path, "rb") as fh:
                digest.update(fh.read() + b"\0")
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------ worker
def unpack_folder(entries: dict, dest: str) -> None:
    """Write ``entries`` (see :class:`RemoteJob`) under ``dest``; a path leaving ``dest`` is an error."""
    base = os.path.realpath(dest)
    os.makedirs(dest, exist_ok=True)
    for rel, (kind, value) in sorted(entries.items()):
        path = os.path.realpath(os.path.join(dest, rel))
        if not path.startswith(base + os.sep):
            raise ValueError(f"job entry {rel!r}: expected a path inside the job's folder")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if kind == "file":
            with open(path, "wb") as fh:
                fh.write(value)
        elif kind == "link":
            os.symlink(value, path)
        elif kind == "special":
            os.mkfifo(path)
        elif kind == "oversized":
            with open(path, "wb") as fh:  # a sparse file of the same size: the grader leaves it out
                fh.truncate(int(value))
        else:
            raise ValueError(f"job entry {rel!r}: unknown kind {kind!r}")


def _claim_slot():
    """A slot number no other live process on this host holds, and the open lock file that holds it."""
    os.makedirs(SLOT_DIR, mode=0o700, exist_ok=True)
    for slot in range(SLOT_BASE, SLOT_BASE + 4096):
        fd = os.open(os.path.join(SLOT_DIR, f"slot-{slot}"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return slot, fd
    raise RuntimeError(f"no free grading slot under {SLOT_DIR}")


class _Slot:
    """One thread's grading state on a worker: its slot (uids), folder, grading process and student builds."""

    def __init__(self):
        self.slot, self._lock_fd = _claim_slot()
        self.root = tempfile.mkdtemp(prefix="lstmkit-grading-")
        os.chmod(self.root, 0o711)
        self.jobs, self.builds, self.grader = 0, {}, None
        atexit.register(self.close)

    def build(self, assignment):
        from . import student_build

        if assignment not in self.builds:
            self.builds[assignment] = student_build.build(os.path.join(self.root, "build-" + assignment),
                                                          assignment)
        return self.builds[assignment]

    def grading_process(self, memory_mb):
        from .batch import WorkerSlot

        if self.grader is None or self.grader.memory_mb != memory_mb:
            if self.grader is not None:
                self.grader.stop()
            self.grader = WorkerSlot(self.root, memory_mb)
        return self.grader

    def close(self):
        if self.grader is not None:
            self.grader.stop()
        shutil.rmtree(self.root, ignore_errors=True)


_local = threading.local()


def _slot() -> _Slot:
    if getattr(_local, "slot", None) is None:
        _local.slot = _Slot()
    return _local.slot


def run(job: RemoteJob) -> dict:
    """Grade ``job`` on this worker; returns the grading process's result (plain data), with
    ``grading_seconds`` (time spent here) and ``worker`` (this worker's address, when known)."""
    from .batch import job_uid
    from .limits import Limits
    from .worker import make_job

    started = time.perf_counter()
    if job.lstmkit_digest != lstmkit_digest():
        raise LstmkitMismatch(f"worker {_worker_address()} runs a different lstmkit from the coordinator's: "
                              f"install the same version on every worker")
    slot = _slot()
    folder = tempfile.mkdtemp(prefix="job-", dir=slot.root)
    try:
        spec = dict(job.spec, release_dir=os.path.join(folder, "release"),
                    source_dir=os.path.join(folder, "source"))
        unpack_folder(job.submission, os.path.join(folder, "submitted"))
        unpack_folder(job.release_files, spec["release_dir"])
        unpack_folder(job.trusted_files, spec["source_dir"])
        os.makedirs(os.path.join(folder, "scratch"))
        limits = Limits(**job.limits)
        job_limits = limits.for_job(job_uid(slot.slot, slot.jobs), job.sandbox)
        slot.jobs += 1
        grading = make_job(job.student, spec, folder, os.path.join(folder, "submitted"), job_limits,
                           slot.build(job.assignment))
        budget = limits.notebook_timeout * len(spec["notebooks"]) + 120
        result = slot.grading_process(limits.worker_memory_mb).grade(grading, os.path.join(folder, "job.json"),
                                                                      budget)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["grading_seconds"] = time.perf_counter() - started
    result["worker"] = _worker_address()
    return result


def _worker_address():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return None


def check() -> dict:
    """What the coordinator asks each worker before a batch: its lstmkit digest and, when bubblewrap cannot
    start a sandbox here (missing, or no user namespaces), why (``None`` when it can)."""
    import subprocess

    from .sandbox import SandboxUnavailable, bwrap_path

    try:
        probe = [bwrap_path(), "--unshare-user", "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/",
                 "--proc", "/proc", "--dev", "/dev", "true"]
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
        problem = None if done.returncode == 0 else (
            f"bubblewrap cannot create a sandbox here (user namespaces?): "
            f"{done.stderr.strip() or done.returncode}")
    except (SandboxUnavailable, OSError, subprocess.TimeoutExpired) as exc:
        problem = str(exc)
    return {"lstmkit": lstmkit_digest(), "bwrap": problem}
