"""Long-time-lag tasks of Hochreiter & Schmidhuber (1997, section 5): seeded generators and the paper's criteria.

Three tasks, each a sequence read one step at a time with a single answer at its end:

- ``adding`` (experiment 4): pairs (value, marker). Values are uniform in [-1, 1]; exactly two pairs carry the
  marker 1.0, one among the first ten pairs and one among the first T/2 pairs; the first and the last pair carry
  -1 unless marked, all others 0. Lengths are uniform integers in [T, T + T/10], so the second marked value
  must be held for at least T/2 steps. Target at the end: 0.5 + (X1 + X2) / 4. A sequence is processed
  correctly when the absolute error of the final output is below 0.04.
- ``order`` (experiment 6a) and ``order3`` (6b): symbols E (first), B (last, the trigger), a, b, c, d (noise),
  and two (three) relevant symbols X or Y at random positions around 0.1 T and 0.5 T (0.1 T, 0.33 T, 0.66 T).
  The class is their temporal order: XX, XY, YX, YY (8 classes for three). A sequence is classified correctly
  when every output unit is within 0.3 of the one-hot target.
- ``copy`` (experiment 2c, "very long time lags, no local regularities"): b, then the symbol to remember (x or
  y), then T distractors and a geometric number more (each further one with probability 9/10), then the trigger
  e; at the end the network must name the remembered symbol. Correct when both outputs are within 0.2 of the
  target. The minimal lag is T + 1.

Positions below are 0-based indices (the paper counts from 1). Every generator returns a :class:`TaskBatch`,
time-major: X (L, B, D) with L the longest sequence of the batch, padded after each sequence's end and marked by
``mask`` (L, B). The networks answer through a readout at every step; only the last real step of each sequence
counts (``TaskBatch.final``).

Where this module departs from the paper, it says so: the outputs of the classification tasks are softmax
probabilities (the paper's were independent sigmoid units; the criterion reads them the same way), the adding
problem's output is linear (the paper's was a sigmoid in [0, 1], the range of its target), the ``copy`` task has
a fixed number of distractor symbols (50 by default; the paper grew it with T up to 1,000, Table 3), and a run is
judged on a fresh test set of 2,560 sequences (the paper's test-set size for experiments 4 and 6; for 2c it asked
for 10,000 successive correct sequences): solved when at most 1 % of them are wrong (:func:`solved`; the paper's
networks, when they stopped, got all but at most 3 of 2,560 right).

The training experiments are in :mod:`lstmkit.longlag` (``python -m lstmkit.tasks`` runs its command line).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

ORDER_SYMBOLS = "EBabcdXY"
"""The eight inputs of the temporal order task, in the order of the one-hot units."""
ORDER_CLASSES = {2: "QRSU", 3: "QRSUVABC"}
"""The paper's class names: X, X -> Q; X, Y -> R; ... (class index = the X/Y pattern read as binary, Y = 1)."""
COPY_DISTRACTORS = 50
"""Distractor symbols of the copy task (the paper's p)."""
N_TEST = 2560
"""Sequences in a test set: the paper's size for experiments 4 and 6."""
MAX_WRONG = 0.01
"""The share of test sequences a run may get wrong and still be solved."""


@dataclass(frozen=True)
class Task:
    """One task: how it is learned and when a sequence counts as right.

    loss: 'mse' (a real output) or 'softmax' (a class). tolerance: a sequence is processed correctly when every
    final output is within this absolute error of its target (the paper's value for the task). experiment: the
    paper's number (its published results: :func:`lstmkit.papers.long_lag_rows`).
    """

    name: str
    experiment: str
    about: str
    loss: str
    tolerance: float
    n_outputs: int


TASKS = {t.name: t for t in (
    Task("adding", "4", "add the two marked values of a long sequence", "mse", 0.04, 1),
    Task("order", "6a", "classify the temporal order of two widely separated symbols", "softmax", 0.3, 4),
    Task("order3", "6b", "classify the temporal order of three widely separated symbols", "softmax", 0.3, 8),
    Task("copy", "2c", "remember the second symbol across T distractors and name it after the trigger",
         "softmax", 0.2, 2),
)}
"""The tasks by name."""


