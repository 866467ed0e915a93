"""Weight initialisers. Each takes a shape and a numpy Generator and returns a float64 array."""
import numpy as np


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
