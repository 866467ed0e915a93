"""Wrong submissions for exercise 2 (gates). Format: see rnn_limits.py."""

SUBMISSIONS = {
    # CS231n's order i, f, o, g. lstm_step_forward calls lstm_gates, so it is wrong too, and so is lstm_forward:
    # expected values come from lstmkit's step (its message says the loop is right and the step is wrong).
    "swapped_gate_order": dict(
        cells={"lstm_gates": '''
def lstm_gates(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    a_i, a_f, a_o, a_g = np.split(a, 4, axis=-1)
    return {"i": sigmoid(a_i), "f": sigmoid(a_f), "g": np.tanh(a_g), "o": sigmoid(a_o)}
'''},
        loses=["test_lstm_gates", "test_lstm_gates_hidden", "test_lstm_step_forward",
               "test_lstm_step_forward_hidden", "test_lstm_forward", "test_lstm_forward_hidden"],
        message="candidate g was computed from rows 15:20 of the weights, the block of output gate o"),
    "unused_initial_state": dict(
        cells={"lstm_step_forward": '''
def lstm_step_forward(x, h_prev, c_prev, params):
    gates = lstm_gates(x, h_prev, params)
    c = gates["i"] * gates["g"]
    return gates["o"] * np.tanh(c), c
'''},
        loses=["test_lstm_step_forward", "test_lstm_step_forward_hidden", "test_lstm_forward", "test_lstm_forward_hidden"],
        message="the previous cell state c_prev is unused"),
    "state_not_carried": dict(
        cells={"lstm_forward": '''
def lstm_forward(X, h0, c0, params):
    H = np.zeros((X.shape[0],) + h0.shape, dtype=h0.dtype)
    for t in range(X.shape[0]):
        h, c = lstm_step_forward(X[t], h0, c0, params)
        H[t] = h
    return H, c
'''},
        loses=["test_lstm_forward", "test_lstm_forward_hidden"],
        message="the state is not carried from one step to the next"),
    "forward_through_lstmkit_layer": dict(
        cells={"lstm_forward": '''
def lstm_forward(X, h0, c0, params):
    layer = lstmkit.LSTM(X.shape[2], h0.shape[1], dtype=X.dtype, forget_bias=0.0)
    layer.params = {k: v.copy() for k, v in params.items()}
    H, (h, c) = layer.forward(X, (h0, c0))
    return H, c
'''},
        loses=["test_lstm_forward", "test_lstm_forward_hidden"],
        message="lstmkit's own version of this exercise"),
    # A degenerate step and a loop over it: the loop is judged against lstmkit's step, so neither earns a point
    # (when the expected values came from the learner's own step, this pair passed the loop's tests).
    "degenerate_step_and_loop": dict(
        cells={"lstm_step_forward": '''
def lstm_step_forward(x, h_prev, c_prev, params):
    return np.zeros_like(h_prev), np.zeros_like(c_prev)
'''},
        loses=["test_lstm_forward", "test_lstm_forward_hidden", "test_lstm_step_forward",
               "test_lstm_step_forward_hidden"],  # the first visible one carries the message
        message="runs the loop over time correctly, but over your lstm_step_forward"),
}
