"""The class report of a synthetic class of 60 students, graded by the real hardened grader (sandboxed).

The class is built from the known mistakes of tests/grading/exercise_fixtures/gates.py: each planted mistake is
handed in by a known number of students, and the mistake code each of its failing test cells must carry is
written down below (PLANTED), so the expected counts follow from the plan, not from the grader. The rest of the
class: correct solutions, untouched releases, one notebook that is not JSON (rejected), one whose code kills its
kernel (error), and one that prints a check's pointer and raises an AssertionError worded like a check's failure
naming another mistake (the code recorded is the grader's, not the text). One student first hands in a wrong
notebook, then a correct one, and is graded again; one unchanged student is graded twice: a regrade replaces the
rows, it never adds to the counts. The report, made
by the command line as an instructor would, must give exactly the planted counts, in its JSON and on its page;
the page loads in chromium with no request outside the file, its plots are there, and axe-core finds no WCAG 2
A/AA violation in light and dark mode, nor on a phone.

Grading the class takes a few minutes on 2 cores: it happens once for the module.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from support.grading_course import LIMITS
from support.nbgrader import copy_course, run as nbgrader, submit
from support.notebooks import known_mistakes, solved
from support.optional_deps import problem, reason

if problem("bubblewrap"):
    pytest.skip(reason("bubblewrap"), allow_module_level=True)

from lstmkit.grading import batch  # noqa: E402
from lstmkit.grading.manual import set_manual_grade  # noqa: E402
from lstmkit.grading.records import GradingRecords  # noqa: E402

ASSIGNMENT = "gates"
BOOK_URL = "https://example.org/lstm-course/book/"
GATES = ("test_lstm_gates", "test_lstm_gates_hidden")
STEP = ("test_lstm_step_forward", "test_lstm_step_forward_hidden")
LOOP = ("test_lstm_forward", "test_lstm_forward_hidden")
TESTS = GATES + STEP + LOOP

# known mistake (tests/grading/exercise_fixtures/gates.py) -> (students, {failing test cell: its mistake code})
PLANTED = {
    "swapped_gate_order": (10, {**dict.fromkeys(GATES, "lstm.gate_block"), **dict.fromkeys(STEP, "lstm.gate_order"),
                                **dict.fromkeys(LOOP, "loop.step_wrong")}),
    "unused_initial_state": (8, {**dict.fromkeys(STEP, "lstm.c_prev_unused"),
                                 **dict.fromkeys(LOOP, "loop.step_wrong")}),
    "state_not_carried": (6, dict.fromkeys(LOOP, "loop.state_not_carried")),
    "step_forget_and_input_swapped": (4, {**dict.fromkeys(STEP, "lstm.forget_input_swapped"),
                                          **dict.fromkeys(LOOP, "loop.step_wrong")}),
    "gates_naive_sigmoid": (3, dict.fromkeys(GATES, "generic.numerical_warning")),
    "loop_returns_last_h": (1, dict.fromkeys(LOOP, "loop.returns_h_as_c")),
}
SOLUTIONS = 23
# Prints a check's pointer and raises an AssertionError that reads like a check's failure: the code recorded is
# the one the grader's own check decided (the loop raised), not the text.
FORGER = """
def lstm_forward(X, h0, c0, params):
    print("[mistake lstm.gate_order]")
    raise AssertionError("lstm_forward: wrong gate order\\n\\n[mistake lstm.gate_order]\\nRead: intro.html#notation")
"""
FORGER_CODES = dict.fromkeys(LOOP, "generic.raised")
UNTOUCHED = 2        # the release as handed out: every function raises NotImplementedError
UNTOUCHED_CODES = dict.fromkeys(TESTS, "generic.raised")
KILLS_KERNEL = "import os\nos._exit(3)\n"          # in the first answer cell: every test then finds no kernel
KERNEL_CODES = dict.fromkeys(TESTS, "error.KernelDied")
CHANGED_MIND = "solution_00"    # hands in swapped_gate_order first, then the solution
MANUAL = "solution_01"          # whose written answer is graded by hand after autograding


def class_plan() -> dict[str, dict]:
    """student -> the failing cells' codes the plan expects ({} for a correct solution)."""
    plan = {}
    for case, (n, codes) in PLANTED.items():
        assert set(codes) == set(known_mistakes(ASSIGNMENT)[case]["loses"]), case  # the fixture's own losses
        plan.update({f"{case}_{k:02d}": codes for k in range(n)})
    plan.update({f"solution_{k:02d}": {} for k in range(SOLUTIONS)})
    plan.update({f"untouched_{k:02d}": UNTOUCHED_CODES for k in range(UNTOUCHED)})
    plan["kills_kernel"] = KERNEL_CODES
    plan["forger"] = FORGER_CODES
    return plan


