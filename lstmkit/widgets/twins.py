"""The numpy twins of the explorers' JavaScript: what each view shows, computed with lstmkit's cells.

Each twin takes an explorer's state (a dict with every name of its :mod:`~lstmkit.widgets.schema`) and
returns what the view draws. ``js/lstm_math.js`` computes the same in the browser;
``tests/widgets/test_widgets_math.py`` checks that both agree to 1e-9.
"""
import numpy as np

from .. import cells
from .schema import ACTIVATIONS, GATE, GATES, MEMORY, SCHEDULES, VANISHING, VARIANT, VARIANTS


def _preactivation(x, h_prev, params):
    """a = W_ih x + b_ih + W_hh h_prev + b_hh, (B, G*H). lstmkit's steps compute it first and keep it to
    themselves: the gate explorer prints it, and the relu and linear RNNs (no step in cells) apply theirs."""
    return x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]


def gate_params(state):
    """The parameters of the gate explorer's one-unit, one-input LSTM, in lstmkit's layout.

    state holds w_xk, w_hk, b_k for k in i, f, g, o (see :data:`schema.GATE`). Returns weight_ih (4, 1),
    weight_hh (4, 1), bias_ih (4,) and bias_hh (4,) (zeros: one bias per gate is enough here).
    """
    return {
        "weight_ih": np.array([[state[f"w_x{k}"]] for k in GATES], dtype=float),
        "weight_hh": np.array([[state[f"w_h{k}"]] for k in GATES], dtype=float),
        "bias_ih": np.array([state[f"b_{k}"] for k in GATES], dtype=float),
        "bias_hh": np.zeros(4),
    }


def gate_values(state):
    """What the gate explorer shows, computed with :func:`lstmkit.cells.lstm_step_forward`.

    state: dict with x, h_prev, c_prev (scalars) and the gate weights (:data:`schema.GATE`).
    Returns a dict of floats: the pre-activations a_i, a_f, a_g, a_o, the gates i, f, g, o, and c, h.
    """
    GATE.require(state, "gate_values")
    params = gate_params(state)
    x = np.array([[state["x"]]], dtype=float)
    h_prev = np.array([[state["h_prev"]]], dtype=float)
    c_prev = np.array([[state["c_prev"]]], dtype=float)
    h, c, cache = cells.lstm_step_forward(x, h_prev, c_prev, params)
    a = _preactivation(x, h_prev, params)[0]
    out = {f"a_{k}": float(a[n]) for n, k in enumerate(GATES)}
    out.update({k: float(cache[k][0, 0]) for k in GATES})
    out.update(c=float(c[0, 0]), h=float(h[0, 0]))
    return out


def _scalar_rnn_params(w):
    return {"weight_ih": np.array([[1.0]]), "weight_hh": np.array([[float(w)]]),
            "bias_ih": np.zeros(1), "bias_hh": np.zeros(1)}


