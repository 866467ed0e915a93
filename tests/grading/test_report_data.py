"""The class report's pieces without grading (seconds): the records beside the gradebook, how the report reads
them next to nbgrader's rows, the codes decided from exception objects, the feedback summary and the links.

The gradebooks here are real nbgrader gradebooks filled in bulk (tests/support/class_gradebook.py); the expected
figures are counted by hand from the rows each test writes.
"""
from __future__ import annotations

import datetime as dt
import json

import nbformat
import pytest

from support import class_gradebook as cg
from support.nbgrader import BIN

from lstmkit.grading import booklinks, report
from lstmkit.grading.checks.mistakes import MISTAKES, fail
from lstmkit.grading.feedback_summary import pointer_codes, summary_markdown
from lstmkit.grading.kernel_client import CellTimeout, KernelDied, StudentCodeError, student_exception
from lstmkit.grading.records import CellMistake, GradingRecords, GradingRun
from lstmkit.grading.report import collect, stats
from lstmkit.grading.report.data import Section
from lstmkit.grading.report.html import render
from lstmkit.grading.verdicts import cell_verdict, error_code

COURSE_ID = "report-course"
CELLS = [cg.Cell("test_a", "code", 1.0), cg.Cell("test_a_hidden", "code", 2.0), cg.Cell("answer", "markdown", 2.0)]
STAMP = dt.datetime(2026, 11, 20, 10, 0, 0)


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """nbgrader's Gradebook runs `alembic` through PATH."""
    import os

    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """An empty gradebook, made once: nbgrader takes seconds to create one (its database migrations)."""
    import os

    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("template") / "gradebook.db"
    before = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{before}"    # nbgrader runs `alembic` through PATH
    try:
        with Gradebook(f"sqlite:///{path}", COURSE_ID):
            pass
    finally:
        os.environ["PATH"] = before
    return path


@pytest.fixture
def make_class(tmp_path, empty_gradebook):
    """make_class(students) -> the db URL of a copy of the empty gradebook in tmp_path holding them."""
    import shutil

    def make(students):
        shutil.copy(empty_gradebook, tmp_path / "gradebook.db")
        return write_class(tmp_path, students)
    return make


def write_class(tmp_path, students):
    db = f"sqlite:///{tmp_path}/gradebook.db"
    cg.write_config(str(tmp_path), COURSE_ID)
    cg.create_assignment(db, COURSE_ID, "hw", "hw", CELLS)
    cg.add_students(db, COURSE_ID, "hw", "hw", CELLS, students)
    return db


def wrong(name, **kw):
    return cg.Student(name, {"test_a": 0.0, "test_a_hidden": 0.0},
                      mistakes={"test_a": ("lstm.gate_order", "check"), "test_a_hidden": ("lstm.gate_order", "check")},
                      **kw)


def right(name, **kw):
    return cg.Student(name, {"test_a": 1.0, "test_a_hidden": 2.0}, **kw)


# ------------------------------------------------------------------------------------------ records
def test_regrade_replaces_only_that_students_rows(tmp_path):
    db = f"sqlite:///{tmp_path}/g.db"
    run = GradingRun("hw", "ann", "graded", "", 0.0, 3.0, 1.5, 0.0, None)
    m1 = CellMistake("hw", "ann", "hw", "test_a", "lstm.gate_order", "check")
    m2 = CellMistake("hw", "ann", "hw", "test_a_hidden", "lstm.gate_order", "check")
    other = CellMistake("hw", "bob", "hw", "test_a", "loop.step_wrong", "check")
    with GradingRecords(db) as records:
        records.replace(GradingRun("hw", "bob", "graded", "", 0.0, 3.0, 1.0, 0.0, None), [other])
        records.replace(run, [m1, m2])
        records.replace(run, [m1, m2])                       # the same grading again: no new rows
        assert records.mistakes("hw") == [m1, m2, other]
        records.replace(GradingRun("hw", "ann", "graded", "", 3.0, 3.0, 1.2, 0.0, None), [])  # now right
        assert records.mistakes("hw") == [other]
        assert [r.student for r in records.runs("hw")] == ["ann", "bob"]
        assert records.run("hw", "ann").score == 3.0
        with pytest.raises(ValueError, match="mistakes: expected rows of hw/ann only"):
            records.replace(run, [other])


