"""Checks for the graded exercises: they compare a learner's function with a reference and, when the two
disagree, say what is wrong in words a learner can act on.

Every ``check_*`` function returns None and prints nothing when the function under test is right, and raises
``AssertionError`` with a message otherwise, for example::

    AssertionError: lstm_step_forward: c has shape (4, 3), expected (3, 4) (B=3, H=4): transposed?
    AssertionError: lstm_step_forward: h is wrong: the gate blocks are read in the order i, f, o, g ...
    AssertionError: lstm_forward: H matches up to time step 1 but differs from time step t = 2 ...

Four rules hold for every check:

- Expected values come only from lstmkit's own code, never from a function the learner wrote: the learner's
  functions are called only to be judged.
- A solution that calls lstmkit's own version of the exercise (``lstmkit.cells.lstm_step_forward``, an LSTM
  layer, ``lstmkit.clip_grad_norm`` ..., as declared in :mod:`lstmkit.grading.exercises`) fails with a
  message saying so. Under the hardened grader those functions are not in the sandbox at all; in
  ``nbgrader validate`` the check notices the call. ``lstmkit.sigmoid``, ``lstmkit.dsigmoid``,
  ``lstmkit.dtanh`` and numpy stay available.
- Nothing is written to stderr: numerical warnings raised by the learner's code (overflow in ``np.exp`` ...)
  are caught and turned into a failure that names them, because nbgrader gives zero to a test cell that
  writes to stderr anyway.
- Inputs are copies: a function that modifies its arguments in place cannot change the reference values.

Shapes follow the course: time-major X (T, B, D), states (B, H), PyTorch parameter names and gate orders
(LSTM i, f, g, o; GRU r, z, n).
"""
import contextlib
import itertools
import sys
import time
import types
import warnings

import numpy as np

from .. import cells as _cells
from ..gradcheck import gradcheck as _gradcheck_fn, numerical_gradient as _numerical_gradient
from .. import reber as _reber
from ..activations import sigmoid
from . import exercises as _exercises

LSTM_GATES = ("i", "f", "g", "o")
GRU_GATES = ("r", "z", "n")
_GATE_WORDS = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
               "r": "reset gate r", "z": "update gate z", "n": "candidate n"}


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


# =============================================================================================
# Comparing arrays
# =============================================================================================
def _tolerances(dtype):
    return (1e-4, 1e-5) if np.dtype(dtype) == np.float32 else (1e-6, 1e-9)


def _fmt_shape(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _close(found, expected):
    rtol, atol = _tolerances(expected.dtype)
    return (isinstance(found, np.ndarray) and found.shape == expected.shape
            and bool(np.allclose(found, expected, rtol=rtol, atol=atol)))


def check_structure(name, found, expected, dims=None):
    """Raise AssertionError unless ``found`` is a finite numpy array with ``expected``'s shape and dtype.

    dims: optional names of the axes, e.g. "B=3, H=4", added to shape messages.
    """
    where = f" ({dims})" if dims else ""
    if not isinstance(found, np.ndarray):
        raise AssertionError(f"{name} should be a numpy array of shape {_fmt_shape(expected.shape)}{where}, "
                             f"found {type(found).__name__}")
    if found.shape != expected.shape:
        hint = ""
        if found.shape == expected.shape[::-1] and found.ndim == 2:
            hint = ": transposed?"
        elif found.size == expected.size:
            hint = ": right number of entries, wrong arrangement (check your transposes and reshapes)"
        raise AssertionError(f"{name} has shape {_fmt_shape(found.shape)}, expected "
                             f"{_fmt_shape(expected.shape)}{where}{hint}")
    if found.dtype != expected.dtype:
        raise AssertionError(f"{name} has dtype {found.dtype}, expected {expected.dtype}: keep the dtype of the "
                             f"inputs (create new arrays with np.zeros_like or dtype=x.dtype, and scale by Python "
                             f"floats: a numpy float64 scalar turns float32 arrays into float64)")
    if not np.all(np.isfinite(found)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(found))[0])
        raise AssertionError(f"{name} contains {found[bad]} at index {bad}")


def check_array(name, found, expected, dims=None):
    """Raise AssertionError unless ``found`` matches ``expected`` (shape, dtype, then values).

    The message names the first index where the values differ, the found and expected values there,
    and how many entries differ. Tolerances: rtol 1e-6 in float64, 1e-4 in float32.
    """
    expected = np.asarray(expected)
    check_structure(name, found, expected, dims)
    rtol, atol = _tolerances(expected.dtype)
    bad = ~np.isclose(found, expected, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{name} differs from the expected values at index {idx}: found {found[idx]:.6g}, expected "
            f"{expected[idx]:.6g} ({int(bad.sum())} of {bad.size} entries differ, largest difference "
            f"{float(np.max(np.abs(found - expected))):.3g})")


def check_sequence(name, found, expected, dims=None, backward=False):
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
    head = (f"{name} matches for t > {t} and first differs, going backwards in time, at t = {t}" if backward
            else f"{name} matches up to t = {t - 1} and first differs at time step t = {t}" if t > 0
            else f"{name} differs already at the first time step t = 0")
    raise AssertionError(f"{head} (index {idx}: found {found[idx]:.6g}, expected {expected[idx]:.6g}; "
                         f"{len(steps)} of {bad.shape[0]} time steps differ)")


def _compare(fname, name, found, expected, alternatives=(), dims=None, sequence=False, backward=False):
    """check_array, but when the values are wrong first try the known mistakes: ``alternatives`` is an
    iterable of (explanation, what that mistake would compute); the first that matches is reported."""
    expected = np.asarray(expected)
    check_structure(f"{fname}: {name}", found, expected, dims)
    if _close(found, expected):
        return
    for why, alt in alternatives:
        if alt is not None and _close(found, np.asarray(alt, dtype=expected.dtype)):
            raise AssertionError(f"{fname}: {name} is wrong: {why}")
    if sequence:
        check_sequence(f"{fname}: {name}", found, expected, dims, backward)
    check_array(f"{fname}: {name}", found, expected, dims)


def _unpack(out, fname, names):
    """Check that ``out`` is a tuple of len(names) items, return it as a tuple."""
    if len(names) == 1:
        return (out,)
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = f"a {type(out).__name__} of {len(out)} items" if isinstance(out, (tuple, list)) \
            else f"a single {type(out).__name__}"
        raise AssertionError(f"{fname} should return the tuple ({', '.join(names)}), it returned {got}")
    return tuple(out)


# =============================================================================================
# Random problems
# =============================================================================================
def _rng(seed):
    return np.random.default_rng(seed)


def recurrent_params(gates, inputs, hidden, rng, dtype=np.float64, scale=0.6, peepholes=False):
    """Random parameters with PyTorch's names for a cell with ``gates`` blocks; biases are non-zero so that a
    missing bias shows. Entries are uniform in [-scale, scale]."""
    G = gates
    p = {"weight_ih": rng.uniform(-scale, scale, (G * hidden, inputs)),
         "weight_hh": rng.uniform(-scale, scale, (G * hidden, hidden)),
         "bias_ih": rng.uniform(-scale, scale, G * hidden),
         "bias_hh": rng.uniform(-scale, scale, G * hidden)}
    if peepholes:
        for k in ("peep_i", "peep_f", "peep_o"):
            p[k] = rng.uniform(-1.0, 1.0, hidden)
    return {k: v.astype(dtype) for k, v in p.items()}


def _copy(params):
    return {k: v.copy() for k, v in params.items()}


def _permute_blocks(params, order, gates):
    """Parameters as seen by a learner who reads the weight blocks in ``order`` instead of ``gates``: the
    block the learner uses for gate n (position order.index(n)) moves to gate n's real position."""
    H = params["weight_hh"].shape[1]
    out = dict(params)
    for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        blocks = np.split(params[key], len(gates), axis=0)
        out[key] = np.concatenate([blocks[order.index(n)] for n in gates], axis=0)
    assert out["weight_hh"].shape[1] == H
    return out


def _dims(**sizes):
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


