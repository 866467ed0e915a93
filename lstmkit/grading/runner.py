"""Execute one notebook: student cells in the sandbox, test cells in a trusted context.

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
cross by copy (in-place updates made by student code are not visible here),
and ``isinstance`` or ``inspect`` on a student object sees the proxy.

Every request to the kernel carries the remaining time of the cell; on
timeout the kernel gets SIGINT and, if it does not answer within a grace
period, the whole sandbox is killed and the rest of the notebook is graded
with the kernel marked dead.
"""

import ast
import builtins
import contextlib
import io
import os
import select
import signal
import sys
import time
import traceback
import warnings

import nbformat

from . import sandbox, wire

GRACE = 2.0  # seconds a kernel gets to answer after SIGINT


class KernelDied(RuntimeError):
    """The student's kernel is gone (crash, exit, kill)."""


class CellTimeout(RuntimeError):
    """A cell, or a call into the student's code, ran out of time."""


class StudentCodeError(Exception):
    """An exception raised by the student's code that has no builtin equivalent here."""


# ------------------------------------------------------------------ the kernel
class StudentKernel:
    """Client side of the pipe protocol; one per notebook."""

    def __init__(self, scratch, build, limits, uid, output_limit, use_sandbox=True,
                 disk_bytes=256 * 1024 * 1024):
        self.proc, self.fd_out, self.fd_in = sandbox.start_kernel(
            scratch, build, limits, uid, output_limit, sandbox=use_sandbox, disk_bytes=disk_bytes)
        self.dead = None
        self.output_limit = output_limit
        self.seq = 0
        self.kernel_pid = None
        self.student_output = []
        try:
            header, _ = wire.read_frame(self.fd_in, self._waiter(time.monotonic() + 60))
            if not header.get("ready"):
                raise KernelDied("the kernel did not start")
        except (EOFError, OSError, wire.WireError, CellTimeout) as exc:
            self.kill(f"the kernel did not start ({exc})")
            raise KernelDied(self.dead) from None
        self.kernel_pid = self._find_kernel_pid()

    def _find_kernel_pid(self):
        import psutil

        try:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                cmdline = child.cmdline()
                if (cmdline and "bwrap" not in os.path.basename(cmdline[0])
                        and any(part.endswith("student_kernel.py") for part in cmdline)):
                    return child.pid
        except psutil.Error:
            pass
        return self.proc.pid

    def _waiter(self, deadline):
        def wait(fd):
            left = deadline - time.monotonic()
            if left <= 0:
                raise CellTimeout("deadline passed")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise CellTimeout("deadline passed")
        return wait

    def request(self, header, blobs=(), deadline=None):
        """Send one request and wait for its reply until ``deadline`` (monotonic seconds)."""
        if self.dead:
            raise KernelDied(self.dead)
        self.seq += 1
        try:
            wire.write_frame(self.fd_out, dict(header, seq=self.seq), blobs)
        except (OSError, wire.WireError) as exc:
            self.kill(f"the kernel stopped reading ({exc})")
            raise KernelDied(self.dead) from None
        try:
            reply, rblobs = wire.read_frame(self.fd_in, self._waiter(deadline))
        except CellTimeout:
            return self._interrupt()
        except (EOFError, OSError, wire.WireError) as exc:
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=2)
            code = self.proc.poll()
            self.kill(f"the kernel died (exit status {code})" if isinstance(exc, EOFError)
                      else f"the kernel broke the protocol ({exc})")
            raise KernelDied(self.dead) from None
        if reply.get("seq") != self.seq:
            self.kill("the kernel sent an unexpected message")
            raise KernelDied(self.dead)
        return reply, rblobs

    def _interrupt(self):
        """SIGINT the kernel; kill the sandbox if it does not answer within the grace period."""
        try:
            os.kill(self.kernel_pid, signal.SIGINT)
        except OSError:
            pass
        try:
            reply, _ = wire.read_frame(self.fd_in, self._waiter(time.monotonic() + GRACE))
        except (CellTimeout, EOFError, OSError, wire.WireError):
            self.kill("timed out and ignored the interrupt; the kernel was killed")
            raise CellTimeout(self.dead) from None
        if reply.get("seq") != self.seq:
            self.kill("the kernel sent an unexpected message")
        raise CellTimeout("timed out; the kernel was interrupted")

    def kill(self, reason):
        if self.dead is None:
            self.dead = reason
        for pid in (self.kernel_pid, self.proc.pid):
            if pid:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=10)
        for fd in (self.fd_in, self.fd_out):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fd_in = self.fd_out = -1

    def close(self):
        if self.dead is None:
            with contextlib.suppress(Exception):
                wire.write_frame(self.fd_out, {"op": "bye"})
            try:
                self.proc.wait(timeout=2)
            except Exception:
                pass
            self.kill("closed")
            self.dead = "closed"

    # -- typed operations
    def run(self, source, deadline):
        reply, _ = self.request({"op": "run", "src": source}, deadline=deadline)
        return reply

    def names(self, names, deadline):
        """The values of ``names`` in the student's namespace; keys that were not asked for are ignored."""
        wanted = set(names)
        reply, blobs = self.request({"op": "names", "names": sorted(wanted)}, deadline=deadline)
        values = reply.get("values")
        if not isinstance(values, dict):
            raise wire.WireError("malformed names reply")
        return {k: wire.decode(v, blobs, self.proxy) for k, v in values.items() if k in wanted}

    def operate(self, header, blobs=()):
        reply, rblobs = self.request(header, blobs, deadline=CURRENT_DEADLINE[0])
        for stream in ("stdout", "stderr"):
            text = reply.get(stream)
            kept = sum(len(t) for t in self.student_output)
            if isinstance(text, str) and text and kept < self.output_limit:
                self.student_output.append(text[: self.output_limit - kept])
        for item in (reply.get("warnings") or [])[:20]:
            if isinstance(item, dict):
                kind = getattr(builtins, str(item.get("category")), None)
                if not (isinstance(kind, type) and issubclass(kind, Warning)):
                    kind = UserWarning
                warnings.warn(str(item.get("message", ""))[:500], kind, stacklevel=3)
        error = reply.get("error")
        if error:
            raise student_exception(error)
        return wire.decode(reply.get("value"), rblobs, self.proxy)

    def proxy(self, tree):
        """A stand-in for an object that stays in the student's kernel (a module too: never one of ours)."""
        if tree.get("t") == "module":
            return Remote(self, {"id": -1, "type": f"module {str(tree['name'])[:100]!r}"})
        return Remote(self, tree)