def test_run_matches_the_gradebooks_timestamp_in_any_timezone():
    aware = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    run = GradingRun("hw", "ann", "graded", "", 0.0, 1.0, None, 0.0, STAMP)
    assert run.matches(STAMP) and run.matches(aware) and not run.matches(STAMP + dt.timedelta(seconds=1))


# ------------------------------------------------------------------------------------------ the report's data
def test_counts_statuses_and_cells_of_a_small_class(make_class):
    students = [wrong("w1", seconds=2.0), wrong("w2", seconds=4.0), right("r1", seconds=6.0),
                cg.Student("half", {"test_a": 1.0, "test_a_hidden": 0.0, "answer": 2.0}, status="graded",
                           mistakes={"test_a_hidden": ("error.NameError", "error")}, seconds=8.0),
                cg.Student("bad", {}, status="rejected", reason="hw.ipynb is not valid JSON", in_gradebook=False,
                           seconds=0.5)]
    db = make_class(students)
    r = report.build(collect.read(db, COURSE_ID, "hw"), book_url="https://example.org/book/")
    assert r.tested == 4 and r.max_score == 5.0
    gate = r.mistake("lstm.gate_order")
    assert (gate.students, gate.occurrences, gate.share) == (2, 4, 0.5)
    assert gate.url == "https://example.org/book/" + MISTAKES["lstm.gate_order"].section
    name_error = r.mistake("error.NameError")
    assert (name_error.students, name_error.section, name_error.url) == (1, None, None)
    assert [m.code for m in r.mistakes] == ["lstm.gate_order", "error.NameError"]
    statuses = {s.status: (s.count, s.reasons) for s in r.statuses}
    assert statuses["needs_manual"] == (3, ()) and statuses["graded"] == (1, ())
    assert statuses["rejected"] == (1, (("hw.ipynb is not valid JSON", 1),)) and statuses["error"] == (0, ())
    cells = {c.cell: c for c in r.cells}
    assert (cells["test_a"].full, cells["test_a"].zero, cells["test_a"].mean) == (2, 2, 0.5)
    assert cells["test_a_hidden"].codes == (("lstm.gate_order", 2), ("error.NameError", 1))
    assert (cells["answer"].waiting, cells["answer"].full) == (3, 1)
    # scores 0, 0, 3, 3 -> one point per bin, the last bin for full marks alone
    assert r.score_histogram.edges == (0, 1, 2, 3, 4, 5, 6) and r.score_histogram.counts == (2, 0, 0, 2, 0, 0)
    assert (r.times.count, r.times.median, r.times.max, r.times.total) == (5, 4.0, 8.0, 20.5)


def test_a_submission_regraded_elsewhere_keeps_its_scores_but_not_its_codes(make_class):
    """Plain nbgrader autograde of a later submission: the gradebook's timestamp is not the one the hardened
    grader recorded, so its codes describe another notebook."""
    students = [wrong("stale", recorded_timestamp=STAMP - dt.timedelta(days=1)), wrong("fresh"),
                right("plain", status=None)]
    db = make_class(students)
    r = report.build(collect.read(db, COURSE_ID, "hw"))
    rows = {s.student: s for s in r.submissions}
    assert (rows["stale"].grader, rows["stale"].codes, rows["stale"].seconds) == ("nbgrader", (), None)
    assert rows["plain"].grader == "nbgrader" and "plain nbgrader" in rows["plain"].reason
    assert rows["fresh"].codes == ("lstm.gate_order", "lstm.gate_order")
    assert r.tested == 1 and r.mistake("lstm.gate_order").students == 1
    assert rows["stale"].score == 0.0 and rows["plain"].score == 3.0


