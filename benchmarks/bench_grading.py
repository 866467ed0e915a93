"""Benchmark: the hardened autograder on 200 synthetic submissions with 2 workers,
against plain serial ``nbgrader autograde``.

Both run in the same process on the same machine: the hardened grader on all
submissions, nbgrader on a subset (its time per submission is flat, so it is
extrapolated to the full class). The script also checks that both graders
give the honest subset the same scores.

    python benchmarks/bench_grading.py [--n 200] [--serial 12] [--workers 2]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from support.grading_course import ASSIGNMENT, load_corpus, make_course, nbgrader, write_submission  # noqa: E402

from lstmkit.grading import batch  # noqa: E402

corpus = load_corpus()


def synthetic(i):
    """The i-th synthetic student: a deterministic mix of full, partial and wrong answers."""
    variants = [corpus.answers(),
                corpus.answers(answer_rnn=corpus.ZERO["answer_rnn"]),
                corpus.answers(answer_sigmoid="def sigmoid(x):\n    return np.exp(x) / (1 + np.exp(x))"),
                corpus.answers(answer_gates=corpus.ZERO["answer_gates"]),
                corpus.answers(**corpus.ZERO)]
    return corpus.Case(f"student{i:03d}", "synthetic", variants[i % len(variants)], "graded")


def gradebook_scores(course, students):
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db"), "lstm-fixture") as gb:
        return {s: gb.find_submission(ASSIGNMENT, s).score for s in students}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--serial", type=int, default=12, help="submissions graded by plain nbgrader")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("bwrap") is None:
        sys.exit("bubblewrap (bwrap) is required: apt-get install -y bubblewrap")
    work = tempfile.mkdtemp(prefix="bench-grading-")
    try:
        hardened = make_course(os.path.join(work, "hardened"))
        plain = make_course(os.path.join(work, "plain"))
        students = [synthetic(i) for i in range(args.n)]
        for case in students:
            write_submission(hardened, case)
        for case in students[: args.serial]:
            write_submission(plain, case)

        start = time.perf_counter()
        rows = batch.autograde(hardened, ASSIGNMENT, workers=args.workers, log=lambda *a: None)
        t_hardened = time.perf_counter() - start
        statuses = {}
        for row in rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1

        start = time.perf_counter()
        nbgrader(plain, "autograde", ASSIGNMENT)
        t_plain = time.perf_counter() - start

        subset = [c.name for c in students[: args.serial]]
        ours = {r["student"]: r["score"] for r in rows if r["student"] in subset}
        theirs = gradebook_scores(plain, subset)
        agree = sum(ours[s] == theirs[s] for s in subset)

        per_hardened = t_hardened / args.n
        per_plain = t_plain / args.serial
        cores = os.cpu_count()
        print(f"machine: {cores} cores, {args.workers} workers")
        print(f"hardened autograder: {args.n} submissions in {t_hardened:.1f} s = "
              f"{per_hardened:.2f} s per submission; statuses {statuses}")
        print(f"plain serial nbgrader autograde: {args.serial} submissions in {t_plain:.1f} s = "
              f"{per_plain:.2f} s per submission (extrapolated to {args.n}: {per_plain * args.n:.0f} s)")
        print(f"speed-up over serial nbgrader: {per_plain / per_hardened:.2f}x")
        print(f"same score from both graders: {agree}/{len(subset)} submissions")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
