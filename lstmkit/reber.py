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
sets, and the 1997 success criterion. The training experiments are in :mod:`lstmkit.experiments`
(``python -m lstmkit.reber`` runs its command line). About 450 lines, a third of them docstrings: the grammar,
its encoding and its criterion are read together in chapter 5 and its exercise.
"""
from __future__ import annotations

import sys
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


def solved_by(model, data: Encoded) -> bool:
    """The 1997 success criterion on ``data`` (all strings right at every position), computed
    in one forward pass."""
    out = model.forward(data.X, data.mask)
    return bool(strings_correct(out, data.Y, data.mask).all())


# ---------------------------------------------------------------------------------------------
# The experiments moved to lstmkit.experiments; their names stay reachable from here
# ---------------------------------------------------------------------------------------------
_EXPERIMENT_NAMES = ("MODEL_KINDS", "LSTM_HIDDEN", "n_params", "matched_hidden", "Settings", "DEFAULTS",
                     "build_model", "evaluate", "run_seed", "summarize", "format_table", "main",
                     "memory_unit_scores", "unit_traces")


def __getattr__(name):
    """``reber.run_seed`` and the other experiment names (the book's pages use them) from
    :mod:`lstmkit.experiments`, imported on first use (it imports this module)."""
    if name in _EXPERIMENT_NAMES:
        from . import experiments
        return getattr(experiments, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":                               # python -m lstmkit.reber: the experiments' CLI
    from lstmkit.experiments import main as _main
    sys.exit(_main())
