"""The model kinds, defined once: which layer each is, with which options, how it is trained and drawn.

    >>> from lstmkit.kinds import KINDS, count_params
    >>> KINDS["lstm97"].layer, KINDS["lstm97"].options
    ('LSTM', {'forget_gate': False})
    >>> count_params("lstm", 7, 32, 7)          # an LSTM layer of 32 units on 7 inputs, and a Dense readout
    5479

:meth:`lstmkit.train.SequenceModel.build` builds a kind, the Reber experiments (:mod:`lstmkit.experiments`)
train every kind, and :mod:`lstmkit.plots` draws each in its ``style``. To add a kind, add one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .cells import lstm_gate_names
from .layers import GRU, LSTM, RNN

LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


@dataclass(frozen=True)
class Kind:
    """One model kind.

    layer: the lstmkit layer class's name; options: keyword arguments of that layer; truncate: the
    truncated-BPTT length it is trained with (None: full BPTT); style: matplotlib keywords of its line in
    plots; about: one line for people.
    """

    name: str
    layer: str
    about: str
    style: dict
    options: dict = field(default_factory=dict)
    truncate: int | None = None

    @property
    def n_gates(self) -> int:
        """Gate blocks of the layer (rows of weight_ih in units of hidden_size)."""
        if self.layer == "LSTM":
            return len(lstm_gate_names(self.options.get("forget_gate", True), self.options.get("coupled", False)))
        return len(LAYERS[self.layer].gates)


def _kinds(*kinds):
    return {k.name: k for k in kinds}


KINDS = _kinds(
    Kind("srn", "RNN", "Elman's simple recurrent network, trained with full BPTT",
         dict(color="tab:red", marker="x", label="SRN")),
    Kind("rnn", "RNN", "the same network as srn (PyTorch's name)",
         dict(color="tab:red", marker="x", label="RNN")),
    Kind("elman", "RNN", "the SRN trained as Elman (1990) did: the gradient stops at the previous state",
         dict(color="tab:orange", marker="v", label="SRN, one-step gradient"), truncate=1),
    Kind("lstm", "LSTM", "LSTM with a forget gate",
         dict(color="tab:blue", marker="o", label="LSTM")),
    Kind("lstm97", "LSTM", "the 1997 LSTM cell (no forget gate)",
         dict(color="tab:purple", marker="s", label="LSTM (1997 cell)"), {"forget_gate": False}),
    Kind("gru", "GRU", "gated recurrent unit",
         dict(color="tab:green", marker="^", label="GRU")),
)


def get(kind: str, choices=None) -> Kind:
    """The Kind named ``kind``; ValueError naming the choices (all kinds, or ``choices``) otherwise."""
    choices = tuple(KINDS) if choices is None else tuple(choices)
    if kind not in choices:
        raise ValueError(f"kind: expected one of {sorted(choices)}, got {kind!r}")
    return KINDS[kind]


def count_params(kind: str, input_size: int, hidden_size: int, output_size: int, num_layers: int = 1) -> int:
    """Trainable numbers of ``num_layers`` stacked ``kind`` layers of ``hidden_size`` units (the first on
    ``input_size`` inputs, each other on the outputs of the one below) plus a Dense readout to ``output_size``
    outputs (two bias vectors per layer, as in PyTorch).

    >>> count_params("lstm", 98, 128, 98, num_layers=2)       # the text chapter's LSTM
    261474
    """
    G, H = get(kind).n_gates, hidden_size
    return (G * H * (input_size + H + 2) + (num_layers - 1) * G * H * (2 * H + 2)
            + output_size * H + output_size)


def matched_hidden(kind: str, target: int, input_size: int, output_size: int, num_layers: int = 1,
                   sizes=range(1, 2049)) -> int:
    """The hidden size of ``kind`` (among ``sizes``) whose :func:`count_params` is closest to ``target``: how
    models of different kinds are compared at equal weight counts."""
    return min(sizes, key=lambda h: (abs(count_params(kind, input_size, h, output_size, num_layers) - target), h))
