"""Every known mistake of tests/exercise_fixtures/, graded in process in seconds (no nbgrader, no sandbox).

For each case the notebook of solutions/<assignment>/ is run the way nbgrader runs it, in one fresh namespace
and in notebook order: the set-up cell, the answer cells (the reference solution with the solution markers
removed, or the case's code for the cells it replaces) and every test cell, visible and hidden (hidden markers
removed). The try-it cells are left out: they grade nothing. A test cell fails when it raises or prints a
warning (nbgrader gives zero to a cell that writes to stderr). The case must lose exactly the cells it lists,
and the first visible test cell it loses must fail with an AssertionError whose message contains the case's
phrase: the diagnosis a learner needs (the gate, term, time step or convention).

The same corpus is graded with both real graders in tests/test_exercises.py (plain nbgrader) and
tests/test_grading_real.py (the hardened, sandboxed grader); this file is the fast loop for writing checks.

Speed: a test cell none of whose dependencies the case replaced gets the reference solution's outcome. Its
dependencies are the names the cell uses, followed through the globals of every function they reach (in the
case's namespace and in the reference's); a case replaces the names its cells bind or rebind (and the names the
reference's versions of those cells bind). So Reber's training runs only for the cases that change it.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import os
import re
import signal
import sys
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["rnn_limits", "gates", "cell_state", "variants", "reber"]
CELL_SECONDS = 180       # a case that loops for ever fails its cell instead of stopping the run

sys.path.insert(0, str(Path(__file__).parent))


def mistakes(assignment):
    return importlib.import_module(f"exercise_fixtures.{assignment}").SUBMISSIONS


# ------------------------------------------------------------------------------------------ the notebook
@dataclass(frozen=True)
class Cell:
    kind: str            # "setup", "answer" or "test"
    grade_id: str
    source: str


def strip_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if not re.match(r"\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$", line))


@functools.lru_cache(maxsize=None)
def notebook_cells(assignment):
    """The cells that matter for grading, in notebook order: set-up, answers, tests (markers removed)."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    cells = []
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type != "code":
            continue
        gid = meta.get("grade_id", "")
        if meta.get("solution"):
            cells.append(Cell("answer", gid, strip_markers(c.source)))
        elif meta.get("grade"):
            cells.append(Cell("test", gid, strip_markers(c.source)))
        elif gid == "setup":
            cells.append(Cell("setup", gid, c.source))
    return tuple(cells)


def graded_cells(assignment):
    return [c.grade_id for c in notebook_cells(assignment) if c.kind == "test"]


def answer_cells(assignment):
    return [c.grade_id for c in notebook_cells(assignment) if c.kind == "answer"]


# ------------------------------------------------------------------------------------------ running
@dataclass
class Run:
    outcomes: dict = field(default_factory=dict)    # test grade id -> None (passed) or (ename, message)
    bound: dict = field(default_factory=dict)       # answer grade id -> names the cell bound or rebound
    deps: dict = field(default_factory=dict)        # test grade id -> names it depends on
    reused: set = field(default_factory=set)        # test cells whose outcome is the reference's
    answer_errors: dict = field(default_factory=dict)


