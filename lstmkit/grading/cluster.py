"""Grade an assignment on a Dask cluster: ``autograde ASSIGNMENT --scheduler ADDRESS | --local-cluster N``.

This process, the *coordinator*, connects to the scheduler before it writes anything (an unreachable
scheduler is a clear error and leaves the course untouched), checks that every worker runs the same lstmkit
and can start the sandbox, and sets the scheduler's ``allowed_failures``: a job whose worker process dies
(SIGKILL, a lost host) is rerun on another worker, and a job that has brought down ``allowed_failures + 1``
workers ends as ``error`` for that student alone.

Each student's submission travels as a :class:`~lstmkit.grading.remote.RemoteJob` (its files, the released
and trusted files, the spec without solutions) and comes back as plain data. The coordinator is the only
writer of the gradebook, of ``autograded/`` and of the jobs table (:mod:`lstmkit.grading.jobs`), one result
at a time, as in the local pool. It keeps at most as many jobs in the cluster as the workers have threads:
Dask blames every job a dying worker holds, so a worker never holds a job it is not running.
"""
from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Optional

from . import course as course_mod
from . import gradebook, jobs as jobs_mod, remote
from .batch import write_csv
from .limits import for_course
from .preflight import MAX_NOTEBOOK_BYTES
from .progress import Progress

KEY_PREFIX = "lstmkit-grade"


class ClusterError(RuntimeError):
    """The cluster cannot grade: unreachable scheduler, mismatched or unfit workers, a lost scheduler."""


@dataclass(frozen=True)
class ClusterOptions:
    """Where to grade: ``scheduler`` (an address such as ``tcp://host:8786`` or ``tls://host:8786``) or
    ``local_workers`` (a ``LocalCluster`` of that many one-thread worker processes on 127.0.0.1)."""

    scheduler: Optional[str] = None
    local_workers: Optional[int] = None
    allowed_failures: int = 2          # worker deaths a job may cause before it is an error
    connect_timeout: float = 10.0      # seconds to reach the scheduler
    resume: bool = False               # grade only what the jobs table does not hold as done
    tls_ca_file: Optional[str] = None  # TLS: the cluster's CA, this coordinator's certificate and key
    tls_cert: Optional[str] = None
    tls_key: Optional[str] = None

    def security(self):
        if not (self.tls_ca_file or self.tls_cert or self.tls_key):
            return None
        from distributed.security import Security

        return Security(tls_ca_file=self.tls_ca_file, tls_client_cert=self.tls_cert,
                        tls_client_key=self.tls_key, require_encryption=True)


def connect(options: ClusterOptions):
    """``(client, cluster)``; ``cluster`` is the LocalCluster started here, else None."""
    import logging

    from distributed import Client, LocalCluster

    if (options.scheduler is None) == (options.local_workers is None):
        raise ClusterError("expected exactly one of a scheduler address and a local cluster size")
    if options.local_workers is not None:
        cluster = LocalCluster(n_workers=options.local_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               silence_logs=logging.ERROR, security=options.security())
        return Client(cluster, security=options.security()), cluster
    try:
        client = Client(options.scheduler, timeout=options.connect_timeout, security=options.security())
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"--scheduler: could not reach the Dask scheduler at {options.scheduler} within "
                           f"{options.connect_timeout:g} s ({exc}); start one with `dask scheduler` and "
                           f"workers with `dask worker ADDRESS`, or grade on this machine with "
                           f"--local-cluster N; nothing was written") from None
    except ValueError as exc:
        raise ClusterError(f"--scheduler: expected an address such as tcp://HOST:PORT, got "
                           f"{options.scheduler!r} ({exc})") from None
    except TypeError as exc:  # distributed's word for a tls:// address without certificates
        if "TLS" not in str(exc):
            raise
        raise ClusterError(f"--scheduler: {options.scheduler} speaks TLS: give the cluster's certificates with "
                           f"--tls-ca-file, --tls-cert and --tls-key (or in Dask's distributed.comm.tls "
                           f"configuration); nothing was written") from None
    return client, None