def test_manual_grades_and_late_penalties_from_the_gradebook(make_class):
    students = [cg.Student("late", {"test_a": 1.0, "test_a_hidden": 2.0, "answer": 1.5}, late_penalty=1.0,
                           status="needs_manual")]
    db = make_class(students)
    rows = report.build(collect.read(db, COURSE_ID, "hw")).submissions
    assert (rows[0].status, rows[0].score, rows[0].late_penalty, rows[0].final_score) == ("graded", 4.5, 1.0, 3.5)
    replaced = report.build(collect.read(db, COURSE_ID, "hw"), penalties={"late": 5.0}).submissions[0]
    assert (replaced.late_penalty, replaced.final_score) == (5.0, 0.0)


def test_page_and_json_hold_the_same_report(make_class):
    db = make_class([wrong("w1"), right("r1", late_penalty=0.5)])
    section = Section("similarity", "Similar answers", "<p id='sim'>two pairs above the threshold</p>",
                      {"pairs": 2})
    r = report.build(collect.read(db, COURSE_ID, "hw"), sections=[section])
    page, data = render(r), json.loads(report.to_json(r))
    assert data["mistakes"][0]["code"] == "lstm.gate_order" and data["mistakes"][0]["students"] == 1
    assert data["sections"] == [{"id": "similarity", "title": "Similar answers",
                                 "html": "<p id='sim'>two pairs above the threshold</p>", "data": {"pairs": 2}}]
    assert [s["final_score"] for s in data["submissions"]] == [2.5, 0.0]
    # the extra section sits under its own heading, before the list of every submission
    assert page.index('<h2 id="similarity-h">Similar answers</h2>') < page.index('id="submissions"')
    assert "<p id='sim'>two pairs above the threshold</p>" in page
    assert "Submissions with a late penalty (1)" in page
    for forbidden in ("<script", "<link", "@import", "url(", "http://", "https://", "<img"):
        assert forbidden not in page.lower(), forbidden


