"""A character-level language model: a stack of recurrent layers reading one-hot characters, and a softmax over
the next character. The model is lstmkit's :class:`~lstmkit.train.SequenceModel` (a
:class:`~lstmkit.stack.Stack` and a :class:`~lstmkit.dense.Dense` readout); this module adds what a language
model needs around it: the inputs, the text cut into parallel streams, bits per character, and sampling.

Shapes are time-major: codes (T, B) uint8, inputs X (T, B, V) one-hot, logits (T, B, V); the state is
what the Stack takes (one entry per layer).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..kinds import count_params, matched_hidden
from ..losses import softmax_cross_entropy
from ..train import SequenceModel
from .corpus import Vocabulary


@dataclass(frozen=True)
class ModelSpec:
    """What a language model is: kind ('lstm', 'gru', 'srn'), hidden units per layer, layers, dropout
    between layers, vocabulary size V, float dtype name and the seed of its initial weights."""

    kind: str
    hidden: int
    num_layers: int = 2
    dropout: float = 0.0
    vocab_size: int = 98
    dtype: str = "float32"
    seed: int = 0

    @property
    def n_params(self) -> int:
        return count_params(self.kind, self.vocab_size, self.hidden, self.vocab_size, self.num_layers)

    def build(self) -> SequenceModel:
        return SequenceModel.build(self.kind, self.vocab_size, self.hidden, self.vocab_size, seed=self.seed,
                                   dtype=np.dtype(self.dtype), num_layers=self.num_layers, dropout=self.dropout)

    def matched(self, kind: str) -> "ModelSpec":
        """The same model with cells of another ``kind``, its hidden size chosen for the closest weight count."""
        hidden = matched_hidden(kind, self.n_params, self.vocab_size, self.vocab_size, self.num_layers)
        return ModelSpec(kind, hidden, self.num_layers, self.dropout, self.vocab_size, self.dtype, self.seed)


def one_hot(codes: np.ndarray, V: int, dtype=np.float32) -> np.ndarray:
    """codes (T, B) integers in [0, V) -> (T, B, V) one-hot."""
    codes = np.asarray(codes)
    if codes.ndim != 2 or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"codes: expected a (T, B) integer array, got {codes.dtype} array of shape {codes.shape}")
    return np.eye(V, dtype=dtype)[codes]


def streams(codes: np.ndarray, B: int) -> np.ndarray:
    """The text (N,) cut into B equal consecutive pieces, side by side: (N // B, B), column b holding
    characters b * (N // B) onwards. Chunks of rows are what a batch of truncated BPTT reads; the left-over
    N mod B characters are dropped."""
    codes = np.asarray(codes)
    if codes.ndim != 1 or len(codes) < 2 * B:
        raise ValueError(f"codes: expected a 1-d array of at least 2 * B = {2 * B} codes, got shape {codes.shape}")
    n = len(codes) // B
    return np.ascontiguousarray(codes[:n * B].reshape(B, n).T)


def chunk_loss(model: SequenceModel, S: np.ndarray, t0: int, T: int, state):
    """Forward over rows t0 .. t0 + T - 1 of the streams S (N, B), predicting rows t0 + 1 .. t0 + T.

    Returns (mean cross-entropy in nats, dlogits (T, B, V), the final state). The chunk must fit: t0 + T < N.
    """
    V = model.readout.out_features
    X = one_hot(S[t0:t0 + T], V, model.readout.dtype)
    logits, state = model.forward_with_state(X, state)
    loss, dlogits = softmax_cross_entropy(logits, S[t0 + 1:t0 + T + 1].astype(np.intp))
    return loss, dlogits, state


def bits_per_char(model: SequenceModel, codes: np.ndarray, *, B: int = 50, T: int = 250) -> float:
    """Mean -log2 p(next character) over the text ``codes`` (N,), read as B streams (:func:`streams`) in chunks
    of T steps with the state carried from chunk to chunk; each stream starts from a zero state. Dropout is
    off while it runs."""
    rnn = model.rnn
    training = getattr(rnn, "training", None)
    if training is not None:
        rnn.training = False
    try:
        S = streams(codes, B)
        total, count, state = 0.0, 0, None
        for t0 in range(0, len(S) - 1, T):
            k = min(T, len(S) - 1 - t0)
            loss, _, state = chunk_loss(model, S, t0, k, state)
            total, count = total + loss * k, count + k
    finally:
        if training is not None:
            rnn.training = training
    return total / count / math.log(2)


def softmax_sample(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One index drawn with probabilities softmax(logits / temperature) from logits (V,); temperature 0 is
    the limit of that distribution, the argmax (the first one on a tie)."""
    if not (isinstance(temperature, (int, float)) and temperature >= 0):
        raise ValueError(f"temperature: expected a number >= 0, got {temperature!r}")
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / temperature
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def sample(model: SequenceModel, vocab: Vocabulary, prime: str, n: int, *, temperature: float = 1.0,
           seed=None) -> str:
    """Read ``prime`` (at least one character), then write ``n`` characters, each drawn from the model's
    distribution at ``temperature`` (:func:`softmax_sample`) and read back in. Returns the n new characters."""
    if not isinstance(prime, str) or not prime:
        raise ValueError(f"prime: expected a non-empty str, got {prime!r}")
    rng = np.random.default_rng(seed)
    rnn = model.rnn
    training = getattr(rnn, "training", None)
    if training is not None:
        rnn.training = False
    try:
        dtype, V = model.readout.dtype, vocab.size
        logits, state = model.forward_with_state(one_hot(vocab.encode(prime)[:, None], V, dtype))
        out = []
        for _ in range(n):
            out.append(softmax_sample(logits[-1, 0], temperature, rng))
            logits, state = model.forward_with_state(one_hot(np.array([[out[-1]]]), V, dtype), state)
    finally:
        if training is not None:
            rnn.training = training
    return vocab.decode(np.array(out, dtype=np.intp))
