"""Command line, run from the course directory (the one holding ``nbgrader_config.py``):

- ``python -m lstmkit.grading autograde ASSIGNMENT [--workers N] [--csv PATH]``: the hardened grader; with
  ``--scheduler ADDRESS`` or ``--local-cluster N`` it grades on a Dask cluster (:mod:`lstmkit.grading.cluster`);
- ``python -m lstmkit.grading plain {release,autograde,feedback} ASSIGNMENT...``: nbgrader's own command for
  each assignment, to the end, naming what failed (the Makefile's targets);
- ``python -m lstmkit.grading manual ASSIGNMENT STUDENT CELL SCORE [--comment TEXT]``: a manual grade, as the
  formgrader records it;
- ``python -m lstmkit.grading record ASSIGNMENT...``: put assignments into the gradebook from ``solutions/``
  (both graders do it themselves when needed);
- ``python -m lstmkit.grading similarity ASSIGNMENT [--json PATH] [--html PATH] [--threshold X]``: pairs of
  students whose answer cells are alike, flagged for reading (:mod:`lstmkit.grading.similarity`);
- ``python -m lstmkit.grading export ASSIGNMENT... --format canvas|moodle|csv [-o PATH]``: the gradebook in the
  import format of Canvas's or Moodle's gradebook, or as CSV with statuses (:mod:`lstmkit.grading.lms`), late
  penalties applied (:mod:`lstmkit.grading.late`);
- ``python -m lstmkit.grading extension ASSIGNMENT STUDENT [--days N] [--hours N] [--minutes N]``: more time for
  one student (nbgrader's per-submission extension; no time given removes it);
- ``python -m lstmkit.grading report ASSIGNMENT -o report.html [--json report.json] [--book-url URL]``: the
  class report (:mod:`lstmkit.grading.report`): scores per assignment and cell, the most frequent mistake
  codes, statuses with reasons, grading time.
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
    auto.add_argument("--workers", type=int, default=None,
                      help="local pool: students graded at the same time (default 2)")
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
    add_cluster_options(auto)
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
    add_similarity_parser(sub)
    add_export_parsers(sub)
    add_report_parser(sub)
    worker = sub.add_parser("_worker", help=argparse.SUPPRESS)
    worker.add_argument("job")
    serve = sub.add_parser("_serve", help=argparse.SUPPRESS)
    serve.add_argument("--memory-mb", type=int, default=None)
    return parser


def add_export_parsers(sub):
    export = sub.add_parser("export", help="write the gradebook for Canvas, Moodle or as CSV, late penalties applied",
                            description="Grades of the assignments, one row per student; see lstmkit/grading/lms.py "
                                        "for the columns and what to map when importing.")
    export.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    export.add_argument("--format", required=True, choices=["canvas", "moodle", "csv"])
    export.add_argument("-o", "--output", default=None, help="file to write (default grades-FORMAT.csv)")
    export.add_argument("--missing-as-zero", action="store_true",
                        help="canvas/moodle: 0 for a student who handed in nothing (default: blank, no grade)")
    export.add_argument("--canvas-assignment", action="append", default=None, metavar="NAME=ID",
                        help="canvas: the Canvas id of an assignment (the number in its address), repeatable")
    export.add_argument("--moodle-match", default="username", choices=["username", "email", "lms_user_id"],
                        help="moodle: the student field Moodle identifies users by (default username = the "
                             "nbgrader student id)")
    extension = sub.add_parser("extension", help="give one student more time (nbgrader's extension)")
    extension.add_argument("assignment")
    extension.add_argument("student")
    for unit in ("days", "hours", "minutes"):
        extension.add_argument(f"--{unit}", type=float, default=0.0)


def extend(args):
    import datetime

    from .late import grant_extension

    more = datetime.timedelta(days=args.days, hours=args.hours, minutes=args.minutes)
    when = grant_extension(os.getcwd(), args.assignment, args.student, more)
    due = "no due date set" if when.deadline is None else f"due {when.deadline:%Y-%m-%d %H:%M:%S} UTC"
    print(f"{args.assignment}, {args.student}: {due} (extension {when.extension or 'none'})")
    return 0


def add_report_parser(sub):
    report = sub.add_parser("report", help="the class report of an assignment: one self-contained HTML page "
                                           "(and JSON)")
    report.add_argument("assignment")
    report.add_argument("-o", "--output", default=None, metavar="HTML",
                        help="the page to write (default report-ASSIGNMENT.html)")
    report.add_argument("--json", default=None, metavar="PATH", help="also write the same data as JSON")
    report.add_argument("--book-url", default=None, metavar="URL",
                        help="where the book's pages are, for the links to each mistake's section (default: "
                             "$LSTMKIT_BOOK_URL, else the book built in this folder by `make book`)")


def add_cluster_options(auto):
    dask = auto.add_argument_group("grading on a Dask cluster")
    where = dask.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on the workers of the Dask scheduler at ADDRESS (tcp://HOST:PORT, tls://...)")
    where.add_argument("--local-cluster", type=int, default=None, metavar="N",
                       help="start a Dask LocalCluster of N worker processes on 127.0.0.1 and grade on it")
    dask.add_argument("--resume", action="store_true",
                      help="grade only students whose current submission is not graded yet (jobs table)")
    dask.add_argument("--allowed-failures", type=int, default=2, metavar="K",
                      help="worker deaths a submission may cause before it is an error (default 2)")
    dask.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                      help="time to reach the scheduler (default 10)")
    dask.add_argument("--tls-ca-file", default=None, help="TLS: the cluster's certificate authority")
    dask.add_argument("--tls-cert", default=None, help="TLS: this coordinator's certificate")
    dask.add_argument("--tls-key", default=None, help="TLS: this coordinator's private key")


def add_similarity_parser(sub):
    from .similarity.result import Parameters

    default = Parameters()
    sim = sub.add_parser("similarity", help="flag pairs of students whose answer cells are alike (never an accusation)",
                         description="Compare the answer cells of every pair of students (names, literals, comments "
                                     "and layout normalised away, the release's code excluded) and list the pairs "
                                     "above a threshold with the matching parts side by side. It flags pairs for a "
                                     "person to read; it accuses no one.")
    sim.add_argument("assignment")
    sim.add_argument("--json", default=None, metavar="PATH", help="write the result as JSON")
    sim.add_argument("--html", default=None, metavar="PATH", help="write a self-contained HTML page")
    sim.add_argument("--threshold", type=float, default=default.threshold,
                     help=f"pair score from which a pair is flagged (default {default.threshold:g})")
    sim.add_argument("--min-tokens", type=int, default=default.min_tokens,
                     help="tokens of uncommon code both wrote that a flagged pair needs "
                          f"(default {default.min_tokens})")
    sim.add_argument("--top", type=int, default=default.top,
                     help=f"pairs listed at least, flagged or not (default {default.top})")


def similarity(args):
    """The ``similarity`` command: table on stdout, optional JSON and HTML files; 2 on bad input."""
    import json

    from .similarity import Parameters, compare_assignment, render_page, render_table

    params = Parameters(threshold=args.threshold, min_tokens=args.min_tokens, top=args.top)
    result = compare_assignment(os.getcwd(), args.assignment, params)
    print(render_table(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result.to_json(), fh, indent=1)
        print(f"JSON written to {args.json}")
    if args.html:
        with open(args.html, "w", encoding="utf-8") as fh:
            fh.write(render_page(result))
        print(f"HTML written to {args.html}")
    return 0


def option_problem(args):
    """What is wrong with the options of ``autograde`` (a message naming the option), or None."""
    cluster = args.scheduler is not None or args.local_cluster is not None
    if args.workers is not None and args.workers < 1:
        return f"--workers: expected a positive integer, got {args.workers}"
    if args.workers is not None and cluster:
        return "--workers: sets the local pool's size; a cluster's size is its workers' (or --local-cluster N)"
    if args.local_cluster is not None and args.local_cluster < 1:
        return f"--local-cluster: expected a positive number of workers, got {args.local_cluster}"
    if args.allowed_failures < 0:
        return f"--allowed-failures: expected 0 or more, got {args.allowed_failures}"
    if args.resume and not cluster:
        return "--resume: needs --scheduler ADDRESS or --local-cluster N (the jobs table is kept by cluster batches)"
    if (args.tls_ca_file or args.tls_cert or args.tls_key) and not cluster:
        return "--tls-ca-file/--tls-cert/--tls-key: only for --scheduler or --local-cluster"
    return None


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
        if args.command == "similarity":
            from .similarity import SimilarityError

            try:
                return similarity(args)
            except SimilarityError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
        if args.command == "report":
            from . import report

            class_report = report.for_course(os.getcwd(), args.assignment, book_url=args.book_url)
            html_path = args.output or f"report-{args.assignment}.html"
            report.write(class_report, html_path, args.json)
            print(f"{args.assignment}: {len(class_report.submissions)} submissions, "
                  f"{len(class_report.mistakes)} mistake codes; report written to {html_path}"
                  + (f" and {args.json}" if args.json else ""))
            return 0
        if args.command == "record":
            from .course import record_assignment

            for assignment in args.assignments:
                if not record_assignment(os.getcwd(), assignment):
                    print(f"{assignment}: already in the gradebook")
            return 0
        if args.command == "export":
            from .lms import main as export_main

            return export_main(os.getcwd(), args)
        if args.command == "extension":
            return extend(args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return hardened(args)


def hardened(args):
    from .course import CourseError
    from .sandbox import SandboxUnavailable

    problem = option_problem(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    csv_path = args.csv or f"grades-{args.assignment}.csv"
    limits = dict(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                  memory_mb=args.memory_mb, nproc=args.nproc, output_limit=args.output_limit, disk_mb=args.disk_mb)
    try:
        if args.scheduler is None and args.local_cluster is None:
            from .batch import autograde

            rows = autograde(os.getcwd(), args.assignment, workers=args.workers or 2, csv_path=csv_path,
                             students=args.student, sandbox=not args.no_sandbox, **limits)
        else:
            rows = on_cluster(args, csv_path, limits)
            if rows is None:
                return 2
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


def on_cluster(args, csv_path, limits):
    """The batch on a Dask cluster; its rows, or None after printing why the cluster could not grade."""
    from .cluster import ClusterError, ClusterOptions, autograde_on_cluster

    options = ClusterOptions(scheduler=args.scheduler, local_workers=args.local_cluster,
                             allowed_failures=args.allowed_failures, connect_timeout=args.connect_timeout,
                             resume=args.resume, tls_ca_file=args.tls_ca_file, tls_cert=args.tls_cert,
                             tls_key=args.tls_key)
    try:
        return autograde_on_cluster(os.getcwd(), args.assignment, options, csv_path=csv_path,
                                    students=args.student, sandbox=not args.no_sandbox, **limits)
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


if __name__ == "__main__":
    sys.exit(main())
