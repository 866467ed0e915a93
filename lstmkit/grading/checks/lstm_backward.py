"""Checks of chapter 3: the LSTM step backward, and the gradient along the cell state."""
import numpy as np

from ... import cells as _cells
from ...activations import sigmoid
from ...gradcheck import gradcheck as _gradcheck_fn
from .calling import _call
from .compare import LSTM_GATES, _compare, _fmt_shape, _unpack
from .mistakes import fail
from .problems import _dims, _rng
from .lstm_forward import _blame_step, _changes_inputs, _swapped_pair, lstm_problem, lstm_sequence_problem


# =============================================================================================
# Chapter 3: the LSTM step backward, and the gradient along the cell state
# =============================================================================================
def _lstm_backward_variant(dh, dc, cache, *, upstream_dc=True, through_h=True, times_f=True, dtanh_c=True,
                           forget_uses_c=False, output_tanh=True, candidate_sigmoid=False, bias_mean=False,
                           squash_again=False, order=LSTM_GATES):
    """The LSTM step backward written out once more, with switches for the usual mistakes (each switch is
    one mistake of the catalogue in :data:`_BACKWARD_MISTAKES`). With the defaults it equals
    ``lstmkit.cells.lstm_step_backward``, which tests/grading/test_exercises.py checks."""
    x, h_prev, c_prev, p = cache["x"], cache["h_prev"], cache["c_prev"], cache["params"]
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    tc = np.tanh(c)
    dct = (dc if upstream_dc else 0) + (dh * o * ((1 - tc ** 2) if dtanh_c else 1) if through_h else 0)
    ds = (lambda v: sigmoid(v) * (1 - sigmoid(v))) if squash_again else (lambda v: v * (1 - v))
    blocks = {"i": dct * g * ds(i),
              "f": dct * (c if forget_uses_c else c_prev) * ds(f),
              "g": dct * i * (g * (1 - g) if candidate_sigmoid else (1 - g ** 2)),
              "o": dh * (tc if output_tanh else 1) * ds(o)}
    da = np.concatenate([blocks[n] for n in order], axis=-1)
    db = da.mean(0) if bias_mean else da.sum(0)
    dparams = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db}
    return da @ p["weight_ih"], da @ p["weight_hh"], dct * (f if times_f else 1), dparams


_BACKWARD_MISTAKES = (
    ("backward.upstream_dc_missing", "the gradient dc arriving along the cell state from step t+1 is missing: "
     "the cell's total gradient is dc + dh * o * (1 - tanh(c)**2)", dict(upstream_dc=False)),
    ("backward.through_h_missing", "the term dh * o * (1 - tanh(c)**2), which reaches c through h = o * tanh(c), "
     "is missing from the cell's gradient", dict(through_h=False)),
    ("backward.forget_factor_missing", "dc_prev is missing the factor f: c = f * c_prev + i * g, so "
     "dc_prev = dc_total * f", dict(times_f=False)),
    ("backward.dtanh_c_missing", "the tanh derivative is missing where dh reaches c: h = o * tanh(c), so the "
     "term is dh * o * (1 - tanh(c)**2), not dh * o", dict(dtanh_c=False)),
    ("backward.forget_term_uses_c", "the forget gate's term uses the new cell state c instead of c_prev: "
     "c = f * c_prev + i * g, so da_f = dc_total * c_prev * f * (1 - f)", dict(forget_uses_c=True)),
    ("backward.gates_squashed_twice", "the gates in the cache are already squashed (i = sigmoid(a_i)): the "
     "sigmoid's derivative is i * (1 - i), not sigmoid(i) * (1 - sigmoid(i))", dict(squash_again=True)),
    ("backward.output_term_missing_tanh", "the output gate's term is missing tanh(c): h = o * tanh(c), so "
     "da_o = dh * tanh(c) * o * (1 - o)", dict(output_tanh=False)),
    ("backward.candidate_sigmoid_derivative", "the candidate g's term uses the sigmoid's derivative g * (1 - g); "
     "g = tanh(a_g), whose derivative is 1 - g**2", dict(candidate_sigmoid=True)),
    ("backward.bias_mean", "the bias gradients are a mean over the batch; the loss is a sum over the batch "
     "examples, so sum da over the batch axis (like the weight gradients)", dict(bias_mean=True)),
)


