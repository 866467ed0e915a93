"""The Reber grammar and the embedded Reber grammar (Reber 1967; Cleeremans et al. 1989;
Hochreiter & Schmidhuber 1997, experiment 1).

A grammar is a small deterministic finite-state machine whose transitions emit symbols. The
Reber machine, with B and E around every string:

    start --B--> 0
    0 --T--> 1      0 --P--> 2
    1 --S--> 1      1 --X--> 3          (S: self-loop)
    2 --T--> 2      2 --V--> 4          (T: self-loop)
    3 --X--> 2      3 --S--> 5
    4 --P--> 3      4 --V--> 5
    5 --E--> end

Every choice is a fair coin, except that the two self-loops are taken with probability
``p_loop`` (0.5 in the published grammar). Raising ``p_loop`` makes strings longer, which is the
knob used to vary the dependency length of the embedded grammar.

The embedded grammar wraps one Reber string: ``B``, then ``T`` or ``P``, then a whole Reber string
(with its own B and E), then the *same* ``T`` or ``P`` again, then ``E``. Predicting that second
T or P needs a memory of the first across the whole inner string: the long time lag.

This module holds the machines, a seeded generator, an acceptor that reports where a string
breaks, the legal next symbols at every position, one-hot encodings, the 1997 training and test
sets, and the 1997 success criterion. The training experiments live at the bottom of the file
and behind ``python -m lstmkit.reber``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

SYMBOLS = "BTSXPVE"
"""The seven symbols, in the order of the one-hot units."""
INDEX = {s: k for k, s in enumerate(SYMBOLS)}
N_SYMBOLS = len(SYMBOLS)

GRAMMARS = ("reber", "embedded")


# ---------------------------------------------------------------------------------------------
# Machines
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Machine:
    """A deterministic finite-state machine that emits one symbol per transition.

    transitions: dict state -> tuple of (symbol, next_state, probability); the probabilities
        of one state sum to 1 and no state has two transitions with the same symbol.
    start: the state before the first symbol.  accept: the state after the last symbol
        (it has no outgoing transitions).
    """

    name: str
    transitions: dict
    start: object
    accept: object
    p_loop: float = 0.5
    positions: dict = field(default_factory=dict, compare=False)

    def next_state(self, state, symbol):
        """The state reached from ``state`` by ``symbol``, or None when no such edge exists."""
        for sym, nxt, _ in self.transitions.get(state, ()):
            if sym == symbol:
                return nxt
        return None

    def legal(self, state):
        """The set of symbols that may follow in ``state`` (empty at the accept state)."""
        return frozenset(sym for sym, _, _ in self.transitions.get(state, ()))

    def edges(self):
        """All transitions as (state, symbol, next_state, probability) tuples."""
        return [(s, sym, nxt, p) for s, outs in self.transitions.items() for sym, nxt, p in outs]


def _check_p_loop(p_loop):
    if not isinstance(p_loop, (int, float)) or not 0.0 < float(p_loop) < 1.0:
        raise ValueError(f"p_loop: expected a probability strictly between 0 and 1, got {p_loop!r}")
    return float(p_loop)


def reber_machine(p_loop: float = 0.5) -> Machine:
    """The Reber grammar as a Machine (states 'start', 0..5, 'end').

    p_loop: probability of the self-loops 1 --S--> 1 and 2 --T--> 2 (0.5 as published).
    """
    p = _check_p_loop(p_loop)
    tr = {
        "start": (("B", 0, 1.0),),
        0: (("T", 1, 0.5), ("P", 2, 0.5)),
        1: (("S", 1, p), ("X", 3, 1 - p)),
        2: (("T", 2, p), ("V", 4, 1 - p)),
        3: (("X", 2, 0.5), ("S", 5, 0.5)),
        4: (("P", 3, 0.5), ("V", 5, 0.5)),
        5: (("E", "end", 1.0),),
    }
    # Drawing positions, in the usual left-to-right layout of the grammar.
    pos = {"start": (0, 0), 0: (1, 0), 1: (2, 1), 2: (2, -1), 3: (3.2, 0.4), 4: (3.2, -0.4),
           5: (4.2, 0), "end": (5.2, 0)}
    return Machine("reber", tr, "start", "end", p, pos)


def embedded_machine(p_loop: float = 0.5) -> Machine:
    """The embedded Reber grammar as one Machine.

    It holds two copies of the Reber machine, one reached through T and one through P, so that
    the machine itself remembers the first choice. States are 'start', 'b', ('T', s) and
    ('P', s) for every Reber state s, 'tail_T', 'tail_P' (inner string done, the branch's
    symbol is next), 'last' (E is next) and 'end'.
    """
    inner = reber_machine(p_loop)
    tr = {"start": (("B", "b", 1.0),),
          "b": (("T", ("T", "start"), 0.5), ("P", ("P", "start"), 0.5))}
    pos = {"start": (-1.4, 0), "b": (-0.5, 0)}
    for branch, dy in (("T", 2.2), ("P", -2.2)):
        for state, outs in inner.transitions.items():
            tr[(branch, state)] = tuple(
                (sym, ("tail_" + branch) if nxt == inner.accept else (branch, nxt), p)
                for sym, nxt, p in outs)
        tr["tail_" + branch] = ((branch, "last", 1.0),)
        for state, (x, y) in inner.positions.items():
            if state != inner.accept:
                pos[(branch, state)] = (x + 0.4, y + dy)
        pos["tail_" + branch] = (inner.positions[inner.accept][0] + 0.4, dy)
    tr["last"] = (("E", "end", 1.0),)
    pos["last"] = (inner.positions[inner.accept][0] + 1.4, 0)
    pos["end"] = (inner.positions[inner.accept][0] + 2.3, 0)
    return Machine("embedded", tr, "start", "end", inner.p_loop, pos)


def machine(grammar: str = "reber", p_loop: float = 0.5) -> Machine:
    """The Machine for ``grammar`` ('reber' or 'embedded')."""
    if grammar == "reber":
        return reber_machine(p_loop)
    if grammar == "embedded":
        return embedded_machine(p_loop)
    raise ValueError(f"grammar: expected one of {GRAMMARS}, got {grammar!r}")


def _as_machine(grammar) -> Machine:
    return grammar if isinstance(grammar, Machine) else machine(grammar)


# ---------------------------------------------------------------------------------------------
# Generator, acceptor, legal next symbols
# ---------------------------------------------------------------------------------------------
def _choice_table(m: Machine) -> dict:
    """Per state: symbols, next states and cumulative probabilities (plain Python floats)."""
    table = {}
    for state, outs in m.transitions.items():
        cum, total = [], 0.0
        for _, _, p in outs:
            total += p
            cum.append(total)
        table[state] = ([sym for sym, _, _ in outs], [nxt for _, nxt, _ in outs], cum)
    return table


def _walk(m: Machine, table: dict, rng) -> str:
    """One random string: one uniform draw per state with a choice."""
    state, chars = m.start, []
    while state != m.accept:
        syms, nxts, cum = table[state]
        k = 0
        if len(syms) > 1:
            u = rng.random() * cum[-1]
            while k < len(cum) - 1 and cum[k] <= u:
                k += 1
        chars.append(syms[k])
        state = nxts[k]
    return "".join(chars)


def generate(grammar="reber", n: int = 1, *, seed=None, p_loop: float | None = None) -> list[str]:
    """``n`` random strings of ``grammar`` (a name or a Machine), reproducible from ``seed``.

    seed: an int, None, or a numpy Generator. p_loop: overrides the machine's loop probability
    when ``grammar`` is a name.
    """
    if isinstance(grammar, Machine):
        m = grammar
    else:
        m = machine(grammar, 0.5 if p_loop is None else p_loop)
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n: expected a non-negative int, got {n!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    table = _choice_table(m)
    return [_walk(m, table, rng) for _ in range(int(n))]


@dataclass(frozen=True)
class Verdict:
    """The acceptor's answer: ``ok``, and when not ok the index ``position`` of the first
    symbol that breaks the string (len(string) when the string stops too early) and why."""

    ok: bool
    position: int | None = None
    reason: str = ""

    def __bool__(self):
        return self.ok


def accept(string: str, grammar="reber") -> Verdict:
    """Run ``string`` through the machine. Returns Verdict(ok, position, reason)."""
    if not isinstance(string, str):
        raise ValueError(f"string: expected a str, got {type(string).__name__}")
    m = _as_machine(grammar)
    state = m.start
    for t, ch in enumerate(string):
        if ch not in INDEX:
            return Verdict(False, t, f"symbol {ch!r} is not one of {SYMBOLS}")
        if state == m.accept:
            return Verdict(False, t, "symbols after the end of the string")
        nxt = m.next_state(state, ch)
        if nxt is None:
            allowed = "".join(sorted(m.legal(state), key=SYMBOLS.index))
            return Verdict(False, t, f"{ch!r} cannot follow here; legal: {allowed}")
        state = nxt
    if state != m.accept:
        return Verdict(False, len(string), "string ends before the machine reaches its end")
    return Verdict(True)


def is_grammatical(string: str, grammar="reber") -> bool:
    """True when ``string`` is a complete string of ``grammar``."""
    return accept(string, grammar).ok


def states_along(string: str, grammar="reber") -> list:
    """The machine's state before every symbol and after the last: len(string) + 1 states.
    Raises ValueError when the string is not grammatical."""
    m = _as_machine(grammar)
    verdict = accept(string, m)
    if not verdict:
        raise ValueError(f"string: {string!r} is not in the {m.name} grammar "
                         f"(breaks at position {verdict.position}: {verdict.reason})")
    states = [m.start]
    for ch in string:
        states.append(m.next_state(states[-1], ch))
    return states


def legal_next(string: str, grammar="reber") -> list[frozenset]:
    """For every prefix string[:t+1], t = 0..len-1, the set of symbols that may come next.
    The last entry (after E) is empty."""
    m = _as_machine(grammar)
    return [m.legal(s) for s in states_along(string, m)[1:]]


# ---------------------------------------------------------------------------------------------
# Encodings and data sets
# ---------------------------------------------------------------------------------------------
def one_hot(string: str) -> np.ndarray:
    """(len(string), 7) one-hot rows in the order of SYMBOLS."""
    idx = [INDEX[c] for c in string]
    out = np.zeros((len(idx), N_SYMBOLS))
    out[np.arange(len(idx)), idx] = 1.0
    return out


@dataclass
class Encoded:
    """A batch of strings ready for a time-major network.

    X: (T, B, 7) one-hot inputs, symbol t of each string (its last symbol E is never an input).
    Y: (T, B, 7) multi-hot targets: the legal symbols after input t.
    next_idx: (T, B) int index of the symbol that actually follows (-1 on padding).
    mask: (T, B) bool, True on real positions. T = longest string - 1.
    lengths: (B,) string lengths.  strings: the strings.
    """

    X: np.ndarray
    Y: np.ndarray
    next_idx: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray
    strings: list

    def take(self, cols) -> "Encoded":
        """The sub-batch of columns ``cols``, trimmed to its own longest string."""
        cols = np.asarray(cols)
        lengths = self.lengths[cols]
        T = int(lengths.max()) - 1
        return Encoded(self.X[:T, cols], self.Y[:T, cols], self.next_idx[:T, cols],
                       self.mask[:T, cols], lengths, [self.strings[c] for c in cols])


def encode(strings, grammar="reber", dtype=np.float64) -> Encoded:
    """Encode grammatical ``strings`` as an Encoded batch (inputs, legal-next targets, mask)."""
    m = _as_machine(grammar)
    strings = list(strings)
    if not strings:
        raise ValueError("strings: expected at least one string, got none")
    lengths = np.array([len(s) for s in strings])
    T, B = int(lengths.max()) - 1, len(strings)
    X = np.zeros((T, B, N_SYMBOLS), dtype=dtype)
    Y = np.zeros((T, B, N_SYMBOLS), dtype=dtype)
    nxt = np.full((T, B), -1, dtype=np.int64)
    mask = np.zeros((T, B), dtype=bool)
    rows = {}  # each distinct string is run through the machine once
    for b, s in enumerate(strings):
        if s not in rows:
            sets = legal_next(s, m)
            rows[s] = ([INDEX[c] for c in s], [[INDEX[c] for c in sets[t]] for t in range(len(s) - 1)])
        idx, legal = rows[s]
        n = len(s) - 1
        X[np.arange(n), b, idx[:-1]] = 1.0
        for t in range(n):
            Y[t, b, legal[t]] = 1.0
        nxt[:n, b] = idx[1:]
        mask[:n, b] = True
    return Encoded(X, Y, nxt, mask, lengths, strings)


@dataclass
class ReberData:
    """Training and test strings built the 1997 way, encoded.

    train: 256 random strings (repeats allowed, as drawn). test: 256 random strings, none of
    which occurs in the training set. unique: the distinct strings of both sets, encoded once;
    the criterion over all 512 strings equals the criterion over these.
    """

    grammar: str
    p_loop: float
    train: Encoded
    test: Encoded
    unique: Encoded


def make_data(grammar: str = "embedded", *, n_train: int = 256, n_test: int = 256, seed=0,
              p_loop: float = 0.5, dtype=np.float64) -> ReberData:
    """The 1997 data: ``n_train`` random training strings and ``n_test`` random test strings
    that are not in the training set (Hochreiter & Schmidhuber 1997, section 5.1)."""
    m = machine(grammar, p_loop)
    rng = np.random.default_rng(seed)
    train = generate(m, n_train, seed=rng)
    seen = set(train)
    test, table = [], _choice_table(m)
    for _ in range(1000 * max(n_test, 1)):
        if len(test) == n_test:
            break
        s = _walk(m, table, rng)
        if s not in seen:
            test.append(s)
    else:
        raise RuntimeError("make_data: could not draw enough test strings outside the training set")
    unique = sorted(set(train) | set(test), key=lambda s: (len(s), s))
    return ReberData(grammar, m.p_loop, encode(train, m, dtype), encode(test, m, dtype),
                     encode(unique, m, dtype))


TRAINING_SET_N = 4096
TRAINING_SET_SEED = 1997
"""The training set shipped with exercise 5 (solutions/reber/reber_data.npz, ``make reber-data``):
``generate("embedded", TRAINING_SET_N, seed=TRAINING_SET_SEED)``, encoded."""


def save_training_set(path, n: int = TRAINING_SET_N, seed=TRAINING_SET_SEED) -> Encoded:
    """Write ``n`` random embedded Reber strings drawn from ``seed``, encoded, to ``path`` (an .npz file made
    with np.savez_compressed), and return the Encoded batch.

    The file holds exactly what :func:`encode` gives, in compact dtypes: X (T, n, 7) uint8 one-hot inputs,
    Y (T, n, 7) uint8 legal-next-symbol targets, mask (T, n) bool (T = longest string - 1). It is the
    training data of exercise 5, whose graded code cannot use this module.
    """
    data = encode(generate("embedded", n, seed=seed), "embedded")
    np.savez_compressed(path, X=data.X.astype(np.uint8), Y=data.Y.astype(np.uint8), mask=data.mask)
    return data


# ---------------------------------------------------------------------------------------------
# The 1997 criterion
# ---------------------------------------------------------------------------------------------
def correct_positions(outputs: np.ndarray, targets: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Where the prediction is right in the 1997 sense: every legal next symbol's output is
    larger than every illegal symbol's output.

    outputs: (T, B, 7) network outputs (logits or probabilities: only their order matters).
    targets: (T, B, 7) multi-hot legal next symbols.  mask: (T, B) bool or None.
    Returns (T, B) bool, True on padding.
    """
    outputs = np.asarray(outputs)
    targets = np.asarray(targets)
    if outputs.ndim != 3 or outputs.shape != targets.shape:
        raise ValueError(f"outputs: expected shape (T, B, K) equal to targets' {targets.shape}, "
                         f"got {outputs.shape}")
    legal = targets > 0.5
    lowest_legal = np.where(legal, outputs, np.inf).min(axis=-1)
    highest_illegal = np.where(legal, -np.inf, outputs).max(axis=-1)
    ok = lowest_legal > highest_illegal
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != outputs.shape[:2]:
            raise ValueError(f"mask: expected shape {outputs.shape[:2]}, got {mask.shape}")
        ok = ok | ~mask
    return ok