def get(task: str) -> Task:
    """The Task named ``task``; ValueError naming the choices otherwise."""
    if task not in TASKS:
        raise ValueError(f"task: expected one of {sorted(TASKS)}, got {task!r}")
    return TASKS[task]


@dataclass
class TaskBatch:
    """A batch of task sequences, time-major.

    X: (L, B, D) float64 inputs, L = the longest sequence. mask: (L, B) bool, True on real steps (real steps
    first). lengths: (B,) int. target: (B, 1) float for ``adding``, (B,) int class indices otherwise.
    relevant: (B, m) int, the step indices of the inputs that decide the answer (the two marked pairs; the X/Y
    symbols; the remembered symbol), in time order.
    """

    task: str
    X: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray
    target: np.ndarray
    relevant: np.ndarray

    @property
    def size(self) -> int:
        return int(self.X.shape[1])

    def final(self, outputs: np.ndarray) -> np.ndarray:
        """outputs (L, B, K) of a network at every step -> (B, K): each sequence's last real step."""
        outputs = np.asarray(outputs)
        if outputs.ndim != 3 or outputs.shape[:2] != self.mask.shape:
            raise ValueError(f"outputs: expected shape (L, B, K) with (L, B) = {self.mask.shape}, got {outputs.shape}")
        return outputs[self.lengths - 1, np.arange(self.size)]

    def loss_targets(self, dtype=np.float64):
        """(Y, loss_mask) for training: Y (L, B, 1) real for 'mse' or (L, B) int for 'softmax', with the target
        at each sequence's last step; loss_mask (L, B) bool, True there only."""
        L, B = self.mask.shape
        last = np.zeros((L, B), dtype=bool)
        last[self.lengths - 1, np.arange(B)] = True
        if get(self.task).loss == "mse":
            Y = np.zeros((L, B, 1), dtype=dtype)
            Y[self.lengths - 1, np.arange(B)] = self.target
        else:
            Y = np.zeros((L, B), dtype=np.int64)
            Y[self.lengths - 1, np.arange(B)] = self.target
        return Y, last


# ---------------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------------
def _check_T(T, smallest):
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or T < smallest:
        raise ValueError(f"T: expected an integer of at least {smallest}, got {T!r}")
    return int(T)


def _check_n(n):
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n: expected a positive integer, got {n!r}")
    return int(n)


