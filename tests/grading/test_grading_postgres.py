"""The hardened autograder with a PostgreSQL gradebook (nbgrader's ``db_url``).

Uses the server named by ``LSTMKIT_TEST_POSTGRES_URL`` when set (a URL to an
existing database the test may create databases from), otherwise starts a
throw-away server on 127.0.0.1 from Debian's PostgreSQL binaries. Skipped,
with the reason printed, only when PostgreSQL is not installed.
"""

import csv
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from support.grading_course import ASSIGNMENT, LIMITS, load_corpus, make_course, test_cell_scores, write_submission
from support.optional_deps import needs, postgres_bindir, problem, reason

corpus = load_corpus()
BY_NAME = {case.name: case for case in corpus.CONTROLS + corpus.CASES}
STUDENTS = ["control_perfect", "control_partial", "surgery_truncated_json", "surgery_deleted_test",
            "runtime_os_exit", "tamper_patched_numpy", "tamper_write_gradebook"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd):
    """Run a server command as the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    url = os.environ.get("LSTMKIT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if problem("PostgreSQL"):
        pytest.skip(reason("PostgreSQL"))
    bindir = postgres_bindir()
    # not under pytest's private temp folder: the postgres user must reach it
    root = pathlib.Path(tempfile.mkdtemp(prefix="lstmkit-pg-"))
    os.chmod(root, 0o755)
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-o", options, "-w", "-t", "60",
                                 "-l", str(root / "log"), "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def db_url(server_url):
    import psycopg2

    name = f"lstmkit_grading_{os.getpid()}_{int(time.time())}"
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    conn.cursor().execute(f"CREATE DATABASE {name}")
    conn.close()
    # SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3; the pinned driver is psycopg2
    url = server_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://", 1) + "/" + name
    yield url
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.close()


def _autograde(course, csv_name):
    cmd = [sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT, "--workers", "2",
           "--csv", csv_name, "--cell-timeout", str(LIMITS["cell_timeout"]),
           "--memory-mb", str(LIMITS["memory_mb"]), "--nproc", str(LIMITS["nproc"])]
    done = subprocess.run(cmd, cwd=course, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(course, csv_name)) as fh:
        return list(csv.DictReader(fh))


@needs("bubblewrap")
def test_postgres_gradebook_same_grades_and_rerun(tmp_path, db_url):
    course = make_course(str(tmp_path / "course"), f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    for name in STUDENTS:
        write_submission(course, BY_NAME[name])
    first = _autograde(course, "first.csv")
    assert not os.path.exists(os.path.join(course, "gradebook.db")), "SQLite must not be used"
    for row in first:
        case = BY_NAME[row["student"]]
        assert (row["status"], float(row["score"]), float(row["max_score"])) == (case.status, case.score, 6.0)
        scores = test_cell_scores(course, row["student"], db_url=db_url)
        if case.status == "rejected":
            assert scores is None
        else:
            assert scores == {t: 0.0 if t in case.lost else float(p) for t, p in corpus.POINTS.items()}
    assert _autograde(course, "second.csv") == first
