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
