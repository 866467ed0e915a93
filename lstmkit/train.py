"""Training sequence models with lstmkit.

A ``SequenceModel`` is a recurrent layer (RNN, LSTM or GRU) followed by a Dense readout applied at
every time step. ``train`` fits it on padded, masked minibatches of sequences of different
lengths, with Adam or SGD and global-norm gradient clipping, counts the training sequences it
has shown the model, and stops as soon as a criterion callback holds (or a sequence budget is
spent).

    model = SequenceModel.build("lstm", 7, 8, 7, seed=0)
    result = train(model, X, Y, mask, loss="bce", lr=0.02, batch_size=16,
                   criterion=lambda m: my_test(m), check_every=64, max_sequences=20_000)
    # or: train(model, X, Y, mask, TrainOptions(lr=0.02, ...))

Shapes are time-major: X (T, N, D) inputs, Y (T, N, K) multi-hot targets for ``loss="bce"``, real
targets for ``loss="mse"`` or (T, N) int class indices for ``loss="softmax"``, mask (T, N) bool with True
on real steps (every sequence's real steps come first, then padding).

``train_stream`` trains on fresh minibatches drawn by a function instead of a fixed set (the long-time-lag
tasks of :mod:`lstmkit.tasks` draw every training sequence anew, as Hochreiter & Schmidhuber did), and lets
a batch name the steps its loss counts (``loss_mask``: only the last step of each sequence there).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np

import lstmkit

from . import kinds
from .stack import Stack
from .validation import check_positive_int


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------
class SequenceModel:
    """A recurrent layer and a Dense readout: logits_t = W_out h_t + b_out at every step.

    rnn: an lstmkit RNN, LSTM or GRU.  readout: an lstmkit Dense(hidden_size, K).
    """

    def __init__(self, rnn, readout, kind=None):
        if readout.params["weight"].shape[1] != rnn.hidden_size:
            raise ValueError(f"readout: expected in_features = hidden_size = {rnn.hidden_size}, "
                             f"got {readout.params['weight'].shape[1]}")
        self.rnn, self.readout, self.kind = rnn, readout, kind

    @classmethod
    def build(cls, kind, input_size, hidden_size, output_size, *, seed=None, dtype=np.float64,
              num_layers=1, dropout=0.0, **options):
        """A model of ``kind`` (a name of :data:`lstmkit.kinds.KINDS`: 'srn'/'rnn', 'lstm', 'gru', ...);
        ``options`` go to the layer after the kind's own (e.g. forget_bias=1.0 for the LSTM).
        num_layers > 1 stacks that many layers (:class:`lstmkit.stack.Stack`, with ``dropout`` between them)."""
        k = kinds.get(kind)
        check_positive_int("num_layers", num_layers)
        ss = np.random.SeedSequence(seed)
        s_rnn, s_out = (int(s.generate_state(1)[0]) for s in ss.spawn(2))
        make = lambda d, s: kinds.LAYERS[k.layer](d, hidden_size, seed=s, dtype=dtype, **{**k.options, **options})
        if num_layers == 1:
            rnn = make(input_size, s_rnn)
        else:
            seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(s_rnn).spawn(num_layers + 1)]
            rnn = Stack([make(input_size if j == 0 else hidden_size, seeds[j]) for j in range(num_layers)],
                        dropout=dropout, seed=seeds[-1])
        readout = lstmkit.Dense(hidden_size, output_size, seed=s_out, dtype=dtype)
        return cls(rnn, readout, kind)

    @property
    def modules(self):
        return [self.rnn, self.readout]

    @property
    def n_params(self):
        """Trainable numbers of the layer and the readout."""
        return int(sum(p.size for m in self.modules for p in m.params.values()))

    def forward(self, X, mask=None):
        """X (T, B, D), mask (T, B) or None -> logits (T, B, K)."""
        return self.forward_with_state(X, mask=mask)[0]

    def forward_with_state(self, X, state=None, mask=None):
        """X (T, B, D), the recurrent state to start from (None: zeros) -> logits (T, B, K), the final state.

        Feeding the final state of one chunk of a long sequence into the next continues the sequence exactly:
        truncated BPTT with the state carried across chunks (:mod:`lstmkit.charlm`)."""
        H, state = self.rnn.forward(X, state, mask)
        return self.readout.forward(H), state

    def backward(self, dlogits, truncate=None):
        """dlogits (T, B, K) -> fills .grads of both modules. truncate: see the layers' backward."""
        dH = self.readout.backward(dlogits)
        self.rnn.backward(dH, truncate=truncate)

    def __repr__(self):
        return f"SequenceModel({self.rnn!r}, {self.readout!r}, n_params={self.n_params})"


