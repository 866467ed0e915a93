"""The recorded runs of the Reber experiments and the trained language models of the text chapter, shipped with
lstmkit as package data.

Chapter 5 of the book reads the results of runs that take too long to repeat at every build: ``make
reber-results`` makes them once with ``python -m lstmkit.reber`` (lstmkit/experiments.py) and writes them into
``lstmkit/data/``. They travel with the package, so the chapter's notebook runs anywhere lstmkit is installed (a
download, Colab), whatever the working folder::

    from lstmkit.results import load_arrays, load_record, load_runs
    runs = load_runs("reber_runs.json")        # a list of dicts, one per run (see experiments.run_seed)
    record = load_record("charlm.json")         # the language models: settings, text, bits per character
    weights = load_arrays("charlm_lstm.npz")    # name -> array (lstmkit.charlm.experiment.load_model)

``make text-results`` makes the language models (``python -m lstmkit.charlm``, lstmkit/charlm/experiment.py).
"""
from __future__ import annotations

import json
from importlib import resources

import numpy as np

RESULTS = ("reber_runs.json", "reber_elman_runs.json", "reber_small_runs.json", "reber_lag_runs.json")
"""The result files: LSTM and SRN on both grammars; Elman's one-step gradient; the 15-unit SRN; longer gaps."""

TEXT_RESULTS = ("charlm.json", "charlm_lstm.npz", "charlm_gru.npz", "charlm_srn.npz")
"""The text chapter's record and the weights of its three language models."""


def _data_file(name: str, known: tuple, target: str):
    if name not in known:
        raise ValueError(f"name: expected one of {known}, got {name!r}")
    source = resources.files("lstmkit").joinpath("data", name)
    if not source.is_file():
        raise FileNotFoundError(f"lstmkit/data/{name} is missing: run `make {target}` in the repository")
    return source


def load_runs(name: str) -> list[dict]:
    """The runs recorded in the result file ``name`` (one of :data:`RESULTS`), as a list of dicts."""
    return json.loads(_data_file(name, RESULTS, "reber-results").read_text(encoding="utf8"))["runs"]


def load_record(name: str) -> dict:
    """The JSON record ``name`` of :data:`TEXT_RESULTS`, as a dict."""
    if not name.endswith(".json"):
        raise ValueError(f"name: expected a .json file of {TEXT_RESULTS}, got {name!r}")
    return json.loads(_data_file(name, TEXT_RESULTS, "text-results").read_text(encoding="utf8"))


def load_arrays(name: str) -> dict:
    """The arrays saved in the .npz file ``name`` of :data:`TEXT_RESULTS`: {array name: numpy array}."""
    if not name.endswith(".npz"):
        raise ValueError(f"name: expected a .npz file of {TEXT_RESULTS}, got {name!r}")
    with _data_file(name, TEXT_RESULTS, "text-results").open("rb") as f, np.load(f) as z:
        return {k: z[k] for k in z.files}
