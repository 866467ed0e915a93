"""The step functions of lstmkit.cells: gradient checks, and agreement with the whole-sequence layers
(which are implemented separately, with fused matrix products)."""
import numpy as np
import pytest

import lstmkit as lk
from lstmkit import cells
from lstmkit.gradcheck import gradcheck
from support.layers import CONFIGS, make

T, B, D, H = 5, 3, 3, 4
STEP_CONFIGS = [c for c in CONFIGS if c[0] != "rnn-relu"]


def step_forward(layer, x, state):
    p = layer.params
    if isinstance(layer, lk.LSTM):
        h, c, cache = cells.lstm_step_forward(x, state[0], state[1], p, forget_gate=layer.forget_gate,
                                              peepholes=layer.peepholes, coupled=layer.coupled)
        return h, (h, c), cache
    if isinstance(layer, lk.GRU):
        h, cache = cells.gru_step_forward(x, state, p, reset_after=layer.reset_after)
        return h, h, cache
    h, cache = cells.rnn_step_forward(x, state, p)
    return h, h, cache


def step_backward(layer, dstate, cache):
    if isinstance(layer, lk.LSTM):
        dx, dh, dc, dp = cells.lstm_step_backward(dstate[0], dstate[1], cache)
        return dx, (dh, dc), dp
    fn = cells.gru_step_backward if isinstance(layer, lk.GRU) else cells.rnn_step_backward
    dx, dh, dp = fn(dstate, cache)
    return dx, dh, dp


@pytest.mark.parametrize("name,cls,opts", STEP_CONFIGS, ids=[c[0] for c in STEP_CONFIGS])
def test_step_by_step_equals_whole_sequence(name, cls, opts):
    rng = np.random.default_rng(5)
    layer = make(cls, opts)
    X = rng.normal(size=(T, B, D))
    state = (rng.normal(size=(B, H)), rng.normal(size=(B, H))) if layer.has_cell else rng.normal(size=(B, H))
    Hseq, final = layer.forward(X, state)
    s, outs, caches = state, [], []
    for t in range(T):
        h, s, cache = step_forward(layer, X[t], s)
        outs.append(h)
        caches.append(cache)
    np.testing.assert_allclose(np.stack(outs), Hseq, rtol=1e-13, atol=1e-14)
    for a, b in zip(final if layer.has_cell else [final], s if layer.has_cell else [s]):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)
    for gate in layer.gates:                      # recorded activations equal the step caches
        want = np.stack([c[gate] for c in caches])
        np.testing.assert_allclose(layer.activations[gate], want, rtol=1e-13, atol=1e-14)
    if layer.has_cell:
        np.testing.assert_allclose(layer.activations["c"], np.stack([c["c"] for c in caches]), rtol=1e-13)
    # backward: step by step, summing parameter gradients
    dH = rng.normal(size=(T, B, H))
    dX, dstate0 = layer.backward(dH)
    ds = (np.zeros((B, H)), np.zeros((B, H))) if layer.has_cell else np.zeros((B, H))
    total = {k: np.zeros_like(v) for k, v in layer.params.items()}
    dxs = []
    for t in reversed(range(T)):
        if layer.has_cell:
            ds = (ds[0] + dH[t], ds[1])
        else:
            ds = ds + dH[t]
        dx, ds, dp = step_backward(layer, ds, caches[t])
        dxs.append(dx)
        for k in total:
            total[k] += dp[k]
    np.testing.assert_allclose(np.stack(dxs[::-1]), dX, rtol=1e-11, atol=1e-13)
    for k in total:
        np.testing.assert_allclose(layer.grads[k], total[k], rtol=1e-11, atol=1e-13, err_msg=k)
    for a, b in zip(dstate0 if layer.has_cell else [dstate0], ds if layer.has_cell else [ds]):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name,cls,opts", STEP_CONFIGS, ids=[c[0] for c in STEP_CONFIGS])
def test_step_backward_gradcheck(name, cls, opts):
    rng = np.random.default_rng(6)
    layer = make(cls, opts)
    x = rng.normal(size=(B, D))
    if layer.has_cell:
        state = [rng.normal(size=(B, H)), rng.normal(size=(B, H))]
    else:
        state = [rng.normal(size=(B, H))]
    R = [rng.normal(size=(B, H)) for _ in state]

    def loss():
        _, s, _ = step_forward(layer, x, tuple(state) if layer.has_cell else state[0])
        parts = s if layer.has_cell else (s,)
        return sum(float((a * r).sum()) for a, r in zip(parts, R))

    _, _, cache = step_forward(layer, x, tuple(state) if layer.has_cell else state[0])
    dx, ds, dp = step_backward(layer, tuple(R) if layer.has_cell else R[0], cache)
    ds = ds if layer.has_cell else (ds,)
    arrays = dict(layer.params, x=x, **{f"s{i}": s for i, s in enumerate(state)})
    grads = dict(dp, x=dx, **{f"s{i}": d for i, d in enumerate(ds)})
    for k, err in gradcheck(loss, arrays, grads).items():
        assert err < 1e-7, f"{name}: {k} relative error {err:.2e}"


