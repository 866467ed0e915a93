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

# ----------------------------------------------------------------------------------------------------------
# More mistakes, one per case. A step whose dc_prev is right keeps the first test cell (dc_prev); a wrong δa
# costs dx/dh_prev and dparams; every wrong step costs lstm_backward too (judged against lstmkit's step; its
# message says to fix the step first). Arrays changed in place: see rnn_limits.py.
# ----------------------------------------------------------------------------------------------------------
_DA = '''
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, p = cache["x"], cache["h_prev"], cache["c_prev"], cache["params"]
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    tc = np.tanh(c)
    dc_total = {dc_total}
    da_i = {da_i}
    da_f = {da_f}
    da_g = {da_g}
    da_o = {da_o}
    da = np.concatenate([{order}], axis=-1)
    dparams = {{"weight_ih": {w_ih}, "weight_hh": da.T @ h_prev,
               "bias_ih": {bias}, "bias_hh": {bias}}}
    return {returns}
'''


def _da(dc_total="dc + dh * o * (1 - tc ** 2)", da_i="dc_total * g * i * (1 - i)",
        da_f="dc_total * c_prev * f * (1 - f)", da_g="dc_total * i * (1 - g ** 2)", da_o="dh * tc * o * (1 - o)",
        order="da_i, da_f, da_g, da_o", w_ih="da.T @ x", bias="da.sum(axis=0)",
        returns='da @ p["weight_ih"], da @ p["weight_hh"], dc_total * f, dparams'):
    return _DA.format(dc_total=dc_total, da_i=da_i, da_f=da_f, da_g=da_g, da_o=da_o, order=order, w_ih=w_ih,
                      bias=bias, returns=returns)


_BPTT = '''
def lstm_backward(dH, caches):
{body}
'''

STATE = ["test_backward_cell_state", "test_backward_cell_state_hidden"]
INPUTS = ["test_backward_inputs", "test_backward_inputs_hidden"]
PARAMS = ["test_backward_params", "test_backward_params_hidden"]
BPTT = ["test_lstm_backward", "test_lstm_backward_hidden"]

