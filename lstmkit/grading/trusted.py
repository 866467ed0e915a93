"""Test cells and the instructor's read-only cells, run in the grading worker's own process.

Why the tests cannot be fooled from inside the notebook
-------------------------------------------------------
``nbgrader autograde`` runs the tests in the student's kernel. Anything the
student's code did earlier in that process (replace ``numpy.allclose``, patch
the checker module or ``builtins``, install a traceback hook, even rewrite the
kernel's ``run_cell`` so later cells report success) is still in force when
the tests run. Restoring modules before the tests does not close this: the
student can patch the restorer, the import system or the messaging layer.

Here the tests never run in the student's process. The student's kernel
(:mod:`student_kernel`, inside the sandbox) executes every cell the student
controls. Each test cell is executed by this module, in the grading worker,
with its own numpy, checkers and builtins. The names a test uses resolve as
follows:

- builtins, and names bound by the instructor's read-only cells and by earlier
  test cells, are trusted objects from this process;
- names the instructor's answer cells define (the functions and values the
  student must write), and names bound nowhere on this side, come from the
  student's kernel: the grader asks for exactly those names and accepts only
  those keys in the reply, so a reply can never replace a trusted name.
  Plain data (numbers, strings, numpy arrays, lists, dicts) is copied over;
  anything else (functions, classes, instances, modules) becomes a
  :class:`Remote` proxy whose calls travel to the student's kernel with their
  arguments and come back as plain data.

So a patched numpy or checker only changes what the student's own functions
compute, which is exactly what the tests measure; a lying return object
arrives as an opaque proxy and fails the comparison. Warnings raised by the
student's code during a call are raised again here, so a test that lets them
through writes to stderr and scores zero, as under nbgrader (the course's
checks turn numerical warnings into a failure with a message). Limits of this design:
tests can only pass data to student code (not trusted callbacks), arrays
cross by copy (in-place changes the student's code makes to the arguments of
a check's call are copied back into the check's private copies, so the rule
"functions leave their inputs alone" is enforced as in one process; see
``kernel_client.CALL_EFFECTS``), and ``isinstance`` or ``inspect`` on a
student object sees the proxy.

Timeouts and kernel deaths are handled by :mod:`lstmkit.grading.kernel_client`.
"""

import ast
import builtins
import contextlib
import io
import os
import signal
import sys
import time
import traceback
import warnings

import nbformat

from .kernel_client import CURRENT_DEADLINE, GRACE, CellTimeout
from .outputs import clip, error_output

def to_python(source):
    """Turn IPython syntax (magics, ``!`` commands) into plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _NoIPython:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def loaded_names(tree):
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)}


def bound_names(tree):
    """Names a cell binds at top level (assignments, defs, classes, imports)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


def answer_names(sources):
    """Names the instructor's answer cells define (functions, classes, assigned names; not imports): these
    always come from the student."""
    names = set()
    for src in sources:
        with contextlib.suppress(SyntaxError):
            tree = ast.parse(to_python(src))
            imported = {(a.asname or a.name).split(".")[0] for node in ast.walk(tree)
                        if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}
            names |= bound_names(tree) - imported
    return names


class _Alarm:
    """SIGALRM backstop so trusted code (or a stuck decode) cannot outlive its cell."""

    def __init__(self, seconds):
        self.seconds = seconds

    def _fire(self, signum, frame):
        raise CellTimeout("the test exceeded its time limit")

    def __enter__(self):
        self.saved = signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 0.01))

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.saved)
        return False


def _show_on_stderr(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


class TrustedContext:
    """The namespace where instructor cells and tests run, next to the student's kernel."""

    def __init__(self, kernel, answers, workdir):
        self.kernel = kernel
        self.answers = answers
        self.workdir = workdir
        self.ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _NoIPython}

    def _student_names(self, tree, deadline):
        """Ask the student's kernel for the answer names the cell reads, and for names bound nowhere here.
        A name the cell binds itself (a hidden test's loop variables) is never asked for: the request would
        tell the student's process what the hidden test calls its variables."""
        own = bound_names(tree) - self.answers
        wanted = set()
        for name in loaded_names(tree) - own:
            if name in self.answers:
                wanted.add(name)
            elif name not in self.ns and not hasattr(builtins, name):
                wanted.add(name)
        if not wanted or self.kernel is None or self.kernel.dead:
            return {}
        return self.kernel.names(wanted, deadline)

    def run(self, source, timeout, output_limit):
        """Execute trusted ``source``; returns nbformat outputs (an error output on failure)."""
        deadline = time.monotonic() + timeout
        out, err = io.StringIO(), io.StringIO()
        outputs, injected, value = [], {}, None
        CURRENT_DEADLINE[0] = deadline
        if self.kernel is not None:
            self.kernel.student_output = []
        cwd = os.getcwd()
        try:
            with _Alarm(timeout + GRACE + 3), contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err), warnings.catch_warnings():
                warnings.simplefilter("default")  # the same warnings show in every cell, as in a kernel
                warnings.showwarning = _show_on_stderr
                os.chdir(self.workdir)
                tree = ast.parse(to_python(source))
                injected = self._student_names(tree, deadline)
                self.ns.update(injected)
                last = None
                if tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = ast.Expression(tree.body.pop().value)
                exec(compile(tree, "<test>", "exec"), self.ns)
                if last is not None:
                    value = eval(compile(last, "<test>", "eval"), self.ns)
            error = None
        except BaseException as exc:  # report any failure as the cell's error
            error = exc
        finally:
            os.chdir(cwd)
            CURRENT_DEADLINE[0] = None
            for name, obj in injected.items():
                if self.ns.get(name) is obj:
                    del self.ns[name]
        student_text = "".join(self.kernel.student_output) if self.kernel is not None else ""
        if student_text:
            outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                                  text=clip("[printed by your code]\n" + student_text,
                                                             output_limit)))
        if out.getvalue():
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=clip(out.getvalue(), output_limit)))
        if err.getvalue():
            outputs.append(nbformat.v4.new_output("stream", name="stderr", text=clip(err.getvalue(), output_limit)))
        if error is not None:
            outputs.append(error_output(type(error).__name__, str(error),
                                        traceback.format_exception(type(error), error, error.__traceback__)))
            return outputs, error
        if value is not None:
            outputs.append(nbformat.v4.new_output(
                "execute_result", data={"text/plain": clip(repr(value), output_limit)}, execution_count=None))
        return outputs, None
