"""The Reber experiments: SRN, Elman net, LSTM and GRU learning the (embedded) Reber grammar over many seeds
(Hochreiter & Schmidhuber 1997, experiment 1), their summary table, a look inside the trained networks, and
the command line behind ``python -m lstmkit.reber`` (``make reber-results``).

The grammars, encodings and the 1997 criterion are in :mod:`lstmkit.reber`; the model kinds in
:mod:`lstmkit.kinds`; training in :mod:`lstmkit.train`.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from . import kinds
from .reber import (GRAMMARS, N_SYMBOLS, Encoded, ReberData, encode, final_tp_accuracy, is_grammatical, make_data,
                    solved_by, strings_correct)
from .runs import Settings, add_parallel_options, run_all, save_runs as _save_runs
from .train import SequenceModel, TrainOptions, train

MODEL_KINDS = ("srn", "elman", "lstm", "lstm97", "gru")
"""The kinds the experiments compare (see :data:`lstmkit.kinds.KINDS`)."""

LSTM_HIDDEN = 32


def n_params(kind: str, hidden: int, n_in: int = N_SYMBOLS, n_out: int = N_SYMBOLS) -> int:
    """Trainable numbers of a ``kind`` model of ``hidden`` units on the 7 symbols (:func:`kinds.count_params`)."""
    kinds.get(kind, MODEL_KINDS)
    return kinds.count_params(kind, n_in, hidden, n_out)


def matched_hidden(kind: str, target: int) -> int:
    """The hidden size of ``kind`` on the 7 symbols whose parameter count is closest to ``target``."""
    kinds.get(kind, MODEL_KINDS)
    return kinds.matched_hidden(kind, target, N_SYMBOLS, N_SYMBOLS, sizes=range(1, 1025))


_SAME_SIZE = n_params("lstm", LSTM_HIDDEN)
DEFAULTS = {
    "lstm": Settings(hidden=LSTM_HIDDEN, lr=0.05, batch_size=8, clip=5.0),
    "lstm97": Settings(hidden=matched_hidden("lstm97", _SAME_SIZE), lr=0.05),
    "gru": Settings(hidden=matched_hidden("gru", _SAME_SIZE), lr=0.05),
    "srn": Settings(hidden=matched_hidden("srn", _SAME_SIZE), lr=0.01),
    "elman": Settings(hidden=matched_hidden("elman", _SAME_SIZE), lr=0.01, truncate=kinds.KINDS["elman"].truncate),
}
"""Tuned settings; every kind has about as many weights as the LSTM (``n_params``)."""


def build_model(kind: str, hidden: int, *, seed=None, forget_bias: float = 1.0):
    """A SequenceModel of ``kind`` with 7 inputs and 7 outputs."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"model: expected one of {MODEL_KINDS}, got {kind!r}")
    options = {"forget_bias": forget_bias} if kind == "lstm" else {}
    return SequenceModel.build(kind, N_SYMBOLS, hidden, N_SYMBOLS, seed=seed, **options)


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


def _settings(model, hidden, lr, batch_size, clip, forget_bias, optimizer) -> Settings:
    """DEFAULTS[model] with the arguments that are not None (clip: not "default") in their place."""
    base = DEFAULTS[model]
    return Settings(hidden=base.hidden if hidden is None else int(hidden),
                    lr=base.lr if lr is None else float(lr),
                    batch_size=base.batch_size if batch_size is None else int(batch_size),
                    clip=base.clip if clip == "default" else clip,
                    forget_bias=base.forget_bias if forget_bias is None else float(forget_bias),
                    optimizer=base.optimizer if optimizer is None else optimizer,
                    truncate=base.truncate)


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
    if model not in DEFAULTS:
        raise ValueError(f"model: expected one of {MODEL_KINDS}, got {model!r}")
    s = _settings(model, hidden, lr, batch_size, clip, forget_bias, optimizer)
    start = time.perf_counter()
    data = make_data(grammar, seed=seed, p_loop=p_loop)
    net = build_model(model, s.hidden, seed=seed, forget_bias=s.forget_bias)
    options = TrainOptions(loss="bce", optimizer=s.optimizer, lr=s.lr, batch_size=s.batch_size, clip=s.clip,
                           max_sequences=max_sequences, criterion=lambda m: solved_by(m, data.unique),
                           check_every=check_every, batch_check=_batch_all_correct, gate_streak=32, seed=seed,
                           progress=progress, desc=f"{model} {grammar} seed {seed}", truncate=s.truncate)
    result = train(net, data.train.X, data.train.Y, data.train.mask, options)
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


def _run_key(r):
    return r["model"], r["grammar"], r["seed"], r.get("p_loop", 0.5), r.get("max_sequences")


def save_runs(path, records, *, append=False):
    """Write {'runs': records} to ``path``; with append, keep the runs already there that ``records`` does not
    redo (same model, grammar, seed, p_loop and budget)."""
    _save_runs(path, records, _run_key, append=append)


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
    add_parallel_options(p)
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error(f"--seeds: expected a positive number, got {args.seeds}")

    calls = [dict(model=args.model, grammar=args.grammar, seed=seed, p_loop=args.p_loop, hidden=args.hidden,
                  lr=args.lr, batch_size=args.batch_size, max_sequences=args.max_sequences,
                  check_every=args.check_every, progress=not args.quiet and args.jobs == 1 and not args.scheduler)
             for seed in range(args.first_seed, args.first_seed + args.seeds)]

    def report(r):
        print(f"seed {r['seed']}: {'solved' if r['solved'] else 'not solved'} after "
              f"{r['sequences']:,} sequences in {r['seconds']:.2f} s", flush=True)

    records = run_all(run_seed, calls, jobs=args.jobs, scheduler=args.scheduler, report=report)
    if args.json:
        save_runs(args.json, records, append=args.append)
    print(format_table(summarize(records)))
    return 0


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