def expected_counts(plan) -> dict[str, tuple[int, int]]:
    """code -> (students, failing cells) implied by the plan."""
    students, cells = Counter(), Counter()
    for codes in plan.values():
        for code in set(codes.values()):
            students[code] += 1
        cells.update(codes.values())
    return {code: (students[code], cells[code]) for code in students}


def notebook_for(student, release, source):
    case = student.rsplit("_", 1)[0]
    if case == "solution":
        return solved(release, source)
    if case == "untouched":
        return release
    if student == "kills_kernel":
        return solved(release, source, {"lstm_gates": KILLS_KERNEL})
    if student == "forger":
        return solved(release, source, {"lstm_forward": FORGER})
    return solved(release, source, known_mistakes(ASSIGNMENT)[case]["cells"])


def report_cli(course, *args):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([sys.executable, "-m", "lstmkit.grading", "report", ASSIGNMENT, *args], cwd=course,
                          env=env, capture_output=True, text=True, timeout=600, check=True)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The class graded (with a change of mind and a regrade) and reported: (course, plan, report JSON, rows of
    the mistakes table after the first grading)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")  # alembic
        return grade_the_class(tmp_path_factory)


def grade_the_class(tmp_path_factory):
    course = str(copy_course(tmp_path_factory.mktemp("class") / "course", [ASSIGNMENT], release=True))
    name = ASSIGNMENT + ".ipynb"
    release = nbformat.read(os.path.join(course, "exercises", ASSIGNMENT, name), 4)
    source = nbformat.read(os.path.join(course, "solutions", ASSIGNMENT, name), 4)
    plan = class_plan()
    for student in plan:
        first = "swapped_gate_order_00" if student == CHANGED_MIND else student
        submit(course, student, ASSIGNMENT, notebook_for(first, release, source))
    folder = Path(course, "submitted", "not_json", ASSIGNMENT)
    folder.mkdir(parents=True)
    (folder / name).write_text("{ this is not a notebook")
    assert len(plan) + 1 == 60
    limits = dict(LIMITS, cell_timeout=120.0, notebook_timeout=600.0, memory_mb=2048)
    batch.autograde(course, ASSIGNMENT, workers=2, log=lambda *a: None, **limits)
    with GradingRecords("sqlite:///" + os.path.join(course, "gradebook.db")) as records:
        first_rows = len(records.mistakes(ASSIGNMENT))
    nbformat.write(notebook_for(CHANGED_MIND, release, source),
                   os.path.join(course, "submitted", CHANGED_MIND, ASSIGNMENT, name))
    batch.autograde(course, ASSIGNMENT, workers=2, students=[CHANGED_MIND, "swapped_gate_order_01"],
                    log=lambda *a: None, **limits)
    set_manual_grade(course, ASSIGNMENT, MANUAL, "answer_forget_bias", 2.0)
    report_cli(course, "-o", "report.html", "--json", "report.json", "--book-url", BOOK_URL)
    data = json.loads(Path(course, "report.json").read_text())
    return course, plan, data, first_rows


def test_first_grading_recorded_the_wrong_first_notebook_too(graded_class):
    """Before the regrade the changed mind's six wrong cells were recorded: the regrade really replaced them."""
    _, plan, _, first_rows = graded_class
    assert first_rows == sum(len(codes) for codes in plan.values()) + len(PLANTED["swapped_gate_order"][1])


def test_mistake_counts_equal_the_planted_ones(graded_class):
    _, plan, data, _ = graded_class
    found = {m["code"]: (m["students"], m["occurrences"]) for m in data["mistakes"]}
    assert found == expected_counts(plan)


def test_each_student_carries_exactly_the_planted_codes(graded_class):
    _, plan, data, _ = graded_class
    by_student = {s["student"]: s for s in data["submissions"]}
    assert set(by_student) == set(plan) | {"not_json"}
    order = {cell: i for i, cell in enumerate(TESTS)}
    for student, codes in plan.items():
        expected = [codes[c] for c in sorted(codes, key=order.get)]
        assert by_student[student]["codes"] == expected, student
        assert by_student[student]["grader"] == "hardened"


def test_shares_are_of_the_students_whose_tests_ran(graded_class):
    _, plan, data, _ = graded_class
    assert data["tested"] == len(plan)  # everyone but the rejected notebook
    for m in data["mistakes"]:
        assert m["share"] == pytest.approx(m["students"] / len(plan))


def test_book_sections_are_linked(graded_class):
    from lstmkit.grading.checks.mistakes import MISTAKES

    _, _, data, _ = graded_class
    for m in data["mistakes"]:
        if m["code"] in MISTAKES:
            assert (m["section"], m["url"]) == (MISTAKES[m["code"]].section, BOOK_URL + MISTAKES[m["code"]].section)
        else:
            assert m["code"].startswith("error.") and m["url"] is None


