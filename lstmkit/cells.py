"""One time step of each recurrent cell, forward and backward, as plain functions.

These are the functions the book and the exercises teach with. Each ``*_step_forward`` returns the new state
and a ``cache``; the matching ``*_step_backward`` takes the gradient of the loss with respect to the new state
and the cache, and returns the gradients with respect to the input, the previous state and the parameters.

Shapes: x is (B, D), h_prev and c_prev are (B, H). Parameters use PyTorch's names:

=============  ==========  ==================================================
``weight_ih``  (G*H, D)    input-to-hidden weights, G gate blocks stacked
``weight_hh``  (G*H, H)    hidden-to-hidden weights
``bias_ih``    (G*H,)      bias added to the input term
``bias_hh``    (G*H,)      bias added to the recurrent term
``peep_i``     (H,)        LSTM peephole weights (only with ``peepholes=True``)
``peep_f``     (H,)
``peep_o``     (H,)
=============  ==========  ==================================================

Gate order (the row blocks of the weights) is PyTorch's: LSTM i, f, g, o; GRU r, z, n. The maths is written for
column vectors (a = W_ih x + W_hh h + b); the code multiplies row vectors by the transpose (x @ W_ih.T), which
computes the same numbers for a whole batch at once.
"""
import numpy as np

from .activations import sigmoid, dsigmoid, dtanh


def lstm_gate_names(forget_gate=True, coupled=False):
    """The gate blocks of an LSTM variant, in weight-row order: ('i','f','g','o') or ('i','g','o')."""
    return ("i", "f", "g", "o") if forget_gate and not coupled else ("i", "g", "o")


GRU_GATE_NAMES = ("r", "z", "n")
"""The GRU's blocks in weight-row order (PyTorch's): reset gate, update gate, candidate."""

GATE_WORDS = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
              "r": "reset gate", "z": "update gate", "n": "candidate"}
"""What each block is called in words (the book's diagrams and explorers say it this way)."""


def _blocks(a, names):
    """Split pre-activations a (B, G*H) into a dict of (B, H) blocks named after the gates."""
    return dict(zip(names, np.split(a, len(names), axis=-1)))


# ----------------------------------------------------------------------------------------------- RNN
def rnn_step_forward(x, h_prev, params):
    """Elman / SRN step: h = tanh(W_ih x + b_ih + W_hh h_prev + b_hh).

    x (B, D), h_prev (B, H) -> h (B, H), cache (a dict; cache["h"] is the new state).
    """
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    h = np.tanh(a)
    return h, dict(x=x, h_prev=h_prev, h=h, params=params)


def rnn_step_backward(dh, cache):
    """Backward of :func:`rnn_step_forward`. dh (B, H) -> dx (B, D), dh_prev (B, H), dparams."""
    x, h_prev, h, params = cache["x"], cache["h_prev"], cache["h"], cache["params"]
    da = dh * dtanh(h)                                     # (B, H)
    dparams = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev,
               "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    return da @ params["weight_ih"], da @ params["weight_hh"], dparams


