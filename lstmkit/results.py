"""The recorded runs of the Reber experiments, shipped with lstmkit as package data.

Chapter 5 of the book reads the results of runs that take too long to repeat at every build: ``make
reber-results`` makes them once with ``python -m lstmkit.reber`` (lstmkit/experiments.py) and writes them into
``lstmkit/data/``. They travel with the package, so the chapter's notebook runs anywhere lstmkit is installed (a
download, Colab), whatever the working folder::

    from lstmkit.results import load_runs
    runs = load_runs("reber_runs.json")        # a list of dicts, one per run (see experiments.run_seed)
"""
from __future__ import annotations

import json
from importlib import resources

RESULTS = ("reber_runs.json", "reber_elman_runs.json", "reber_small_runs.json", "reber_lag_runs.json")
"""The result files: LSTM and SRN on both grammars; Elman's one-step gradient; the 15-unit SRN; longer gaps."""


def load_runs(name: str) -> list[dict]:
    """The runs recorded in the result file ``name`` (one of :data:`RESULTS`), as a list of dicts."""
    if name not in RESULTS:
        raise ValueError(f"name: expected one of {RESULTS}, got {name!r}")
    source = resources.files("lstmkit").joinpath("data", name)
    if not source.is_file():
        raise FileNotFoundError(f"lstmkit/data/{name} is missing: run `make reber-results` in the repository")
    return json.loads(source.read_text(encoding="utf8"))["runs"]
