"""The layer configurations that the gradient checks and the step tests share: every cell and option."""
import numpy as np

import lstmkit as lk

CONFIGS = [
    ("rnn", lk.RNN, {}),
    ("rnn-relu", lk.RNN, {"nonlinearity": "relu"}),
    ("lstm", lk.LSTM, {}),
    ("lstm-1997", lk.LSTM, {"forget_gate": False}),
    ("lstm-peephole", lk.LSTM, {"peepholes": True}),
    ("lstm-coupled", lk.LSTM, {"coupled": True}),
    ("lstm-coupled-peephole", lk.LSTM, {"coupled": True, "peepholes": True}),
    ("lstm-1997-peephole", lk.LSTM, {"forget_gate": False, "peepholes": True}),
    ("gru-cho", lk.GRU, {"reset_after": False}),
    ("gru-torch", lk.GRU, {"reset_after": True}),
]
D, H = 3, 4


def make(cls, opts, seed=0):
    """A layer of class ``cls`` with options ``opts`` (D inputs, H units) and random values in every parameter,
    peepholes and biases included."""
    layer = cls(D, H, seed=seed, **opts)
    rng = np.random.default_rng(seed + 100)
    for p in layer.params.values():
        p[...] = rng.normal(0, 0.6, p.shape)
    return layer