# ---------------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------------
def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a tqdm widget can be shown)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class Progress:
    """A progress bar (tqdm.auto) in notebooks, a plain overwritten line on a terminal, or
    nothing. mode: True/'auto' picks by context; False shows nothing. unit: what is counted."""

    def __init__(self, total, mode="auto", desc="training", stream=None, unit="sequences"):
        self.total, self.desc, self.unit = int(total), desc, unit
        self.stream = stream if stream is not None else sys.stderr
        self.bar, self.line, self.done = None, False, 0
        self._last = 0.0
        if mode is False or mode is None:
            return
        if in_notebook():
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.total, desc=desc, unit=unit, leave=False)
        elif mode is True or getattr(self.stream, "isatty", lambda: False)():
            self.line = True

    def update(self, done, **info):
        step, self.done = done - self.done, done
        if self.bar is not None:
            self.bar.update(step)
            if info:
                self.bar.set_postfix(info, refresh=False)
        elif self.line:
            now = time.perf_counter()
            if now - self._last > 0.25:
                self._last = now
                extra = " ".join(f"{k} {v}" for k, v in info.items())
                self.stream.write(f"\r{self.desc}: {done:,}/{self.total:,} {self.unit} {extra}   ")
                self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.line:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------
@dataclass
class TrainResult:
    """What ``train`` did.

    solved: the criterion held (False when there was none or the budget ran out first).
    sequences: training sequences shown when training stopped (one sequence = one string of a
        minibatch). updates: optimiser steps. seconds: wall time of the whole call.
    history: one dict per criterion check: sequences, loss (mean over the batches since the last
        check) and the value returned by the criterion.
    """

    solved: bool
    sequences: int
    updates: int
    seconds: float
    history: list = field(default_factory=list)


def sequence_lengths(mask):
    """(N,) number of real steps of every sequence of a (T, N) mask."""
    return np.asarray(mask, dtype=bool).sum(axis=0)


def make_optimizer(name, modules, lr, momentum=0.0):
    """'adam' or 'sgd' over ``modules``."""
    if name == "adam":
        return lstmkit.Adam(modules, lr=lr)
    if name == "sgd":
        return lstmkit.SGD(modules, lr=lr, momentum=momentum)
    raise ValueError(f"optimizer: expected 'adam' or 'sgd', got {name!r}")


LOSSES = {"bce": "sigmoid_binary_cross_entropy", "softmax": "softmax_cross_entropy", "mse": "mean_squared_error"}


