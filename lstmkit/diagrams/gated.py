"""Diagrams of the gated cells: the LSTM built up one block at a time, its variants and the GRU.

One layout for every LSTM cell: the cell state runs along the top (the conveyor belt), the inputs h_{t-1} and x_t
are concatenated on a bus along the bottom, and the gate blocks stand between them from left to right in
lstmkit's weight-row order (:func:`lstmkit.cells.lstm_gate_names`: i, f, g, o; i, g, o without a forget gate).
The GRU uses the same frame with its blocks r, z, n (:data:`lstmkit.cells.GRU_GATE_NAMES`).
"""
from __future__ import annotations

from ..cells import GATE_WORDS, GRU_GATE_NAMES, lstm_gate_names
from .svg import Canvas, Diagram

W, H = 600, 345
BELT, ILINE, LAYER, BUS, BOTTOM = 60, 140, 205, 272, 338
BOX_H = 40
# Where each block stands (x of its centre), in weight-row order.
X = dict(zip(lstm_gate_names(), (170, 250, 330, 410)))
TANH_X, H_X = 485, 522

STAGES = ("f", "ig", "update", "o")
"""The LSTM built up in four steps: forget gate; input gate and candidate; cell update; output gate."""

STAGE_TITLES = {
    "f": "the forget gate",
    "ig": "the input gate and the candidate",
    "update": "the cell update",
    "o": "the output gate",
}

SIGNS = {"i": "σ", "f": "σ", "g": "tanh", "o": "σ", "r": "σ", "z": "σ", "n": "tanh"}


def in_words(gates) -> str:
    """'the input gate, the forget gate, the candidate and the output gate' for ``gates``, in their order."""
    words = [f"the {GATE_WORDS[g]}" for g in gates]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _frame(c: Canvas, gates, *, bus_to: float) -> None:
    """Panel, the bus of [h_{t-1}, x_t] and the arrows from it into each block."""
    c.panel(52, 24, 492, 282)
    c.path([(8, BUS), (bus_to, BUS)], arrow=False)
    c.text(10, BUS - 16, "h_{t-1}", anchor="start")
    c.path([(110, BOTTOM), (110, BUS)], arrow=False)
    c.dot(110, BUS)
    c.text(122, BOTTOM - 10, "x_t", anchor="start")
    c.text(128, BUS + 18, "[h_{t-1}, x_t]", on="panel", anchor="start", size=16)
    for g in gates:
        c.path([(X[g], BUS), (X[g], LAYER + BOX_H / 2)])


def _layer(c: Canvas, g: str, color: str = "") -> None:
    c.layer(X[g], LAYER, SIGNS[g], gate=g, color=color)


def _belt(c: Canvas, *, times: bool, plus: bool, color: str = "") -> None:
    """The cell state from c_{t-1} to c_t, with the forget gate's × and the + of the update where present."""
    stops = [8] + ([X["f"]] if times else []) + ([X["g"]] if plus else []) + [W - 8]
    for a, b in zip(stops, stops[1:]):
        start = a + 15 if a != 8 else a
        end = b - 15 if b != W - 8 else b
        c.path([(start, BELT), (end, BELT)], color="belt", thick=True, arrow=b == W - 8)
    c.text(10, BELT - 20, "c_{t-1}", color="belt", anchor="start")
    c.text(W - 10, BELT - 20, "c_t", color="belt", anchor="end")
    if times:
        c.op(X["f"], BELT, "×", color=color)


def _forget(c: Canvas, color: str = "") -> None:
    _layer(c, "f", color)
    c.path([(X["f"], LAYER - BOX_H / 2), (X["f"], BELT + 15)], color=color)
    c.text(X["f"] + 8, LAYER - 38, "f_t", on="panel", color=color, anchor="start")