def memory_values(state):
    """What the memory explorer shows.

    One memory cell stores v at step 1 (c_1 = v: input gate open, candidate v). At steps t = 2..T it keeps
    f_t of its content and adds i_t d (candidate d through the input gate):  c_t = f_t c_{t-1} + i_t d, with
    f_t = f and i_t = i, except at step r = ``erase_step`` when ``schedule`` is 1 ('erase': f_r = 0) or 2
    ('overwrite': f_r = 0, i_r = 1, so c_r = d). Beside it a one-unit tanh RNN, h_1 = tanh(v),
    h_t = tanh(w h_{t-1} + d), run with :func:`lstmkit.cells.rnn_step_forward`.

    state: T (int >= 1), f, i, v, d, w (floats), schedule (0, 1, 2: see SCHEDULES), erase_step (int).
    Returns a dict: c, h (lists of T floats, t = 1..T); cell_grad = dc_t/dc_1 = prod f_s (also the fraction
    of v left in c_t) and rnn_grad = dh_t/dh_1 = prod w (1 - h_s^2) (lists of T, lag t - 1 = 0..T-1, the
    RNN's factors from :func:`lstmkit.cells.rnn_step_backward`); half_life = ln 2 / -ln f (None when
    f >= 1: it never decays); cell_half_lag, rnn_half_lag: the first lag where at most half is left
    (|product| <= 1/2), None when that does not happen within T.
    """
    MEMORY.require(state, "memory_values")
    T = int(round(state["T"]))
    if T < 1:
        raise ValueError(f"T: expected an int >= 1, got {state['T']!r}")
    f, i, v, d, w = (float(state[k]) for k in ("f", "i", "v", "d", "w"))
    schedule = int(state["schedule"])
    if schedule not in (0, 1, 2):
        raise ValueError(f"schedule: expected 0, 1 or 2 ({', '.join(SCHEDULES)}), got {state['schedule']!r}")
    r = int(round(state["erase_step"])) if schedule > 0 else None
    params = _scalar_rnn_params(w)
    c, cell_grad = [v], [1.0]
    h_arr, _ = cells.rnn_step_forward(np.array([[v]]), np.zeros((1, 1)), params)
    h, rnn_grad = [float(h_arr[0, 0])], [1.0]
    for t in range(2, T + 1):
        f_t = 0.0 if t == r else f
        i_t = 1.0 if t == r and schedule == 2 else i
        c.append(f_t * c[-1] + i_t * d)
        cell_grad.append(cell_grad[-1] * f_t)
        h_arr, cache = cells.rnn_step_forward(np.array([[d]]), h_arr, params)
        _, dh_prev, _ = cells.rnn_step_backward(np.ones((1, 1)), cache)     # = w (1 - h_t^2)
        h.append(float(h_arr[0, 0]))
        rnn_grad.append(rnn_grad[-1] * float(dh_prev[0, 0]))

    def first_below_half(g):
        return next((k for k, x in enumerate(g) if abs(x) <= 0.5), None)

    half_life = None if f >= 1 else 0.0 if f <= 0 else float(np.log(2) / -np.log(f))
    return {"c": c, "h": h, "cell_grad": cell_grad, "rnn_grad": rnn_grad, "half_life": half_life,
            "cell_half_lag": first_below_half(cell_grad), "rnn_half_lag": first_below_half(rnn_grad)}


def _rnn_forward(x, h_prev, params, activation):
    """One RNN step with a choice of activation; tanh is lstmkit's own step. Returns h and a cache."""
    if activation == "tanh":
        h, cache = cells.rnn_step_forward(x, h_prev, params)
        return h, ("tanh", cache)
    a = _preactivation(x, h_prev, params)
    h = np.maximum(a, 0) if activation == "relu" else a
    return h, (activation, (a, params))


def _rnn_backward_state(dh, cache):
    """dL/dh_prev from dL/dh through one step of :func:`_rnn_forward`."""
    activation, inner = cache
    if activation == "tanh":
        return cells.rnn_step_backward(dh, inner)[1]
    a, params = inner
    da = dh * (a > 0) if activation == "relu" else dh
    return da @ params["weight_hh"]


