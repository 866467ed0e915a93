"""Optimisers and clipping against hand-derived updates."""
import numpy as np
import pytest

import lstmkit as lk


class Box:
    def __init__(self, p, g):
        self.params, self.grads = {"w": np.array(p, float)}, {"w": np.array(g, float)}


def test_sgd_momentum_two_steps():
    b = Box([1.0, -2.0], [0.5, 1.0])
    opt = lk.SGD([b], lr=0.1, momentum=0.9)
    opt.step()                                   # v = -0.1 g
    np.testing.assert_allclose(b.params["w"], [1.0 - 0.05, -2.0 - 0.1])
    opt.step()                                   # v = 0.9 v - 0.1 g = -0.19 g
    np.testing.assert_allclose(b.params["w"], [1.0 - 0.05 - 0.095, -2.0 - 0.1 - 0.19])


def test_adam_first_steps_by_hand():
    g = np.array([0.3, -4.0, 1e-3])
    b = Box([0.0, 0.0, 0.0], g)
    opt = lk.Adam(b, lr=0.01)
    opt.step()
    # bias-corrected m = g, v = g^2: the step is lr * g / (|g| + eps) ~ lr * sign(g)
    np.testing.assert_allclose(b.params["w"], -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    opt.step()
    m = 0.9 * 0.1 * g + 0.1 * g
    v = 0.999 * 0.001 * g * g + 0.001 * g * g
    step2 = 0.01 * (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    np.testing.assert_allclose(b.params["w"], -0.01 * g / (np.abs(g) + 1e-8) - step2, rtol=1e-10)


def test_clip_grad_norm_keeps_direction():
    a, b = Box([0.0], [3.0]), Box([0.0, 0.0], [0.0, 4.0])
    norm = lk.clip_grad_norm([a, b], 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(a.grads["w"], [0.6])
    np.testing.assert_allclose(b.grads["w"], [0.0, 0.8])
    assert lk.clip_grad_norm([a, b], 10.0) == pytest.approx(1.0)        # below the threshold: unchanged
    np.testing.assert_allclose(b.grads["w"], [0.0, 0.8])
    with pytest.raises(ValueError, match="max_norm: expected a positive number"):
        lk.clip_grad_norm([a], 0)


def test_training_a_tiny_task_reduces_the_loss():
    """Echo the input from 3 steps ago: an LSTM with Adam must fit it."""
    rng = np.random.default_rng(0)
    lstm, out = lk.LSTM(1, 8, seed=0), lk.Dense(8, 1, seed=1)
    opt = lk.Adam([lstm, out], lr=0.02)
    losses = []
    for _ in range(300):
        X = rng.choice([-1.0, 1.0], size=(10, 16, 1))
        Y = np.zeros_like(X)
        Y[3:] = X[:-3]
        H, _ = lstm.forward(X)
        P = out.forward(H)
        losses.append(float(((P - Y) ** 2).mean()))
        dP = 2 * (P - Y) / P.size
        lstm.backward(out.backward(dP))
        lk.clip_grad_norm([lstm, out], 1.0)
        opt.step()
    assert np.mean(losses[:10]) > 0.5 and np.mean(losses[-10:]) < 0.05, (losses[:3], losses[-3:])
