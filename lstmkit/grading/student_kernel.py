"""The student's kernel: runs untrusted cells inside the sandbox and answers requests.

Started by :mod:`lstmkit.grading.sandbox` as ``python -I student_kernel.py CONFIG``
inside bubblewrap. It first lowers its own resource limits (address space,
processes, file size, open files, CPU time), drops root to an unprivileged
uid, then serves the grader over two inherited pipes (never stdout, which
student code may flood):

- ``run``: execute one cell with IPython's shell (magics work), capturing its
  output into bounded buffers;
- ``names``: the current values of global names, as plain data or as
  references to objects that stay here;
- ``call``, ``getattr``, ``setattr``, ``getitem``, ``len``, ``list``: act on a
  referenced object, so the grader's tests can call the student's functions.

Nothing this process says is trusted: the grader decodes its replies as data
(see :mod:`wire`), accepts only the names it asked for and runs the tests in
its own process. This file runs from the student build (``/opt/course/kernel``),
next to a copy of lstmkit without the assignment's reference implementations.
"""

import itertools
import json
import os
import resource
import signal
import sys
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # python -I leaves it out
import wire  # noqa: E402  (sits next to this file)

CONFIG = json.loads(sys.argv[1])
MAIN_PID = os.getpid()
LIMIT = int(CONFIG.get("output_limit", 20000))


class BoundedStream:
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit):
        # keep room for the note about dropped output within the grader's own limit
        self.limit, self.parts, self.size, self.dropped = max(limit - 200, 0), [], 0, 0

    def write(self, text):
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"

    def getvalue(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of output dropped]\n"
        return text


def apply_limits(limits):
    """Lower soft and hard limits together, so student code cannot raise them again."""
    table = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
             "fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE,
             "cpu": resource.RLIMIT_CPU, "core": resource.RLIMIT_CORE}
    for name, value in limits.items():
        if value is not None:
            resource.setrlimit(table[name], (int(value), int(value)))


def fill_scratch(seed, scratch, uid):
    """Copy the student's files from the read-only seed into the writable scratch tmpfs."""
    import shutil

    if not seed or not os.path.isdir(seed):
        return
    shutil.copytree(seed, scratch, dirs_exist_ok=True, symlinks=True)
    if os.getuid() == 0 and uid:
        for root, dirs, files in os.walk(scratch):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, uid)
        os.chown(scratch, uid, uid)


def drop_privileges(uid):
    if os.getuid() == 0 and uid:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


KEYCTL = {"x86_64": 250, "aarch64": 219}  # keyctl(2)'s system call number


def fresh_keyrings():
    """Start from empty kernel keyrings: a new anonymous session keyring, and this uid's user, user-session
    and persistent keyrings cleared. Runs before any student code, so nothing a previous job of the same
    uid stored there can be read."""
    import ctypes
    import platform

    number = KEYCTL.get(platform.machine())
    if number is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)

    def keyctl(*args):
        return libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))

    keyctl(1, 0)                          # KEYCTL_JOIN_SESSION_KEYRING, anonymous
    persistent = keyctl(22, -1, -4)       # KEYCTL_GET_PERSISTENT of this uid, linked into @u
    if persistent > 0:
        keyctl(7, persistent)             # KEYCTL_CLEAR
    for ring in (-4, -5):                 # @u, @us
        keyctl(7, ring)


REFS = {}
_ids = itertools.count(1)


def make_ref(obj):
    ref_id = next(_ids)
    REFS[ref_id] = obj
    kind = type(obj)
    return {"t": "ref", "id": ref_id, "callable": callable(obj),
            "type": f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}"[:200]}


def resolve(tree):
    if tree.get("t") == "module":
        import importlib
        return importlib.import_module(tree["name"])
    try:
        return REFS[tree["id"]]
    except KeyError:
        raise wire.WireError(f"unknown reference {tree['id']}") from None


def error_info(exc):
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"ename": type(exc).__name__[:200], "evalue": str(exc)[:LIMIT],
            "traceback": text[-LIMIT:]}


class Captured:
    """Redirect ``sys.stdout``/``sys.stderr`` to bounded buffers for the duration of a request."""

    def __enter__(self):
        self.out, self.err = BoundedStream(LIMIT), BoundedStream(LIMIT)
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.out, self.err
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved
        return False


def run_cell(shell, request):
    with Captured() as cap:
        result = shell.run_cell(request["src"], store_history=False)
    exc = result.error_before_exec or result.error_in_exec
    return {"stdout": cap.out.getvalue(), "stderr": cap.err.getvalue(),
            "error": error_info(exc) if exc is not None else None}, []