def prepare_cluster(client, allowed_failures: int, sandbox: bool, log) -> None:
    """Check every worker (same lstmkit, a working bubblewrap when ``sandbox``) and set the scheduler's
    ``allowed_failures``; print the dashboard's address when the scheduler serves one."""
    def set_allowed_failures(dask_scheduler, value):
        before, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, value
        return before

    here = remote.lstmkit_digest()
    problems = []
    for address, found in sorted(client.run(remote.check).items()):
        if found["lstmkit"] != here:
            problems.append(f"worker {address} runs a different lstmkit: install the coordinator's version")
        if sandbox and found["bwrap"]:
            problems.append(f"worker {address}: {found['bwrap']}")
    if problems:
        raise ClusterError("; ".join(problems) + "; nothing was written")
    client.run_on_scheduler(set_allowed_failures, value=int(allowed_failures))
    workers = client.scheduler_info()["workers"]
    log(f"cluster: {len(workers)} workers, {sum(w['nthreads'] for w in workers.values())} threads at "
        f"{client.scheduler_info()['address']}; a submission whose grading kills more than {allowed_failures} "
        f"worker processes is an error")
    if client.scheduler_info().get("services", {}).get("dashboard"):
        log(f"Dask dashboard: {client.dashboard_link}")


def pack_job(coursedir, spec, trimmed_spec, student, limits, sandbox, digest, release, trusted):
    submitted = coursedir.format_path(coursedir.submitted_directory, student, spec["assignment"])
    files = remote.pack_folder(submitted, max_file_bytes=spec["max_file_bytes"],
                               keep_notebooks_up_to=MAX_NOTEBOOK_BYTES + 1)
    return remote.RemoteJob(assignment=spec["assignment"], student=student, submission=files,
                            release_files=release, trusted_files=trusted, spec=trimmed_spec,
                            limits=limits, sandbox=sandbox, lstmkit_digest=digest)


