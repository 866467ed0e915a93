"""copydetect on answer cells: the measurement behind not using it (lstmkit/grading/similarity, README).

copydetect (MOSS-style winnowing with boilerplate removal; MIT; numpy, matplotlib, jinja2, pygments, tqdm) is
run on the synthetic class of tests/grading/test_similarity.py: 55 independent submissions of ``gates`` and
5 planted copies (renamed, reordered, reformatted, recommented). Each answer cell is one copydetect
"file" (``CodeFingerprint`` from the cell's code, the released cell as boilerplate), every pair of students is
compared cell by cell with ``compare_files``, and a pair's score is its matched tokens over its tokens, summed
over the cells (both sides averaged), as copydetect's report does per file. Printed for copydetect's defaults
and tuned noise thresholds: the ranks of the 5 planted pairs, the lowest planted score, the highest honest score;
the same for ``lstmkit.grading.similarity``; and copydetect's seconds per pair, times the 499,500 pairs of a
class of 1,000 (copydetect compares every pair; it has no index).

Not part of the suite or the requirements (the course does not install copydetect):

    .venv/bin/pip install copydetect==0.5.0 && .venv/bin/python benchmarks/eval_copydetect.py
"""
import io
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import similar_class  # noqa: E402
from lstmkit.grading.similarity import Parameters, compare_submissions  # noqa: E402
from lstmkit.grading.similarity.collect import Submission, read_release  # noqa: E402

SEEDS = (17, 1, 2, 3)
SETTINGS = [dict(noise_t=25, guarantee_t=25), dict(noise_t=15, guarantee_t=20), dict(noise_t=10, guarantee_t=15),
            dict(noise_t=8, guarantee_t=10)]


def copydetect_scores(release, students, noise_t, guarantee_t):
    """{(a, b): score} of every pair, and the seconds compare_files took over all pairs and cells."""
    from copydetect.detector import CodeFingerprint, compare_files

    window = guarantee_t - noise_t + 1
    prints = {}
    for cell in release.cells:
        boiler = CodeFingerprint(f"{cell.key}.py", noise_t, 1, fp=io.StringIO(cell.released)).hashes
        boiler = sorted(boiler)
        for s in students:
            prints[s.name, cell.key] = CodeFingerprint(f"{s.name}_{cell.key}.py", noise_t, window,
                                                       boilerplate=boiler, fp=io.StringIO(s.answers[cell.key]))
    scores, seconds = {}, 0.0
    for one, two in itertools.combinations(sorted(s.name for s in students), 2):
        matched = [0.0, 0.0]
        total = [0.0, 0.0]
        for cell in release.cells:
            fa, fb = prints[one, cell.key], prints[two, cell.key]
            start = time.perf_counter()
            _, (sim_a, sim_b), _ = compare_files(fa, fb)
            seconds += time.perf_counter() - start
            matched[0] += sim_a * fa.token_coverage
            matched[1] += sim_b * fb.token_coverage
            total[0] += fa.token_coverage
            total[1] += fb.token_coverage
        scores[one, two] = sum(m / t if t else 0.0 for m, t in zip(matched, total)) / 2
    return scores, seconds


def summary(scores, copies):
    ranked = sorted(scores, key=lambda p: -scores[p])
    ranks = [i + 1 for i, p in enumerate(ranked) if frozenset(p) in copies]
    honest = max(v for p, v in scores.items() if frozenset(p) not in copies)
    planted = min(v for p, v in scores.items() if frozenset(p) in copies)
    return ranks, planted, honest


def main():
    release = read_release(str(ROOT / "exercises" / "gates"), "gates")
    for seed in SEEDS:
        synthetic = similar_class.build(seed=seed)
        n = len(synthetic.students)
        print(f"class seed {seed}: {n} students, planted pairs {sorted(map(sorted, synthetic.copies))}")
        for setting in SETTINGS:
            scores, seconds = copydetect_scores(release, synthetic.students, **setting)
            ranks, planted, honest = summary(scores, synthetic.copies)
            per_pair = seconds / len(scores)
            print(f"  copydetect {setting}: planted ranks {ranks}, lowest planted {planted:.3f}, highest honest "
                  f"{honest:.3f}; {per_pair * 1e6:.0f} us per pair -> {per_pair * 499500:.0f} s for 1,000 students")
        subs = [Submission(s.name, s.answers) for s in synthetic.students]
        result = compare_submissions(release, subs, Parameters(top=n * (n - 1) // 2))
        ours = {(p.student_a, p.student_b): p.score for p in result.pairs}
        ours.update({pair: 0.0 for pair in itertools.combinations(sorted(s.name for s in synthetic.students), 2)
                     if pair not in ours})
        ranks, planted, honest = summary(ours, synthetic.copies)
        print(f"  lstmkit.grading.similarity: planted ranks {ranks}, lowest planted {planted:.3f}, highest honest "
              f"{honest:.3f} (threshold {Parameters().threshold:g})")


if __name__ == "__main__":
    main()
