"""Time the book's build: a clean full build (every notebook executed) and a cached rebuild.

Targets (issue 3, on a 2-core machine): at most 180 s clean, at most 30 s cached.

    .venv/bin/python benchmarks/bench_book.py            # builds into a temporary folder
    .venv/bin/python benchmarks/bench_book.py --in-place # builds into ./_build (like `make book`)

The clean build starts with no HTML, no doctrees and an empty jupyter cache; the cached
rebuild then runs the same command again, so every page's outputs come from the cache.
A temporary copy of the sources is used by default, so the benchmark neither reads nor
destroys the repository's own _build (which may be in use).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
TARGETS = {"clean": 180.0, "cached": 30.0}
# What a build reads: the book, its configuration, the vendored front-end files, the library, the book's Sphinx
# extension (tools/course_site) and the student notebooks it serves; node_modules (MathJax, used to typeset the
# maths at build time) is linked, not copied.
COPY = ["_config.yml", "_toc.yml", "references.bib", "book", "_offline", "lstmkit", "pyproject.toml", "tools",
        "exercises"]
LINK = ["node_modules"]


def build(workdir: Path) -> float:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=f"{workdir}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    cmd = [str(VENV_BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not (workdir / "_build" / "html" / "index.html").exists():
        sys.exit(f"build failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return elapsed


def copy_sources(dest: Path) -> None:
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    for name in LINK:
        (dest / name).symlink_to(ROOT / name, target_is_directory=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in-place", action="store_true", help="build in the repository (removes ./_build)")
    args = parser.parse_args()
    if not (ROOT / "_offline" / ".vendored").exists():
        subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], cwd=ROOT, check=True)

    with tempfile.TemporaryDirectory(prefix="bench_book_") as tmp:
        workdir = ROOT if args.in_place else Path(tmp)
        if not args.in_place:
            copy_sources(workdir)
        shutil.rmtree(workdir / "_build", ignore_errors=True)         # html, doctrees and .jupyter_cache
        pages = len(list((workdir / "book").glob("*.md")))
        clean = build(workdir)
        cached = build(workdir)

    print(f"book build, {pages} pages, {os.cpu_count()} CPUs, {'in place' if args.in_place else 'temporary copy'}")
    for name, seconds in (("clean (executes every page)", clean), ("cached rebuild", cached)):
        key = name.split()[0]
        verdict = "within" if seconds <= TARGETS[key] else "OVER"
        print(f"  {name:30s} {seconds:7.1f} s   target {TARGETS[key]:5.0f} s   {verdict} target "
              f"({seconds / TARGETS[key]:.2f} of it)")


if __name__ == "__main__":
    main()
