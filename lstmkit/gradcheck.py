"""Check analytic gradients against central finite differences.

    from lstmkit.gradcheck import gradcheck
    errors = gradcheck(loss_fn, {"W": W, "x": x}, {"W": dW, "x": dx})   # {"W": 3e-10, "x": 5e-11}

loss_fn() takes no arguments and returns a scalar computed from the arrays, which gradcheck perturbs in
place (and restores). In float64 a correct gradient gives relative errors around 1e-8 or smaller.
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central differences: df/dx[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), for every entry of x.

    f: callable with no arguments returning a scalar that depends on x; x: float array, changed in place
    during the call and restored. Returns an array shaped like x.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x: expected a float numpy array, got {type(x).__name__}")
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x: expected a contiguous array that can be perturbed in place")
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        fp = float(f())
        flat[k] = old - eps
        fm = float(f())
        flat[k] = old
        gflat[k] = (fp - fm) / (2 * eps)
    return grad


def relative_error(a, b):
    """||a - b|| / max(||a|| + ||b||, 1e-30): 0 when equal, about 1 when unrelated."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} (same as a), got {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30))


def gradcheck(f, arrays, grads, eps=1e-6):
    """Relative error between each analytic gradient grads[name] and the numerical gradient of f w.r.t.
    arrays[name]. Returns {name: relative error}."""
    missing = set(arrays) - set(grads)
    if missing:
        raise ValueError(f"grads: expected a gradient for every array, missing {sorted(missing)}")
    return {k: relative_error(grads[k], numerical_gradient(f, arrays[k], eps)) for k in arrays}