@dataclass
class TrainOptions:
    """The options of :func:`train` (its keyword arguments), with their defaults.

    loss: 'bce' (Y (T, N, K) multi-hot, sigmoid outputs), 'mse' (Y (T, N, K) real, outputs as they are) or
        'softmax' (Y (T, N) int).
    optimizer: 'adam' or 'sgd' (with ``momentum``); lr: learning rate.
    batch_size: sequences per minibatch; clip: global-norm threshold (None: no clipping).
    max_sequences: the budget of training sequences.
    criterion: callable(model) -> truthy, checked every ``check_every`` sequences (default: every batch)
        and after the last batch; training stops as soon as it holds.
    batch_check: optional cheap gate, callable(logits, Y, mask) -> bool on the minibatch just used (its
        forward pass is free; mask is the batch's loss mask). When given, the criterion is only evaluated at a
        check point whose latest minibatch passed the gate; the count stays honest because the criterion itself
        decides.
    gate_streak: with batch_check, also require that the last ``gate_streak`` sequences were all in
        batches that passed it (small batches pass by luck); after every failed evaluation that
        requirement doubles, up to 8 times its start.
    seed: of the shuffling; progress, desc: the progress bar (see :class:`Progress`).
    truncate: truncated BPTT (k steps; 1 is Elman's original training); None is full BPTT.
    """

    loss: str = "bce"
    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.0
    batch_size: int = 16
    clip: float | None = 1.0
    max_sequences: int = 100_000
    criterion: object = None
    check_every: int | None = None
    batch_check: object = None
    gate_streak: int = 0
    seed: object = None
    progress: object = "auto"
    desc: str = "training"
    truncate: int | None = None

    def checked(self, N):
        """These options with batch_size capped at N and check_every filled in; ValueError for bad ones."""
        if self.loss not in LOSSES:
            raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {self.loss!r}")
        if not isinstance(self.batch_size, (int, np.integer)) or not 1 <= self.batch_size:
            raise ValueError(f"batch_size: expected a positive int, got {self.batch_size!r}")
        if not isinstance(self.max_sequences, (int, np.integer)) or self.max_sequences < 1:
            raise ValueError(f"max_sequences: expected a positive int, got {self.max_sequences!r}")
        batch_size = int(min(self.batch_size, N))
        check_every = batch_size if self.check_every is None else int(self.check_every)
        if check_every < 1:
            raise ValueError(f"check_every: expected a positive int, got {check_every!r}")
        return replace(self, batch_size=batch_size, check_every=check_every)


def _check_data(X, Y, mask, loss):
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"X: expected shape (T, N, D), got {X.shape}")
    T, N = X.shape[:2]
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (T, N):
        raise ValueError(f"mask: expected shape {(T, N)}, got {mask.shape}")
    want = (T, N) if loss == "softmax" else (T, N, None)
    Y = np.asarray(Y)
    if Y.shape[:2] != (T, N) or Y.ndim != len(want):
        shape = "(T, N)" if loss == "softmax" else "(T, N, K)"
        raise ValueError(f"Y: expected shape {shape} with T={T}, N={N} for loss={loss!r}, got {Y.shape}")
    return X, Y, mask


def _batches(N, batch_size, budget, rng):
    """Column indices of the minibatches: a fresh shuffle of the N sequences each epoch, never past budget."""
    order, pos, seen = rng.permutation(N), 0, 0
    while seen < budget:
        if pos + batch_size > N:
            order, pos = rng.permutation(N), 0
        take = min(batch_size, budget - seen)
        yield order[pos:pos + take]
        pos += take
        seen += take


class _Gate:
    """When to evaluate the criterion: every check point, or with a batch_check, only when the latest
    minibatches passed it for long enough (see TrainOptions.gate_streak)."""

    def __init__(self, opts):
        self.check, self.start, self.cap = opts.batch_check, opts.gate_streak, opts.batch_size
        self.streak, self.need = 0, opts.gate_streak

    def see(self, logits, yb, mb):
        if self.check is None:
            return True
        self.streak = self.streak + mb.shape[1] if self.check(logits, yb, mb) else 0
        return self.streak > 0 and self.streak >= self.need

    def failed(self):
        """The criterion was evaluated and did not hold: ask for a longer streak next time."""
        if self.check is not None:
            self.need = min(2 * max(self.need, 1), 8 * max(self.start, self.cap))


@dataclass
class Batch:
    """One minibatch for :func:`train_stream`.

    X (T, B, D) inputs; Y the targets in the loss's shape ((T, B, K), or (T, B) int for 'softmax');
    mask (T, B) bool, True on real steps (real steps first); loss_mask (T, B) bool, the steps the loss counts
    (None: every real step).
    """

    X: np.ndarray
    Y: np.ndarray
    mask: np.ndarray
    loss_mask: np.ndarray | None = None


def _resolve(options, kwargs):
    opts = replace(options, **kwargs) if options is not None else TrainOptions(**kwargs)
    if opts.loss not in LOSSES:
        opts.checked(1)                                   # names the bad loss before the data is looked at
    return opts


