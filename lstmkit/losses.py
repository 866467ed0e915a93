"""Losses for sequence outputs, each returning (loss, dlogits).

The loss is averaged over the positions that count: all (t, b) pairs, or those where mask[t, b] is True.
"""
import numpy as np

from .validation import check_array, check_mask


def _positions(logits, mask):
    T, B = logits.shape[:2]
    if mask is None:
        return np.ones((T, B), dtype=logits.dtype), T * B
    check_mask(mask, T, B)
    n = int(mask.sum())
    if n == 0:
        raise ValueError("mask: expected at least one True position, got none")
    return mask.astype(logits.dtype), n


def softmax_cross_entropy(logits, targets, mask=None):
    """Softmax cross-entropy for one class per position.

    logits (T, B, K) float, targets (T, B) integer class indices in [0, K), mask (T, B) bool or None
    -> loss (float, mean over counted positions), dlogits (T, B, K).
    """
    check_array("logits", logits, (None, None, None), None, labels=("T", "B", "K"))
    T, B, K = logits.shape
    if not isinstance(targets, np.ndarray) or targets.shape != (T, B) or not np.issubdtype(targets.dtype, np.integer):
        got = (f"{targets.dtype} array of shape {targets.shape}" if isinstance(targets, np.ndarray)
               else type(targets).__name__)
        raise ValueError(f"targets: expected an integer array of shape (T={T}, B={B}), got {got}")
    if targets.min() < 0 or targets.max() >= K:
        raise ValueError(f"targets: expected class indices in [0, {K}), got values in "
                         f"[{targets.min()}, {targets.max()}]")
    w, n = _positions(logits, mask)
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], -1)[..., 0]
    loss = -(picked * w).sum() / n
    d = np.exp(logp)
    np.put_along_axis(d, targets[..., None], np.take_along_axis(d, targets[..., None], -1) - 1, -1)
    d *= (w / n)[..., None]
    return float(loss), d


def sigmoid_binary_cross_entropy(logits, targets, mask=None):
    """Independent sigmoid outputs with binary cross-entropy (several right answers per position).

    Used for next-symbol prediction where several symbols are legal: targets[t, b, k] = 1 when symbol k may
    follow. The loss is summed over K and averaged over counted positions.
    logits (T, B, K), targets (T, B, K) of 0/1 (any numeric dtype), mask (T, B) bool or None
    -> loss (float), dlogits (T, B, K).
    """
    check_array("logits", logits, (None, None, None), None, labels=("T", "B", "K"))
    if not isinstance(targets, np.ndarray) or targets.shape != logits.shape:
        got = targets.shape if isinstance(targets, np.ndarray) else type(targets).__name__
        raise ValueError(f"targets: expected an array of shape {logits.shape} (same as logits), got {got}")
    y = targets.astype(logits.dtype)
    w, n = _positions(logits, mask)
    # log(1 + exp(-|x|)) + max(x, 0) - x y  is the stable form of  -y log s(x) - (1 - y) log(1 - s(x))
    per = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    loss = (per.sum(-1) * w).sum() / n
    s = 0.5 * np.tanh(0.5 * logits) + 0.5
    return float(loss), (s - y) * (w / n)[..., None]


def mean_squared_error(outputs, targets, mask=None):
    """Squared error of real-valued outputs (the adding problem's final output, for example).

    The loss is summed over K and averaged over counted positions: mean over (t, b) of sum_k (y - target)^2.
    outputs (T, B, K) float (the readout's values, no squashing), targets (T, B, K) of numbers, mask (T, B) bool or
    None -> loss (float), doutputs (T, B, K).
    """
    check_array("outputs", outputs, (None, None, None), None, labels=("T", "B", "K"))
    if not isinstance(targets, np.ndarray) or targets.shape != outputs.shape:
        got = targets.shape if isinstance(targets, np.ndarray) else type(targets).__name__
        raise ValueError(f"targets: expected an array of shape {outputs.shape} (same as outputs), got {got}")
    w, n = _positions(outputs, mask)
    diff = (outputs - targets.astype(outputs.dtype)) * w[..., None]
    return float((diff * diff).sum() / n), (2.0 / n) * diff