CURRENT_DEADLINE = [None]


def student_exception(error):
    """A trusted exception standing for one raised in the student's code."""
    ename = str(error.get("ename", "Error"))[:200]
    evalue = str(error.get("evalue", ""))
    kind = getattr(builtins, ename, None)
    # A reply, not a timeout: when the grader interrupts a call, request() raises CellTimeout itself, so a
    # KeyboardInterrupt here was raised by the student's own code and is reported as theirs.
    if isinstance(kind, type) and issubclass(kind, Exception) and kind.__module__ == "builtins":
        with contextlib.suppress(Exception):
            exc = kind(evalue)
            exc.add_note("(raised by the student's code)")
            return exc
    return StudentCodeError(f"{ename}: {evalue}")


def _encode_args(value, blobs):
    def make_ref(obj):
        if isinstance(obj, Remote):
            return {"t": "ref", "id": object.__getattribute__(obj, "_id")}
        raise TypeError(f"a {type(obj).__name__} cannot be passed to the student's code; "
                        "only data (numbers, strings, arrays, lists, dicts) can")
    return wire.encode(value, blobs, make_ref)


class Remote:
    """Stand-in for an object that lives in the student's kernel."""

    __slots__ = ("_kernel", "_id", "_type")
    _DATA_DUNDERS = {"__name__", "__qualname__", "__module__", "__doc__"}

    def __init__(self, kernel, tree):
        object.__setattr__(self, "_kernel", kernel)
        object.__setattr__(self, "_id", tree.get("id"))
        object.__setattr__(self, "_type", str(tree.get("type", "object"))[:200])

    def _op(self, op, **fields):
        blobs = []
        header = {"op": op, "id": object.__getattribute__(self, "_id")}
        for key, value in fields.items():
            header[key] = value if key == "name" else _encode_args(value, blobs)
        return object.__getattribute__(self, "_kernel").operate(header, blobs)

    def __call__(self, *args, **kwargs):
        blobs = []
        header = {"op": "call", "id": object.__getattribute__(self, "_id"),
                  "args": _encode_args(list(args), blobs), "kwargs": _encode_args(dict(kwargs), blobs)}
        return object.__getattribute__(self, "_kernel").operate(header, blobs)

    def __getattribute__(self, name):
        # __module__ and __doc__ exist on the proxy class itself: ask the student's object instead
        if name in ("__module__", "__doc__"):
            value = object.__getattribute__(self, "_op")("getattr", name=name)
            if not isinstance(value, (str, type(None))):
                raise AttributeError(name)
            return value
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in Remote._DATA_DUNDERS:
            raise AttributeError(name)
        value = self._op("getattr", name=name)
        if name in Remote._DATA_DUNDERS and not isinstance(value, (str, type(None))):
            raise AttributeError(name)
        return value

    def __setattr__(self, name, value):
        self._op("setattr", name=name, value=value)

    def __getitem__(self, key):
        return self._op("getitem", key=key)

    def __setitem__(self, key, value):
        self._op("setitem", key=key, value=value)

    def __len__(self):
        n = self._op("len")
        if type(n) is not int or n < 0:
            raise TypeError("the student's __len__ did not return a non-negative int")
        return n

    def __iter__(self):
        items = self._op("list")
        if not isinstance(items, list):
            raise TypeError("the student's object did not iterate to a list")
        return iter(items)

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<student's {object.__getattribute__(self, '_type')}>"


