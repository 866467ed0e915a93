"""Calling the learner's function: warnings caught, and calls to lstmkit's own version of the exercise reported."""
import contextlib
import sys
import types
import warnings

from .. import exercises as _exercises
from .mistakes import CheckFailed, fail


# =============================================================================================
# Calling the learner's function
# =============================================================================================
def _reference_codes(answer):
    """{code object: dotted name} of every function in lstmkit that already computes ``answer``
    (its references in :mod:`lstmkit.grading.exercises`: modules, classes, functions, methods)."""
    import importlib

    codes = {}

    def add(obj, label):
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
        if isinstance(obj, types.FunctionType):
            codes[obj.__code__] = label
        elif isinstance(obj, type):
            for attr, member in vars(obj).items():
                add(member, f"{label}.{attr}")

    for ref in _exercises.references_of(answer):
        parts = ref.split(".")
        obj = importlib.import_module(".".join(parts[:2]))
        for part in parts[2:]:
            obj = getattr(obj, part)
        if isinstance(obj, types.ModuleType):
            for name, member in vars(obj).items():
                if getattr(member, "__module__", None) == obj.__name__:
                    add(member, f"{ref}.{name}")
        else:
            add(obj, ref)
    return codes


@contextlib.contextmanager
def _watch_references(answer):
    """Record the first call, inside the block, of a function that computes ``answer`` for the learner.

    Yields a list that holds the dotted name of that function afterwards (empty when none was called). This
    is a courtesy for ``nbgrader validate`` and plain ``nbgrader autograde``, where the learner's code runs
    next to the full library; it defends nothing. The hardened grader runs the learner's code in a sandbox
    whose lstmkit does not contain these functions at all (:mod:`lstmkit.grading.student_build`).
    """
    codes = _reference_codes(answer)
    hit = []
    if not codes:
        yield hit
        return

    def profile(frame, event, arg):
        if event == "call" and not hit and frame.f_code in codes:
            hit.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield hit
    finally:
        sys.setprofile(previous)


PART_SECONDS = 20.0
"""Time limit of one call into the learner's code in ``nbgrader validate`` and plain grading (the hardened
grader has its own per-cell limits): an endless loop costs seconds, and the later parts are still checked."""


class PartTimeout(BaseException):
    """The learner's function ran past :data:`PART_SECONDS` (a BaseException: ``except Exception`` in the
    learner's code does not swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds):
    """SIGALRM after ``seconds`` in the main thread, unless a timer is already running (the hardened grader's
    trusted side runs its own): then the outer limit applies."""
    import signal
    import threading

    usable = (threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def fire(signum, frame):
        raise PartTimeout()
    saved = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, saved)


def _snapshot(value):
    """A deep copy of plain data (arrays, dicts, lists, tuples, scalars); other objects are kept as they are."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_snapshot(v) for v in value)
    return value


