"""Fixtures shared by the grading tests: a PostgreSQL server and a fresh database on it.

``server_url`` uses the server named by ``LSTMKIT_TEST_POSTGRES_URL`` when set (a URL to an existing database
the test may create databases from), otherwise starts a throw-away server on 127.0.0.1 from Debian's PostgreSQL
binaries; it skips, with the reason printed, only when PostgreSQL is not installed.
"""
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from support.optional_deps import postgres_bindir, problem, reason


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
