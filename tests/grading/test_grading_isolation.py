"""What a student's code can read inside the grader's sandbox: no hidden test, no reference implementation.

For every real assignment (lstmkit.grading.exercises.ASSIGNMENTS) this starts a shell in the very sandbox
the hardened grader uses (sandbox.bwrap_options around that assignment's student build of lstmkit), as an
unprivileged uid like the student's kernel, and greps its whole visible filesystem (all of it but /proc,
/sys and /dev) for

- every line (stripped, >= 25 characters) of every ``### BEGIN HIDDEN TESTS`` block of the solution
  notebooks, as written and as it appears JSON-escaped inside a notebook file;
- every line (stripped, >= 30 characters) of the *bodies* of the assignment's hidden references (the
  functions, classes and methods of exercises.hidden_for; for a module, every function and class in it)
  that occurs nowhere else in the real lstmkit package.

None may be found. The time of each grep is printed (run with -s to see it).
"""

import ast
import glob
import importlib
import inspect
import json
import os
import subprocess
import textwrap
import time

from support import optional_deps
from support.notebooks import ASSIGNMENTS, HIDDEN, region, source_notebook
import pytest

if optional_deps.problem("bubblewrap"):
    pytest.skip(optional_deps.reason("bubblewrap"), allow_module_level=True)

from lstmkit.grading import exercises, sandbox, student_build  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(REPO, "lstmkit")
PROBE_UID = 61099  # an unprivileged uid, as the student's kernel drops to (batch.UID_BASE + slot)


def hidden_test_lines():
    return {line.strip() for assignment in ASSIGNMENTS for cell in source_notebook(assignment).cells
            for line in region(cell.source, *HIDDEN) if len(line.strip()) >= 25}


def _resolve(dotted):
    """The module, or the object inside a module, named ``dotted``."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _body_spans(node):
    """(first, last) line numbers of the bodies of ``node`` and of every def and class inside it."""
    spans = []
    for inner in ast.walk(node):
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and inner.body:
            spans.append((inner.body[0].lineno, inner.end_lineno))
    return spans


def reference_lines(assignment):
    """Lines unique to the bodies of the assignment's hidden references (see the module docstring)."""
    whole = {}  # file -> [(first, last)] of the hidden objects, headers included
    bodies = {}  # file -> [(first, last)] of their bodies
    for dotted in exercises.hidden_for(assignment):
        obj = _resolve(dotted)
        path = os.path.realpath(inspect.getsourcefile(obj))
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        if inspect.ismodule(obj):
            tree = ast.parse(source)
            whole.setdefault(path, []).append((1, len(source.splitlines())))
            bodies.setdefault(path, []).extend(_body_spans(tree))
            continue
        lines, start = inspect.getsourcelines(obj)
        node = ast.parse(textwrap.dedent("".join(lines))).body[0]
        whole.setdefault(path, []).append((start, start + len(lines) - 1))
        bodies.setdefault(path, []).extend((a + start - 1, b + start - 1) for a, b in _body_spans(node))
    if not bodies:
        return set()
    hidden, elsewhere = set(), set()
    for path in glob.glob(os.path.join(PACKAGE, "**", "*.py"), recursive=True):
        path = os.path.realpath(path)
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if any(a <= number <= b for a, b in bodies.get(path, ())):
                hidden.add(text)
            elif not any(a <= number <= b for a, b in whole.get(path, ())):
                elsewhere.add(text)
    headers = ("def ", "async def ", "class ", "@")  # nested signatures: a stand-in keeps its own
    return {line for line in hidden - elsewhere if len(line) >= 30 and not line.startswith(headers)}


def needles(assignment):
    found = hidden_test_lines() | reference_lines(assignment)
    escaped = {json.dumps(line)[1:-1] for line in found}  # as the line appears inside a notebook's JSON
    return sorted(found | escaped)


