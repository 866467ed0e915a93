"""Where the similarity threshold comes from: the scores of independent and copied pairs over many classes.

Builds ``CLASSES`` synthetic classes of 60 (tests/support/similar_class.py, seeds 0, 1, ...: 35 students from
the hand-written implementations, the 20 known mistakes of ``gates``, 5 planted copies), compares each with
``lstmkit.grading.similarity`` and prints, for the default parameters and any given as arguments
(``k=4 window=3 common_floor=8``): in how many classes the planted pairs are the top 5, the highest pair of
independent students per class (median, 95th percentile, maximum), the lowest planted pair, and the tokens of
uncommon code the planted pairs share (the lowest). The threshold must sit above the independent pairs and
below the planted ones. About 1 minute per setting on one core.

    .venv/bin/python benchmarks/calibrate_similarity.py [NAME=VALUE ...]
"""
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import similar_class  # noqa: E402
from lstmkit.grading.similarity import Parameters, compare_submissions  # noqa: E402
from lstmkit.grading.similarity.collect import Submission, read_release  # noqa: E402

CLASSES = 40


def calibrate(classes, release, **overrides) -> str:
    on_top, honest, planted, tokens = 0, [], [], []
    for synthetic in classes:
        subs = [Submission(s.name, s.answers) for s in synthetic.students]
        result = compare_submissions(release, subs, Parameters(top=20, threshold=1.0, **overrides))
        ranked = [frozenset((p.student_a, p.student_b)) for p in result.pairs]
        on_top += sorted(ranked.index(c) + 1 for c in synthetic.copies if c in ranked) == [1, 2, 3, 4, 5]
        honest.append(max(p.score for p in result.pairs if frozenset((p.student_a, p.student_b)) not in
                          synthetic.copies))
        copies = [p for p in result.pairs if frozenset((p.student_a, p.student_b)) in synthetic.copies]
        planted.append(min(p.score for p in copies) if len(copies) == len(synthetic.copies) else 0.0)
        tokens.append(min((p.matched_tokens for p in copies), default=0))
    p95 = statistics.quantiles(honest, n=20)[-1]
    return (f"planted pairs are the top 5 in {on_top}/{len(classes)} classes; highest independent pair per class: "
            f"median {statistics.median(honest):.3f}, 95th percentile {p95:.3f}, max {max(honest):.3f}; lowest "
            f"planted pair {min(planted):.3f}; fewest matched tokens of a planted pair {min(tokens)}")


def main(argv):
    overrides = {}
    for arg in argv:
        name, _, value = arg.partition("=")
        overrides[name] = type(getattr(Parameters(), name))(value)
    release = read_release(str(ROOT / "exercises" / "gates"), "gates")
    classes = [similar_class.build(seed=seed) for seed in range(CLASSES)]
    print(f"defaults {Parameters()}:\n  {calibrate(classes, release)}")
    if overrides:
        print(f"with {overrides}:\n  {calibrate(classes, release, **overrides)}")


if __name__ == "__main__":
    main(sys.argv[1:])
