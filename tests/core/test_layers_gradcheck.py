"""Backpropagation through time checked against central finite differences, for every cell and option,
with and without masks and truncation, in float64: every parameter, the input and the initial state."""
import numpy as np
import pytest

import lstmkit as lk
from lstmkit.gradcheck import numerical_gradient, relative_error
from support.layers import CONFIGS, D, H, make

T, B = 6, 3


def random_mask(rng):
    """Sequences of different lengths (a prefix of real steps) plus one row with a hole in the middle."""
    lengths = np.array([T, T - 2, 1])
    mask = np.arange(T)[:, None] < lengths[None, :]
    mask[2, 0] = False
    return mask


def split_state(layer, s):
    return tuple(s) if layer.has_cell else (s,)


def join_state(layer, parts):
    return tuple(parts) if layer.has_cell else parts[0]


@pytest.mark.parametrize("use_mask", [False, True], ids=["nomask", "mask"])
@pytest.mark.parametrize("truncate", [None, 2], ids=["full", "trunc2"])
@pytest.mark.parametrize("name,cls,opts", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bptt_matches_finite_differences(name, cls, opts, use_mask, truncate):
    rng = np.random.default_rng(1)
    layer = make(cls, opts)
    X = rng.normal(size=(T, B, D))
    if name == "rnn-relu":
        X += 0.05                                # keep pre-activations away from the kink
    state0 = [rng.normal(size=(B, H)) for _ in range(2 if layer.has_cell else 1)]
    mask = random_mask(rng) if use_mask else None
    R = rng.normal(size=(T, B, H))                            # loss = <R, H> + <Rs, final state>
    Rs = [rng.normal(size=(B, H)) for _ in state0]

    # The function whose gradient truncated BPTT computes: the state entering each chunk of `truncate`
    # steps is a constant (its value in the unperturbed forward pass).
    k = truncate or T
    bounds = list(range(0, T, k))
    frozen = {}
    s = join_state(layer, state0)
    for t0 in bounds:
        frozen[t0] = s
        _, s = layer.forward(X[t0:t0 + k], s, None if mask is None else mask[t0:t0 + k])

    def loss():
        total = 0.0
        for t0 in bounds:
            s_in = join_state(layer, state0) if t0 == 0 else frozen[t0]
            out, s_out = layer.forward(X[t0:t0 + k], s_in, None if mask is None else mask[t0:t0 + k])
            total += float((out * R[t0:t0 + k]).sum())
        return total + sum(float((a * b).sum()) for a, b in zip(split_state(layer, s_out), Rs))

    layer.forward(X, join_state(layer, state0), mask)
    dX, dstate = layer.backward(R, join_state(layer, Rs), truncate=truncate)
    dstate = split_state(layer, dstate)
    analytic = dict(layer.grads, X=dX, **{f"state{i}": d for i, d in enumerate(dstate)})
    arrays = dict(layer.params, X=X, **{f"state{i}": s for i, s in enumerate(state0)})
    for key, arr in arrays.items():
        num = numerical_gradient(loss, arr, eps=1e-6)
        err = relative_error(analytic[key], num)
        assert err < 1e-6, f"{name}: gradient of {key} has relative error {err:.2e}"


@pytest.mark.parametrize("name,cls,opts", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_truncation_changes_the_gradient_only_across_chunks(name, cls, opts):
    """With truncate >= T nothing is cut; with truncate=1 the input gradient at step t only sees step t's
    own output."""
    rng = np.random.default_rng(2)
    layer = make(cls, opts)
    X = rng.normal(size=(T, B, D))
    layer.forward(X)
    dH = rng.normal(size=(T, B, H))
    full, _ = layer.backward(dH)
    same, _ = layer.backward(dH, truncate=T)
    np.testing.assert_array_equal(full, same)
    one, _ = layer.backward(dH, truncate=1)
    # only the last step's output gradient, so truncated and full agree at the last step and differ before
    np.testing.assert_allclose(one[-1], full[-1], rtol=1e-12, atol=1e-14)
    assert np.abs(one[:-1] - full[:-1]).max() > 1e-6


def test_dense_and_losses_gradients():
    rng = np.random.default_rng(3)
    dense = lk.Dense(4, 5, seed=0)
    dense.params["bias"][...] = rng.normal(size=5)
    h = rng.normal(size=(3, 2, 4))
    targets = rng.integers(0, 5, size=(3, 2))
    multi = (rng.random((3, 2, 5)) < 0.4).astype(float)
    mask = np.array([[True, True], [True, False], [False, True]])
    for lossfn, y in ((lk.softmax_cross_entropy, targets), (lk.sigmoid_binary_cross_entropy, multi)):
        def loss():
            return lossfn(dense.forward(h), y, mask)[0]
        _, dlogits = lossfn(dense.forward(h), y, mask)
        dh = dense.backward(dlogits)
        for key, arr, g in (("weight", dense.params["weight"], dense.grads["weight"]),
                            ("bias", dense.params["bias"], dense.grads["bias"]), ("h", h, dh)):
            err = relative_error(g, numerical_gradient(loss, arr))
            assert err < 1e-7, f"{lossfn.__name__}: gradient of {key} has relative error {err:.2e}"


def test_losses_equal_their_definitions():
    """Hand-derived values: uniform logits give log K; BCE of logit 0 is log 2 per unit."""
    K = 4
    logits = np.zeros((2, 3, K))
    loss, _ = lk.softmax_cross_entropy(logits, np.zeros((2, 3), int))
    assert loss == pytest.approx(np.log(K), rel=1e-14)
    loss, _ = lk.sigmoid_binary_cross_entropy(logits, np.ones((2, 3, K)))
    assert loss == pytest.approx(K * np.log(2), rel=1e-14)
    x = np.array([[[3.0, -2.0]]])
    y = np.array([[[1.0, 0.0]]])
    s = 1 / (1 + np.exp(-x))
    want = -(np.log(s[0, 0, 0]) + np.log(1 - s[0, 0, 1]))
    assert lk.sigmoid_binary_cross_entropy(x, y)[0] == pytest.approx(want, rel=1e-13)
    # no overflow warning for huge logits
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, d = lk.sigmoid_binary_cross_entropy(np.array([[[800.0, -800.0]]]), np.array([[[1.0, 0.0]]]))
    assert loss == 0.0 and np.all(np.isfinite(d))