def failed_result(student, exc) -> dict:
    """The result of a job the cluster could not bring back."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        reason = (f"grading stopped {exc.allowed_failures + 1} worker processes (each died while grading "
                  f"this submission); not tried again")
    else:
        reason = f"grading failed on a worker: {type(exc).__name__}: {exc}"
    return {"student": student, "status": "error", "notebooks": {}, "reason": reason}


def autograde_on_cluster(root, assignment, options: ClusterOptions, csv_path=None, students=None,
                         sandbox=True, log=print, progress_stream=None, stats=None, **limits):
    """Grade ``assignment`` on the cluster; returns the CSV rows (every student, graded now or before).

    ``stats``: a dict that receives, per student graded now, ``grading_seconds`` (on the worker),
    ``pack_seconds`` and ``record_seconds`` (packing the job and writing the gradebook, here), ``worker`` and
    ``attempts``."""
    client, cluster = connect(options)
    try:
        prepare_cluster(client, options.allowed_failures, sandbox, log)
        coursedir, config = course_mod.load_course(root)
        opts = for_course(config, **limits)
        spec = course_mod.assignment_spec(coursedir, assignment)
        spec_json = json.loads(json.dumps(spec))
        names = students or course_mod.students_of(coursedir, assignment)
        table = jobs_mod.JobsTable(coursedir.db_url)
        try:
            grader = jobs_mod.grader_digest(spec_json, dataclasses.asdict(opts), sandbox)
            hashes = {s: jobs_mod.submission_hash(
                coursedir.format_path(coursedir.submitted_directory, s, assignment)) for s in names}
            rows, todo = {}, []
            for student in names:
                done = table.is_done(assignment, student, hashes[student], grader) if options.resume else None
                if done is not None:
                    rows[student] = done.csv_row()
                else:
                    todo.append(student)
            if options.resume:
                log(f"resume: {len(names) - len(todo)} of {len(names)} already graded for their current "
                    f"submission; grading {len(todo)}")
            context = {"spec": spec, "trimmed": remote.trim_spec(spec_json), "limits": dataclasses.asdict(opts),
                       "digest": remote.lstmkit_digest(),
                       "release": remote.pack_folder(spec["release_dir"], skip_notebooks=True),
                       "trusted": remote.pack_folder(spec["source_dir"], skip_notebooks=True)}
            _dispatch(client, coursedir, table, context, todo, hashes, grader, sandbox, rows, log,
                      progress_stream, stats)
        finally:
            table.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    ordered = [rows[s] for s in names]
    if csv_path:
        write_csv(ordered, csv_path)
    return ordered


def _dispatch(client, coursedir, table, context, todo, hashes, grader, sandbox, rows, log, progress_stream,
              stats):
    """Send the jobs of ``todo``, at most one per worker thread at a time, and record each result. The slots
    that results free are filled again before the results are written, so workers do not wait for the
    gradebook."""
    from distributed import wait

    batch = _Batch(client, coursedir, table, context, hashes, grader, sandbox, deque(todo))
    progress = Progress(len(todo), stream=progress_stream)
    done = 0
    while batch.queue or batch.running:
        batch.fill()
        try:
            finished, _ = wait(list(batch.running), timeout=2.0, return_when="FIRST_COMPLETED")
        except TimeoutError:
            continue
        results = [batch.collect(future) for future in finished]
        batch.fill()
        for student, result in results:
            started = time.perf_counter()
            row = _record(coursedir, context["spec"], result, student)
            table.finish(batch.assignment, student, hashes[student], row, worker=result.get("worker"))
            recorded = time.perf_counter() - started
            rows[student] = row
            done += 1
            if stats is not None:
                stats[student] = {"grading_seconds": result.get("grading_seconds"), "worker": result.get("worker"),
                                  "pack_seconds": batch.pack_seconds[student], "record_seconds": recorded,
                                  "attempts": table.get(batch.assignment, student, hashes[student]).attempts}
            progress.clear()
            log(f"{student}: {row['status']} {row['score']:g}/{row['max_score']:g}"
                + (f" ({row['reason']})" if row["reason"] else ""))
            progress.update(done)
    progress.close()


class _Batch:
    """The jobs of one batch in the cluster: ``queue`` (students not sent yet) and ``running`` (future ->
    student)."""

    def __init__(self, client, coursedir, table, context, hashes, grader, sandbox, queue):
        self.client, self.coursedir, self.table, self.context = client, coursedir, table, context
        self.hashes, self.grader, self.sandbox, self.queue = hashes, grader, sandbox, queue
        self.assignment = context["spec"]["assignment"]
        self.run_id = uuid.uuid4().hex[:8]
        self.running, self.pack_seconds = {}, {}

    def fill(self):
        """Send jobs until every worker thread of the cluster has one (a job waiting on a worker would be
        blamed for a death it did not cause)."""
        window = max(1, sum(self.client.nthreads().values()))
        c = self.context
        while self.queue and len(self.running) < window:
            student = self.queue.popleft()
            packed = time.perf_counter()
            job = pack_job(self.coursedir, c["spec"], c["trimmed"], student, c["limits"], self.sandbox, c["digest"],
                           c["release"], c["trusted"])
            self.table.start(self.assignment, student, self.hashes[student], self.grader)
            key = (KEY_PREFIX, self.assignment, student, self.run_id)
            self.running[self.client.submit(remote.run, job, key=key, retries=0)] = student
            self.pack_seconds[student] = time.perf_counter() - packed

    def collect(self, future):
        """``(student, result)`` of a finished job; a lost scheduler or a worker with other code stops the
        batch."""
        student = self.running.pop(future)
        if future.status == "cancelled":
            raise ClusterError("the Dask scheduler dropped the batch (was it restarted?); run the same "
                               "command with --resume to grade what is left")
        if future.status == "error" and isinstance(future.exception(), remote.LstmkitMismatch):
            raise ClusterError(f"{future.exception()}; run the same command with --resume once it does")
        result = future.result() if future.status == "finished" else failed_result(student, future.exception())
        future.release()
        return student, result


def _record(coursedir, spec, result, student):
    """Write one result to the gradebook (a failure to do so is that student's error, not the batch's)."""
    try:
        return gradebook.record(coursedir, spec, result)
    except Exception as exc:  # keep the batch going; report this student
        import traceback

        traceback.print_exc()
        return {"student": student, "assignment": spec["assignment"], "score": 0.0, "max_score": 0.0,
                "status": "error", "reason": f"could not write the gradebook: {exc}"}
