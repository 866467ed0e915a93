"""The hardened grader on a real Dask cluster on loopback, and the faults it must survive.

A scheduler and two workers run as separate processes (``dask scheduler``, ``dask worker tcp://127.0.0.1:PORT``,
each worker under its nanny, which restarts it when it dies). The class is cheap submissions of the fixture
assignment ``ps1`` taken from the adversarial corpus, whose statuses and scores were derived by hand; the
local pool grades the same class once (``baseline``) and every cluster run must give each student exactly
the local pool's row and per-cell scores. Faults: a worker SIGKILLed mid-job, a submission that kills every
worker that grades it, the coordinator SIGKILLed mid-batch then ``--resume``, an unreachable scheduler, and
the PostgreSQL gradebook through a worker and a coordinator crash. The parts (progress bar, submission hash,
job packing) are tested at the end, without a cluster. One file of about 500 lines: the fault tests share the
cluster, the class and the baseline fixtures, which take minutes to set up.

Every test of a cluster run takes a minute or more on two cores: the whole class (40) is graded once through the
cluster, the fault tests grade a spread of 10 students.
"""

import dataclasses
import hashlib
import io
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

from support import optional_deps
from support.grading_course import ASSIGNMENT, LIMITS, load_corpus, make_course, test_cell_scores, write_submission

from distributed import Client

from lstmkit.grading import batch, cluster as cluster_mod, jobs, progress, remote
from lstmkit.grading.worker import copy_files

needs_bwrap = optional_deps.needs("bubblewrap")

corpus = load_corpus()
BY_NAME = {c.name: c for c in corpus.CONTROLS + corpus.CASES}
CHEAP = [c.name for c in corpus.CONTROLS + corpus.CASES if c.kind in ("control", "wrong", "surgery")] + [
    "runtime_os_exit", "tamper_read_solutions", "tamper_read_gradebook", "tamper_write_gradebook"]
CLASS_SIZE = 40
SMALL = 10                          # the fault tests grade a part of the class: the machine has two cores
BIN = os.path.dirname(sys.executable)
GRADED_LINE = re.compile(r"^(\S+): (graded|needs_manual|rejected|error) ")
LIMIT_ARGS = ["--cell-timeout", str(LIMITS["cell_timeout"]), "--notebook-timeout", str(LIMITS["notebook_timeout"]),
              "--memory-mb", str(LIMITS["memory_mb"]), "--nproc", str(LIMITS["nproc"])]


def the_class():
    """CLASS_SIZE students: every cheap case once, then again under new names until the class is full."""
    cases = []
    for i in range(CLASS_SIZE):
        case = BY_NAME[CHEAP[i % len(CHEAP)]]
        cases.append(case if i < len(CHEAP) else dataclasses.replace(case, name=f"{case.name}-{i // len(CHEAP)}"))
    return cases


