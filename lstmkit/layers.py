"""Whole-sequence recurrent layers: RNN (Elman/SRN), LSTM (and its variants) and GRU.

Every layer follows one contract:

    layer = LSTM(input_size, hidden_size, seed=0)
    H, state = layer.forward(X, state=None, mask=None)     # X (T, B, D) -> H (T, B, H)
    dX, d_state0 = layer.backward(dH, d_state=None)       # fills layer.grads

- ``layer.params`` and ``layer.grads`` are dicts of arrays with the same keys (PyTorch's names).
- ``state`` is h (B, H), or the pair (h, c) for the LSTM; None means zeros.
- ``mask`` (T, B) bool marks real steps of sequences of different lengths: at a masked step the state is
  carried through unchanged and the output is zero.
- ``backward(dH, d_state, truncate=k)`` cuts the recurrent gradient every k steps (truncated BPTT: the state
  that enters each chunk of k steps is treated as a constant).
- ``layer.activations`` holds, after a forward pass, every gate's activation (T, B, H) under its gate name
  and the states 'h' (and 'c'), each (T, B, H).

The loops compute the same numbers as the step functions of :mod:`lstmkit.cells`, but faster: the gates of
one step are one matrix product, and the parameter gradients are summed over time in one product after the
backward loop. RNN and GRU also project the inputs of all time steps in one product. The LSTM's loop is in
:mod:`lstmkit._fused_lstm`: it works feature-major, on (features, B) blocks, so that each gate is one
contiguous block of memory; its results are returned time-major like every other layer's.

Names in this module are time-major: Hs (T+1, B, H) the hidden states with Hs[0] = h_0, dA (T, B, G*H) the
pre-activation gradients, Acts (T, B, G*H) gate activations; G is always a number of gate blocks.
"""
import numpy as np

from . import _fused_lstm, init
from .activations import sigmoid
from .cells import GRU_GATE_NAMES, lstm_gate_names
from .validation import check_array, check_dtype, check_mask, check_positive_int, check_sequences, \
    check_state, check_truncate