# Every top-level folder but /proc, /sys, /dev and symbolic links (/bin, /lib... point into /usr, which is
# searched anyway). -o -Z: each match as "file NUL needle", -a: binary files too.
SHELL = ("cd / && exec grep -rFoaZs -f - -- "
         "$(for d in /* /.[!.]*; do [ -d \"$d\" ] && [ ! -L \"$d\" ] && echo \"$d\"; done "
         "| grep -vxE '/(proc|sys|dev)')")
STUDENT_SIDE = ("/opt/course/", "/seed/", "/scratch/", "/tmp/")


def on_student_side(path):
    """A file the student's side of the sandbox holds (its build of lstmkit, its files, its tmpfs), not one of the
    read-only folders bound from the host (a checkout under /tmp has its venv there)."""
    bound = tuple(root.rstrip("/") + "/" for root in sandbox.read_only_paths())
    return path.startswith(STUDENT_SIDE) and not path.startswith(bound)


def run_in_sandbox(scratch, build, shell, stdin, timeout):
    """Run ``sh -c shell`` in the sandbox exactly as the grader starts a kernel (sandbox.spawn). As root it runs
    as the sandbox's root, before any drop of privileges: it sees everything the kernel could."""
    proc = sandbox.spawn(str(scratch), build.root, PROBE_UID, ["sh", "-c", shell], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
    out, err = proc.communicate(stdin, timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def grep_in_sandbox(assignment, patterns, tmp_path):
    build = student_build.build(str(tmp_path / f"build-{assignment}"), assignment)
    scratch = tmp_path / f"scratch-{assignment}"
    scratch.mkdir()
    start = time.monotonic()
    done = run_in_sandbox(scratch, build, SHELL, "\n".join(patterns) + "\n", 1800)
    return done, time.monotonic() - start


@pytest.mark.parametrize("assignment", sorted(exercises.ASSIGNMENTS))
def test_sandbox_shows_no_hidden_test_and_no_reference(assignment, tmp_path):
    patterns = needles(assignment)
    assert len(hidden_test_lines()) > 10
    if exercises.hidden_for(assignment):
        assert reference_lines(assignment), "the hidden references must give lines to look for"
    done, seconds = grep_in_sandbox(assignment, patterns, tmp_path)
    print(f"\n{assignment}: {len(patterns)} needles, grep of the sandbox took {seconds:.1f} s")
    # status 2 with -s: some files could not be read (the uid may not); the planted-needle test shows the
    # search itself works
    assert done.returncode in (0, 1, 2) and done.stdout is not None, done.stderr[-2000:]
    matched = {}
    for line in done.stdout.splitlines():
        path, _, needle = line.partition("\0")
        matched.setdefault(path, set()).add(needle)
    tests = hidden_test_lines() | {json.dumps(line)[1:-1] for line in hidden_test_lines()}
    leaks, coincidences = {}, {}
    for path, found in sorted(matched.items()):
        # a hidden test line anywhere, any reference line next to the student's code, or a file holding
        # several lines of a reference is a leak; one or two common lines of Python elsewhere
        # ("if not isinstance(string, str):" in pygments) are a coincidence
        if found & tests or on_student_side(path) or len(found) >= 3:
            leaks[path] = sorted(found)[:5]
        else:
            coincidences[path] = sorted(found)
    print(f"{len(coincidences)} files share one or two common lines with a reference: "
          f"{sorted({n for f in coincidences.values() for n in f})}")
    assert leaks == {}, f"{assignment}: hidden material visible in the sandbox: {leaks}"


def test_the_grep_finds_a_planted_needle(tmp_path):
    """The probe itself works: a needle copied into the student's folder is found."""
    scratch_needle = "the quick brown fox jumps over the lazy dog 2718281828"
    build = student_build.build(str(tmp_path / "build"), "gates")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "planted.txt").write_text(scratch_needle + "\n")
    done = run_in_sandbox(scratch, build, "cd / && exec grep -rFoaZs -f - -- /seed /opt", scratch_needle + "\n",
                          120)
    assert done.stdout == f"/seed/planted.txt\0{scratch_needle}\n", done.stderr
