"""The batch: grade every submission of an assignment, N students at a time.

N worker slots run side by side. Each slot has a trusted grading process
(:mod:`lstmkit.grading.worker`, reused from one student to the next) and a
range of unprivileged uids for the sandbox, a fresh one per student
(:func:`job_uid`). For each ``submitted/<student>/<assignment>/``
the slot's worker runs the pre-flight check and executes the notebooks in a
private scratch folder: the student's cells in a fresh sandboxed kernel
process (one per student and notebook), the tests in a trusted context (see
:mod:`lstmkit.grading.trusted`). A worker that outlives its time budget is
killed with its whole process group (its sandbox goes with it), that student
is reported as ``error``, and a new worker takes the slot; the others go on.

Results are merged into the gradebook by this process, one at a time, as
they arrive (:mod:`lstmkit.grading.gradebook`). The CSV lists every student
with ``student, assignment, score, max_score, status, reason`` where status
is one of:

- ``graded``: every cell ran and every test was evaluated;
- ``needs_manual``: graded, and some cells (written answers) wait for a person;
- ``rejected``: the pre-flight check refused the submission (nothing ran, no grade);
- ``error``: a cell or the notebook hit a limit (timeout, kernel death) or
  grading failed; the score counts only the tests that passed.
"""

import contextlib
import csv
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import course as course_mod
from . import gradebook
from . import student_build
from .limits import Limits, for_course
from .worker import make_job

FIELDS = ["student", "assignment", "score", "max_score", "status", "reason"]
UID_BASE = 61000
UIDS_PER_SLOT = 1000

def job_uid(slot, job):
    """The unprivileged uid of the ``job``-th student graded by worker slot ``slot``: a different one for each
    job (slots never share one), so nothing a job's processes own is owned by the next job's."""
    return UID_BASE + slot * UIDS_PER_SLOT + job % UIDS_PER_SLOT


class WorkerSlot:
    """One trusted grading process, reused for successive students of a slot.

    Each student still gets a fresh sandboxed kernel process; the worker only
    holds trusted code (tests, checkers), so reusing it saves its start-up
    (imports) without sharing anything between students. A worker that does
    not answer within the budget is killed with its process group and a new
    one is started for the next student.
    """

    def __init__(self, workdir, memory_mb):
        self.workdir, self.memory_mb, self.proc = workdir, memory_mb, None

    def _start(self):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        log = open(os.path.join(self.workdir, f"worker-{time.monotonic_ns()}.log"), "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "lstmkit.grading", "_serve",
                                      "--memory-mb", str(int(self.memory_mb))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     start_new_session=True, env=env, cwd=self.workdir)
        log.close()

    def stop(self, kill=False):
        if self.proc is None:
            return
        if kill:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=30)
        self.proc = None

    def grade(self, job, job_path, budget):
        # the job holds the hidden tests: readable by the grader only
        with open(os.open(job_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            json.dump(job, fh)
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        fd = self.proc.stdout.fileno()
        try:
            self.proc.stdin.write((job_path + "\n").encode())
            self.proc.stdin.flush()
            ready, _, _ = select.select([fd], [], [], budget)
            line = self.proc.stdout.readline() if ready else b""
        except OSError:
            line = b""
        if not line.startswith(b"done"):
            timed_out = self.proc.poll() is None
            self.stop(kill=True)
            if timed_out:
                reason = f"grading exceeded {budget:.0f} s and was killed"
            else:
                reason = "the grading process ended without a result"
            return {"student": job["student"], "status": "error", "notebooks": {}, "reason": reason}
        try:
            with open(job["result_path"]) as fh:
                return json.load(fh)
        except (OSError, ValueError) as exc:
            return {"student": job["student"], "status": "error", "notebooks": {},
                    "reason": f"the grading process left no readable result ({exc})"}


def autograde(root, assignment, workers=2, csv_path=None, students=None, sandbox=True,
              log=print, stats=None, **limits):
    """Grade ``assignment`` for every student under ``submitted/``; returns the CSV rows.

    ``stats``: a dict that receives, per student, measurements of the grading itself (``peak_rss_mb``)."""
    coursedir, config = course_mod.load_course(root)
    options: Limits = for_course(config, **limits)
    if sandbox:
        from .sandbox import bwrap_path

        bwrap_path()
    course_mod.record_assignment(root, assignment, log=log)  # autograding before `make release` works too
    spec = course_mod.assignment_spec(coursedir, assignment)
    names = students or course_mod.students_of(coursedir, assignment)
    workers = max(1, int(workers))
    slots = queue.Queue()
    for slot in range(workers):
        slots.put(slot)
    pool_slots, jobs_done = {}, {}
    merge_lock = threading.Lock()
    rows = {}
    budget = options.notebook_timeout * len(spec["notebooks"]) + 120
    work = tempfile.mkdtemp(prefix="lstmkit-grading-")
    os.chmod(work, 0o711)
    spec_json = json.loads(json.dumps(spec))
    # the library the students' kernels see: lstmkit without this assignment's reference implementations
    build = student_build.build(os.path.join(work, "student-lstmkit"), assignment)

    def one(student):
        slot = slots.get()
        try:
            folder = os.path.join(work, f"s{len(student)}-{abs(hash(student))}-{time.monotonic_ns()}")
            os.makedirs(os.path.join(folder, "scratch"))
            job = make_job(student, spec_json, folder,
                           coursedir.format_path(coursedir.submitted_directory, student, assignment),
                           options.for_job(job_uid(slot, jobs_done.get(slot, 0)), sandbox), build)
            jobs_done[slot] = jobs_done.get(slot, 0) + 1
            worker = pool_slots.setdefault(slot, WorkerSlot(work, options.worker_memory_mb))
            started = time.perf_counter()
            result = worker.grade(job, os.path.join(folder, "job.json"), budget)
            result.setdefault("grading_seconds", time.perf_counter() - started)  # a killed worker reports none
        finally:
            slots.put(slot)
        with merge_lock:
            try:
                row = gradebook.record(coursedir, spec, result)
            except Exception as exc:  # keep the batch going; report this student
                import traceback

                traceback.print_exc()
                row = {"student": student, "assignment": assignment, "score": 0.0, "max_score": 0.0,
                       "status": "error", "reason": f"could not write the gradebook: {exc}"}
            rows[student] = row
            if stats is not None:  # the grading worker's peak resident memory so far, in MB
                stats[student] = {"peak_rss_mb": result.get("peak_rss_mb")}
            log(f"{student}: {row['status']} {row['score']:g}/{row['max_score']:g}"
                + (f" ({row['reason']})" if row["reason"] else ""))
        shutil.rmtree(folder, ignore_errors=True)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, names))
    finally:
        for worker in pool_slots.values():
            worker.stop()
        shutil.rmtree(work, ignore_errors=True)
    ordered = [rows[s] for s in names]
    if csv_path:
        write_csv(ordered, csv_path)
    return ordered


def write_csv(rows, path):
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{row[k]:g}" if k in ("score", "max_score") else row[k]) for k in FIELDS})