# =============================================================================================
# Chapter 1: the simple RNN and its gradients
# =============================================================================================
def _rnn_step(x, h, p, transpose_hh=True, bias_hh=True, tanh=True):
    W_hh = p["weight_hh"].T if transpose_hh else p["weight_hh"]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h @ W_hh + (p["bias_hh"] if bias_hh else 0)
    return np.tanh(a) if tanh else a


def check_rnn_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x (B, D), h_prev (B, H), params) -> h (B, H), the Elman step h = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    rng = _rng(seed)
    x = rng.standard_normal((batch, inputs)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    p = recurrent_params(1, inputs, hidden, rng, dtype)
    (h,) = _unpack(_call(fn, "rnn_step_forward", x.copy(), h_prev.copy(), _copy(p)), "rnn_step_forward", ["h"])
    expected, _ = _cells.rnn_step_forward(x, h_prev, p)
    alts = [
        ("it does not depend on h_prev: the previous state is unused (h = tanh(W_ih x + b_ih + W_hh h_prev "
         "+ b_hh))", _rnn_step(x, np.zeros_like(h_prev), p)),
        ("h_prev is multiplied by W_hh instead of W_hh.T (the rows of weight_hh are the new units: "
         "use h_prev @ W_hh.T)", _rnn_step(x, h_prev, p, transpose_hh=False)),
        ("bias_hh is missing (PyTorch's layout has two biases, bias_ih and bias_hh: add both)",
         _rnn_step(x, h_prev, p, bias_hh=False)),
        ("the tanh is missing", _rnn_step(x, h_prev, p, tanh=False)),
    ]
    _compare("rnn_step_forward", "h", h, expected, alts, _dims(B=batch, H=hidden))


def _hidden_grads(H, W_hh, dh_last, use_dtanh=True, transpose=False, shift=0):
    """dL/dH[t] for t = 0..T-1 when L = sum(dh_last * H[-1]) and H[t] = tanh(... + H[t-1] @ W_hh.T)."""
    T = H.shape[0]
    W = W_hh.T if transpose else W_hh
    g = [None] * T
    g[T - 1] = dh_last
    for t in range(T - 1, 0, -1):
        k = min(max(t - shift, 0), T - 1)
        local = (1 - H[k] ** 2) if use_dtanh else 1.0
        g[t - 1] = (g[t] * local) @ W
    return np.stack(g)


def _norms(G):
    return np.sqrt((G.astype(np.float64) ** 2).sum(axis=(1, 2))).astype(G.dtype)


def _rnn_sequence(X, h0, p):
    hs, h = [], h0
    for t in range(X.shape[0]):
        h = _rnn_step(X[t], h, p)
        hs.append(h)
    return np.stack(hs)


def check_hidden_gradient_norms(fn, *, steps=8, batch=3, inputs=4, hidden=5, seed=0, scale=0.6,
                                dtype=np.float64, finite_differences=False):
    """fn(H (T, B, H), W_hh (H, H), dh_last (B, H)) -> norms (T,): norms[t] = ||dL/dH[t]|| (over the batch and
    the units) for the loss L = sum(dh_last * H[T-1]) of a tanh RNN whose hidden states are H.

    finite_differences: also compare with norms of numerical gradients (each H[t] perturbed and the network
    run forward from there), an independent check of the reference.
    """
    rng = _rng(seed)
    X = rng.standard_normal((steps, batch, inputs))
    p = recurrent_params(1, inputs, hidden, rng, scale=scale)
    h0 = rng.uniform(-1, 1, (batch, hidden))
    H = _rnn_sequence(X, h0, p)
    dh_last = rng.standard_normal((batch, hidden))
    H, dh_last, W = H.astype(dtype), dh_last.astype(dtype), p["weight_hh"].astype(dtype)
    (norms,) = _unpack(_call(fn, "hidden_gradient_norms", H.copy(), W.copy(), dh_last.copy()),
                       "hidden_gradient_norms", ["norms"])
    expected = _norms(_hidden_grads(H, W, dh_last))
    if finite_differences:
        # L as a function of H[t]: run the remaining steps from H[t] (float64).
        H64, W64 = H.astype(np.float64), W.astype(np.float64)
        p64 = dict(p, weight_hh=W64)
        numeric = np.zeros(steps)
        for t in range(steps):
            h_t = H64[t].copy()

            def loss():
                h = h_t
                for s in range(t + 1, steps):
                    h = _rnn_step(X[s], h, p64)
                return float((dh_last.astype(np.float64) * h).sum())
            numeric[t] = np.linalg.norm(_numerical_gradient(loss, h_t))
        rtol, atol = _tolerances(dtype)
        if not np.allclose(expected, numeric, rtol=max(rtol, 1e-5), atol=1e-7):  # pragma: no cover
            raise AssertionError("internal check failed: reference norms disagree with finite differences")
        expected = numeric.astype(dtype)
    if isinstance(norms, (list, tuple)):
        norms = np.asarray(norms)
    alts = [
        ("the tanh derivative (1 - H[t]**2) is missing from each step back",
         _norms(_hidden_grads(H, W, dh_last, use_dtanh=False))),
        ("the gradient is multiplied by W_hh.T; going back through h_t = tanh(... + h_{t-1} @ W_hh.T) "
         "multiplies by W_hh: dh_{t-1} = (dh_t * (1 - h_t**2)) @ W_hh",
         _norms(_hidden_grads(H, W, dh_last, transpose=True))),
        ("the tanh derivative is taken at the wrong step: going from t to t-1 uses 1 - H[t]**2, the state the "
         "step produced", _norms(_hidden_grads(H, W, dh_last, shift=1))),
        ("the norms come in reverse order: norms[t] belongs to H[t], so norms[-1] = ||dh_last||",
         _norms(_hidden_grads(H, W, dh_last))[::-1]),
    ]
    _compare("hidden_gradient_norms", "norms", norms, expected, alts, _dims(T=steps), sequence=True,
             backward=True)


def check_clip_by_global_norm(fn, *, seed=0, max_norm=1.0, sizes=((4, 3), (4, 4), (4,), (4,)),
                              dtype=np.float64):
    """fn(grads: dict name -> array, max_norm) -> (clipped: dict, total_norm: float).

    Pascanu et al. (2013): if the global norm ||g|| = sqrt(sum of squares over every array) exceeds max_norm,
    every array is scaled by max_norm / ||g||; otherwise nothing changes. total_norm is ||g|| before
    clipping. The arrays passed in must not be modified. Tries one gradient above and one below max_norm.
    """
    rng = _rng(seed)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "peep_i", "peep_o"][:len(sizes)]
    for factor in (7.0, 0.4):
        grads = {k: rng.standard_normal(s).astype(dtype) for k, s in zip(names, sizes)}
        total = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values())))
        # bring the norm to factor * max_norm, unevenly spread over the arrays
        grads = {k: (g * factor * max_norm / total).astype(dtype) for k, g in grads.items()}
        total = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values())))
        before = _copy(grads)
        out = _call(fn, "clip_by_global_norm", grads, max_norm)
        clipped, norm = _unpack(out, "clip_by_global_norm", ["clipped", "total_norm"])
        for k in grads:
            if not np.array_equal(grads[k], before[k]):
                raise AssertionError(f"clip_by_global_norm changed the array grads[{k!r}] that was passed in: "
                                     f"return new arrays (e.g. g * scale) and leave the inputs alone")
        if not isinstance(clipped, dict) or set(clipped) != set(grads):
            raise AssertionError(f"clip_by_global_norm: clipped should be a dict with the keys {sorted(grads)}, "
                                 f"found {sorted(clipped) if isinstance(clipped, dict) else type(clipped).__name__}")
        if not np.ndim(norm) == 0 or not np.isclose(float(norm), total, rtol=1e-5):
            hint = ""
            if np.ndim(norm) == 0 and np.isclose(float(norm), total ** 2, rtol=1e-5):
                hint = ": that is the sum of squares, take its square root"
            elif np.ndim(norm) == 0 and np.isclose(float(norm), min(total, max_norm), rtol=1e-5) and total > max_norm:
                hint = ": return the norm before clipping"
            raise AssertionError(f"clip_by_global_norm: total_norm is {norm!r}, expected {total:.6g} (the "
                                 f"global norm before clipping){hint}")
        scale = max_norm / total if total > max_norm else 1.0
        for k in names:
            expected = (before[k] * scale).astype(dtype)
            per_tensor = before[k] * min(1.0, max_norm / max(float(np.linalg.norm(before[k])), 1e-30))
            alts = [
                ("each array was clipped by its own norm; clip by the global norm of all arrays together, "
                 "so that the direction of the whole gradient is kept", per_tensor),
                ("the entries were clipped one by one (np.clip); scale the whole gradient instead",
                 np.clip(before[k], -max_norm, max_norm)),
                ("the gradient was rescaled although its norm is below max_norm: clip only when "
                 "||g|| > max_norm", before[k] * max_norm / total),
            ]
            _compare("clip_by_global_norm", f"clipped[{k!r}] (global norm {total:.3g}, max_norm {max_norm})",
                     clipped[k], expected, alts)