class Recurrent:
    """What RNN, LSTM and GRU share: parameters, checks of the arguments, loading PyTorch weights."""

    gates = ("h",)
    has_cell = False

    def __init__(self, input_size, hidden_size, *, seed=None, dtype=np.float64):
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.dtype = check_dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params = init.recurrent(self.input_size, self.hidden_size, len(self.gates), rng)
        self._extra_params(rng)
        self.params = {k: v.astype(self.dtype) for k, v in self.params.items()}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.activations = {}
        self._cache = None

    def _extra_params(self, rng):
        pass

    @property
    def n_params(self):
        """Number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        return (f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"dtype={self.dtype.name}{self._options_repr()})")

    def _options_repr(self):
        return ""

    def _block(self, name):
        H = self.hidden_size
        k = self.gates.index(name)
        return slice(k * H, (k + 1) * H)

    # ---------------------------------------------------------------- argument checks
    def _check_forward(self, X, state, mask):
        T, B = check_sequences(X, self.input_size, self.dtype)
        state = check_state("state", state, self._parts("h", "c"), (B, self.hidden_size), self.dtype)
        if mask is not None:
            check_mask(mask, T, B)
        return T, B, state

    def _check_backward(self, dH, d_state, truncate):
        if self._cache is None:
            raise ValueError("backward: call forward first (there is no forward pass to differentiate)")
        T, B = self._cache["T"], self._cache["B"]
        check_array("dH", dH, (T, B, self.hidden_size), self.dtype, labels=("T", "B", "H"))
        d_state = check_state("d_state", d_state, self._parts("dh", "dc"), (B, self.hidden_size), self.dtype)
        check_truncate(truncate)
        return T, B, [s.copy() for s in d_state]

    def _parts(self, *names):
        """The names of the state's parts: h, and c for a layer with a cell state."""
        return names if self.has_cell else names[:1]

    @staticmethod
    def _outputs(H_all, mask):
        """H (T, B, H) as forward returns it: never a view of the cache, zero at the masked steps."""
        return H_all.copy() if mask is None else H_all * mask[..., None]

    @staticmethod
    def _cut(t, truncate):
        """True where truncated BPTT stops the gradient flowing from step t back into step t - 1."""
        return truncate is not None and t > 0 and t % truncate == 0

    def _finish_backward(self, X, dA_x, dA_h, Hprev):
        """Parameter and input gradients from the pre-activation gradients of all steps at once (RNN, GRU).

        dA_x (T, B, G*H) multiplies the inputs X (T, B, D), dA_h the previous states Hprev (T, B, H); when
        they are the same array, one matrix product with [X | h_prev | 1] gives dW_ih, dW_hh and the bias.
        """
        D, H, GH = self.input_size, self.hidden_size, dA_x.shape[-1]
        dAx = dA_x.reshape(-1, GH)
        g = self.grads
        if dA_h is dA_x:
            Z = np.concatenate([X.reshape(-1, D), Hprev.reshape(-1, H), np.ones((len(dAx), 1), X.dtype)], axis=1)
            self._store_stacked_grads(dAx.T @ Z)
        else:
            dAh = dA_h.reshape(-1, GH)
            np.matmul(dAx.T, X.reshape(-1, D), out=g["weight_ih"])
            np.matmul(dAh.T, Hprev.reshape(-1, H), out=g["weight_hh"])
            dAx.sum(0, out=g["bias_ih"])
            dAh.sum(0, out=g["bias_hh"])
        return (dAx @ self.params["weight_ih"]).reshape(X.shape)

    def _store_stacked_grads(self, dW):
        """Split dW (G*H, D+H+1), the gradient of the stacked weights [W_ih | W_hh | b], into self.grads
        (both biases get the gradient of their sum)."""
        D, H, g = self.input_size, self.hidden_size, self.grads
        g["weight_ih"][...] = dW[:, :D]
        g["weight_hh"][...] = dW[:, D:D + H]
        g["bias_ih"][...] = dW[:, -1]
        g["bias_hh"][...] = dW[:, -1]

    # ---------------------------------------------------------------- PyTorch interoperability
    def load_torch_state_dict(self, sd):
        """Copy the weights of a one-layer ``torch.nn.RNN/LSTM/GRU`` (its ``state_dict()``).

        sd maps 'weight_ih_l0' (G*H, D), 'weight_hh_l0' (G*H, H), 'bias_ih_l0' (G*H,), 'bias_hh_l0' (G*H,) to
        arrays (numpy arrays or CPU tensors). Afterwards this layer computes what the torch module computes.
        """
        self._check_torch_compatible()
        init.copy_torch_state_dict(self.params, sd)
        return self

    def _check_torch_compatible(self):
        pass


class RNN(Recurrent):
    """Elman's simple recurrent network (SRN): h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    RNN(input_size, hidden_size, *, seed=None, dtype=np.float64, nonlinearity='tanh'); 'relu' is also accepted.
    """

    def __init__(self, input_size, hidden_size, *, seed=None, dtype=np.float64, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, seed=seed, dtype=dtype)

    def _options_repr(self):
        return f", nonlinearity={self.nonlinearity!r}"

    def forward(self, X, state=None, mask=None):
        """X (T, B, D), state h0 (B, H) or None, mask (T, B) bool or None -> H (T, B, H), h_T (B, H)."""
        T, B, (h0,) = self._check_forward(X, state, mask)
        p, H = self.params, self.hidden_size
        A = (X.reshape(T * B, -1) @ p["weight_ih"].T).reshape(T, B, H)
        A += p["bias_ih"] + p["bias_hh"]
        Hs = np.empty((T + 1, B, H), self.dtype)
        Hs[0] = h0
        W_hhT = p["weight_hh"].T
        for t in range(T):
            a = A[t]
            a += Hs[t] @ W_hhT
            if self.nonlinearity == "tanh":
                np.tanh(a, out=Hs[t + 1])
            else:
                np.maximum(a, 0, out=Hs[t + 1])
            if mask is not None:
                np.copyto(Hs[t + 1], Hs[t], where=~mask[t][:, None])
        self._cache = dict(T=T, B=B, X=X, Hs=Hs, mask=mask)
        self.activations = {"h": Hs[1:]}
        return self._outputs(Hs[1:], mask), Hs[T].copy()

    def backward(self, dH, d_state=None, truncate=None):
        """dH (T, B, H), d_state dh_T (B, H) or None -> dX (T, B, D), dh_0 (B, H); fills self.grads."""
        T, B, (dh_next,) = self._check_backward(dH, d_state, truncate)
        c = self._cache
        Hs, mask, W_hh = c["Hs"], c["mask"], self.params["weight_hh"]
        dA = np.empty((T, B, self.hidden_size), self.dtype)
        for t in reversed(range(T)):
            dh = dH[t] + dh_next
            h = Hs[t + 1]
            if self.nonlinearity == "tanh":
                np.multiply(dh, 1 - h * h, out=dA[t])
            else:
                np.multiply(dh, h > 0, out=dA[t])
            if mask is not None:
                m = mask[t][:, None]
                dA[t] *= m
                dh_next = dA[t] @ W_hh + np.where(m, 0, dh_next)
            else:
                dh_next = dA[t] @ W_hh
            if self._cut(t, truncate):
                dh_next = np.zeros_like(dh_next)
        dX = self._finish_backward(c["X"], dA, dA, Hs[:-1])
        return dX, dh_next