def _lengths(rng, n, T):
    """n lengths, uniform integers in [T, T + T // 10] (the paper's "between T and T + T/10")."""
    return rng.integers(T, T + T // 10 + 1, size=n)


def _mask(lengths):
    return np.arange(int(lengths.max()))[:, None] < lengths[None, :]


def adding(n: int, T: int, *, seed=None) -> TaskBatch:
    """n sequences of the adding problem with minimal length T (even, at least 20): X (L, n, 2).

    Input 0 is the value, uniform in [-1, 1]; input 1 the marker. The first mark is drawn uniformly from steps
    0..9, the second from the other steps among 0..T/2 - 1; marked steps carry 1.0, the first and the last step
    -1.0 unless marked, the rest 0.0. When step 0 is marked its value is set to 0 (the paper's rule for that
    rare case, applied whichever draw marks it). target = 0.5 + (X1 + X2) / 4, shape (n, 1).
    """
    n, T = _check_n(n), _check_T(T, 20)
    if T % 2:
        raise ValueError(f"T: expected an even number (the second mark is drawn from the first T/2 steps), got {T}")
    rng = np.random.default_rng(seed)
    lengths = _lengths(rng, n, T)
    mask = _mask(lengths)
    L, cols = mask.shape[0], np.arange(n)
    X = np.zeros((L, n, 2))
    X[:, :, 0] = rng.uniform(-1.0, 1.0, size=(L, n)) * mask
    first = rng.integers(0, 10, size=n)
    second = rng.integers(0, T // 2 - 1, size=n)          # among T/2 - 1 steps: the first T/2 minus the first mark
    second += second >= first
    X[0, :, 1] = -1.0
    X[lengths - 1, cols, 1] = -1.0
    X[first, cols, 1] = 1.0
    X[second, cols, 1] = 1.0
    X[0, (first == 0) | (second == 0), 0] = 0.0
    target = 0.5 + (X[first, cols, 0] + X[second, cols, 0]) / 4.0
    relevant = np.sort(np.stack([first, second], axis=1), axis=1)
    return TaskBatch("adding", X, mask, lengths, target[:, None], relevant)


def _order_windows(T, symbols):
    """The 0-based windows [lo, hi] of the relevant symbols: 1-based paper positions 10..20, 50..60 (6a) or
    10..20, 33..43, 66..76 (6b) at T = 100, scaled with T."""
    starts = (0.1, 0.5) if symbols == 2 else (0.1, 0.33, 0.66)
    return [(round(s * T) - 1, round(s * T) - 1 + T // 10) for s in starts]


def temporal_order(n: int, T: int = 100, *, symbols: int = 2, seed=None) -> TaskBatch:
    """n sequences of the temporal order task (6a: ``symbols=2``, 6b: 3) with lengths in [T, T + T/10]:
    X (L, n, 8) one-hot over ``ORDER_SYMBOLS``.

    Step 0 is E, the last step B, the relevant steps X or Y (fair coins), every other step a, b, c or d.
    target: (n,) the class index, the X/Y pattern read as a binary number with Y = 1 (so X, Y -> 1, 'R').
    """
    if symbols not in (2, 3):
        raise ValueError(f"symbols: expected 2 (experiment 6a) or 3 (6b), got {symbols!r}")
    n, T = _check_n(n), _check_T(T, 30)
    rng = np.random.default_rng(seed)
    lengths = _lengths(rng, n, T)
    mask = _mask(lengths)
    L, cols = mask.shape[0], np.arange(n)
    idx = rng.integers(2, 6, size=(L, n))                  # a, b, c, d
    idx[0] = 0                                             # E
    idx[lengths - 1, cols] = 1                             # B, the trigger
    relevant = np.stack([rng.integers(lo, hi + 1, size=n) for lo, hi in _order_windows(T, symbols)], axis=1)
    bits = rng.integers(0, 2, size=(n, symbols))           # 0: X, 1: Y
    for k in range(symbols):
        idx[relevant[:, k], cols] = 6 + bits[:, k]
    X = np.zeros((L, n, len(ORDER_SYMBOLS)))
    X[np.arange(L)[:, None], cols[None, :], idx] = 1.0
    X *= mask[..., None]
    target = bits @ (1 << np.arange(symbols)[::-1])
    return TaskBatch("order" if symbols == 2 else "order3", X, mask, lengths, target.astype(np.int64), relevant)


def copy_symbols(distractors: int = COPY_DISTRACTORS) -> str:
    """Names of the copy task's inputs, in the order of the one-hot units: the distractors a1 .. ap, then e, b,
    x, y (the paper's a_{p+1} .. a_{p+4})."""
    return " ".join([f"a{k}" for k in range(1, distractors + 1)] + ["e", "b", "x", "y"])


def copy_task(n: int, T: int, *, distractors: int = COPY_DISTRACTORS, seed=None) -> TaskBatch:
    """n sequences of the copy task (experiment 2c with q = T): X (L, n, distractors + 4), one-hot.

    Step 0 is b, step 1 the symbol to remember (x or y), then T distractors and k more, with P(k) = 0.1 * 0.9^k
    (after each distractor, another with probability 9/10), then the trigger e, the last input. target: (n,) 0
    for x, 1 for y: the symbol the paper's sequence ends with, predicted after reading e. Lengths: T + k + 3
    inputs, at least T + 3; the remembered symbol must be held T + 1 steps at least.
    """
    n, T = _check_n(n), _check_T(T, 1)
    if not isinstance(distractors, (int, np.integer)) or distractors < 1:
        raise ValueError(f"distractors: expected a positive integer, got {distractors!r}")
    rng = np.random.default_rng(seed)
    extra = rng.geometric(0.1, size=n) - 1                 # failures before the first success: P(k) = 0.1 0.9^k
    lengths = T + extra + 3
    mask = _mask(lengths)
    L, cols = mask.shape[0], np.arange(n)
    p = int(distractors)
    idx = rng.integers(0, p, size=(L, n))
    idx[0] = p + 1                                         # b
    bit = rng.integers(0, 2, size=n)
    idx[1] = p + 2 + bit                                   # x or y
    idx[lengths - 1, cols] = p                             # e, the trigger
    X = np.zeros((L, n, p + 4))
    X[np.arange(L)[:, None], cols[None, :], idx] = 1.0
    X *= mask[..., None]
    return TaskBatch("copy", X, mask, lengths, bit.astype(np.int64), np.ones((n, 1), dtype=np.int64))


def generate(task: str, n: int, T: int, *, seed=None) -> TaskBatch:
    """n sequences of ``task`` (a name of :data:`TASKS`) at minimal length T, drawn from ``seed``."""
    get(task)
    if task == "adding":
        return adding(n, T, seed=seed)
    if task == "copy":
        return copy_task(n, T, seed=seed)
    return temporal_order(n, T, symbols=2 if task == "order" else 3, seed=seed)


def n_inputs(task: str) -> int:
    """Input units of ``task``."""
    get(task)
    return {"adding": 2, "copy": COPY_DISTRACTORS + 4}.get(task, len(ORDER_SYMBOLS))


# ---------------------------------------------------------------------------------------------
# The criteria
# ---------------------------------------------------------------------------------------------
def outputs_from_logits(task: str, logits: np.ndarray) -> np.ndarray:
    """What the criterion reads from a network's final readout (B, K): the value itself for ``adding``, the
    softmax probabilities for the classification tasks."""
    logits = np.asarray(logits, dtype=np.float64)
    if get(task).loss == "mse":
        return logits
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def processed_correctly(task: str, outputs: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(B,) bool: the paper's per-sequence criterion on final ``outputs`` (B, K).

    adding: |output - target| < 0.04, outputs (B, 1) and target (B, 1). order, order3, copy: every output unit
    within the task's tolerance (0.3; 0.2 for copy) of the one-hot target, outputs (B, K) in [0, 1] and target
    (B,) class indices.
    """
    t = get(task)
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 2 or outputs.shape[1] != t.n_outputs:
        raise ValueError(f"outputs: expected shape (B, {t.n_outputs}) for task {task!r}, got {outputs.shape}")
    B = outputs.shape[0]
    if t.loss == "mse":
        want = np.asarray(target, dtype=np.float64).reshape(B, 1)
    else:
        target = np.asarray(target)
        if target.shape != (B,):
            raise ValueError(f"target: expected class indices of shape ({B},), got {target.shape}")
        want = np.eye(t.n_outputs)[target]
    return np.abs(outputs - want).max(axis=1) < t.tolerance


def wrong_count(task: str, final_logits: np.ndarray, batch: TaskBatch) -> int:
    """Sequences of ``batch`` not processed correctly, from the network's final readout (B, K)."""
    return int((~processed_correctly(task, outputs_from_logits(task, final_logits), batch.target)).sum())


def allowed_wrong(n: int = N_TEST) -> int:
    """How many of n test sequences a solved run may get wrong: 1 % (25 of 2,560)."""
    return int(MAX_WRONG * n)


def solved(wrong: int, n: int = N_TEST) -> bool:
    """A run is solved when at most :func:`allowed_wrong` of its n test sequences are wrong."""
    return int(wrong) <= allowed_wrong(n)


if __name__ == "__main__":                               # python -m lstmkit.tasks: the experiments' CLI
    from lstmkit.longlag import main as _main
    sys.exit(_main())
