"""Tests for lstmkit.reber against independent truths: a regular expression for the grammar, a
transition table typed in from the published diagram, hand-derived expected lengths, and
hand-made network outputs for the criterion."""
import re
from pathlib import Path

import numpy as np
import pytest

from lstmkit import reber

# The Reber machine as published (Reber 1967; Cleeremans et al. 1989), typed in independently of
# the module: "state symbol next-state". B leads from the start into state 0, E from 5 to the end.
PUBLISHED = """
start B 0
0 T 1
0 P 2
1 S 1
1 X 3
2 T 2
2 V 4
3 X 2
3 S 5
4 P 3
4 V 5
5 E end
"""
TABLE = {}
for line in PUBLISHED.strip().splitlines():
    a, sym, b = line.split()
    TABLE[(a, sym)] = b

# The same language as a regular expression, derived by hand from the diagram:
# reach state 3 through "TS*X" or "PT*VP", go round the 3 -> 2 -> 4 -> 3 cycle "XT*VP" any number
# of times, leave through "S" or "XT*VV"; or go straight from 2 to the end through "PT*VV".
REBER_RE = r"B(?:(?:TS*X|PT*VP)(?:XT*VP)*(?:S|XT*VV)|PT*VV)E"
REBER = re.compile(REBER_RE)
EMBEDDED = re.compile(r"B([TP])" + REBER_RE + r"\1E")


def table_legal(state):
    return {sym for (a, sym) in TABLE if a == state}


def table_states(string):
    """States along a Reber string with the typed-in table (None once it breaks)."""
    states = ["start"]
    for ch in string:
        states.append(TABLE.get((states[-1], ch)))
    return states


# ------------------------------------------------------------------------------------------------
# Machine and generator
# ------------------------------------------------------------------------------------------------
def test_machine_matches_published_table():
    m = reber.reber_machine()
    edges = {(str(a), sym): str(b) for a, sym, b, _ in m.edges()}
    assert edges == TABLE
    for state, outs in m.transitions.items():
        assert sum(p for _, _, p in outs) == pytest.approx(1.0)


@pytest.mark.parametrize("grammar, regex", [("reber", REBER), ("embedded", EMBEDDED)])
def test_generator_only_grammatical_and_every_transition(grammar, regex):
    m = reber.machine(grammar)
    strings = reber.generate(grammar, 3000, seed=1)
    used = set()
    for s in strings:
        assert regex.fullmatch(s), s
        states = reber.states_along(s, m)
        used.update(zip(states[:-1], s))
    all_edges = {(a, sym) for a, sym, _, _ in m.edges()}
    assert used == all_edges  # every transition of the machine appears


def test_generator_is_seeded():
    assert reber.generate("embedded", 50, seed=7) == reber.generate("embedded", 50, seed=7)
    assert reber.generate("embedded", 50, seed=7) != reber.generate("embedded", 50, seed=8)


def test_regex_and_acceptor_agree_on_random_symbol_strings():
    # Random strings over the alphabet that start with B and end with E, plus mutated grammatical
    # strings: the acceptor and the hand-written regular expression must give the same verdict.
    rng = np.random.default_rng(0)
    cases = reber.generate("reber", 300, seed=3)
    for s in list(cases):
        k = int(rng.integers(1, len(s) - 1))
        cases.append(s[:k] + reber.SYMBOLS[int(rng.integers(1, 6))] + s[k + 1:])
        cases.append(s[:k] + s[k + 1:])
    for _ in range(3000):
        n = int(rng.integers(3, 12))
        cases.append("B" + "".join(rng.choice(list("TSXPV"), n)) + "E")
    n_good = 0
    for s in cases:
        assert reber.is_grammatical(s, "reber") == bool(REBER.fullmatch(s)), s
        n_good += bool(REBER.fullmatch(s))
    assert 300 < n_good < len(cases)


