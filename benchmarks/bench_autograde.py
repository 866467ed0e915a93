"""Time `nbgrader autograde` for one submission of each assignment (target: at most 60 s each).

For every assignment: a temporary course directory with this repository's nbgrader_config.py and
solutions/, `nbgrader generate_assignment`, the reference solution submitted as one student, then
`nbgrader autograde` timed from the command line (process start, kernel start, every cell, gradebook).
Prints one line per assignment and the slowest.

    PATH=.venv/bin:$PATH .venv/bin/python benchmarks/bench_autograde.py      (or: make bench-autograde)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENTS = ["rnn_limits", "gates", "cell_state", "variants", "reber"]
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
TARGET_SECONDS = 60.0


def run(course, *args):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    res = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"nbgrader {' '.join(args)} failed:\n{res.stderr}")


def solution_submission(course, assignment):
    """The release with every answer cell holding the reference solution."""
    src = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: "\n".join(
        line for line in c.source.splitlines() if line.strip() not in MARKERS)
        for c in src.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return nb


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "solutions", course / "solutions")
        for a in ASSIGNMENTS:
            run(course, "generate_assignment", a, "--force")
            folder = course / "submitted" / "student" / a
            folder.mkdir(parents=True)
            nbformat.write(solution_submission(course, a), folder / f"{a}.ipynb")
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
