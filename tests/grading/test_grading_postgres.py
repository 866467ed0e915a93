"""The hardened autograder with a PostgreSQL gradebook (nbgrader's ``db_url``).

The server and the database are the fixtures of tests/grading/conftest.py (``LSTMKIT_TEST_POSTGRES_URL``, or a
throw-away server from Debian's PostgreSQL binaries); skipped, with the reason printed, only when PostgreSQL
is not installed. The grader's records beside the gradebook (status, mistake codes) live in the same database.
"""

import csv
import os
import subprocess
import sys

from support.grading_course import ASSIGNMENT, LIMITS, load_corpus, make_course, test_cell_scores, write_submission
from support.optional_deps import needs

corpus = load_corpus()
BY_NAME = {case.name: case for case in corpus.CONTROLS + corpus.CASES}
STUDENTS = ["control_perfect", "control_partial", "surgery_truncated_json", "surgery_deleted_test",
            "runtime_os_exit", "tamper_patched_numpy", "tamper_write_gradebook"]


def _autograde(course, csv_name):
    cmd = [sys.executable, "-m", "lstmkit.grading", "autograde", ASSIGNMENT, "--workers", "2",
           "--csv", csv_name, "--cell-timeout", str(LIMITS["cell_timeout"]),
           "--memory-mb", str(LIMITS["memory_mb"]), "--nproc", str(LIMITS["nproc"])]
    done = subprocess.run(cmd, cwd=course, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(course, csv_name)) as fh:
        return list(csv.DictReader(fh))


@needs("bubblewrap")
def test_postgres_gradebook_same_grades_and_rerun(tmp_path, db_url):
    course = make_course(str(tmp_path / "course"), f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    for name in STUDENTS:
        write_submission(course, BY_NAME[name])
    first = _autograde(course, "first.csv")
    assert not os.path.exists(os.path.join(course, "gradebook.db")), "SQLite must not be used"
    for row in first:
        case = BY_NAME[row["student"]]
        assert (row["status"], float(row["score"]), float(row["max_score"])) == (case.status, case.score, 6.0)
        scores = test_cell_scores(course, row["student"], db_url=db_url)
        if case.status == "rejected":
            assert scores is None
        else:
            assert scores == {t: 0.0 if t in case.lost else float(p) for t, p in corpus.POINTS.items()}
    recorded = _records(db_url)
    assert recorded == ({row["student"]: row["status"] for row in first},
                        {(name, cell) for name in STUDENTS if BY_NAME[name].status != "rejected"
                         for cell in BY_NAME[name].lost})
    assert _autograde(course, "second.csv") == first
    assert _records(db_url) == recorded  # a regrade replaces the rows beside the gradebook


def _records(db_url):
    """The grader's records beside the gradebook: ({student: status}, {(student, failing cell)})."""
    from lstmkit.grading.records import GradingRecords

    with GradingRecords(db_url) as records:
        runs = {run.student: run.status for run in records.runs(ASSIGNMENT)}
        mistakes = records.mistakes(ASSIGNMENT)
    assert all(m.code.startswith("error.") for m in mistakes)  # the fixture's tests use plain asserts
    return runs, {(m.student, m.cell) for m in mistakes}