# ------------------------------------------------------------ trusted execution
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
        """Ask the student's kernel for the answer names the cell reads, and for names bound nowhere here."""
        wanted = set()
        for name in loaded_names(tree):
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
                                                  text=_clip("[printed by your code]\n" + student_text,
                                                             output_limit)))
        if out.getvalue():
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=_clip(out.getvalue(), output_limit)))
        if err.getvalue():
            outputs.append(nbformat.v4.new_output("stream", name="stderr", text=_clip(err.getvalue(), output_limit)))
        if error is not None:
            outputs.append(error_output(type(error).__name__, str(error),
                                        traceback.format_exception(type(error), error, error.__traceback__)))
            return outputs, error
        if value is not None:
            outputs.append(nbformat.v4.new_output(
                "execute_result", data={"text/plain": _clip(repr(value), output_limit)}, execution_count=None))
        return outputs, None


def _clip(text, limit):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} characters dropped]\n"


def error_output(ename, evalue, tb_lines):
    return nbformat.v4.new_output("error", ename=str(ename)[:200], evalue=str(evalue)[:2000],
                                  traceback=[str(line)[:2000] for line in tb_lines][-30:])


def student_outputs(reply, output_limit):
    outputs = []
    for name in ("stdout", "stderr"):
        text = reply.get(name)
        if isinstance(text, str) and text:
            outputs.append(nbformat.v4.new_output("stream", name=name, text=_clip(text, output_limit)))
    error = reply.get("error")
    if isinstance(error, dict):
        tb = str(error.get("traceback", ""))
        outputs.append(error_output(error.get("ename", "Error"), error.get("evalue", ""), tb.splitlines()))
    return outputs


# ------------------------------------------------------------------ notebooks
def _output_size(outputs):
    return sum(len(str(o.get("text", ""))) + len(str(o.get("evalue", ""))) + len(str(o.get("ename", "")))
               + sum(len(str(line)) for line in o.get("traceback", [])) + len(repr(o.get("data", "")))
               for o in outputs)