SUBMISSIONS.update({
    # Issue 12, the six weakest diagnoses of the backward step (each got only "dh_prev differs at (0, 0)").
    # c_t instead of c_{t-1} in the forget gate's term: dc_prev is right, δa_f is not.
    "forget_term_uses_new_c": dict(
        cells={"lstm_step_backward": _da(da_f="dc_total * c * f * (1 - f)")},
        loses=INPUTS + PARAMS + BPTT,
        message="instead of c_prev"),
    # δa stacked in CS231n's order i, f, o, g.
    "da_in_order_ifog": dict(
        cells={"lstm_step_backward": _da(order="da_i, da_f, da_o, da_g")},
        loses=INPUTS + PARAMS + BPTT,
        message="in the order i, f, o, g"),
    # tanh' missing on the path dh -> h = o * tanh(c) -> c: every output is wrong.
    "missing_tanh_derivative": dict(
        cells={"lstm_step_backward": _da(dc_total="dc + dh * o")},
        loses=STATE + INPUTS + PARAMS + BPTT,
        message="tanh derivative"),
    "output_term_without_tanh_c": dict(
        cells={"lstm_step_backward": _da(da_o="dh * o * (1 - o)")},
        loses=INPUTS + PARAMS + BPTT,
        message="output gate"),
    # The sigmoid's derivative g(1-g) for the candidate, whose activation is tanh (1 - g**2).
    "candidate_sigmoid_derivative": dict(
        cells={"lstm_step_backward": _da(da_g="dc_total * i * g * (1 - g)")},
        loses=INPUTS + PARAMS + BPTT,
        message="candidate g"),
    "bias_gradient_batch_mean": dict(
        cells={"lstm_step_backward": _da(bias="da.mean(axis=0)")},
        loses=PARAMS + BPTT,
        message="mean over the batch"),
    # More from the same step.
    "weight_gradient_transposed": dict(
        cells={"lstm_step_backward": _da(w_ih="x.T @ da")},
        loses=PARAMS + BPTT,
        message="transposed"),
    # The cache holds the gates' values, already squashed: the learner squashes them again.
    "sigmoid_derivative_of_gate_value": dict(
        cells={"lstm_step_backward": _da(da_i="dc_total * g * sigmoid(i) * (1 - sigmoid(i))",
                                         da_f="dc_total * c_prev * sigmoid(f) * (1 - sigmoid(f))",
                                         da_o="dh * tc * sigmoid(o) * (1 - sigmoid(o))")},
        loses=INPUTS + PARAMS + BPTT,
        message="i * (1 - i)"),
    # The tuple in the wrong order (and a loop written to match it: only the step is wrong).
    "step_returns_dh_prev_first": dict(
        cells={"lstm_step_backward": _da(returns='da @ p["weight_hh"], da @ p["weight_ih"], dc_total * f, dparams'),
               "lstm_backward": _BPTT.format(body='''
    T = dH.shape[0]
    dh_next, dc_next = np.zeros_like(dH[0]), np.zeros_like(dH[0])
    dX, total = [None] * T, None
    for t in range(T - 1, -1, -1):
        dh_next, dx, dc_next, dp = lstm_step_backward(dH[t] + dh_next, dc_next, caches[t])
        dX[t] = dx
        total = dp if total is None else {k: total[k] + dp[k] for k in total}
    return np.stack(dX), dh_next, dc_next, total''')},
        loses=INPUTS,
        message="(dx, dh_prev, dc_prev, dparams)"),
    # np.zeros without a dtype for δa: float64 out of float32, which only the hidden tests try.
    "da_float64_buffer": dict(
        cells={"lstm_step_backward": '''
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, p = cache["x"], cache["h_prev"], cache["c_prev"], cache["params"]
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    Hn = h_prev.shape[1]
    tc = np.tanh(c)
    dc_total = dc + dh * o * (1 - tc ** 2)
    da = np.zeros((x.shape[0], 4 * Hn))
    da[:, :Hn] = dc_total * g * dsigmoid(i)
    da[:, Hn:2 * Hn] = dc_total * c_prev * dsigmoid(f)
    da[:, 2 * Hn:3 * Hn] = dc_total * i * (1 - g ** 2)
    da[:, 3 * Hn:] = dh * tc * dsigmoid(o)
    dparams = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": da.sum(axis=0),
               "bias_hh": da.sum(axis=0)}
    return da @ p["weight_ih"], da @ p["weight_hh"], dc_total * f, dparams
'''},
        loses=["test_backward_inputs_hidden", "test_backward_params_hidden", "test_lstm_backward_hidden"],
        message=None),
    # Adds into dc in place (the values are right): the caller's array changes. The loop over this step is
    # correct and keeps its points.
    "step_modifies_dc": dict(
        cells={"lstm_step_backward": _da(dc_total="dc").replace(
            "    dc_total = dc\n", "    dc += dh * o * (1 - tc ** 2)\n    dc_total = dc\n")},
        loses=STATE + INPUTS + PARAMS,
        message="modified its input dc in place"),
    # Issue 12: accumulates the recurrent gradient into dH itself (the results are right).
    "bptt_modifies_dH": dict(
        cells={"lstm_backward": _BPTT.format(body='''
    T = dH.shape[0]
    dc_next = np.zeros_like(dH[0])
    dX, total = [None] * T, None
    for t in range(T - 1, -1, -1):
        dx, dh_prev, dc_next, dp = lstm_step_backward(dH[t], dc_next, caches[t])
        if t > 0:
            dH[t - 1] += dh_prev
        dX[t] = dx
        total = dp if total is None else {k: total[k] + dp[k] for k in total}
    return np.stack(dX), dh_prev, dc_next, total''')},
        loses=BPTT,
        message="modified its input dH in place"),
    "bptt_runs_forward_in_time": dict(
        cells={"lstm_backward": _BPTT.format(body='''
    T = dH.shape[0]
    dh_next, dc_next = np.zeros_like(dH[0]), np.zeros_like(dH[0])
    dX, total = [None] * T, None
    for t in range(T):
        dx, dh_next, dc_next, dp = lstm_step_backward(dH[t] + dh_next, dc_next, caches[t])
        dX[t] = dx
        total = dp if total is None else {k: total[k] + dp[k] for k in total}
    return np.stack(dX), dh_next, dc_next, total''')},
        loses=BPTT,
        message="forward in time"),
    "bptt_without_recurrent_dh": dict(
        cells={"lstm_backward": _BPTT.format(body='''
    T = dH.shape[0]
    dc_next = np.zeros_like(dH[0])
    dX, total = [None] * T, None
    for t in range(T - 1, -1, -1):
        dx, dh0, dc_next, dp = lstm_step_backward(dH[t], dc_next, caches[t])
        dX[t] = dx
        total = dp if total is None else {k: total[k] + dp[k] for k in total}
    return np.stack(dX), dh0, dc_next, total''')},
        loses=BPTT,
        message="the recurrent gradient is missing"),
    # dX collected while going back and stacked without reversing: dX[0] belongs to the last step.
    "bptt_dX_in_reverse_order": dict(
        cells={"lstm_backward": _BPTT.format(body='''
    dh_next, dc_next = np.zeros_like(dH[0]), np.zeros_like(dH[0])
    dX, total = [], None
    for t in reversed(range(dH.shape[0])):
        dx, dh_next, dc_next, dp = lstm_step_backward(dH[t] + dh_next, dc_next, caches[t])
        dX.append(dx)
        total = dp if total is None else {k: total[k] + dp[k] for k in total}
    return np.stack(dX), dh_next, dc_next, total''')},
        loses=BPTT,
        message="reverse order"),
})
