"""Recurrent layers stacked on top of each other, with dropout between them, as ``torch.nn.LSTM(num_layers=L)``.

    stack = Stack([LSTM(V, 128, seed=1), LSTM(128, 128, seed=2)], dropout=0.0, seed=3)
    H, state = stack.forward(X, state=None)           # X (T, B, D) -> H (T, B, H_last); state: one per layer
    dX, d_state0 = stack.backward(dH)                  # fills stack.grads (the layers' own arrays)

Layer k reads the outputs of layer k - 1; the stack's output is the last layer's. ``state`` is a tuple with
one entry per layer, each what that layer takes (h, or (h, c) for an LSTM); None means zeros everywhere.
``params`` and ``grads`` name every array as PyTorch's multi-layer modules do (``weight_ih_l0``,
``weight_hh_l0``, ..., ``bias_hh_l1``) and are the layers' own arrays, not copies, so an optimiser that
updates ``stack.params`` updates the layers, and ``load_torch_state_dict`` takes a ``torch.nn.LSTM``'s
``state_dict()`` as it is.

Dropout (Zaremba et al. 2014; PyTorch's ``dropout`` argument) zeroes each output of every layer but the last
with probability p while ``training`` is True and scales the others by 1 / (1 - p); with ``training`` False
(evaluation, sampling) it does nothing. It never touches the recurrent connections.
"""
from __future__ import annotations

import numpy as np

from .init import TORCH_KEYS


class Stack:
    """Stack(layers, *, dropout=0.0, seed=None): lstmkit RNN/LSTM/GRU layers, each reading the one below."""

    def __init__(self, layers, *, dropout=0.0, seed=None):
        layers = list(layers)
        if not layers:
            raise ValueError("layers: expected at least one recurrent layer, got none")
        for k in range(1, len(layers)):
            if layers[k].input_size != layers[k - 1].hidden_size:
                raise ValueError(f"layers: expected layer {k}'s input_size to equal layer {k - 1}'s hidden_size "
                                 f"({layers[k - 1].hidden_size}), got {layers[k].input_size}")
            if layers[k].dtype != layers[0].dtype:
                raise ValueError(f"layers: expected one dtype ({layers[0].dtype}), got {layers[k].dtype} "
                                 f"for layer {k}")
        if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
            raise ValueError(f"dropout: expected a probability in [0, 1), got {dropout!r}")
        self.layers, self.dropout, self.training = layers, float(dropout), True
        self.input_size, self.hidden_size = layers[0].input_size, layers[-1].hidden_size
        self.dtype = layers[0].dtype
        self._rng = np.random.default_rng(seed)
        self._keep = []
        self.params = {f"{name}_l{k}": arr for k, layer in enumerate(layers) for name, arr in layer.params.items()}
        self.grads = {f"{name}_l{k}": arr for k, layer in enumerate(layers) for name, arr in layer.grads.items()}

    @property
    def num_layers(self):
        return len(self.layers)

    @property
    def n_params(self):
        """Number of trainable numbers of all layers."""
        return int(sum(layer.n_params for layer in self.layers))

    def __repr__(self):
        return f"Stack([{', '.join(map(repr, self.layers))}], dropout={self.dropout})"

    def _states(self, name, state):
        """state as a list with one entry per layer (None for zeros)."""
        if state is None:
            return [None] * self.num_layers
        if not isinstance(state, (tuple, list)) or len(state) != self.num_layers:
            got = f"a {type(state).__name__} of {len(state)}" if isinstance(state, (tuple, list)) else \
                type(state).__name__
            raise ValueError(f"{name}: expected a tuple with one state per layer ({self.num_layers}), got {got}")
        return list(state)

    def forward(self, X, state=None, mask=None):
        """X (T, B, D), state (one per layer) or None, mask (T, B) bool or None -> H (T, B, H_last), state."""
        states = self._states("state", state)
        self._keep = []
        out, finals = X, []
        for k, layer in enumerate(self.layers):
            if k > 0 and self.training and self.dropout > 0:
                keep = (self._rng.random(out.shape) >= self.dropout).astype(self.dtype) / (1 - self.dropout)
                self._keep.append(keep)
                out = out * keep
            out, s = layer.forward(out, states[k], mask)
            finals.append(s)
        return out, tuple(finals)

    def backward(self, dH, d_state=None, truncate=None):
        """dH (T, B, H_last), d_state (one per layer) or None -> dX (T, B, D), d_state0 (one per layer);
        fills self.grads. truncate: truncated BPTT inside every layer (see the layers' backward)."""
        d_states = self._states("d_state", d_state)
        d0 = [None] * self.num_layers
        grad = dH
        for k in reversed(range(self.num_layers)):
            grad, d0[k] = self.layers[k].backward(grad, d_states[k], truncate)
            if k > 0 and self._keep:
                grad = grad * self._keep[k - 1]
        return grad, tuple(d0)

    def load_torch_state_dict(self, sd):
        """Copy the weights of a ``torch.nn.RNN/LSTM/GRU`` with ``num_layers`` equal to this stack's.

        sd maps 'weight_ih_l{k}', 'weight_hh_l{k}', 'bias_ih_l{k}', 'bias_hh_l{k}' for every layer k to arrays
        (numpy arrays or CPU tensors). Afterwards the stack computes what the torch module computes (in
        evaluation mode: dropout is random in both)."""
        want = [key[:-1] + str(k) for k in range(self.num_layers) for key in TORCH_KEYS]
        missing = [key for key in want if key not in sd]
        extra = [key for key in sd if key not in want]
        if missing or extra:
            raise ValueError(f"sd: expected the keys {want} of a {self.num_layers}-layer module, "
                             f"missing {missing}, unexpected {extra}")
        for k, layer in enumerate(self.layers):
            layer.load_torch_state_dict({key: sd[key[:-1] + str(k)] for key in TORCH_KEYS})
        return self
