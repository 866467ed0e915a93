"""Page weight of the built book: bytes and requests per page, as a student's browser loads it.

Each page is opened in Debian's chromium (served from 127.0.0.1, nothing else reachable, a fresh cache per page),
and every response is counted once it finished, until the page settled (widgets drawn). Bytes are the response
bodies as sent by a server that does not compress (http.server; a file opened from disk is the same); the gzip
column is what a compressing host would send for the same files.

Targets (the site issue): every page at most 1.5 MB and 25 requests; the introduction much lighter (at most
0.6 MB). Usage (from the repository root):

    .venv/bin/python benchmarks/bench_site_weight.py [--html _build/html] [--before OTHER_BUILD/html]

With --before, a second site (for example the book built from an older commit) is measured in the same run and
shown next to it. Exits 1 when a page misses a target.
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import site_audit as sa  # noqa: E402
from support.book import book_is_fresh, build_book_in_place, serve_folder  # noqa: E402
from support.browser import chromium_missing_reason, launch_chromium  # noqa: E402

MAX_BYTES = 1.5e6
MAX_REQUESTS = 25
MAX_INTRO_BYTES = 0.6e6
INTRO = "book/intro.html"


def gzip_size(html: Path, url: str) -> int:
    path = html / unquote(urlsplit(url).path).lstrip("/")
    return len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0


def measure(browser, html: Path) -> dict[str, tuple[int, int, int]]:
    """{page: (bytes, requests, gzip bytes)} for every page of the site at ``html``."""
    url, server = serve_folder(html)
    out = {}
    try:
        for page_path in sa.site_pages(html):
            context = sa.new_context(browser, "light")
            page, visit = sa.open_page(context, url, page_path, "light")
            context.close()
            if visit.blocked or visit.failed:
                raise RuntimeError(f"{page_path}: {visit.blocked or visit.failed}")
            out[page_path] = (visit.total_bytes, len(visit.requests),
                              sum(gzip_size(html, r.url) for r in visit.requests))
    finally:
        server.shutdown()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=None, help="the built site (default: _build/html)")
    parser.add_argument("--before", type=Path, default=None, help="another build to compare with")
    args = parser.parse_args()
    reason = chromium_missing_reason()
    if reason:
        sys.exit(reason)
    html = args.html or (ROOT / "_build" / "html")
    if args.html is None and not book_is_fresh(html):
        html = build_book_in_place()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = launch_chromium(p)
        after = measure(browser, html)
        before = measure(browser, args.before) if args.before else {}
        browser.close()
    head = f"{'page':30s} {'MB':>6s} {'requests':>8s} {'gzip MB':>8s}"
    if before:
        head += f"   {'before MB':>9s} {'requests':>8s} {'gzip MB':>8s}"
    print(head)
    failed = []
    for page, (size, requests, zipped) in after.items():
        line = f"{page:30s} {size / 1e6:6.2f} {requests:8d} {zipped / 1e6:8.2f}"
        if page in before:
            b = before[page]
            line += f"   {b[0] / 1e6:9.2f} {b[1]:8d} {b[2] / 1e6:8.2f}"
        limit = MAX_INTRO_BYTES if page == INTRO else MAX_BYTES
        if size > limit or requests > MAX_REQUESTS:
            failed.append(page)
            line += "   OVER TARGET"
        print(line)
    sizes = [v[0] for v in after.values()]
    print(f"largest page {max(sizes) / 1e6:.2f} MB, most requests {max(v[1] for v in after.values())}; "
          f"targets: {MAX_BYTES / 1e6:.1f} MB and {MAX_REQUESTS} requests a page, "
          f"{INTRO} at most {MAX_INTRO_BYTES / 1e6:.1f} MB")
    if before:
        common = [p for p in after if p in before]
        print(f"pages in both builds: {sum(before[p][0] for p in common) / 1e6:.1f} MB in "
              f"{sum(before[p][1] for p in common)} requests before, "
              f"{sum(after[p][0] for p in common) / 1e6:.1f} MB in {sum(after[p][1] for p in common)} after")
    if failed:
        print("over target:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