# ------------------------------------------------------------------------------------------------
# Acceptor: where a string breaks
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("string, position", [
    ("BPVE", 3),            # state 4 allows only P or V
    ("BTSSXXTVVEX", 10),    # a symbol after the end
    ("BTSX", 4),            # ends too early
    ("TXSE", 0),            # must start with B
    ("BTXXTTVVE", None),    # grammatical
    ("BTQSE", 2),           # not a symbol at all
])
def test_acceptor_hand_cases(string, position):
    v = reber.accept(string, "reber")
    assert v.ok == (position is None)
    assert v.position == position
    if position is not None:
        assert v.reason


def test_acceptor_rejects_corruptions_at_the_right_position():
    rng = np.random.default_rng(5)
    for s in reber.generate("reber", 400, seed=4):
        states = table_states(s)
        k = int(rng.integers(0, len(s)))
        wrong = sorted(set(reber.SYMBOLS) - table_legal(states[k]))
        bad = s[:k] + wrong[int(rng.integers(len(wrong)))] + s[k + 1:]
        v = reber.accept(bad, "reber")
        assert not v.ok and v.position == k, (bad, v)


def test_acceptor_embedded_needs_matching_tp():
    s = "BTBTXSETE"
    assert reber.accept(s, "embedded").ok
    v = reber.accept("BTBTXSEPE", "embedded")
    assert not v.ok and v.position == 7
    assert reber.accept("BTXSE", "embedded").position == 2  # an inner string alone: X where B must come


def test_bad_input_errors_name_the_argument():
    with pytest.raises(ValueError, match="p_loop"):
        reber.reber_machine(1.5)
    with pytest.raises(ValueError, match="grammar"):
        reber.machine("dyck")
    with pytest.raises(ValueError, match="string"):
        reber.legal_next("BTX", "reber")
    with pytest.raises(ValueError, match="outputs"):
        reber.correct_positions(np.zeros((2, 3, 7)), np.zeros((2, 3, 6)))


# ------------------------------------------------------------------------------------------------
# Legal next symbols
# ------------------------------------------------------------------------------------------------
def test_legal_next_matches_published_table():
    for s in reber.generate("reber", 500, seed=6):
        states = table_states(s)
        got = reber.legal_next(s, "reber")
        assert [set(g) for g in got] == [table_legal(st) for st in states[1:]]


def test_legal_next_embedded_by_hand():
    got = reber.legal_next("BPBTXSEPE", "embedded")
    want = ["TP", "B", "TP", "SX", "SX", "E", "P", "E"]
    # after B: T or P; after the first P: the inner B; ... after the inner E only P (the memory).
    assert len(got) == 9
    assert [set(g) for g in got[:-1]] == [set(w) for w in want]
    assert got[-1] == frozenset()


def test_legal_next_covers_what_is_observed():
    # Every symbol ever observed after a prefix is in the legal set, and on frequent prefixes all
    # legal symbols are observed.
    m = reber.machine("embedded")

    def legal_after(prefix):
        state = m.start
        for ch in prefix:
            state = m.next_state(state, ch)
        return set(m.legal(state))

    seen = {}
    for s in reber.generate(m, 4000, seed=9):
        for t in range(1, len(s)):
            seen.setdefault(s[:t], set()).add(s[t])
    for prefix, nxt in seen.items():
        assert nxt <= legal_after(prefix)
    for prefix in ("B", "BT", "BTB", "BPBT", "BTBP", "BTBTX"):
        assert seen[prefix] == legal_after(prefix)


# ------------------------------------------------------------------------------------------------
# Lengths
# ------------------------------------------------------------------------------------------------
def expected_inner_length(p):
    """Expected Reber string length with self-loop probability p, derived by hand.

    Expected remaining symbols before E from each state (first-step analysis):
      e3 = 1 + e2/2,  e4 = 1 + e3/2,  e1 = 1/(1-p) + e3,  e2 = 1/(1-p) + e4
    give e3 = 2 + (2/3)/(1-p), e4 = 2 + (1/3)/(1-p), and from state 0
      e0 = 1 + (e1 + e2)/2 = 3 + (3/2)/(1-p).
    Adding B and E: 5 + 1.5/(1-p), which is 8 at p = 1/2.
    """
    return 5 + 1.5 / (1 - p)


def test_expected_length_formula_values():
    assert expected_inner_length(0.5) == 8
    assert expected_inner_length(0.75) == 11