def strings_correct(outputs, targets, mask=None) -> np.ndarray:
    """(B,) bool: True for the strings predicted correctly at every position."""
    return correct_positions(outputs, targets, mask).all(axis=0)


def final_tp_accuracy(outputs, data: Encoded) -> float:
    """Embedded grammar: the fraction of strings whose final T or P (the symbol after the inner
    E) gets the largest output of all seven. This is the one prediction that needs the memory."""
    t = data.lengths - 3  # input = inner E, next symbol = the final T or P
    b = np.arange(len(t))
    out = np.asarray(outputs)[t, b]  # (B, 7)
    want = data.next_idx[t, b]
    if not np.all(np.isin(want, [INDEX["T"], INDEX["P"]])):
        raise ValueError("data: final_tp_accuracy needs strings of the embedded grammar")
    return float(np.mean(out.argmax(axis=-1) == want))


# ---------------------------------------------------------------------------------------------
# Experiments: SRN, LSTM and GRU learning the grammars
# ---------------------------------------------------------------------------------------------
MODEL_KINDS = ("srn", "elman", "lstm", "lstm97", "gru")
"""srn: Elman net trained with full BPTT; elman: the same net trained as Elman (1990) did, with gradients
cut at the previous state (truncated BPTT of one step); lstm: LSTM with forget gate; lstm97: the 1997 cell
(no forget gate); gru."""

