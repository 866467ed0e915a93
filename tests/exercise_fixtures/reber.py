"""Wrong submissions for exercise 5 (reber). Format: see rnn_limits.py."""

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
def is_reber(s):
    return reber.is_grammatical(s)
'''},
        loses=["test_is_reber", "test_is_reber_hidden"],
        message="reference implementation lstmkit.reber.is_grammatical"),
    "criterion_top_symbol_only": dict(
        cells={"predicts_correctly": '''
def predicts_correctly(outputs, legal):
    return bool(np.all(legal[np.arange(len(outputs)), outputs.argmax(axis=1)]))
'''},
        loses=["test_predicts_correctly", "test_predicts_correctly_hidden"],
        message="Every legal symbol must beat every illegal one"),
    "training_too_short": dict(
        cells={"train_reber": '''
def train_reber(seed):
    rng = np.random.default_rng(seed)
    lstm = lstmkit.LSTM(7, 16, seed=seed)
    readout = lstmkit.Dense(16, 7, seed=seed + 1)
    opt = lstmkit.Adam([lstm, readout], lr=0.05)
    for batch in range(5):
        data = reber.encode(reber.generate("embedded", 32, seed=rng), "embedded")
        H, _ = lstm.forward(data.X, mask=data.mask)
        loss, dlogits = lstmkit.sigmoid_binary_cross_entropy(readout.forward(H), data.Y, data.mask)
        lstm.backward(readout.backward(dlogits))
        opt.step()

    def predict(X):
        H, _ = lstm.forward(X)
        return readout.forward(H)
    return predict
'''},
        loses=["test_train_reber", "test_train_reber_hidden"],
        message="fresh embedded Reber strings are predicted correctly at every position"),
}
