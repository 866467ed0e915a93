"""Random problems for the checks: seeded parameters and inputs with the course's shapes and names."""
import numpy as np


# =============================================================================================
# Random problems
# =============================================================================================
def _rng(seed):
    return np.random.default_rng(seed)


def recurrent_params(gates, inputs, hidden, rng, dtype=np.float64, scale=0.6, peepholes=False):
    """Random parameters with PyTorch's names for a cell with ``gates`` blocks; biases are non-zero so that a
    missing bias shows. Entries are uniform in [-scale, scale]."""
    G = gates
    p = {"weight_ih": rng.uniform(-scale, scale, (G * hidden, inputs)),
         "weight_hh": rng.uniform(-scale, scale, (G * hidden, hidden)),
         "bias_ih": rng.uniform(-scale, scale, G * hidden),
         "bias_hh": rng.uniform(-scale, scale, G * hidden)}
    if peepholes:
        for k in ("peep_i", "peep_f", "peep_o"):
            p[k] = rng.uniform(-1.0, 1.0, hidden)
    return {k: v.astype(dtype) for k, v in p.items()}


def _copy(params):
    return {k: v.copy() for k, v in params.items()}


def _permute_blocks(params, order, gates):
    """Parameters as seen by a learner who reads the weight blocks in ``order`` instead of ``gates``: the
    block the learner uses for gate n (position order.index(n)) moves to gate n's real position."""
    H = params["weight_hh"].shape[1]
    out = dict(params)
    for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        blocks = np.split(params[key], len(gates), axis=0)
        out[key] = np.concatenate([blocks[order.index(n)] for n in gates], axis=0)
    assert out["weight_hh"].shape[1] == H
    return out


def _dims(**sizes):
    return ", ".join(f"{k}={v}" for k, v in sizes.items())