CASES = {c.name: c for c in the_class()}
NAMES = sorted(CASES)
PART = NAMES[::CLASS_SIZE // SMALL][:SMALL]     # a spread of the class, for the fault tests
POISON = "control_perfect"                      # the submission that takes down every worker grading it
SLOW_SECONDS = 1.5


def slowed(case):
    """The same submission, whose first answer cell sleeps SLOW_SECONDS first: a quiet machine grades a cheap
    case in about half a second, too short for a fault test to catch its worker in the middle of the job."""
    sleep = corpus.prepend("answer_sigmoid", f"import time\ntime.sleep({SLOW_SECONDS})")
    return dataclasses.replace(case, build=corpus.then(case.build, sleep))


for _name in sorted(set(PART) | {POISON}):       # edits of the notebook only: not the cases that write raw files
    if CASES[_name].kind in ("control", "wrong"):
        CASES[_name] = slowed(CASES[_name])


# ------------------------------------------------------------------------------------------------- set-up
@pytest.fixture(scope="module")
def template(tmp_path_factory):
    course = make_course(str(tmp_path_factory.mktemp("dask") / "template"))
    for case in CASES.values():
        write_submission(course, case)
    return course


def copy_entry(src, dst):
    """shutil.copy2, except that a named pipe (one corpus case submits one) is made anew, not read."""
    if stat.S_ISFIFO(os.lstat(src).st_mode):
        os.mkfifo(dst)
    else:
        shutil.copy2(src, dst)


def copy_course(template, dest, names=NAMES, extra_config=""):
    """A copy of the template with the submissions of ``names``; with ``extra_config`` (another gradebook),
    without the template's SQLite gradebook."""
    shutil.copytree(template, dest, ignore=shutil.ignore_patterns("submitted", *(["gradebook.db"] * bool(extra_config))))
    for name in names:
        shutil.copytree(os.path.join(template, "submitted", name), os.path.join(dest, "submitted", name),
                        symlinks=True, copy_function=copy_entry)
    if extra_config:
        with open(os.path.join(dest, "nbgrader_config.py"), "a") as fh:
            fh.write(extra_config)
    return str(dest)


@pytest.fixture(scope="module")
def baseline(template, tmp_path_factory):
    """The local pool's rows and per-cell scores for the whole class (checked against the hand-derived corpus)."""
    course = copy_course(template, tmp_path_factory.mktemp("pool") / "course")
    rows = {r["student"]: r for r in batch.autograde(course, ASSIGNMENT, workers=2, log=lambda *a: None, **LIMITS)}
    for name, case in CASES.items():
        assert (rows[name]["status"], rows[name]["score"]) == (case.status, case.score), rows[name]
    mistakes = recorded_mistakes(sqlite_url(course))
    assert {(name, cell) for name, found in mistakes.items() for cell, _ in found} == {
        (name, cell) for name, case in CASES.items() if case.status != "rejected" for cell in case.lost}
    return {"rows": rows, "cells": {name: test_cell_scores(course, name) for name in NAMES}, "mistakes": mistakes}


def recorded_mistakes(db_url):
    """{student: [(cell, code)]}: the mistake codes the grader recorded beside the gradebook."""
    from lstmkit.grading.records import GradingRecords

    found = {}
    with GradingRecords(db_url) as records:
        for m in records.mistakes(ASSIGNMENT):
            found.setdefault(m.student, []).append((m.cell, m.code))
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(folder, workers=2, tls=None):
    """``dask scheduler`` and ``workers`` ``dask worker`` processes (each under its nanny) on 127.0.0.1, with
    TLS when ``tls`` maps ``scheduler``/``worker`` to ``(cert, key)`` and ``ca`` to the CA file; returns the
    scheduler's address, its dashboard port and the processes."""
    port, dashboard = free_port(), free_port()
    protocol = "tls" if tls else "tcp"
    address = f"{protocol}://127.0.0.1:{port}"

    def tls_args(role):
        return ["--tls-ca-file", tls["ca"], "--tls-cert", tls[role][0], "--tls-key", tls[role][1]] if tls else []

    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    commands = [["scheduler", "--protocol", protocol, "--host", "127.0.0.1", "--port", str(port),
                 "--dashboard-address", f"127.0.0.1:{dashboard}", *tls_args("scheduler")]]
    commands += [["worker", address, "--nthreads", "1", "--name", f"w{i}", "--host", "127.0.0.1", "--no-dashboard",
                  "--local-directory", str(folder / f"w{i}"), *tls_args("worker")] for i in range(1, workers + 1)]
    procs = []
    for i, args in enumerate(commands):
        log = open(folder / f"process-{i}.log", "wb")
        procs.append(subprocess.Popen([os.path.join(BIN, "dask"), *args], stdout=log, stderr=log, env=env,
                                      cwd=folder, start_new_session=True))
        if i == 0:
            time.sleep(2)
    return address, dashboard, procs


def stop_cluster(procs):
    for proc in reversed(procs):
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two workers on 127.0.0.1; yields the scheduler's address, its dashboard port and a
    client for watching (and killing) workers."""
    address, dashboard, procs = start_cluster(tmp_path_factory.mktemp("cluster"))
    watcher = Client(address, timeout=60)
    watcher.wait_for_workers(2, timeout=120)
    yield {"address": address, "dashboard": dashboard, "client": watcher}
    watcher.close()
    stop_cluster(procs)


# ------------------------------------------------------------------------------------------- shared steps
def grade_cli(course, *args, timeout=900):
    done = subprocess.run([sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT, *LIMIT_ARGS, *args],
                          cwd=course, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


class Coordinator:
    """The command line in the background, its output read line by line (to act at a given point)."""

    def __init__(self, course, *args):
        self.proc = subprocess.Popen([sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT,
                                      *LIMIT_ARGS, *args], cwd=course, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def graded(self):
        return [m.group(1) for m in map(GRADED_LINE.match, list(self.lines)) if m]

    def wait_graded(self, count, timeout=600):
        end = time.monotonic() + timeout
        while len(self.graded()) < count:
            assert self.proc.poll() is None, "".join(self.lines)[-3000:]
            assert time.monotonic() < end, "".join(self.lines)[-3000:]
            time.sleep(0.1)

    def finish(self, timeout=900):
        self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return self.proc.returncode


def executing(client):
    """``{worker address: (pid, [students whose grading it is running])}`` of the workers that answer."""
    def running(dask_worker):
        return os.getpid(), [ts.key[2] for ts in dask_worker.state.executing
                             if isinstance(ts.key, tuple) and ts.key[0] == "lstmkit-grade"]
    try:  # a worker killed a moment ago may still be listed: skip it
        return {address: found for address, found in client.run(running, on_error="return").items()
                if not isinstance(found, BaseException)}
    except OSError:  # the broadcast itself can fail on a connection that was just reset
        return {}


def kill_worker_grading(client, coordinator, student=None, timeout=300):
    """SIGKILL the worker process (not its nanny) that is grading ``student`` (any student when None) once
    the job has run for half a second; returns ``(worker address, student)``."""
    end, seen = time.monotonic() + timeout, {}
    while time.monotonic() < end and coordinator.proc.poll() is None:
        for address, (pid, students) in executing(client).items():
            for name in students:
                if student in (None, name):
                    if time.monotonic() - seen.setdefault((address, name), time.monotonic()) >= 0.5:
                        os.kill(pid, signal.SIGKILL)
                        return address, name
        time.sleep(0.1)
    raise AssertionError(f"no worker was seen grading {student or 'anyone'}:\n" + "".join(coordinator.lines)[-3000:])


def gradebook_counts(db_url):
    """``{student: (submission rows, grade rows)}`` of ps1, straight from nbgrader's tables."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        subs = dict(conn.execute(sa.text(
            "SELECT s.student_id, COUNT(*) FROM submitted_assignment s JOIN assignment a ON s.assignment_id = a.id "
            "WHERE a.name = :a GROUP BY s.student_id"), {"a": ASSIGNMENT}).all())
        grades = dict(conn.execute(sa.text(
            "SELECT s.student_id, COUNT(g.id) FROM grade g JOIN submitted_notebook n ON g.notebook_id = n.id "
            "JOIN submitted_assignment s ON n.assignment_id = s.id JOIN assignment a ON s.assignment_id = a.id "
            "WHERE a.name = :a GROUP BY s.student_id"), {"a": ASSIGNMENT}).all())
    engine.dispose()
    return {s: (subs[s], grades.get(s, 0)) for s in subs}


