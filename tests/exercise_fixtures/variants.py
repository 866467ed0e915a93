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

# ----------------------------------------------------------------------------------------------------------
# More mistakes, one per case.
# ----------------------------------------------------------------------------------------------------------
_PEEP = '''
def peephole_step_forward(x, h_prev, c_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    i = sigmoid(a_i{peep_i})
    f = sigmoid(a_f{peep_f})
    c = f * c_prev + i * np.tanh(a_g)
    o = sigmoid(a_o{peep_o})
    return o * np.tanh(c), c
'''


def _peep(peep_i=' + params["peep_i"] * c_prev', peep_f=' + params["peep_f"] * c_prev',
          peep_o=' + params["peep_o"] * c'):
    return _PEEP.format(peep_i=peep_i, peep_f=peep_f, peep_o=peep_o)


PEEP_CELLS = ["test_peephole_step_forward", "test_peephole_step_forward_hidden"]
GRU_CELLS = ["test_gru_step_forward", "test_gru_step_forward_hidden"]
_CORRECT_GRU = dict(reset="(r * h_prev) @ W_hn.T + b_hn", blend="(1 - z) * n + z * h_prev")

SUBMISSIONS.update({
    # Issue 12: one forgotten peephole, each of the three (the check said only that c or h differs).
    "peephole_input_gate_forgotten": dict(
        cells={"peephole_step_forward": _peep(peep_i="")},
        loses=PEEP_CELLS,
        message="peep_i is missing"),
    "peephole_forget_gate_forgotten": dict(
        cells={"peephole_step_forward": _peep(peep_f="")},
        loses=PEEP_CELLS,
        message="peep_f is missing"),
    "peephole_output_gate_forgotten": dict(
        cells={"peephole_step_forward": _peep(peep_o="")},
        loses=PEEP_CELLS,
        message="peep_o is missing"),
    # The peephole as a matrix product: c_prev (B, H) @ peep_i (H,) is (B,), which numpy then broadcasts
    # against (B, H) or refuses to.
    "peephole_as_matrix_product": dict(
        cells={"peephole_step_forward": _peep(peep_i=' + c_prev @ params["peep_i"]',
                                              peep_f=' + c_prev @ params["peep_f"]',
                                              peep_o=' + c @ params["peep_o"]')},
        loses=PEEP_CELLS,
        message="elementwise"),
    "peephole_blocks_in_order_ifog": dict(
        cells={"peephole_step_forward": _peep().replace("a_i, a_f, a_g, a_o = np.split",
                                                        "a_i, a_f, a_o, a_g = np.split")},
        loses=PEEP_CELLS,
        message="in the order i, f, o, g"),
    "gru_blocks_in_order_zrn": dict(
        cells={"gru_step_forward": _GRU.format(**_CORRECT_GRU)
               .replace("W_hr, W_hz, W_hn = ", "W_hz, W_hr, W_hn = ")
               .replace("b_hr, b_hz, b_hn = ", "b_hz, b_hr, b_hn = ")
               .replace("ax_r, ax_z, ax_n = ", "ax_z, ax_r, ax_n = ")},
        loses=GRU_CELLS,
        message="r and z are swapped"),
    # Issue 12's naive sigmoid, in the GRU: it overflows for large negative pre-activations.
    "gru_naive_sigmoid": dict(
        cells={"gru_step_forward": _GRU.format(**_CORRECT_GRU).replace("sigmoid(", "logistic(") + '''

def logistic(a):
    return 1 / (1 + np.exp(-a))
'''},
        loses=GRU_CELLS,
        message="use lstmkit.sigmoid"),
    "gru_reset_gate_unused": dict(
        cells={"gru_step_forward": _GRU.format(reset="h_prev @ W_hn.T + b_hn", blend=_CORRECT_GRU["blend"])},
        loses=GRU_CELLS,
        message="the reset gate r is unused"),
    "gru_candidate_sigmoid": dict(
        cells={"gru_step_forward": _GRU.format(**_CORRECT_GRU).replace("n = np.tanh(", "n = sigmoid(")},
        loses=GRU_CELLS,
        message="candidate n needs the tanh, found the sigmoid"),
    # weight_hh split along its columns (axis 1) instead of its 3H rows: a numpy error for H = 5.
    "gru_weights_split_by_columns": dict(
        cells={"gru_step_forward": _GRU.format(**_CORRECT_GRU)
               .replace('np.split(params["weight_hh"], 3, axis=0)', 'np.split(params["weight_hh"], 3, axis=1)')},
        loses=GRU_CELLS,
        message="rows"),
    # Square H x H peephole matrices: the visible cases have no options, only the hidden ones see it.
    "count_peepholes_as_matrices": dict(
        cells={"count_parameters": '''
def count_parameters(cell, input_size, hidden_size, peepholes=False, coupled=False, forget_gate=True):
    D, H = input_size, hidden_size
    separate_forget = forget_gate and not coupled
    blocks = {"rnn": 1, "gru": 3, "lstm": 4 if separate_forget else 3}[cell]
    total = blocks * H * (D + H + 2)
    if cell == "lstm" and peepholes:
        total += (3 if separate_forget else 2) * H * H
    return total
'''},
        loses=["test_count_parameters_hidden"],
        message=None),
    # forget_gate=False handled, coupled=True (CIFG) forgotten.
    "count_coupled_ignored": dict(
        cells={"count_parameters": '''
def count_parameters(cell, input_size, hidden_size, peepholes=False, coupled=False, forget_gate=True):
    D, H = input_size, hidden_size
    blocks = {"rnn": 1, "gru": 3, "lstm": 4 if forget_gate else 3}[cell]
    total = blocks * H * (D + H + 2)
    if cell == "lstm" and peepholes:
        total += (3 if forget_gate else 2) * H
    return total
'''},
        loses=["test_count_parameters_hidden"],
        message=None),
    "count_without_biases": dict(
        cells={"count_parameters": '''
def count_parameters(cell, input_size, hidden_size, peepholes=False, coupled=False, forget_gate=True):
    D, H = input_size, hidden_size
    separate_forget = forget_gate and not coupled
    blocks = {"rnn": 1, "gru": 3, "lstm": 4 if separate_forget else 3}[cell]
    total = blocks * H * (D + H)
    if cell == "lstm" and peepholes:
        total += (3 if separate_forget else 2) * H
    return total
'''},
        loses=["test_count_parameters", "test_count_parameters_hidden"],
        message="the biases are missing"),
})
