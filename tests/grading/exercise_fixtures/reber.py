"""Wrong submissions for exercise 5 (reber). Format: see rnn_limits.py."""

# Five minibatches from the assignment's training file: too short a training, shared by two submissions.
SHORT_TRAINING = '''
def train_reber(seed):
    data = np.load("reber_data.npz")
    X, Y, mask = data["X"].astype(float), data["Y"].astype(float), data["mask"]
    rng = np.random.default_rng(seed)
    lstm = lstmkit.LSTM(7, 16, seed=seed)
    readout = lstmkit.Dense(16, 7, seed=seed + 1)
    opt = lstmkit.Adam([lstm, readout], lr=0.05)
    for batch in range(5):
        cols = rng.choice(mask.shape[1], 32, replace=False)
        H, _ = lstm.forward(X[:, cols], mask=mask[:, cols])
        loss, dlogits = lstmkit.sigmoid_binary_cross_entropy(readout.forward(H), Y[:, cols], mask[:, cols])
        lstm.backward(readout.backward(dlogits))
        opt.step()
'''

SUBMISSIONS = {
    "generator_without_loops": dict(
        cells={"reber_strings": '''
def reber_strings(n, seed):
    rng = np.random.default_rng(seed)
    choices = {0: [("T", 1), ("P", 2)], 1: [("X", 3)], 2: [("V", 4)], 3: [("X", 2), ("S", 5)],
               4: [("P", 3), ("V", 5)]}
    strings = []
    for _ in range(n):
        out, state = ["B"], 0
        while state != 5:
            options = choices[state]
            symbol, state = options[int(rng.integers(len(options)))]
            out.append(symbol)
        strings.append("".join(out) + "E")
    return strings
'''},
        loses=["test_reber_strings", "test_reber_strings_hidden"],
        message="the transition 1 --S--> 1 never occurs"),
    "acceptor_accepts_unfinished": dict(
        cells={"is_reber": '''
def is_reber(s):
    edges = {("start", "B"): 0, (0, "T"): 1, (0, "P"): 2, (1, "S"): 1, (1, "X"): 3, (2, "T"): 2, (2, "V"): 4,
             (3, "X"): 2, (3, "S"): 5, (4, "P"): 3, (4, "V"): 5, (5, "E"): "end"}
    state = "start"
    for ch in s:
        if (state, ch) not in edges:
            return False
        state = edges[(state, ch)]
    return True
'''},
        loses=["test_is_reber", "test_is_reber_hidden"],
        message="string ends before the machine reaches its end"),
    "acceptor_from_lstmkit": dict(
        cells={"is_reber": '''
from lstmkit import reber


def is_reber(s):
    return reber.is_grammatical(s)
'''},
        loses=["test_is_reber", "test_is_reber_hidden"],
        message="lstmkit's own version of this exercise"),
    "criterion_top_symbol_only": dict(
        cells={"predicts_correctly": '''
def predicts_correctly(outputs, legal):
    return bool(np.all(legal[np.arange(len(outputs)), outputs.argmax(axis=1)]))
'''},
        loses=["test_predicts_correctly", "test_predicts_correctly_hidden"],
        message="Every legal symbol must beat every illegal one"),
    "generator_replays_training_file": dict(
        cells={"reber_strings": '''
def reber_strings(n, seed):
    # the inner strings of the training data, drawn at random: grammatical and well spread, but not generated
    data = np.load("reber_data.npz")
    symbols, lengths = data["X"].argmax(axis=-1), data["mask"].sum(axis=0)
    rng = np.random.default_rng(seed)
    strings = []
    for b in rng.integers(len(lengths), size=n):
        embedded = "".join("BTSXPVE"[k] for k in symbols[:lengths[b], b]) + "E"
        strings.append(embedded[2:-2])
    return strings
'''},
        loses=["test_reber_strings", "test_reber_strings_hidden"],
        message="your strings all come from the training set"),
    "training_too_short": dict(
        cells={"train_reber": SHORT_TRAINING + "    return lstm.params, readout.params\n"},
        loses=["test_train_reber", "test_train_reber_hidden"],
        message="fresh embedded Reber strings are predicted correctly at every position"),
    "predictor_returns_function": dict(
        cells={"train_reber": SHORT_TRAINING + '''
    def predict(X):
        H, _ = lstm.forward(X)
        return readout.forward(H)
    return predict
'''},
        loses=["test_train_reber", "test_train_reber_hidden"],
        message="not a function"),
    "weights_wrong_shape": dict(
        cells={"train_reber": '''
def train_reber(seed):
    lstm = lstmkit.LSTM(7, 16, seed=seed)
    readout = lstmkit.Dense(16, 7, seed=seed + 1)
    lstm_params = dict(lstm.params, weight_hh=lstm.params["weight_hh"].T)    # (H, 4H): transposed
    return lstm_params, readout.params
'''},
        loses=["test_train_reber", "test_train_reber_hidden"],
        message="lstm_params['weight_hh'] has shape (16, 64), expected (4H, H) = (64, 16)"),
}
