"""The fast LSTM kernel behind :class:`lstmkit.layers.LSTM`: forward and backward over a whole sequence.

It computes the numbers of :func:`lstmkit.cells.lstm_step_forward` / ``lstm_step_backward`` (the maths is
written out there, once, for teaching), arranged for speed:

- **feature-major**: every per-step quantity is a (features, B) block, so each gate is one contiguous
  (H, B) block of memory and a step is one matrix product of the fused weights [W_ih | W_hh | b]
  (G*H, D+H+1) with the column block z_t = [x_t; h_{t-1}; 1] (D+H+1, B);
- **one tanh per step**: sigmoid(x) = (1 + tanh(x / 2)) / 2, so the sigmoid gates' rows of the fused weights
  are halved (:attr:`Layout.row_scale`) and one tanh computes every gate;
- **the parameter gradients in one product** after the backward loop, from the stored column blocks.

Every array in this module is feature-major; the layer converts to and from time-major (T, B, features).
Names: D input size, H hidden size, G number of gate blocks, T steps, B sequences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np


@dataclass(frozen=True)
class Layout:
    """Which gate blocks an LSTM variant has and how the kernel treats them.

    gates: the block names in weight-row order, ('i', 'f', 'g', 'o') or ('i', 'g', 'o'); H: hidden size;
    coupled: f = 1 - i (CIFG); peepholes: diagonal peephole weights. The derived fields (G the number of
    blocks, has_f, n_peep_in the leading blocks that see c_{t-1} through peepholes, kg and ko the block
    indices of g and o) are computed once here, not at every step.
    """

    gates: tuple
    H: int
    coupled: bool = False
    peepholes: bool = False
    G: int = field(init=False)
    has_f: bool = field(init=False)
    n_peep_in: int = field(init=False)
    kg: int = field(init=False)
    ko: int = field(init=False)

    def __post_init__(self):
        derived = dict(G=len(self.gates), has_f="f" in self.gates, n_peep_in=2 if "f" in self.gates else 1,
                       kg=self.gates.index("g"), ko=self.gates.index("o"))
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def block(self, name):
        """The rows (a slice) of gate ``name`` in the (G*H, ...) arrays."""
        k = self.gates.index(name)
        return slice(k * self.H, (k + 1) * self.H)

    def row_scale(self, dtype):
        """(G*H,) factors of the fused weights' rows: 1/2 for the sigmoid gates, 1 for the candidate g."""
        scale = np.full(self.G * self.H, 0.5, dtype)
        scale[self.block("g")] = 1
        return scale

    def sigmoid_rows(self):
        """The row ranges (slices) of the sigmoid gates: those before g and those after it."""
        sg = self.block("g")
        return [s for s in (slice(0, sg.start), slice(sg.stop, None)) if s.start != s.stop]

    def peeps(self, params, factor=1.0):
        """The peephole weights as (peep_in (n_peep_in, H, 1), peep_o (H, 1)), times factor; None without."""
        if not self.peepholes:
            return None
        peep_in = np.concatenate([params["peep_" + n] for n in self.gates[:self.n_peep_in]])
        return factor * peep_in.reshape(self.n_peep_in, self.H, 1), factor * params["peep_o"][:, None]


@dataclass
class Buffers:
    """What the forward pass keeps for the backward pass, all feature-major.

    Z (D+H+1, T+1, B): Z[:, t] = z_t = [x_t; h_{t-1}; 1]; its rows D:D+H are the hidden states h_{t-1}.
    act (T, G*H, B): the gate activations of every step, rows in the weights' order.
    c (T+1, H, B): c[t] = c_{t-1} (c[0] is the initial cell state).
    tanh_c (T, H, B): tanh(c_t).
    mask (T, B) bool or None.
    """

    D: int
    Z: np.ndarray
    act: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    mask: np.ndarray | None

    @property
    def h(self):
        """(H, T+1, B) view of the hidden states: h[:, t] = h_{t-1}."""
        return self.Z[self.D:self.D + self.c.shape[1]]


# --------------------------------------------------------------------------------------------- forward
def fused_weights(params, layout):
    """[W_ih | W_hh | b_ih + b_hh] (G*H, D+H+1) with the sigmoid gates' rows halved."""
    W = np.concatenate([params["weight_ih"], params["weight_hh"],
                        (params["bias_ih"] + params["bias_hh"])[:, None]], axis=1)
    W *= layout.row_scale(W.dtype)[:, None]
    return W


def _gates(a, c_prev, layout, peeps, sigmoid_rows):
    """Activations of one step in place: a (G*H, B) holds the halved pre-activations on entry. With
    peepholes, i and f see c_{t-1} here and o is left as a pre-activation (it waits for c_t)."""
    if peeps is None:
        np.tanh(a, out=a)
        for s in sigmoid_rows:
            a[s] *= 0.5
            a[s] += 0.5
        return
    H, n, ko = layout.H, layout.n_peep_in, layout.ko
    a[:n * H].reshape(n, H, -1)[...] += peeps[0] * c_prev
    np.tanh(a[:ko * H], out=a[:ko * H])
    a[:n * H] *= 0.5
    a[:n * H] += 0.5