@pytest.mark.parametrize("grammar, p, extra, minimum", [
    ("reber", 0.5, 0, 5), ("embedded", 0.5, 4, 9), ("reber", 0.75, 0, 5), ("embedded", 0.75, 4, 9)])
def test_length_statistics(grammar, p, extra, minimum):
    n = 20000
    lengths = np.array([len(s) for s in reber.generate(grammar, n, seed=11, p_loop=p)])
    mean = expected_inner_length(p) + extra
    se = lengths.std() / np.sqrt(n)
    assert abs(lengths.mean() - mean) < 5 * se, (lengths.mean(), mean, se)
    assert lengths.min() == minimum  # shortest strings (BTXSE, BPVVE) have probability 1/4 at p=1/2
    if p == 0.5:
        assert mean == 8 + extra


def test_shortest_strings():
    short = {s for s in reber.generate("reber", 2000, seed=2) if len(s) == 5}
    assert short == {"BTXSE", "BPVVE"}
    short = {s for s in reber.generate("embedded", 4000, seed=2) if len(s) == 9}
    assert short == {"BTBTXSETE", "BTBPVVETE", "BPBTXSEPE", "BPBPVVEPE"}


# ------------------------------------------------------------------------------------------------
# Encodings and data sets
# ------------------------------------------------------------------------------------------------
def test_encode_by_hand():
    enc = reber.encode(["BTXSE", "BPTVVE"], "reber")
    assert enc.X.shape == (5, 2, 7) and enc.mask.sum(axis=0).tolist() == [4, 5]
    assert "".join(reber.SYMBOLS[k] for k in enc.X[:4, 0].argmax(-1)) == "BTXS"
    assert enc.X[4, 0].sum() == 0 and not enc.mask[4, 0]
    # after "BPT": T or V; targets hold exactly those
    assert {reber.SYMBOLS[k] for k in np.flatnonzero(enc.Y[2, 1])} == {"T", "V"}
    assert enc.next_idx[:, 1].tolist() == [reber.INDEX[c] for c in "PTVVE"]
    assert np.array_equal(reber.one_hot("BT"), np.eye(7)[[0, 1]])


def test_make_data_1997_way():
    d = reber.make_data("embedded", seed=3)
    assert d.train.X.shape[1] == 256 and d.test.X.shape[1] == 256
    assert not set(d.train.strings) & set(d.test.strings)
    assert all(EMBEDDED.fullmatch(s) for s in d.train.strings + d.test.strings)
    assert set(d.unique.strings) == set(d.train.strings) | set(d.test.strings)
    assert len(d.unique.strings) == len(set(d.unique.strings))
    # a sub-batch is trimmed to its longest string
    sub = d.train.take([0, 1])
    assert sub.X.shape[0] == max(len(s) for s in sub.strings) - 1


def test_shipped_training_set_is_what_save_training_set_writes(tmp_path):
    """solutions/reber/reber_data.npz (the reber assignment's data) is save_training_set's output for
    TRAINING_SET_N and TRAINING_SET_SEED, the numbers the grader's generator check regenerates it from."""
    enc = reber.save_training_set(tmp_path / "data.npz")
    fresh = np.load(tmp_path / "data.npz")
    assert fresh["X"].dtype == np.uint8 and fresh["Y"].dtype == np.uint8 and fresh["mask"].dtype == bool
    assert fresh["X"].shape[1] == reber.TRAINING_SET_N
    for k in ("X", "Y", "mask"):
        assert np.array_equal(fresh[k], getattr(enc, k))
    assert all(EMBEDDED.fullmatch(s) for s in enc.strings)
    shipped = Path(__file__).resolve().parents[2] / "solutions" / "reber" / "reber_data.npz"
    assert shipped.read_bytes() == (tmp_path / "data.npz").read_bytes(), "run `make reber-data`"