def execute_notebook(nb, roles, answers, scratch, build, trusted_dir, limits):
    """Run ``nb`` (already repaired) and fill in its outputs.

    ``roles`` maps a cell's ``grade_id`` to ``"test"``, ``"setup"``, ``"answer"``;
    unlisted cells are the student's own. ``build`` is the student build of lstmkit to mount. Returns a list
    of events (strings) describing timeouts and kernel deaths; an empty list means a clean run. Outputs are
    bounded per cell (``output_limit`` characters) and per notebook (``notebook_output_limit``): past the
    notebook's budget a cell keeps only a one-line note, so the autograded notebook stays small.
    """
    events = []
    out_limit = limits["output_limit"]
    budget = [int(limits.get("notebook_output_limit", 2_000_000))]

    def keep(outputs):
        """The outputs within the notebook's budget; past it a note, and each error or stderr output cut to
        200 characters (they decide a test cell's score, so they are never dropped)."""
        size = _output_size(outputs)
        if size <= budget[0]:
            budget[0] -= size
            return outputs
        budget[0] = 0
        kept = [nbformat.v4.new_output("stream", name="stdout",
                                       text="[output dropped: the notebook's output limit was reached]\n")]
        for o in outputs:
            if o.get("output_type") == "error":
                kept.append(error_output(o.get("ename", "Error"), str(o.get("evalue", ""))[:200], []))
            elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                kept.append(nbformat.v4.new_output("stream", name="stderr", text=str(o.get("text", ""))[:200]))
        return kept
    try:
        kernel = StudentKernel(scratch, build, limits["rlimits"], limits["uid"], out_limit,
                               use_sandbox=limits["sandbox"],
                               disk_bytes=limits.get("disk_bytes", 256 * 1024 * 1024))
    except KernelDied as exc:
        kernel = None
        events.append(f"the student's kernel did not start: {exc}")
    nb_deadline = time.monotonic() + limits["notebook_timeout"]  # the clock starts with a ready kernel
    context = TrustedContext(kernel, answers, trusted_dir)
    try:
        for index, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            cell.execution_count = None
            role = roles.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
            left = nb_deadline - time.monotonic()
            label = f"cell {index}" + (f" ({cell.metadata.nbgrader.grade_id})" if role else "")
            if left <= 0:
                if kernel is not None and not kernel.dead:
                    kernel.kill("whole-notebook timeout")
                    events.append(f"notebook exceeded its time limit of {limits['notebook_timeout']} s")
                cell.outputs = [error_output("TimeoutError", "not run: the notebook ran out of time", [])]
                continue
            timeout = min(limits["cell_timeout"], left)
            if role == "test":
                outputs, error = context.run(cell.source, timeout, out_limit)
                cell.outputs = keep(outputs)
                if isinstance(error, (CellTimeout, KernelDied)):
                    events.append(f"{label}: {error}")
                continue
            cell.outputs = keep(run_student_cell(kernel, cell.source, timeout, out_limit, label, events))
            if role == "setup":
                context.run(cell.source, timeout, out_limit)
    finally:
        if kernel is not None:
            if kernel.dead and not any("kernel" in e for e in events):
                events.append(f"the student's kernel died: {kernel.dead}")
            kernel.close()
    return events


def run_student_cell(kernel, source, timeout, out_limit, label, events):
    if kernel is None or kernel.dead:
        return [error_output("KernelDied", f"not run: {kernel.dead if kernel else 'no kernel'}", [])]
    try:
        reply = kernel.run(source, time.monotonic() + timeout)
    except CellTimeout as exc:
        events.append(f"{label}: {exc} after {timeout:.0f} s")
        return [error_output("TimeoutError", f"{exc} after {timeout:.0f} s", [])]
    except KernelDied as exc:
        events.append(f"{label}: {exc}")
        return [error_output("KernelDied", str(exc), [])]
    return student_outputs(reply, out_limit)
