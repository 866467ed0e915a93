"""The long-time-lag experiments: LSTM, GRU and SRN of equal size on the tasks of :mod:`lstmkit.tasks` over many
seeds and lags, the summary table, and the command line behind ``python -m lstmkit.tasks``
(``make longlag-results``).

One run (:func:`run_seed`) trains a fresh network on an endless stream of fresh random sequences, as
Hochreiter & Schmidhuber (1997) did. Once the most recent :data:`STREAK` training sequences were all processed
correctly (the paper stopped after 2,000), it counts the errors on a test set of 2,560 fresh sequences; the run is
solved when at most 1 % are wrong (:func:`lstmkit.tasks.solved`), and training goes on otherwise (the next look at
the test set waits for a streak twice as long, up to 8 times :data:`STREAK`). ``sequences`` is the number of
training sequences shown when it was solved, or the whole budget.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from . import gradflow, kinds, tasks
from .runs import Settings, add_parallel_options, run_all, save_runs as _save_runs
from .train import Batch, SequenceModel, TrainOptions, train_stream

MODEL_KINDS = ("lstm", "gru", "srn", "lstm97")
"""The kinds compared (see :data:`lstmkit.kinds.KINDS`); lstm97 is the 1997 cell, without a forget gate."""
LSTM_HIDDEN = 32
LSTM_FORGET_BIAS = 1.0
"""The LSTM's initial forget-gate bias unless a run says otherwise (Jozefowicz et al. 2015)."""
CHRONO = "chrono"
"""The forget bias of a run whose LSTM starts by chrono initialization (Tallec & Ollivier 2018) with T_max = T:
see :func:`lstmkit.init.chrono_forget_bias`."""
DTYPE = np.float32
"""The networks compute in float32: faster than float64, and far more precise than the 0.04 the criteria ask."""
STREAK = 256
"""Training sequences in a row that must all be right before the test set is looked at."""
GRID = (
    # task, T, model, seeds, budget (training sequences per run), options of run_seed
    ("adding", 20, "lstm", 10, 1_000_000, {}),
    ("adding", 20, "gru", 5, 1_000_000, {}),
    ("adding", 20, "srn", 3, 1_000_000, {}),
    ("adding", 30, "srn", 3, 400_000, {}),
    ("adding", 40, "srn", 3, 400_000, {}),
    ("adding", 50, "lstm", 10, 400_000, {}),
    ("adding", 50, "lstm", 5, 400_000, {"forget_bias": 3.0}),
    ("adding", 50, "gru", 10, 400_000, {}),
    ("adding", 50, "srn", 10, 400_000, {}),
    ("adding", 100, "lstm", 10, 400_000, {}),
    ("adding", 100, "lstm", 10, 400_000, {"forget_bias": 3.0}),
    ("adding", 100, "lstm", 1, 400_000, {"forget_bias": 6.0}),
    ("adding", 100, "gru", 10, 400_000, {}),
    ("adding", 100, "srn", 10, 400_000, {}),
    ("adding", 200, "lstm", 1, 400_000, {"forget_bias": 3.0}),
    ("adding", 200, "lstm", 1, 400_000, {"forget_bias": 6.0}),
    ("adding", 100, "lstm97", 3, 400_000, {}),
    ("adding", 200, "lstm97", 3, 400_000, {}),
    ("adding", 100, "lstm", 10, 400_000, {"forget_bias": CHRONO}),
    ("adding", 200, "lstm", 10, 400_000, {"forget_bias": CHRONO}),
    ("adding", 500, "lstm", 10, 200_000, {"forget_bias": CHRONO}),
    ("adding", 1000, "lstm", 10, 200_000, {"forget_bias": CHRONO}),
    ("order", 100, "lstm", 5, 200_000, {}),
    ("order", 100, "gru", 2, 200_000, {}),
    ("order", 100, "srn", 2, 200_000, {}),
    ("order3", 100, "lstm", 2, 600_000, {}),
    ("copy", 50, "lstm", 3, 64_000, {}),
    ("copy", 50, "lstm", 3, 64_000, {"forget_bias": 3.0}),
    ("copy", 50, "gru", 2, 64_000, {}),
    ("copy", 50, "srn", 2, 64_000, {}),
    ("copy", 100, "lstm", 2, 64_000, {}),
    ("copy", 100, "lstm", 5, 64_000, {"forget_bias": 3.0}),
    ("copy", 100, "lstm", 3, 64_000, {"forget_bias": 6.0}),
    ("copy", 100, "gru", 2, 64_000, {}),
    ("copy", 100, "srn", 2, 64_000, {}),
    ("copy", 1000, "lstm", 1, 32_000, {"forget_bias": 3.0}),
    ("copy", 1000, "lstm", 3, 64_000, {"forget_bias": 6.0}),
    ("copy", 1000, "lstm97", 2, 64_000, {}),
    ("copy", 1000, "lstm", 3, 64_000, {"forget_bias": CHRONO}),
)
"""The runs behind the chapter (``python -m lstmkit.tasks --grid``, ``make longlag-results``): 192 runs,
about two and a half hours of processor time (JOBS=2: 75 minutes on two cores). Ten seeds for every network at
T = 50 and 100, and for the chrono LSTM up to T = 1,000. A run that fails uses its whole budget, so beyond that the
networks that fail early get few seeds, and none where they already failed at a shorter lag."""
EVAL_STEPS = 131_072
"""Sequence steps per forward pass when a test set is evaluated (bounds the memory of long sequences)."""