# ---------------------------------------------------------------------------------------------- LSTM
def lstm_step_forward(x, h_prev, c_prev, params, *, forget_gate=True, peepholes=False, coupled=False):
    """One LSTM step.

        i = sigmoid(a_i + p_i * c_prev)        input gate
        f = sigmoid(a_f + p_f * c_prev)        forget gate   (coupled: f = 1 - i; 1997 cell: no f)
        g = tanh(a_g)                          candidate
        c = f * c_prev + i * g                 cell state    (1997 cell: c = c_prev + i * g)
        o = sigmoid(a_o + p_o * c)             output gate   (peepholes: o sees the *new* c)
        h = o * tanh(c)

    where a = W_ih x + b_ih + W_hh h_prev + b_hh is split into the gate blocks and the peephole terms p_* * c
    are present only with ``peepholes=True``.

    x (B, D), h_prev (B, H), c_prev (B, H) -> h (B, H), c (B, H), cache (a dict; cache["i"], cache["f"],
    cache["g"], cache["o"], cache["c"] hold the activations, each (B, H)).
    """
    names = lstm_gate_names(forget_gate, coupled)
    a = _blocks(x @ params["weight_ih"].T + params["bias_ih"]
                + h_prev @ params["weight_hh"].T + params["bias_hh"], names)
    if peepholes:
        a["i"] = a["i"] + params["peep_i"] * c_prev
        if "f" in a:
            a["f"] = a["f"] + params["peep_f"] * c_prev
    i = sigmoid(a["i"])
    g = np.tanh(a["g"])
    if coupled:
        f = 1 - i
    elif forget_gate:
        f = sigmoid(a["f"])
    else:
        f = np.ones_like(i)                                # the 1997 cell: c_prev passes unchanged
    c = f * c_prev + i * g
    if peepholes:
        a["o"] = a["o"] + params["peep_o"] * c
    o = sigmoid(a["o"])
    tc = np.tanh(c)
    h = o * tc
    cache = dict(x=x, h_prev=h_prev, c_prev=c_prev, i=i, f=f, g=g, o=o, c=c, tanh_c=tc, params=params,
                 names=names, forget_gate=forget_gate, peepholes=peepholes, coupled=coupled)
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Backward of :func:`lstm_step_forward`.

    dh (B, H): gradient of the loss w.r.t. h (from the output at this step plus the next step);
    dc (B, H): gradient w.r.t. c coming from the next step (zeros at the last step).
    Returns dx (B, D), dh_prev (B, H), dc_prev (B, H), dparams (same keys as params).
    """
    x, h_prev, c_prev, params = cache["x"], cache["h_prev"], cache["c_prev"], cache["params"]
    i, f, g, o, c, tc = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"], cache["tanh_c"]
    peep = cache["peepholes"]
    da = {}
    da["o"] = dh * tc * dsigmoid(o)                        # through h = o * tanh(c)
    dc = dc + dh * o * dtanh(tc)
    if peep:
        dc = dc + da["o"] * params["peep_o"]               # o also sees c
    dg = dc * i
    if cache["coupled"]:
        di = dc * (g - c_prev)                             # c = (1 - i) c_prev + i g
    else:
        di = dc * g
    da["i"] = di * dsigmoid(i)
    da["g"] = dg * dtanh(g)
    dc_prev = dc * f
    if cache["forget_gate"] and not cache["coupled"]:
        da["f"] = dc * c_prev * dsigmoid(f)
    dparams = {}
    if peep:
        dc_prev = dc_prev + da["i"] * params["peep_i"]
        dparams["peep_i"] = (da["i"] * c_prev).sum(0)
        if "f" in da:
            dc_prev = dc_prev + da["f"] * params["peep_f"]
            dparams["peep_f"] = (da["f"] * c_prev).sum(0)
        dparams["peep_o"] = (da["o"] * c).sum(0)
    dA = np.concatenate([da[n] for n in cache["names"]], axis=-1)    # (B, G*H)
    dparams.update(weight_ih=dA.T @ x, weight_hh=dA.T @ h_prev, bias_ih=dA.sum(0), bias_hh=dA.sum(0))
    return dA @ params["weight_ih"], dA @ params["weight_hh"], dc_prev, dparams


# ----------------------------------------------------------------------------------------------- GRU
def gru_step_forward(x, h_prev, params, *, reset_after=False):
    """One GRU step (Cho et al. 2014), gate order r, z, n.

        r = sigmoid(W_ir x + b_ir + W_hr h_prev + b_hr)                reset gate
        z = sigmoid(W_iz x + b_iz + W_hz h_prev + b_hz)                update gate
        n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)             candidate (Cho et al.)
        n = tanh(W_in x + b_in + r * (W_hn h_prev + b_hn))             candidate (reset_after=True: PyTorch, cuDNN)
        h = (1 - z) * n + z * h_prev

    x (B, D), h_prev (B, H) -> h (B, H), cache (cache["r"], cache["z"], cache["n"] hold the gates, each (B, H)).
    """
    H = h_prev.shape[-1]
    W_hh, b_hh = params["weight_hh"], params["bias_hh"]
    ax = x @ params["weight_ih"].T + params["bias_ih"]
    a_rz = ax[:, :2 * H] + h_prev @ W_hh[:2 * H].T + b_hh[:2 * H]
    r, z = sigmoid(a_rz[:, :H]), sigmoid(a_rz[:, H:])
    if reset_after:
        hn = h_prev @ W_hh[2 * H:].T + b_hh[2 * H:]
        n = np.tanh(ax[:, 2 * H:] + r * hn)
    else:
        hn = None
        n = np.tanh(ax[:, 2 * H:] + (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:])
    h = (1 - z) * n + z * h_prev
    return h, dict(x=x, h_prev=h_prev, r=r, z=z, n=n, hn=hn, params=params, reset_after=reset_after)


def gru_step_backward(dh, cache):
    """Backward of :func:`gru_step_forward`. dh (B, H) -> dx (B, D), dh_prev (B, H), dparams."""
    x, h_prev, r, z, n, params = (cache[k] for k in ("x", "h_prev", "r", "z", "n", "params"))
    W_hh = params["weight_hh"]
    H = h_prev.shape[-1]
    da_n = dh * (1 - z) * dtanh(n)
    da_z = dh * (h_prev - n) * dsigmoid(z)
    dh_prev = dh * z
    if cache["reset_after"]:
        dhn = da_n * r                                     # gradient w.r.t. (W_hn h_prev + b_hn)
        da_r = da_n * cache["hn"] * dsigmoid(r)
        dA_h = np.concatenate([da_r, da_z, dhn], axis=-1)  # recurrent-side pre-activation gradients
        dW_hh = dA_h.T @ h_prev
        dh_prev = dh_prev + dA_h @ W_hh
    else:
        drh = da_n @ W_hh[2 * H:]                          # gradient w.r.t. r * h_prev
        da_r = drh * h_prev * dsigmoid(r)
        dA_h = np.concatenate([da_r, da_z, da_n], axis=-1)
        dW_hh = np.concatenate([dA_h[:, :2 * H].T @ h_prev, da_n.T @ (r * h_prev)], axis=0)
        dh_prev = dh_prev + dA_h[:, :2 * H] @ W_hh[:2 * H] + drh * r
    dA_x = np.concatenate([da_r, da_z, da_n], axis=-1)
    dparams = {"weight_ih": dA_x.T @ x, "weight_hh": dW_hh, "bias_ih": dA_x.sum(0), "bias_hh": dA_h.sum(0)}
    return dA_x @ params["weight_ih"], dh_prev, dparams