def _backward_gate_orders():
    """(code, words, switches) for da's blocks concatenated in another order than i, f, g, o."""
    import itertools

    return tuple(("backward.gate_order", f"the blocks of da are concatenated in the order {', '.join(order)}; "
                  f"they must follow the rows of the weights, i, f, g, o", dict(order=order))
                 for order in itertools.permutations(LSTM_GATES) if order != LSTM_GATES)


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
    out = _call(fn, "lstm_step_backward", dh, dc, cache, arg_names=["dh", "dc", "cache"])
    dx, dh_prev, dc_prev, dparams = _unpack(out, "lstm_step_backward", ["dx", "dh_prev", "dc_prev", "dparams"])
    ref = _cells.lstm_step_backward(dh, dc, cache)
    variants = [(code, why, _lstm_backward_variant(dh, dc, cache, **kw))
                for code, why, kw in _BACKWARD_MISTAKES + _backward_gate_orders()]
    dims = _dims(B=batch, H=hidden)
    if part in ("state", "all"):
        _compare("lstm_step_backward", "dc_prev", dc_prev, ref[2], [(c, w, v[2]) for c, w, v in variants], dims)
    if part in ("inputs", "all"):
        _swapped_pair("lstm_step_backward", (dx, dh_prev), (ref[0], ref[1]), ("dx", "dh_prev"),
                      "(dx, dh_prev, dc_prev, dparams)")
        _compare("lstm_step_backward", "dh_prev", dh_prev, ref[1], [(c, w, v[1]) for c, w, v in variants], dims)
        _compare("lstm_step_backward", "dx", dx, ref[0], [(c, w, v[0]) for c, w, v in variants],
                 _dims(B=batch, D=inputs))
    if part in ("params", "all"):
        if not isinstance(dparams, dict):
            raise fail("generic", f"lstm_step_backward: dparams should be a dict, found {type(dparams).__name__}")
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if k not in dparams:
                raise fail("generic", f"lstm_step_backward: dparams has no key {k!r}; expected the keys of params")
            extra = [(c, w, v[3][k]) for c, w, v in variants]
            if k == "bias_hh":
                extra.append(("backward.bias_hh_zero", "dparams['bias_hh'] is zero: bias_hh is added to the "
                              "pre-activations exactly like bias_ih, so both get the same gradient",
                              np.zeros_like(ref[3][k])))
            _compare("lstm_step_backward", f"dparams[{k!r}]", dparams[k], ref[3][k], extra,
                     _dims(shape=_fmt_shape(p[k].shape)))
    if finite_differences:
        _finite_difference_check_step(x, h_prev, c_prev, p, dh, dc, dx, dh_prev, dc_prev, dparams, part)


def _step_backward_problem(hidden, seed, dtype):
    """(dh, dc, cache) for one backward step of a random LSTM (batch 2, 3 inputs)."""
    x, h_prev, c_prev, p = lstm_problem(2, 3, hidden, seed, dtype)
    rng = _rng(seed + 1000)
    _, _, cache = _cells.lstm_step_forward(x, h_prev, c_prev, p)
    return (rng.standard_normal((2, hidden)).astype(dtype), rng.standard_normal((2, hidden)).astype(dtype), cache)


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
        raise fail("backward.finite_differences", f"lstm_step_backward: the gradient with respect to {worst} "
                   f"disagrees with finite differences", f"relative error {errors[worst]:.2g}, expected below 1e-5")


def _lstm_bptt(dH, caches, upstream_dc=True, recurrent_dh=True, sum_params=True, step=None, forward=False):
    """Backpropagation through time over step caches, with switches for the usual mistakes."""
    step = step or _cells.lstm_step_backward
    T = len(caches)
    B, Hn = dH.shape[1:]
    dX = [None] * T
    dh_next, dc_next = np.zeros((B, Hn), dH.dtype), np.zeros((B, Hn), dH.dtype)
    total = None
    for t in (range(T) if forward else range(T - 1, -1, -1)):
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
        ("bptt.cell_not_carried", "the gradient along the cell state is not carried back: pass dc_prev of step t "
         "as the dc of step t-1", _lstm_bptt(dH, caches, upstream_dc=False)),
        ("bptt.recurrent_missing", "the recurrent gradient is missing: the dh of step t is dH[t] plus dh_prev "
         "from step t+1", _lstm_bptt(dH, caches, recurrent_dh=False)),
        ("bptt.params_not_summed", "dparams holds one step's gradient: sum the parameter gradients over all "
         "time steps", _lstm_bptt(dH, caches, sum_params=False)),
        ("bptt.forward_in_time", "the loop runs forward in time; backpropagation runs from t = T-1 down to 0, "
         "each step passing dh_prev and dc_prev to the step before it", _lstm_bptt(dH, caches, forward=True)),
    ]
    mistakes.append(("bptt.dx_reversed", "dX is in reverse order: collected from t = T-1 down to 0, it must be "
                     "reversed (or filled as dX[t]) so that dX[t] belongs to X[t]",
                     (ref[0][::-1],) + tuple(ref[1:])))
    out = _call(fn, "lstm_backward", dH, caches, arg_names=["dH", "caches"],
                allow_changes=_changes_inputs(step_backward, lambda: _step_backward_problem(hidden, seed + 7, dtype),
                                              "lstm_step_backward", ["dh", "dc", "cache"]))
    dX, dh0, dc0, dparams = _unpack(out, "lstm_backward", ["dX", "dh0", "dc0", "dparams"])
    dims = _dims(T=steps, B=batch, D=inputs)
    with _blame_step(step_backward, "lstm_backward", "lstm_step_backward",
                     lambda learner: _lstm_bptt(dH, caches, step=learner), (dX, dh0, dc0), (0, 1, 2),
                     code="bptt.step_wrong"):
        _compare("lstm_backward", "dX", dX, ref[0], [(c, w, m[0]) for c, w, m in mistakes], dims, sequence=True,
                 backward=True)
        _compare("lstm_backward", "dh0", dh0, ref[1], [(c, w, m[1]) for c, w, m in mistakes],
                 _dims(B=batch, H=hidden))
        _compare("lstm_backward", "dc0", dc0, ref[2], [(c, w, m[2]) for c, w, m in mistakes],
                 _dims(B=batch, H=hidden))
    if not isinstance(dparams, dict):
        raise fail("generic", f"lstm_backward: dparams should be a dict, found {type(dparams).__name__}")
    for k in ref[3]:
        if k not in dparams:
            raise fail("generic", f"lstm_backward: dparams has no key {k!r}; expected the keys of params")
        _compare("lstm_backward", f"dparams[{k!r}]", dparams[k], ref[3][k],
                 [(c, w, m[3][k]) for c, w, m in mistakes])
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
            raise fail("backward.finite_differences", f"lstm_backward: the gradient with respect to {worst} "
                       f"disagrees with finite differences", f"relative error {errors[worst]:.2g}")