def sqlite_url(course):
    return "sqlite:///" + os.path.join(course, "gradebook.db")


def check_against_baseline(course, baseline, names, db_url=None):
    """Each student's CSV row, per-cell scores and recorded mistake codes equal the local pool's; one submission
    and one grade per test cell for each graded student; one done row in the jobs table; returns the jobs rows by
    student."""
    import csv

    db_url = db_url or sqlite_url(course)
    with open(os.path.join(course, f"grades-{ASSIGNMENT}.csv")) as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert sorted(rows) == sorted(names)
    counts = gradebook_counts(db_url)
    table = jobs.JobsTable(db_url)
    done = {}
    for job in table.rows(ASSIGNMENT):
        assert job.student not in done or job.state != "done", f"two done rows for {job.student}"
        if job.state == "done":
            done[job.student] = job
    table.close()
    for name in names:
        want = baseline["rows"][name]
        assert (rows[name]["status"], float(rows[name]["score"]), rows[name]["reason"]) == (
            want["status"], want["score"], want["reason"]), name
        assert test_cell_scores(course, name, db_url=db_url) == baseline["cells"][name], name
        if want["status"] == "rejected":
            assert name not in counts
        else:
            assert counts[name] == (1, len(corpus.POINTS)), (name, counts[name])
        assert done[name].completions == 1 and done[name].status == want["status"], done[name]
    mistakes = recorded_mistakes(db_url)  # the codes travel back from the workers with the result
    assert {n: mistakes.get(n) for n in names} == {n: baseline["mistakes"].get(n) for n in names}
    return done


