"""Checks of chapter 1: the simple RNN step, its gradient norms, and clipping."""
import numpy as np

from ... import cells as _cells
from ...activations import sigmoid as _sigmoid
from ...gradcheck import numerical_gradient as _numerical_gradient
from .calling import _call
from .compare import _compare, _tolerances, _unpack
from .mistakes import fail
from .problems import _dims, _rng, recurrent_params


# =============================================================================================
# Chapter 1: the simple RNN and its gradients
# =============================================================================================
def _rnn_step(x, h, p, transpose_hh=True, bias_hh=True, tanh=True, sigmoid=False):
    W_hh = p["weight_hh"].T if transpose_hh else p["weight_hh"]
    a = x @ p["weight_ih"].T + p["bias_ih"] + h @ W_hh + (p["bias_hh"] if bias_hh else 0)
    if sigmoid:
        return _sigmoid(a)
    return np.tanh(a) if tanh else a


def check_rnn_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x (B, D), h_prev (B, H), params) -> h (B, H), the Elman step h = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    rng = _rng(seed)
    x = rng.standard_normal((batch, inputs)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    p = recurrent_params(1, inputs, hidden, rng, dtype)
    (h,) = _unpack(_call(fn, "rnn_step_forward", x, h_prev, p, arg_names=["x", "h_prev", "params"]),
                   "rnn_step_forward", ["h"])
    expected, _ = _cells.rnn_step_forward(x, h_prev, p)
    alts = [
        ("rnn.h_prev_unused", "it does not depend on h_prev: the previous state is unused (h = tanh(W_ih x + "
         "b_ih + W_hh h_prev + b_hh))", _rnn_step(x, np.zeros_like(h_prev), p)),
        ("rnn.weight_hh_not_transposed", "h_prev is multiplied by W_hh instead of W_hh.T (the rows of weight_hh "
         "are the new units: use h_prev @ W_hh.T)", _rnn_step(x, h_prev, p, transpose_hh=False)),
        ("rnn.bias_hh_missing", "bias_hh is missing (PyTorch's layout has two biases, bias_ih and bias_hh: add "
         "both)", _rnn_step(x, h_prev, p, bias_hh=False)),
        ("rnn.tanh_missing", "the tanh is missing", _rnn_step(x, h_prev, p, tanh=False)),
        ("rnn.sigmoid_not_tanh", "the activation is the sigmoid; Elman's step in this course uses the tanh "
         "(outputs in (-1, 1), centred on zero)", _rnn_step(x, h_prev, p, sigmoid=True)),
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
    (norms,) = _unpack(_call(fn, "hidden_gradient_norms", H, W, dh_last, arg_names=["H", "W_hh", "dh_last"]),
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
            raise RuntimeError("internal check failed: reference norms disagree with finite differences")
        expected = numeric.astype(dtype)
    alts = [
        ("bptt_rnn.dtanh_missing", "the tanh derivative (1 - H[t]**2) is missing from each step back",
         _norms(_hidden_grads(H, W, dh_last, use_dtanh=False))),
        ("bptt_rnn.weight_transposed", "the gradient is multiplied by W_hh.T; going back through h_t = tanh(... + "
         "h_{t-1} @ W_hh.T) multiplies by W_hh: dh_{t-1} = (dh_t * (1 - h_t**2)) @ W_hh",
         _norms(_hidden_grads(H, W, dh_last, transpose=True))),
        ("bptt_rnn.dtanh_wrong_step", "the tanh derivative is taken at the wrong step: going from t to t-1 uses "
         "1 - H[t]**2, the state the step produced", _norms(_hidden_grads(H, W, dh_last, shift=1))),
        ("bptt_rnn.mean_over_examples", "each norm is the mean of the examples' norms; norms[t] is the norm of the "
         "whole batch's gradient dL/dH[t], over every example and unit together",
         np.stack([np.linalg.norm(g.astype(np.float64), axis=1).mean() for g in _hidden_grads(H, W, dh_last)])
         .astype(H.dtype)),
        ("bptt_rnn.norms_reversed", "the norms come in reverse order: norms[t] belongs to H[t], so norms[-1] = "
         "||dh_last||", _norms(_hidden_grads(H, W, dh_last))[::-1]),
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
        before = grads
        out = _call(fn, "clip_by_global_norm", grads, max_norm, arg_names=["grads", "max_norm"])
        clipped, norm = _unpack(out, "clip_by_global_norm", ["clipped", "total_norm"])
        if isinstance(norm, dict) and not isinstance(clipped, dict):
            raise fail("generic.tuple_order", "clip_by_global_norm returns (total_norm, clipped); the order is "
                       "(clipped, total_norm)")
        if not isinstance(clipped, dict) or set(clipped) != set(grads):
            found = sorted(map(str, clipped)) if isinstance(clipped, dict) else type(clipped).__name__
            raise fail("generic", f"clip_by_global_norm: clipped should be a dict with the keys {sorted(grads)}, "
                       f"found {found}")
        if not np.ndim(norm) == 0 or not np.isclose(float(norm), total, rtol=1e-5):
            hint = ""
            if np.ndim(norm) == 0 and np.isclose(float(norm), total ** 2, rtol=1e-5):
                hint = ": that is the sum of squares, take its square root"
            elif np.ndim(norm) == 0 and np.isclose(float(norm), min(total, max_norm), rtol=1e-5) and total > max_norm:
                hint = ": return the norm before clipping"
            code = {"": "generic", ": that is the sum of squares, take its square root": "clip.norm_squared"}.get(
                hint, "clip.norm_after_clipping")
            raise fail(code, f"clip_by_global_norm: total_norm is not the global norm before clipping{hint}",
                       f"total_norm is {str(norm)[:40]}, expected {total:.6g}")
        scale = max_norm / total if total > max_norm else 1.0
        for k in names:
            expected = (before[k] * scale).astype(dtype)
            per_tensor = before[k] * min(1.0, max_norm / max(float(np.linalg.norm(before[k])), 1e-30))
            alts = [
                ("clip.per_tensor", "each array was clipped by its own norm; clip by the global norm of all arrays "
                 "together, so that the direction of the whole gradient is kept", per_tensor),
                ("clip.elementwise", "the entries were clipped one by one (np.clip); scale the whole gradient "
                 "instead", np.clip(before[k], -max_norm, max_norm)),
                ("clip.always_rescaled", "the gradient was rescaled although its norm is below max_norm: clip only "
                 "when ||g|| > max_norm", before[k] * max_norm / total),
            ]
            above = "above" if total > max_norm else "below"
            _compare("clip_by_global_norm", f"clipped[{k!r}] (a gradient whose global norm is {above} max_norm)",
                     clipped[k], expected, alts, f"global norm {total:.3g}, max_norm {max_norm}")
