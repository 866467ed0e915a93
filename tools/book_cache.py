"""When the book's build is stale: one rule for `make book`, the tests and the benchmarks.

- The execution cache (``_build/.jupyter_cache``) is keyed on the pages' code only. When lstmkit changed
  after it was written (its Python, or the explorers' front-end files, which travel inside the pages' saved
  widget state), it would keep serving outputs made by the old library: it is dropped, with the doctrees, so
  that every page is executed again.
- A built ``_build/html`` is fresh when it is newer than every file the book is built from (``SOURCES``).

    python tools/book_cache.py     # drop a stale execution cache (make book runs this before building)
"""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("lstmkit/**/*.py", "lstmkit/**/*.js", "lstmkit/**/*.css")
SOURCES = ("_config.yml", "_toc.yml", "references.bib", "book/**/*", *LIBRARY, "lstmkit/data/*", "_offline/.vendored",
           "tools/course_site/**/*", "tools/site_js/*", "exercises/**/*")
STAMP = Path("_build") / ".built_book"
"""Touched after each build the tests make: a build that rewrote no page (Sphinx leaves unchanged pages alone)
still counts as newer than the sources it read."""


def newest(patterns, root: Path = ROOT) -> float:
    """The newest modification time of the files under ``root`` matching ``patterns`` (0.0 when none)."""
    times = [p.stat().st_mtime for pattern in patterns for p in Path(root).glob(pattern)
             if p.is_file() and "__pycache__" not in p.parts]
    return max(times, default=0.0)


def cache_is_stale(root: Path = ROOT) -> bool:
    """True when lstmkit changed after the execution cache was last written."""
    cache = Path(root) / "_build" / ".jupyter_cache"
    if not cache.exists():
        return False
    written = max((p.stat().st_mtime for p in cache.rglob("*") if p.is_file()), default=0.0)
    return newest(LIBRARY, root) > written


def drop_stale_cache(root: Path = ROOT) -> bool:
    """Drop the execution cache and the doctrees when the cache is stale; True when it did."""
    if not cache_is_stale(root):
        return False
    shutil.rmtree(Path(root) / "_build" / ".jupyter_cache")
    shutil.rmtree(Path(root) / "_build" / ".doctrees", ignore_errors=True)
    return True


def html_is_fresh(html: Path, root: Path = ROOT) -> bool:
    """True when ``html``/index.html exists and the last build (a page written, or the stamp of a build in
    ``root``/_build/html) is newer than every source of the book."""
    html = Path(html)
    if not (html / "index.html").exists():
        return False
    stamp = Path(root) / STAMP
    built = max([p.stat().st_mtime for p in html.glob("**/*.html")]
                + ([stamp.stat().st_mtime] if stamp.exists() and html == Path(root) / "_build" / "html" else []))
    return built >= newest(SOURCES, root)


if __name__ == "__main__":
    if drop_stale_cache():
        print("lstmkit changed: re-executing every page")