LSTM_HIDDEN = 32


def n_params(kind: str, hidden: int, n_in: int = N_SYMBOLS, n_out: int = N_SYMBOLS) -> int:
    """Trainable numbers of a ``kind`` layer of ``hidden`` units plus its Dense readout (two bias
    vectors per layer, as in PyTorch)."""
    gates = {"srn": 1, "elman": 1, "lstm": 4, "lstm97": 3, "gru": 3}
    if kind not in gates:
        raise ValueError(f"kind: expected one of {MODEL_KINDS}, got {kind!r}")
    return gates[kind] * hidden * (n_in + hidden + 2) + n_out * hidden + n_out


def matched_hidden(kind: str, target: int) -> int:
    """The hidden size of ``kind`` whose parameter count is closest to ``target``."""
    sizes = range(1, 1025)
    return min(sizes, key=lambda h: (abs(n_params(kind, h) - target), h))


@dataclass(frozen=True)
class Settings:
    """Hyperparameters of one model kind (see DEFAULTS)."""

    hidden: int
    lr: float
    batch_size: int = 16
    clip: float | None = 1.0
    forget_bias: float = 1.0
    optimizer: str = "adam"
    truncate: int | None = None


_SAME_SIZE = n_params("lstm", LSTM_HIDDEN)
DEFAULTS = {
    "lstm": Settings(hidden=LSTM_HIDDEN, lr=0.05, batch_size=8, clip=5.0),
    "lstm97": Settings(hidden=matched_hidden("lstm97", _SAME_SIZE), lr=0.05),
    "gru": Settings(hidden=matched_hidden("gru", _SAME_SIZE), lr=0.05),
    "srn": Settings(hidden=matched_hidden("srn", _SAME_SIZE), lr=0.01),
    "elman": Settings(hidden=matched_hidden("srn", _SAME_SIZE), lr=0.01, truncate=1),
}
"""Tuned settings; every kind has about as many weights as the LSTM (``n_params``)."""


