"""What the book's diagrams must show, for the tests of lstmkit.diagrams and of the built site: the gate blocks a
diagram draws, read from its geometry, and the lstmkit layer whose weight order each cell diagram must follow."""
from __future__ import annotations

from bs4 import BeautifulSoup

import lstmkit


def drawn_gates(svg) -> tuple:
    """The gate blocks of a drawn diagram (markup or a parsed <svg>), left to right by the boxes' x coordinates."""
    root = BeautifulSoup(svg, "html.parser").find("svg") if isinstance(svg, str) else svg
    boxes = [(float(r["x"]), r["data-gate"]) for r in root.find_all("rect") if r.get("data-gate")]
    return tuple(dict.fromkeys(g for _, g in sorted(boxes)))


def layer_gates() -> dict:
    """Diagram name -> the weight order of the layer it draws (lstmkit's own layers, not the diagrams' record)."""
    return {
        "lstm-stage-4-o": lstmkit.LSTM(3, 2, seed=0).gates,
        "lstm-cell": lstmkit.LSTM(3, 2, seed=0).gates,
        "lstm-peephole": lstmkit.LSTM(3, 2, seed=0, peepholes=True).gates,
        "lstm-coupled": lstmkit.LSTM(3, 2, seed=0, coupled=True).gates,
        "lstm-1997": lstmkit.LSTM(3, 2, seed=0, forget_gate=False).gates,
        "gru": lstmkit.GRU(3, 2, seed=0).gates,
    }


def respects_order(drawn: tuple, order: tuple) -> bool:
    """True when the drawn blocks appear in ``order``'s relative order (a diagram may draw a subset)."""
    return set(drawn) <= set(order) and list(drawn) == [g for g in order if g in drawn]
