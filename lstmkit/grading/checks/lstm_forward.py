"""Checks of chapter 2: gates and the LSTM step forward, and the loop over time."""
import contextlib
import itertools
import warnings

import numpy as np

from ... import cells as _cells
from ...activations import sigmoid
from .calling import _call
from .compare import LSTM_GATES, _GATE_WORDS, _compare, _fmt_shape, _unpack
from .mistakes import fail
from .problems import _dims, _permute_blocks, _rng, recurrent_params


# =============================================================================================
# Chapter 2: gates and the LSTM step forward
# =============================================================================================
def lstm_problem(batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64, peepholes=False, input_scale=1.0):
    """Random x (B, D), h_prev (B, H), c_prev (B, H) and LSTM parameters (gate order i, f, g, o).
    input_scale multiplies x: large values saturate the gates (and overflow a naive sigmoid)."""
    rng = _rng(seed)
    x = (input_scale * rng.standard_normal((batch, inputs))).astype(dtype)
    h_prev = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    c_prev = rng.uniform(-2, 2, (batch, hidden)).astype(dtype)
    return x, h_prev, c_prev, recurrent_params(4, inputs, hidden, rng, dtype, peepholes=peepholes)


def _preactivations(x, h_prev, p, bias_hh=True):
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + (p["bias_hh"] if bias_hh else 0)
    return np.split(a, 4, axis=-1)


def check_lstm_gates(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64, input_scale=1.0):
    """fn(x (B, D), h_prev (B, H), params) -> dict with the keys 'i', 'f', 'g', 'o', each (B, H):
    i, f, o = sigmoid of their blocks, g = tanh of its block, blocks in the order i, f, g, o.

    When a gate is wrong, the message says which one and, when it can tell, why: the block it was computed
    from, or the activation function it used. input_scale: see :func:`lstm_problem` (1000 saturates every
    gate, and 1 / (1 + np.exp(-a)) overflows).
    """
    x, h_prev, _, p = lstm_problem(batch, inputs, hidden, seed, dtype, input_scale=input_scale)
    gates = _call(fn, "lstm_gates", x, h_prev, p, arg_names=["x", "h_prev", "params"])
    if not isinstance(gates, dict):
        raise fail("generic", f"lstm_gates should return a dict with the keys 'i', 'f', 'g', 'o', "
                   f"found {type(gates).__name__}")
    missing = [k for k in LSTM_GATES if k not in gates]
    if missing:
        raise fail("generic", f"lstm_gates: the dict has no key {missing[0]!r} (it has "
                   f"{sorted(map(str, gates))[:8]}); expected the keys 'i', 'f', 'g', 'o'")
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
                    alts.append(("lstm.gate_activation", f"{_GATE_WORDS[n]} needs the "
                                 f"{'tanh' if act[n] is np.tanh else 'sigmoid'}, found the {fname}", f(a[m])))
                else:
                    alts.append(("lstm.gate_block",
                                 f"{_GATE_WORDS[n]} was computed from the block of {_GATE_WORDS[m]} (block "
                                 f"{LSTM_GATES.index(m)}); {n} is block {LSTM_GATES.index(n)} in the order i, f, g, o",
                                 f(a[m]), f"{n} used {rows[m]} of the weights; its rows are {rows[n]}"))
        alts.append(("lstm.bias_hh_missing", f"{_GATE_WORDS[n]}: bias_hh is missing (add both bias_ih and bias_hh)",
                     act[n](dict(zip(LSTM_GATES, _preactivations(x, h_prev, p, bias_hh=False)))[n])))
        alts.append(("lstm.h_prev_unused", f"{_GATE_WORDS[n]} does not depend on h_prev",
                     act[n](dict(zip(LSTM_GATES, _preactivations(x, np.zeros_like(h_prev), p)))[n])))
        _compare("lstm_gates", f"gate {n!r}", gates[n], expected, alts, _dims(B=batch, H=hidden))


