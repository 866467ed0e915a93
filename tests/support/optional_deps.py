"""The suite's optional dependencies, in one place: how each is found, what to install, what skips without it.

`make test` runs tools/setup_test_deps.sh first, which installs what it can (torch's CPU wheel into .venv;
Debian's chromium, bubblewrap and PostgreSQL when it runs as root with apt-get). Whatever is still missing
makes its tests skip with ``reason(name)``, and conftest's end-of-run banner groups the skipped tests under
the dependency whose reason they carry. Use ``needs(name)`` (a skipif marker), or
``if problem(name): pytest.skip(reason(name))`` in a fixture (add ``allow_module_level=True`` at the top of a
module), so that pytest reports the skip at the test's own file and line.
"""
from __future__ import annotations

import functools
import glob
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Callable, Optional

import pytest


@dataclass(frozen=True)
class Dep:
    name: str                               # how the banner names it; every skip reason starts with it
    install: str                            # what to run to get it
    tests: str                              # what does not run without it
    problem: Callable[[], Optional[str]]    # None when usable, else what is wrong
    older: tuple = ()                       # how skip reasons written before this module begin


def _chromium_path() -> str:
    return os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _chromium_problem():
    path = _chromium_path()
    found = path if os.sep in path else shutil.which(path)
    if not (found and os.path.isfile(found) and os.access(found, os.X_OK)):   # as tools/setup_test_deps.sh looks
        return f"not found at {path} (an executable file)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright (Python package) is not installed"
    return None


def _bwrap_problem():
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap is not on PATH"
    # Installed is not enough: bubblewrap needs namespaces (and, unprivileged, user namespaces).
    probe = [bwrap, "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
    if os.geteuid() != 0:
        probe.append("--unshare-user")
    try:
        proc = subprocess.run(probe + ["true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"installed but does not work here ({exc})"
    if proc.returncode != 0:
        return f"installed but does not work here ({proc.stderr.strip() or proc.returncode})"
    return None


def postgres_bindir() -> Optional[str]:
    """Debian's PostgreSQL server binaries (the newest version installed), or None."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(bins[-1]) if bins else None


def _postgres_problem():
    if os.environ.get("LSTMKIT_TEST_POSTGRES_URL"):
        return None
    return None if postgres_bindir() else "no /usr/lib/postgresql/*/bin/initdb"


def _openssl_problem():
    return None if shutil.which("openssl") else "the openssl command is not on PATH"


def _torch_problem():
    return None if importlib.util.find_spec("torch") else "not importable from this Python"


DEPS = {d.name: d for d in [
    Dep("torch", "make test (pip install -r requirements-torch.txt into .venv)",
        "the cross-checks against PyTorch", _torch_problem, ("torch is not installed",)),
    Dep("chromium", "apt-get install -y chromium (as root: make test does it)",
        "the browser tests (the site: axe, phone, PDF; the widgets; nbgrader front ends; the class report)",
        _chromium_problem),
    Dep("bubblewrap", "apt-get install -y bubblewrap (as root: make test does it)",
        "the sandboxed grading tests", _bwrap_problem, ("bubblewrap is not installed",)),
    Dep("PostgreSQL", "apt-get install -y postgresql (as root: make test does it)",
        "the PostgreSQL gradebook test", _postgres_problem, ("PostgreSQL is not installed",)),
    Dep("openssl", "apt-get install -y openssl",
        "the TLS test of the Dask grading cluster (its certificates)", _openssl_problem),
]}


@functools.lru_cache(maxsize=None)
def problem(name: str) -> Optional[str]:
    """None when the dependency is usable, else what is wrong (checked once per run)."""
    return DEPS[name].problem()


def reason(name: str) -> str:
    """The skip reason for tests needing ``name``; starts with '<name> missing' so the banner can group it."""
    dep = DEPS[name]
    return f"{dep.name} missing ({problem(name)}): {dep.tests} did NOT run; to run them: {dep.install}"


def dep_of(skip_reason: str) -> Optional[str]:
    """The dependency a skip reason names (see ``reason``), or None."""
    text = skip_reason.removeprefix("Skipped: ")
    for name, dep in DEPS.items():
        if text.startswith((f"{name} missing (",) + dep.older):
            return name
    return None


def needs(name: str):
    """A marker: skip the test, saying why, when ``name`` is missing."""
    return pytest.mark.skipif(problem(name) is not None, reason=reason(name) if problem(name) else "")
