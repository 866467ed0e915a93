"""What a feedback page may not show: used by the feedback tests of both graders.

The truth the pages are compared with comes from the instructor's source notebook (the hidden blocks' lines
and seeds) and from the autograded notebook (the full messages of the failing hidden tests, whose detail
names hidden sizes and indices), not from the filter under test.
"""
import html
import os
import re

import nbformat

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def page_text(path):
    """The visible text of an HTML page (tags removed, entities decoded)."""
    with open(path, encoding="utf-8") as fh:
        page = fh.read()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def hidden_lines(source_nb):
    """Every code line of the hidden blocks of ``source_nb`` (comments and blank lines left out)."""
    lines = []
    for cell in source_nb.cells:
        for block in HIDDEN.findall(cell.source):
            lines += [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    return lines


def hidden_seeds(source_nb):
    """The ``seed=N`` and ``start=N`` literals of the hidden blocks."""
    return sorted({m for line in hidden_lines(source_nb) for m in re.findall(r"\b(?:seed|start)=\d+", line)})


def _details(cell):
    return [block for out in cell.get("outputs", []) if out.get("output_type") == "error"
            for block in str(out.get("evalue", "")).split("\n\n")[1:]
            if not block.startswith("[mistake ") and len(block) > 12]


def hidden_details(autograded_nb):
    """The blocks after the first of each failing hidden test's message (the detail: sizes, indices, values),
    except the book pointer, which may be shown, and any detail a visible test printed too (the student sees
    that one anyway: the visible case failed the same way)."""
    code = [c for c in autograded_nb.cells if c.cell_type == "code"]
    visible = {d for c in code if c.metadata.get("nbgrader", {}).get("grade") and "BEGIN HIDDEN TESTS" not in c.source
               for d in _details(c)}
    return [d for c in code if "BEGIN HIDDEN TESTS" in c.source for d in _details(c) if d not in visible]


def leaks(page, source_nb, autograded_nb, paths):
    """The hidden material found in ``page`` (text): a list of short descriptions, empty when clean."""
    found = []
    flat = " ".join(page.split())
    if "HIDDEN TESTS" in page:
        found.append("the hidden-test marker")
    found += [f"hidden line {line!r}" for line in hidden_lines(source_nb) if " ".join(line.split()) in flat]
    found += [f"hidden seed {s!r}" for s in hidden_seeds(source_nb) if s in flat]
    found += [f"detail of a hidden failure {d[:60]!r}" for d in hidden_details(autograded_nb)
              if " ".join(d.split()) in flat]
    found += [f"server path {str(p)!r}" for p in paths if p and str(p) in page]
    # the grader's own files; /opt/course/... is the sandbox's copy that the student's code itself runs on
    found += [f"file path {m!r}" for m in re.findall(r"\S*(?:site-packages|lstmkit/grading)\S*", page)
              if "/opt/course/" not in m]
    return found


def check_course_feedback(course, assignment, source_nb, students, extra_paths=()):
    """{student: leaks} for every student's feedback page of ``assignment`` in ``course`` (only the students
    with leaks are listed). Raises if a page is missing."""
    bad = {}
    for student in students:
        page = page_text(os.path.join(course, "feedback", student, assignment, assignment + ".html"))
        autograded = nbformat.read(os.path.join(course, "autograded", student, assignment, assignment + ".ipynb"), 4)
        found = leaks(page, source_nb, autograded, [str(course), *extra_paths])
        if found:
            bad[student] = found
    return bad