def vanishing_values(state):
    """What the vanishing-gradient explorer shows: gradient norms against lag, RNN and LSTM.

    The loss is L = e . h_T. Back-propagation through time, with lstmkit's step functions, carries
    dL/dh_t (RNN, W_hh = rho Q, activation tanh, relu or linear) and dL/dh_t, dL/dc_t (standard LSTM,
    recurrent gate blocks scaled by rho, forget-gate bias ``forget_bias``) from t = T back to t = 1.
    state: rho, activation_index (0 tanh, 1 relu, 2 linear), forget_bias, data (see :func:`vanishing_data`).
    Returns a dict of lists of T floats indexed by the lag k = 0..T-1 (the gradient at step T - k):
    rnn_norm, lstm_h_norm, lstm_c_norm (lag 0: |e|, |e|, 0); and activation (its name).
    """
    VANISHING.require(state, "vanishing_values")
    index = int(state["activation_index"])
    if not 0 <= index < len(ACTIVATIONS):
        raise ValueError(f"activation_index: expected 0, 1 or 2 ({', '.join(ACTIVATIONS)}), got {index!r}")
    activation = ACTIVATIONS[index]
    d = {k: np.asarray(v, dtype=float) for k, v in state["data"].items()}
    rho, T, H = float(state["rho"]), d["X"].shape[0], d["e"].shape[0]
    rnn_p = {"weight_ih": d["rnn_weight_ih"], "weight_hh": rho * d["Q"],
             "bias_ih": np.zeros(H), "bias_hh": np.zeros(H)}
    lstm_bias = np.zeros(4 * H)
    lstm_bias[H:2 * H] = float(state["forget_bias"])
    lstm_p = {"weight_ih": d["lstm_weight_ih"], "weight_hh": rho * d["lstm_weight_hh"],
              "bias_ih": lstm_bias, "bias_hh": np.zeros(4 * H)}
    h, hl, cl = np.zeros((1, H)), np.zeros((1, H)), np.zeros((1, H))
    rnn_caches, lstm_caches = [], []
    for t in range(T):
        x = d["X"][t:t + 1]
        h, cache = _rnn_forward(x, h, rnn_p, activation)
        rnn_caches.append(cache)
        hl, cl, cache = cells.lstm_step_forward(x, hl, cl, lstm_p)
        lstm_caches.append(cache)
    e = d["e"][None, :]
    dh, dhl, dcl = e.copy(), e.copy(), np.zeros((1, H))
    rnn_norm, lstm_h_norm, lstm_c_norm = [float(np.linalg.norm(e))], [float(np.linalg.norm(e))], [0.0]
    for t in range(T - 1, 0, -1):
        dh = _rnn_backward_state(dh, rnn_caches[t])
        _, dhl, dcl, _ = cells.lstm_step_backward(dhl, dcl, lstm_caches[t])
        rnn_norm.append(float(np.linalg.norm(dh)))
        lstm_h_norm.append(float(np.linalg.norm(dhl)))
        lstm_c_norm.append(float(np.linalg.norm(dcl)))
    return {"rnn_norm": rnn_norm, "lstm_h_norm": lstm_h_norm, "lstm_c_norm": lstm_c_norm,
            "activation": activation}


def _variant_cell_params(state, variant):
    P = {k: np.asarray(v, dtype=float) for k, v in state["params"].items()}
    if variant == "gru":
        bias = P["gru_b"].copy()
        bias[1] += float(state["forget_bias"])
        return {"weight_ih": P["gru_w_x"][:, None], "weight_hh": P["gru_w_h"][:, None],
                "bias_ih": bias, "bias_hh": np.zeros(3)}
    rows = [0, 2, 3] if variant == "coupled" else [0, 1, 2, 3]
    bias = P["lstm_b"].copy()
    bias[1] += float(state["forget_bias"])
    params = {"weight_ih": P["lstm_w_x"][rows, None], "weight_hh": P["lstm_w_h"][rows, None],
              "bias_ih": bias[rows], "bias_hh": np.zeros(len(rows))}
    if variant == "peephole":
        params.update({k: np.array([float(state["peephole"])]) for k in ("peep_i", "peep_f", "peep_o")})
    return params


def variant_values(state):
    """What the variant switch shows, computed with lstmkit's LSTM (three variants) and GRU steps.

    state: variant_index (into VARIANTS), pattern_index (into PATTERNS), amplitude, forget_bias, peephole,
    params (see :func:`variant_params`), patterns (see :func:`variant_patterns`).
    Returns a dict: x (the T inputs), selected (the variant's name), and for each name in VARIANTS a dict
    with h (T floats), c (T floats; empty for the GRU) and gates ({'i','f','g','o'} or {'r','z','n'}: T
    floats each; the coupled cell's f is 1 - i).
    """
    VARIANT.require(state, "variant_values")
    xs = [float(state["amplitude"]) * float(v) for v in state["patterns"][int(state["pattern_index"])]]
    out = {"x": xs, "selected": VARIANTS[int(state["variant_index"])]}
    for variant in VARIANTS:
        params = _variant_cell_params(state, variant)
        names = ("r", "z", "n") if variant == "gru" else GATES
        run = {"h": [], "c": [], "gates": {k: [] for k in names}}
        h, c = np.zeros((1, 1)), np.zeros((1, 1))
        for x in xs:
            x = np.array([[x]])
            if variant == "gru":
                h, cache = cells.gru_step_forward(x, h, params)
            else:
                h, c, cache = cells.lstm_step_forward(x, h, c, params, peepholes=variant == "peephole",
                                                      coupled=variant == "coupled")
                run["c"].append(float(c[0, 0]))
            run["h"].append(float(h[0, 0]))
            for k in names:
                run["gates"][k].append(float(cache[k][0, 0]))
        out[variant] = run
    return out
