"""Checks: comparing a learner's arrays with the expected ones, and saying what differs."""
import numpy as np

from ...validation import _fmt as _fmt_shape
from .mistakes import fail


LSTM_GATES = ("i", "f", "g", "o")
GRU_GATES = ("r", "z", "n")
_GATE_WORDS = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
               "r": "reset gate r", "z": "update gate z", "n": "candidate n"}


# =============================================================================================
# Comparing arrays
# =============================================================================================
def _tolerances(dtype):
    return (1e-4, 1e-5) if np.dtype(dtype) == np.float32 else (1e-6, 1e-9)


def _close(found, expected):
    rtol, atol = _tolerances(expected.dtype)
    return (isinstance(found, np.ndarray) and found.shape == expected.shape
            and bool(np.allclose(found, expected, rtol=rtol, atol=atol)))


def check_structure(name, found, expected, dims=None):
    """Raise :class:`CheckFailed` unless ``found`` is a finite numpy array with ``expected``'s shape and dtype.

    dims: optional names of the axes, e.g. "B=3, H=4", added to the detail of shape messages.
    """
    where = f" ({dims})" if dims else ""
    if not isinstance(found, np.ndarray):
        kind = type(found).__name__
        hint = (": convert with np.asarray, or build the result with numpy from the start"
                if isinstance(found, (list, tuple)) else "")
        raise fail("generic", f"{name} should be a numpy array, found a {kind}{hint}",
                   f"expected shape {_fmt_shape(expected.shape)}{where}")
    if found.shape != expected.shape:
        hint, code = "", "generic"
        if found.shape == expected.shape[::-1] and found.ndim == 2:
            hint = ": transposed?"
        elif found.size == expected.size:
            hint = ": right number of entries, wrong arrangement (check your transposes and reshapes)"
        raise fail(code, f"{name} has the wrong shape{hint}",
                   f"{name} has shape {_fmt_shape(found.shape)}, expected {_fmt_shape(expected.shape)}{where}")
    if found.dtype != expected.dtype:
        raise fail("generic.dtype",
                   f"{name} has dtype {found.dtype}, expected {expected.dtype}: keep the dtype of the inputs "
                   f"(create new arrays with np.zeros_like or dtype=x.dtype, and scale by Python floats: a numpy "
                   f"float64 scalar turns float32 arrays into float64)")
    if not np.all(np.isfinite(found)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(found))[0])
        raise fail("generic", f"{name} contains NaN or infinite values", f"{found[bad]} at index {bad}")


def check_array(name, found, expected, dims=None, code="generic"):
    """Raise :class:`CheckFailed` unless ``found`` matches ``expected`` (shape, dtype, then values).

    The detail names the first index where the values differ, the found and expected values there,
    and how many entries differ. Tolerances: rtol 1e-6 in float64, 1e-4 in float32.
    """
    expected = np.asarray(expected)
    check_structure(name, found, expected, dims)
    rtol, atol = _tolerances(expected.dtype)
    bad = ~np.isclose(found, expected, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        share = "every entry differs" if bad.all() else "some entries differ"
        raise fail(code, f"{name} differs from the expected values ({share}; no known mistake matches)",
                   f"{name} differs from the expected values at index {idx}: found {found[idx]:.6g}, expected "
                   f"{expected[idx]:.6g} ({int(bad.sum())} of {bad.size} entries differ, largest difference "
                   f"{float(np.max(np.abs(found - expected))):.3g})")


def check_sequence(name, found, expected, dims=None, backward=False, code="generic"):
    """Like :func:`check_array` for a time-major array (T, ...), but names the first time step where the
    values diverge (the last one when ``backward``: gradients flow from t = T-1 down to 0)."""
    expected = np.asarray(expected)
    check_structure(name, found, expected, dims)
    rtol, atol = _tolerances(expected.dtype)
    bad = ~np.isclose(found, expected, rtol=rtol, atol=atol)
    if not bad.any():
        return
    steps = np.flatnonzero(bad.reshape(bad.shape[0], -1).any(axis=1))
    t = int(steps[-1] if backward else steps[0])
    rest = tuple(int(i) for i in np.argwhere(bad[t])[0])
    idx = (t,) + rest
    T = bad.shape[0]
    if backward:
        words = ("already at the last time step, where the gradient enters" if t == T - 1 else
                 "only after some steps backwards in time: the first steps back are right")
        head = f"{name} matches for t > {t} and first differs, going backwards in time, at t = {t}"
    else:
        words = ("already at the first time step" if t == 0 else
                 "only after some time steps: the first steps are right, so look at what is carried between steps")
        head = (f"{name} matches up to t = {t - 1} and first differs at time step t = {t}" if t > 0
                else f"{name} differs already at the first time step t = 0")
    raise fail(code, f"{name} differs from the expected values {words} (no known mistake matches)",
               f"{head} (index {idx}: found {found[idx]:.6g}, expected {expected[idx]:.6g}; "
               f"{len(steps)} of {T} time steps differ)")


def _compare(fname, name, found, expected, alternatives=(), dims=None, sequence=False, backward=False):
    """check_array, but when the values are wrong first try the known mistakes: ``alternatives`` is an
    iterable of (code, explanation, what that mistake would compute) or (code, explanation, output, detail);
    the first that matches is reported. Explanations are words only (see :mod:`.mistakes`)."""
    expected = np.asarray(expected)
    check_structure(f"{fname}: {name}", found, expected, dims)
    if _close(found, expected):
        return
    for code, why, alt, *detail in alternatives:
        if alt is not None and _close(found, np.asarray(alt, dtype=expected.dtype)):
            raise fail(code, f"{fname}: {name} is wrong: {why}", detail[0] if detail else "")
    if sequence:
        check_sequence(f"{fname}: {name}", found, expected, dims, backward)
    check_array(f"{fname}: {name}", found, expected, dims)


def _unpack(out, fname, names):
    """Check that ``out`` is a tuple of len(names) items, return it as a tuple."""
    if len(names) == 1:
        if isinstance(out, tuple):
            raise fail("generic.tuple_order", f"{fname} returns a tuple of {len(out)} items; return {names[0]} "
                       f"alone (one array)")
        return (out,)
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = f"a {type(out).__name__} of {len(out)} items" if isinstance(out, (tuple, list)) \
            else f"a single {type(out).__name__}"
        raise fail("generic", f"{fname} should return the tuple ({', '.join(names)}), it returned {got}")
    return tuple(out)