# =============================================================================================
# Chapter 2: gates and the LSTM step forward
# =============================================================================================
def lstm_problem(batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64, peepholes=False):
    """Random x (B, D), h_prev (B, H), c_prev (B, H) and LSTM parameters (gate order i, f, g, o)."""
    rng = _rng(seed)
    x = rng.standard_normal((batch, inputs)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    c_prev = rng.uniform(-2, 2, (batch, hidden)).astype(dtype)
    return x, h_prev, c_prev, recurrent_params(4, inputs, hidden, rng, dtype, peepholes=peepholes)


def _preactivations(x, h_prev, p, bias_hh=True):
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + (p["bias_hh"] if bias_hh else 0)
    return np.split(a, 4, axis=-1)


def check_lstm_gates(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x (B, D), h_prev (B, H), params) -> dict with the keys 'i', 'f', 'g', 'o', each (B, H):
    i, f, o = sigmoid of their blocks, g = tanh of its block, blocks in the order i, f, g, o.

    When a gate is wrong, the message says which one and, when it can tell, why: the block it was computed
    from, or the activation function it used.
    """
    x, h_prev, _, p = lstm_problem(batch, inputs, hidden, seed, dtype)
    gates = _call(fn, "lstm_gates", x.copy(), h_prev.copy(), _copy(p))
    if not isinstance(gates, dict):
        raise AssertionError(f"lstm_gates should return a dict with the keys 'i', 'f', 'g', 'o', "
                             f"found {type(gates).__name__}")
    missing = [k for k in LSTM_GATES if k not in gates]
    if missing:
        raise AssertionError(f"lstm_gates: the dict has no key {missing[0]!r} (it has {sorted(gates)}); "
                             f"expected the keys 'i', 'f', 'g', 'o'")
    a = dict(zip(LSTM_GATES, _preactivations(x, h_prev, p)))
    act = {"i": sigmoid, "f": sigmoid, "g": np.tanh, "o": sigmoid}
    H = hidden
    rows = {n: f"rows {k * H}:{(k + 1) * H}" for k, n in enumerate(LSTM_GATES)}
    for n in LSTM_GATES:
        expected = act[n](a[n])
        alts = []
        for m in LSTM_GATES:
            for fname, f in (("sigmoid", sigmoid), ("tanh", np.tanh)):
                if m == n and f is act[n]:
                    continue
                if m == n:
                    why = f"{_GATE_WORDS[n]} needs the {'tanh' if act[n] is np.tanh else 'sigmoid'}, found the {fname}"
                else:
                    why = (f"{_GATE_WORDS[n]} was computed from {rows[m]} of the weights, the block of "
                           f"{_GATE_WORDS[m]}; {n} is block {LSTM_GATES.index(n)} ({rows[n]}) in the order i, f, g, o")
                alts.append((why, f(a[m])))
        alts.append((f"{_GATE_WORDS[n]}: bias_hh is missing (add both bias_ih and bias_hh)",
                     act[n](dict(zip(LSTM_GATES, _preactivations(x, h_prev, p, bias_hh=False)))[n])))
        alts.append((f"{_GATE_WORDS[n]} does not depend on h_prev",
                     act[n](dict(zip(LSTM_GATES, _preactivations(x, np.zeros_like(h_prev), p)))[n])))
        _compare("lstm_gates", f"gate {n!r}", gates[n], expected, alts, _dims(B=batch, H=hidden))


def _gate_order_alternatives(step, x, h_prev, c_prev, p, which):
    """(explanation, output) for every other order of reading the four gate blocks."""
    out = []
    for order in itertools.permutations(LSTM_GATES):
        if order == LSTM_GATES:
            continue
        res = step(x, h_prev, c_prev, _permute_blocks(p, order, LSTM_GATES))
        out.append((f"the gate blocks are read in the order {', '.join(order)}; the rows of the weights come "
                    f"in the order i, f, g, o (PyTorch's: rows 0:H input gate, H:2H forget gate, 2H:3H "
                    f"candidate g, 3H:4H output gate)", res[which]))
    return out


def _lstm_ref(x, h_prev, c_prev, p, **kw):
    h, c, _ = _cells.lstm_step_forward(x, h_prev, c_prev, p, **kw)
    return h, c


def check_lstm_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x (B, D), h_prev (B, H), c_prev (B, H), params) -> (h, c), each (B, H): one LSTM step with the
    gates i, f, g, o:  c = f * c_prev + i * g,  h = o * tanh(c)."""
    x, h_prev, c_prev, p = lstm_problem(batch, inputs, hidden, seed, dtype)
    out = _call(fn, "lstm_step_forward", x.copy(), h_prev.copy(), c_prev.copy(), _copy(p))
    h, c = _unpack(out, "lstm_step_forward", ["h", "c"])
    h_ref, c_ref = _lstm_ref(x, h_prev, c_prev, p)
    i, f, g, o = (sigmoid(a) if k != 2 else np.tanh(a) for k, a in enumerate(_preactivations(x, h_prev, p)))
    dims = _dims(B=batch, H=hidden)

    def alts(which):
        common = [
            ("the previous cell state c_prev is unused (c = f * c_prev + i * g)",
             _lstm_ref(x, h_prev, np.zeros_like(c_prev), p)[which]),
            ("the previous hidden state h_prev is unused (it enters every gate through W_hh)",
             _lstm_ref(x, np.zeros_like(h_prev), c_prev, p)[which]),
            ("both initial states h_prev and c_prev are unused",
             _lstm_ref(x, np.zeros_like(h_prev), np.zeros_like(c_prev), p)[which]),
        ]
        if which == 1:
            common.append(("the candidate g uses the sigmoid; it needs the tanh", f * c_prev + i * sigmoid(
                _preactivations(x, h_prev, p)[2])))
            common.append(("the forget gate multiplies the new candidate and the input gate the old state: "
                           "c = f * c_prev + i * g", i * c_prev + f * g))
        else:
            common.append(("the tanh of the cell state is missing: h = o * tanh(c)", o * c_ref))
            common.append(("h uses the previous cell state: h = o * tanh(c) with the new c", o * np.tanh(c_prev)))
        return common + _gate_order_alternatives(_lstm_ref, x, h_prev, c_prev, p, which)

    _compare("lstm_step_forward", "c", c, c_ref, alts(1), dims)
    _compare("lstm_step_forward", "h", h, h_ref, alts(0), dims)


def lstm_sequence_problem(steps=6, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """Random X (T, B, D), h0 (B, H), c0 (B, H) and LSTM parameters."""
    rng = _rng(seed)
    X = rng.standard_normal((steps, batch, inputs)).astype(dtype)
    h0 = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    c0 = rng.uniform(-2, 2, (batch, hidden)).astype(dtype)
    return X, h0, c0, recurrent_params(4, inputs, hidden, rng, dtype)


def _lstm_run(X, h0, c0, p, carry_h=True, carry_c=True, step=None):
    step = step or _lstm_ref
    hs, h, c = [], h0, c0
    for t in range(X.shape[0]):
        h, c = _unpack(step(X[t], h if carry_h else h0, c if carry_c else c0, p), "lstm_step_forward", ["h", "c"])
        hs.append(h)
    return np.stack(hs), h, c


def check_lstm_forward(fn, step=None, *, steps=6, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(X (T, B, D), h0 (B, H), c0 (B, H), params) -> (H (T, B, H), c_T (B, H)).

    H[t] is the hidden state after input X[t] (h0 is not in H). The expected values come from lstmkit's
    step. step: the learner's own ``lstm_step_forward``, used only to explain a failure: when fn's output is
    wrong but equals the loop over the learner's step, the message says to fix the step first.
    """
    X, h0, c0, p = lstm_sequence_problem(steps, batch, inputs, hidden, seed, dtype)
    out = _call(fn, "lstm_forward", X.copy(), h0.copy(), c0.copy(), _copy(p))
    H, c_T = _unpack(out, "lstm_forward", ["H", "c_T"])
    run = _lstm_run
    H_ref, _, c_ref = run(X, h0, c0, p)
    if isinstance(H, np.ndarray) and H.shape == (steps + 1, batch, hidden):
        raise AssertionError(f"lstm_forward: H has shape {_fmt_shape(H.shape)}, expected "
                             f"{_fmt_shape(H_ref.shape)}: H[t] is the state after input X[t]; leave h0 out")
    z = np.zeros_like

    def alts(k):
        return [
            ("the state is not carried from one step to the next: every step starts from (h0, c0)",
             run(X, h0, c0, p, carry_h=False, carry_c=False)[k]),
            ("the cell state is not carried: every step starts from c0", run(X, h0, c0, p, carry_c=False)[k]),
            ("the hidden state is not carried: every step starts from h0", run(X, h0, c0, p, carry_h=False)[k]),
            ("the initial states are unused: start from h0 and c0, not zeros", run(X, z(h0), z(c0), p)[k]),
            ("the initial cell state c0 is unused", run(X, h0, z(c0), p)[k]),
            ("the initial hidden state h0 is unused", run(X, z(h0), c0, p)[k]),
        ]
    with _blame_step(step, "lstm_forward", "lstm_step_forward",
                     lambda learner: _lstm_run(X, h0, c0, p, step=learner), (H, c_T), (0, 2)):
        _compare("lstm_forward", "H", H, H_ref, alts(0), _dims(T=steps, B=batch, H=hidden), sequence=True)
        _compare("lstm_forward", "c_T", c_T, c_ref, alts(2), _dims(B=batch, H=hidden))


@contextlib.contextmanager
def _blame_step(step, name, step_name, loop, found, picks):
    """Re-raise a failed comparison of ``name`` with a better message when the learner's results equal
    ``loop`` run over the learner's own ``step``: the loop is right and the step is wrong. Runs the learner's
    step only after the check has failed, so it can never turn a failure into a pass."""
    try:
        yield
    except AssertionError:
        if step is None:
            raise
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = loop(lambda *a: _call(step, step_name, *a))
            same = all(isinstance(f, np.ndarray) and f.shape == np.shape(theirs[k]) and
                       np.allclose(f, theirs[k], rtol=1e-6, atol=1e-9) for f, k in zip(found, picks))
        except Exception:  # the learner's step fails on its own: keep the original message
            same = False
        if not same:
            raise
        raise AssertionError(f"{name} runs the loop over time correctly, but over your {step_name}, which "
                             f"is wrong: fix {step_name} first (see its test); {name} then passes too") from None


# =============================================================================================
# Chapter 3: the LSTM step backward, and the gradient along the cell state
# =============================================================================================
def _lstm_backward_variant(dh, dc, cache, *, upstream_dc=True, through_h=True, times_f=True):
    """The LSTM step backward written out once more, with switches for the usual mistakes:
    upstream_dc=False drops the dc arriving from step t+1; through_h=False drops the path
    dh -> h = o * tanh(c) -> c; times_f=False forgets the factor f in dc_prev."""
    x, h_prev, c_prev, p = cache["x"], cache["h_prev"], cache["c_prev"], cache["params"]
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    tc = np.tanh(c)
    dct = (dc if upstream_dc else 0) + (dh * o * (1 - tc ** 2) if through_h else 0)
    da = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f), dct * i * (1 - g ** 2),
                         dh * tc * o * (1 - o)], axis=-1)
    dparams = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    return da @ p["weight_ih"], da @ p["weight_hh"], dct * (f if times_f else 1), dparams


_BACKWARD_MISTAKES = (
    ("the gradient dc arriving along the cell state from step t+1 is missing: the cell's total gradient is "
     "dc + dh * o * (1 - tanh(c)**2)", dict(upstream_dc=False)),
    ("the term dh * o * (1 - tanh(c)**2), which reaches c through h = o * tanh(c), is missing from the "
     "cell's gradient", dict(through_h=False)),
    ("dc_prev is missing the factor f: c = f * c_prev + i * g, so dc_prev = dc_total * f",
     dict(times_f=False)),
)


def check_lstm_step_backward(fn, *, part="all", batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64,
                             finite_differences=False):
    """fn(dh (B, H), dc (B, H), cache) -> (dx (B, D), dh_prev (B, H), dc_prev (B, H), dparams).

    cache is the dict returned by ``lstmkit.cells.lstm_step_forward`` (keys x, h_prev, c_prev, params, i, f,
    g, o, c). part: 'state' checks dc_prev, 'inputs' checks dx and dh_prev, 'params' checks dparams,
    'all' everything. finite_differences: also run lstmkit.gradcheck on the loss
    L = sum(dh * h) + sum(dc * c) against the learner's gradients.
    """
    x, h_prev, c_prev, p = lstm_problem(batch, inputs, hidden, seed, dtype)
    rng = _rng(seed + 1000)
    dh = rng.standard_normal((batch, hidden)).astype(dtype)
    dc = rng.standard_normal((batch, hidden)).astype(dtype)
    _, _, cache = _cells.lstm_step_forward(x, h_prev, c_prev, p)
    student_cache = {k: _copy(v) if isinstance(v, dict) else np.array(v, copy=True) for k, v in cache.items()}
    out = _call(fn, "lstm_step_backward", dh.copy(), dc.copy(), student_cache)
    dx, dh_prev, dc_prev, dparams = _unpack(out, "lstm_step_backward", ["dx", "dh_prev", "dc_prev", "dparams"])
    ref = _cells.lstm_step_backward(dh, dc, cache)
    variants = [(why, _lstm_backward_variant(dh, dc, cache, **kw)) for why, kw in _BACKWARD_MISTAKES]
    dims = _dims(B=batch, H=hidden)
    if part in ("state", "all"):
        _compare("lstm_step_backward", "dc_prev", dc_prev, ref[2], [(w, v[2]) for w, v in variants], dims)
    if part in ("inputs", "all"):
        _compare("lstm_step_backward", "dh_prev", dh_prev, ref[1], [(w, v[1]) for w, v in variants], dims)
        _compare("lstm_step_backward", "dx", dx, ref[0], [(w, v[0]) for w, v in variants], _dims(B=batch, D=inputs))
    if part in ("params", "all"):
        if not isinstance(dparams, dict):
            raise AssertionError(f"lstm_step_backward: dparams should be a dict, found {type(dparams).__name__}")
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if k not in dparams:
                raise AssertionError(f"lstm_step_backward: dparams has no key {k!r}; expected the keys of params")
            extra = [(w, v[3][k]) for w, v in variants]
            if k == "bias_hh":
                extra.append(("dparams['bias_hh'] is zero: bias_hh is added to the pre-activations exactly like "
                              "bias_ih, so both get the same gradient", np.zeros_like(ref[3][k])))
            _compare("lstm_step_backward", f"dparams[{k!r}]", dparams[k], ref[3][k], extra,
                     _dims(shape=_fmt_shape(p[k].shape)))
    if finite_differences:
        _finite_difference_check_step(x, h_prev, c_prev, p, dh, dc, dx, dh_prev, dc_prev, dparams, part)


def _finite_difference_check_step(x, h_prev, c_prev, p, dh, dc, dx, dh_prev, dc_prev, dparams, part):
    x, h_prev, c_prev = (a.astype(np.float64) for a in (x, h_prev, c_prev))
    p = {k: v.astype(np.float64) for k, v in p.items()}
    dh, dc = dh.astype(np.float64), dc.astype(np.float64)

    def loss():
        h, c, _ = _cells.lstm_step_forward(x, h_prev, c_prev, p)
        return float((dh * h).sum() + (dc * c).sum())
    arrays, grads = {}, {}
    if part in ("state", "all"):
        arrays["c_prev"], grads["c_prev"] = c_prev, dc_prev
    if part in ("inputs", "all"):
        arrays.update(x=x, h_prev=h_prev)
        grads.update(x=dx, h_prev=dh_prev)
    if part in ("params", "all"):
        arrays.update(p)
        grads.update({k: dparams[k] for k in p})
    errors = _gradcheck_fn(loss, arrays, {k: np.asarray(v, np.float64) for k, v in grads.items()})
    worst = max(errors, key=errors.get)
    if errors[worst] > 1e-5:
        raise AssertionError(f"lstm_step_backward: the gradient with respect to {worst} disagrees with finite "
                             f"differences (relative error {errors[worst]:.2g}, expected below 1e-5)")


def _lstm_bptt(dH, caches, upstream_dc=True, recurrent_dh=True, sum_params=True, step=None):
    """Backpropagation through time over step caches, with switches for the usual mistakes."""
    step = step or _cells.lstm_step_backward
    T = len(caches)
    B, Hn = dH.shape[1:]
    dX = [None] * T
    dh_next, dc_next = np.zeros((B, Hn), dH.dtype), np.zeros((B, Hn), dH.dtype)
    total = None
    for t in range(T - 1, -1, -1):
        dh = dH[t] + (dh_next if recurrent_dh else 0)
        out = step(dh, dc_next, caches[t])
        dx, dh_next, dc_next_new, dp = _unpack(out, "lstm_step_backward", ["dx", "dh_prev", "dc_prev", "dparams"])
        dc_next = dc_next_new if upstream_dc else np.zeros_like(dc_next_new)
        dX[t] = dx
        if total is None or not sum_params:
            total = {k: np.array(v, copy=True) for k, v in dp.items()}
        else:
            for k in total:
                total[k] = total[k] + dp[k]
    return np.stack(dX), dh_next, dc_next_new, total


def check_lstm_backward(fn, step_backward=None, *, steps=5, batch=2, inputs=3, hidden=4, seed=0,
                        dtype=np.float64, finite_differences=False):
    """fn(dH (T, B, H), caches) -> (dX (T, B, D), dh0 (B, H), dc0 (B, H), dparams).

    caches: the T caches of ``lstmkit.cells.lstm_step_forward`` from a forward pass over X (T, B, D) from
    (h0, c0); dH: the gradient of the loss with respect to every hidden output H[t]; dparams: the parameter
    gradients summed over all time steps. The expected values come from lstmkit's step. step_backward: the
    learner's own ``lstm_step_backward``, used only to explain a failure (see :func:`check_lstm_forward`).
    finite_differences=True also compares with lstmkit.gradcheck on L = sum(dH * H).
    """
    X, h0, c0, p = lstm_sequence_problem(steps, batch, inputs, hidden, seed, dtype)
    caches, h, c = [], h0, c0
    for t in range(steps):
        h, c, cache = _cells.lstm_step_forward(X[t], h, c, p)
        caches.append(cache)
    dH = _rng(seed + 1000).standard_normal((steps, batch, hidden)).astype(dtype)
    ref = _lstm_bptt(dH, caches)
    mistakes = [
        ("the gradient along the cell state is not carried back: pass dc_prev of step t as the dc of step t-1",
         _lstm_bptt(dH, caches, upstream_dc=False)),
        ("the recurrent gradient is missing: the dh of step t is dH[t] plus dh_prev from step t+1",
         _lstm_bptt(dH, caches, recurrent_dh=False)),
        ("dparams holds one step's gradient: sum the parameter gradients over all time steps",
         _lstm_bptt(dH, caches, sum_params=False)),
    ]
    learner_caches = [{k: _copy(v) if isinstance(v, dict) else np.array(v, copy=True) for k, v in cc.items()}
                      for cc in caches]
    out = _call(fn, "lstm_backward", dH.copy(), learner_caches)
    dX, dh0, dc0, dparams = _unpack(out, "lstm_backward", ["dX", "dh0", "dc0", "dparams"])
    dims = _dims(T=steps, B=batch, D=inputs)
    with _blame_step(step_backward, "lstm_backward", "lstm_step_backward",
                     lambda learner: _lstm_bptt(dH, caches, step=learner), (dX, dh0, dc0), (0, 1, 2)):
        _compare("lstm_backward", "dX", dX, ref[0], [(w, m[0]) for w, m in mistakes], dims, sequence=True,
                 backward=True)
        _compare("lstm_backward", "dh0", dh0, ref[1], [(w, m[1]) for w, m in mistakes],
                 _dims(B=batch, H=hidden))
        _compare("lstm_backward", "dc0", dc0, ref[2], [(w, m[2]) for w, m in mistakes],
                 _dims(B=batch, H=hidden))
    if not isinstance(dparams, dict):
        raise AssertionError(f"lstm_backward: dparams should be a dict, found {type(dparams).__name__}")
    for k in ref[3]:
        if k not in dparams:
            raise AssertionError(f"lstm_backward: dparams has no key {k!r}; expected the keys of params")
        _compare("lstm_backward", f"dparams[{k!r}]", dparams[k], ref[3][k], [(w, m[3][k]) for w, m in mistakes])
    if finite_differences:
        X64, h064, c064 = X.astype(np.float64), h0.astype(np.float64), c0.astype(np.float64)
        p64 = {k: v.astype(np.float64) for k, v in p.items()}
        dH64 = dH.astype(np.float64)

        def loss():
            total, h, c = 0.0, h064, c064
            for t in range(steps):
                h, c, _ = _cells.lstm_step_forward(X64[t], h, c, p64)
                total += float((dH64[t] * h).sum())
            return total
        arrays = dict(X=X64, h0=h064, c0=c064, **p64)
        grads = dict(X=dX, h0=dh0, c0=dc0, **{k: dparams[k] for k in p64})
        errors = _gradcheck_fn(loss, arrays, {k: np.asarray(v, np.float64) for k, v in grads.items()})
        worst = max(errors, key=errors.get)
        if errors[worst] > 1e-5:
            raise AssertionError(f"lstm_backward: the gradient with respect to {worst} disagrees with finite "
                                 f"differences (relative error {errors[worst]:.2g})")


# =============================================================================================
# Chapter 4: variants (peepholes, GRU) and parameter counts
# =============================================================================================
def check_peephole_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x, h_prev, c_prev, params) -> (h, c): the LSTM step with peepholes (Gers & Schmidhuber 2000):
    i = s(a_i + peep_i * c_prev), f = s(a_f + peep_f * c_prev), o = s(a_o + peep_o * c) with the NEW c."""
    x, h_prev, c_prev, p = lstm_problem(batch, inputs, hidden, seed, dtype, peepholes=True)
    out = _call(fn, "peephole_step_forward", x.copy(), h_prev.copy(), c_prev.copy(), _copy(p))
    h, c = _unpack(out, "peephole_step_forward", ["h", "c"])
    ref = _lstm_ref(x, h_prev, c_prev, p, peepholes=True)
    ai, af, ag, ao = _preactivations(x, h_prev, p)
    i, f = sigmoid(ai + p["peep_i"] * c_prev), sigmoid(af + p["peep_f"] * c_prev)
    c_ok = f * c_prev + i * np.tanh(ag)
    h_old_c = sigmoid(ao + p["peep_o"] * c_prev) * np.tanh(c_ok)
    swapped = dict(p, peep_i=p["peep_f"], peep_f=p["peep_i"])
    dims = _dims(B=batch, H=hidden)
    common = [("the peepholes are missing (add peep_i * c_prev, peep_f * c_prev, peep_o * c to the gates' "
               "pre-activations)", _lstm_ref(x, h_prev, c_prev, p)),
              ("peep_i and peep_f are swapped", _lstm_ref(x, h_prev, c_prev, swapped, peepholes=True)),
              ("the previous cell state c_prev is unused",
               _lstm_ref(x, h_prev, np.zeros_like(c_prev), p, peepholes=True))]
    _compare("peephole_step_forward", "c", c, ref[1], [(w, v[1]) for w, v in common], dims)
    _compare("peephole_step_forward", "h", h, ref[0],
             [("the output gate looks at the previous cell state c_prev; in Gers & Schmidhuber's cell it looks "
               "at the new c (o = sigmoid(a_o + peep_o * c))", h_old_c)] + [(w, v[0]) for w, v in common], dims)


def _gru(x, h_prev, p, reset_after=False, blend_swapped=False):
    h, cache = _cells.gru_step_forward(x, h_prev, p, reset_after=reset_after)
    if blend_swapped:
        h = cache["z"] * cache["n"] + (1 - cache["z"]) * h_prev
    return h


def check_gru_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x (B, D), h_prev (B, H), params) -> h (B, H): the GRU of Cho et al. (2014), gate order r, z, n,
    n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn),  h = (1 - z) * n + z * h_prev."""
    rng = _rng(seed)
    x = rng.standard_normal((batch, inputs)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    p = recurrent_params(3, inputs, hidden, rng, dtype)
    (h,) = _unpack(_call(fn, "gru_step_forward", x.copy(), h_prev.copy(), _copy(p)), "gru_step_forward", ["h"])
    expected = _gru(x, h_prev, p)
    rz = _permute_blocks(p, ("z", "r", "n"), GRU_GATES)
    alts = [
        ("z and 1 - z are swapped (the other GRU convention, h = z * n + (1 - z) * h_prev); this course follows "
         "Cho et al. and PyTorch: h = (1 - z) * n + z * h_prev", _gru(x, h_prev, p, blend_swapped=True)),
        ("the reset gate is applied after the matrix product (PyTorch's reset_after form, r * (W_hn h_prev + "
         "b_hn)); Cho et al. apply it before: W_hn (r * h_prev) + b_hn", _gru(x, h_prev, p, reset_after=True)),
        ("both the blend (z and 1 - z swapped) and the reset (after the product) follow other conventions",
         _gru(x, h_prev, p, reset_after=True, blend_swapped=True)),
        ("the gate blocks r and z are swapped: the rows come in the order r, z, n", _gru(x, h_prev, rz)),
        ("the previous state h_prev is unused", _gru(x, np.zeros_like(h_prev), p)),
    ]
    _compare("gru_step_forward", "h", h, expected, alts, _dims(B=batch, H=hidden))


def _count_reference(cell, D, H, **options):
    from .. import layers
    cls = {"rnn": layers.RNN, "lstm": layers.LSTM, "gru": layers.GRU}[cell]
    return cls(D, H, seed=0, **options).n_params


COUNT_CASES = (
    ("rnn", 7, 3, {}), ("lstm", 7, 3, {}), ("gru", 7, 3, {}), ("lstm", 1, 1, {}),
    ("lstm", 5, 8, {"peepholes": True}), ("lstm", 5, 8, {"coupled": True}),
    ("lstm", 5, 8, {"forget_gate": False}), ("lstm", 5, 8, {"forget_gate": False, "peepholes": True}),
    ("lstm", 4, 6, {"coupled": True, "peepholes": True}),
)


def check_count_parameters(fn, cases=COUNT_CASES):
    """fn(cell, input_size, hidden_size, **options) -> int, the number of trainable numbers of one layer
    ('rnn', 'lstm' or 'gru'; LSTM options peepholes, coupled, forget_gate) with PyTorch's two biases."""
    for cell, D, H, options in cases:
        expected = _count_reference(cell, D, H, **options)
        found = _call(fn, "count_parameters", cell, D, H, kwargs=options)
        args = ", ".join([repr(cell), str(D), str(H)] + [f"{k}={v!r}" for k, v in options.items()])
        if isinstance(found, (bool, np.bool_)) or not isinstance(found, (int, np.integer)):
            raise AssertionError(f"count_parameters({args}) should return an int, found {type(found).__name__}")
        if found == expected:
            continue
        separate_f = options.get("forget_gate", True) and not options.get("coupled", False)
        G = {"rnn": 1, "gru": 3, "lstm": 4 if separate_f else 3}[cell]
        n_peep = (3 if separate_f else 2) if options.get("peepholes") else 0
        hints = {expected - G * H: "only one bias is counted; PyTorch's layout has bias_ih and bias_hh"}
        if n_peep:
            hints[expected - n_peep * H] = "the peephole weights are missing"
            hints[expected + n_peep * (H * H - H)] = ("peephole weights are diagonal: one vector of H numbers per "
                                                      "peephole, not an H x H matrix")
        if cell == "lstm" and not separate_f:
            hints[expected + H * (D + H + 2) + (H if options.get("peepholes") else 0)] = \
                "this variant has no separate forget gate: 3 gate blocks (i, g, o), not 4"
        why = hints.get(int(found), "")
        raise AssertionError(f"count_parameters({args}) returned {found}, expected {expected}"
                             + (f": {why}" if why else ""))


# =============================================================================================
# Chapter 5: the Reber grammar
# =============================================================================================
def _expected_reber_length(m):
    """Expected number of symbols of a string of machine m (solves E[s] = sum p (1 + E[next]))."""
    states = list(m.transitions)
    index = {s: k for k, s in enumerate(states)}
    A = np.eye(len(states))
    b = np.zeros(len(states))
    for s, outs in m.transitions.items():
        for _, nxt, pr in outs:
            b[index[s]] += pr
            if nxt in index:
                A[index[s], index[nxt]] -= pr
    return float(np.linalg.solve(A, b)[index[m.start]])


def check_reber_generator(fn, *, n=500, seed=0):
    """fn(n, seed) -> list of n random strings of the Reber grammar, B...E, every choice a fair coin, drawn
    from np.random.default_rng(seed). Checks: all grammatical, every transition of the machine taken, each
    choice close to 50/50, mean length near its expected value, same seed -> same strings."""
    m = _reber.reber_machine()
    strings = _call(fn, "reber_strings", n, seed)
    if not isinstance(strings, (list, tuple)) or len(strings) != n:
        got = f"{len(strings)} items" if isinstance(strings, (list, tuple)) else type(strings).__name__
        raise AssertionError(f"reber_strings({n}, {seed}) should return a list of {n} strings, found {got}")
    for s in strings:
        if not isinstance(s, str):
            raise AssertionError(f"reber_strings should return strings like 'BTXSE', found {type(s).__name__}")
        verdict = _reber.accept(s, m)
        if not verdict.ok:
            raise AssertionError(f"reber_strings returned {s!r}, which is not a Reber string: at position "
                                 f"{verdict.position}, {verdict.reason}")
    again = _call(fn, "reber_strings", n, seed)
    if list(again) != list(strings):
        raise AssertionError("reber_strings gave different strings for the same seed: draw every random choice "
                             "from rng = np.random.default_rng(seed) (rng.random(), rng.integers())")
    other = _call(fn, "reber_strings", n, seed + 1)
    if list(other) == list(strings):
        raise AssertionError("reber_strings gave the same strings for two different seeds: use the seed")
    counts = {}
    for s in strings:
        state = m.start
        for ch in s:
            counts[(state, ch)] = counts.get((state, ch), 0) + 1
            state = m.next_state(state, ch)
    for state, outs in m.transitions.items():
        if len(outs) < 2:
            continue
        visits = sum(counts.get((state, sym), 0) for sym, _, _ in outs)
        for sym, nxt, pr in outs:
            k = counts.get((state, sym), 0)
            if k == 0:
                raise AssertionError(f"in {n} strings the transition {state} --{sym}--> {nxt} never occurs: at "
                                     f"state {state} the grammar allows {' or '.join(o[0] for o in outs)}, "
                                     f"each with probability 1/2")
            z = (k - visits * pr) / np.sqrt(visits * pr * (1 - pr))
            if abs(z) > 5:
                raise AssertionError(f"at state {state} your strings take {sym} {k} times out of {visits} "
                                     f"({k / visits:.0%}); each choice should be a fair coin (50%)")
    lengths = np.array([len(s) for s in strings])
    want = _expected_reber_length(m)
    if abs(lengths.mean() - want) > 5 * lengths.std() / np.sqrt(n) + 0.05:
        raise AssertionError(f"your strings have mean length {lengths.mean():.2f}; Reber strings (with B and E) "
                             f"have mean length {want:.2f}")
    _check_not_replayed(strings, n, seed)


_TRAINING_SET_CACHE = {}


def _training_inner_strings():
    """The inner Reber strings of exercise 5's training set (reber_data.npz), regenerated from the same n and
    seed (lstmkit.reber.TRAINING_SET_N / TRAINING_SET_SEED) so that the check does not depend on the current
    directory, and the fraction of fresh Reber strings that are not among them (what a true generator makes)."""
    if not _TRAINING_SET_CACHE:
        seen = frozenset(s[2:-2] for s in _reber.generate("embedded", _reber.TRAINING_SET_N,
                                                           seed=_reber.TRAINING_SET_SEED))
        fresh = _reber.generate("reber", 20_000, seed=20_240_605)
        _TRAINING_SET_CACHE["seen"] = seen
        _TRAINING_SET_CACHE["novel"] = sum(s not in seen for s in fresh) / len(fresh)
    return _TRAINING_SET_CACHE["seen"], _TRAINING_SET_CACHE["novel"]


def _binomial_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p), 0 < p < 1."""
    import math

    return sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                        + i * math.log(p) + (n - i) * math.log1p(-p)) for i in range(k + 1))


def _check_not_replayed(strings, n, seed):
    """Fail when far fewer of the strings are new (not an inner string of the training set reber_data.npz)
    than a generator of the grammar makes: the strings were sampled from the training file."""
    seen, p = _training_inner_strings()
    novel = sum(s not in seen for s in strings)
    if novel >= p * n or _binomial_cdf(novel, n, p) > 1e-6:
        return
    raise AssertionError(f"reber_strings({n}, {seed}): only {novel} of your {n} strings are not in the training "
                         f"set reber_data.npz, where a generator of the grammar makes about {p * n:.0f} new ones: "
                         f"your strings all come from the training set. Walk the machine yourself, drawing every "
                         f"choice from rng = np.random.default_rng(seed)")


def _acceptor_corpus(seed):
    rng = np.random.default_rng(seed)
    good = _reber.generate("reber", 120, seed=rng)
    corpus = list(dict.fromkeys(good))
    for s in good[:80]:
        k = int(rng.integers(len(s)))
        corpus.append(s[:k] + _reber.SYMBOLS[int(rng.integers(7))] + s[k + 1:])   # one symbol replaced
        corpus.append(s[:k] + s[k + 1:])                                            # one symbol dropped
        corpus.append(s[:k])                                                        # cut short
        corpus.append(s + _reber.SYMBOLS[int(rng.integers(7))])                     # one symbol too many
    corpus += ["", "B", "E", "BE", "BTE", "BTXSE", "BPVVE", "BTXSEE", "TXSE", "BTXS", "BTSSXXTVVE", "BTXXVVE",
               "BPTVPSE", "BPVPXVVE", "BTXXTTVVE", "BPE", "BTSSSSSSSSXSE", "BTXSEBTXSE", "btxse", "BTX SE"]
    corpus += _reber.generate("embedded", 10, seed=rng)
    return list(dict.fromkeys(corpus))


def check_reber_acceptor(fn, *, seed=0):
    """fn(s: str) -> bool: True exactly when s is a complete string of the Reber grammar (with B and E)."""
    for s in _acceptor_corpus(seed):
        found = _call(fn, "is_reber", s)
        if not isinstance(found, (bool, np.bool_)):
            raise AssertionError(f"is_reber({s!r}) should return True or False, found {type(found).__name__}")
        verdict = _reber.accept(s) if set(s) <= set(_reber.SYMBOLS) else _reber.Verdict(False, 0, "foreign symbol")
        if bool(found) != verdict.ok:
            why = "it is a Reber string" if verdict.ok else \
                f"it breaks at position {verdict.position}: {verdict.reason}"
            raise AssertionError(f"is_reber({s!r}) returned {bool(found)}, expected {verdict.ok}: {why}")


def _criterion_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    drawn = [(s, "embedded") for s in _reber.generate("embedded", 30, seed=rng)]
    drawn += [(s, "reber") for s in _reber.generate("reber", 30, seed=rng)]
    for s, grammar in drawn:
        legal = np.zeros((len(s) - 1, 7), bool)
        for t, nxt in enumerate(_reber.legal_next(s, grammar)[:-1]):
            legal[t, [_reber.INDEX[ch] for ch in nxt]] = True
        good = np.where(legal, rng.uniform(0.5, 1, legal.shape), rng.uniform(0, 0.45, legal.shape))
        cases.append((good, legal))                              # right everywhere
        bad = good.copy()
        t = int(rng.integers(len(bad)))
        j = int(rng.choice(np.flatnonzero(~legal[t])))
        bad[t, j] = good[t][legal[t]].min() + 0.01               # one illegal symbol above a legal one
        cases.append((bad, legal))
        tie = good.copy()
        tie[t, j] = good[t][legal[t]].min()                      # a tie is not a correct prediction
        cases.append((tie, legal))
        # the best legal symbol is on top, but a second legal symbol is beaten by an illegal one
        two = np.flatnonzero(legal.sum(1) == 2)
        if len(two):
            t2 = int(two[0])
            top = good.copy()
            lo = np.flatnonzero(legal[t2])
            top[t2, lo[0]], top[t2, lo[1]] = 0.95, 0.2
            top[t2, int(np.flatnonzero(~legal[t2])[0])] = 0.3
            cases.append((top, legal))
    return cases


def check_reber_criterion(fn, *, seed=0):
    """fn(outputs (T, 7), legal (T, 7) bool) -> bool: True when, at every step t, every legal next symbol's
    output is larger than every illegal symbol's output (Hochreiter & Schmidhuber 1997)."""
    for outputs, legal in _criterion_cases(seed):
        found = _call(fn, "predicts_correctly", outputs.copy(), legal.copy())
        expected = bool(_reber.correct_positions(outputs[:, None], legal[:, None].astype(float)).all())
        if not isinstance(found, (bool, np.bool_)):
            raise AssertionError(f"predicts_correctly should return True or False, found {type(found).__name__}")
        if bool(found) != expected:
            bad = np.flatnonzero(~_reber.correct_positions(outputs[:, None], legal[:, None].astype(float))[:, 0])
            t = int(bad[0]) if len(bad) else None
            detail = "every step is right" if t is None else (
                f"at step t = {t} the legal symbols {sorted(_reber.SYMBOLS[k] for k in np.flatnonzero(legal[t]))} "
                f"have outputs {np.round(outputs[t][legal[t]], 3).tolist()} and the largest illegal output is "
                f"{outputs[t][~legal[t]].max():.3f}")
            raise AssertionError(f"predicts_correctly returned {bool(found)}, expected {expected}: {detail}. Every "
                                 f"legal symbol must beat every illegal one (a tie does not count), not only the "
                                 f"most active one")


