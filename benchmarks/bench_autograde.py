"""Time `nbgrader autograde` for one submission of each assignment (target: at most 60 s each).

For every assignment: a temporary course directory with this repository's nbgrader_config.py and
solutions/, `nbgrader generate_assignment`, the reference solution submitted as one student, then
`nbgrader autograde` timed from the command line (process start, kernel start, every cell, gradebook).
Prints one line per assignment and the slowest.

    PATH=.venv/bin:$PATH .venv/bin/python benchmarks/bench_autograde.py      (or: make bench-autograde)
"""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.nbgrader import copy_course, run, submit  # noqa: E402
from support.notebooks import ASSIGNMENTS, release_notebook, solved, source_notebook  # noqa: E402

TARGET_SECONDS = 60.0


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(tmp)
        for a in ASSIGNMENTS:
            run(course, "generate_assignment", a, "--force")
            submit(course, "student", a, solved(release_notebook(a, course), source_notebook(a, course)))
            start = time.perf_counter()
            run(course, "autograde", a, "--force")
            seconds = time.perf_counter() - start
            rows.append((a, seconds))
            print(f"{a:12s} autograde of one submission: {seconds:6.1f} s  "
                  f"({seconds / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s target)", flush=True)
    worst = max(rows, key=lambda r: r[1])
    print(f"slowest: {worst[0]} {worst[1]:.1f} s; all within {TARGET_SECONDS:.0f} s: "
          f"{all(s <= TARGET_SECONDS for _, s in rows)}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(json.dumps({a: round(s, 2) for a, s in rows}))


if __name__ == "__main__":
    main()