# ------------------------------------------------------------------------------------------------
# Criterion
# ------------------------------------------------------------------------------------------------
def test_criterion_on_hand_made_predictions():
    enc = reber.encode(["BTXSE", "BPTVVE"], "reber")
    perfect = np.where(enc.Y > 0, 1.0, 0.0)
    assert reber.strings_correct(perfect, enc.Y, enc.mask).tolist() == [True, True]
    # String 0, position 1 (after "BT": S or X legal): X high, S equal to an illegal one -> wrong.
    out = perfect.copy()
    out[1, 0] = [0.2, 0.2, 0.2, 0.9, 0.1, 0.1, 0.1]  # B T S X P V E; S ties with B and T
    ok = reber.correct_positions(out, enc.Y, enc.mask)
    assert ok[:, 0].tolist() == [True, False, True, True, True]  # the last row is padding
    assert reber.strings_correct(out, enc.Y, enc.mask).tolist() == [False, True]
    # Only the order matters: legal symbols need not be the argmax of a softmax, just above all
    # illegal ones; negative logits are fine.
    out2 = perfect * 3.0 - 5.0
    out2[0, 1] = [-9, -1.0, -9, -9, -1.1, -9, -9]  # T and P legal and on top
    out2[2, 1] = [-9, -2.0, -9, -9, -9, -2.5, -3]  # after BPT: T and V above E
    assert reber.strings_correct(out2, enc.Y, enc.mask).tolist() == [True, True]
    # Padding is ignored whatever it holds.
    out3 = perfect.copy()
    out3[4, 0] = [9, 9, 9, 9, 9, 9, -9]
    assert reber.strings_correct(out3, enc.Y, enc.mask).tolist() == [True, True]
    # Masking the one wrong position of `out` makes string 0 count as correct.
    mask = enc.mask.copy()
    mask[1, 0] = False
    assert reber.strings_correct(out, enc.Y, mask).tolist() == [True, True]


def test_final_tp_accuracy_by_hand():
    enc = reber.encode(["BTBTXSETE", "BPBPVVEPE"], "embedded")
    out = np.zeros(enc.Y.shape)
    out[6, 0, reber.INDEX["T"]] = 1.0   # right
    out[6, 1, reber.INDEX["T"]] = 1.0   # wrong: should be P
    assert reber.final_tp_accuracy(out, enc) == 0.5


# ------------------------------------------------------------------------------------------------
# Training (short): the LSTM learns the plain grammar within a bounded budget
# ------------------------------------------------------------------------------------------------
def test_lstm_solves_the_plain_grammar_within_budget():
    record, model = reber.run_seed("lstm", "reber", seed=0, max_sequences=5000, return_model=True)
    assert record["solved"] and record["sequences"] <= 5000
    # Check the claim independently: every string of the same 1997 data sets, one at a time,
    # with the legal sets of the typed-in table.
    data = reber.make_data("reber", seed=0)
    for s in set(data.train.strings) | set(data.test.strings):
        x = np.eye(7)[[reber.SYMBOLS.index(c) for c in s[:-1]]][:, None, :]
        out = model.forward(x)[:, 0]
        states = table_states(s)
        for t in range(len(s) - 1):
            legal = [reber.SYMBOLS.index(c) for c in table_legal(states[t + 1])]
            illegal = [k for k in range(7) if k not in legal]
            assert out[t, legal].min() > out[t, illegal].max(), (s, t)


def test_same_number_of_weights():
    for kind in ("srn", "gru", "lstm97"):
        h = reber.DEFAULTS[kind].hidden
        lstm = reber.n_params("lstm", reber.DEFAULTS["lstm"].hidden)
        assert abs(reber.n_params(kind, h) - lstm) / lstm < 0.03
        # the formula agrees with the built model
        assert reber.build_model(kind, h, seed=0).n_params == reber.n_params(kind, h)


def test_command_writes_runs(tmp_path, capsys):
    path = tmp_path / "runs.json"
    assert reber.main(["--model", "lstm", "--grammar", "reber", "--seeds", "2", "--quiet",
                       "--max-sequences", "3000", "--json", str(path)]) == 0
    import json
    runs = json.loads(path.read_text())["runs"]
    assert [r["seed"] for r in runs] == [0, 1]
    for r in runs:
        assert {"model", "grammar", "seed", "solved", "sequences", "seconds"} <= set(r)
        assert r["model"] == "lstm" and r["grammar"] == "reber" and r["solved"]
    assert "2/2" in capsys.readouterr().out
