"""The exports of `python -m lstmkit.grading export` (lstmkit/grading/lms.py, export.py, grades.py), parsed back with
the csv module and compared with hand-computed grades and with the gradebook read through nbgrader's API.

A class of seven on the fixture course's two assignments, graded through the hardened grader's own gradebook
writer (`gradebook.record` on notebooks with the outputs a run leaves: a failing test cell holds an error), with
the deadline set by `nbgrader db assignment add --duedate`, an extension given by
`python -m lstmkit.grading extension` before grading, the roster from `nbgrader db student import`, a written
answer graded by `python -m lstmkit.grading manual`, and `c.LatePolicy` 10 % of the points per started day, at
most 50 %. The last test autogrades three real submissions in the sandbox and exports them.

ps1 (6 points; due 2026-11-19 16:00 UTC = 17:00 in Berlin)     ps2 (4 points; no due date)
  alice  all pass, 1 s early (CET)        -> 6                    1 + 0 + manual 1.5        -> 2.5
  bob    test_rnn (2) fails, exactly 2 days late (CET): -1.2      nothing                   -> blank
         -> 2.8
  carol  all pass, 3 days 1 h late, extension 4 days -> 6         1 + 1, answer ungraded    -> blank (needs_manual)
  dave   handed in, never graded (no names)   -> blank            nothing                   -> blank
  erin   nothing                              -> blank            nothing                   -> blank
  frank  only test_sigmoid (1), 10 days late: 3.0 capped, -1 -> 0 1 + 0 + manual 0          -> 1
  gina   all pass, 9 days 1 s late (-05:00): 3.0 capped -> 3      nothing                   -> blank
"""
import csv
import datetime as dt
import math
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from support.grading_course import LIMITS, load_corpus, make_course, nbgrader, write_submission
from support.optional_deps import needs

DUE = "2026-11-19 17:00:00 Europe/Berlin"
POLICY = ("\nc.LatePolicy.penalty_per_day = 0.1\nc.LatePolicy.max_penalty = 0.5\n"
          'c.ExportApp.plugin_class = "lstmkit.grading.export.GradesCsv"\n')   # as the course's nbgrader_config.py
PEOPLE = {"alice": ("Alice", "Ames", "alice@example.org", "101"),
          "bob": ("Bob", "Berg", "bob@example.org", "102"),
          "carol": ("Carol Ann", "Cruz, Jr.", "carol@example.org", "103"),  # a comma to quote
          "erin": ("Erin", "Eck", "erin@example.org", "105"),
          "frank": ("Frank", "Fox", "frank@example.org", "106"),
          "gina": ("Gina", "Gould", "gina@example.org", "107")}  # dave: no record, seen only in submitted/
FAILING = {("alice", "ps1"): set(), ("bob", "ps1"): {"test_rnn"}, ("carol", "ps1"): set(),
           ("frank", "ps1"): {"test_gates", "test_rnn", "test_dtype"}, ("gina", "ps1"): set(),
           ("alice", "ps2"): {"test_halve"}, ("carol", "ps2"): set(), ("frank", "ps2"): {"test_halve"}}
STAMPS = {("alice", "ps1"): "2026-11-19 16:59:59.000000 CET", ("bob", "ps1"): "2026-11-21 17:00:00.000000 CET",
          ("carol", "ps1"): "2026-11-22 17:00:00.000000 UTC", ("dave", "ps1"): "2026-11-19 10:00:00.000000 UTC",
          ("frank", "ps1"): "2026-11-29 16:00:00.000000 UTC", ("gina", "ps1"): "2026-11-28T11:00:01-05:00",
          ("alice", "ps2"): "2026-11-30 10:00:00.000000 UTC", ("carol", "ps2"): "2026-11-30 10:00:00.000000 UTC",
          ("frank", "ps2"): "2026-12-09 10:00:00.000000 UTC"}
