"""Wrong submissions for exercise 3 (cell_state). Format: see rnn_limits.py."""

_STEP = '''
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, p = cache["x"], cache["h_prev"], cache["c_prev"], cache["params"]
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    tc = np.tanh(c)
    dc_total = {dc_total}
    da = np.concatenate([dc_total * g * dsigmoid(i), dc_total * c_prev * dsigmoid(f),
                         dc_total * i * (1 - g ** 2), dh * tc * dsigmoid(o)], axis=-1)
    dparams = {{"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev,
               "bias_ih": da.sum(axis=0), "bias_hh": {bias_hh}}}
    return da @ p["weight_ih"], da @ p["weight_hh"], {dc_prev}, dparams
'''


def _step(dc_total="dc + dh * o * (1 - tc ** 2)", bias_hh="da.sum(axis=0)", dc_prev="dc_total * f"):
    return _STEP.format(dc_total=dc_total, bias_hh=bias_hh, dc_prev=dc_prev)


SUBMISSIONS = {
    # The missing upstream term makes every gradient of the step wrong, and lstm_backward (judged against
    # lstmkit's step) loses its points too.
    "missing_upstream_dc": dict(
        cells={"lstm_step_backward": _step(dc_total="dh * o * (1 - tc ** 2)")},
        loses=["test_backward_cell_state", "test_backward_cell_state_hidden", "test_backward_inputs",
               "test_backward_inputs_hidden", "test_backward_params", "test_backward_params_hidden", "test_lstm_backward", "test_lstm_backward_hidden"],
        message="the gradient dc arriving along the cell state from step t+1 is missing"),
    "dc_prev_without_forget_gate": dict(
        cells={"lstm_step_backward": _step(dc_prev="dc_total")},
        loses=["test_backward_cell_state", "test_backward_cell_state_hidden", "test_lstm_backward", "test_lstm_backward_hidden"],
        message="dc_prev is missing the factor f"),
    "one_bias_gradient": dict(
        cells={"lstm_step_backward": _step(bias_hh="np.zeros_like(p['bias_hh'])")},
        loses=["test_backward_params", "test_backward_params_hidden", "test_lstm_backward", "test_lstm_backward_hidden"],
        message="dparams['bias_hh'] is zero"),
    "cell_gradient_not_carried": dict(
        cells={"lstm_backward": '''
def lstm_backward(dH, caches):
    T = dH.shape[0]
    dh_next = np.zeros_like(dH[0])
    dX, total = [None] * T, None
    for t in range(T - 1, -1, -1):
        dx, dh_next, dc0, dp = lstm_step_backward(dH[t] + dh_next, np.zeros_like(dh_next), caches[t])
        dX[t] = dx
        total = dp if total is None else {k: total[k] + dp[k] for k in total}
    return np.stack(dX), dh_next, dc0, total
'''},
        loses=["test_lstm_backward", "test_lstm_backward_hidden"],
        message="the gradient along the cell state is not carried back"),
    "calls_reference_backward": dict(
        cells={"lstm_step_backward": '''
def lstm_step_backward(dh, dc, cache):
    return lstmkit.lstm_step_backward(dh, dc, cache)
'''},
        # lstm_backward calls the step, which calls lstmkit's own step: lstm_backward loses its points too
        loses=["test_backward_cell_state", "test_backward_cell_state_hidden", "test_backward_inputs",
               "test_backward_inputs_hidden", "test_backward_params", "test_backward_params_hidden",
               "test_lstm_backward", "test_lstm_backward_hidden"],
        message="lstmkit's own version of this exercise"),
}
