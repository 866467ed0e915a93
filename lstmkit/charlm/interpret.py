"""Interpretable cells (Karpathy, Johnson & Fei-Fei 2015): which units of a trained language model track a
property of the code they read?

- :func:`code_features` computes, for every character of some Python source, properties a reader sees at a
  glance: inside a string literal, inside a comment, the indentation of its line, its column, the depth of
  open brackets. They come from Python's own tokenizer, not from the model.
- :func:`unit_activations` runs a model over the same text and keeps every unit's value after each character
  (the cell state c of an LSTM, the hidden state h of a GRU or SRN).
- :func:`correlations` and :func:`best_units` score every unit against every feature by Pearson's r;
  :func:`probe` asks how well all units together predict a feature (a linear readout tested on held-out text).

Shapes: N characters, U units (all layers side by side, layer 0 first), F features.
"""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

import numpy as np

from ..train import SequenceModel
from .model import one_hot, streams

FEATURES = ("in_string", "in_comment", "indent", "column", "bracket_depth")
"""in_string: 1 on the characters of a string literal, quotes and prefix included (docstrings too);
in_comment: 1 on a comment, from # to the end of the line; indent: the number of leading blanks of the
character's line; column: its position in its line (0 for the first); bracket_depth: brackets ( [ { opened
and not yet closed, counting an opening bracket as inside and a closing one as outside."""

_OPEN, _CLOSE = set("([{"), set(")]}")
_STRING_TYPES = {tokenize.STRING} | {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE",
                                                                     "FSTRING_END") if hasattr(tokenize, n)}


def _file_features(text: str) -> dict:
    """The features of one complete source file (see FEATURES), each (len(text),)."""
    lines = io.StringIO(text).readlines()
    starts = np.concatenate([[0], np.cumsum([len(line) for line in lines])]).astype(int)
    n = len(text)
    f = {name: np.zeros(n, np.float32) for name in FEATURES}
    for k, line in enumerate(lines):
        a, b = starts[k], starts[k + 1]
        f["column"][a:b] = np.arange(b - a)
        f["indent"][a:b] = len(line) - len(line.lstrip(" \t"))
    depth = np.zeros(n + 1, np.float32)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        a = starts[tok.start[0] - 1] + tok.start[1] if tok.start[0] <= len(lines) else n
        b = starts[tok.end[0] - 1] + tok.end[1] if tok.end[0] <= len(lines) else n
        if tok.type in _STRING_TYPES:
            f["in_string"][a:b] = 1
        elif tok.type == tokenize.COMMENT:
            f["in_comment"][a:b] = 1
        elif tok.type == tokenize.OP and tok.string in _OPEN:
            depth[a] += 1
        elif tok.type == tokenize.OP and tok.string in _CLOSE:
            depth[a] -= 1
    f["bracket_depth"] = np.cumsum(depth[:n])
    return f


def code_features(texts: list[str]) -> dict:
    """{feature: (N,) float32} for the characters of ``texts`` (complete source files) read one after the
    other, N = total length. Raises ValueError naming a file that Python's tokenizer cannot read."""
    parts = []
    for k, text in enumerate(texts):
        try:
            parts.append(_file_features(text))
        except (tokenize.TokenError, SyntaxError) as e:
            raise ValueError(f"texts[{k}]: expected Python source that tokenize reads, got an error: {e}") from e
    return {name: np.concatenate([p[name] for p in parts]) if parts else np.zeros(0, np.float32)
            for name in FEATURES}


def unit_activations(model: SequenceModel, codes: np.ndarray, *, B: int = 20, T: int = 200,
                     key: str | None = None) -> np.ndarray:
    """Every unit's value after each character of ``codes`` (N,): (B * (N // B), U) in text order.

    The text is read as B streams (:func:`lstmkit.charlm.model.streams`) in chunks of T steps with the state
    carried; stream b starts from a zero state at character b * (N // B). key: the layers' activation to keep,
    'c' for an LSTM and 'h' otherwise by default.
    """
    layers = getattr(model.rnn, "layers", [model.rnn])
    key = key or ("c" if layers[0].has_cell else "h")
    rnn, training = model.rnn, getattr(model.rnn, "training", None)
    if training is not None:
        rnn.training = False
    S = streams(codes, B)
    n, V = len(S), model.readout.out_features
    out = np.empty((n, B, sum(layer.hidden_size for layer in layers)), np.float32)
    state = None
    try:
        for t0 in range(0, n, T):
            _, state = model.forward_with_state(one_hot(S[t0:t0 + T], V, model.readout.dtype), state)
            out[t0:t0 + T] = np.concatenate([layer.activations[key] for layer in layers], axis=-1)
    finally:
        if training is not None:
            rnn.training = training
    return out.transpose(1, 0, 2).reshape(n * B, -1)


def correlations(acts: np.ndarray, features: dict) -> dict:
    """{feature: (U,) Pearson r of each unit's activation with the feature} over the N characters of acts
    (N, U); a feature or unit that never changes gets r = 0."""
    N = len(acts)
    z = acts - acts.mean(0)
    zs = np.sqrt((z * z).sum(0))
    out = {}
    for name, v in features.items():
        v = np.asarray(v[:N], np.float64)
        if len(v) != N:
            raise ValueError(f"features[{name!r}]: expected at least {N} values (one per character), got {len(v)}")
        dv = v - v.mean()
        denom = zs * np.sqrt((dv * dv).sum())
        out[name] = np.divide(dv @ z, denom, out=np.zeros(acts.shape[1]), where=denom > 0)
    return out


def probe(acts: np.ndarray, features: dict) -> dict:
    """How well *all* units together predict each feature: {feature: r}. A linear readout (least squares, with a
    constant) is fitted on the first half of the N characters of acts (N, U) and scored by Pearson's r between its
    predictions and the feature on the second half. A feature that no single unit tracks may still be in the state,
    spread over many units."""
    N = len(acts)
    half = N // 2
    if half < acts.shape[1] + 1:
        raise ValueError(f"acts: expected more than 2 * (U + 1) = {2 * (acts.shape[1] + 1)} rows, got {N}")
    A = np.concatenate([acts, np.ones((N, 1), acts.dtype)], axis=1).astype(np.float64)
    fit = A[:half]
    gram = fit.T @ fit
    gram += 1e-9 * np.trace(gram) / len(gram) * np.eye(len(gram))      # keeps a unit that never moves harmless
    out = {}
    for name, feature in features.items():
        y = np.asarray(feature[:N], np.float64)
        w = np.linalg.solve(gram, fit.T @ y[:half])
        out[name] = float(np.corrcoef(A[half:] @ w, y[half:])[0, 1])
    return out


@dataclass(frozen=True)
class Finding:
    """A unit that tracks a feature: its layer, its index in that layer, and Pearson's r (sign kept)."""

    feature: str
    layer: int
    unit: int
    r: float

    @property
    def name(self) -> str:
        return f"layer {self.layer + 1}, unit {self.unit}"


def best_units(r: dict, hidden: int, top: int = 1) -> list[Finding]:
    """The ``top`` units with the largest |r| for each feature, from :func:`correlations` of a model whose
    layers have ``hidden`` units each."""
    found = []
    for name, values in r.items():
        for u in np.argsort(-np.abs(values), kind="stable")[:top]:
            found.append(Finding(name, int(u) // hidden, int(u) % hidden, float(values[u])))
    return found