MANUAL = {("alice", "ps2"): 1.5, ("frank", "ps2"): 0.0}
FINAL = {("alice", "ps1"): "6", ("bob", "ps1"): "2.8", ("carol", "ps1"): "6", ("frank", "ps1"): "0",
         ("gina", "ps1"): "3", ("alice", "ps2"): "2.5", ("frank", "ps2"): "1"}  # by hand; any other cell blank
STUDENTS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
NOTEBOOKS = {"ps1": ["lstm_gate"], "ps2": ["part_a", "part_b"]}


# ------------------------------------------------------------------------------------------------ the class
def cli(course, *args):
    return subprocess.run([sys.executable, "-m", "lstmkit.grading", *args], cwd=course, capture_output=True,
                          text=True, timeout=300)


def ran_notebook(course, assignment, name, failing):
    """The released notebook as a grading run leaves it: an error output in each failing test cell, and a written
    answer (an untouched one would be an automatic 0, "No response.")."""
    nb = nbformat.read(os.path.join(course, "exercises", assignment, name + ".ipynb"), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in failing:
            cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong", traceback=[])]
        if grade_id == "answer_forget":
            cell.source = "The forget gate can reset the cell state."
    return nb


def hand_in(course, student, assignment):
    folder = os.path.join(course, "submitted", student, assignment)
    os.makedirs(folder)
    for name in NOTEBOOKS[assignment]:
        shutil.copy(os.path.join(course, "exercises", assignment, name + ".ipynb"), folder)
    with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
        fh.write(STAMPS[student, assignment])


def record_graded(course, student, assignment):
    from lstmkit.grading import course as course_mod
    from lstmkit.grading.gradebook import record

    coursedir, _ = course_mod.load_course(course)
    spec = course_mod.assignment_spec(coursedir, assignment)
    notebooks = {n: ran_notebook(course, assignment, n, FAILING[student, assignment]) for n in NOTEBOOKS[assignment]}
    return record(coursedir, spec, {"student": student, "status": "graded", "notebooks": notebooks})


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(str(tmp_path_factory.mktemp("lms") / "course"), extra_config=POLICY)
    nbgrader(course, "generate_assignment", "ps2", "--force")
    nbgrader(course, "db", "assignment", "add", "ps1", f"--duedate={DUE}")
    with open(os.path.join(course, "students.csv"), "w", newline="") as fh:   # the documented roster import
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email", "lms_user_id"])
        writer.writerows([student, *fields] for student, fields in PEOPLE.items())
    nbgrader(course, "db", "student", "import", "students.csv")
    done = cli(course, "extension", "ps1", "carol", "--days", "4")   # before carol's work is graded
    assert done.returncode == 0 and "carol: due 2026-11-23 16:00:00 UTC" in done.stdout, done.stderr
    for student, assignment in STAMPS:
        hand_in(course, student, assignment)
    for student, assignment in FAILING:
        assert record_graded(course, student, assignment)["status"] in ("graded", "needs_manual")
    for (student, assignment), score in MANUAL.items():
        done = cli(course, "manual", assignment, student, "answer_forget", str(score), "--notebook", "part_b")
        assert done.returncode == 0, done.stderr
    return course


def exported(course, fmt, *options):
    path = os.path.join(course, f"out-{fmt}-{len(options)}.csv")
    done = cli(course, "export", "ps1", "ps2", "--format", fmt, "-o", path, *options)
    assert done.returncode == 0, done.stderr
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh)), done.stderr