class LSTM(Recurrent):
    """Long short-term memory layer (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000).

    LSTM(input_size, hidden_size, *, seed=None, dtype=np.float64,
         forget_gate=True, peepholes=False, coupled=False, forget_bias=1.0, chrono=None)

    - forget_gate=False: the 1997 cell, c_t = c_{t-1} + i_t * g_t (gates i, g, o).
    - peepholes=True: diagonal peephole weights peep_i, peep_f (see c_{t-1}) and peep_o (sees c_t).
    - coupled=True: CIFG, f_t = 1 - i_t (gates i, g, o).
    - forget_bias: initial value of the forget gate's bias (in bias_ih); 1.0 keeps memories by default
      (Jozefowicz et al. 2015).
    - chrono: the longest lag to remember, T_max; the forget biases are then drawn by chrono initialization
      (:func:`lstmkit.init.chrono_forget_bias`, Tallec & Ollivier 2018) instead of set to forget_bias, and the
      input gate's biases are their negatives.
    Gate order of the weight rows: i, f, g, o (PyTorch's).
    """

    has_cell = True

    def __init__(self, input_size, hidden_size, *, seed=None, dtype=np.float64,
                 forget_gate=True, peepholes=False, coupled=False, forget_bias=1.0, chrono=None):
        if coupled and not forget_gate:
            raise ValueError("coupled: a coupled input-forget gate needs forget_gate=True (f = 1 - i), "
                             "got coupled=True with forget_gate=False")
        self.forget_gate, self.peepholes, self.coupled = bool(forget_gate), bool(peepholes), bool(coupled)
        self.forget_bias = float(forget_bias)
        if chrono is not None and (not self.forget_gate or self.coupled):
            raise ValueError("chrono: chrono initialization sets the bias of a forget gate of its own; expected "
                             f"forget_gate=True, coupled=False, got forget_gate={forget_gate}, coupled={coupled}")
        self.chrono = None if chrono is None else int(chrono)
        self.gates = lstm_gate_names(self.forget_gate, self.coupled)
        super().__init__(input_size, hidden_size, seed=seed, dtype=dtype)
        self._layout = _fused_lstm.Layout(self.gates, self.hidden_size, self.coupled, self.peepholes)

    def _extra_params(self, rng):
        if "f" in self.gates:
            self.params["bias_ih"][self._block("f")] = self.forget_bias
        if self.chrono is not None:
            b_f = init.chrono_forget_bias(self.hidden_size, self.chrono, rng)
            self.params["bias_ih"][self._block("f")] = b_f
            self.params["bias_ih"][self._block("i")] = -b_f
        if self.peepholes:
            for g in ("i", "f", "o"):
                if g in self.gates:
                    self.params["peep_" + g] = np.zeros(self.hidden_size)

    def _options_repr(self):
        return (f", forget_gate={self.forget_gate}, peepholes={self.peepholes}, coupled={self.coupled}, "
                f"forget_bias={self.forget_bias}" + ("" if self.chrono is None else f", chrono={self.chrono}"))

    def _check_torch_compatible(self):
        if not self.forget_gate or self.peepholes or self.coupled:
            raise ValueError("load_torch_state_dict: torch.nn.LSTM is the standard cell; expected "
                             "forget_gate=True, peepholes=False, coupled=False, got " + self._options_repr()[2:])

    def forward(self, X, state=None, mask=None):
        """X (T, B, D), state (h0, c0) each (B, H) or None, mask (T, B) bool or None
        -> H (T, B, H), (h_T, c_T). The loop is :func:`lstmkit._fused_lstm.forward` (feature-major)."""
        T, B, (h0, c0) = self._check_forward(X, state, mask)
        buf = _fused_lstm.forward(self.params, self._layout, X, h0, c0, mask)
        h_all = buf.h[:, 1:].transpose(1, 2, 0)           # (T, B, H), a view of the buffers
        self._cache = dict(T=T, B=B, buffers=buf)
        self.activations = {n: buf.act[:, self._block(n)].transpose(0, 2, 1) for n in self.gates}
        if self.coupled:
            self.activations["f"] = 1 - self.activations["i"]
        self.activations.update(c=buf.c[1:].transpose(0, 2, 1), h=h_all)
        return self._outputs(h_all, mask), (buf.h[:, T].T.copy(), buf.c[T].T.copy())

    def backward(self, dH, d_state=None, truncate=None):
        """dH (T, B, H), d_state (dh_T, dc_T) or None -> dX (T, B, D), (dh_0, dc_0); fills self.grads.

        The loop is :func:`lstmkit._fused_lstm.backward`; it returns the pre-activation gradients of every
        step, from which the parameter gradients are one matrix product.
        """
        T, B, (dh_T, dc_T) = self._check_backward(dH, d_state, truncate)
        buf = self._cache["buffers"]
        cuts = {t for t in range(T) if self._cut(t, truncate)} if truncate is not None else ()
        dA, d_state0 = _fused_lstm.backward(self.params, self._layout, buf, dH, dh_T, dc_T, cuts)
        dW, d_peep = _fused_lstm.param_grads(self._layout, buf, dA, T)
        self._store_stacked_grads(dW)
        for name, value in d_peep.items():
            self.grads[name][...] = value
        return _fused_lstm.input_grads(self.params, dA), d_state0


