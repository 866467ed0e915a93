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
        message="candidate g was computed from the block of output gate o"),
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

# ----------------------------------------------------------------------------------------------------------
# More mistakes, one per case. A wrong lstm_gates makes the learner's step wrong, and the loop too (judged
# against lstmkit's step): those cells are lost as well, and the gates' test carries the diagnosis. Arrays
# changed in place: see rnn_limits.py (a function that modifies its arguments loses its own cells only).
# ----------------------------------------------------------------------------------------------------------
_GATES = '''
def lstm_gates(x, h_prev, params):
    a = {a}
    a_i, a_f, a_g, a_o = np.split(a, 4, axis={axis})
    return {{"i": {i}, "f": sigmoid(a_f), "g": {g}, "o": sigmoid(a_o)}}
'''
_A = 'x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]'


def _gates(a=_A, axis="-1", i="sigmoid(a_i)", g="np.tanh(a_g)"):
    return _GATES.format(a=a, axis=axis, i=i, g=g)


_STEP = '''
def lstm_step_forward(x, h_prev, c_prev, params):
    gates = lstm_gates(x, h_prev, params)
    i, f, g, o = gates["i"], gates["f"], gates["g"], gates["o"]
{body}
'''

_LOOP = '''
def lstm_forward(X, h0, c0, params):
{body}
'''

GATE_CELLS = ["test_lstm_gates", "test_lstm_gates_hidden"]
STEP_CELLS = ["test_lstm_step_forward", "test_lstm_step_forward_hidden"]
LOOP_CELLS = ["test_lstm_forward", "test_lstm_forward_hidden"]

SUBMISSIONS.update({
    # Issue 12: the textbook sigmoid overflows (a RuntimeWarning) for large negative pre-activations, which
    # saturated gates reach. Charged to lstm_gates, where it is written; the step and the loop are right.
    "gates_naive_sigmoid": dict(
        cells={"lstm_gates": '''
def logistic(a):
    return 1 / (1 + np.exp(-a))


def lstm_gates(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    return {"i": logistic(a_i), "f": logistic(a_f), "g": np.tanh(a_g), "o": logistic(a_o)}
'''},
        loses=GATE_CELLS,
        message="use lstmkit.sigmoid"),
    "gates_candidate_sigmoid": dict(
        cells={"lstm_gates": _gates(g="sigmoid(a_g)")},
        loses=GATE_CELLS + STEP_CELLS + LOOP_CELLS,
        message="candidate g needs the tanh, found the sigmoid"),
    # np.split along the batch axis: a numpy error about an unequal division, or (B = 4) wrong gates.
    "gates_split_batch_axis": dict(
        cells={"lstm_gates": _gates(axis="0")},
        loses=GATE_CELLS + STEP_CELLS + LOOP_CELLS,
        message="last axis"),
    "gates_without_recurrent_input": dict(
        cells={"lstm_gates": _gates(a='x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]')},
        loses=GATE_CELLS + STEP_CELLS + LOOP_CELLS,
        message="does not depend on h_prev"),
    # The gates as a tuple, and a step that unpacks that tuple: the step and the loop are right.
    "gates_returned_as_tuple": dict(
        cells={"lstm_gates": '''
def lstm_gates(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    return sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
''', "lstm_step_forward": '''
def lstm_step_forward(x, h_prev, c_prev, params):
    i, f, g, o = lstm_gates(x, h_prev, params)
    c = f * c_prev + i * g
    return o * np.tanh(c), c
'''},
        loses=GATE_CELLS,
        message="should return a dict"),
    # Issue 12: the pair in the other order. The learner's loop unpacks it as (h, c), so H holds cell states:
    # the loop's test says the loop is right and the step is wrong.
    "step_returns_c_then_h": dict(
        cells={"lstm_step_forward": _STEP.format(body='''
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return c, h''')},
        loses=STEP_CELLS + LOOP_CELLS,
        message="(h, c)"),
    # Issue 12: the step updates c_prev in place (its values are right). The loop over it is correct and keeps
    # its points: the mutation is the step's mistake, charged once, to the step.
    "step_modifies_c_prev": dict(
        cells={"lstm_step_forward": _STEP.format(body='''
    c_prev *= f
    c_prev += i * g
    return o * np.tanh(c_prev), c_prev''')},
        loses=STEP_CELLS,
        message="modified its input c_prev in place"),
    "step_without_tanh_of_c": dict(
        cells={"lstm_step_forward": _STEP.format(body='''
    c = f * c_prev + i * g
    return o * c, c''')},
        loses=STEP_CELLS + LOOP_CELLS,
        message="tanh of the cell state is missing"),
    "step_forget_and_input_swapped": dict(
        cells={"lstm_step_forward": _STEP.format(body='''
    c = i * c_prev + f * g
    return o * np.tanh(c), c''')},
        loses=STEP_CELLS + LOOP_CELLS,
        message="the forget gate multiplies the new candidate"),
    # Issue 12: batch-major, X[:, t]; numpy's broadcast error was the only message.
    "loop_batch_major": dict(
        cells={"lstm_forward": _LOOP.format(body='''
    h, c, hs = h0, c0, []
    for t in range(X.shape[1]):
        h, c = lstm_step_forward(X[:, t], h, c, params)
        hs.append(h)
    return np.stack(hs), c''')},
        loses=LOOP_CELLS,
        message="batch-major"),
    "loop_keeps_h0_in_H": dict(
        cells={"lstm_forward": _LOOP.format(body='''
    h, c, hs = h0, c0, [h0]
    for t in range(X.shape[0]):
        h, c = lstm_step_forward(X[t], h, c, params)
        hs.append(h)
    return np.stack(hs), c''')},
        loses=LOOP_CELLS,
        message="leave h0 out"),
    # Off by one: the last input is never read.
    "loop_stops_one_step_early": dict(
        cells={"lstm_forward": _LOOP.format(body='''
    T = X.shape[0]
    H = np.zeros((T,) + h0.shape, dtype=h0.dtype)
    h, c = h0, c0
    for t in range(T - 1):
        h, c = lstm_step_forward(X[t], h, c, params)
        H[t] = h
    return H, c''')},
        loses=LOOP_CELLS,
        message="the last input X[T-1]"),
    # c_T is the last cell state, not the last hidden state.
    "loop_returns_last_h": dict(
        cells={"lstm_forward": _LOOP.format(body='''
    T = X.shape[0]
    H = np.zeros((T,) + h0.shape, dtype=h0.dtype)
    h, c = h0, c0
    for t in range(T):
        h, c = lstm_step_forward(X[t], h, c, params)
        H[t] = h
    return H, h''')},
        loses=LOOP_CELLS,
        message="the last hidden state"),
    # np.zeros without a dtype: right in float64 (the visible test), float64 out of float32 (hidden).
    "loop_float64_buffer": dict(
        cells={"lstm_forward": _LOOP.format(body='''
    T = X.shape[0]
    H = np.zeros((T,) + h0.shape)
    h, c = h0, c0
    for t in range(T):
        h, c = lstm_step_forward(X[t], h, c, params)
        H[t] = h
    return H, c''')},
        loses=["test_lstm_forward_hidden"],
        message=None),
    "loop_returns_list_of_states": dict(
        cells={"lstm_forward": _LOOP.format(body='''
    h, c, H = h0, c0, []
    for t in range(X.shape[0]):
        h, c = lstm_step_forward(X[t], h, c, params)
        H.append(h)
    return H, c''')},
        loses=LOOP_CELLS,
        message="found a list"),
})