def from_gradebook(course, assignments=("ps1", "ps2")):
    """(student, assignment) -> final score of each fully graded submission, computed a second way: nbgrader's
    own score and `total_seconds_late` (extension included) with the policy's arithmetic."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db"), "lstm-fixture") as gb:
        for assignment in assignments:
            for sub in gb.find_assignment(assignment).submissions:
                if sub.needs_manual_grade:
                    continue
                days = math.ceil(sub.total_seconds_late / 86400)
                penalty = min(min(0.1 * days, 0.5) * sub.max_score, sub.score)
                found[sub.student_id, assignment] = round(sub.score - penalty, 2)
    return found


# ------------------------------------------------------------------------------------------------ the tests
def test_canvas_file_parses_back_to_the_gradebook(course):
    rows, err = exported(course, "canvas", "--canvas-assignment", "ps2=4711")
    header, points, *students = rows
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps1", "ps2 (4711)"]
    assert points == ["Points Possible", "", "", "", "", "6", "4"]
    by_login = {r[3]: r for r in students}
    assert sorted(by_login) == STUDENTS
    for student in STUDENTS:
        first, last, _, lms_id = PEOPLE.get(student, ("", "", "", ""))
        name = f"{last}, {first}" if first else ""
        assert by_login[student][:5] == [name, lms_id, "", student, ""]
        assert by_login[student][5:] == [FINAL.get((student, a), "") for a in ("ps1", "ps2")], student
    truth = from_gradebook(course)
    assert {(s, a): float(by_login[s][5 + i]) for s in STUDENTS for i, a in enumerate(("ps1", "ps2"))
            if by_login[s][5 + i]} == truth
    assert "left blank: ps1, dave: handed in but not graded (not_graded)" in err
    assert "left blank: ps2, carol: waits for a manual grade (needs_manual)" in err
    assert "ps2: no due date in the gradebook" in err and "ps1: no due date" not in err


def test_moodle_file_parses_back_to_the_gradebook(course):
    rows, _ = exported(course, "moodle")
    header, *students = rows
    assert header == ["First name", "Last name", "Username", "Email address", "User ID", "ps1", "ps2"]
    by_username = {r[2]: r for r in students}
    assert sorted(by_username) == STUDENTS
    for student in STUDENTS:
        first, last, email, lms_id = PEOPLE.get(student, ("", "", "", ""))
        assert by_username[student] == [first, last, student, email, lms_id] + [
            FINAL.get((student, a), "") for a in ("ps1", "ps2")]
    assert {(s, a): float(by_username[s][5 + i]) for s in STUDENTS for i, a in enumerate(("ps1", "ps2"))
            if by_username[s][5 + i]} == from_gradebook(course)


def test_moodle_refuses_to_match_on_a_field_some_students_lack(course):
    done = cli(course, "export", "ps1", "--format", "moodle", "--moodle-match", "email", "-o", "x.csv")
    assert done.returncode == 2
    assert "--moodle-match email: no email in the gradebook for dave;" in done.stderr
    assert not os.path.exists(os.path.join(course, "x.csv"))


def test_missing_as_zero_fills_only_missing_submissions(course):
    rows, _ = exported(course, "canvas", "--missing-as-zero")
    by_login = {r[3]: r[5:] for r in rows[2:]}
    assert by_login["erin"] == ["0", "0"] and by_login["bob"][1] == "0"
    assert by_login["dave"][0] == "" and by_login["carol"][1] == ""   # not graded, waiting: still blank


def test_csv_keeps_raw_score_penalty_status_and_lateness(course):
    rows, _ = exported(course, "csv")
    header, *body = rows
    got = {(r[3], r[0]): dict(zip(header, r)) for r in body}
    want = {  # raw, penalty, score, status, days_late, extension_hours
        ("alice", "ps1"): ("6.0", "0.0", "6.0", "graded", "0", ""),
        ("bob", "ps1"): ("4.0", "1.2", "2.8", "graded", "2", ""),
        ("carol", "ps1"): ("6.0", "0.0", "6.0", "graded", "0", "96"),
        ("dave", "ps1"): ("0.0", "0.0", "0.0", "not_graded", "0", ""),
        ("erin", "ps1"): ("0.0", "0.0", "0.0", "not_submitted", "0", ""),
        ("frank", "ps1"): ("1.0", "1.0", "0.0", "graded", "10", ""),
        ("gina", "ps1"): ("6.0", "3.0", "3.0", "graded", "10", ""),
        ("alice", "ps2"): ("2.5", "0.0", "2.5", "graded", "0", ""),
        ("carol", "ps2"): ("2.0", "0.0", "2.0", "needs_manual", "0", ""),
        ("frank", "ps2"): ("1.0", "0.0", "1.0", "graded", "0", ""),
    }
    for key, (raw, penalty, score, status, days, extension) in want.items():
        row = got[key]
        assert (row["raw_score"], row["late_submission_penalty"], row["score"], row["status"], row["days_late"],
                row["extension_hours"]) == (raw, penalty, score, status, days, extension), key
    assert got["bob", "ps1"]["duedate"] == "2026-11-19 16:00:00"
    assert got["bob", "ps1"]["timestamp"] == "2026-11-21 16:00:00"
    assert got["gina", "ps1"]["timestamp"] == "2026-11-28 16:00:01"
    assert {k for k, r in got.items() if r["status"] == "not_submitted"} == {
        ("bob", "ps2"), ("dave", "ps2"), ("erin", "ps1"), ("erin", "ps2"), ("gina", "ps2")}


def test_nbgrader_export_writes_the_same_csv(course):
    rows, _ = exported(course, "csv")
    nbgrader(course, "export", "--to=nbgrader.csv")
    with open(os.path.join(course, "nbgrader.csv"), newline="") as fh:
        header, *body = list(csv.reader(fh))
    assert header == rows[0] and sorted(body) == sorted(rows[1:])   # nbgrader lists undated assignments first


def test_typed_grades_for_the_class_report(course):
    from lstmkit.grading.grades import StudentGrade, class_grades

    grades = {(g.student.id, g.assignment): g for g in class_grades(course, ["ps1"])}
    bob = grades["bob", "ps1"]
    assert isinstance(bob, StudentGrade)
    assert (bob.raw_score, bob.penalty, bob.score, bob.status) == (4.0, 1.2, 2.8, "graded")
    assert (bob.lateness.days_late, bob.lateness.seconds_late) == (2, 2 * 86400.0)
    assert bob.student.email == "bob@example.org" and bob.student.lms_user_id == "102"
    carol = grades["carol", "ps1"].lateness
    assert carol.extension == dt.timedelta(days=4)
    assert carol.deadline == dt.datetime(2026, 11, 23, 16, tzinfo=dt.timezone.utc)
    assert grades["dave", "ps1"].raw_score is None and grades["dave", "ps1"].score is None


def test_a_malformed_timestamp_stops_the_export_naming_the_file(tmp_path):
    course = make_course(str(tmp_path / "course"), extra_config=POLICY)
    hand_in(course, "carol", "ps1")
    record_graded(course, "carol", "ps1")
    with open(os.path.join(course, "submitted", "carol", "ps1", "timestamp.txt"), "w") as fh:
        fh.write("2026-11-20 10:00:00.000000 CEST")   # nbgrader's own reader takes it for UTC
    done = cli(course, "export", "ps1", "--format", "canvas")
    assert done.returncode == 2
    assert os.path.join("submitted", "carol", "ps1", "timestamp.txt") in done.stderr
    assert "unknown time zone 'CEST'" in done.stderr


def test_an_extension_survives_a_rejected_resubmission(tmp_path):
    from nbgrader.api import Gradebook

    from lstmkit.grading import course as course_mod
    from lstmkit.grading.gradebook import record
    from lstmkit.grading.grades import class_grades

    course = make_course(str(tmp_path / "course"))
    assert cli(course, "extension", "ps1", "carol", "--hours", "36").returncode == 0
    hand_in(course, "carol", "ps1")
    record_graded(course, "carol", "ps1")
    coursedir, _ = course_mod.load_course(course)
    record(coursedir, course_mod.assignment_spec(coursedir, "ps1"),
           {"student": "carol", "status": "rejected", "reason": "not valid JSON"})
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db"), "lstm-fixture") as gb:
        assert gb.find_submission("ps1", "carol").extension == dt.timedelta(hours=36)
    (grade,) = class_grades(course, ["ps1"])
    assert (grade.status, grade.raw_score) == ("not_graded", None)
    refused = cli(course, "extension", "ps1", "carol", "--days", "-1")
    assert refused.returncode == 2 and "extension: expected 0 or more" in refused.stderr
    assert cli(course, "extension", "ps1", "carol").returncode == 0    # no time given: removed
    (grade,) = class_grades(course, ["ps1"])
    assert grade.lateness.extension is None


# ------------------------------------------------------------------------------------- through the sandbox
@needs("bubblewrap")
def test_end_to_end_autograde_then_export(tmp_path):
    """Three real submissions through the hardened grader, then both LMS files: the corpus's controls give the
    raw scores (6, 6 and 1: only test_sigmoid passes), the policy the penalties."""
    import dataclasses

    from lstmkit.grading import batch

    corpus = load_corpus()
    perfect, partial = corpus.CONTROLS[0], corpus.CONTROLS[2]
    course = make_course(str(tmp_path / "course"), extra_config=POLICY)
    nbgrader(course, "db", "assignment", "add", "ps1", f"--duedate={DUE}")
    stamps = {"early": (perfect, "2026-11-21T12:00:00+01:00"),          # 1 day 19 h late, 2 days' extension
              "late": (perfect, "2026-11-21 17:00:00.000000 CET"),      # exactly 2 days late: -1.2
              "partial": (partial, "2026-11-19 16:00:01.000000 UTC")}   # 1 s late: -0.6 of 1
    for name, (case, stamp) in stamps.items():
        write_submission(course, dataclasses.replace(case, name=name))
        with open(os.path.join(course, "submitted", name, "ps1", "timestamp.txt"), "w") as fh:
            fh.write(stamp)
    assert cli(course, "extension", "ps1", "early", "--days", "2").returncode == 0
    rows = batch.autograde(course, "ps1", workers=2, log=lambda *a: None, **LIMITS)
    assert {r["student"]: (r["status"], r["score"]) for r in rows} == {
        "early": ("graded", 6.0), "late": ("graded", 6.0), "partial": ("graded", 1.0)}
    canvas, _ = exported_one(course, "canvas")
    moodle, _ = exported_one(course, "moodle")
    want = {"early": "6", "late": "4.8", "partial": "0.4"}
    assert {r[3]: r[5] for r in canvas[2:]} == want
    assert {r[2]: r[5] for r in moodle[1:]} == want
    assert {k: float(v) for k, v in want.items()} == {s: v for (s, a), v in from_gradebook(course, ["ps1"]).items()}


def exported_one(course, fmt):
    path = os.path.join(course, f"ps1-{fmt}.csv")
    done = cli(course, "export", "ps1", "--format", fmt, "-o", path)
    assert done.returncode == 0, done.stderr
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh)), done.stderr


def test_class_report_shows_the_policy_penalties_and_the_similarity_section(course):
    """`report` takes each student's penalty from the late policy (the hand-computed ones of the table above) and
    embeds the similarity of the answer cells, in the page and in the JSON."""
    import json

    done = cli(course, "report", "ps1", "-o", "report-ps1.html", "--json", "report-ps1.json")
    assert done.returncode == 0, done.stderr
    with open(os.path.join(course, "report-ps1.json"), encoding="utf-8") as fh:
        report = json.load(fh)
    rows = {r["student"]: r for r in report["submissions"]}
    penalties = {s: rows[s]["late_penalty"] for s in ("alice", "bob", "carol", "frank", "gina")}
    assert penalties == {"alice": 0.0, "bob": 1.2, "carol": 0.0, "frank": 1.0, "gina": 3.0}, penalties
    finals = {s: rows[s]["final_score"] for s in penalties}
    assert {s: str(round(v, 2)).removesuffix(".0") for s, v in finals.items()} == \
        {s: FINAL[s, "ps1"] for s in penalties}, finals
    (section,) = [s for s in report["sections"] if s["id"] == "similarity"]
    handed_in = sorted(s for s, a in STAMPS if a == "ps1")
    # everyone handed in the release's own cells: 15 pairs compared, none flagged (given code never counts)
    assert section["data"]["students"] == handed_in and section["data"]["pairs_compared"] == 15
    assert section["data"]["flagged"] == 0
    with open(os.path.join(course, "report-ps1.html"), encoding="utf-8") as fh:
        page = fh.read()
    assert "Similar answers" in page and "nothing here accuses anyone" in page
