"""The text chapter's experiment: an LSTM, a GRU and an SRN language model with the same number of weights,
trained on the same characters of Python's standard library, compared by validation bits per character, and
searched for interpretable cells. ``python -m lstmkit.charlm`` runs it (``make text-results``) and writes, into
``--out`` (``lstmkit/data/``), one weight file per model (``charlm_<kind>.npz``) and ``charlm.json``: the Python
version and file list of the text, the settings, and what was measured. The book reads them back through
:mod:`lstmkit.results` and :func:`load_model`.

The recorded bits per character are those of the weights as saved (the file is read back before measuring),
so the same file on the same text gives the same number again.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from .. import results
from ..train import SequenceModel
from . import corpus, interpret
from .model import ModelSpec, bits_per_char
from .training import TrainConfig, train_lm

KINDS = ("lstm", "gru", "srn")
BASE = ModelSpec("lstm", hidden=128, num_layers=2, vocab_size=corpus.ASCII.size)
"""The LSTM every other model is sized against (equal weight counts: :meth:`ModelSpec.matched`)."""
CONFIG = TrainConfig(batch=32, bptt=100, steps=8000, lr=2e-3, lr_final=0.1, clip=1.0, log_every=100)
VALID_CHARS = 250_000
"""The validation text: the held-out files, whole, up to the first that reaches this many characters."""
INTERPRET_CHARS = 100_000
"""Characters of the validation text the interpretable cells are searched on."""
EVAL = dict(B=50, T=250)
"""How bits per character are measured: 50 streams, chunks of 250 steps (:func:`model.bits_per_char`)."""


# ------------------------------------------------------------------------------------------ weights
def read_npz(path: Path) -> dict:
    """{name: array} of a .npz file."""
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def weights_of(model: SequenceModel, dtype=np.float32) -> dict:
    """{'rnn.<name>': array, 'readout.<name>': array} (PyTorch's names) in ``dtype``."""
    return {f"{part}.{k}": v.astype(dtype) for part, m in (("rnn", model.rnn), ("readout", model.readout))
            for k, v in m.params.items()}


def set_weights(model: SequenceModel, arrays: dict) -> SequenceModel:
    """Copy arrays named as :func:`weights_of` names them into ``model`` (cast to its dtype); returns it."""
    want = set(weights_of(model))
    if set(arrays) != want:
        raise ValueError(f"arrays: expected the names {sorted(want)}, got {sorted(arrays)}")
    for part, m in (("rnn", model.rnn), ("readout", model.readout)):
        for k, v in m.params.items():
            a = np.asarray(arrays[f"{part}.{k}"])
            if a.shape != v.shape:
                raise ValueError(f"arrays['{part}.{k}']: expected shape {v.shape}, got {a.shape}")
            v[...] = a
    return model


def load_model(kind: str, record: dict | None = None) -> SequenceModel:
    """The trained ``kind`` model of the book ('lstm', 'gru' or 'srn'), from lstmkit's package data."""
    record = results.load_data("charlm.json") if record is None else record
    if kind not in record["models"]:
        raise ValueError(f"kind: expected one of {sorted(record['models'])}, got {kind!r}")
    entry = record["models"][kind]
    return set_weights(ModelSpec(**entry["spec"]).build(), results.load_arrays(entry["weights"]))


def validation_codes(record: dict | None = None) -> tuple[np.ndarray, bool]:
    """The validation text of the record, read from this Python's library, as codes; and whether it is the
    very text the record measured (same SHA-256), which it is when the Python version is the same."""
    record = results.load_data("charlm.json") if record is None else record
    c = corpus.load(max_chars={"train": 0, "valid": record["valid_chars"]})
    return corpus.ASCII.encode(c.texts["valid"]), c.sha256("valid") == record["corpus"]["sha256"]["valid"]


# ------------------------------------------------------------------------------------------ one model
def run_model(spec: ModelSpec, config: TrainConfig, train_codes, valid_codes, path: Path, *, store="float32",
              progress="auto") -> dict:
    """Train ``spec`` on train_codes, save its weights to ``path``, read them back and measure bits per
    character on valid_codes and on as many training characters. Returns the record entry."""
    model = spec.build()
    log = train_lm(model, train_codes, config, progress=progress, desc=spec.kind)
    np.savez_compressed(path, **weights_of(model, np.dtype(store)))
    saved = set_weights(spec.build(), read_npz(path))
    t0 = time.perf_counter()
    valid = bits_per_char(saved, valid_codes, **EVAL)
    train = bits_per_char(saved, train_codes[:len(valid_codes)], **EVAL)
    return {"spec": dataclasses.asdict(spec), "n_params": spec.n_params, "weights": path.name, "store": store,
            "valid_bpc": valid, "train_bpc": train, "eval_seconds": time.perf_counter() - t0,
            "seconds": log.seconds, "cpu_seconds": log.cpu_seconds, "chars": log.chars, "passes": log.passes,
            "history": log.history}


def find_cells(model: SequenceModel, c: corpus.Corpus, n_chars: int, top: int = 3) -> dict:
    """The units of ``model`` that correlate best with each code feature, on the first n_chars characters
    of the validation text: {'chars': N, 'findings': [Finding as dict, ...] (top per feature)}."""
    codes = corpus.ASCII.encode(c.texts["valid"][:n_chars])
    acts = interpret.unit_activations(model, codes)
    feats = interpret.code_features(c.file_texts("valid"))
    r = interpret.correlations(acts, feats)
    hidden = model.readout.in_features
    return {"chars": len(acts), "findings": [dataclasses.asdict(f) for f in interpret.best_units(r, hidden, top)]}


# ------------------------------------------------------------------------------------------ command line
def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m lstmkit.charlm", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", choices=KINDS, default=list(KINDS))
    p.add_argument("--hidden", type=int, default=BASE.hidden, help="LSTM units per layer (the others match "
                   "its weight count)")
    p.add_argument("--layers", type=int, default=BASE.num_layers)
    p.add_argument("--dropout", type=float, default=BASE.dropout)
    p.add_argument("--steps", type=int, default=CONFIG.steps)
    p.add_argument("--batch", type=int, default=CONFIG.batch)
    p.add_argument("--bptt", type=int, default=CONFIG.bptt)
    p.add_argument("--lr", type=float, default=CONFIG.lr)
    p.add_argument("--seed", type=int, default=BASE.seed)
    p.add_argument("--valid-chars", type=int, default=VALID_CHARS)
    p.add_argument("--store", choices=("float32", "float16"), default="float32", help="dtype of the saved weights")
    p.add_argument("--out", type=Path, default=Path("lstmkit/data"))
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    base = ModelSpec("lstm", args.hidden, args.layers, args.dropout, corpus.ASCII.size, seed=args.seed)
    config = dataclasses.replace(CONFIG, steps=args.steps, batch=args.batch, bptt=args.bptt, lr=args.lr)
    c = corpus.load(max_chars={"valid": args.valid_chars})
    train_codes, valid_codes = corpus.ASCII.encode(c.texts["train"]), corpus.ASCII.encode(c.texts["valid"])
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    say(f"Python {c.python}: {len(c.files['train'])} training files ({len(train_codes):,} characters), "
        f"{len(c.files['valid'])} validation files ({len(valid_codes):,}); {config.chars:,} training characters "
        f"per model")
    args.out.mkdir(parents=True, exist_ok=True)
    record = {"python": c.python, "numpy": np.__version__, "platform": platform.platform(),
              "command": "python -m lstmkit.charlm " + " ".join(sys.argv[1:] if argv is None else argv),
              "corpus": c.describe(), "vocab": corpus.ASCII.chars, "valid_chars": args.valid_chars,
              "eval": EVAL, "train": dataclasses.asdict(config), "models": {}, "cells": {}}
    for kind in args.models:
        spec = base.matched(kind)
        entry = run_model(spec, config, train_codes, valid_codes, args.out / f"charlm_{kind}.npz", store=args.store,
                          progress=not args.quiet)
        model = set_weights(spec.build(), read_npz(args.out / entry["weights"]))
        record["cells"][kind] = find_cells(model, c, INTERPRET_CHARS)
        record["models"][kind] = entry
        say(f"{kind}: {spec.hidden} units x {spec.num_layers} layers, {spec.n_params:,} weights, "
            f"{entry['seconds']:.0f} s: validation {entry['valid_bpc']:.3f} bits/char, training text "
            f"{entry['train_bpc']:.3f}")
        for f in record["cells"][kind]["findings"][::3]:
            say(f"    {f['feature']:<14} layer {f['layer'] + 1} unit {f['unit']:>3}: r = {f['r']:+.3f}")
        (args.out / "charlm.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf8")
    return 0
