"""The batch: grade every submission of an assignment, N students at a time.

For each ``submitted/<student>/<assignment>/`` the batch starts one worker
process (:mod:`lstmkit.grading.worker`) with a private scratch folder and a
worker slot (each slot has its own unprivileged uid in the sandbox). The
worker runs the pre-flight check and executes the notebooks (student cells in
the sandbox, tests in a trusted context, see :mod:`lstmkit.grading.runner`).
A worker that outlives its time budget is killed with its whole process
group and that student is reported as ``error``; the others go on.

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

import csv
import json
import os
import queue
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

FIELDS = ["student", "assignment", "score", "max_score", "status", "reason"]
UID_BASE = 61000

DEFAULT_LIMITS = {
    "cell_timeout": 30.0,        # seconds per cell (and per test cell)
    "notebook_timeout": 300.0,   # seconds for a whole notebook
    "memory_mb": 2048,           # RLIMIT_AS of the student's kernel
    "nproc": 64,                 # RLIMIT_NPROC (processes and threads of the sandbox uid)
    "fsize_mb": 64,              # largest file the student's code may write
    "output_limit": 20000,       # characters of output kept per cell
}


def kernel_limits(options, slot, sandbox):
    return {
        "cell_timeout": float(options["cell_timeout"]),
        "notebook_timeout": float(options["notebook_timeout"]),
        "output_limit": int(options["output_limit"]),
        "sandbox": sandbox,
        "uid": UID_BASE + slot,
        "rlimits": {"as": int(options["memory_mb"]) * 1024 * 1024, "nproc": int(options["nproc"]),
                    "fsize": int(options["fsize_mb"]) * 1024 * 1024, "nofile": 256, "core": 0},
    }


def run_worker(job, job_path, budget):
    """Start the worker process for one student; kill its process group after ``budget`` s."""
    with open(job_path, "w") as fh:
        json.dump(job, fh)
    cmd = [sys.executable, "-m", "lstmkit.grading", "_worker", job_path]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with open(job_path + ".log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env=env, cwd=os.path.dirname(job_path))
        try:
            proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return {"student": job["student"], "status": "error", "notebooks": {},
                    "reason": f"grading exceeded {budget:.0f} s and was killed"}
    try:
        with open(job["result_path"]) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        with open(job_path + ".log", "rb") as fh:
            tail = fh.read()[-500:].decode("utf-8", "replace")
        return {"student": job["student"], "status": "error", "notebooks": {},
                "reason": f"the grading process ended with status {proc.returncode} without a result: {tail}"}


def autograde(root, assignment, workers=2, csv_path=None, students=None, sandbox=True,
              log=print, **limits):
    """Grade ``assignment`` for every student under ``submitted/``; returns the CSV rows."""
    options = dict(DEFAULT_LIMITS, **{k: v for k, v in limits.items() if v is not None})
    coursedir, _ = course_mod.load_course(root)
    if sandbox:
        from .sandbox import bwrap_path

        bwrap_path()
    spec = course_mod.assignment_spec(coursedir, assignment)
    names = students or course_mod.students_of(coursedir, assignment)
    workers = max(1, int(workers))
    slots = queue.Queue()
    for slot in range(workers):
        slots.put(slot)
    merge_lock = threading.Lock()
    rows = {}
    budget = options["notebook_timeout"] * len(spec["notebooks"]) + 120
    work = tempfile.mkdtemp(prefix="lstmkit-grading-")
    os.chmod(work, 0o711)
    spec_json = json.loads(json.dumps(spec))

    def one(student):
        slot = slots.get()
        try:
            folder = os.path.join(work, f"s{len(student)}-{abs(hash(student))}-{time.monotonic_ns()}")
            os.makedirs(os.path.join(folder, "scratch"))
            job = {"student": student, "spec": spec_json, "scratch": os.path.join(folder, "scratch"),
                   "submission_dir": coursedir.format_path(coursedir.submitted_directory, student, assignment),
                   "limits": kernel_limits(options, slot, sandbox),
                   "result_path": os.path.join(folder, "result.json")}
            result = run_worker(job, os.path.join(folder, "job.json"), budget)
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
            log(f"{student}: {row['status']} {row['score']:g}/{row['max_score']:g}"
                + (f" ({row['reason']})" if row["reason"] else ""))
        shutil.rmtree(folder, ignore_errors=True)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, names))
    finally:
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
