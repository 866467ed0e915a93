"""The trusted side stays bounded whatever a submission sends: output floods, forged frames, huge replies.

Each flood is graded next to an honest student. Measured: the grading worker's peak resident memory (reported
by the worker itself: VmHWM, lstmkit.grading.worker.peak_rss_mb), how far this process's memory rose above where
it stood while it graded (the test suite before it may have left it large), and the size of every autograded
notebook.
"""
import os
import subprocess
import sys

from support import optional_deps
import pytest

from support.grading_course import ASSIGNMENT, LIMITS, load_corpus, make_course, test_cell_scores, write_submission

if optional_deps.problem("bubblewrap"):
    pytest.skip(optional_deps.reason("bubblewrap"), allow_module_level=True)

from lstmkit.grading import batch  # noqa: E402

corpus = load_corpus()
MB = 1024 * 1024

FORGE = '''
import gc, os, struct
fd = next(o for o in gc.get_objects() if isinstance(o, dict) and "fd_out" in o and "scratch" in o)["fd_out"]
'''
CASES = [
    # 1,900 cells (under the 2,000-cell limit), each printing more than the per-cell limit
    corpus.Case("flood_many_cells", "runtime",
                corpus.then(corpus.answers(), lambda nb: nb.cells.extend(
                    [__import__("nbformat").v4.new_code_cell("print('x' * 30000)") for _ in range(1900)])),
                "graded"),
    # a header that claims 900 MB: refused before anything is read
    corpus.Case("forged_huge_header", "runtime", corpus.good_then(corpus.append(
        "answer_rnn", FORGE + "os.write(fd, struct.pack('>I', 900 * 1024 * 1024))")), "error",
        lost={"test_rnn", "test_dtype"}, reason="the kernel broke the protocol"),
    # a well-formed 1 MB header that is one deep JSON list: a protocol error, not a crash
    corpus.Case("forged_deep_header", "runtime", corpus.good_then(corpus.append(
        "answer_rnn", FORGE + "h = b'[' * 500000 + b']' * 500000\nos.write(fd, struct.pack('>I', len(h)) + h)")),
        "error", lost={"test_rnn", "test_dtype"}, reason="the kernel broke the protocol"),
    # a function whose every result is a 15 MB array (inside the frame limit), called by every test
    corpus.Case("huge_results", "runtime", corpus.answers(
        answer_sigmoid="def sigmoid(x):\n    return np.zeros(15 * 1024 * 1024 // 8)"), "graded",
        lost={"test_sigmoid", "test_gates"}),  # test_dtype calls rnn_step only
]


def status_mb(field):
    """A memory field of /proc/self/status (VmRSS, VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith(field + ":"))


def test_peak_rss_is_this_process_own_not_its_parents():
    ballast = bytearray(400 * MB)                      # resident: every page written
    ballast[::4096] = b"x" * len(ballast[::4096])
    code = ("import resource; from lstmkit.grading.worker import peak_rss_mb; "
            "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    ours, inherited = map(float, out.split())
    del ballast
    assert inherited > 400, "ru_maxrss no longer carries the parent's peak: this test no longer shows anything"
    assert ours < 200, f"peak_rss_mb reported {ours:.0f} MB for a bare interpreter (the parent had 400 MB)"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(str(tmp_path_factory.mktemp("memory") / "course"))
    control = corpus.CONTROLS[0]
    for case in CASES + [control]:
        write_submission(course, case)
    stats = {}
    with open("/proc/self/clear_refs", "w") as fh:    # restart this process's high-water mark here
        fh.write("5")
    before = status_mb("VmRSS")
    rows = batch.autograde(course, ASSIGNMENT, workers=1, log=lambda *a: None, stats=stats,
                           **dict(LIMITS, notebook_timeout=120.0))
    stats["this process"] = {"before_mb": before, "peak_mb": status_mb("VmHWM")}
    return course, {r["student"]: r for r in rows}, stats, control


def test_every_grading_process_stays_under_1_gb_and_notebooks_under_50_mb(graded):
    course, rows, stats, _ = graded
    here = stats.pop("this process")
    peaks = {name: s["peak_rss_mb"] for name, s in stats.items()}
    print(f"\ngrading worker peak RSS (MB): {peaks}; this process: {here['before_mb']:.0f} MB before grading, "
          f"{here['peak_mb']:.0f} MB at its peak while grading")
    assert all(p is not None and p < 1024 for p in peaks.values()), peaks
    assert here["peak_mb"] - here["before_mb"] < 512, here
    for name in rows:
        path = os.path.join(course, "autograded", name, ASSIGNMENT, "lstm_gate.ipynb")
        if os.path.exists(path):
            assert os.path.getsize(path) < 50 * MB
    flood = os.path.join(course, "autograded", "flood_many_cells", ASSIGNMENT, "lstm_gate.ipynb")
    print(f"autograded notebook of the 1,900-cell flood: {os.path.getsize(flood) / MB:.2f} MB")
    assert os.path.getsize(flood) < 5 * MB  # 1,900 x 20,000 characters would be 38 MB without the budget


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_flood_gets_its_exact_grade_and_the_control_is_unchanged(graded, case):
    course, rows, _, control = graded
    row = rows[case.name]
    assert (row["status"], row["score"]) == (case.status, case.score), row["reason"]
    assert case.reason in row["reason"]
    expected = {t: 0.0 if t in control.lost else float(p) for t, p in corpus.POINTS.items()}
    assert test_cell_scores(course, control.name) == expected