def _input(c: Canvas, color: str = "", *, coupled: bool = False, hop_f: bool = True) -> None:
    """Input gate and candidate: i_t × g_t at a node below the belt; with ``coupled``, 1 − i_t closes the belt."""
    _layer(c, "i", color)
    _layer(c, "g", color)
    hops = [(X["f"], ILINE)] if hop_f else []
    c.path([(X["i"], LAYER - BOX_H / 2), (X["i"], ILINE), (X["g"] - 15, ILINE)], color=color, hops=hops)
    c.path([(X["g"], LAYER - BOX_H / 2), (X["g"], ILINE + 15)], color=color)
    c.op(X["g"], ILINE, "×", color=color)
    c.text(X["i"] + 8, LAYER - 38, "i_t", on="panel", color=color, anchor="start")
    c.text(X["g"] + 8, LAYER - 38, "g_t", on="panel", color=color, anchor="start")
    if coupled:
        c.dot(X["f"], ILINE, color=color)
        c.path([(X["f"], ILINE), (X["f"], 120)], color=color)
        c.op(X["f"], 108, "1 −", r=12, wide=40, color=color)
        c.path([(X["f"], 96), (X["f"], BELT + 15)], color=color)
        c.text(X["f"] - 34, 108, "f_t = 1 − i_t", on="panel", color=color, anchor="end", size=16)


def _update(c: Canvas, color: str = "") -> None:
    c.path([(X["g"], ILINE - 15), (X["g"], BELT + 15)], color=color)
    c.op(X["g"], BELT, "+", color=color)


def _output(c: Canvas, color: str = "") -> None:
    _layer(c, "o", color)
    c.dot(TANH_X, BELT, color=color)
    c.path([(TANH_X, BELT), (TANH_X, 112)], color=color)
    c.op(TANH_X, 125, "tanh", r=13, wide=54, color=color)
    c.path([(TANH_X, 138), (TANH_X, LAYER - 15)], color=color)
    c.op(TANH_X, LAYER, "×", color=color)
    c.path([(X["o"] + 29, LAYER), (TANH_X - 15, LAYER)], color=color)
    c.text(X["o"] + 8, LAYER - 38, "o_t", on="panel", color=color, anchor="start")
    c.path([(TANH_X + 15, LAYER), (H_X, LAYER), (H_X, 292), (W - 8, 292)], color=color)
    c.dot(H_X, 292, color=color)
    c.path([(H_X, 292), (H_X, BOTTOM)], color=color)
    c.text(W - 10, 276, "h_t", color=color, anchor="end")
    c.text(H_X - 10, BOTTOM - 8, "output h_t", color=color, anchor="end", size=16)


def lstm_stage(stage: str) -> Diagram:
    """The LSTM cell as it is after ``stage`` (one of :data:`STAGES`), the parts that stage adds in the accent
    colour, drawn thicker: 'f' the forget gate, 'ig' the input gate and candidate, 'update' the cell update,
    'o' the output gate (the whole cell)."""
    if stage not in STAGES:
        raise ValueError(f"stage: expected one of {STAGES}, got {stage!r}")
    k = STAGES.index(stage)
    accent = lambda s: "accent" if s == stage else ""
    gates = [g for g in lstm_gate_names() if (g == "f") or (g in "ig" and k >= 1) or (g == "o" and k >= 3)]
    c = Canvas(W, H)
    _frame(c, gates, bus_to=X[gates[-1]])
    _belt(c, times=True, plus=k >= 2, color=accent("f"))
    if k >= 1:
        _input(c, accent("ig"))
    _forget(c, accent("f"))                  # drawn after the input line, which hops over its arrow
    if k >= 2:
        _update(c, accent("update"))
    if k >= 3:
        _output(c, accent("o"))
    alt = _STAGE_ALT[stage]
    return c.diagram(f"lstm-stage-{k + 1}-{stage}", alt)