def train(model, X, Y, mask, options: TrainOptions | None = None, **kwargs):
    """Train ``model`` on the N sequences of (X, Y, mask) until ``criterion(model)`` holds.

    X (T, N, D), Y (T, N, K) multi-hot for loss='bce' (real for 'mse') or (T, N) int for loss='softmax';
    mask (T, N) bool. The options are a :class:`TrainOptions` or its fields as keywords
    (``train(m, X, Y, mask, lr=0.02)``). Minibatches are drawn by shuffling the N sequences each epoch; each
    batch is trimmed to its longest sequence; ``sequences`` counts every sequence shown up to the check where
    the criterion held. Returns a TrainResult.
    """
    start = time.perf_counter()
    opts = _resolve(options, kwargs)
    X, Y, mask = _check_data(X, Y, mask, opts.loss)
    opts = opts.checked(X.shape[1])
    lengths = sequence_lengths(mask)

    def batches():
        for cols in _batches(X.shape[1], opts.batch_size, opts.max_sequences, np.random.default_rng(opts.seed)):
            T = int(lengths[cols].max())
            mb = mask[:T, cols]
            yield X[:T, cols], Y[:T, cols], mb, mb

    return _fit(model, batches(), opts, start)


def train_stream(model, draw, options: TrainOptions | None = None, **kwargs):
    """Train ``model`` on fresh minibatches until ``criterion(model)`` holds or the budget is spent.

    draw: callable(rng, n) -> :class:`Batch` of n new sequences, drawn with the numpy Generator ``rng`` (made
    from ``options.seed``: the same seed draws the same batches). Each batch is checked like :func:`train`'s
    data; its ``loss_mask`` (default: its mask) says which steps the loss and the ``batch_check`` see.
    The last batch is cut to the budget, so ``sequences`` never exceeds ``max_sequences``. Returns a
    TrainResult.
    """
    start = time.perf_counter()
    opts = _resolve(options, kwargs).checked(np.iinfo(np.int64).max)

    def batches():
        rng, seen = np.random.default_rng(opts.seed), 0
        while seen < opts.max_sequences:
            n = min(opts.batch_size, opts.max_sequences - seen)
            b = draw(rng, n)
            X, Y, mask = _check_data(b.X, b.Y, b.mask, opts.loss)
            if X.shape[1] != n:
                raise ValueError(f"draw: expected a batch of {n} sequences, got {X.shape[1]}")
            loss_mask = mask if b.loss_mask is None else np.asarray(b.loss_mask, dtype=bool)
            if loss_mask.shape != mask.shape:
                raise ValueError(f"loss_mask: expected shape {mask.shape}, got {loss_mask.shape}")
            seen += n
            yield X, Y, mask, loss_mask

    return _fit(model, batches(), opts, start)


def _fit(model, batches, opts: TrainOptions, start: float) -> TrainResult:
    """The training loop shared by :func:`train` and :func:`train_stream`: batches yields
    (X, Y, mask, loss_mask) minibatches, at most ``opts.max_sequences`` sequences in all."""
    loss_fn = getattr(lstmkit, LOSSES[opts.loss])
    opt = make_optimizer(opts.optimizer, model.modules, opts.lr, opts.momentum)
    gate = _Gate(opts)
    seen = updates = 0
    next_check, losses, history, solved = opts.check_every, [], [], False
    bar = Progress(opts.max_sequences, opts.progress, opts.desc)
    try:
        for xb, yb, mb, lb in batches:
            logits = model.forward(xb, mb)
            value, dlogits = loss_fn(logits, yb, lb)
            model.backward(dlogits, truncate=opts.truncate)
            if opts.clip is not None:
                lstmkit.clip_grad_norm(model.modules, opts.clip)
            opt.step()
            seen, updates = seen + xb.shape[1], updates + 1
            losses.append(float(value))
            gate_ok = gate.see(logits, yb, lb)
            if seen < next_check and seen < opts.max_sequences:
                continue
            next_check, verdict = seen + opts.check_every, None
            if opts.criterion is not None and gate_ok:
                verdict = bool(opts.criterion(model))
                if not verdict:
                    gate.failed()
            history.append({"sequences": seen, "loss": float(np.mean(losses)), "criterion": verdict})
            losses = []
            bar.update(seen, loss=f"{history[-1]['loss']:.4f}")
            if verdict:
                solved = True
                break
    finally:
        bar.close()
    return TrainResult(bool(solved), seen, updates, time.perf_counter() - start, history)