REBER_MAX_HIDDEN = 256
"""The largest hidden size whose weights check_reber_predictor runs (bounds the work of a test)."""
_REBER_PARAMS = {"lstm_params": ("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                 "readout_params": ("weight", "bias")}
_REBER_CONTRACT = ("a tuple (lstm_params, readout_params) of two dicts of numpy float arrays with PyTorch's names: "
                   "lstm_params weight_ih (4H, 7), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,) (gate blocks i, "
                   "f, g, o: lstm.params) and readout_params weight (7, H), bias (7,) (readout.params)")


def _reber_weights(weights, source="train_reber"):
    """Check that ``weights`` is (lstm_params, readout_params) as the exercise asks (see _REBER_CONTRACT).

    Returns (lstm_params, readout_params, H): float64 copies and the hidden size, read from bias_ih.
    ``source`` names where the weights came from, for the messages.
    """
    if callable(weights) and not isinstance(weights, (tuple, list, dict)):
        raise AssertionError("train_reber must return the trained weights (lstm_params, readout_params), not a "
                             "function: the test runs them through lstmkit's LSTM")
    if not (isinstance(weights, (tuple, list)) and len(weights) == 2
            and all(isinstance(w, dict) for w in weights)):
        if isinstance(weights, (tuple, list)):
            kinds = ", ".join(type(w).__name__ for w in weights[:4]) + (", ..." if len(weights) > 4 else "")
            found = f"a {type(weights).__name__} of {len(weights)} item(s) ({kinds})"
        else:
            found = f"a {type(weights).__name__}"
        hint = ""
        if isinstance(weights, (tuple, list)) and any(type(w).__name__ in ("LSTM", "Dense") for w in weights):
            hint = ": return the layers' parameter dicts, (lstm.params, readout.params), not the layers"
        elif isinstance(weights, (tuple, list)) and any(callable(w) for w in weights):
            hint = (": return the trained weights, not a function (the test runs them through lstmkit's LSTM)")
        raise AssertionError(f"{source} returned {found}, expected {_REBER_CONTRACT}{hint}")
    found = dict(zip(_REBER_PARAMS, weights))
    for group, keys in _REBER_PARAMS.items():
        params = found[group]
        for k in keys:
            if k not in params:
                raise AssertionError(f"{source}: {group} has no {k!r} (its keys: {sorted(map(str, params))}); "
                                     f"expected the keys {', '.join(keys)}")
        extra = [k for k in params if k not in keys]
        if extra:
            raise AssertionError(f"{source}: {group} has a key {extra[0]!r} that lstmkit's "
                                 f"{'LSTM(7, H)' if group == 'lstm_params' else 'Dense(H, 7)'} does not use; "
                                 f"expected exactly {', '.join(keys)}")
        for k in keys:
            v = params[k]
            if not isinstance(v, np.ndarray):
                raise AssertionError(f"{source}: {group}[{k!r}] is a {type(v).__name__}, expected a numpy array")
            if not np.issubdtype(v.dtype, np.floating):
                raise AssertionError(f"{source}: {group}[{k!r}] has dtype {v.dtype}, expected floating point "
                                     f"(float64 or float32)")
    b = found["lstm_params"]["bias_ih"]
    if b.ndim != 1 or b.size == 0 or b.size % 4:
        raise AssertionError(f"{source}: lstm_params['bias_ih'] has shape {_fmt_shape(b.shape)}, expected (4H,): "
                             f"one bias per unit of the four gate blocks i, f, g, o")
    H = b.size // 4
    if H > REBER_MAX_HIDDEN:
        raise AssertionError(f"{source}: lstm_params['bias_ih'] has {b.size} entries, so H = {H} hidden units; the "
                             f"test runs networks of at most H = {REBER_MAX_HIDDEN}")
    expected = {("lstm_params", "weight_ih"): ("(4H, 7)", (4 * H, 7)),
                ("lstm_params", "weight_hh"): ("(4H, H)", (4 * H, H)),
                ("lstm_params", "bias_hh"): ("(4H,)", (4 * H,)),
                ("readout_params", "weight"): ("(7, H)", (7, H)),
                ("readout_params", "bias"): ("(7,)", (7,))}
    for (group, k), (symbolic, shape) in expected.items():
        v = found[group][k]
        if v.shape != shape:
            hint = ": transposed?" if v.shape == shape[::-1] else ""
            raise AssertionError(f"{source}: {group}[{k!r}] has shape {_fmt_shape(v.shape)}, expected {symbolic} = "
                                 f"{_fmt_shape(shape)} with H = {H} (from bias_ih){hint}")
    for group, keys in _REBER_PARAMS.items():
        for k in keys:
            if not np.all(np.isfinite(found[group][k])):
                raise AssertionError(f"{source}: {group}[{k!r}] holds NaN or inf values: the training diverged "
                                     f"(a smaller learning rate or gradient clipping helps)")
    copies = {group: {k: np.array(found[group][k], dtype=np.float64) for k in keys}
              for group, keys in _REBER_PARAMS.items()}
    return copies["lstm_params"], copies["readout_params"], H


def _reber_outputs(lstm_params, readout_params, H, data):
    """lstmkit's own LSTM(7, H) and Dense(H, 7), float64, with the given weights, run on encoded strings:
    outputs (T, B, 7)."""
    from ..dense import Dense
    from ..layers import LSTM

    lstm, readout = LSTM(_reber.N_SYMBOLS, H), Dense(H, _reber.N_SYMBOLS)
    for layer, params in ((lstm, lstm_params), (readout, readout_params)):
        for k, v in params.items():
            layer.params[k][...] = v
    with np.errstate(all="ignore"):  # huge weights give inf or NaN outputs: wrong predictions, no warning
        hidden, _ = lstm.forward(data.X, mask=data.mask)
        return readout.forward(hidden)


def check_reber_predictor(weights, *, n=256, seed=2024, grammar="embedded", min_correct=1.0,
                          source="train_reber"):
    """weights = (lstm_params, readout_params): a trained LSTM's and its Dense readout's parameters, PyTorch's
    names (see _REBER_CONTRACT), as plain arrays.

    The weights run through lstmkit's own LSTM and Dense (float64) on n fresh strings of ``grammar`` drawn
    from ``seed``; a string counts as correct when every one of its predictions meets the 1997 criterion.
    Fails unless the fraction of correct strings is >= min_correct.
    """
    lstm_params, readout_params, H = _reber_weights(weights, source)
    strings = _reber.generate(grammar, n, seed=seed)
    data = _reber.encode(strings, grammar)
    outputs = _reber_outputs(lstm_params, readout_params, H, data)
    ok = _reber.strings_correct(outputs, data.Y, data.mask)
    frac = float(ok.mean())
    if frac < min_correct:
        extra = ""
        if grammar == "embedded":
            extra = (f"; the final T/P, which needs the memory of the second symbol, is predicted right for "
                     f"{_reber.final_tp_accuracy(outputs, data):.0%} of the strings")
        first_bad = strings[int(np.flatnonzero(~ok)[0])]
        raise AssertionError(f"{int(ok.sum())} of {n} fresh {grammar} Reber strings are predicted correctly at "
                             f"every position (1997 criterion) by your weights in lstmkit's LSTM(7, {H}), needed "
                             f"{min_correct:.0%}{extra}. First failure: {first_bad!r}")


def check_training_run(train_fn, *, seed=1, budget_seconds=60.0, n=256, test_seed=4048, grammar="embedded",
                       min_correct=1.0):
    """Run train_fn(seed) -> (lstm_params, readout_params) within ``budget_seconds`` of wall time, then run
    those weights through lstmkit's own LSTM on fresh strings with :func:`check_reber_predictor`. The learner's
    code only produces numbers: the predictions that are judged are computed here."""
    start = time.perf_counter()
    weights = _call(train_fn, "train_reber", seed)
    elapsed = time.perf_counter() - start
    if elapsed > budget_seconds:
        raise AssertionError(f"train_reber({seed}) took {elapsed:.0f} s, the budget is {budget_seconds:.0f} s: "
                             f"stop as soon as the criterion holds, or use a smaller network or larger batches")
    check_reber_predictor(weights, n=n, seed=test_seed, grammar=grammar, min_correct=min_correct,
                          source=f"train_reber({seed})")