LR = {"lstm": 3e-3, "gru": 3e-3, "srn": 1e-3, "lstm97": 3e-3}
"""Adam's learning rate for each kind: 3e-3, except for the SRN, which learns nothing with it even on the adding
problem at T = 20 (for the LSTM and the GRU, 1e-3 was no better at T = 50)."""


def default_settings(task: str, model: str) -> Settings:
    """Adam (:data:`LR`), global-norm clipping at 1, batches of 64; the LSTM has 32 cells and a forget-gate bias of
    1, the GRU and the SRN as many hidden units as give them the LSTM's number of weights on ``task``."""
    kinds.get(model, MODEL_KINDS)
    D, K = tasks.n_inputs(task), tasks.get(task).n_outputs
    hidden = kinds.matched_hidden(model, kinds.count_params("lstm", D, LSTM_HIDDEN, K), D, K, sizes=range(1, 1025))
    return Settings(hidden=hidden, lr=LR[model], batch_size=64, clip=1.0, forget_bias=LSTM_FORGET_BIAS)


def build_model(task: str, model: str, hidden: int, *, seed=None, forget_bias: float | str = 1.0,
                T: int | None = None) -> SequenceModel:
    """A SequenceModel of ``model`` with the inputs and outputs of ``task``, computing in :data:`DTYPE`. The LSTM's
    forget bias is a number, or :data:`CHRONO` for chrono initialization with T_max = ``T``."""
    kinds.get(model, MODEL_KINDS)
    forget_bias = parse_forget_bias(forget_bias)
    if model != "lstm":
        options = {}
    elif forget_bias == CHRONO:
        if T is None:
            raise ValueError("T: chrono initialization needs the task's lag T (T_max = T), got None")
        options = {"chrono": T}
    else:
        options = {"forget_bias": forget_bias}
    return SequenceModel.build(model, tasks.n_inputs(task), hidden, tasks.get(task).n_outputs, seed=seed,
                               dtype=DTYPE, **options)


def parse_forget_bias(value) -> float | str:
    """A forget bias as runs record it: a float, or :data:`CHRONO`."""
    if value == CHRONO:
        return CHRONO
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"forget_bias: expected a number or {CHRONO!r}, got {value!r}") from None


def training_batch(task: str, T: int, rng, n: int) -> Batch:
    """n fresh sequences of ``task`` drawn with ``rng``, as :func:`lstmkit.train.train_stream` takes them."""
    b = tasks.generate(task, n, T, seed=rng)
    Y, last = b.loss_targets(DTYPE)
    return Batch(b.X.astype(DTYPE), Y, b.mask, last)


def batch_correct(task: str):
    """The cheap check on the batch just trained on: every sequence processed correctly at its last step."""
    def check(logits, Y, last):
        return bool(tasks.processed_correctly(task, tasks.outputs_from_logits(task, logits[last]), Y[last]).all())
    return check