class GRU(Recurrent):
    """Gated recurrent unit (Cho et al. 2014), gate order r, z, n (PyTorch's).

    GRU(input_size, hidden_size, *, seed=None, dtype=np.float64, reset_after=False)

    reset_after=False (Cho et al.): n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)
    reset_after=True (PyTorch, cuDNN): n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    Both: h_t = (1 - z) * n + z * h_{t-1}.
    """

    gates = GRU_GATE_NAMES

    def __init__(self, input_size, hidden_size, *, seed=None, dtype=np.float64, reset_after=False):
        self.reset_after = bool(reset_after)
        super().__init__(input_size, hidden_size, seed=seed, dtype=dtype)

    def _options_repr(self):
        return f", reset_after={self.reset_after}"

    def _check_torch_compatible(self):
        if not self.reset_after:
            raise ValueError("load_torch_state_dict: torch.nn.GRU applies the reset gate after the matrix "
                             "product; expected reset_after=True, got reset_after=False")

    def forward(self, X, state=None, mask=None):
        """X (T, B, D), state h0 (B, H) or None, mask (T, B) bool or None -> H (T, B, H), h_T (B, H)."""
        T, B, (h0,) = self._check_forward(X, state, mask)
        p, H = self.params, self.hidden_size
        AX = (X.reshape(T * B, -1) @ p["weight_ih"].T).reshape(T, B, 3 * H)
        AX += p["bias_ih"]
        Hs = np.empty((T + 1, B, H), self.dtype)
        Hs[0] = h0
        Acts = np.empty((T, B, 3 * H), self.dtype)      # activations r, z, n
        HN = np.empty((T, B, H), self.dtype)            # reset_after: W_hn h + b_hn; else: r * h_prev
        W_hh, b_hh = p["weight_hh"], p["bias_hh"]
        W_rzT, W_nT = W_hh[:2 * H].T, W_hh[2 * H:].T
        for t in range(T):
            h_prev, g = Hs[t], Acts[t]
            if self.reset_after:
                ah = h_prev @ W_hh.T
                ah += b_hh
                np.add(AX[t, :, :2 * H], ah[:, :2 * H], out=g[:, :2 * H])
                sigmoid(g[:, :2 * H], out=g[:, :2 * H])
                HN[t] = ah[:, 2 * H:]
                np.multiply(g[:, :H], HN[t], out=g[:, 2 * H:])
            else:
                np.add(AX[t, :, :2 * H], h_prev @ W_rzT, out=g[:, :2 * H])
                g[:, :2 * H] += b_hh[:2 * H]
                sigmoid(g[:, :2 * H], out=g[:, :2 * H])
                np.multiply(g[:, :H], h_prev, out=HN[t])
                np.matmul(HN[t], W_nT, out=g[:, 2 * H:])
                g[:, 2 * H:] += b_hh[2 * H:]
            n = g[:, 2 * H:]
            n += AX[t, :, 2 * H:]
            np.tanh(n, out=n)
            h = Hs[t + 1]                                 # h = n + z (h_prev - n)
            np.subtract(h_prev, n, out=h)
            h *= g[:, H:2 * H]
            h += n
            if mask is not None:
                np.copyto(h, h_prev, where=~mask[t][:, None])
        self._cache = dict(T=T, B=B, X=X, Acts=Acts, HN=HN, Hs=Hs, mask=mask)
        self.activations = {n: Acts[..., self._block(n)] for n in self.gates}
        self.activations["h"] = Hs[1:]
        return self._outputs(Hs[1:], mask), Hs[T].copy()

    def backward(self, dH, d_state=None, truncate=None):
        """dH (T, B, H), d_state dh_T (B, H) or None -> dX (T, B, D), dh_0 (B, H); fills self.grads."""
        T, B, (dh_next,) = self._check_backward(dH, d_state, truncate)
        c, p, H = self._cache, self.params, self.hidden_size
        Acts, HN, Hs, mask = c["Acts"], c["HN"], c["Hs"], c["mask"]
        W_hh = p["weight_hh"]
        dAX = np.empty((T, B, 3 * H), self.dtype)
        dAH = np.empty((T, B, 3 * H), self.dtype) if self.reset_after else dAX
        for t in reversed(range(T)):
            r, z, n = Acts[t, :, :H], Acts[t, :, H:2 * H], Acts[t, :, 2 * H:]
            h_prev = Hs[t]
            dh = dH[t] + dh_next
            if mask is not None:
                m = mask[t][:, None]
                carry = np.where(m, 0, dh_next)
                dh = np.where(m, dh, 0)
            dx, dr, dz, dn = dAX[t], dAX[t, :, :H], dAX[t, :, H:2 * H], dAX[t, :, 2 * H:]
            np.multiply(dh, 1 - z, out=dn)
            dn *= 1 - n * n                                # d(pre-activation of n)
            np.subtract(h_prev, n, out=dz)
            dz *= dh
            dz *= z * (1 - z)
            if self.reset_after:
                np.multiply(dn, HN[t], out=dr)
                dr *= r * (1 - r)
                dah = dAH[t]
                dah[:, :2 * H] = dx[:, :2 * H]
                np.multiply(dn, r, out=dah[:, 2 * H:])
                dh_next = dh * z + dah @ W_hh
            else:
                drh = dn @ W_hh[2 * H:]
                np.multiply(drh, h_prev, out=dr)
                dr *= r * (1 - r)
                dh_next = dh * z + dx[:, :2 * H] @ W_hh[:2 * H] + drh * r
            if mask is not None:
                dh_next += carry
            if self._cut(t, truncate):
                dh_next = np.zeros_like(dh_next)
        X = c["X"]
        dX = self._finish_backward(X, dAX, dAH, Hs[:-1])
        if not self.reset_after:                           # the n block's recurrent input is r * h_prev
            np.matmul(dAX[..., 2 * H:].reshape(-1, H).T, HN.reshape(-1, H), out=self.grads["weight_hh"][2 * H:])
        return dX, dh_next