def _gate_order_alternatives(step, x, h_prev, c_prev, p, which):
    """(explanation, output) for every other order of reading the four gate blocks."""
    out = []
    for order in itertools.permutations(LSTM_GATES):
        if order == LSTM_GATES:
            continue
        res = step(x, h_prev, c_prev, _permute_blocks(p, order, LSTM_GATES))
        out.append(("lstm.gate_order",
                    f"the gate blocks are read in the order {', '.join(order)}; the rows of the weights come "
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
    out = _call(fn, "lstm_step_forward", x, h_prev, c_prev, p, arg_names=["x", "h_prev", "c_prev", "params"])
    h, c = _unpack(out, "lstm_step_forward", ["h", "c"])
    h_ref, c_ref = _lstm_ref(x, h_prev, c_prev, p)
    i, f, g, o = (sigmoid(a) if k != 2 else np.tanh(a) for k, a in enumerate(_preactivations(x, h_prev, p)))
    dims = _dims(B=batch, H=hidden)

    def alts(which):
        common = [
            ("lstm.c_prev_unused", "the previous cell state c_prev is unused (c = f * c_prev + i * g)",
             _lstm_ref(x, h_prev, np.zeros_like(c_prev), p)[which]),
            ("lstm.h_prev_unused", "the previous hidden state h_prev is unused (it enters every gate through W_hh)",
             _lstm_ref(x, np.zeros_like(h_prev), c_prev, p)[which]),
            ("lstm.states_unused", "both initial states h_prev and c_prev are unused",
             _lstm_ref(x, np.zeros_like(h_prev), np.zeros_like(c_prev), p)[which]),
        ]
        if which == 1:
            common.append(("lstm.candidate_sigmoid", "the candidate g uses the sigmoid; it needs the tanh",
                           f * c_prev + i * sigmoid(_preactivations(x, h_prev, p)[2])))
            common.append(("lstm.forget_input_swapped", "the forget gate multiplies the new candidate and the "
                           "input gate the old state: c = f * c_prev + i * g", i * c_prev + f * g))
        else:
            common.append(("lstm.tanh_c_missing", "the tanh of the cell state is missing: h = o * tanh(c)", o * c_ref))
            common.append(("lstm.h_uses_old_c", "h uses the previous cell state: h = o * tanh(c) with the new c",
                           o * np.tanh(c_prev)))
        return common + _gate_order_alternatives(_lstm_ref, x, h_prev, c_prev, p, which)

    _swapped_pair("lstm_step_forward", (h, c), (h_ref, c_ref), ("h", "c"))
    _compare("lstm_step_forward", "c", c, c_ref, alts(1), dims)
    _compare("lstm_step_forward", "h", h, h_ref, alts(0), dims)


def _swapped_pair(fname, found, expected, names, order=None):
    """Fail when two returned arrays come in each other's place (e.g. (c, h) for (h, c)); ``order`` is the
    whole tuple as the task writes it (default: the pair)."""
    a, b = found
    if not (all(isinstance(v, np.ndarray) for v in found) and a.shape == expected[1].shape
            and b.shape == expected[0].shape):
        return
    if np.allclose(a, expected[1]) and np.allclose(b, expected[0]) and not (
            a.shape == expected[0].shape and np.allclose(a, expected[0])):
        raise fail("generic.tuple_order", f"{fname} returns {names[1]} where {names[0]} belongs and {names[0]} "
                   f"where {names[1]} belongs; the order is {order or f'({names[0]}, {names[1]})'}")


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
    out = _call(fn, "lstm_forward", X, h0, c0, p, arg_names=["X", "h0", "c0", "params"],
                allow_changes=_changes_inputs(step, lambda: lstm_problem(2, inputs, hidden, seed + 7, dtype),
                                              "lstm_step_forward", ["x", "h_prev", "c_prev", "params"]))
    H, c_T = _unpack(out, "lstm_forward", ["H", "c_T"])
    run = _lstm_run
    H_ref, _, c_ref = run(X, h0, c0, p)
    if isinstance(H, np.ndarray) and H.shape == (steps + 1, batch, hidden):
        raise fail("loop.h0_in_output", "lstm_forward: H has one time step too many: H[t] is the state after "
                   "input X[t]; leave h0 out", f"H has shape {_fmt_shape(H.shape)}, expected {_fmt_shape(H_ref.shape)}")
    if isinstance(H, np.ndarray) and H.shape == (batch, steps, hidden) and steps != batch:
        raise fail("generic.batch_major", "lstm_forward: H is batch-major (B, T, H); the course is time-major: "
                   "H[t] is the hidden state of the whole batch at time t, H of shape (T, B, H)",
                   f"H has shape {_fmt_shape(H.shape)}, expected {_fmt_shape(H_ref.shape)}")
    z = np.zeros_like

    def alts(k):
        return [
            ("loop.state_not_carried", "the state is not carried from one step to the next: every step starts "
             "from (h0, c0)", run(X, h0, c0, p, carry_h=False, carry_c=False)[k]),
            ("loop.cell_not_carried", "the cell state is not carried: every step starts from c0",
             run(X, h0, c0, p, carry_c=False)[k]),
            ("loop.hidden_not_carried", "the hidden state is not carried: every step starts from h0",
             run(X, h0, c0, p, carry_h=False)[k]),
            ("loop.initial_unused", "the initial states are unused: start from h0 and c0, not zeros",
             run(X, z(h0), z(c0), p)[k]),
            ("loop.initial_unused", "the initial cell state c0 is unused", run(X, h0, z(c0), p)[k]),
            ("loop.initial_unused", "the initial hidden state h0 is unused", run(X, z(h0), c0, p)[k]),
            ("loop.one_step_short", "the loop stops one step early: the last input X[T-1] is never read "
             "(range(T), not range(T - 1))", _one_step_short(run(X[:-1], h0, c0, p), k, H_ref) if steps > 1
             else None),
        ]
    with _blame_step(step, "lstm_forward", "lstm_step_forward",
                     lambda learner: _lstm_run(X, h0, c0, p, step=learner), (H, c_T), (0, 2)):
        _compare("lstm_forward", "H", H, H_ref, alts(0), _dims(T=steps, B=batch, H=hidden), sequence=True)
        _compare("lstm_forward", "c_T", c_T, c_ref, alts(2) + [
            ("loop.returns_h_as_c", "c_T is the last hidden state; return the last cell state c (the second value "
             "of the last step)", H_ref[-1])], _dims(B=batch, H=hidden))


def _one_step_short(short, k, H_ref):
    """What a loop over range(T - 1) returns: H with its last step left at zero, the state after T-1 steps."""
    return np.concatenate([short[0], np.zeros_like(H_ref[:1])]) if k == 0 else short[k]


def _changes_inputs(step, problem, name, arg_names):
    """True when the learner's ``step`` breaks the rule on its arguments (changes one in place or returns
    one): its own test charges that, and the loop over it is judged on its values only."""
    from .mistakes import CheckFailed

    if step is None:
        return False
    try:
        _call(step, name, *problem(), arg_names=arg_names)
    except CheckFailed as exc:
        return exc.mistake.code in ("generic.modifies_input", "generic.returns_input")
    except Exception:  # the step fails some other way: the loop's check explains that
        return False
    return False


@contextlib.contextmanager
def _blame_step(step, name, step_name, loop, found, picks, code="loop.step_wrong"):
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
        raise fail(code, f"{name} runs the loop over time correctly, but over your {step_name}, which "
                   f"is wrong: fix {step_name} first (see its test); {name} then passes too") from None
