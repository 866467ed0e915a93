"""Checks of chapter 4: variants (peepholes, GRU) and parameter counts."""
import numpy as np

from ... import cells as _cells
from ...activations import sigmoid
from .calling import _call
from .compare import GRU_GATES, _compare, _unpack
from .lstm_forward import _gate_order_alternatives
from .mistakes import CheckFailed, fail
from .problems import _dims, _permute_blocks, _rng, recurrent_params
from .lstm_forward import _lstm_ref, _preactivations, lstm_problem


# =============================================================================================
# Chapter 4: variants (peepholes, GRU) and parameter counts
# =============================================================================================
def check_peephole_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64):
    """fn(x, h_prev, c_prev, params) -> (h, c): the LSTM step with peepholes (Gers & Schmidhuber 2000):
    i = s(a_i + peep_i * c_prev), f = s(a_f + peep_f * c_prev), o = s(a_o + peep_o * c) with the NEW c."""
    x, h_prev, c_prev, p = lstm_problem(batch, inputs, hidden, seed, dtype, peepholes=True)
    try:
        out = _call(fn, "peephole_step_forward", x, h_prev, c_prev, p, arg_names=["x", "h_prev", "c_prev", "params"])
    except CheckFailed as exc:
        if exc.mistake.code == "generic.raised" and ("broadcast" in exc.detail or "matmul" in exc.detail):
            raise fail("peephole.matrix_product", "peephole_step_forward raised an error on mismatched shapes: the "
                       "peephole weights are vectors (H,), one weight per unit, so multiply elementwise "
                       "(peep_i * c_prev), not with @", exc.detail) from None
        raise
    h, c = _unpack(out, "peephole_step_forward", ["h", "c"])
    ref = _lstm_ref(x, h_prev, c_prev, p, peepholes=True)
    ai, af, ag, ao = _preactivations(x, h_prev, p)
    i, f = sigmoid(ai + p["peep_i"] * c_prev), sigmoid(af + p["peep_f"] * c_prev)
    c_ok = f * c_prev + i * np.tanh(ag)
    h_old_c = sigmoid(ao + p["peep_o"] * c_prev) * np.tanh(c_ok)
    swapped = dict(p, peep_i=p["peep_f"], peep_f=p["peep_i"])
    dims = _dims(B=batch, H=hidden)
    words = {"peep_i": "the input gate's term peep_i * c_prev", "peep_f": "the forget gate's term peep_f * c_prev",
             "peep_o": "the output gate's term peep_o * c, with the new c"}
    common = [("peephole.missing", "the peepholes are missing (add peep_i * c_prev, peep_f * c_prev, peep_o * c "
               "to the gates' pre-activations)", _lstm_ref(x, h_prev, c_prev, p))]
    common += [("peephole.one_missing", f"{k} is missing ({words[k]}); the other two peepholes are right",
                _lstm_ref(x, h_prev, c_prev, dict(p, **{k: np.zeros_like(p[k])}), peepholes=True))
               for k in ("peep_i", "peep_f", "peep_o")]
    common += [("peephole.swapped", "peep_i and peep_f are swapped",
                _lstm_ref(x, h_prev, c_prev, swapped, peepholes=True)),
               ("peephole.c_prev_unused", "the previous cell state c_prev is unused",
                _lstm_ref(x, h_prev, np.zeros_like(c_prev), p, peepholes=True))]
    def peep_step(*args):
        return _lstm_ref(*args, peepholes=True)
    h_orders, c_orders = (_gate_order_alternatives(peep_step, x, h_prev, c_prev, p, k) for k in (0, 1))
    common += [("peephole.gate_order", why, (h_alt, c_alt))
               for (_, why, h_alt), (_, _, c_alt) in zip(h_orders, c_orders)]
    _compare("peephole_step_forward", "c", c, ref[1], [(k, w, v[1]) for k, w, v in common], dims)
    _compare("peephole_step_forward", "h", h, ref[0],
             [("peephole.output_old_c", "the output gate looks at the previous cell state c_prev; in Gers & "
               "Schmidhuber's cell it looks at the new c (o = sigmoid(a_o + peep_o * c))", h_old_c)]
             + [(k, w, v[0]) for k, w, v in common], dims)


def _gru(x, h_prev, p, reset_after=False, blend_swapped=False):
    h, cache = _cells.gru_step_forward(x, h_prev, p, reset_after=reset_after)
    if blend_swapped:
        h = cache["z"] * cache["n"] + (1 - cache["z"]) * h_prev
    return h