def names(shell, request):
    blobs, values = [], {}
    for name in request["names"]:
        if name in shell.user_ns:
            try:
                values[name] = wire.encode(shell.user_ns[name], blobs, make_ref)
            except wire.WireError:
                values[name] = make_ref(shell.user_ns[name])
    return {"values": values}, blobs


def act(request, blobs_in):
    """Apply one operation to a referenced object; returns the value to send back."""
    obj = resolve({"t": "ref", "id": request["id"]})
    op = request["op"]
    dec = (lambda tree: wire.decode(tree, blobs_in, resolve))
    if op == "call":
        args, kwargs = dec(request["args"]), dec(request["kwargs"])
        return Called(obj(*args, **kwargs), args, kwargs)
    if op == "getattr":
        return getattr(obj, request["name"])
    if op == "setattr":
        setattr(obj, request["name"], dec(request["value"]))
        return None
    if op == "getitem":
        return obj[dec(request["key"])]
    if op == "setitem":
        obj[dec(request["key"])] = dec(request["value"])
        return None
    if op == "len":
        return len(obj)
    if op == "list":
        return list(obj)
    raise wire.WireError(f"unknown operation {op!r}")


class Called:
    """A call's result with its arguments as they are after the call (the grader copies changes made in place
    back into its own arguments, so a function that modifies its inputs behaves as it does in one process)."""

    def __init__(self, value, args, kwargs):
        self.value, self.args, self.kwargs = value, args, kwargs

    def same(self):
        """[[item, argument]]: the returned value (item -1) or the items of a returned tuple that are
        arguments themselves (by position, or by keyword name)."""
        items = [(-1, self.value)] + (list(enumerate(self.value)) if isinstance(self.value, tuple) else [])
        named = list(enumerate(self.args)) + list(self.kwargs.items())
        return [[j, k] for j, item in items for k, arg in named
                if item is arg and (isinstance(arg, (dict, list)) or hasattr(arg, "shape"))]


def operate(request, blobs_in):
    with Captured() as cap, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = act(request, blobs_in)
            error = None
        except BaseException as exc:  # the student's code may raise anything
            value, error = None, error_info(exc)
    raised = [{"category": type(w.message).__name__[:100], "message": str(w.message)[:500]}
              for w in caught[:20]]
    blobs, extra = [], {}
    if isinstance(value, Called):
        called, value = value, value.value
        try:
            extra = {"after": wire.encode([called.args, called.kwargs], blobs, make_ref), "same": called.same()}
        except wire.WireError:
            blobs, extra = [], {}
    if error is None:
        try:
            tree = wire.encode(value, blobs, make_ref)
        except wire.WireError as exc:
            tree, blobs, error = None, [], error_info(exc)
    else:
        tree = None
    return {"value": tree, "error": error, "warnings": raised, **extra,
            "stdout": cap.out.getvalue(), "stderr": cap.err.getvalue()}, blobs


def serve(shell, fd_in, fd_out):
    while True:
        try:
            request, blobs_in = wire.read_frame(fd_in)
        except KeyboardInterrupt:
            continue
        except (EOFError, OSError, wire.WireError):
            return
        if request.get("op") == "bye":
            return
        try:
            if request.get("op") == "run":
                reply, blobs = run_cell(shell, request)
            elif request.get("op") == "names":
                reply, blobs = names(shell, request)
            else:
                reply, blobs = operate(request, blobs_in)
        except BaseException as exc:  # includes a late KeyboardInterrupt
            reply, blobs = {"error": error_info(exc)}, []
        if os.getpid() != MAIN_PID:  # a fork of the student's code reached the loop
            os._exit(0)
        try:
            try:
                wire.write_frame(fd_out, dict(reply, seq=request.get("seq")), blobs)
            except wire.WireError as exc:  # e.g. a result too large to send: report it instead
                wire.write_frame(fd_out, {"seq": request.get("seq"), "error": error_info(exc)})
        except KeyboardInterrupt:
            continue
        except (OSError, wire.WireError):
            return


def main():
    fd_in, fd_out = CONFIG["fd_in"], CONFIG["fd_out"]
    fill_scratch(CONFIG.get("seed"), CONFIG["scratch"], CONFIG.get("uid"))
    apply_limits(CONFIG.get("limits", {}))
    drop_privileges(CONFIG.get("uid"))
    fresh_keyrings()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(CONFIG["scratch"])
    sys.path[:] = [CONFIG["scratch"], CONFIG["lib"]] + [p for p in sys.path if p != os.path.dirname(__file__)]
    from traitlets.config import Config
    from IPython.core.interactiveshell import InteractiveShell

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    shell = InteractiveShell.instance(config=config)
    shell.user_ns["__name__"] = "__main__"
    wire.write_frame(fd_out, {"ready": True})
    serve(shell, fd_in, fd_out)
    os._exit(0)


if __name__ == "__main__":
    main()
