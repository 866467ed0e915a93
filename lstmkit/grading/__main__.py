"""Command line, run from the course directory (the one holding ``nbgrader_config.py``):

- ``python -m lstmkit.grading autograde ASSIGNMENT [--workers N] [--csv PATH]``: the hardened grader;
- ``python -m lstmkit.grading plain {release,autograde,feedback} ASSIGNMENT...``: nbgrader's own command for
  each assignment, to the end, naming what failed (the Makefile's targets);
- ``python -m lstmkit.grading manual ASSIGNMENT STUDENT CELL SCORE [--comment TEXT]``: a manual grade, as the
  formgrader records it;
- ``python -m lstmkit.grading record ASSIGNMENT...``: put assignments into the gradebook from ``solutions/``
  (both graders do it themselves when needed).
"""

import argparse
import os
import sys

from .limits import DEFAULTS


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m lstmkit.grading",
                                     description="Hardened batch autograder for nbgrader courses.")
    sub = parser.add_subparsers(dest="command", required=True)
    auto = sub.add_parser(
        "autograde", help="grade every submission of an assignment",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="statuses in the CSV:\n"
               "  graded        every cell ran and every test was evaluated (reason: repairs made)\n"
               "  needs_manual  graded; written answers wait for a person in the formgrader\n"
               "  rejected      the pre-flight check refused the notebook; no grade recorded\n"
               "  error         a limit was hit (time, killed or crashed kernel); score = tests passed")
    auto.add_argument("assignment")
    auto.add_argument("--workers", type=int, default=2, help="students graded at the same time (default 2)")
    auto.add_argument("--csv", default=None, help="report path (default grades-ASSIGNMENT.csv)")
    auto.add_argument("--student", action="append", default=None,
                      help="grade only this student (repeatable)")
    auto.add_argument("--cell-timeout", type=float, default=None,
                      help="seconds per cell (default: c.Execute.timeout of nbgrader_config.py, else "
                           f"{DEFAULTS.cell_timeout:g})")
    auto.add_argument("--notebook-timeout", type=float, default=DEFAULTS.notebook_timeout)
    auto.add_argument("--memory-mb", type=int, default=DEFAULTS.memory_mb)
    auto.add_argument("--nproc", type=int, default=DEFAULTS.nproc)
    auto.add_argument("--disk-mb", type=int, default=DEFAULTS.disk_mb)
    auto.add_argument("--output-limit", type=int, default=DEFAULTS.output_limit)
    auto.add_argument("--no-sandbox", action="store_true",
                      help="run without bubblewrap (only for trusted submissions)")
    plain = sub.add_parser("plain", help="run nbgrader's command for each assignment and name what failed")
    plain.add_argument("step", choices=["release", "autograde", "feedback"])
    plain.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    manual = sub.add_parser("manual", help="record a manual grade (the submission leaves the formgrader's list)")
    manual.add_argument("assignment")
    manual.add_argument("student")
    manual.add_argument("cell", help="the grade id of the cell, e.g. answer_vanishing")
    manual.add_argument("score", type=float)
    manual.add_argument("--comment", default=None, help="shown to the student in the feedback")
    manual.add_argument("--notebook", default=None, help="needed when the assignment has several notebooks")
    record = sub.add_parser("record", help="record assignments in the gradebook from solutions/ if missing")
    record.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    worker = sub.add_parser("_worker", help=argparse.SUPPRESS)
    worker.add_argument("job")
    serve = sub.add_parser("_serve", help=argparse.SUPPRESS)
    serve.add_argument("--memory-mb", type=int, default=None)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    # nbgrader runs its database migrations through the `alembic` command found on PATH
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    if args.command == "_worker":
        from .worker import main as worker_main

        return worker_main(args.job)
    if args.command == "_serve":
        from .worker import limit_memory, serve

        limit_memory(args.memory_mb)
        return serve()
    from .course import CourseError

    try:
        if args.command == "plain":
            from . import plain

            return plain.main(args.step, os.getcwd(), args.assignments)
        if args.command == "manual":
            from .manual import set_manual_grade

            score, max_score = set_manual_grade(os.getcwd(), args.assignment, args.student, args.cell, args.score,
                                                comment=args.comment, notebook=args.notebook)
            print(f"{args.assignment}, {args.student}, {args.cell}: {score:g}/{max_score:g}")
            return 0
        if args.command == "record":
            from .course import record_assignment

            for assignment in args.assignments:
                if not record_assignment(os.getcwd(), assignment):
                    print(f"{assignment}: already in the gradebook")
            return 0
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return hardened(args)


def hardened(args):
    from .batch import autograde
    from .course import CourseError
    from .sandbox import SandboxUnavailable

    if args.workers < 1:
        print(f"--workers: expected a positive integer, got {args.workers}", file=sys.stderr)
        return 2
    csv_path = args.csv or f"grades-{args.assignment}.csv"
    try:
        rows = autograde(os.getcwd(), args.assignment, workers=args.workers, csv_path=csv_path,
                         students=args.student, sandbox=not args.no_sandbox,
                         cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                         memory_mb=args.memory_mb, nproc=args.nproc, output_limit=args.output_limit,
                         disk_mb=args.disk_mb)
    except (CourseError, SandboxUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no submissions"
    print(f"{args.assignment}: {summary}; report written to {csv_path}")
    for row in rows:
        if row["status"] in ("rejected", "error"):
            print(f"  {row['status']}: {row['student']}: {row['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