class HeldOut:
    """The test set of a run: ``tasks.N_TEST`` sequences drawn from ``seed`` in chunks of at most
    :data:`EVAL_STEPS` steps, drawn again at every evaluation instead of being kept (at T = 1,000 the copy
    task's one-hot inputs would take a gigabyte)."""

    def __init__(self, task: str, T: int, seed, n: int = tasks.N_TEST):
        self.task, self.T, self.n = task, T, n
        per = max(1, EVAL_STEPS // (T + T // 10 + 100))
        sizes = [min(per, n - k) for k in range(0, n, per)]
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.chunks = list(zip(sizes, root.spawn(len(sizes))))

    def evaluate(self, model, stop_after: int | None = None) -> dict:
        """{'wrong': sequences not processed correctly, 'error': mean over the sequences seen of the largest
        absolute error of a final output, 'seen': sequences evaluated}; stops early once more than
        ``stop_after`` are wrong."""
        wrong = seen = 0
        error = 0.0
        for size, seed in self.chunks:
            b = tasks.generate(self.task, size, self.T, seed=seed)
            out = tasks.outputs_from_logits(self.task, b.final(model.forward(b.X.astype(DTYPE), b.mask)))
            ok = tasks.processed_correctly(self.task, out, b.target)
            want = b.target if out.shape[1] == 1 else np.eye(out.shape[1])[b.target]
            error += float(np.abs(out - want).max(axis=1).sum())
            wrong, seen = wrong + int((~ok).sum()), seen + size
            if stop_after is not None and wrong > stop_after:
                break
        return {"wrong": wrong, "error": error / seen, "seen": seen}


def run_seed(task: str = "adding", T: int = 100, model: str = "lstm", seed: int = 0, *,
             hidden: int | None = None, lr: float | None = None, batch_size: int | None = None,
             forget_bias: float | str | None = None, max_sequences: int = 200_000, progress=False,
             return_model: bool = False):
    """One run of ``model`` on ``task`` at minimal length ``T`` from ``seed`` (initial weights, training stream
    and test set all come from it), with at most ``max_sequences`` training sequences.

    Returns a record: task, T, model, seed, solved, sequences, seconds (wall time of the whole run), cpu_seconds
    (the processor time it took: on a busy machine the fair measure of its cost), updates,
    n_params, max_sequences, settings, test_wrong (test sequences wrong when training stopped), test_seen,
    test_error (mean largest absolute error of a final output), final_loss; with return_model, (record, model).
    """
    tasks.get(task)
    base = default_settings(task, model)
    s = Settings(hidden=base.hidden if hidden is None else int(hidden), lr=base.lr if lr is None else float(lr),
                 batch_size=base.batch_size if batch_size is None else int(batch_size), clip=base.clip,
                 forget_bias=base.forget_bias if forget_bias is None else parse_forget_bias(forget_bias))
    start, cpu = time.perf_counter(), time.process_time()
    s_model, s_train, s_test = np.random.SeedSequence(seed).spawn(3)
    net = build_model(task, model, s.hidden, seed=int(s_model.generate_state(1)[0]), forget_bias=s.forget_bias, T=T)
    test = HeldOut(task, T, s_test)
    last = {}

    def criterion(m):
        last.update(test.evaluate(m, stop_after=tasks.allowed_wrong(test.n)))
        return tasks.solved(last["wrong"], test.n)

    options = TrainOptions(loss=tasks.get(task).loss, optimizer=s.optimizer, lr=s.lr, batch_size=s.batch_size,
                           clip=s.clip, max_sequences=max_sequences, criterion=criterion,
                           batch_check=batch_correct(task), gate_streak=STREAK, seed=s_train, progress=progress,
                           desc=f"{model} {task} T={T} seed {seed}")
    result = train_stream(net, lambda rng, n: training_batch(task, T, rng, n), options)
    if not result.solved:
        last = test.evaluate(net)
    record = {"task": task, "T": int(T), "model": model, "seed": int(seed), "solved": result.solved,
              "sequences": int(result.sequences), "seconds": round(time.perf_counter() - start, 4),
              "cpu_seconds": round(time.process_time() - cpu, 4),
              "updates": result.updates, "n_params": net.n_params, "max_sequences": int(max_sequences),
              "settings": s.__dict__.copy(), "test_wrong": last["wrong"], "test_seen": last["seen"],
              "test_error": round(last["error"], 6),
              "final_loss": round(result.history[-1]["loss"], 6) if result.history else None}
    return (record, net) if return_model else record


def summarize(records) -> list[dict]:
    """One row per (task, T, model): runs, solved, median sequences and seconds over the solved runs (None when
    none solved), median seconds over all runs, the budget and the weights."""
    groups = {}
    for r in records:
        groups.setdefault((r["task"], r["T"], r["model"], forget_bias_of(r)), []).append(r)
    rows = []
    for (task, T, model, fb), rs in sorted(groups.items(), key=lambda kv: (kv[0][:3], _bias_order(kv[0][3]))):
        ok = [r for r in rs if r["solved"]]
        rows.append({
            "task": task, "T": T, "model": model, "forget_bias": fb, "runs": len(rs), "solved": len(ok),
            "median_sequences": statistics.median(r["sequences"] for r in ok) if ok else None,
            "median_seconds": statistics.median(r["seconds"] for r in ok) if ok else None,
            "median_seconds_all": statistics.median(r["seconds"] for r in rs),
            "budget": max(r["max_sequences"] for r in rs), "n_params": rs[0]["n_params"],
            "median_test_error": statistics.median(r["test_error"] for r in rs),
        })
    return rows


def forget_bias_of(record):
    """The LSTM's initial forget-gate bias of a record: a number or :data:`CHRONO` (None for the other kinds)."""
    return record["settings"]["forget_bias"] if record["model"] == "lstm" else None


def _bias_order(fb):
    return (1, 0.0) if fb == CHRONO else (0, fb or 0.0)


def label(model: str, forget_bias: float | None = None) -> str:
    """How tables and plots name a network: 'LSTM', 'GRU', 'SRN'; an LSTM whose forget bias is not the default
    one carries it ('LSTM, forget bias 3', 'LSTM, chrono init')."""
    name = "LSTM, 1997 cell" if model == "lstm97" else model.upper()
    if model == "lstm" and forget_bias == CHRONO:
        name += ", chrono init"
    elif model == "lstm" and forget_bias is not None and forget_bias != LSTM_FORGET_BIAS:
        name += f", forget bias {forget_bias:g}"
    return name


def format_table(rows) -> str:
    """The summary rows as a plain-text table."""
    head = ("task", "T", "model", "weights", "solved", "median seq", "median s", "budget", "test error")
    lines = [head]
    for r in rows:
        lines.append((r["task"], str(r["T"]), label(r["model"], r["forget_bias"]), str(r["n_params"]),
                      f"{r['solved']}/{r['runs']}",
                      "-" if r["median_sequences"] is None else f"{r['median_sequences']:,.0f}",
                      "-" if r["median_seconds"] is None else f"{r['median_seconds']:.1f}",
                      f"{r['budget']:,}", f"{r['median_test_error']:.3f}"))
    widths = [max(len(row[k]) for row in lines) for k in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in lines)


def run_key(r):
    """What makes two records the same run (a run done again replaces the old one in --append)."""
    return r["task"], r["T"], r["model"], r["seed"], r["max_sequences"], forget_bias_of(r)


def save_runs(path, records, *, append=False):
    """Write {'runs': records} to ``path``; with append, keep the old runs that ``records`` does not redo."""
    _save_runs(path, records, run_key, append=append)


NETWORKS = (("lstm", None), ("lstm", 3.0), ("lstm", CHRONO), ("gru", None), ("srn", None))
"""The networks of the gradient figure: (kind, the LSTM's forget bias or None for the default)."""


def gradient_curves(task: str = "adding", T: int = 100, seed: int = 0, *, max_sequences: int = 200_000,
                    n: int = 64, networks=NETWORKS) -> dict:
    """For each network of ``networks``: the gradient curves of :func:`lstmkit.gradflow.state_gradients` on n
    test sequences, at initialization and after :func:`run_seed` (its record too), keyed by :func:`label`.
    Lists, ready for JSON."""
    batch = tasks.generate(task, n, T, seed=np.random.SeedSequence(seed).spawn(4)[3])
    out = {"task": task, "T": int(T), "seed": int(seed), "models": {}}
    for model, forget_bias in networks:
        s = default_settings(task, model)
        fb = s.forget_bias if forget_bias is None else forget_bias
        s_model = np.random.SeedSequence(seed).spawn(3)[0]
        start = build_model(task, model, s.hidden, seed=int(s_model.generate_state(1)[0]), forget_bias=fb, T=T)
        record, net = run_seed(task, T, model, seed, max_sequences=max_sequences, forget_bias=forget_bias,
                               return_model=True)
        out["models"][label(model, forget_bias)] = {"record": record, **{
            when: {k: v.tolist() for k, v in gradflow.state_gradients(m, batch).items()}
            for when, m in (("initial", start), ("trained", net))}}
    return out


def _forget_bias_arg(text):
    try:
        return parse_forget_bias(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m lstmkit.tasks",
        description="Train networks on a long-time-lag task of Hochreiter & Schmidhuber (1997) over several "
                    "seeds: the adding problem (experiment 4), temporal order (6a, 6b: order, order3) or the "
                    "copy task (2c).")
    p.add_argument("--task", choices=tuple(tasks.TASKS), default="adding")
    p.add_argument("--T", type=int, default=100, help="minimal sequence length (the copy task: its q)")
    p.add_argument("--model", choices=MODEL_KINDS, default="lstm")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--max-sequences", type=int, default=200_000, help="budget of training sequences per seed")
    p.add_argument("--hidden", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--forget-bias", type=_forget_bias_arg, default=None,
                   help=f"the LSTM's initial forget-gate bias (default {LSTM_FORGET_BIAS:g}), or {CHRONO!r} for "
                        "chrono initialization with T_max = T (Tallec & Ollivier 2018)")
    p.add_argument("--json", default=None, help="write {'runs': [...]} to this file")
    p.add_argument("--append", action="store_true",
                   help="add the runs to those already in --json instead of replacing them")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--grid", action="store_true",
                   help="instead of --task, --T, --model and --seeds: run every row of longlag.GRID, each with its "
                        "own budget, appending each row's runs to --json as it finishes")
    p.add_argument("--gradients", default=None, metavar="PATH",
                   help="instead of the seeds: train --first-seed of every model and write the gradient norms "
                        "through time, at initialization and trained, to PATH")
    add_parallel_options(p)
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error(f"--seeds: expected a positive number, got {args.seeds}")
    try:
        tasks.generate(args.task, 1, args.T, seed=0)
    except ValueError as exc:
        p.error(f"--T: {exc}")
    if args.gradients:
        curves = gradient_curves(args.task, args.T, args.first_seed, max_sequences=args.max_sequences)
        with open(args.gradients, "w") as f:
            json.dump(curves, f, indent=1)
        for name, c in curves["models"].items():
            print(f"{name}: {'solved' if c['record']['solved'] else 'not solved'}; trained, the gradient at the "
                  "first step relative to the answer: " + ", ".join(f"{k} {c['trained'][k][-1]:.1e}"
                                                                     for k in ("c", "h", "x") if k in c["trained"]))
        return 0
    here = args.jobs == 1 and args.scheduler is None
    given = dict(hidden=args.hidden, lr=args.lr, batch_size=args.batch_size, forget_bias=args.forget_bias)
    rows = GRID if args.grid else [(args.task, args.T, args.model, args.seeds, args.max_sequences, {})]
    records = []
    for k, (task, T, model, seeds, budget, options) in enumerate(rows):
        calls = [dict(given, task=task, T=T, model=model, seed=seed, max_sequences=budget,
                      progress=here and not args.quiet, **options)
                 for seed in range(args.first_seed, args.first_seed + seeds)]
        done = run_all(run_seed, calls, jobs=args.jobs, scheduler=args.scheduler, report=_report)
        if args.json:
            save_runs(args.json, done, append=args.append or k > 0)
        records += done
    print(format_table(summarize(records)))
    return 0


def _report(r):
    print(f"{label(r['model'], forget_bias_of(r))} {r['task']} T={r['T']} seed {r['seed']}: "
          f"{'solved' if r['solved'] else 'not solved'} "
          f"after {r['sequences']:,} sequences in {r['seconds']:.1f} s ({r['test_wrong']} of "
          f"{r['test_seen']:,} test sequences wrong)", flush=True)