# ------------------------------------------------------------------------------------------------ tests
@needs_bwrap
def test_cluster_grades_the_class_like_the_local_pool(template, baseline, cluster, tmp_path):
    course = copy_course(template, tmp_path / "course")
    done = grade_cli(course, "--scheduler", cluster["address"])
    out = done.stdout + done.stderr  # the bar goes to stderr
    done = check_against_baseline(course, baseline, NAMES)
    assert all(job.attempts == 1 for job in done.values())
    assert {job.worker for job in done.values()} == set(cluster["client"].scheduler_info()["workers"])
    assert f"Dask dashboard: http://127.0.0.1:{cluster['dashboard']}/status" in out
    assert re.search(rf"\] {CLASS_SIZE}/{CLASS_SIZE}  \d+\.\d\d/s  ETA 0:00", out), out[-2000:]
    for name in NAMES:  # the autograded notebooks come from the coordinator, as in the local pool
        written = os.path.exists(os.path.join(course, "autograded", name, ASSIGNMENT, "lstm_gate.ipynb"))
        assert written == (CASES[name].status != "rejected"), name


@needs_bwrap
def test_worker_killed_mid_job_is_graded_once_elsewhere(template, baseline, cluster, tmp_path):
    course = copy_course(template, tmp_path / "course", PART)
    cluster["client"].wait_for_workers(2, timeout=120)
    coordinator = Coordinator(course, "--scheduler", cluster["address"])
    coordinator.wait_graded(SMALL // 2)
    killed, student = kill_worker_grading(cluster["client"], coordinator)
    assert coordinator.finish() == 0, "".join(coordinator.lines)[-3000:]
    assert coordinator.graded().count(student) == 1
    done = check_against_baseline(course, baseline, PART)
    assert done[student].worker != killed and done[student].attempts == 1  # Dask reran it; sent once


@needs_bwrap
def test_submission_that_kills_workers_is_an_error_and_nobody_else_changes(template, baseline, cluster,
                                                                            tmp_path):
    """Stands for a submission that takes down whatever worker grades it (a host's OOM killer, a crash in
    native code): each time a worker starts grading it, the test SIGKILLs that worker."""
    poison = POISON
    course = copy_course(template, tmp_path / "course", PART + [poison] if poison not in PART else PART)
    names = sorted(set(PART) | {poison})
    cluster["client"].wait_for_workers(2, timeout=120)
    coordinator = Coordinator(course, "--scheduler", cluster["address"], "--allowed-failures", "1")
    kills = []
    for _ in range(2):
        kills.append(kill_worker_grading(cluster["client"], coordinator, poison))
    assert coordinator.finish() == 0, "".join(coordinator.lines)[-3000:]
    import csv

    with open(os.path.join(course, f"grades-{ASSIGNMENT}.csv")) as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows[poison]["status"] == "error"
    assert rows[poison]["reason"].startswith("grading stopped 2 worker processes"), rows[poison]
    assert test_cell_scores(course, poison) is None  # no grade left behind
    others = [n for n in names if n != poison]
    for name in others:
        want = baseline["rows"][name]
        assert (rows[name]["status"], float(rows[name]["score"])) == (want["status"], want["score"]), name
        assert test_cell_scores(course, name) == baseline["cells"][name], name
    assert len(kills) == 2


def resume_after_kill(course, address, baseline, names, db_url=None, first=None):
    """Kill the coordinator when half the class is graded (after ``first(coordinator)``, when given), then
    --resume; checks that the students done before the kill are not graded again; returns the jobs rows."""
    coordinator = Coordinator(course, "--scheduler", address)
    if first is not None:
        first(coordinator)
    coordinator.wait_graded(len(names) // 2)
    coordinator.proc.kill()
    coordinator.finish()
    table = jobs.JobsTable(db_url or sqlite_url(course))
    before = {j.student: j.finished_at for j in table.rows(ASSIGNMENT) if j.state == "done"}
    table.close()
    assert len(names) // 2 <= len(before) < len(names)
    out = grade_cli(course, "--scheduler", address, "--resume").stdout
    assert f"resume: {len(before)} of {len(names)} already graded for their current submission" in out
    regraded = [m.group(1) for m in map(GRADED_LINE.match, out.splitlines()) if m]
    assert sorted(regraded) == sorted(set(names) - set(before))
    done = check_against_baseline(course, baseline, names, db_url)
    assert all(done[s].finished_at == t for s, t in before.items())  # not graded again
    return done


@needs_bwrap
def test_coordinator_killed_then_resume_grades_each_student_once(template, baseline, cluster, tmp_path):
    course = copy_course(template, tmp_path / "course", PART)
    cluster["client"].wait_for_workers(2, timeout=120)
    resume_after_kill(course, cluster["address"], baseline, PART)
    # a changed submission is graded again on --resume; the unchanged ones are not
    changed = next(n for n in PART if CASES[n].status == "graded" and CASES[n].score < 6)
    write_submission(course, dataclasses.replace(BY_NAME["control_perfect"], name=changed))
    out = grade_cli(course, "--scheduler", cluster["address"], "--resume").stdout
    assert f"resume: {len(PART) - 1} of {len(PART)} already graded" in out
    assert [m.group(1) for m in map(GRADED_LINE.match, out.splitlines()) if m] == [changed]
    assert test_cell_scores(course, changed) == {t: float(p) for t, p in corpus.POINTS.items()}
    assert gradebook_counts(sqlite_url(course))[changed] == (1, len(corpus.POINTS))


def test_unreachable_scheduler_is_a_clear_error_and_writes_nothing(template, tmp_path):
    course = copy_course(template, tmp_path / "course", PART)

    def snapshot():
        found = {}
        for root, _, files in os.walk(course):
            for name in files:
                path = os.path.join(root, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as fh:
                        found[path] = (hashlib.sha256(fh.read()).hexdigest(), os.stat(path).st_mtime_ns)
        return found

    before = snapshot()
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    done = subprocess.run([sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT, "--scheduler", address,
                           "--connect-timeout", "2"], cwd=course, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"could not reach the Dask scheduler at {address} within 2 s" in done.stderr
    assert "nothing was written" in done.stderr
    assert snapshot() == before


@needs_bwrap
def test_postgres_gradebook_through_a_worker_and_a_coordinator_crash(template, baseline, cluster, tmp_path,
                                                                     db_url):
    from support.grading_course import nbgrader

    course = copy_course(template, tmp_path / "course", [], f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for name in PART:
        write_submission(course, CASES[name])
    cluster["client"].wait_for_workers(2, timeout=120)
    killed = []
    resume_after_kill(course, cluster["address"], baseline, PART, db_url=db_url,
                      first=lambda coordinator: killed.append(kill_worker_grading(cluster["client"], coordinator)))
    assert len(killed) == 1
    assert not os.path.exists(os.path.join(course, "gradebook.db")), "SQLite must not be used"


@needs_bwrap
def test_local_cluster_option_starts_its_own_workers(template, baseline, tmp_path):
    names = PART[:4]
    course = copy_course(template, tmp_path / "course", names)
    done = grade_cli(course, "--local-cluster", "2")
    assert re.search(r"Dask dashboard: http://127\.0\.0\.1:\d+/status", done.stdout), done.stdout
    assert "cluster: 2 workers, 2 threads at tcp://127.0.0.1:" in done.stdout
    check_against_baseline(course, baseline, names)


def make_certificates(folder, roles=("scheduler", "worker", "coordinator")):
    """A certificate authority in ``folder`` and a certificate signed by it for each role."""
    folder.mkdir(exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=grading test CA")
    paths = {"ca": str(folder / "ca.pem")}
    for role in roles:
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{role}.key", "-out", f"{role}.csr",
                "-subj", f"/CN={role}")
        openssl("x509", "-req", "-in", f"{role}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{role}.pem", "-days", "2")
        paths[role] = (str(folder / f"{role}.pem"), str(folder / f"{role}.key"))
    return paths


@needs_bwrap
@optional_deps.needs("openssl")
def test_a_tls_cluster_grades_and_refuses_coordinators_without_its_certificates(template, baseline, tmp_path):
    certs = make_certificates(tmp_path / "certs")
    stranger = make_certificates(tmp_path / "other-ca", roles=("coordinator",))  # signed by another authority
    address, _, procs = start_cluster(tmp_path, workers=1, tls=certs)
    try:
        names = PART[:2]
        course = copy_course(template, tmp_path / "course", names)

        def refused(*tls):
            done = subprocess.run([sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT, "--scheduler",
                                   address, "--connect-timeout", "5", *tls], cwd=course, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 2, done
            return done.stderr

        assert "speaks TLS: give the cluster's certificates with --tls-ca-file" in refused()
        cert, key = stranger["coordinator"]
        assert f"could not reach the Dask scheduler at {address}" in refused(
            "--tls-ca-file", stranger["ca"], "--tls-cert", cert, "--tls-key", key)
        assert not os.path.exists(os.path.join(course, f"grades-{ASSIGNMENT}.csv"))
        cert, key = certs["coordinator"]
        done = grade_cli(course, "--scheduler", address, "--tls-ca-file", certs["ca"], "--tls-cert", cert,
                         "--tls-key", key)
        assert f"cluster: 1 workers, 1 threads at {address}" in done.stdout
        check_against_baseline(course, baseline, names)
    finally:
        stop_cluster(procs)


# ------------------------------------------------------------------------------- parts, without a cluster
def test_progress_bar_shows_done_total_rate_and_eta():
    assert progress.render(10, 40, 20.0, width=8) == "[##------] 10/40  0.50/s  ETA 1:00"  # 30 left at 0.5/s
    assert progress.render(0, 40, 3.0, width=8) == "[--------] 0/40  0.00/s  ETA --"
    assert progress.render(40, 40, 50.0, width=8) == "[########] 40/40  0.80/s  ETA 0:00"
    assert progress.clock(3725) == "1:02:05" and progress.clock(59.6) == "1:00"
    now, stream = [0.0], io.StringIO()
    bar = progress.Progress(4, stream=stream, every=5.0, now=lambda: now[0])
    for done, when in [(1, 1.0), (2, 2.0), (3, 7.0), (4, 8.0)]:
        now[0] = when
        bar.update(done)
    # not a terminal: the first line, then at most one every 5 s, and the last
    assert stream.getvalue().splitlines() == [progress.render(1, 4, 1.0), progress.render(3, 4, 7.0),
                                              progress.render(4, 4, 8.0)]


def test_submission_hash_follows_the_content_not_the_clock(tmp_path):
    folder = tmp_path / "sub"
    (folder / "data").mkdir(parents=True)
    (folder / "nb.ipynb").write_bytes(b"{}")
    (folder / "data" / "x.txt").write_text("a")
    first = jobs.submission_hash(str(folder))
    os.utime(folder / "nb.ipynb", (0, 0))
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "nb-checkpoint.ipynb").write_text("old")
    assert jobs.submission_hash(str(folder)) == first  # touched, and a checkpoint the grader ignores
    (folder / "data" / "x.txt").write_text("b")
    changed = jobs.submission_hash(str(folder))
    assert changed != first
    (folder / "link").symlink_to("/etc/passwd")
    assert jobs.submission_hash(str(folder)) not in (first, changed)


def test_a_packed_submission_looks_the_same_to_the_grader_on_the_worker(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)))
    (src / "big.npy").write_bytes(b"x" * 5000)
    (src / "link").symlink_to("/etc/passwd")
    os.mkfifo(src / "pipe")
    entries = remote.pack_folder(str(src), max_file_bytes=4096)
    assert entries["big.npy"] == ("oversized", 5000) and entries["pipe"] == ("special", None)
    remote.unpack_folder(entries, str(tmp_path / "dest"))
    seen = {}
    for name in ("src", "dest"):
        out = tmp_path / f"copy-{name}"
        skipped = copy_files(str(tmp_path / name), str(out), skip_notebooks=False, max_bytes=4096)
        files = {os.path.relpath(os.path.join(r, f), out): open(os.path.join(r, f), "rb").read()
                 for r, _, fs in os.walk(out) for f in fs}
        seen[name] = (sorted(skipped), files)
    assert seen["dest"] == seen["src"] and sorted(seen["src"][0]) == ["big.npy", "link", "pipe"]
    with pytest.raises(ValueError, match="expected a path inside the job's folder"):
        remote.unpack_folder({"../escape": ("file", b"x")}, str(tmp_path / "dest2"))


def test_a_job_carries_the_tests_but_no_solution_and_no_course_path(template):
    import json

    import cloudpickle
    import nbformat

    from lstmkit.grading import course as course_mod
    from lstmkit.grading.trusted import answer_names

    coursedir, _ = course_mod.load_course(template)
    spec = course_mod.assignment_spec(coursedir, ASSIGNMENT)
    spec_json = json.loads(json.dumps(spec))
    trimmed = remote.trim_spec(spec_json)
    job = cluster_mod.pack_job(coursedir, spec, trimmed, "control_untouched", {}, True, "d",
                               remote.pack_folder(spec["release_dir"], skip_notebooks=True),
                               remote.pack_folder(spec["source_dir"], skip_notebooks=True))
    payload = cloudpickle.dumps(job)
    source = nbformat.read(os.path.join(template, "solutions", ASSIGNMENT, "lstm_gate.ipynb"), 4)
    solution_lines, trusted_lines = set(), set()
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            block = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            solution_lines |= {line.strip() for line in block.splitlines() if line.strip()}
        elif cell.cell_type == "code":
            trusted_lines |= {line.strip() for line in cell.source.splitlines()}
    private = solution_lines - trusted_lines  # what only the solutions hold
    whole_source = cloudpickle.dumps(remote.pack_folder(spec["source_dir"]))  # the source folder, notebooks too
    assert private and all(line.encode() in whole_source for line in private)  # would leak them ...
    assert not [line for line in private if line.encode() in payload]          # ... the job does not
    assert b"BEGIN HIDDEN TESTS" in payload  # the trusted side of the job needs the hidden tests
    assert template.encode() not in payload  # nothing points at the coordinator's disk
    release = nbformat.read(os.path.join(template, "exercises", ASSIGNMENT, "lstm_gate.ipynb"), 4)
    released = [c.source for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert trimmed["notebooks"][0]["answer_names"] == sorted(answer_names(released)) == [
        "lstm_gates", "rnn_step", "sigmoid"]


def test_command_line_options_of_the_cluster_are_checked(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT, *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)

    done = cli("--resume")
    assert done.returncode == 2 and "--resume: needs --scheduler ADDRESS or --local-cluster N" in done.stderr
    done = cli("--scheduler", "tcp://127.0.0.1:9", "--workers", "3")
    assert done.returncode == 2 and "--workers: sets the local pool's size" in done.stderr
    done = cli("--local-cluster", "0")
    assert done.returncode == 2 and "--local-cluster: expected a positive number of workers, got 0" in done.stderr
    done = cli("--scheduler", "tcp://127.0.0.1:9", "--local-cluster", "2")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


def test_a_worker_with_other_code_refuses_the_job():
    job = remote.RemoteJob(assignment=ASSIGNMENT, student="s", submission={}, release_files={}, trusted_files={},
                           spec={"notebooks": []}, limits={}, sandbox=True, lstmkit_digest="0" * 64)
    with pytest.raises(remote.LstmkitMismatch, match="runs a different lstmkit from the coordinator's"):
        remote.run(job)
