"""A straightforward per-step numpy LSTM written the CS231n way (reference for the speed benchmark).

Wx (D, 4H), Wh (H, 4H), b (4H,), gate order i, f, o, g as in CS231n's assignment; each step does its own
matrix products and the parameter gradients are accumulated step by step.
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, i, f, o, g, next_c, Wx, Wh)


def step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, i, f, o, g, next_c, Wx, Wh = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                    dc * i * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(0)


def forward(x, h0, Wx, Wh, b):
    """x (N, T, D) batch-major as in CS231n -> h (N, T, H), caches."""
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), x.dtype)
    prev_h, prev_c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        prev_h, prev_c, cache = step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches


def backward(dh, caches):
    N, T, H = dh.shape
    D = caches[0][0].shape[1]
    dx = np.zeros((N, T, D), dh.dtype)
    dWx, dWh, db = 0, 0, 0
    dprev_h, dprev_c = np.zeros((N, H), dh.dtype), np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = step_backward(dh[:, t] + dprev_h, dprev_c, caches[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
