"""A dense (fully connected) readout: y = W h + b, applied at every time step."""
import numpy as np

from .init import xavier_uniform
from .validation import check_array, check_dtype, check_positive_int


class Dense:
    """Dense(in_features, out_features, *, seed=None, dtype=np.float64).

    params: 'weight' (O, I) and 'bias' (O,), as torch.nn.Linear. forward takes any (..., I) array, e.g. the
    (T, B, H) output of a recurrent layer, and returns (..., O).
    """

    def __init__(self, in_features, out_features, *, seed=None, dtype=np.float64):
        self.in_features = check_positive_int("in_features", in_features)
        self.out_features = check_positive_int("out_features", out_features)
        self.dtype = check_dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params = {"weight": xavier_uniform((out_features, in_features), rng).astype(self.dtype),
                       "bias": np.zeros(out_features, self.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = None

    @property
    def n_params(self):
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        return f"Dense(in_features={self.in_features}, out_features={self.out_features}, dtype={self.dtype.name})"

    def forward(self, x):
        """x (..., I) -> y (..., O)."""
        if not isinstance(x, np.ndarray) or x.ndim < 1:
            raise ValueError(f"x: expected a numpy array of shape (..., {self.in_features}), got {type(x).__name__}")
        check_array("x", x, (None,) * (x.ndim - 1) + (self.in_features,), self.dtype)
        self._x = x
        return x @ self.params["weight"].T + self.params["bias"]

    def backward(self, dy):
        """dy (..., O) -> dx (..., I); fills self.grads."""
        if self._x is None:
            raise ValueError("backward: call forward first")
        check_array("dy", dy, self._x.shape[:-1] + (self.out_features,), self.dtype)
        dy2 = dy.reshape(-1, self.out_features)
        np.matmul(dy2.T, self._x.reshape(-1, self.in_features), out=self.grads["weight"])
        dy2.sum(0, out=self.grads["bias"])
        return dy @ self.params["weight"]