def _cell(a, c_prev, c, tmp, layout):
    """c_t = f c_{t-1} + i g into c (H, B); coupled: c_{t-1} + i (g - c_{t-1}); 1997 cell: c_{t-1} + i g."""
    H = layout.H
    i, g = a[:H], a[layout.kg * H:(layout.kg + 1) * H]
    if layout.coupled:
        np.subtract(g, c_prev, out=c)
        c *= i
        c += c_prev
        return
    np.multiply(i, g, out=c)
    if layout.has_f:
        np.multiply(a[H:2 * H], c_prev, out=tmp)
        c += tmp
    else:
        c += c_prev


def forward(params, layout, X, h0, c0, mask):
    """X (T, B, D), h0 and c0 (B, H), mask (T, B) bool or None -> Buffers.

    At a masked step the state is carried through unchanged.
    """
    T, B, D = X.shape
    H, dtype = layout.H, X.dtype
    W = fused_weights(params, layout)
    Z = np.empty((D + H + 1, T + 1, B), dtype)
    np.copyto(Z[:D, :T], X.transpose(2, 0, 1))
    Z[D:D + H, 0] = h0.T
    Z[-1] = 1
    buf = Buffers(D, Z, np.empty((T, layout.G * H, B), dtype), np.empty((T + 1, H, B), dtype),
                  np.empty((T, H, B), dtype), mask)
    buf.c[0] = c0.T
    h, so = buf.h, layout.block("o")
    peeps, sigmoid_rows = layout.peeps(params, 0.5), layout.sigmoid_rows()   # halved like their rows
    tmp = np.empty((H, B), dtype)
    for t in range(T):
        a, c_prev, c = buf.act[t], buf.c[t], buf.c[t + 1]
        np.matmul(W, Z[:, t], out=a)
        _gates(a, c_prev, layout, peeps, sigmoid_rows)
        _cell(a, c_prev, c, tmp, layout)
        if mask is not None:
            np.copyto(c, c_prev, where=~mask[t])
        if peeps is not None:                             # o sees the new c
            o = a[so]
            o += peeps[1] * c
            np.tanh(o, out=o)
            o *= 0.5
            o += 0.5
        np.tanh(c, out=buf.tanh_c[t])
        np.multiply(a[so], buf.tanh_c[t], out=h[:, t + 1])
        if mask is not None:
            np.copyto(h[:, t + 1], h[:, t], where=~mask[t])
    return buf


# -------------------------------------------------------------------------------------------- backward
class Factors(NamedTuple):
    """What the backward pass needs per step that does not depend on the incoming gradient (k steps).

    gate (k, G, H, B): the i, f and g slots multiply dL/dc_t, the o slot multiplies dL/dh_t, giving the
        pre-activation gradients (da_i = dc g s_i', da_f = dc c_{t-1} s_f', da_g = dc i (1 - g^2),
        da_o = dh tanh(c_t) s_o', with s' = s (1 - s));
    h_to_c (k, H, B) = o (1 - tanh(c_t)^2): turns dL/dh_t into a part of dL/dc_t;
    c_to_prev (k, H, B) or None: dL/dc_t -> dL/dc_{t-1} (f; 1 - i when coupled; None for the 1997 cell).
    """

    gate: np.ndarray
    h_to_c: np.ndarray
    c_to_prev: np.ndarray | None


def factors(layout, act, c_prev, tanh_c):
    """Factors of k steps from act (k, G, H, B) (gate order as the weights), c_prev and tanh_c (k, H, B)."""
    kg, ko = layout.kg, layout.ko
    I, O, Gc = act[:, 0], act[:, ko], act[:, kg]
    M = np.empty_like(act)
    np.subtract(1, act[:, :kg], out=M[:, :kg])            # s (1 - s) in the sigmoid slots (i, f)
    M[:, :kg] *= act[:, :kg]
    np.subtract(1, O, out=M[:, ko])                       # ... and o
    M[:, ko] *= O
    M[:, 0] *= (Gc - c_prev) if layout.coupled else Gc
    if layout.has_f:
        M[:, 1] *= c_prev
    M[:, ko] *= tanh_c
    Mg = M[:, kg]
    np.multiply(Gc, Gc, out=Mg)                           # (1 - g^2) i
    np.subtract(1, Mg, out=Mg)
    Mg *= I
    h_to_c = tanh_c * tanh_c
    np.subtract(1, h_to_c, out=h_to_c)
    h_to_c *= O
    c_to_prev = act[:, 1] if layout.has_f else (1 - I if layout.coupled else None)
    return Factors(M, h_to_c, c_to_prev)