def build_model(kind: str, hidden: int, *, seed=None, forget_bias: float = 1.0):
    """A SequenceModel of ``kind`` with 7 inputs and 7 outputs."""
    from .train import SequenceModel

    if kind in ("srn", "elman"):
        model = SequenceModel.build("srn", N_SYMBOLS, hidden, N_SYMBOLS, seed=seed)
        model.kind = kind
        return model
    if kind == "lstm":
        return SequenceModel.build("lstm", N_SYMBOLS, hidden, N_SYMBOLS, seed=seed,
                                   forget_bias=forget_bias)
    if kind == "lstm97":
        model = SequenceModel.build("lstm", N_SYMBOLS, hidden, N_SYMBOLS, seed=seed,
                                    forget_gate=False)
        model.kind = "lstm97"
        return model
    if kind == "gru":
        return SequenceModel.build("gru", N_SYMBOLS, hidden, N_SYMBOLS, seed=seed)
    raise ValueError(f"model: expected one of {MODEL_KINDS}, got {kind!r}")


def solved_by(model, data: Encoded) -> bool:
    """The 1997 success criterion on ``data`` (all strings right at every position), computed
    in one forward pass."""
    out = model.forward(data.X, data.mask)
    return bool(strings_correct(out, data.Y, data.mask).all())


