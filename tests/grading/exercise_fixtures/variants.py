"""Wrong submissions for exercise 4 (variants). Format: see rnn_limits.py."""

_GRU = '''
def gru_step_forward(x, h_prev, params):
    W_hr, W_hz, W_hn = np.split(params["weight_hh"], 3, axis=0)
    b_hr, b_hz, b_hn = np.split(params["bias_hh"], 3)
    ax_r, ax_z, ax_n = np.split(x @ params["weight_ih"].T + params["bias_ih"], 3, axis=-1)
    r = sigmoid(ax_r + h_prev @ W_hr.T + b_hr)
    z = sigmoid(ax_z + h_prev @ W_hz.T + b_hz)
    n = np.tanh(ax_n + {reset})
    return {blend}
'''

SUBMISSIONS = {
    "gru_other_convention": dict(
        cells={"gru_step_forward": _GRU.format(reset="(r * h_prev) @ W_hn.T + b_hn",
                                               blend="z * n + (1 - z) * h_prev")},
        loses=["test_gru_step_forward", "test_gru_step_forward_hidden"],
        message="z and 1 - z are swapped"),
    "gru_reset_after": dict(
        cells={"gru_step_forward": _GRU.format(reset="r * (h_prev @ W_hn.T + b_hn)",
                                               blend="(1 - z) * n + z * h_prev")},
        loses=["test_gru_step_forward", "test_gru_step_forward_hidden"],
        message="the reset gate is applied after the matrix product"),
    "output_peephole_sees_old_cell": dict(
        cells={"peephole_step_forward": '''
def peephole_step_forward(x, h_prev, c_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    i = sigmoid(a_i + params["peep_i"] * c_prev)
    f = sigmoid(a_f + params["peep_f"] * c_prev)
    o = sigmoid(a_o + params["peep_o"] * c_prev)
    c = f * c_prev + i * np.tanh(a_g)
    return o * np.tanh(c), c
'''},
        loses=["test_peephole_step_forward", "test_peephole_step_forward_hidden"],
        message="the output gate looks at the previous cell state"),
    "one_bias_counted": dict(
        cells={"count_parameters": '''
def count_parameters(cell, input_size, hidden_size, peepholes=False, coupled=False, forget_gate=True):
    D, H = input_size, hidden_size
    blocks = {"rnn": 1, "gru": 3, "lstm": 4 if forget_gate and not coupled else 3}[cell]
    total = blocks * H * (D + H + 1)
    if cell == "lstm" and peepholes:
        total += (3 if forget_gate and not coupled else 2) * H
    return total
'''},
        loses=["test_count_parameters", "test_count_parameters_hidden"],
        message="only one bias is counted"),
    # The visible cases are rnn, lstm, gru without options: a count that ignores the options passes them and
    # fails only the hidden cases.
    "options_ignored": dict(
        cells={"count_parameters": '''
def count_parameters(cell, input_size, hidden_size, peepholes=False, coupled=False, forget_gate=True):
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return blocks * hidden_size * (input_size + hidden_size + 2)
'''},
        loses=["test_count_parameters_hidden"],
        message=None),
    "count_from_lstmkit_layer": dict(
        cells={"count_parameters": '''
def count_parameters(cell, input_size, hidden_size, **options):
    layer = {"rnn": lstmkit.RNN, "lstm": lstmkit.LSTM, "gru": lstmkit.GRU}[cell]
    return layer(input_size, hidden_size, **options).n_params
'''},
        loses=["test_count_parameters", "test_count_parameters_hidden"],
        message="lstmkit's own version of this exercise"),
}
