"""The book's diagrams, drawn by code as SVG: the RNN unrolled in time, the LSTM built up one block at a time,
its cell state as a highway, the variants (1997, peepholes, coupled gates, GRU), the older ways of giving a
network a past (tapped-delay line, Elman and Jordan networks) and the 1997 memory block.

Each function returns a :class:`Diagram`; in a notebook it displays itself (inline SVG that scales to the page,
follows the page's light or dark theme and carries its alt text in ``<title>``). ``CATALOGUE`` names them all.

    >>> from lstmkit import diagrams
    >>> d = diagrams.lstm_stage("o")
    >>> d.gates                    # left to right: lstmkit's gate order
    ('i', 'f', 'g', 'o')
"""
from .gated import (STAGES, coupled_cell, gru_cell, in_words, lstm1997_cell, lstm_cell, lstm_stage,
                    peephole_cell)
from .networks import (cell_state_highway, elman_network, jordan_network, memory_block, rnn_unrolled,
                       tapped_delay_line)
from .svg import Diagram

CATALOGUE = {
    "rnn-unrolled": rnn_unrolled,
    "tapped-delay-line": tapped_delay_line,
    "elman-network": elman_network,
    "jordan-network": jordan_network,
    **{f"lstm-stage-{k + 1}-{s}": (lambda s=s: lstm_stage(s)) for k, s in enumerate(STAGES)},
    "lstm-cell": lstm_cell,
    "cell-state-highway": cell_state_highway,
    "lstm-1997": lstm1997_cell,
    "lstm-peephole": peephole_cell,
    "lstm-coupled": coupled_cell,
    "gru": gru_cell,
    "memory-block-1997": memory_block,
}
"""Every diagram of the book by name (the name of the figure's SVG), each a function of no arguments."""

__all__ = ["CATALOGUE", "Diagram", "STAGES", "cell_state_highway", "coupled_cell", "elman_network", "gru_cell",
           "in_words", "jordan_network", "lstm1997_cell", "lstm_cell", "lstm_stage", "memory_block", "peephole_cell",
           "rnn_unrolled", "tapped_delay_line"]
