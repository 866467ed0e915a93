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
        message="every legal symbol must beat every illegal one"),
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
        message="do not predict enough fresh embedded Reber strings correctly"),
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

# ----------------------------------------------------------------------------------------------------------
# More mistakes, one per case. Training is slow (seconds per run): one new case trains for real.
# ----------------------------------------------------------------------------------------------------------
_GENERATOR = '''
def reber_strings(n, seed):
    rng = np.random.default_rng({rng_seed})
    choices = {{0: [("T", 1), ("P", 2)], 1: [("S", 1), ("X", 3)], 2: [("T", 2), ("V", 4)],
               3: [("X", 2), ("S", 5)], 4: [("P", 3), ("V", 5)]}}
    strings = []
    for _ in range(n):
        out, state = ["B"], 0
        while state != 5:
            symbol, state = choices[state][{coin}]
            out.append(symbol)
{end}        strings.append("".join(out))
    return strings
'''


def _generator(rng_seed="seed", coin="int(rng.integers(2))", end='        out.append("E")\n'):
    return _GENERATOR.format(rng_seed=rng_seed, coin=coin, end=end)


_EDGES = '''
EDGES = {("start", "B"): 0, (0, "T"): 1, (0, "P"): 2, (1, "S"): 1, (1, "X"): 3, (2, "T"): 2, (2, "V"): 4,
         (3, "X"): 2, (3, "S"): 5, (4, "P"): 3, (4, "V"): 5, (5, "E"): "end"}
'''

_CRITERION = '''
def predicts_correctly(outputs, legal):
    lowest_legal = np.where(legal, outputs, np.inf).min(axis=1)
    highest_illegal = np.where(legal, -np.inf, outputs).max(axis=1)
    return {verdict}
'''

GENERATOR_CELLS = ["test_reber_strings", "test_reber_strings_hidden"]
ACCEPTOR_CELLS = ["test_is_reber", "test_is_reber_hidden"]
CRITERION_CELLS = ["test_predicts_correctly", "test_predicts_correctly_hidden"]
TRAINING_CELLS = ["test_train_reber", "test_train_reber_hidden"]

