"""Time `similarity` on 1,000 students of one assignment (target: well under 45 s on 2 cores, so that the class
report and similarity together stay under 60 s).

The class: the generator of tests/grading/test_similarity.py (tests/support/similar_class.py) with 970
independent students, the 20 known mistakes of ``gates`` and 10 planted copies, written as
``submitted/<student>/gates/gates.ipynb`` of a course folder (not timed). Timed, each the median of
``REPEATS`` runs in this process: ``compare_assignment`` (read the release and every notebook, normalise,
fingerprint, index, score, describe the listed pairs), and the reference measured in the same run, reading and
normalising every notebook and nothing else (the floor any comparison pays). Prints seconds, the ratio to the
reference, the pairs a class of 1,000 has (499,500) against those the index scored, and what was flagged.

    .venv/bin/python benchmarks/bench_similarity.py
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import similar_class  # noqa: E402
from support.nbgrader import copy_course  # noqa: E402
from lstmkit.grading.similarity import Parameters, compare_assignment  # noqa: E402
from lstmkit.grading.similarity.collect import read_release, read_submission  # noqa: E402
from lstmkit.grading.similarity.tokens import normalise  # noqa: E402

TARGET_SECONDS = 45.0
REPEATS = 3
N_VARIANTS, N_COPIES = 970, 10


def read_and_normalise(course: Path) -> int:
    """The reference: every notebook read and every answer cell normalised; returns the number of cells."""
    release = read_release(str(course / "exercises" / "gates"), "gates")
    cells = 0
    for student in sorted(os.listdir(course / "submitted")):
        submission, _ = read_submission(student, str(course / "submitted" / student / "gates"), release)
        for source in submission.answers.values():
            normalise(source, release.known_names)
            cells += 1
    return cells


def median_seconds(fn):
    times, value = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main():
    start = time.perf_counter()
    synthetic = similar_class.build(seed=1000, n_variants=N_VARIANTS, n_copies=N_COPIES)
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as tmp:
        course = copy_course(Path(tmp) / "course", ["gates"], release=True)
        similar_class.write(course, synthetic)
        n = len(synthetic.students)
        print(f"{n} students of gates written in {time.perf_counter() - start:.1f} s (not timed)")
        reference, cells = median_seconds(lambda: read_and_normalise(course))
        params = Parameters(top=N_COPIES + 10)  # the planted pairs and the 10 highest others are described
        seconds, result = median_seconds(lambda: compare_assignment(str(course), "gates", params))
    flagged = {frozenset((p.student_a, p.student_b)) for p in result.flagged}
    found = len(flagged & synthetic.copies)
    print(f"reference (read and normalise {cells} answer cells): {reference:.2f} s")
    print(f"similarity of {n} students: {seconds:.2f} s = {seconds / reference:.1f} x the reference; "
          f"target {TARGET_SECONDS:g} s: {'met' if seconds <= TARGET_SECONDS else 'MISSED'}")
    print(f"pairs: {result.pairs_compared} in the class, {result.pairs_sharing} scored through the index "
          f"(share uncommon code)")
    print(f"flagged at threshold {Parameters().threshold:g}: {len(flagged)} pairs, {found} of the "
          f"{len(synthetic.copies)} planted copies, {len(flagged) - found} pairs of independent students")
    honest = [p.score for p in result.pairs if frozenset((p.student_a, p.student_b)) not in synthetic.copies]
    print(f"highest pair of independent students: {max(honest, default=0.0):.3f} (threshold {params.threshold:g})")


if __name__ == "__main__":
    main()
