"""Training sequence models with lstmkit.

A ``SequenceModel`` is a recurrent layer (RNN, LSTM or GRU) followed by a Dense readout applied at
every time step. ``train`` fits it on padded, masked minibatches of sequences of different
lengths, with Adam or SGD and global-norm gradient clipping, counts the training sequences it
has shown the model, and stops as soon as a criterion callback holds (or a sequence budget is
spent).

    model = SequenceModel.build("lstm", 7, 8, 7, seed=0)
    result = train(model, X, Y, mask, loss="bce", lr=0.02, batch_size=16,
                   criterion=lambda m: my_test(m), check_every=64, max_sequences=20_000)

Shapes are time-major: X (T, N, D) inputs, Y (T, N, K) multi-hot targets for ``loss="bce"`` or
(T, N) int class indices for ``loss="softmax"``, mask (T, N) bool with True on real steps (every
sequence's real steps come first, then padding).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

import lstmkit

MODELS = {"srn": "RNN", "rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


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
              **options):
        """A model of ``kind`` ('srn'/'rnn', 'lstm' or 'gru'); ``options`` go to the layer
        (e.g. forget_bias=1.0, forget_gate=False for the LSTM)."""
        if kind not in MODELS:
            raise ValueError(f"kind: expected one of {sorted(MODELS)}, got {kind!r}")
        ss = np.random.SeedSequence(seed)
        s_rnn, s_out = (int(s.generate_state(1)[0]) for s in ss.spawn(2))
        layer = getattr(lstmkit, MODELS[kind])(input_size, hidden_size, seed=s_rnn, dtype=dtype,
                                               **options)
        readout = lstmkit.Dense(hidden_size, output_size, seed=s_out, dtype=dtype)
        return cls(layer, readout, kind)

    @property
    def modules(self):
        return [self.rnn, self.readout]

    @property
    def n_params(self):
        """Trainable numbers of the layer and the readout."""
        return int(sum(p.size for m in self.modules for p in m.params.values()))

    def forward(self, X, mask=None):
        """X (T, B, D), mask (T, B) or None -> logits (T, B, K)."""
        H, _ = self.rnn.forward(X, mask=mask)
        return self.readout.forward(H)

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
    nothing. mode: True/'auto' picks by context; False shows nothing."""

    def __init__(self, total, mode="auto", desc="training", stream=None):
        self.total, self.desc = int(total), desc
        self.stream = stream if stream is not None else sys.stderr
        self.bar, self.line, self.done = None, False, 0
        self._last = 0.0
        if mode is False or mode is None:
            return
        if in_notebook():
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.total, desc=desc, unit="seq", leave=False)
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
                self.stream.write(f"\r{self.desc}: {done:,}/{self.total:,} sequences {extra}   ")
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


LOSSES = {"bce": "sigmoid_binary_cross_entropy", "softmax": "softmax_cross_entropy"}


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


def train(model, X, Y, mask, *, loss="bce", optimizer="adam", lr=0.01, momentum=0.0,
          batch_size=16, clip=1.0, max_sequences=100_000, criterion=None, check_every=None,
          batch_check=None, gate_streak=0, seed=None, progress="auto", desc="training", truncate=None):
    """Train ``model`` on the N sequences of (X, Y, mask) until ``criterion(model)`` holds.

    X (T, N, D), Y (T, N, K) multi-hot for loss='bce' (sigmoid outputs, one per symbol) or
    Y (T, N) int for loss='softmax'; mask (T, N) bool.
    Minibatches of ``batch_size`` sequences are drawn by shuffling the N sequences each epoch; each
    batch is trimmed to its longest sequence. clip: global-norm threshold (None: no clipping).
    criterion: callable(model) -> truthy, checked every ``check_every`` sequences (default: every
    batch) and after the last batch; training stops as soon as it holds, and ``sequences`` then
    counts every sequence shown up to that check.
    batch_check: optional cheap gate, callable(logits, Y, mask) -> bool on the minibatch just
    used (its forward pass is free). When given, the criterion is only evaluated at a check point
    whose latest minibatch passed the gate, which saves most of the expensive evaluations; the
    count stays honest because the criterion itself decides. gate_streak: with batch_check,
    also require that the last ``gate_streak`` sequences were all in batches that passed it
    (small batches pass by luck); after every failed evaluation that requirement doubles, up to
    8 times its start. Both keep the expensive evaluations rare.
    truncate: truncated backpropagation through time (k steps; 1 is Elman's original training, where
    no gradient flows into the previous state); None is full BPTT.
    Returns a TrainResult.
    """
    start = time.perf_counter()
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")
    X, Y, mask = _check_data(X, Y, mask, loss)
    N = X.shape[1]
    if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    if not isinstance(max_sequences, (int, np.integer)) or max_sequences < 1:
        raise ValueError(f"max_sequences: expected a positive int, got {max_sequences!r}")
    batch_size = int(min(batch_size, N))
    check_every = batch_size if check_every is None else int(check_every)
    if check_every < 1:
        raise ValueError(f"check_every: expected a positive int, got {check_every!r}")
    loss_fn = getattr(lstmkit, LOSSES[loss])
    opt = make_optimizer(optimizer, model.modules, lr, momentum)
    rng = np.random.default_rng(seed)
    lengths = sequence_lengths(mask)

    seen = updates = streak = 0
    need = gate_streak  # doubles after every failed check (up to 8x), so near-misses stay cheap
    next_check = check_every
    losses, history, solved = [], [], False
    bar = Progress(max_sequences, progress, desc)
    order, pos = rng.permutation(N), 0
    try:
        while seen < max_sequences:
            if pos + batch_size > N:
                order, pos = rng.permutation(N), 0
            take = min(batch_size, max_sequences - seen)  # never run past the budget
            cols = order[pos:pos + take]
            pos += take
            T = int(lengths[cols].max())
            xb, yb, mb = X[:T, cols], Y[:T, cols], mask[:T, cols]
            logits = model.forward(xb, mb)
            value, dlogits = loss_fn(logits, yb, mb)
            model.backward(dlogits, truncate=truncate)
            if clip is not None:
                lstmkit.clip_grad_norm(model.modules, clip)
            opt.step()
            seen += len(cols)
            updates += 1
            losses.append(float(value))
            if batch_check is None:
                gate_ok = True
            else:
                streak = streak + len(cols) if batch_check(logits, yb, mb) else 0
                gate_ok = streak > 0 and streak >= need
            if seen >= next_check or seen >= max_sequences:
                next_check = seen + check_every
                verdict = None
                if criterion is not None and gate_ok:
                    verdict = bool(criterion(model))
                    if not verdict and batch_check is not None:
                        need = min(2 * max(need, 1), 8 * max(gate_streak, batch_size))
                mean_loss = float(np.mean(losses))
                losses = []
                history.append({"sequences": seen, "loss": mean_loss, "criterion": verdict})
                bar.update(seen, loss=f"{mean_loss:.4f}")
                if verdict:
                    solved = True
                    break
    finally:
        bar.close()
    return TrainResult(bool(solved), seen, updates, time.perf_counter() - start, history)