class _Carry:
    """The gradients flowing back into the previous step, dL/dh_{t-1} and dL/dc_{t-1}, each (H, B),
    with the scratch blocks the loop writes into."""

    def __init__(self, dh_T, dc_T):
        self.dh, self.dc = np.ascontiguousarray(dh_T.T), np.ascontiguousarray(dc_T.T)
        self.dh_buf, self.dc_buf, self.dc_prev_buf = (np.empty_like(self.dh) for _ in range(3))


def _step_back(t, k, f, dH_t, da, carry, W_hhT, layout, peeps, mask):
    """One step of the backward loop: fills da (G, H, B), the pre-activation gradients of step t, and moves
    carry to step t - 1. k is t's index in the block of factors f."""
    ko, dh_next, dc_next = layout.ko, carry.dh, carry.dc
    dh = np.add(dH_t, dh_next, out=carry.dh_buf)
    if mask is not None:                                  # a masked step passes the state gradient through
        m = mask[t]
        carry_h, carry_c = np.where(m, 0, dh_next), np.where(m, 0, dc_next)
        dh *= m
        dc_next = dc_next * m
    dc = np.multiply(dh, f.h_to_c[k], out=carry.dc_buf)
    dc += dc_next
    if peeps is not None:                                 # o also sees the new c
        dc += dh * f.gate[k, ko] * peeps[1]
    np.multiply(f.gate[k, :ko], dc, out=da[:ko])
    np.multiply(dh, f.gate[k, ko], out=da[ko])
    dc_prev = dc.copy() if f.c_to_prev is None else np.multiply(dc, f.c_to_prev[k], out=carry.dc_prev_buf)
    if peeps is not None:
        dc_prev = dc_prev + (da[:layout.n_peep_in] * peeps[0]).sum(0)
    carry.dh = W_hhT @ da.reshape(layout.G * layout.H, -1)
    carry.dc = dc_prev
    if mask is not None:
        carry.dh += carry_h
        carry.dc = carry.dc + carry_c


def backward(params, layout, buf, dH, dh_T, dc_T, cuts=()):
    """dH (T, B, H), dh_T and dc_T (B, H) -> dpre (G*H, T, B), the pre-activation gradients of every step,
    and (dh_0, dc_0) each (B, H). cuts: the steps t where truncated BPTT stops the gradient into step t - 1.

    The factors are computed for blocks of steps small enough to stay in the CPU cache, then the loop runs
    back through the block's steps.
    """
    T, B, H = dH.shape
    G = layout.G
    act = buf.act.reshape(T, G, H, B)
    W_hhT = np.ascontiguousarray(params["weight_hh"].T)  # (H, G*H)
    dHf = np.ascontiguousarray(dH.transpose(0, 2, 1))     # (T, H, B)
    peeps = layout.peeps(params)
    dpre = np.empty((G * H, T, B), dH.dtype)
    carry = _Carry(dh_T, dc_T)
    block = max(1, min(T, (1 << 20) // (B * G * H * act.itemsize)))
    for t1 in range(T, 0, -block):
        t0 = max(0, t1 - block)
        f = factors(layout, act[t0:t1], buf.c[t0:t1], buf.tanh_c[t0:t1])
        for t in reversed(range(t0, t1)):
            _step_back(t, t - t0, f, dHf[t], dpre[:, t].reshape(G, H, B), carry, W_hhT, layout, peeps,
                       buf.mask)
            if t in cuts:
                carry.dh, carry.dc = np.zeros_like(carry.dh), np.zeros_like(carry.dc)
    return dpre, (carry.dh.T.copy(), carry.dc.T.copy())


def param_grads(layout, buf, dpre, T):
    """The parameter gradients from dpre (G*H, T, B): the fused dW (G*H, D+H+1) = dpre z^T summed over
    steps, and the peephole gradients (a dict, empty without peepholes)."""
    GH, _, B = dpre.shape
    K = buf.Z.shape[0]
    dW = dpre.reshape(GH, T * B) @ buf.Z[:, :T].reshape(K, T * B).T
    peep = {}
    if layout.peepholes:
        d4 = dpre.reshape(layout.G, layout.H, T, B)
        peep["peep_o"] = np.einsum("htb,thb->h", d4[layout.ko], buf.c[1:])
        for k, n in enumerate(layout.gates[:layout.n_peep_in]):
            peep["peep_" + n] = np.einsum("htb,thb->h", d4[k], buf.c[:-1])
    return dW, peep


def input_grads(params, dpre):
    """dX (T, B, D) from dpre (G*H, T, B)."""
    GH, T, B = dpre.shape
    D = params["weight_ih"].shape[1]
    return np.ascontiguousarray((params["weight_ih"].T @ dpre.reshape(GH, T * B)).reshape(D, T, B)
                                .transpose(1, 2, 0))