_STAGE_ALT = {
    "f": ("Step 1 of 4, the forget gate. The cell state runs along the top from c t-1 to c t. Below it, h t-1 and "
          "x t are joined into one vector that feeds a sigmoid layer, the forget gate f t, whose output multiplies "
          "the cell state component by component."),
    "ig": ("Step 2 of 4, the input gate and the candidate. Two more layers read the same joined vector: a sigmoid "
           "layer, the input gate i t, and a tanh layer, the candidate g t. Their outputs are multiplied component by "
           "component. The forget gate of step 1 still multiplies the cell state."),
    "update": ("Step 3 of 4, the cell update. The product i t times g t is added to the cell state after the "
               "forget gate's multiplication, so c t equals f t times c t-1 plus i t times g t. Only a product and "
               "a sum touch the cell state."),
    "o": ("Step 4 of 4, the output gate, and the whole LSTM cell. A fourth sigmoid layer, the output gate o t, "
          "multiplies tanh of the new cell state to give h t, which leaves the cell to the right as the next step's "
          "hidden state and downwards as the output. From left to right the four layers are "
          + in_words(lstm_gate_names()) + "."),
}


def peephole_cell() -> Diagram:
    """The LSTM with peepholes: dashed connections from the cell state into the gates (c_{t-1} into i and f,
    the new c_t into o)."""
    c = _standard_cell()
    for g, x in (("i", 128), ("f", 212)):
        c.dot(x, BELT, color="accent")
        c.path([(x, BELT), (x, LAYER), (X[g] - 29, LAYER)], color="accent", dashed=True,
               hops=[(x, ILINE)] if g == "f" else [])
    c.dot(440, BELT, color="accent")
    c.path([(440, BELT), (440, 150), (X["o"] - 12, 150), (X["o"] - 12, LAYER - BOX_H / 2)], color="accent",
           dashed=True)
    c.text(128 - 6, 100, "c_{t-1}", on="panel", color="accent", anchor="end", size=16)
    c.text(448, 100, "c_t", on="panel", color="accent", anchor="start", size=16)
    alt = ("The LSTM cell with peephole connections: the standard cell, with " + in_words(lstm_gate_names())
           + " from left to right, and three dashed lines from the cell state into the gates. The old "
           "cell state c t-1 feeds the input gate and the forget gate; the new cell state c t, after the update, "
           "feeds the output gate.")
    return c.diagram("lstm-peephole", alt)


def lstm_cell() -> Diagram:
    """The whole LSTM step, nothing highlighted: the forward computation that the backward pass walks back."""
    alt = ("One LSTM step. The cell state runs along the top from c t-1 to c t, multiplied by the forget gate and "
           "then added to the product of the input gate and the candidate. Below, h t-1 and x t are joined and feed "
           "four layers, from left to right " + in_words(lstm_gate_names()) + ". "
           "The output gate multiplies tanh of the new cell state to give h t.")
    return _standard_cell().diagram("lstm-cell", alt)


def _standard_cell() -> Canvas:
    c = Canvas(W, H)
    _frame(c, lstm_gate_names(), bus_to=X["o"])
    _belt(c, times=True, plus=True)
    _input(c)
    _forget(c)
    _update(c)
    _output(c)
    return c


def coupled_cell() -> Diagram:
    """The coupled input-forget gate (CIFG): no forget layer; 1 − i_t multiplies the cell state."""
    gates = lstm_gate_names(coupled=True)
    c = Canvas(W, H)
    _frame(c, gates, bus_to=X["o"])
    _belt(c, times=True, plus=True)
    _input(c, coupled=True, hop_f=False)
    _update(c)
    _output(c)
    alt = ("The LSTM cell with a coupled input and forget gate: three layers, " + in_words(gates)
           + ", from left to right. There is no forget layer: the input gate's output also goes through a "
           "one-minus node, and 1 minus i t multiplies the cell state, so the cell forgets exactly where it writes.")
    return c.diagram("lstm-coupled", alt)


