"""Time `nbgrader validate` on a correct notebook of each assignment (target: at most 5 s each on 2 cores).

This is the check students run before they submit. For every assignment: the release with the reference
solution in its answer cells, validated from the course folder (process start, kernel start, every cell).
The reference measured in the same run is the floor every validation pays: the same command on a notebook
holding only the assignment's setup cell (kernel start and imports). Prints seconds, the ratio to the floor
and to the target. Each time is the median of ``REPEATS`` runs (one run varies by about 0.2 s).

    PATH=.venv/bin:$PATH .venv/bin/python benchmarks/bench_validate.py      (or: make bench-validate)
"""
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.nbgrader import copy_course, run  # noqa: E402
from support.notebooks import ASSIGNMENTS, nbgrader_meta, release_notebook, solved, source_notebook  # noqa: E402

TARGET_SECONDS = 5.0
REPEATS = 3


def validate_seconds(course, path):
    """The median wall time of REPEATS runs of ``nbgrader validate path``; exits when one does not pass."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        res = run(course, "validate", path)
        times.append(time.perf_counter() - start)
        if "Success!" not in res.stdout:
            sys.exit(f"nbgrader validate {path} did not pass:\n{res.stdout[-3000:]}\n{res.stderr[-2000:]}")
    return statistics.median(times)


def main():
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(tmp, release=True)
        for a in ASSIGNMENTS:
            nb = solved(release_notebook(a, course), source_notebook(a, course))
            path = course / "exercises" / a / f"{a}.ipynb"
            nbformat.write(nb, path)
            floor_nb = nbformat.v4.new_notebook(cells=[nb.cells[next(
                k for k, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == "setup")]])
            floor_path = course / "exercises" / a / "floor.ipynb"
            nbformat.write(floor_nb, floor_path)
            floor = validate_seconds(course, floor_path)
            seconds = validate_seconds(course, path)
            rows[a] = seconds
            print(f"{a:12s} validate of a correct notebook: {seconds:5.1f} s  ({seconds / floor:.2f} x the "
                  f"{floor:.1f} s of kernel start and imports; {seconds / TARGET_SECONDS:.2f} of the "
                  f"{TARGET_SECONDS:.0f} s target)", flush=True)
    worst = max(rows, key=rows.get)
    print(f"slowest: {worst} {rows[worst]:.1f} s; all within {TARGET_SECONDS:.0f} s: "
          f"{all(s <= TARGET_SECONDS for s in rows.values())}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(json.dumps({a: round(s, 2) for a, s in rows.items()}))


if __name__ == "__main__":
    main()
