"""Benchmark: the class report of one assignment for 1,000 students (target, with the similarity check of the
same class: under 60 s on 2 cores).

A temporary course whose gradebook (SQLite) holds an assignment shaped like ``gates`` (six test cells and one
written answer) and N students written in bulk (tests/support/class_gradebook.py): seeded random mistakes on
about half of the failing cells, manual grades waiting, a few rejected and failed submissions, grading times.
Timed in the same run, alternating, median of ``--rounds``:

- the reference: reading the gradebook alone with nbgrader's own fastest call (opening the ``Gradebook`` and
  ``submission_dicts`` of the assignment: every student's total);
- the report: ``python -m lstmkit.grading report`` in process (``report.for_course`` and ``report.write``: every
  grade, the records beside the gradebook, the figures, the HTML page and the JSON).

Prints seconds, the ratio report / reference, and the page's size.

    python benchmarks/bench_report.py [--students 1000] [--rounds 3]
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import class_gradebook as cg  # noqa: E402

from lstmkit.grading import report  # noqa: E402

TARGET_SECONDS = 60.0
COURSE_ID = "bench-course"
ASSIGNMENT = "gates"
TESTS = ["test_lstm_gates", "test_lstm_gates_hidden", "test_lstm_step_forward", "test_lstm_step_forward_hidden",
         "test_lstm_forward", "test_lstm_forward_hidden"]
CELLS = [cg.Cell(t, "code", 2.0 if t.endswith("_hidden") else 1.0) for t in TESTS] + \
    [cg.Cell("answer_forget_bias", "markdown", 2.0)]
CODES = ["lstm.gate_block", "lstm.gate_order", "lstm.c_prev_unused", "loop.step_wrong", "loop.state_not_carried",
         "lstm.forget_input_swapped", "generic.numerical_warning", "generic.raised", "error.NameError"]


def synthetic_student(k: int, rng: random.Random) -> cg.Student:
    name = f"student{k:05d}"
    if rng.random() < 0.01:
        return cg.Student(name, {}, status="rejected", reason=f"{ASSIGNMENT}.ipynb is not valid JSON",
                          in_gradebook=False, seconds=rng.uniform(0.2, 0.5))
    scores, mistakes = {}, {}
    for cell in CELLS[:-1]:
        if rng.random() < 0.25:
            scores[cell.grade_id] = 0.0
            code = rng.choice(CODES)
            mistakes[cell.grade_id] = (code, "error" if code.startswith("error.") else "check")
        else:
            scores[cell.grade_id] = cell.points
    if rng.random() < 0.3:
        scores["answer_forget_bias"] = rng.choice([0.0, 1.0, 2.0])
    status = "error" if rng.random() < 0.01 else "needs_manual"
    return cg.Student(name, scores, status=status, reason="cell 5 (test_lstm_forward): timed out" if status ==
                      "error" else "", seconds=rng.lognormvariate(1.5, 0.4), mistakes=mistakes,
                      late_penalty=1.0 if rng.random() < 0.05 else 0.0)


def make_course(folder: str, students: int) -> str:
    db = f"sqlite:///{folder}/gradebook.db"
    cg.write_config(folder, COURSE_ID)
    cg.create_assignment(db, COURSE_ID, ASSIGNMENT, ASSIGNMENT, CELLS)
    rng = random.Random(17)
    cg.add_students(db, COURSE_ID, ASSIGNMENT, ASSIGNMENT, CELLS,
                    [synthetic_student(k, rng) for k in range(students)])
    return db


def read_gradebook(db: str) -> int:
    from nbgrader.api import Gradebook

    with Gradebook(db, COURSE_ID) as gb:
        return len(gb.submission_dicts(ASSIGNMENT))


def make_report(folder: str) -> report.ClassReport:
    r = report.for_course(folder, ASSIGNMENT)
    report.write(r, os.path.join(folder, "report.html"), os.path.join(folder, "report.json"))
    return r


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # alembic
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        setup, _ = timed(make_course, folder, args.students)
        db = f"sqlite:///{folder}/gradebook.db"
        reference, full = [], []
        for _ in range(args.rounds):
            seconds, n = timed(read_gradebook, db)
            reference.append(seconds)
            seconds, r = timed(make_report, folder)
            full.append(seconds)
        page = os.path.getsize(os.path.join(folder, "report.html"))
        ref, rep = statistics.median(reference), statistics.median(full)
        print(f"{args.students} students ({n} in the gradebook, {len(r.submissions)} in the report, "
              f"{len(r.mistakes)} mistake codes; gradebook written in {setup:.1f} s)")
        print(f"reading the gradebook alone (nbgrader's submission_dicts): {ref:6.2f} s  (median of {args.rounds})")
        print(f"the class report (HTML {page / 1024:.0f} KB and JSON):          {rep:6.2f} s  "
              f"= {rep / ref:.2f} x the reference; {rep / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s "
              f"target shared with the similarity check")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
