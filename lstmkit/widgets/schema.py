"""The state of each explorer, written once.

An explorer's state is every value its view computes from: the numbers its controls set, and fixed data
(weights, input sequences) that travels with the view so that the browser and numpy see the same numbers.
Each value is declared here once, as a :class:`Field` of the explorer's :class:`Schema`. From it

- :mod:`lstmkit.widgets.views` makes the view's synced traits (name, type, default, range) and sends the
  names to the browser in the trait ``_state_keys``, from which ``js/ui.js`` reads the state it draws;
- :mod:`lstmkit.widgets.explorers` makes every name an attribute of the explorer;
- :mod:`lstmkit.widgets.twins` checks that a state handed to a numpy twin has every name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import init
from ..cells import lstm_gate_names

GATES = lstm_gate_names()
SCHEDULES = ("constant", "erase", "overwrite")
ACTIVATIONS = ("tanh", "relu", "linear")
VARIANTS = ("standard", "peephole", "coupled", "gru")
PATTERNS = ("pulse", "step", "sine", "random")


@dataclass(frozen=True)
class Field:
    """One value of an explorer's state.

    kind: 'float' or 'int' (a number; lo and hi its allowed range, None for no bound), 'dict' or 'list'
    (fixed nested lists of numbers). default: the value, or for 'dict' and 'list' a function of no
    arguments that makes it.
    """

    name: str
    kind: str
    default: float | int | Callable[[], dict | list]
    lo: float | None = None
    hi: float | None = None


def number(name: str, default: float, lo: float | None = None, hi: float | None = None) -> Field:
    return Field(name, "float", float(default), lo, hi)


def integer(name: str, default: int, lo: int, hi: int) -> Field:
    return Field(name, "int", int(default), lo, hi)


@dataclass(frozen=True)
class Schema:
    """The state of one explorer: its fields, and ``front_end``, the name of its file in ``js/``."""

    front_end: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def require(self, state: dict, where: str) -> None:
        """Raise ValueError naming the keys of this state that ``state`` lacks (``where``: who asks)."""
        missing = [k for k in self.names if k not in state]
        if missing:
            raise ValueError(f"state: {where} needs the keys {sorted(self.names)}, missing {missing}")


# ============================================================================ fixed data of the views
def vanishing_data(seed=0, steps=50, hidden=16, inputs=4):
    """The fixed weights and inputs of the vanishing-gradient explorer, drawn from a seeded generator.

    Returns a dict of nested lists (they travel to the browser in the widget state, so the JavaScript and
    numpy see exactly the same numbers): Q (H, H) orthogonal (the RNN's W_hh is rho Q); rnn_weight_ih
    (H, D); X (T, D) inputs, standard normal; lstm_weight_ih (4H, D); lstm_weight_hh (4H, H), one
    orthogonal (H, H) block per gate (scaled by rho as well); e (H,) = 1 / sqrt(H), the loss L = e . h_T.
    """
    for name, value in (("steps", steps), ("hidden", hidden), ("inputs", inputs)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name}: expected an int >= 1, got {value!r}")
    if steps < 2:
        raise ValueError(f"steps: expected an int >= 2, got {steps!r}")
    rng = np.random.default_rng(seed)
    H, D, T = int(hidden), int(inputs), int(steps)
    data = {
        "Q": init.orthogonal((H, H), rng),
        "rnn_weight_ih": init.xavier_uniform((H, D), rng),
        "X": rng.standard_normal((T, D)),
        "lstm_weight_ih": init.xavier_uniform((4 * H, D), rng),
        "lstm_weight_hh": np.concatenate([init.orthogonal((H, H), rng) for _ in GATES]),
        "e": np.full(H, 1 / np.sqrt(H)),
    }
    return {k: v.tolist() for k, v in data.items()}


def variant_params():
    """The per-gate scalars shared by the variant switch's four cells (one unit, one input).

    lstm_w_x, lstm_w_h, lstm_b: 4 values each in gate order i, f, g, o; the coupled cell uses the i, g, o
    rows; the peephole cell adds peep_i = peep_f = peep_o = the ``peephole`` control. gru_w_x, gru_w_h,
    gru_b: 3 values each in gate order r, z, n; z is set up as the GRU's 'keep' gate, like f. The
    ``forget_bias`` control is added to the f bias and to the z bias.
    """
    return {"lstm_w_x": [2.0, 1.0, 2.0, 1.0], "lstm_w_h": [0.5, 0.5, 1.0, 0.5], "lstm_b": [0.0, 0.0, 0.0, 0.0],
            "gru_w_x": [1.0, -2.0, 2.0], "gru_w_h": [0.5, -0.5, 1.0], "gru_b": [0.0, 0.0, 0.0]}


def variant_patterns(steps=16, seed=0):
    """The input sequences of the variant switch, one list of ``steps`` floats per name in PATTERNS.

    pulse: 1 at step 1, then 0; step: 0 for the first quarter, then 1; sine: sin(2 pi t / 8);
    random: uniform on [-1, 1] from a seeded generator. The amplitude control multiplies them.
    """
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps: expected an int >= 1, got {steps!r}")
    t = np.arange(int(steps))
    rng = np.random.default_rng(seed)
    return [
        (t == 0).astype(float).tolist(),
        (t >= steps // 4).astype(float).tolist(),
        np.sin(2 * np.pi * t / 8).tolist(),
        rng.uniform(-1, 1, size=int(steps)).tolist(),
    ]


# ================================================================================ the four schemas
GATE = Schema("gate_explorer", (
    number("x", 1.0), number("h_prev", 0.0), number("c_prev", 0.5),
    *(number(f"w_x{k}", v) for k, v in zip(GATES, (1.0, 1.0, 1.5, 1.0))),
    *(number(f"w_h{k}", v) for k, v in zip(GATES, (0.5, 0.5, 1.0, 0.5))),
    *(number(f"b_{k}", v) for k, v in zip(GATES, (0.0, 1.0, 0.0, 0.0))),
))
"""One LSTM step, one unit and one input: x, h_prev, c_prev and each gate's weights w_xk, w_hk and bias b_k."""

MEMORY = Schema("memory_explorer", (
    integer("T", 50, 1, 1000), number("f", 0.95, 0.0, 1.0), number("i", 0.5, 0.0, 1.0),
    number("v", 1.0), number("d", 0.0), number("w", 1.0),
    integer("schedule", 0, 0, len(SCHEDULES) - 1), integer("erase_step", 25, 2, 1000),
))
"""A value v stored in the cell state over T steps (gates f, i, later input d), next to an RNN of weight w;
``schedule`` indexes SCHEDULES, applied at step ``erase_step``."""

VANISHING = Schema("vanishing_explorer", (
    number("rho", 1.0, 0.0), integer("activation_index", 0, 0, len(ACTIVATIONS) - 1), number("forget_bias", 1.0),
    Field("data", "dict", vanishing_data),
))
"""Gradient norms against lag: spectral radius rho, the RNN's activation (index into ACTIVATIONS), the
LSTM's forget bias, and the weights and inputs :func:`vanishing_data` draws."""

VARIANT = Schema("variant_switch", (
    integer("variant_index", 0, 0, len(VARIANTS) - 1), integer("pattern_index", 0, 0, len(PATTERNS) - 1),
    number("amplitude", 1.5), number("forget_bias", 1.0), number("peephole", 1.0),
    Field("params", "dict", variant_params), Field("patterns", "list", variant_patterns),
))
"""Four cells on the same inputs: the selected cell and input pattern (indices into VARIANTS, PATTERNS),
the input's amplitude, the forget (z) bias, the peephole weight, and the fixed :func:`variant_params` and
:func:`variant_patterns`."""