SUBMISSIONS.update({
    "generator_unseeded": dict(
        cells={"reber_strings": _generator(rng_seed="")},
        loses=GENERATOR_CELLS,
        message="different strings for the same seed"),
    "generator_ignores_seed": dict(
        cells={"reber_strings": _generator(rng_seed="0")},
        loses=GENERATOR_CELLS,
        message="the same strings for two different seeds"),
    "generator_unfair_coin": dict(
        cells={"reber_strings": _generator(coin="0 if rng.random() < 0.3 else 1")},
        loses=GENERATOR_CELLS,
        message="fair coin"),
    "generator_forgets_E": dict(
        cells={"reber_strings": _generator(end="")},
        loses=GENERATOR_CELLS,
        message="ends before the machine reaches its end"),
    # Issue 12: a table indexed by symbol: a character outside BTSXPVE raises a bare KeyError.
    "acceptor_key_error_on_unknown_symbol": dict(
        cells={"is_reber": '''
INDEX = {ch: k for k, ch in enumerate("BTSXPVE")}
START, END = 6, 7
NEXT = -np.ones((8, 7), dtype=int)      # NEXT[state, symbol]: the next state, -1 where the symbol cannot come
for state, symbol, nxt in [(START, "B", 0), (0, "T", 1), (0, "P", 2), (1, "S", 1), (1, "X", 3), (2, "T", 2),
                           (2, "V", 4), (3, "X", 2), (3, "S", 5), (4, "P", 3), (4, "V", 5), (5, "E", END)]:
    NEXT[state, INDEX[symbol]] = nxt


def is_reber(s):
    state = START
    for ch in s:
        state = NEXT[state, INDEX[ch]]
        if state < 0:
            return False
    return bool(state == END)
'''},
        loses=ACCEPTOR_CELLS,
        message="a symbol outside the grammar"),
    # Takes the B for granted.
    "acceptor_skips_first_symbol": dict(
        cells={"is_reber": _EDGES + '''

def is_reber(s):
    state = 0
    for ch in s[1:]:
        if (state, ch) not in EDGES:
            return False
        state = EDGES[(state, ch)]
    return state == "end"
'''},
        loses=ACCEPTOR_CELLS,
        message="at position 0"),
    # Accepts as soon as it reads E, whatever follows.
    "acceptor_stops_at_E": dict(
        cells={"is_reber": _EDGES + '''

def is_reber(s):
    state = "start"
    for ch in s:
        if (state, ch) not in EDGES:
            return False
        state = EDGES[(state, ch)]
        if state == "end":
            return True
    return False
'''},
        loses=ACCEPTOR_CELLS,
        message="after the end"),
    # A regular expression without the loop 3 -> 2 -> 4 -> 3: long strings are rejected.
    "acceptor_regex_without_loop": dict(
        cells={"is_reber": '''
import re


def is_reber(s):
    return re.fullmatch(r"B(TS*X(S|XT*VV)|PT*V(V|PS|PXT*VV))E", s) is not None
'''},
        loses=ACCEPTOR_CELLS,
        message="it is a Reber string"),
    # Issue 12: np.any over the steps: one right prediction makes the whole string right.
    "criterion_any_instead_of_all": dict(
        cells={"predicts_correctly": _CRITERION.format(verdict="bool(np.any(lowest_legal > highest_illegal))")},
        loses=CRITERION_CELLS,
        message="only when every step is"),
    "criterion_tie_counts": dict(
        cells={"predicts_correctly": _CRITERION.format(verdict="bool(np.all(lowest_legal >= highest_illegal))")},
        loses=CRITERION_CELLS,
        message="a tie is not a correct prediction"),
    # One verdict per step instead of one for the string.
    "criterion_returns_each_step": dict(
        cells={"predicts_correctly": _CRITERION.format(verdict="lowest_legal > highest_illegal")},
        loses=CRITERION_CELLS,
        message="True or False"),
    # Issue 12: fixed seeds copied from an example; the argument is never used. Trains for real (the check
    # must call train_reber with two seeds to see it).
    "training_ignores_seed": dict(
        cells={"train_reber": '''
def train_reber(seed):
    data = np.load("reber_data.npz")
    X, Y, mask = data["X"].astype(float), data["Y"].astype(float), data["mask"]
    N = mask.shape[1]
    train, held_out = np.arange(N - 512), np.arange(N - 512, N)
    rng = np.random.default_rng(0)
    lstm = lstmkit.LSTM(7, 32, seed=0)
    readout = lstmkit.Dense(32, 7, seed=1)
    opt = lstmkit.Adam([lstm, readout], lr=0.05)

    def run(cols):
        T = mask[:, cols].sum(axis=0).max()
        H, _ = lstm.forward(X[:T, cols], mask=mask[:T, cols])
        return readout.forward(H), Y[:T, cols], mask[:T, cols]

    for batch in range(4000):
        logits, targets, m = run(rng.choice(train, 8, replace=False))
        loss, dlogits = lstmkit.sigmoid_binary_cross_entropy(logits, targets, m)
        lstm.backward(readout.backward(dlogits))
        lstmkit.clip_grad_norm([lstm, readout], 5.0)
        opt.step()
        if batch % 10 == 9:
            logits, targets, m = run(held_out)
            legal = targets > 0
            lowest_legal = np.where(legal, logits, np.inf).min(axis=-1)
            highest_illegal = np.where(legal, -np.inf, logits).max(axis=-1)
            if np.all((lowest_legal > highest_illegal) | ~m):
                break
    return ({k: v.copy() for k, v in lstm.params.items()}, {k: v.copy() for k, v in readout.params.items()})
'''},
        # The visible test trains once; the hidden test trains a second seed and says "the same weights for two
        # different seeds" (tests/test_grading_real.py checks that the feedback shows it).
        loses=["test_train_reber_hidden"],
        message=None),
    # The pair in the other order.
    "training_returns_readout_first": dict(
        cells={"train_reber": SHORT_TRAINING + "    return readout.params, lstm.params\n"},
        loses=TRAINING_CELLS,
        message="in the order (lstm_params, readout_params)"),
})
