"""Calling the learner's function: warnings caught, and calls to lstmkit's own version of the exercise reported."""
import contextlib
import sys
import types
import warnings

from .. import exercises as _exercises


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


def _call(fn, name, *args, kwargs=None):
    """Call the learner's ``fn(*args, **kwargs)``, with warnings caught and calls to lstmkit's own version
    of the exercise reported. ``name`` is the exercise's function name (see lstmkit.grading.exercises)."""
    if not callable(fn):
        raise AssertionError(f"{name}: expected a function, found {type(fn).__name__}")
    try:
        module = str(getattr(fn, "__module__", None) or "")
    except Exception:  # a proxy for a function that lives in another process
        module = ""
    if module.startswith("lstmkit"):
        raise AssertionError(f"{name} is lstmkit's own {module}.{getattr(fn, '__name__', '?')}: "
                             f"define {name} yourself with def.")
    with warnings.catch_warnings(record=True) as caught, _watch_references(name) as hit:
        warnings.simplefilter("always")
        out = fn(*args, **(kwargs or {}))
    if hit:
        raise AssertionError(f"{name}: your code calls {hit[0]}, lstmkit's own version of this exercise: write "
                             f"this part yourself with numpy (lstmkit.sigmoid, lstmkit.dsigmoid and lstmkit.dtanh "
                             f"are allowed)")
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise AssertionError(
            f"{name} raised a numerical warning: {numeric[0].message}. Graders give zero to a test that "
            f"prints warnings; use lstmkit.sigmoid (it never overflows) instead of 1 / (1 + np.exp(-x)).")
    return out
