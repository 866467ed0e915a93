"""copydetect on answer cells: the measurement behind not using it (lstmkit/grading/similarity, README).

copydetect (MOSS-style winnowing with boilerplate removal; MIT; numpy, matplotlib, jinja2, pygments, tqdm) is
run on the synthetic classes of tests/grading/test_similarity.py: 55 independent submissions of ``gates`` and
5 planted copies (renamed, reordered, reformatted, recommented). Each answer cell is one copydetect
"file" (``CodeFingerprint`` from the cell's code, the released cell as boilerplate), every pair of students is
compared cell by cell with ``compare_files``, and a pair's score is its matched tokens over its tokens, summed
over the cells (both sides averaged), as copydetect's report does per file. Printed for copydetect's defaults
and tuned noise thresholds, over ``CLASSES`` classes: in how many the planted pairs are the top 5, the lowest
planted score and the highest independent one (does one threshold separate them in every class?); the same for
``lstmkit.grading.similarity``; and copydetect's median seconds per pair, times the 499,500 pairs of a class of
1,000 (copydetect compares every pair; it has no index).

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

CLASSES = 20
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


def _line(label, rows):
    """rows: (ranks, lowest planted, highest honest) per class -> one summary line."""
    on_top = sum(ranks == [1, 2, 3, 4, 5] for ranks, _, _ in rows)
    planted, honest = min(r[1] for r in rows), max(r[2] for r in rows)
    verdict = "a threshold separates them in every class" if honest < planted else "no threshold separates them"
    return (f"{label}: planted pairs the top 5 in {on_top}/{len(rows)} classes; lowest planted {planted:.3f}, "
            f"highest independent {honest:.3f}: {verdict}")


def main():
    release = read_release(str(ROOT / "exercises" / "gates"), "gates")
    found = {i: [] for i in range(len(SETTINGS))}
    ours, per_pair = [], {i: [] for i in range(len(SETTINGS))}
    for seed in range(CLASSES):
        synthetic = similar_class.build(seed=seed)
        n = len(synthetic.students)
        for i, setting in enumerate(SETTINGS):
            scores, seconds = copydetect_scores(release, synthetic.students, **setting)
            found[i].append(summary(scores, synthetic.copies))
            per_pair[i].append(seconds / len(scores))
        subs = [Submission(s.name, s.answers) for s in synthetic.students]
        result = compare_submissions(release, subs, Parameters(top=n * (n - 1) // 2))
        scores = {(p.student_a, p.student_b): p.score for p in result.pairs}
        for pair in itertools.combinations(sorted(s.name for s in synthetic.students), 2):
            scores.setdefault(pair, 0.0)
        ours.append(summary(scores, synthetic.copies))
    print(f"{CLASSES} classes of 60 (seeds 0-{CLASSES - 1}), 5 planted copies each")
    for i, setting in enumerate(SETTINGS):
        seconds = sorted(per_pair[i])[len(per_pair[i]) // 2]
        print("  " + _line(f"copydetect {setting}", found[i])
              + f"; {seconds * 1e6:.0f} us per pair (3 cells) -> {seconds * 499500:.0f} s for the 499,500 pairs of "
                "1,000 students")
    print("  " + _line(f"lstmkit.grading.similarity (threshold {Parameters().threshold:g})", ours))


if __name__ == "__main__":
    main()