def _batch_all_correct(logits, Y, mask):
    return bool(strings_correct(logits, Y, mask).all())


def evaluate(model, data: ReberData) -> dict:
    """Fraction of the distinct strings predicted right at every position, and for the embedded
    grammar the final T/P accuracy overall and by dependency length (inner string length + 1:
    the steps from the first T/P to the second)."""
    U = data.unique
    out = model.forward(U.X, U.mask)
    result = {"fraction_correct": float(strings_correct(out, U.Y, U.mask).mean())}
    if data.grammar == "embedded":
        result["final_tp_accuracy"] = final_tp_accuracy(out, U)
        t = U.lengths - 3
        b = np.arange(len(t))
        hit = out[t, b].argmax(-1) == U.next_idx[t, b]
        lag = U.lengths - 3  # second T/P at index len-2, first at index 1
        result["tp_by_lag"] = {int(k): [int(hit[lag == k].sum()), int((lag == k).sum())]
                               for k in np.unique(lag)}
    return result


def run_seed(model: str = "lstm", grammar: str = "embedded", seed: int = 0, *,
             p_loop: float = 0.5, hidden: int | None = None, lr: float | None = None,
             batch_size: int | None = None, clip: float | None | str = "default",
             forget_bias: float | None = None, optimizer: str | None = None,
             max_sequences: int = 100_000, check_every: int | None = None,
             progress=False, return_model: bool = False):
    """One run: build the 1997 data from ``seed``, train ``model`` until every training and test
    string is predicted right (or ``max_sequences`` sequences were shown), and report.

    Returns a dict with model, grammar, seed, solved, sequences, seconds (wall time of the whole
    run: data, model, training), and more (updates, n_params, hidden, p_loop, settings,
    fraction_correct, final_tp_accuracy); with return_model, the pair (dict, model).
    """
    from .train import train

    if model not in DEFAULTS:
        raise ValueError(f"model: expected one of {MODEL_KINDS}, got {model!r}")
    base = DEFAULTS[model]
    s = Settings(hidden=base.hidden if hidden is None else int(hidden),
                 lr=base.lr if lr is None else float(lr),
                 batch_size=base.batch_size if batch_size is None else int(batch_size),
                 clip=base.clip if clip == "default" else clip,
                 forget_bias=base.forget_bias if forget_bias is None else float(forget_bias),
                 optimizer=base.optimizer if optimizer is None else optimizer,
                 truncate=base.truncate)
    start = time.perf_counter()
    data = make_data(grammar, seed=seed, p_loop=p_loop)
    net = build_model(model, s.hidden, seed=seed, forget_bias=s.forget_bias)
    result = train(net, data.train.X, data.train.Y, data.train.mask, loss="bce",
                   optimizer=s.optimizer, lr=s.lr, batch_size=s.batch_size, clip=s.clip,
                   max_sequences=max_sequences, criterion=lambda m: solved_by(m, data.unique),
                   check_every=check_every, batch_check=_batch_all_correct, gate_streak=32, seed=seed,
                   progress=progress, desc=f"{model} {grammar} seed {seed}", truncate=s.truncate)
    seconds = time.perf_counter() - start
    record = {"model": model, "grammar": grammar, "seed": int(seed), "solved": result.solved,
              "sequences": int(result.sequences), "seconds": round(seconds, 4),
              "updates": result.updates, "n_params": net.n_params, "p_loop": float(p_loop),
              "max_sequences": int(max_sequences), "settings": s.__dict__.copy()}
    record.update(evaluate(net, data))
    return (record, net) if return_model else record