def _first_change(now, before, path):
    """The path of the first difference between ``now`` and its snapshot ``before`` (None when equal)."""
    import numpy as np

    if isinstance(before, np.ndarray):
        same = (isinstance(now, np.ndarray) and now.shape == before.shape and now.dtype == before.dtype
                and bool(np.array_equal(now, before, equal_nan=before.dtype.kind in "fc")))
        return None if same else path
    if isinstance(before, dict):
        if not isinstance(now, dict) or set(now) != set(before):
            return path
        for k in before:
            found = _first_change(now[k], before[k], f"{path}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(before, (list, tuple)):
        if type(now) is not type(before) or len(now) != len(before):
            return path
        for k, (a, b) in enumerate(zip(now, before)):
            found = _first_change(a, b, f"{path}[{k}]")
            if found:
                return found
        return None
    return None


def _returned_argument(out, sent, arg_names):
    """The name of the argument that ``out`` (or an item of a returned tuple) is, itself (None if none)."""
    import numpy as np

    items = out if isinstance(out, tuple) else (out,)
    for item in items:
        for name, arg in zip(arg_names, sent):
            if isinstance(arg, (dict, list, np.ndarray)) and item is arg:
                return name
    return None


@contextlib.contextmanager
def _call_effects():
    """Under the hardened grader, let in-place changes the student's code makes to ``_call``'s private copies
    come back across the pipe (so the mutation rule is the same in every grader)."""
    try:
        from ..kernel_client import CALL_EFFECTS
    except Exception:  # pragma: no cover
        yield
        return
    CALL_EFFECTS[0] = True
    try:
        yield
    finally:
        CALL_EFFECTS[0] = False


def _pass_through():
    """Exceptions that are the grader's, not the learner's: never reported as raised by the learner's code."""
    try:
        from ..kernel_client import CellTimeout, KernelDied
    except Exception:  # pragma: no cover - the kernel client is always importable next to the checks
        return (CheckFailed,)
    return (CheckFailed, CellTimeout, KernelDied)


_SHAPE_WORDS = ("broadcast", "matmul", "shapes", "dimension", "size", "index")


def _raised(name, exc, args):
    """The failure for an exception raised by the learner's function."""
    import numpy as np

    kind = type(exc).__name__
    text = str(exc).split("\n")[0][:300]
    X = args[0] if args else None
    sequence = isinstance(X, np.ndarray) and X.ndim == 3
    if isinstance(exc, (ValueError, IndexError)) and sequence and any(w in text for w in _SHAPE_WORDS):
        return fail("generic.batch_major",
                    f"{name} raised {kind} on mismatched shapes: X is time-major (T, B, D), so the loop runs "
                    f"over t in range(X.shape[0]) and step t reads X[t], of shape (B, D); a loop over X[:, t] "
                    f"reads the array batch-major", f"{kind}: {text}")
    if isinstance(exc, ValueError) and "split does not result in an equal division" in text:
        return fail("generic.raised", f"{name} raised ValueError from np.split: split the pre-activations (B, G*H) "
                    f"along their last axis (axis=-1), or the weights (G*H, ...) along their rows (axis=0), into "
                    f"one block per gate", f"ValueError: {text}")
    if isinstance(exc, KeyError):
        return fail("generic.raised", f"{name} raised KeyError: look the key up with .get() or check it with "
                    f"`in` before using it", f"KeyError: {text}")
    if "lstmkit's own version of this exercise" in text:
        return fail("generic.calls_reference", text)
    if isinstance(exc, NotImplementedError):
        return fail("generic.raised", f"{name} is not written yet (it raises NotImplementedError)")
    return fail("generic.raised", f"{name} raised {kind}", f"{kind}: {text}")


def _call(fn, name, *args, kwargs=None, arg_names=None, seconds=None, allow_changes=False):
    """Call the learner's ``fn(*args, **kwargs)`` under the course's rules, the same in every grader.

    - ``fn`` gets copies of the arguments, and must not modify them: a function that changes an argument in
      place fails, naming it (the exercises ask for new arrays); returning an argument itself fails too.
    - Numerical warnings, calls to lstmkit's own version of the exercise, an exception raised by ``fn`` and a
      call that runs past ``seconds`` (validate and plain grading) each fail with a message that says so.

    ``name`` is the exercise's function name (see lstmkit.grading.exercises); ``arg_names`` name the
    arguments in messages (default: positions). ``allow_changes``: skip the two rules on arguments (for a loop
    whose only change to its inputs comes from the learner's step, which its own check charges).
    """
    if not callable(fn):
        raise fail("generic", f"{name}: expected a function, found {type(fn).__name__}")
    try:
        module = str(getattr(fn, "__module__", None) or "")
    except Exception:  # a proxy for a function that lives in another process
        module = ""
    if module.startswith("lstmkit"):
        raise fail("generic.calls_reference",
                   f"{name} is lstmkit's own {module}.{getattr(fn, '__name__', '?')}: define {name} yourself "
                   f"with def.")
    seconds = PART_SECONDS if seconds is None else seconds
    arg_names = list(arg_names or [f"argument {k + 1}" for k in range(len(args))])
    sent, kept = _snapshot(list(args)), _snapshot(list(args))
    sent_kwargs = _snapshot(dict(kwargs or {}))
    try:
        with warnings.catch_warnings(record=True) as caught, _watch_references(name) as hit, \
                _time_limit(seconds), _call_effects():
            warnings.simplefilter("always")
            out = fn(*sent, **sent_kwargs)
    except PartTimeout:
        raise fail("generic.timeout", f"{name} did not finish within {seconds:.0f} s: an endless loop, or far "
                   f"more work than the exercise needs") from None
    except _pass_through():
        raise
    except Exception as exc:
        raise _raised(name, exc, args) from exc
    if hit:
        raise fail("generic.calls_reference",
                   f"{name}: your code calls {hit[0]}, lstmkit's own version of this exercise: write this part "
                   f"yourself with numpy (lstmkit.sigmoid, lstmkit.dsigmoid and lstmkit.dtanh are allowed)")
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise fail("generic.numerical_warning",
                   f"{name} raised a numerical warning ({str(numeric[0].message).split(' in ')[0]}). Graders give "
                   f"zero to a test that prints warnings; use lstmkit.sigmoid (it never overflows) instead of "
                   f"1 / (1 + np.exp(-x)).", f"warning: {numeric[0].message}")
    if allow_changes:
        return out
    for arg_name, now, before in zip(arg_names, sent, kept):
        changed = _first_change(now, before, arg_name)
        if changed:
            raise fail("generic.modifies_input",
                       f"{name} modified its input {changed} in place: the exercises ask for new arrays and "
                       f"leave the inputs alone (write x = x * s, not x *= s; copy before changing an array)")
    same = _returned_argument(out, sent, arg_names)
    if same:
        raise fail("generic.returns_input",
                   f"{name} returned its input {same} itself: return a new object (a new dict of new arrays)")
    return out
