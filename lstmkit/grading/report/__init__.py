"""The class report: ``python -m lstmkit.grading report ASSIGNMENT -o report.html [--json report.json]``.

One module per concern: :mod:`.collect` reads the gradebook and the grader's records (:mod:`..records`),
:mod:`.stats` turns them into the figures of a :class:`~.data.ClassReport` (:mod:`.data`), :mod:`.plots`
draws SVG, :mod:`.html` writes the page, :mod:`.extras` is where other parts add sections and late penalties.
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping, Optional, Sequence

from .. import booklinks
from . import collect, stats
from .data import ClassReport, Section, to_json


def build(view: collect.GradebookView, book_url: Optional[str] = None,
          penalties: Optional[Mapping[str, float]] = None, sections: Sequence[Section] = ()) -> ClassReport:
    """The report of one assignment from what :func:`collect.read` returned."""
    rows = stats.submissions(view, penalties)
    tested = stats.tested(rows, view)
    mistakes = stats.hardened_mistakes(view, rows)
    return ClassReport(
        assignment=view.assignment, course_id=view.course_id,
        generated_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        max_score=view.max_score, book_url=book_url, tested=tested, submissions=rows,
        score_histogram=stats.histogram([s.score for s in rows if s.score is not None],
                                        stats.score_edges(view.max_score)),
        cells=stats.cell_stats(view.cells, view.grades, mistakes),
        mistakes=stats.mistake_counts(mistakes, tested, booklinks.section_of,
                                      lambda code: booklinks.section_url(code, book_url)),
        statuses=stats.status_counts(rows), times=stats.time_summary(rows), sections=tuple(sections))


def for_course(root: str, assignment: str, book_url: Optional[str] = None) -> ClassReport:
    """The report of ``assignment`` in the course folder ``root`` (the one holding ``nbgrader_config.py``)."""
    from nbgrader.api import MissingEntry

    from ..course import CourseError, load_course
    from . import extras

    coursedir, _ = load_course(root)
    release = coursedir.format_path(coursedir.release_directory, ".", assignment)
    try:
        view = collect.read(coursedir.db_url, coursedir.course_id, assignment, release)
    except MissingEntry:
        raise CourseError(f"assignment {assignment!r} is not in the gradebook {coursedir.db_url}: grade it "
                          f"first (python -m lstmkit.grading autograde {assignment})") from None
    return build(view, booklinks.book_base(coursedir.root, book_url),
                 extras.late_penalties(coursedir, assignment), extras.extra_sections(coursedir, assignment))


def write(report: ClassReport, html_path: Optional[str], json_path: Optional[str] = None) -> None:
    from .html import render

    if html_path:
        with open(html_path, "w", encoding="utf-8") as fh:
            fh.write(render(report))
    if json_path:
        with open(json_path, "w", encoding="utf-8") as fh:
            fh.write(to_json(report))


__all__ = ["ClassReport", "Section", "build", "for_course", "to_json", "write"]
