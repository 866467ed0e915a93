"""Optimisers and gradient clipping. They work on "modules": objects with .params and .grads dicts."""
import numpy as np


def _modules(modules):
    mods = [modules] if hasattr(modules, "params") else list(modules)
    for m in mods:
        if not (hasattr(m, "params") and hasattr(m, "grads")):
            raise ValueError(f"modules: expected objects with .params and .grads, got {type(m).__name__}")
    return mods


def _pairs(modules):
    return [(m.params[k], m.grads[k]) for m in modules for k in m.params]


def global_grad_norm(modules):
    """sqrt of the sum of squares of every gradient of every module."""
    return float(np.sqrt(sum(float((g * g).sum()) for _, g in _pairs(_modules(modules)))))


def clip_grad_norm(modules, max_norm):
    """Rescale all gradients together so that their global norm is at most max_norm (Pascanu et al. 2013).

    Returns the global norm before clipping. The direction of the whole gradient is kept.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm!r}")
    mods = _modules(modules)
    norm = global_grad_norm(mods)
    if norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for _, g in _pairs(mods):
            g *= scale
    return norm


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum: v = mu v - lr g; p += v."""

    def __init__(self, modules, lr, momentum=0.0):
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.modules, self.lr, self.momentum = _modules(modules), lr, momentum
        self.velocity = [np.zeros_like(p) for p, _ in _pairs(self.modules)]

    def step(self):
        for (p, g), v in zip(_pairs(self.modules), self.velocity):
            v *= self.momentum
            v -= self.lr * g
            p += v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction."""

    def __init__(self, modules, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
        self.modules, self.lr, self.betas, self.eps = _modules(modules), lr, betas, eps
        pairs = _pairs(self.modules)
        self.m = [np.zeros_like(p) for p, _ in pairs]
        self.v = [np.zeros_like(p) for p, _ in pairs]
        self.t = 0

    def step(self):
        """m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr m_hat / (sqrt(v_hat) + eps)."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for (p, g), m, v in zip(_pairs(self.modules), self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= (self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)).astype(p.dtype, copy=False)
