"""Grades in the import formats of Canvas's and Moodle's gradebooks: ``python -m lstmkit.grading export``.

One row per student, one column per assignment, holding the final score (raw score minus the late penalty,
:mod:`lstmkit.grading.grades`), written with at most two decimals (both gradebooks show two).
Only a ``graded`` submission has a score in these files. A cell is left **blank** when the student handed in
nothing (``not_submitted``; ``--missing-as-zero`` writes 0 instead), when the notebook was not graded
(``not_graded``: rejected or unreadable, fix and grade it) and when a written answer still waits for its manual
grade (``needs_manual``); the command names every blank it leaves that is not a missing submission.
A blank is no grade in both gradebooks: Canvas leaves the student's grade as it is, Moodle records "no grade".

**Canvas** (*Grades > Import*; the importer's rules are those of ``app/models/gradebook_importer.rb`` in
canvas-lms, the guide is
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807):
the columns ``Student, ID, SIS User ID, SIS Login ID, Section``, then one per assignment, named ``Name`` or
``Name (Canvas assignment id)`` when ``--canvas-assignment NAME=ID`` gives its id (an existing assignment is
matched by id, then by exact name; any other column creates a new assignment), and a second row ``Points
Possible`` with each assignment's points. ``Student`` is ``Last, First`` from nbgrader's Student table, ``ID`` its
``lms_user_id`` (Canvas's user id; blank when not set), ``SIS Login ID`` the nbgrader student id, ``SIS User ID``
and ``Section`` blank. Canvas finds each student by ID, then SIS Login ID, then name; one it cannot find is
listed in its import preview to be matched by hand.

**Moodle** (*Grades > Import > CSV file*, https://docs.moodle.org/en/Grade_import; the importer is
``grade/import/csv/classes/load_data.php``): the columns ``First name, Last name, Username, Email address,
User ID``, then one per assignment, named as the assignment. In the import preview set *Identify user by*:
*Map from* the column of ``--moodle-match`` and *Map to* the matching Moodle field (``username`` -> Username /
``username``, ``email`` -> Email address / ``useremail``, ``lms_user_id`` -> User ID / ``userid``), and map each
assignment column to its grade item (whose maximum grade should be the assignment's points, which the command
prints). Moodle stops the whole import at a row whose student it cannot find, and gives a row with an empty
identifier to the student of the row above (``prepare_import_grade_data`` keeps the last ``studentid``), so every
student needs the chosen field: a missing one is an error naming the students, not a blank.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from .course import CourseError
from .grades import StudentGrade, StudentId

FORMATS = ("canvas", "moodle", "csv")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["First name", "Last name", "Username", "Email address", "User ID"]
MOODLE_MATCH = {"username": "id", "email": "email", "lms_user_id": "lms_user_id"}  # --moodle-match -> StudentId
BLANK_REASONS = {"not_graded": "handed in but not graded", "needs_manual": "waits for a manual grade"}


@dataclass(frozen=True)
class ExportOptions:
    """What the LMS formats need beyond the grades: see the module's docstring."""

    missing_as_zero: bool = False
    canvas_ids: Dict[str, str] = field(default_factory=dict)  # assignment -> Canvas assignment id
    moodle_match: str = "username"


@dataclass(frozen=True)
class Table:
    """The grades pivoted: assignments (with their points), students, and cell text per (student, assignment)."""

    assignments: List[str]
    points: Dict[str, float]
    students: List[StudentId]
    cells: Dict[tuple, str]
    blanks: List[StudentGrade]


def score_text(points: Optional[float]) -> str:
    """``6.3``, ``7``, ``0``: at most two decimals, no trailing zeros; blank for None."""
    if points is None:
        return ""
    return f"{round(points, 2) + 0.0:.2f}".rstrip("0").rstrip(".")


def table(grades: Sequence[StudentGrade], missing_as_zero: bool = False) -> Table:
    assignments, points, people, cells, blanks = [], {}, {}, {}, []
    for grade in grades:
        if grade.assignment not in points:
            assignments.append(grade.assignment)
            points[grade.assignment] = grade.max_score
        people.setdefault(grade.student.id, grade.student)
        if grade.status == "graded":
            cells[grade.student.id, grade.assignment] = score_text(grade.score)
        elif grade.status == "not_submitted" and missing_as_zero:
            cells[grade.student.id, grade.assignment] = "0"
        else:
            cells[grade.student.id, grade.assignment] = ""
            if grade.status in BLANK_REASONS:
                blanks.append(grade)
    return Table(assignments, points, [people[k] for k in sorted(people)], cells, blanks)


