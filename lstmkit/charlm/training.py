"""Truncated backpropagation through time with the state carried across chunks (Williams & Peng 1990;
Sutskever 2013, section 2.5):

- the training text is cut into B parallel streams (:func:`lstmkit.charlm.model.streams`), read T characters
  at a time;
- each chunk starts from the state the previous chunk ended in, so the forward pass sees the whole stream
  (a cell can carry information across chunk boundaries);
- the gradient stops at the chunk's start: the incoming state is a constant, so one update costs T steps
  whatever the length of the text (the gradient sees at most T steps back).

    log = train_lm(model, codes, TrainConfig(batch=32, bptt=100, steps=2000))

Adam (Kingma & Ba 2015) with a cosine decay of the learning rate and global-norm clipping (Pascanu et al. 2013),
both from :mod:`lstmkit.optim`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..optim import Adam, clip_grad_norm
from ..train import Progress, SequenceModel
from .model import chunk_loss, streams


@dataclass(frozen=True)
class TrainConfig:
    """batch: B streams; bptt: T characters per chunk; steps: updates (each reads B * T characters);
    lr: Adam's learning rate at the start, decayed along a cosine to lr * lr_final at the end;
    clip: global-norm threshold; log_every: updates between two entries of the history."""

    batch: int = 32
    bptt: int = 100
    steps: int = 1000
    lr: float = 2e-3
    lr_final: float = 0.1
    clip: float = 1.0
    log_every: int = 50

    def __post_init__(self):
        for name in ("batch", "bptt", "steps", "log_every"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: expected a positive integer, got {v!r}")
        if not self.lr > 0 or not 0 < self.lr_final <= 1 or not self.clip > 0:
            raise ValueError(f"lr, lr_final, clip: expected lr > 0, 0 < lr_final <= 1, clip > 0, got "
                             f"{self.lr!r}, {self.lr_final!r}, {self.clip!r}")

    def lr_at(self, step: int) -> float:
        """The learning rate of update ``step`` (0-based): lr at 0, lr * lr_final at the last update."""
        frac = step / max(self.steps - 1, 1)
        return self.lr * (self.lr_final + (1 - self.lr_final) * 0.5 * (1 + math.cos(math.pi * frac)))

    @property
    def chars(self) -> int:
        """Characters read in training: steps * batch * bptt."""
        return self.steps * self.batch * self.bptt


@dataclass
class TrainLog:
    """What :func:`train_lm` did: updates, characters read, wall seconds, CPU seconds of this process, passes
    over the text started, and history: (update, characters read, mean training bits per character since the
    previous entry)."""

    steps: int = 0
    chars: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    passes: int = 1
    history: list = field(default_factory=list)


def train_step(model: SequenceModel, S: np.ndarray, t0: int, T: int, state, opt: Adam, clip: float):
    """One update on rows t0 .. t0 + T of the streams S (N, B), starting from ``state`` (None: zeros).

    The gradient of the chunk's mean cross-entropy flows back to row t0 and stops there: ``state`` is a
    constant. Returns (loss in nats, the state at the chunk's end for the next chunk)."""
    loss, dlogits, state = chunk_loss(model, S, t0, T, state)
    model.backward(dlogits)
    clip_grad_norm(model.modules, clip)
    opt.step()
    return loss, state


def train_lm(model: SequenceModel, codes: np.ndarray, config: TrainConfig, *, progress="auto",
             desc: str = "training") -> TrainLog:
    """Train ``model`` on the text ``codes`` (N,) for ``config.steps`` updates of truncated BPTT.

    Each of the B streams is read from its start; when a stream runs out, every stream starts again from its
    start with a zero state (a new pass). The same model, codes and config give the same weights.
    """
    S = streams(codes, config.batch)
    T = config.bptt
    if len(S) <= T:
        raise ValueError(f"codes: expected more than batch * (bptt + 1) = {config.batch * (T + 1)} characters, "
                         f"got {len(codes)}")
    opt = Adam(model.modules, lr=config.lr)
    log, state, t0, losses = TrainLog(), None, 0, []
    bar = Progress(config.steps, progress, desc, unit="updates")
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        for step in range(config.steps):
            if t0 + T >= len(S):
                t0, state, log.passes = 0, None, log.passes + 1
            opt.lr = config.lr_at(step)
            loss, state = train_step(model, S, t0, T, state, opt, config.clip)
            t0 += T
            losses.append(loss)
            log.steps, log.chars = step + 1, log.chars + T * config.batch
            if log.steps % config.log_every == 0 or log.steps == config.steps:
                log.history.append((log.steps, log.chars, float(np.mean(losses)) / math.log(2)))
                losses = []
                bar.update(log.steps, bpc=f"{log.history[-1][2]:.3f}")
    finally:
        bar.close()
    log.seconds, log.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return log
