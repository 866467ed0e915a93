"""Tests for lstmkit.init: chrono initialization (Tallec & Ollivier 2018) against its definition, worked by hand."""
import numpy as np
import pytest

from lstmkit import LSTM, init
from lstmkit.activations import sigmoid


def test_chrono_forget_bias_is_the_log_of_a_uniform_lag():
    t_max, n = 100, 200_000
    b = init.chrono_forget_bias(n, t_max, np.random.default_rng(0))
    assert b.shape == (n,)
    u = np.exp(b)                                      # the lag each cell starts with
    assert u.min() >= 1.0 and u.max() <= t_max - 1.0
    # uniform on [1, t_max - 1]: mean t_max / 2, and E[log u] = ((t_max-1) log(t_max-1) - (t_max-1) + 1) / (t_max-2)
    assert u.mean() == pytest.approx(t_max / 2, rel=0.01)
    expected_log = ((t_max - 1) * np.log(t_max - 1) - (t_max - 1) + 1) / (t_max - 2)
    assert b.mean() == pytest.approx(expected_log, abs=0.01)
    # the forget gate at the start, sigma(log u) = u / (1 + u): a cell holds its content for about u steps
    assert np.allclose(sigmoid(b), u / (1 + u))


def test_chrono_lstm_sets_the_forget_and_input_biases_and_nothing_else():
    plain = LSTM(3, 8, seed=5, forget_bias=0.0)
    chrono = LSTM(3, 8, seed=5, chrono=50)
    H = 8
    b_f = chrono.params["bias_ih"][H:2 * H]                         # gate order i, f, g, o
    assert np.all((b_f >= 0) & (b_f <= np.log(49)))
    assert np.array_equal(chrono.params["bias_ih"][:H], -b_f)
    assert np.array_equal(chrono.params["bias_ih"][2 * H:], np.zeros(2 * H))
    for name in ("weight_ih", "weight_hh", "bias_hh"):           # the weights are those of the same seed
        assert np.array_equal(chrono.params[name], plain.params[name]), name
    assert np.array_equal(LSTM(3, 8, seed=5, chrono=50).params["bias_ih"], chrono.params["bias_ih"])


@pytest.mark.parametrize("t_max", [2, 0, -4])
def test_chrono_names_a_lag_too_short(t_max):
    with pytest.raises(ValueError, match=r"t_max: expected .* >= 3, got"):
        LSTM(3, 8, chrono=t_max)


@pytest.mark.parametrize("options", [dict(forget_gate=False), dict(coupled=True)])
def test_chrono_needs_a_forget_gate_of_its_own(options):
    with pytest.raises(ValueError, match="chrono: .*forget_gate=True, coupled=False"):
        LSTM(3, 8, chrono=20, **options)
