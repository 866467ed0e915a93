"""How far back the gradient reaches: the norm of the loss gradient with respect to every earlier state and input
of a network that answers at the end of a long sequence.

For a loss L at the last step T of a sequence, :func:`state_gradients` measures, for k = 0, 1, 2, ... steps back,

- ||dL/dc_{T-k}||: through the LSTM's cell state (the 'c' curve; LSTM only),
- ||dL/dh_{T-k}||: through the hidden state of any of the three cells (the 'h' curve),
- ||dL/dx_{T-k}||: reaching the input itself (the 'x' curve), which is what teaches the network to store it,

each divided by its value at the last step (k = 0) and averaged over sequences as a geometric mean, the natural
mean of numbers that shrink by factors. The backward pass is the book's own step functions
(:mod:`lstmkit.cells`), run in float64 on the network's weights, so nothing underflows that float64 can hold.
"""
from __future__ import annotations

import numpy as np

from . import cells, losses
from .tasks import TaskBatch, get as get_task

TINY = 1e-300
"""Norms below this count as this (the logarithm of zero is not a number)."""


def _steps(model, X):
    """Forward through the cells, one step at a time: X (L, B, D) -> the caches of all steps, the kind's step."""
    layer = model.rnn
    p = {k: v.astype(np.float64) for k, v in layer.params.items()}
    B, H = X.shape[1], layer.hidden_size
    h, c, caches = np.zeros((B, H)), np.zeros((B, H)), []
    for x in X:
        if layer.has_cell:
            h, c, cache = cells.lstm_step_forward(x, h, c, p, forget_gate=layer.forget_gate,
                                                  peepholes=layer.peepholes, coupled=layer.coupled)
        elif type(layer).__name__ == "GRU":
            h, cache = cells.gru_step_forward(x, h, p, reset_after=layer.reset_after)
        else:
            if layer.nonlinearity != "tanh":
                raise ValueError("model: state_gradients follows tanh RNNs, LSTMs and GRUs, got a ReLU RNN")
            h, cache = cells.rnn_step_forward(x, h, p)
        caches.append(cache)
    return h, caches


def _backward(model, caches, dh_last):
    """Norms (L, B) of dL/dh_t, dL/dx_t and (LSTM) dL/dc_t, from dL/dh at the last step."""
    L, B = len(caches), dh_last.shape[0]
    out = {k: np.zeros((L, B)) for k in (("c", "h", "x") if model.rnn.has_cell else ("h", "x"))}
    dh, dc = dh_last, np.zeros_like(dh_last)
    for t in reversed(range(L)):
        out["h"][t] = np.linalg.norm(dh, axis=1)
        if "c" in out:
            # dL/dc_t: what arrives from step t + 1 plus what h_t = o tanh(c_t) passes down
            cache = caches[t]
            out["c"][t] = np.linalg.norm(dc + dh * cache["o"] * (1 - cache["tanh_c"] ** 2), axis=1)
            dx, dh, dc, _ = cells.lstm_step_backward(dh, dc, cache)
        elif "z" in caches[t]:
            dx, dh, _ = cells.gru_step_backward(dh, caches[t])
        else:
            dx, dh, _ = cells.rnn_step_backward(dh, caches[t])
        out["x"][t] = np.linalg.norm(dx, axis=1)
    return out


def _final_dh(model, task, h_last, target):
    """dL/dh at the last step of a group of sequences, for the task's own loss."""
    W = model.readout.params["weight"].astype(np.float64)
    b = model.readout.params["bias"].astype(np.float64)
    logits = (h_last @ W.T + b)[None]                      # (1, B, K)
    if get_task(task).loss == "mse":
        _, d = losses.mean_squared_error(logits, np.asarray(target, np.float64).reshape(logits.shape))
    else:
        _, d = losses.softmax_cross_entropy(logits, np.asarray(target, np.int64)[None])
    return d[0] @ W


def state_gradients(model, batch: TaskBatch) -> dict:
    """Mean gradient norms k steps before the end of the sequences of ``batch``, relative to k = 0.

    model: a trained :class:`lstmkit.train.SequenceModel` (RNN, LSTM or GRU). Returns {'steps_back': (K,) int,
    'h': (K,), 'x': (K,), and 'c': (K,) for an LSTM}, K = the shortest sequence's length; each curve is the
    geometric mean over sequences of ||dL/ds_{T-k}|| / ||dL/ds_T||.
    """
    K = int(batch.lengths.min())
    logs = {}
    for L in np.unique(batch.lengths):
        cols = np.flatnonzero(batch.lengths == L)
        X = batch.X[:L, cols].astype(np.float64)
        h_last, caches = _steps(model, X)
        norms = _backward(model, caches, _final_dh(model, batch.task, h_last, batch.target[cols]))
        for key, n in norms.items():
            back = np.log10(np.maximum(n[::-1][:K], TINY))     # (K, b): k steps before the end
            logs.setdefault(key, []).append(back - back[:1])
    result = {key: 10 ** np.concatenate(parts, axis=1).mean(axis=1) for key, parts in logs.items()}
    result["steps_back"] = np.arange(K)
    return result
