"""Shared test fixtures: the built book (built at most once per session) and a real browser.

Browser tests use Debian's chromium (``apt-get install chromium``) through Playwright; every request that
leaves loopback is blocked and recorded. Tests whose optional dependency (tests/optional_deps.py: torch,
chromium, bubblewrap, PostgreSQL) is missing are skipped, and the run ends with one banner listing each
missing dependency and exactly which tests did not run because of it.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import optional_deps

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Files the built book depends on: a build older than any of them is stale.
BOOK_SOURCES = ["_config.yml", "_toc.yml", "references.bib", "book/**/*", "lstmkit/**/*.py", "lstmkit/js/*",
                "lstmkit/data/*", "_offline/.vendored", "tools/course_site/**/*", "tools/site_js/*", "exercises/**/*"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: needs chromium (Debian package) and Playwright")


def pytest_collection_modifyitems(items):
    # skipped before any fixture: no JupyterLab server or book build for a browser test that cannot run
    if optional_deps.problem("chromium"):
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=optional_deps.reason("chromium")))


# ------------------------------------------------------------------------------------ the built book
def _newest_source_mtime():
    newest = 0.0
    for pattern in BOOK_SOURCES:
        for path in ROOT.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                newest = max(newest, path.stat().st_mtime)
    return newest


STAMP = ROOT / "_build" / ".built_book"      # touched after each successful build by build_book_in_place


def book_is_fresh(html: Path) -> bool:
    """True when html/index.html exists and the last build (a page written, or a build that found nothing to
    rewrite: Sphinx leaves unchanged pages alone) is newer than every source of the book."""
    if not (html / "index.html").exists():
        return False
    built = max([p.stat().st_mtime for p in html.glob("**/*.html")]
                + ([STAMP.stat().st_mtime] if STAMP.exists() and html == ROOT / "_build" / "html" else []))
    return built >= _newest_source_mtime()


def _library_newer_than_cache(cache: Path) -> bool:
    """True when lstmkit changed after the execution cache was written. The cache is keyed on the pages'
    code only, so it would keep serving outputs made by the old library, such as an explorer's old front
    end, which travels inside the saved widget state."""
    if not cache.exists():
        return False
    written = max((p.stat().st_mtime for p in cache.rglob("*") if p.is_file()), default=0.0)
    library = max((p.stat().st_mtime for pattern in ("lstmkit/**/*.py", "lstmkit/js/*")
                   for p in ROOT.glob(pattern)), default=0.0)
    return library > written


def build_book_in_place() -> Path:
    """`make book` without the install step: jupyter-book build . -W -n --keep-going into _build/html.
    When lstmkit is newer than the execution cache, the cache is cleared and every page rebuilt."""
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not (ROOT / "_offline" / ".vendored").exists():
        subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], cwd=ROOT, env=env, check=True)
    cmd = [str(VENV_BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
    cache = ROOT / "_build" / ".jupyter_cache"
    if _library_newer_than_cache(cache):
        shutil.rmtree(cache)
        cmd.append("--all")
    started = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    html = ROOT / "_build" / "html"
    if proc.returncode != 0 or not (html / "index.html").exists():
        pytest.fail(f"jupyter-book build failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    STAMP.touch()
    os.utime(STAMP, (started, started))              # sources edited during the build still count as newer
    return html


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The book's HTML folder: $BOOK_HTML if set; else _build/html when it is newer than every source;
    else the book is built there once for the whole session."""
    given = os.environ.get("BOOK_HTML")
    if given:
        return Path(given).resolve()
    html = ROOT / "_build" / "html"
    return html if book_is_fresh(html) else build_book_in_place()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_folder(folder: Path):
    """Serve `folder` over HTTP on 127.0.0.1 (a free port) in a thread; returns (base_url, server)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="session")
def book_url(built_book):
    """Base URL of the built book, served by http.server on 127.0.0.1."""
    url, server = serve_folder(built_book)
    yield url
    server.shutdown()


# ------------------------------------------------------------------------------------------- browser
def chromium_missing_reason():
    """None when chromium and Playwright are usable, else why the browser tests cannot run."""
    return optional_deps.reason("chromium") if optional_deps.problem("chromium") else None


def launch_chromium(playwright):
    """Debian's chromium through Playwright (`playwright install` cannot download browsers here)."""
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


@pytest.fixture(scope="session")
def browser():
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOOPBACK


class PageLog:
    """What a page did: requests blocked (outside loopback) and its errors."""

    def __init__(self):
        self.blocked, self.errors, self.console = [], [], []

    def unexpected_errors(self, allowed=()):
        return [e for e in self.errors if not any(a in e for a in allowed)]


@pytest.fixture
def offline_page(browser):
    """A fresh page that blocks and records every request leaving loopback; yields (page, log)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    log = PageLog()

    def route(r):
        if is_loopback(r.request.url):
            r.continue_()
        else:
            log.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: log.errors.append(f"pageerror: {e}\n{e.stack or ''}"))
    page.on("console", lambda m: (log.console.append(f"{m.type}: {m.text}"),
                                  log.errors.append(f"console.error: {m.text}") if m.type == "error" else None))
    yield page, log
    context.close()


# ------------------------------------------------------------------------------ summary of skipped
_skips = []         # (nodeid, reason) of every test, or whole module, that was skipped


def _skip_reason(report):
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skips.append((report.nodeid, _skip_reason(report)))


def pytest_collectreport(report):
    if report.skipped:                                    # a module that skipped itself (allow_module_level)
        _skips.append((f"{report.nodeid} (the whole module)", _skip_reason(report)))


def pytest_terminal_summary(terminalreporter):
    """One banner at the very end: each missing optional dependency and exactly which tests it kept from
    running, then any other skipped tests grouped by reason."""
    if not _skips:
        return
    by_dep, other = {}, {}
    for nodeid, reason in _skips:
        dep = optional_deps.dep_of(reason)
        group = by_dep.setdefault(dep, {}) if dep else other
        group.setdefault(reason, []).append(nodeid)
    tr = terminalreporter
    # missing too, though every test needing it was skipped for another dependency first (or none ran into it)
    also = [name for name in optional_deps.DEPS if name not in by_dep and optional_deps.problem(name)]
    if by_dep:
        names = ", ".join(by_dep)
        tr.section(f"NOT RUN: missing {names}", sep="!", red=True, bold=True)
        for dep, reasons in by_dep.items():
            ids = [i for group in reasons.values() for i in group]
            modules = sum(i.endswith("(the whole module)") for i in ids)
            counted = " and ".join(([f"{len(ids) - modules} test(s)"] if len(ids) > modules else [])
                                   + ([f"{modules} whole module(s)"] if modules else []))
            tr.line(f"{dep} is missing: {optional_deps.DEPS[dep].tests} did NOT run, {counted} skipped:",
                    red=True, bold=True)
            for reason, ids in reasons.items():
                tr.line(f"  reason: {reason}")
                for nodeid in ids:
                    tr.line(f"    {nodeid}")
        for name in also:
            tr.line(f"{name} is missing too ({optional_deps.problem(name)}): {optional_deps.DEPS[name].tests} "
                    f"will need it as well ({optional_deps.DEPS[name].install})", red=True)
    if other:
        tr.section("other skipped tests", sep="-")
        for reason, ids in other.items():
            tr.line(f"{len(ids)} skipped: {reason}")
            for nodeid in ids:
                tr.line(f"    {nodeid}")
    if by_dep:
        tr.section(f"the tests listed above did NOT run: missing {', '.join(list(by_dep) + also)}", sep="!",
                   red=True, bold=True)