def check_gru_step_forward(fn, *, batch=3, inputs=4, hidden=5, seed=0, dtype=np.float64, input_scale=1.0):
    """fn(x (B, D), h_prev (B, H), params) -> h (B, H): the GRU of Cho et al. (2014), gate order r, z, n,
    n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn),  h = (1 - z) * n + z * h_prev.
    input_scale multiplies x (1000 saturates the gates, and 1 / (1 + np.exp(-a)) overflows)."""
    rng = _rng(seed)
    x = (input_scale * rng.standard_normal((batch, inputs))).astype(dtype)
    h_prev = rng.uniform(-1, 1, (batch, hidden)).astype(dtype)
    p = recurrent_params(3, inputs, hidden, rng, dtype)
    (h,) = _unpack(_call(fn, "gru_step_forward", x, h_prev, p, arg_names=["x", "h_prev", "params"]),
                   "gru_step_forward", ["h"])
    expected = _gru(x, h_prev, p)
    rz = _permute_blocks(p, ("z", "r", "n"), GRU_GATES)
    W_in, W_hn = np.split(p["weight_ih"], 3)[2], np.split(p["weight_hh"], 3)[2]
    b_in, b_hn = np.split(p["bias_ih"], 3)[2], np.split(p["bias_hh"], 3)[2]
    _, cache = _cells.gru_step_forward(x, h_prev, p)
    r, z = cache["r"], cache["z"]

    def blend(n):
        return (1 - z) * n + z * h_prev
    alts = [
        ("gru.reset_unused", "the reset gate r is unused: n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)",
         blend(np.tanh(x @ W_in.T + b_in + h_prev @ W_hn.T + b_hn))),
        ("gru.candidate_sigmoid", "candidate n needs the tanh, found the sigmoid",
         blend(sigmoid(x @ W_in.T + b_in + (r * h_prev) @ W_hn.T + b_hn))),
        ("gru.blend_swapped", "z and 1 - z are swapped (the other GRU convention, h = z * n + (1 - z) * h_prev); this course follows "
         "Cho et al. and PyTorch: h = (1 - z) * n + z * h_prev", _gru(x, h_prev, p, blend_swapped=True)),
        ("gru.reset_after", "the reset gate is applied after the matrix product (PyTorch's reset_after form, r * (W_hn h_prev + "
         "b_hn)); Cho et al. apply it before: W_hn (r * h_prev) + b_hn", _gru(x, h_prev, p, reset_after=True)),
        ("gru.both_conventions", "both the blend (z and 1 - z swapped) and the reset (after the product) follow other conventions",
         _gru(x, h_prev, p, reset_after=True, blend_swapped=True)),
        ("gru.rz_swapped", "the gate blocks r and z are swapped: the rows come in the order r, z, n", _gru(x, h_prev, rz)),
        ("gru.h_prev_unused", "the previous state h_prev is unused", _gru(x, np.zeros_like(h_prev), p)),
    ]
    _compare("gru_step_forward", "h", h, expected, alts, _dims(B=batch, H=hidden))


def _count_reference(cell, D, H, **options):
    from ... import layers
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
            raise fail("generic", f"count_parameters({args}) should return an int, found {type(found).__name__}")
        if found == expected:
            continue
        separate_f = options.get("forget_gate", True) and not options.get("coupled", False)
        G = {"rnn": 1, "gru": 3, "lstm": 4 if separate_f else 3}[cell]
        n_peep = (3 if separate_f else 2) if options.get("peepholes") else 0
        hints = {expected - 2 * G * H: ("count.no_biases", "the biases are missing: PyTorch's layout has two per "
                                                             "gate block, bias_ih and bias_hh"),
                 expected - G * H: ("count.one_bias", "only one bias is counted; PyTorch's layout has bias_ih "
                                                      "and bias_hh")}
        if n_peep:
            hints[expected - n_peep * H] = ("count.peepholes_missing", "the peephole weights are missing")
            hints[expected + n_peep * (H * H - H)] = ("count.peephole_matrix", "peephole weights are diagonal: one "
                                                      "vector of H numbers per peephole, not an H x H matrix")
        if cell == "lstm" and not separate_f:
            hints[expected + H * (D + H + 2) + (H if options.get("peepholes") else 0)] = (
                "count.forget_block", "this variant has no separate forget gate: 3 gate blocks (i, g, o), not 4")
        code, why = hints.get(int(found), ("count.wrong", ""))
        variant = ", ".join([cell] + [f"{k}={v!r}" for k, v in options.items()])
        raise fail(code, f"count_parameters is wrong for ({variant})" + (f": {why}" if why else ""),
                   f"count_parameters({args}) returned {found}, expected {expected}")
