"""Debian's chromium through Playwright, for the browser tests and benchmarks; nothing leaves loopback."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from . import optional_deps

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def chromium_missing_reason():
    """None when chromium and Playwright are usable, else why the browser tests cannot run."""
    return optional_deps.reason("chromium") if optional_deps.problem("chromium") else None


def launch_chromium(playwright):
    """Debian's chromium through Playwright (`playwright install` cannot download browsers here)."""
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOOPBACK


def block_outside_loopback(page, blocked: list) -> None:
    """Let ``page`` reach loopback only: every other request is aborted and its URL appended to ``blocked``."""
    def route(r):
        if is_loopback(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)


class PageLog:
    """What a page did: requests blocked (outside loopback) and its errors."""

    def __init__(self):
        self.blocked, self.errors, self.console = [], [], []

    def unexpected_errors(self, allowed=()):
        return [e for e in self.errors if not any(a in e for a in allowed)]