def summarize(runs) -> list[dict]:
    """One row per (model, grammar, p_loop): runs, solved, median sequences and median seconds
    over the solved runs (None when none solved), and the largest budget used."""
    groups = {}
    for r in runs:
        groups.setdefault((r["model"], r["grammar"], r.get("p_loop", 0.5)), []).append(r)
    rows = []
    for (model, grammar, p), rs in groups.items():
        ok = [r for r in rs if r["solved"]]
        rows.append({
            "model": model, "grammar": grammar, "p_loop": p, "runs": len(rs), "solved": len(ok),
            "median_sequences": statistics.median(r["sequences"] for r in ok) if ok else None,
            "median_seconds": statistics.median(r["seconds"] for r in ok) if ok else None,
            "median_seconds_all": statistics.median(r["seconds"] for r in rs),
            "budget": max(r.get("max_sequences", 0) for r in rs),
            "n_params": rs[0].get("n_params"),
            "final_tp_accuracy": (statistics.median(r["final_tp_accuracy"] for r in rs)
                                  if grammar == "embedded" else None),
        })
    return rows


def format_table(rows) -> str:
    """The summary rows as a plain-text table."""
    head = ("model", "grammar", "p_loop", "weights", "solved", "median seq", "median s",
            "budget", "T/P acc")
    lines = [head]
    for r in rows:
        lines.append((r["model"], r["grammar"], f"{r['p_loop']:g}", str(r["n_params"]),
                      f"{r['solved']}/{r['runs']}",
                      "-" if r["median_sequences"] is None else f"{r['median_sequences']:,.0f}",
                      "-" if r["median_seconds"] is None else f"{r['median_seconds']:.2f}",
                      f"{r['budget']:,}",
                      "-" if r["final_tp_accuracy"] is None else f"{r['final_tp_accuracy']:.3f}"))
    widths = [max(len(row[k]) for row in lines) for k in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m lstmkit.reber",
        description="Train networks on the (embedded) Reber grammar over several seeds, "
                    "the experiment of Hochreiter & Schmidhuber 1997, Table 1.")
    p.add_argument("--model", choices=MODEL_KINDS, default="lstm")
    p.add_argument("--grammar", choices=GRAMMARS, default="embedded")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--p-loop", type=float, default=0.5,
                   help="probability of the S and T self-loops (0.5 as published; more = longer strings)")
    p.add_argument("--max-sequences", type=int, default=100_000, help="budget per seed")
    p.add_argument("--check-every", type=int, default=None,
                   help="sequences between criterion checks (default: every minibatch)")
    p.add_argument("--hidden", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--json", default=None, help="write {'runs': [...]} to this file")
    p.add_argument("--append", action="store_true",
                   help="add the runs to those already in --json instead of replacing them")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error(f"--seeds: expected a positive number, got {args.seeds}")

    runs = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        r = run_seed(args.model, args.grammar, seed, p_loop=args.p_loop, hidden=args.hidden,
                     lr=args.lr, batch_size=args.batch_size, max_sequences=args.max_sequences,
                     check_every=args.check_every, progress=not args.quiet)
        runs.append(r)
        print(f"seed {seed}: {'solved' if r['solved'] else 'not solved'} after "
              f"{r['sequences']:,} sequences in {r['seconds']:.2f} s", flush=True)
    if args.json:
        old = []
        if args.append:
            try:
                with open(args.json) as f:
                    old = json.load(f)["runs"]
            except FileNotFoundError:
                old = []
            key = lambda r: (r["model"], r["grammar"], r["seed"], r.get("p_loop", 0.5),
                             r.get("max_sequences"))
            new_keys = {key(r) for r in runs}
            old = [r for r in old if key(r) not in new_keys]
        with open(args.json, "w") as f:
            json.dump({"runs": old + runs}, f, indent=1)
    print(format_table(summarize(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------------------------------------
# Inside a trained network: which units carry the T/P choice?
# ---------------------------------------------------------------------------------------------
def memory_unit_scores(model, data: Encoded, key: str = "c") -> np.ndarray:
    """How well each unit's ``key`` activation ('c' cell state, 'h' output, or a gate name)
    separates strings that began with T from strings that began with P, over every step of
    the inner string (inputs from the inner B to the inner E).

    data: encoded embedded-grammar strings. Returns (H,) scores: the distance between the two
    groups' means in units of their pooled standard deviation (d'). A unit that holds the
    choice through the whole inner string scores high.
    """
    model.forward(data.X, data.mask)
    acts = model.rnn.activations
    if key not in acts:
        raise ValueError(f"key: expected one of {sorted(acts)}, got {key!r}")
    A = acts[key]  # (T, B, H)
    first = np.array([s[1] for s in data.strings])
    if not set(first) <= {"T", "P"}:
        raise ValueError("data: memory_unit_scores needs strings of the embedded grammar")
    T = A.shape[0]
    steps = np.arange(T)[:, None]
    inner = (steps >= 2) & (steps <= (data.lengths - 3)[None, :])  # (T, B)
    is_t = inner & (first == "T")[None, :]
    is_p = inner & (first == "P")[None, :]
    a_t, a_p = A[is_t], A[is_p]  # (n, H)
    pooled = np.sqrt((a_t.var(axis=0) + a_p.var(axis=0)) / 2) + 1e-12
    return np.abs(a_t.mean(axis=0) - a_p.mean(axis=0)) / pooled


def unit_traces(model, strings, unit: int, keys=("c",)) -> dict:
    """Activations of one unit while the model reads each string.

    Returns dict key -> list of (len(string) - 1,) arrays (the values after each input symbol;
    the final E is never an input)."""
    enc = encode(strings, _grammar_of(strings))
    model.forward(enc.X, enc.mask)
    acts = model.rnn.activations
    return {k: [acts[k][: len(s) - 1, b, unit].copy() for b, s in enumerate(strings)] for k in keys}


def _grammar_of(strings):
    return "embedded" if all(is_grammatical(s, "embedded") for s in strings) else "reber"