def test_hand_worked_lstm_step():
    """One unit, one input, every weight set by hand; values derived on paper."""
    p = {"weight_ih": np.array([[1.0], [2.0], [3.0], [4.0]]), "weight_hh": np.zeros((4, 1)),
         "bias_ih": np.zeros(4), "bias_hh": np.zeros(4)}
    x, h0, c0 = np.array([[0.5]]), np.zeros((1, 1)), np.array([[2.0]])
    h, c, cache = cells.lstm_step_forward(x, h0, c0, p)
    s = lambda v: 1 / (1 + np.exp(-v))
    i, f, g, o = s(0.5), s(1.0), np.tanh(1.5), s(2.0)
    assert cache["i"][0, 0] == pytest.approx(i, rel=1e-15)
    assert cache["f"][0, 0] == pytest.approx(f, rel=1e-15)
    assert c[0, 0] == pytest.approx(f * 2.0 + i * g, rel=1e-15)
    assert h[0, 0] == pytest.approx(o * np.tanh(f * 2.0 + i * g), rel=1e-15)


def test_gru_conventions_differ_and_blend_direction():
    """z = 1 keeps the old state (h = z h_prev + (1 - z) n); the two reset conventions give different h."""
    rng = np.random.default_rng(7)
    a, b = lk.GRU(D, H, seed=1), lk.GRU(D, H, seed=1, reset_after=True)
    for k in a.params:
        a.params[k][...] = b.params[k][...] = rng.normal(size=a.params[k].shape)
    X, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    Ha, _ = a.forward(X, h0)
    Hb, _ = b.forward(X, h0)
    assert np.abs(Ha - Hb).max() > 1e-3
    a.params["bias_ih"][H:2 * H] = 1e3                  # update gate saturated at 1: nothing changes
    Ha, hT = a.forward(X, h0)
    np.testing.assert_allclose(hT, h0, atol=1e-12)


def test_float32_runs_in_float32_and_agrees_with_float64():
    rng = np.random.default_rng(8)
    for name, cls, opts in CONFIGS:
        l64 = make(cls, opts)
        l32 = cls(D, H, dtype=np.float32, **opts)
        for k in l64.params:
            l32.params[k][...] = l64.params[k]
        X = rng.normal(size=(T, B, D))
        mask = np.ones((T, B), bool)
        mask[3:, 1] = False
        H64, _ = l64.forward(X, mask=mask)
        H32, s32 = l32.forward(X.astype(np.float32), mask=mask)
        dH = rng.normal(size=H64.shape)
        dX64, _ = l64.backward(dH)
        dX32, _ = l32.backward(dH.astype(np.float32))
        assert H32.dtype == np.float32 and dX32.dtype == np.float32, name
        assert all(g.dtype == np.float32 for g in l32.grads.values()), name
        np.testing.assert_allclose(H32, H64, rtol=1e-4, atol=1e-5, err_msg=name)
        np.testing.assert_allclose(dX32, dX64, rtol=1e-3, atol=1e-4, err_msg=name)


def test_mask_carries_state_and_zeroes_output():
    rng = np.random.default_rng(9)
    layer = make(lk.LSTM, {})
    X = rng.normal(size=(T, 2, D))
    mask = np.ones((T, 2), bool)
    mask[2:, 1] = False                                  # second sequence has length 2
    Hm, (h, c) = layer.forward(X, mask=mask)
    assert np.all(Hm[2:, 1] == 0)
    Hs, (h2, c2) = layer.forward(X[:2, 1:2])             # the short sequence on its own
    np.testing.assert_allclose(h[1], h2[0], rtol=1e-14)
    np.testing.assert_allclose(c[1], c2[0], rtol=1e-14)
    np.testing.assert_allclose(Hm[:2, 1], Hs[:, 0], rtol=1e-14)


@pytest.mark.parametrize("name,cls,opts", CONFIGS, ids=[c[0] for c in CONFIGS])
@pytest.mark.parametrize("shape", [(T, B, H), (1, 1, 1)], ids=["TBH", "T=B=H=1"])
def test_outputs_are_not_views_of_the_cache(name, cls, opts, shape):
    """Writing into what forward and backward return changes nothing the layer keeps: H, the final state and
    dX are fresh arrays, so a learner's in-place edit cannot corrupt the next backward pass."""
    t_, b_, h_ = shape
    rng = np.random.default_rng(9)
    layer = cls(D, h_, seed=0, **opts)
    X = rng.normal(size=(t_, b_, D))
    dH = rng.normal(size=(t_, b_, h_))
    layer.forward(X)
    dX_want, _ = layer.backward(dH)
    grads_want = {k: v.copy() for k, v in layer.grads.items()}
    acts_want = {k: v.copy() for k, v in layer.activations.items()}
    Hout, state = layer.forward(X)
    Hout[...] = 7.0
    for s in (state if isinstance(state, tuple) else (state,)):
        s[...] = -3.0
    dX, d_state = layer.backward(dH)
    np.testing.assert_array_equal(dX, dX_want)
    for k, v in grads_want.items():
        np.testing.assert_array_equal(layer.grads[k], v, err_msg=f"grads[{k!r}] changed")
    for k, v in acts_want.items():
        np.testing.assert_array_equal(layer.activations[k], v, err_msg=f"activations[{k!r}] changed")