def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def dependencies(names, ns):
    """``names`` and every global name reached through the functions they name in ``ns``."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        obj = ns.get(name)
        if isinstance(obj, types.FunctionType) and obj.__globals__ is ns:
            todo.extend(_code_names(obj.__code__))
    return seen


class CellTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    def expire(signum, frame):
        raise CellTimeout(f"the cell ran longer than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run_test_cell(code, ns):
    """None when the cell passes, else (exception name, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with time_limit(CELL_SECONDS):
                exec(code, ns)
        except Exception as exc:  # noqa: BLE001 - a failing test cell, whatever it raised
            return type(exc).__name__, str(exc)
    printed = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    if printed:
        return "Warning", f"the cell printed a warning ({printed[0].category.__name__}: {printed[0].message})"
    return None


def run_notebook(assignment, replacements=None, reference=None):
    """Run the notebook's cells with ``replacements`` (answer grade id -> code) in a fresh namespace."""
    replacements = replacements or {}
    unknown = set(replacements) - set(answer_cells(assignment))
    assert not unknown, f"{assignment}: no answer cells {sorted(unknown)}"
    run, ns = Run(), {"__name__": "__main__"}
    touched = set()
    if reference is not None:
        for gid in replacements:
            touched |= reference.bound[gid]
    cwd = os.getcwd()
    os.chdir(ROOT / "solutions" / assignment)     # the notebooks open their data files by relative path
    try:
        for cell in notebook_cells(assignment):
            if cell.kind == "setup":
                exec(compile(cell.source, f"<{assignment}:{cell.grade_id}>", "exec"), ns)
            elif cell.kind == "answer":
                source = replacements.get(cell.grade_id, cell.source)
                before = dict(ns)
                try:
                    with time_limit(CELL_SECONDS):
                        exec(compile(source, f"<{assignment}:{cell.grade_id}>", "exec"), ns)
                except Exception as exc:  # noqa: BLE001 - the notebook goes on, as under nbgrader
                    run.answer_errors[cell.grade_id] = f"{type(exc).__name__}: {exc}"
                run.bound[cell.grade_id] = {k for k, v in ns.items() if k not in before or before[k] is not v}
                if cell.grade_id in replacements:
                    touched |= run.bound[cell.grade_id]
            else:
                code = compile(cell.source, f"<{assignment}:{cell.grade_id}>", "exec")
                run.deps[cell.grade_id] = dependencies(_code_names(code), ns)
                if reference is not None and not (run.deps[cell.grade_id] | reference.deps[cell.grade_id]) & touched:
                    run.outcomes[cell.grade_id] = reference.outcomes[cell.grade_id]
                    run.reused.add(cell.grade_id)
                else:
                    run.outcomes[cell.grade_id] = _run_test_cell(code, ns)
    finally:
        os.chdir(cwd)
    return run


@functools.lru_cache(maxsize=None)
def reference_run(assignment):
    return run_notebook(assignment)


def case_run(assignment, name):
    return run_notebook(assignment, mistakes(assignment)[name]["cells"], reference_run(assignment))


def visible_loser(spec):
    return next((k for k in spec["loses"] if not k.endswith("_hidden")), None)


def verdict(assignment, name, run):
    """What is wrong with the current checks for this case: a list of sentences (empty when all is right)."""
    spec = mistakes(assignment)[name]
    lost = {k for k, v in run.outcomes.items() if v is not None}
    want = set(spec["loses"])
    problems = []
    if run.answer_errors:
        problems.append(f"answer cells raised when defined: {run.answer_errors}")
    if lost - want:
        problems.append(f"also loses {sorted(lost - want)}")
    if want - lost:
        problems.append(f"passes {sorted(want - lost)}, which it should lose")
    if spec["message"]:
        cell = visible_loser(spec)
        outcome = run.outcomes.get(cell)
        if outcome is None:
            problems.append(f"{cell} passes, so no message")
        else:
            ename, message = outcome
            if ename != "CheckFailed":
                problems.append(f"{cell} raises {ename}, not a check's diagnosis (CheckFailed)")
            if spec["message"] not in " ".join(message.split()):
                problems.append(f"{cell}'s message lacks {spec['message']!r}")
    return problems


# ------------------------------------------------------------------------------------------ tests
CASES = [(a, name) for a in ASSIGNMENTS for name in mistakes(a)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_passes_every_test_cell(assignment):
    run = reference_run(assignment)
    assert not run.answer_errors
    assert run.outcomes and all(v is None for v in run.outcomes.values()), run.outcomes


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_cases_name_real_cells_and_a_visible_test_for_each_message(assignment):
    tests = set(graded_cells(assignment))
    for name, spec in mistakes(assignment).items():
        assert set(spec) == {"cells", "loses", "message"}, name
        assert spec["loses"] and set(spec["loses"]) <= tests, (name, set(spec["loses"]) - tests)
        assert set(spec["cells"]) <= set(answer_cells(assignment)), name
        if spec["message"]:
            assert visible_loser(spec), f"{name}: a message needs a visible test cell among the losses"


def test_dependencies_follow_the_globals_of_functions():
    """The reuse of reference outcomes is only as good as this: a test of lstm_forward depends on the step and
    the gates it calls, and on a helper that shadows lstmkit's sigmoid, not on an unrelated answer."""
    ns = {"__name__": "__main__"}
    exec("import numpy as np\n"
         "def sigmoid(a):\n    return 1 / (1 + np.exp(-a))\n"
         "def lstm_gates(x):\n    return {'i': sigmoid(x)}\n"
         "def lstm_step_forward(x):\n    return [lstm_gates(v) for v in x]\n"
         "def count_parameters(n):\n    return n\n", ns)
    code = compile("checks.check_lstm_forward(lstm_forward, lstm_step_forward)", "<t>", "exec")
    deps = dependencies(_code_names(code), ns)
    assert {"lstm_step_forward", "lstm_gates", "sigmoid", "np", "checks", "lstm_forward"} <= deps
    assert "count_parameters" not in deps


@pytest.mark.parametrize("assignment,name", CASES, ids=[f"{a}-{n}" for a, n in CASES])
def test_mistake_loses_its_cells_with_its_diagnosis(assignment, name):
    run = case_run(assignment, name)
    problems = verdict(assignment, name, run)
    shown = {k: v for k, v in run.outcomes.items() if v is not None}
    assert not problems, "; ".join(problems) + f"\nfailing cells: {shown}"


# ------------------------------------------------------------------------------------------ report
def report():
    """Markdown: for every case the current checks get wrong, what they show and what is missing."""
    lines, failing, total = [], 0, 0
    for assignment in ASSIGNMENTS:
        section = []
        for name, spec in mistakes(assignment).items():
            total += 1
            run = case_run(assignment, name)
            problems = verdict(assignment, name, run)
            if not problems:
                continue
            failing += 1
            cell = visible_loser(spec)
            shown = run.outcomes.get(cell) if cell else None
            lost = sorted(k for k, v in run.outcomes.items() if v is not None)
            section += [f"### {assignment} / {name}", "",
                        f"- expected: loses {spec['loses']}" + (f", message contains {spec['message']!r}"
                                                                if spec["message"] else ", no message asserted"),
                        f"- now: loses {lost}",
                        f"- current message of {cell}: " + (f"{shown[0]}: {shown[1]!r}" if shown else "(passes)"),
                        f"- missing: {'; '.join(problems)}", ""]
        counts = f"{len(mistakes(assignment))} cases"
        lines += [f"## {assignment} ({counts})", ""] + (section or ["All cases pass.", ""])
    head = ["# Mistake corpus: what the current checks get wrong", "",
            f"{failing} of {total} cases fail tests/test_mistake_messages.py.", ""]
    return "\n".join(head + lines)


if __name__ == "__main__":
    text = report()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    else:
        print(text)
