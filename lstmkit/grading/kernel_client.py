"""The grader's end of the pipe to the student's kernel: requests with deadlines, and proxies.

:class:`StudentKernel` starts the sandboxed kernel (:mod:`lstmkit.grading.sandbox`) and speaks the frame
protocol of :mod:`lstmkit.grading.wire` with it: every request carries the remaining time of its cell; on
timeout the kernel gets SIGINT and, if it does not answer within a grace period, the whole sandbox is killed.
Whatever the kernel sends back is decoded as data; objects that stay in the kernel (functions, instances,
modules) arrive as :class:`Remote` proxies, whose calls travel back with plain-data arguments. Nothing here
trusts the kernel: a reply may only answer the request that was made.
"""

import builtins
import contextlib
import os
import select
import signal
import time
import warnings

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

    def operate(self, header, blobs=(), call_args=None):
        """Send one operation on a referenced object; returns the decoded value. For a call, ``call_args`` is
        (args, kwargs) as the grader passed them: changes the student's code made to them in place are copied
        back into them, and a returned argument comes back as that very object (see :func:`write_back`)."""
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
        value = wire.decode(reply.get("value"), rblobs, self.proxy)
        if call_args is not None and CALL_EFFECTS[0] and "after" in reply:
            value = _apply_call_effects(call_args, wire.decode(reply["after"], rblobs, self.proxy),
                                        reply.get("same"), value)
        return value

    def proxy(self, tree):
        """A stand-in for an object that stays in the student's kernel (a module too: never one of ours)."""
        if tree.get("t") == "module":
            return Remote(self, {"id": -1, "type": f"module {str(tree['name'])[:100]!r}"})
        return Remote(self, tree)


CURRENT_DEADLINE = [None]
CALL_EFFECTS = [False]
"""True while a check calls the student's function on its own private copies of the arguments
(:func:`lstmkit.grading.checks.calling._call`): only then are in-place changes written back. A test that
passes the grader's own arrays directly is never written into."""


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


def write_back(target, new):
    """Copy the state of ``new`` (decoded from the student's side) into the grader's ``target`` in place:
    arrays of the same shape and dtype, dict entries, list items; nested containers recursively. What cannot
    change in place (a number, an array's shape) is left alone, as in one process."""
    import numpy as np

    if isinstance(target, np.ndarray):
        if (isinstance(new, np.ndarray) and new.shape == target.shape and new.dtype == target.dtype
                and target.flags.writeable):
            target[...] = new
    elif isinstance(target, dict) and isinstance(new, dict):
        for key in [k for k in target if k not in new]:
            del target[key]
        for key, value in new.items():
            if key in target and isinstance(target[key], (np.ndarray, dict, list, tuple)) \
                    and type(value) is type(target[key]):
                write_back(target[key], value)
            else:
                target[key] = value
    elif isinstance(target, list) and isinstance(new, list):
        if len(new) == len(target):
            for k, value in enumerate(new):
                if isinstance(target[k], (np.ndarray, dict, list, tuple)) and type(value) is type(target[k]):
                    write_back(target[k], value)
                else:
                    target[k] = value
        else:
            target[:] = new
    elif isinstance(target, tuple) and isinstance(new, tuple) and len(new) == len(target):
        for item, value in zip(target, new):
            write_back(item, value)


def _apply_call_effects(call_args, after, same, value):
    """Write the arguments' state after the call back into the grader's arguments, and put the grader's own
    argument objects where the student's function returned an argument itself."""
    args, kwargs = call_args
    if isinstance(after, list) and len(after) == 2:
        new_args, new_kwargs = after
        if isinstance(new_args, (list, tuple)) and len(new_args) == len(args):
            for target, new in zip(args, new_args):
                write_back(target, new)
        if isinstance(new_kwargs, dict):
            for key, target in kwargs.items():
                if key in new_kwargs:
                    write_back(target, new_kwargs[key])
    for pair in same if isinstance(same, list) else []:
        if not (isinstance(pair, list) and len(pair) == 2):
            continue
        item, arg = pair
        if isinstance(arg, int) and 0 <= arg < len(args):
            original = args[arg]
        elif isinstance(arg, str) and arg in kwargs:
            original = kwargs[arg]
        else:
            continue
        if item == -1:
            value = original
        elif isinstance(item, int) and isinstance(value, tuple) and 0 <= item < len(value):
            value = value[:item] + (original,) + value[item + 1:]
    return value


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
        return object.__getattribute__(self, "_kernel").operate(header, blobs, call_args=(args, kwargs))

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