def test_command_line_writes_both_files(tmp_path, make_class):
    import os
    import subprocess
    import sys

    make_class([wrong("w1"), right("r1")])
    done = subprocess.run([sys.executable, "-m", "lstmkit.grading", "report", "hw", "--json", "r.json"],
                          cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2 submissions, 1 mistake codes" in done.stdout
    assert (tmp_path / "report-hw.html").is_file() and json.loads((tmp_path / "r.json").read_text())["tested"] == 2
    missing = subprocess.run([sys.executable, "-m", "lstmkit.grading", "report", "nope"], cwd=tmp_path,
                             capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert missing.returncode == 2 and "assignment 'nope' is not in the gradebook" in missing.stderr


def test_histogram_bins_by_hand():
    h = stats.histogram([0, 0.5, 1, 9.99, 10, 10, 11], (0, 5, 10))
    assert h.counts == (3, 3)            # 11 is outside; 10 falls in the last bin, which includes its end
    assert stats.score_edges(30) == tuple(3.0 * k for k in range(11))
    assert stats.time_edges(11) == tuple(2.0 * k for k in range(11))
    assert stats.quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5 and stats.quantile([], 0.5) is None


# ------------------------------------------------------------------------------------------ codes from objects
def test_code_comes_from_the_exception_object_never_its_text():
    assert error_code(fail("lstm.gate_order", "the gates are in the wrong order")) == ("lstm.gate_order", "check")
    # what the student's code raised arrives as a trusted stand-in: a builtin type or StudentCodeError
    forged = {"ename": "CheckFailed", "evalue": "wrong\n\n[mistake lstm.gate_order]\nRead: intro.html#notation"}
    assert isinstance(student_exception(forged), StudentCodeError)
    assert error_code(student_exception(forged)) == ("error.StudentCodeError", "error")
    assert error_code(AssertionError("[mistake lstm.gate_order]")) == ("error.AssertionError", "error")
    assert error_code(CellTimeout("deadline passed")) == ("generic.timeout", "timeout")
    assert error_code(NameError("lstm_gates"), kernel_dead=True) == ("error.KernelDied", "error")
    assert error_code(KernelDied("gone")) == ("error.KernelDied", "error")


def test_a_cell_that_only_writes_to_stderr_fails_with_its_own_code():
    stderr = [nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: overflow")]
    stdout = [nbformat.v4.new_output("stream", name="stdout", text="[mistake lstm.gate_order]")]
    assert cell_verdict("t", None, stderr).code == "error.stderr"
    assert cell_verdict("t", None, stdout) is None


# ------------------------------------------------------------------------------------------ feedback and links
def test_feedback_summary_from_pointer_lines():
    nb = nbformat.v4.new_notebook()
    for gid, text in [("t1", "gates wrong\n\n[mistake lstm.gate_order]\nRead: x"), ("t2", "[mistake made.up]"),
                      ("t3", "[mistake lstm.gate_order]")]:
        cell = nbformat.v4.new_code_cell("check()", metadata={"nbgrader": {"grade": True, "grade_id": gid}})
        cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue=text, traceback=[])]
        nb.cells.append(cell)
    codes = pointer_codes(nb)
    assert codes == [("t1", "lstm.gate_order"), ("t3", "lstm.gate_order")]   # an unknown code is left out
    section = MISTAKES["lstm.gate_order"].section
    linked = summary_markdown(codes + [("t4", "error.NameError")], "https://example.org/book/")
    assert f"- `lstm.gate_order` in t1, t3: read [{section}](https://example.org/book/{section})" in linked
    assert "- `error.NameError` in t4: the test stopped with an error, not a known mistake" in linked
    assert f"read `{section}` in the book" in summary_markdown(codes, None)


def test_book_base_precedence(tmp_path, monkeypatch):
    (tmp_path / "_build" / "html" / "book").mkdir(parents=True)
    monkeypatch.delenv(booklinks.ENV, raising=False)
    assert booklinks.book_base(str(tmp_path)) == (tmp_path / "_build" / "html" / "book").as_uri() + "/"
    assert booklinks.book_base() is None                      # feedback: never the grading machine's files
    monkeypatch.setenv(booklinks.ENV, "https://example.org/b")
    assert booklinks.book_base(str(tmp_path)) == "https://example.org/b/"
    assert booklinks.book_base(str(tmp_path), given="https://x.org/book/") == "https://x.org/book/"
    assert booklinks.section_url("error.KernelDied", "https://x.org/") is None


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_part_of_the_page_passes_axe(tmp_path, make_class, browser, mode):
    """The parts the graded class of test_report.py does not show: late penalties, an added section, codes
    without a book section, a stale record; and no book URL at all."""
    from support import site_audit as sa

    students = [wrong("w1", late_penalty=1.0), right("r1"), wrong("stale", recorded_timestamp=STAMP),
                cg.Student("e1", {"test_a": 0.0, "test_a_hidden": 0.0}, status="error", reason="cell 3: timed out",
                           mistakes={"test_a": ("generic.timeout", "timeout"),
                                     "test_a_hidden": ("error.KernelDied", "error")})]
    students[2].timestamp = STAMP + dt.timedelta(hours=1)
    db = make_class(students)
    section = Section("similarity", "Similar answers", "<h3>Pairs</h3><p>No pair above the threshold.</p>")
    (tmp_path / "r.html").write_text(render(report.build(collect.read(db, COURSE_ID, "hw"), sections=[section])))
    context = browser.new_context(color_scheme=mode)
    try:
        page = context.new_page()
        page.goto((tmp_path / "r.html").as_uri())
        page.click("#submissions summary")
        assert page.evaluate("() => performance.getEntriesByType('resource').length") == 0
        violations = sa.run_axe(page)
        assert not violations, sa.describe_violations(violations)
    finally:
        context.close()
