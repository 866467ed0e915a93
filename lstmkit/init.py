"""Where a layer's parameters come from: random initialisers (each takes a shape and a numpy Generator and
returns a float64 array), :func:`recurrent` for all the parameters of a recurrent layer, and
:func:`copy_torch_state_dict` for the weights of a PyTorch module."""
import numpy as np

from .validation import check_array

TORCH_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def uniform(shape, bound, rng):
    """Uniform on [-bound, bound]. PyTorch's recurrent layers use bound = 1 / sqrt(hidden_size)."""
    return rng.uniform(-bound, bound, size=shape)


def xavier_uniform(shape, rng):
    """Glorot & Bengio (2010): uniform with bound sqrt(6 / (fan_in + fan_out)); shape is (fan_out, fan_in)."""
    fan_out, fan_in = shape
    return uniform(shape, np.sqrt(6.0 / (fan_in + fan_out)), rng)


def orthogonal(shape, rng):
    """A random (semi-)orthogonal matrix (Saxe et al. 2014): all singular values are 1."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))          # make the distribution uniform (Haar)
    return q if rows >= cols else q.T


def recurrent(input_size, hidden_size, n_gates, rng):
    """The initial parameters of a recurrent layer with ``n_gates`` gate blocks, under PyTorch's names (float64):
    weight_ih (G*H, D) one Xavier-uniform block per gate, weight_hh (G*H, H) one orthogonal block per gate,
    bias_ih and bias_hh (G*H,) zeros."""
    D, H, G = input_size, hidden_size, n_gates
    return {"weight_ih": np.concatenate([xavier_uniform((H, D), rng) for _ in range(G)]),
            "weight_hh": np.concatenate([orthogonal((H, H), rng) for _ in range(G)]),
            "bias_ih": np.zeros(G * H), "bias_hh": np.zeros(G * H)}


def chrono_forget_bias(hidden_size, t_max, rng):
    """Chrono initialization (Tallec & Ollivier 2018): the forget gate's bias b_f = log(u), u uniform on
    [1, t_max - 1], one per cell, shape (H,). A cell then starts with f = sigma(b_f) = u / (1 + u): it keeps its
    content for about u steps, so the cells' memories span 1 to t_max steps. The input gate's bias is -b_f."""
    if t_max < 3:
        raise ValueError(f"t_max: expected the longest time lag to remember, an integer >= 3, got {t_max!r}")
    return np.log(rng.uniform(1.0, t_max - 1.0, size=hidden_size))


def copy_torch_state_dict(params, sd):
    """Copy the weights of a one-layer ``torch.nn.RNN/LSTM/GRU`` into ``params`` (lstmkit's names), in place.

    sd maps 'weight_ih_l0' (G*H, D), 'weight_hh_l0' (G*H, H), 'bias_ih_l0' (G*H,), 'bias_hh_l0' (G*H,) to
    arrays (numpy arrays or CPU tensors) of the shapes of params' 'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'.
    """
    missing = [k for k in TORCH_KEYS if k not in sd]
    if missing:
        raise ValueError(f"sd: expected keys {list(TORCH_KEYS)}, missing {missing} (got {sorted(sd)})")
    for k in TORCH_KEYS:
        v = sd[k]
        if hasattr(v, "detach"):
            v = v.detach().cpu().numpy()
        v = np.asarray(v)
        name = k[:-3]
        check_array(f"sd['{k}']", v, params[name].shape, None)
        params[name][...] = v