def canvas_rows(grades: Sequence[StudentGrade], options: ExportOptions) -> List[List[str]]:
    """Header, ``Points Possible`` and one row per student, in Canvas's gradebook import format."""
    t = table(grades, options.missing_as_zero)
    unknown = sorted(set(options.canvas_ids) - set(t.assignments))
    if unknown:
        raise CourseError(f"--canvas-assignment: {unknown} not among the exported assignments {t.assignments}")
    for name, number in options.canvas_ids.items():
        if not str(number).isdigit():
            raise CourseError(f"--canvas-assignment: expected {name}=<the number in the assignment's Canvas "
                              f"address>, got {name}={number}")
    header = CANVAS_IDENTITY + [f"{a} ({options.canvas_ids[a]})" if a in options.canvas_ids else a
                                for a in t.assignments]
    rows = [header, ["Points Possible", "", "", "", ""] + [score_text(t.points[a]) for a in t.assignments]]
    for who in t.students:
        name = ", ".join(part for part in (who.last_name, who.first_name) if part)
        rows.append([name, who.lms_user_id or "", "", who.id, ""] + [t.cells[who.id, a] for a in t.assignments])
    return rows


def moodle_rows(grades: Sequence[StudentGrade], options: ExportOptions) -> List[List[str]]:
    """Header and one row per student, for Moodle's CSV grade import."""
    if options.moodle_match not in MOODLE_MATCH:
        raise CourseError(f"--moodle-match: expected one of {sorted(MOODLE_MATCH)}, got {options.moodle_match!r}")
    t = table(grades, options.missing_as_zero)
    attribute = MOODLE_MATCH[options.moodle_match]
    lacking = [who.id for who in t.students if not getattr(who, attribute)]
    if lacking:
        raise CourseError(
            f"--moodle-match {options.moodle_match}: no {attribute} in the gradebook for {', '.join(lacking)}; "
            f"Moodle would stop the import at their rows. Add it (`nbgrader db student add ID "
            f"--{attribute.replace('_', '-')}=...` or `nbgrader db student import students.csv`) or match on "
            "another field")
    rows = [MOODLE_IDENTITY + list(t.assignments)]
    for who in t.students:
        rows.append([who.first_name or "", who.last_name or "", who.id, who.email or "", who.lms_user_id or ""]
                    + [t.cells[who.id, a] for a in t.assignments])
    return rows


def write_rows(rows: List[List[str]], dest: str) -> None:
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def export(root: str, assignments: Sequence[str], fmt: str, dest: Optional[str] = None,
           options: ExportOptions = ExportOptions(), log=print) -> str:
    """Write ``assignments``' grades of the course at ``root`` as ``fmt`` to ``dest``; returns the path."""
    from . import grades as grades_mod
    from .export import write_csv

    if fmt not in FORMATS:
        raise CourseError(f"--format: expected one of {list(FORMATS)}, got {fmt!r}")
    dest = dest or f"grades-{fmt}.csv"
    grades = grades_mod.class_grades(root, list(assignments))
    if fmt == "csv":
        write_csv(grades, dest)
    else:
        write_rows(canvas_rows(grades, options) if fmt == "canvas" else moodle_rows(grades, options), dest)
        report_blanks(table(grades, options.missing_as_zero), log)
    warn_undated(root, grades, log)
    return dest


def warn_undated(root, grades, log) -> None:
    """With a late policy configured, name the assignments that have no due date (nobody is late there)."""
    from .course import load_course
    from .late import LatePolicy

    if not LatePolicy(config=load_course(root)[1]).rule().active:
        return
    for name in sorted({g.assignment for g in grades if g.lateness.duedate is None}):
        log(f"{name}: no due date in the gradebook, so c.LatePolicy finds nobody late; set one with "
            f"`nbgrader db assignment add {name} --duedate=\"YYYY-MM-DD HH:MM:SS Europe/Berlin\"`")


def report_blanks(t: Table, log) -> None:
    for a in t.assignments:
        log(f"{a}: {score_text(t.points[a])} points")
    for grade in t.blanks:
        log(f"  left blank: {grade.assignment}, {grade.student.id}: {BLANK_REASONS[grade.status]} ({grade.status})")


def parse_canvas_ids(pairs: Optional[Sequence[str]]) -> Dict[str, str]:
    """``["ps1=123", ...]`` -> ``{"ps1": "123"}``; an item without ``=`` is an error naming it."""
    found = {}
    for pair in pairs or ():
        name, sep, number = pair.partition("=")
        if not sep or not name:
            raise CourseError(f"--canvas-assignment: expected NAME=ID (e.g. ps1=4711), got {pair!r}")
        found[name] = number
    return found


def main(root, args) -> int:
    """``export`` of ``python -m lstmkit.grading``."""
    options = ExportOptions(missing_as_zero=args.missing_as_zero, canvas_ids=parse_canvas_ids(args.canvas_assignment),
                            moodle_match=args.moodle_match)
    dest = export(root, args.assignments, args.format, args.output, options,
                  log=lambda line: print(line, file=sys.stderr))
    print(f"{', '.join(args.assignments)}: {args.format} gradebook written to {dest}")
    return 0
