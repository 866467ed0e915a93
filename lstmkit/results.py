"""The recorded runs of the experiments and the trained language models of the text chapter, shipped with lstmkit
as package data.

The book's chapters read the results of runs that take too long to repeat at every build: ``make
reber-results`` makes the Reber ones with ``python -m lstmkit.reber`` (lstmkit/experiments.py), ``make
longlag-results`` the long-time-lag ones with ``python -m lstmkit.tasks`` (lstmkit/longlag.py), ``make
text-results`` the language models with ``python -m lstmkit.charlm`` (lstmkit/charlm/experiment.py), and all write
them into ``lstmkit/data/``. They travel with the package, so a chapter's notebook runs anywhere lstmkit is
installed (a download, Colab), whatever the working folder::

    from lstmkit.results import load_arrays, load_data, load_runs
    runs = load_runs("reber_runs.json")             # a list of dicts, one per run (see experiments.run_seed)
    curves = load_data("longlag_gradients.json")    # a whole file (see longlag.gradient_curves)
    record = load_data("charlm.json")               # the language models: settings, text, bits per character
    weights = load_arrays("charlm_lstm.npz")        # name -> array (lstmkit.charlm.experiment.load_model)
"""
from __future__ import annotations

import json
from importlib import resources

import numpy as np

RESULTS = ("reber_runs.json", "reber_elman_runs.json", "reber_small_runs.json", "reber_lag_runs.json",
           "longlag_runs.json", "longlag_gradients.json")
"""The result files: LSTM and SRN on both grammars; Elman's one-step gradient; the 15-unit SRN; longer gaps; the
long-time-lag tasks (LSTM, GRU, SRN against T); the gradient through time of trained networks."""

TEXT_RESULTS = ("charlm.json", "charlm_lstm.npz", "charlm_gru.npz", "charlm_srn.npz")
"""The text chapter's record and the weights of its three language models."""

_MAKE_TARGET = {"reber": "reber-results", "longlag": "longlag-results", "charlm": "text-results"}


def _data_file(name: str, suffix: str):
    known = tuple(n for n in RESULTS + TEXT_RESULTS if n.endswith(suffix))
    if name not in known:
        raise ValueError(f"name: expected one of {known}, got {name!r}")
    source = resources.files("lstmkit").joinpath("data", name)
    if not source.is_file():
        target = _MAKE_TARGET[name.split("_")[0].split(".")[0]]
        raise FileNotFoundError(f"lstmkit/data/{name} is missing: run `make {target}` in the repository")
    return source


def load_data(name: str) -> dict:
    """The whole JSON file ``name`` (one of :data:`RESULTS` or the .json of :data:`TEXT_RESULTS`), as JSON gives
    it."""
    return json.loads(_data_file(name, ".json").read_text(encoding="utf8"))


def load_runs(name: str) -> list[dict]:
    """The runs recorded in the result file ``name`` (one of :data:`RESULTS`), as a list of dicts."""
    data = load_data(name)
    if "runs" not in data:
        raise ValueError(f"name: {name} holds no list of runs; read it with load_data")
    return data["runs"]


def load_arrays(name: str) -> dict:
    """The arrays saved in the .npz file ``name`` of :data:`TEXT_RESULTS`: {array name: numpy array}."""
    with _data_file(name, ".npz").open("rb") as f, np.load(f) as z:
        return {k: z[k] for k in z.files}
