"""Bad input raises ValueError naming the argument, what was expected and what came."""
import numpy as np
import pytest

import lstmkit as lk


@pytest.fixture(params=["rnn", "lstm", "gru"])
def layer(request):
    return {"rnn": lk.RNN, "lstm": lk.LSTM, "gru": lk.GRU}[request.param](7, 4, seed=0)


def good_state(layer, B=3):
    h = np.zeros((B, 4))
    return (h, h.copy()) if layer.has_cell else h


@pytest.mark.parametrize("X,words", [
    (np.zeros((3, 7)), ["X", "3 dimensions", "(T, B, D=7)", "got 2 dimensions", "(3, 7)"]),
    (np.zeros((5, 3, 6)), ["X", "(T, B, D=7)", "got (5, 3, 6)"]),
    (np.zeros((5, 3, 7), np.float32), ["X", "float64", "float32"]),
    (np.zeros((5, 3, 7), np.int64), ["X", "float64", "int64"]),
    (np.zeros((0, 3, 7)), ["X", "at least one time step"]),
    ([[[0.0] * 7]], ["X", "numpy array", "list"]),
])
def test_bad_X(layer, X, words):
    with pytest.raises(ValueError) as e:
        layer.forward(X)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(layer, bad):
    X = np.zeros((5, 3, 7))
    X[2, 1, 4] = bad
    with pytest.raises(ValueError, match=r"X: expected finite values, got .* at index \(2, 1, 4\)"):
        layer.forward(X)


def test_bad_state(layer):
    X = np.zeros((5, 3, 7))
    if layer.has_cell:
        with pytest.raises(ValueError, match=r"state: expected a pair \(h, c\)"):
            layer.forward(X, np.zeros((3, 4)))
        with pytest.raises(ValueError, match=r"state\[1\] \(c\): expected shape \(B=3, H=4\), got \(2, 4\)"):
            layer.forward(X, (np.zeros((3, 4)), np.zeros((2, 4))))
    else:
        with pytest.raises(ValueError, match=r"state: expected shape \(B=3, H=4\), got \(3, 5\)"):
            layer.forward(X, np.zeros((3, 5)))
        with pytest.raises(ValueError, match=r"state: expected dtype float64, got float32"):
            layer.forward(X, np.zeros((3, 4), np.float32))


def test_bad_mask(layer):
    X = np.zeros((5, 3, 7))
    with pytest.raises(ValueError, match=r"mask: expected dtype bool, got int64"):
        layer.forward(X, mask=np.ones((5, 3), np.int64))
    with pytest.raises(ValueError, match=r"mask: expected shape \(T=5, B=3\), got \(3, 5\)"):
        layer.forward(X, mask=np.ones((3, 5), bool))


def test_bad_backward(layer):
    with pytest.raises(ValueError, match="call forward first"):
        type(layer)(7, 4).backward(np.zeros((5, 3, 4)))
    layer.forward(np.zeros((5, 3, 7)))
    with pytest.raises(ValueError, match=r"dH: expected shape \(T=5, B=3, H=4\), got \(5, 3, 5\)"):
        layer.backward(np.zeros((5, 3, 5)))
    dH = np.zeros((5, 3, 4))
    dH[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="dH: expected finite values"):
        layer.backward(dH)
    with pytest.raises(ValueError, match="truncate: expected None or a positive integer, got 0"):
        layer.backward(np.zeros((5, 3, 4)), truncate=0)


def test_bad_constructor_and_torch_dict():
    with pytest.raises(ValueError, match="hidden_size: expected a positive integer, got 0"):
        lk.LSTM(3, 0)
    with pytest.raises(ValueError, match="dtype: expected float32 or float64, got int32"):
        lk.GRU(3, 4, dtype=np.int32)
    with pytest.raises(ValueError, match="coupled"):
        lk.LSTM(3, 4, coupled=True, forget_gate=False)
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l0'\]"):
        lk.LSTM(3, 4).load_torch_state_dict({"weight_ih_l0": np.zeros((16, 3)), "weight_hh_l0": np.zeros((16, 4)),
                                             "bias_ih_l0": np.zeros(16)})
    sd = {"weight_ih_l0": np.zeros((4, 16)), "weight_hh_l0": np.zeros((16, 4)),
          "bias_ih_l0": np.zeros(16), "bias_hh_l0": np.zeros(16)}
    with pytest.raises(ValueError, match=r"sd\['weight_ih_l0'\]: expected shape \(16, 3\), got \(4, 16\)"):
        lk.LSTM(3, 4).load_torch_state_dict(sd)


def test_bad_loss_inputs():
    logits = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"targets: expected an integer array of shape \(T=2, B=3\)"):
        lk.softmax_cross_entropy(logits, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"targets: expected class indices in \[0, 4\)"):
        lk.softmax_cross_entropy(logits, np.full((2, 3), 4))
    with pytest.raises(ValueError, match=r"targets: expected an array of shape \(2, 3, 4\)"):
        lk.sigmoid_binary_cross_entropy(logits, np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"x: expected shape"):
        lk.Dense(4, 2).forward(np.zeros((2, 3)))
