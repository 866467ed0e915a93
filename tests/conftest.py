"""Shared test fixtures: the built book (built at most once per session) and a real browser.

Browser tests use Debian's chromium (``apt-get install chromium``) through Playwright; every request that
leaves loopback is blocked and recorded. Tests whose optional dependency (support/optional_deps.py: torch,
chromium, bubblewrap, PostgreSQL) is missing are skipped, and the run ends with one banner listing each
missing dependency and exactly which tests did not run because of it. The helpers behind the fixtures are
in support/ (book.py, browser.py), which the benchmarks use too.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import optional_deps
from support.book import HTML, book_is_fresh, build_book_in_place, serve_folder
from support.browser import PageLog, block_outside_loopback, chromium_missing_reason, launch_chromium


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: needs chromium (Debian package) and Playwright")


def pytest_collection_modifyitems(items):
    # skipped before any fixture: no JupyterLab server or book build for a browser test that cannot run
    if optional_deps.problem("chromium"):
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=optional_deps.reason("chromium")))


# ------------------------------------------------------------------------------------ the built book
@pytest.fixture(scope="session")
def built_book() -> Path:
    """The book's HTML folder: $BOOK_HTML if set; else _build/html when it is newer than every source;
    else the book is built there once for the whole session."""
    given = os.environ.get("BOOK_HTML")
    if given:
        return Path(given).resolve()
    return HTML if book_is_fresh(HTML) else build_book_in_place()


@pytest.fixture(scope="session")
def book_url(built_book):
    """Base URL of the built book, served by http.server on 127.0.0.1."""
    url, server = serve_folder(built_book)
    yield url
    server.shutdown()


# ------------------------------------------------------------------------------------------- browser
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


@pytest.fixture
def offline_page(browser):
    """A fresh page that blocks and records every request leaving loopback; yields (page, log)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    log = PageLog()
    block_outside_loopback(page, log.blocked)
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
