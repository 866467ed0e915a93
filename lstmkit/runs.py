"""What the experiments share: a kind's training settings, models of equal size, the results file, and running
many seeds at once on local processes or a Dask cluster.

The Reber experiments (:mod:`lstmkit.experiments`) and the long-time-lag experiments (:mod:`lstmkit.longlag`)
both record one dict per run (a *record*: model, seed, solved, sequences, seconds, ...), write them with
:func:`save_runs` and run them with :func:`run_all`::

    records = run_all(run_seed, [dict(model="lstm", seed=s) for s in range(10)], jobs=2)
    records = run_all(run_seed, calls, scheduler="tcp://127.0.0.1:8786")      # on a Dask cluster

A run depends on its arguments only (every random draw comes from its seed), so the records are the same
wherever it ran, its ``seconds`` aside, on machines with the same numpy and BLAS kernels.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context


ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
"""The variables that hold a BLAS to one thread: a parallel run uses processes, one thread each."""


@dataclass(frozen=True)
class Settings:
    """Hyperparameters of one model kind in an experiment."""

    hidden: int
    lr: float
    batch_size: int = 16
    clip: float | None = 1.0
    forget_bias: float | str = 1.0
    optimizer: str = "adam"
    truncate: int | None = None


def save_runs(path, runs, key, *, append=False):
    """Write {'runs': runs} to ``path``; with append, keep the runs already there whose ``key(record)`` none of
    ``runs`` has (a run done again replaces the old one)."""
    old = []
    if append:
        try:
            with open(path) as f:
                old = json.load(f)["runs"]
        except FileNotFoundError:
            old = []
        new_keys = {key(r) for r in runs}
        old = [r for r in old if key(r) not in new_keys]
    with open(path, "w") as f:
        json.dump({"runs": old + runs}, f, indent=1)


def run_all(fn, calls, *, jobs: int = 1, scheduler: str | None = None, report=None) -> list:
    """``[fn(**call) for call in calls]``, run here (jobs=1), on ``jobs`` local processes, or on the Dask
    cluster whose scheduler is at ``scheduler``. ``fn`` must be importable by name (a module's function).
    report: called with each record as it arrives (in the order they finish). Returns the records in the
    order of ``calls``."""
    calls = [dict(c) for c in calls]
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs: expected a positive integer, got {jobs!r}")
    if scheduler is not None:
        return _on_dask(fn, calls, scheduler, report)
    if jobs == 1:
        out = []
        for call in calls:
            out.append(fn(**call))
            if report:
                report(out[-1])
        return out
    return _on_processes(fn, calls, jobs, report)


def _on_processes(fn, calls, jobs, report):
    saved = {v: os.environ.get(v) for v in ONE_THREAD}
    os.environ.update({v: "1" for v in ONE_THREAD})       # inherited by the new processes (spawned: numpy starts
    try:                                                  # afresh in each, and reads them)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(fn, **call): k for k, call in enumerate(calls)}
            return _collect(futures, as_completed(futures), len(calls), report)
    finally:
        for v, value in saved.items():
            if value is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = value


def _collect(futures, finished, n, report):
    out = [None] * n
    for future in finished:
        out[futures[future]] = record = future.result()
        if report:
            report(record)
    return out


def _on_dask(fn, calls, scheduler, report):
    from distributed import Client, as_completed as dask_completed

    from .grading.remote import lstmkit_digest

    try:
        client = Client(scheduler, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise RuntimeError(f"--scheduler: could not reach a Dask scheduler at {scheduler!r} ({exc}); start one "
                           f"with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`") from None
    try:
        here = lstmkit_digest()
        other = sorted(a for a, d in client.run(lstmkit_digest).items() if d != here)
        if other:
            raise RuntimeError(f"--scheduler: workers {other} run a different lstmkit; install this one there "
                               "(the same code gives the same numbers)")
        futures = {client.submit(fn, **call, pure=False): k for k, call in enumerate(calls)}
        return _collect(futures, dask_completed(list(futures)), len(calls), report)
    finally:
        client.close()


def add_parallel_options(parser) -> None:
    """The command-line options of :func:`run_all`: ``--jobs N`` and ``--scheduler ADDRESS``."""
    parser.add_argument("--jobs", type=int, default=1,
                        help="run the seeds on N local processes, one BLAS thread each (default 1: here)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the seeds on the Dask cluster whose scheduler is at ADDRESS "
                             "(e.g. tcp://127.0.0.1:8786); the records are the same as run here")