def test_statuses_and_their_reasons(graded_class):
    _, plan, data, _ = graded_class
    statuses = {s["status"]: s for s in data["statuses"]}
    assert statuses["rejected"]["count"] == 1 and "not valid JSON" in statuses["rejected"]["reasons"][0][0]
    assert statuses["error"]["count"] == 1 and "kernel" in statuses["error"]["reasons"][0][0]
    # the untouched releases have no written answer to grade; the manual grade turned one student into graded
    assert statuses["graded"]["count"] == UNTOUCHED + 1
    assert statuses["needs_manual"]["count"] == len(plan) - UNTOUCHED - 1 - 1
    by_student = {s["student"]: s for s in data["submissions"]}
    assert by_student[MANUAL]["status"] == "graded" and by_student["kills_kernel"]["status"] == "error"


def test_cell_scores_follow_the_plan(graded_class):
    _, plan, data, _ = graded_class
    cells = {c["cell"]: c for c in data["cells"]}
    for cell in TESTS:
        losers = sum(1 for codes in plan.values() if cell in codes)
        assert (cells[cell]["zero"], cells[cell]["full"], cells[cell]["partial"]) == (losers, len(plan) - losers, 0)
        assert dict(map(tuple, cells[cell]["codes"])) == dict(Counter(c[cell] for c in plan.values() if cell in c))
    written = cells["answer_forget_bias"]
    assert written["waiting"] == len(plan) - UNTOUCHED - 1 and written["kind"] == "markdown"


def test_scores_and_grading_time(graded_class):
    _, plan, data, _ = graded_class
    graded = [s for s in data["submissions"] if s["score"] is not None]
    assert len(graded) == len(plan) and sum(data["score_histogram"]["counts"]) == len(plan)
    assert data["times"]["count"] == len(plan) + 1           # the rejected notebook took time too
    assert all(s["seconds"] > 0 for s in data["submissions"])
    assert data["times"]["median"] <= data["times"]["p90"] <= data["times"]["max"]


# ------------------------------------------------------------------------------------------ the page
RESOURCES = """() => performance.getEntriesByType('resource').map(e => e.name)"""


def open_report(browser, course, mode, viewport=None):
    """The page in a fresh context; every request other than the page itself is aborted and recorded."""
    context = browser.new_context(color_scheme=mode, viewport=viewport or {"width": 1200, "height": 900})
    page = context.new_page()
    url = Path(course, "report.html").resolve().as_uri()
    outside, errors = [], []

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)
    return context, page, outside, errors


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_page_is_self_contained_accessible_and_shows_the_counts(graded_class, browser, mode):
    from support import site_audit as sa

    course, plan, _, _ = graded_class
    context, page, outside, errors = open_report(browser, course, mode)
    try:
        assert not outside and not errors, (outside, errors)
        assert page.evaluate(RESOURCES) == []
        plots = page.evaluate("""() => [...document.querySelectorAll('svg[role=img]')].map(s => ({
            title: s.querySelector('title').textContent, marks: s.querySelectorAll('rect').length}))""")
        assert len(plots) == 4 and all(p["title"] and p["marks"] for p in plots), plots
        rows = page.evaluate("""() => [...document.querySelectorAll('#mistakes tbody tr')].map(
            tr => [...tr.children].map(td => td.textContent.trim()))""")
        assert {r[0]: (int(r[1]), int(r[3])) for r in rows} == expected_counts(plan)
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(18, 18, 18)") == (mode == "dark")
        page.click("#submissions summary")              # the hidden table is audited too
        violations = sa.run_axe(page)
        assert not violations, sa.describe_violations(violations)
    finally:
        context.close()


@pytest.mark.browser
def test_page_on_a_phone(graded_class, browser):
    from support import site_audit as sa

    course = graded_class[0]
    context, page, outside, errors = open_report(browser, course, "light", sa.PHONE)
    try:
        assert not outside and not errors
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= sa.PHONE["width"], f"the page scrolls sideways: {width} px"
        violations = sa.run_axe(page)
        assert not violations, sa.describe_violations(violations)
    finally:
        context.close()


# ------------------------------------------------------------------------------------------ feedback
def test_feedback_names_the_students_codes_with_links(graded_class, monkeypatch):
    from support.feedback_leaks import page_text

    course, plan, _, _ = graded_class
    monkeypatch.setenv("LSTMKIT_BOOK_URL", BOOK_URL)
    student = "swapped_gate_order_03"
    for who in (student, "solution_05"):
        nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", who, "--force")
    path = Path(course, "feedback", student, ASSIGNMENT, ASSIGNMENT + ".html")
    page, text = path.read_text(encoding="utf-8"), " ".join(page_text(path).split())
    assert "Mistakes the grader recognised in this notebook" in text
    from lstmkit.grading.checks.mistakes import MISTAKES

    for code in set(plan[student].values()):
        assert f"{code}" in text and f'href="{BOOK_URL}{MISTAKES[code].section}"' in page, code
    solution = page_text(Path(course, "feedback", "solution_05", ASSIGNMENT, ASSIGNMENT + ".html"))
    assert "Mistakes the grader recognised" not in solution
