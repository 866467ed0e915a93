"""A summary at the top of a student's feedback: the mistakes recognised in the notebook, each with a link to
the book section that explains it (``MistakeSummary``, an nbgrader preprocessor in ``GenerateFeedback``).

The codes come from the hardened grader's records beside the gradebook (:mod:`lstmkit.grading.records`),
decided in the grader's own process, when those records describe the graded submission. For a notebook graded
by plain ``nbgrader autograde`` they are read from the pointer lines (``[mistake CODE]``) of its test cells'
error outputs, which the checks wrote inside the student's kernel: shown to that student only, and never
counted in the class report. Unknown codes are left out.

Links need the book's public address: ``c.MistakeSummary.book_url`` in ``nbgrader_config.py`` or
``LSTMKIT_BOOK_URL`` (never the grading machine's own files, which students cannot open); without one the
section is named in words.
"""
from __future__ import annotations

import re
from typing import Optional

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from . import booklinks
from .checks.mistakes import MISTAKES, POINTER

_POINTER = re.compile(re.escape(POINTER) + r"([A-Za-z0-9_.]{1,100})\]")
TITLE = "Mistakes the grader recognised in this notebook"


def recorded_codes(db_url: str, assignment: str, student: str, notebook: str) -> Optional[list[tuple[str, str]]]:
    """``[(cell, code)]`` recorded by the hardened grader for this notebook, or None when its records do not
    describe the submission in the gradebook (none, or graded again since by plain nbgrader)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .records import GradingRecords

    with GradingRecords(db_url) as records:
        run = records.run(assignment, student)
        if run is None:
            return None
        mistakes = [m for m in records.mistakes(assignment, student) if m.notebook == notebook]
    with Gradebook(db_url) as gb:
        try:
            timestamp = gb.find_submission(assignment, student).timestamp
        except MissingEntry:
            return None
    return [(m.cell, m.code) for m in mistakes] if run.matches(timestamp) else None


def pointer_codes(nb) -> list[tuple[str, str]]:
    """``[(cell, code)]`` from the pointer lines in the error outputs of the notebook's test cells."""
    found = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        for output in cell.get("outputs", []):
            match = _POINTER.search(str(output.get("evalue", ""))) if output.get("output_type") == "error" else None
            if match and match.group(1) in MISTAKES:
                found.append((meta.get("grade_id", ""), match.group(1)))
                break
    return found


def summary_markdown(codes: list[tuple[str, str]], base: Optional[str]) -> str:
    """The summary: one line per code (in the order the cells show them) with its cells and book section."""
    cells: dict[str, list[str]] = {}
    for cell, code in codes:
        cells.setdefault(code, []).append(cell)
    lines = [f"**{TITLE}** (each one links to the section of the book that explains it):", ""]
    for code, where in cells.items():
        section, url = booklinks.section_of(code), booklinks.section_url(code, base)
        read = f"read [{section}]({url})" if url else (f"read `{section}` in the book" if section else
                                                         "the test stopped with an error, not a known mistake")
        lines.append(f"- `{code}` in {', '.join(where)}: {read}")
    return "\n".join(lines)


class MistakeSummary(Preprocessor):
    """Insert the summary of recognised mistakes as the notebook's first cell (nothing when there is none)."""

    enabled = Bool(True, help="nbconvert's preprocessors are off unless enabled; this one is always on").tag(
        config=True)
    book_url = Unicode(None, allow_none=True,
                       help="the book's address (its pages' folder), for links to each mistake's section; "
                            "default: $LSTMKIT_BOOK_URL, else sections are named without a link").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        codes = None
        if all(info.get(k) for k in ("db_url", "assignment", "student", "notebook")):
            codes = recorded_codes(info["db_url"], info["assignment"], info["student"], info["notebook"])
        if codes is None:
            codes = pointer_codes(nb)
        if codes:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(summary_markdown(codes, booklinks.book_base(
                given=self.book_url))))
        return nb, resources
