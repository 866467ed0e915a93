"""The recorded runs of the experiments, shipped with lstmkit as package data.

The book's chapters read the results of runs that take too long to repeat at every build: ``make
reber-results`` makes the Reber ones with ``python -m lstmkit.reber`` (lstmkit/experiments.py), ``make
longlag-results`` the long-time-lag ones with ``python -m lstmkit.tasks`` (lstmkit/longlag.py), and both write
them into ``lstmkit/data/``. They travel with the package, so a chapter's notebook runs anywhere lstmkit is
installed (a download, Colab), whatever the working folder::

    from lstmkit.results import load_runs, load_data
    runs = load_runs("reber_runs.json")        # a list of dicts, one per run (see experiments.run_seed)
    curves = load_data("longlag_gradients.json")   # a whole file (see longlag.gradient_curves)
"""
from __future__ import annotations

import json
from importlib import resources

RESULTS = ("reber_runs.json", "reber_elman_runs.json", "reber_small_runs.json", "reber_lag_runs.json",
           "longlag_runs.json", "longlag_gradients.json")
"""The result files: LSTM and SRN on both grammars; Elman's one-step gradient; the 15-unit SRN; longer gaps; the
long-time-lag tasks (LSTM, GRU, SRN against T); the gradient through time of trained networks."""


def load_data(name: str) -> dict:
    """The whole result file ``name`` (one of :data:`RESULTS`), as JSON gives it."""
    if name not in RESULTS:
        raise ValueError(f"name: expected one of {RESULTS}, got {name!r}")
    source = resources.files("lstmkit").joinpath("data", name)
    if not source.is_file():
        target = "longlag-results" if name.startswith("longlag") else "reber-results"
        raise FileNotFoundError(f"lstmkit/data/{name} is missing: run `make {target}` in the repository")
    return json.loads(source.read_text(encoding="utf8"))


def load_runs(name: str) -> list[dict]:
    """The runs recorded in the result file ``name`` (one of :data:`RESULTS`), as a list of dicts."""
    data = load_data(name)
    if "runs" not in data:
        raise ValueError(f"name: {name} holds no list of runs; read it with load_data")
    return data["runs"]