def lstm1997_cell() -> Diagram:
    """The 1997 cell: no forget gate, the cell state only accumulates (c_t = c_{t-1} + i_t g_t)."""
    gates = lstm_gate_names(forget_gate=False)
    c = Canvas(W, H)
    _frame(c, gates, bus_to=X["o"])
    _belt(c, times=False, plus=True)
    _input(c, hop_f=False)
    _update(c)
    _output(c)
    c.text(X["f"], BELT + 22, "no forget gate", on="panel", size=16)
    alt = ("The LSTM cell of 1997: three layers, " + in_words(gates) + ", from left to "
           "right. Nothing multiplies the cell state: it runs from c t-1 to c t through a single addition of i t "
           "times g t, the constant error carousel.")
    return c.diagram("lstm-1997", alt)


def gru_cell() -> Diagram:
    """The GRU: the hidden state runs along the top; z_t keeps it, 1 − z_t lets the candidate n_t in, and the
    reset gate r_t scales what of h_{t-1} the candidate reads."""
    xr, xz, xn = (dict(zip(GRU_GATE_NAMES, (150, 250, 450)))[g] for g in ("r", "z", "n"))
    left = 72
    c = Canvas(W, H)
    c.panel(52, 24, 492, 282)
    # the hidden state along the top
    c.path([(8, BELT), (xz - 15, BELT)], color="belt", thick=True, arrow=False)
    c.path([(xz + 15, BELT), (xn - 15, BELT)], color="belt", thick=True, arrow=False)
    c.path([(xn + 15, BELT), (W - 8, BELT)], color="belt", thick=True)
    c.text(10, BELT - 20, "h_{t-1}", color="belt", anchor="start")
    c.text(W - 10, BELT - 20, "h_t", color="belt", anchor="end")
    c.op(xz, BELT, "×")
    c.op(xn, BELT, "+")
    # h_{t-1} down to the bus and to the reset node
    c.dot(left, BELT, color="belt")
    c.path([(left, BELT), (left, BUS), (xz, BUS)], arrow=False)
    c.dot(left, 100)
    c.path([(left, 100), (xr - 15, 100)])
    c.path([(110, BOTTOM), (110, BUS)], arrow=False)
    c.dot(110, BUS)
    c.text(122, BOTTOM - 10, "x_t", anchor="start")
    for x in (xr, xz):
        c.path([(x, BUS), (x, LAYER + BOX_H / 2)])
    for g, x in zip(("r", "z", "n"), (xr, xz, xn)):
        c.layer(x, LAYER, SIGNS[g], gate=g)
    # reset gate: r_t * h_{t-1}, into the candidate from its left
    c.path([(xr, LAYER - BOX_H / 2), (xr, 115)])
    c.op(xr, 100, "×")
    c.path([(xr + 15, 100), (392, 100), (392, LAYER), (xn - 29, LAYER)], hops=[(xz, 100)])
    c.text(xr + 8, LAYER - 38, "r_t", on="panel", anchor="start")
    # x_t into the candidate from below
    c.dot(110, 314)
    c.path([(110, 314), (xn, 314), (xn, LAYER + BOX_H / 2)])
    # update gate: z_t keeps h_{t-1}, 1 - z_t lets n_t in
    c.path([(xz, LAYER - BOX_H / 2), (xz, BELT + 15)])
    c.dot(xz, ILINE)
    c.path([(xz, ILINE), (318, ILINE)])
    c.op(340, ILINE, "1 −", r=12, wide=40)
    c.path([(362, ILINE), (xn - 15, ILINE)])
    c.path([(xn, LAYER - BOX_H / 2), (xn, ILINE + 15)])
    c.op(xn, ILINE, "×")
    c.path([(xn, ILINE - 15), (xn, BELT + 15)])
    c.text(xz + 8, LAYER - 38, "z_t", on="panel", anchor="start")
    c.text(xn + 8, LAYER - 38, "n_t", on="panel", anchor="start")
    alt = ("The GRU cell. The hidden state runs along the top from h t-1 to h t; there is no separate cell state. "
           "Three layers stand from left to right: " + in_words(GRU_GATE_NAMES) + " (r t, z t and n t). "
           "The reset gate multiplies h t-1 before the candidate reads it together with x t; the update gate "
           "multiplies the old state, and 1 minus z t multiplies the candidate, and the two are added to give h t.")
    return c.diagram("gru", alt)
