"""Input checks that fail early with a message a learner can act on.

Every public function of lstmkit that takes arrays from a user calls these, so a wrong shape, dtype or a NaN
is reported with the argument's name, what was expected and what came, e.g.::

    ValueError: X: expected shape (T, B, 7) (D = input_size = 7), got (12, 32, 5)
"""
import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ValueError."""
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected float32 or float64, got {dt}")
    return dt


def check_positive_int(name, v):
    """Return v as an int if it is a positive integer (not a bool), else raise ValueError."""
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
        raise ValueError(f"{name}: expected a positive integer, got {v!r}")
    return int(v)


def _fmt(shape):
    """A shape as Python prints a tuple: (3,) (2, 5); entries may be ints or labels."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_array(name, x, shape, dtype=None, finite=True, labels=None):
    """Check an array argument and return it unchanged.

    name:   the argument's name, used in the message.
    x:      the value to check (must already be a numpy array).
    shape:  expected shape; an entry None matches any size.
    dtype:  expected dtype, or None for any floating dtype.
    finite: reject NaN and inf.
    labels: optional names for the axes (e.g. ("T", "B", "D")) used in the message.
    """
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array, got {type(x).__name__}")
    want = _fmt(["?" if s is None else s for s in shape]) if labels is None else \
        _fmt([lab if s is None else f"{lab}={s}" if lab else s for s, lab in zip(shape, labels)])
    if x.ndim != len(shape):
        raise ValueError(f"{name}: expected {len(shape)} dimensions with shape {want}, "
                         f"got {x.ndim} dimensions with shape {_fmt(x.shape)}")
    for have, need in zip(x.shape, shape):
        if need is not None and have != need:
            raise ValueError(f"{name}: expected shape {want}, got {_fmt(x.shape)}")
    if dtype is not None and x.dtype != np.dtype(dtype):
        raise ValueError(f"{name}: expected dtype {np.dtype(dtype)}, got {x.dtype}")
    if dtype is None and x.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name}: expected dtype float32 or float64, got {x.dtype}")
    if finite and not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"{name}: expected finite values, got {x[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
    return x


def check_mask(mask, T, B):
    """Check a (T, B) boolean mask and return it unchanged."""
    if not isinstance(mask, np.ndarray):
        raise ValueError(f"mask: expected a numpy bool array of shape ({T}, {B}), got {type(mask).__name__}")
    if mask.dtype != np.bool_:
        raise ValueError(f"mask: expected dtype bool, got {mask.dtype}")
    if mask.shape != (T, B):
        raise ValueError(f"mask: expected shape (T={T}, B={B}), got {_fmt(mask.shape)}")
    return mask


def check_sequences(X, input_size, dtype):
    """Check a batch of sequences X (T, B, D) with D = input_size, at least one step and one sequence, of
    ``dtype``; return (T, B)."""
    check_array("X", X, (None, None, input_size), dtype, labels=("T", "B", "D"))
    T, B = X.shape[:2]
    if T == 0 or B == 0:
        raise ValueError(f"X: expected at least one time step and one sequence, got shape {X.shape}")
    return T, B


def check_state(name, state, parts, shape, dtype):
    """Check a recurrent state and return it as a tuple of arrays of ``shape`` (B, H), one per part.

    parts: the names of its parts, ('h',) for one array or ('h', 'c') for a pair (a tuple or list);
    state None means zeros.
    """
    if len(parts) == 1 and state is not None:
        state = (state,)
    if state is None:
        return tuple(np.zeros(shape, dtype) for _ in parts)
    if not isinstance(state, (tuple, list)) or len(state) != len(parts):
        raise ValueError(f"{name}: expected a pair ({', '.join(parts)}) of arrays of shape {_fmt(shape)}, "
                         f"got {type(state).__name__}")
    labels = [f"{name}[{i}] ({p})" for i, p in enumerate(parts)] if len(parts) > 1 else [name]
    for label, s in zip(labels, state):
        check_array(label, s, shape, dtype, labels=("B", "H"))
    return tuple(state)


def check_truncate(truncate):
    """Check a truncated-BPTT length: None (full BPTT) or a positive integer; return it unchanged."""
    if truncate is not None and (not isinstance(truncate, (int, np.integer)) or truncate < 1):
        raise ValueError(f"truncate: expected None or a positive integer, got {truncate!r}")
    return truncate
