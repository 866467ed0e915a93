"""Independently written answers to the ``gates`` assignment, for the similarity tests and benchmark.

Several hand-written implementations of each answer cell (loops or vectorised, dicts or tuples, helper
functions or none, different but valid formulas), each with choices written ``«one||other||third»`` that a
random generator picks from: ``draw(cell, rng)`` returns one student's code for one cell. Every draw computes the
right thing (tests/grading/test_similarity.py runs the course's own checks on draws of every implementation).
:mod:`support.disguise` then renames, reorders, reformats and comments the code as a student would.
"""
from __future__ import annotations

import random
import re

_GATES = [
    # the textbook form: one affine map, split into four blocks
    '''
def lstm_gates(x, h_prev, params):
    «a||z||pre||act» = «x @ params["weight_ih"].T||np.dot(x, params["weight_ih"].T)||x.dot(params["weight_ih"].T)» \
+ «h_prev @ params["weight_hh"].T||np.dot(h_prev, params["weight_hh"].T)» + «params["bias_ih"] + params["bias_hh"]||\
(params["bias_ih"] + params["bias_hh"])»
    a_i, a_f, a_g, a_o = «np.split(«a||z||pre||act», 4, axis=«-1||1»)||np.array_split(«a||z||pre||act», 4, axis=«-1||1»)»
    return «{"i": sigmoid(a_i), "f": sigmoid(a_f), "g": np.tanh(a_g), "o": sigmoid(a_o)}||\
dict(i=sigmoid(a_i), f=sigmoid(a_f), g=np.tanh(a_g), o=sigmoid(a_o))»
''',
    # slices of width H
    '''
def lstm_gates(x, h_prev, params):
    H = «h_prev.shape[1]||h_prev.shape[-1]||params["weight_hh"].shape[1]||len(params["bias_hh"]) // 4»
    b = «params["bias_ih"] + params["bias_hh"]||params["bias_hh"] + params["bias_ih"]»
    z = «x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T + b||\
b + x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T||\
x @ params["weight_ih"].T + (h_prev @ params["weight_hh"].T + b)»
    i = sigmoid(z«[:, ||[..., »:H])
    f = sigmoid(z«[:, ||[..., »H:2 * H])
    g = np.tanh(z«[:, ||[..., »2 * H:3 * H])
    o = sigmoid(z«[:, ||[..., »3 * H:«||4 * H»])
    return «{"i": i, "f": f, "g": g, "o": o}||dict(i=i, f=f, g=g, o=o)||{"f": f, "i": i, "o": o, "g": g}»
''',
    # a loop over the gates, one block of rows of each matrix at a time
    '''
def lstm_gates(x, h_prev, params):
    W_ih, W_hh = params["weight_ih"], params["weight_hh"]
    bias = params["bias_ih"] + params["bias_hh"]
    H = «W_hh.shape[1]||W_hh.shape[0] // 4||h_prev.shape[1]»
    out = {}
    for k, name in enumerate(«"ifgo"||("i", "f", "g", "o")||["i", "f", "g", "o"]»):
        rows = «slice(k * H, (k + 1) * H)||np.arange(k * H, (k + 1) * H)||slice(k * H, k * H + H)»
        pre = «x @ W_ih[rows].T + h_prev @ W_hh[rows].T + bias[rows]||\
bias[rows] + x @ W_ih[rows].T + h_prev @ W_hh[rows].T||np.dot(x, W_ih[rows].T) + np.dot(h_prev, W_hh[rows].T) + bias[rows]»
        «out[name] = np.tanh(pre) if name == "g" else sigmoid(pre)||\
if name == "g":
            out[name] = np.tanh(pre)
        else:
            out[name] = sigmoid(pre)||\
out[name] = sigmoid(pre) if name != "g" else np.tanh(pre)»
    return out
''',
    # input and state side by side, one matrix
    '''
def lstm_gates(x, h_prev, params):
    xh = «np.concatenate([x, h_prev], axis=«1||-1»)||np.hstack([x, h_prev])||np.concatenate((x, h_prev), axis=1)»
    W = «np.concatenate([params["weight_ih"], params["weight_hh"]], axis=1)||np.hstack([params["weight_ih"], params["weight_hh"]])»
    s = «xh @ W.T + (params["bias_ih"] + params["bias_hh"])||xh @ W.T + params["bias_ih"] + params["bias_hh"]||\
np.dot(xh, W.T) + params["bias_ih"] + params["bias_hh"]»
    parts = «np.split(s, 4, axis=1)||np.hsplit(s, 4)||np.split(s, 4, axis=-1)»
    return {n: «(np.tanh(v) if n == "g" else sigmoid(v))||(sigmoid(v) if n != "g" else np.tanh(v))»\
 for n, v in zip(«"ifgo"||["i", "f", "g", "o"]», parts)}
''',
    # a helper for the affine maps
    '''
def affine(v, W, b):
    return «v @ W.T + b||np.dot(v, W.T) + b||b + v @ W.T»


def lstm_gates(x, h_prev, params):
    pre = affine(x, params["weight_ih"], params["bias_ih"]) + affine(h_prev, params["weight_hh"], params["bias_hh"])
    chunks = «np.split(pre, 4, axis=-1)||np.split(pre, 4, axis=1)||np.hsplit(pre, 4)»
    gates = {}
    for key, chunk in zip(«"ifo"||["i", "f", "o"]», [chunks[0], chunks[1], chunks[3]]):
        gates[key] = sigmoid(chunk)
    gates["g"] = np.tanh(chunks[2])
    return gates
''',
    # einsum and a generator of blocks
    '''
def lstm_gates(x, h_prev, params):
    z = «(np.einsum("bd,hd->bh", x, params["weight_ih"]) + np.einsum("bd,hd->bh", h_prev, params["weight_hh"])
         + params["bias_ih"] + params["bias_hh"])||\
np.einsum("ij,kj->ik", x, params["weight_ih"]) + np.einsum("ij,kj->ik", h_prev, params["weight_hh"]) \
+ params["bias_ih"] + params["bias_hh"]»
    n = «z.shape[1] // 4||z.shape[-1] // 4||h_prev.shape[1]»
    i, f, g, o = «(z[:, j * n:(j + 1) * n] for j in range(4))||[z[:, j * n:(j + 1) * n] for j in range(4)]»
    return «dict(i=sigmoid(i), f=sigmoid(f), g=np.tanh(g), o=sigmoid(o))||\
{"i": sigmoid(i), "f": sigmoid(f), "g": np.tanh(g), "o": sigmoid(o)}»
''',
    # a stable logistic of one's own, weights transposed once
    '''
def logistic(t):
    return «0.5 * (1.0 + np.tanh(0.5 * t))||(np.tanh(t / 2) + 1) / 2||0.5 + 0.5 * np.tanh(0.5 * t)»


def lstm_gates(x, h_prev, params):
    Wx = params["weight_ih"].T
    Wh = params["weight_hh"].T
    act = «x @ Wx + h_prev @ Wh||np.dot(x, Wx) + np.dot(h_prev, Wh)»
    «act = act + params["bias_ih"]
    act += params["bias_hh"]||act = act + params["bias_ih"] + params["bias_hh"]||act += params["bias_ih"] + params["bias_hh"]»
    q = «act.shape[-1] // 4||act.shape[1] // 4||Wh.shape[0]»
    return {"i": logistic(act[..., :q]), "f": logistic(act[..., q:2 * q]),
            "g": np.tanh(act[..., 2 * q:3 * q]), "o": logistic(act[..., 3 * q:])}
''',
    # reshaped into (B, 4, H)
    '''
def lstm_gates(x, h_prev, params):
    B = «x.shape[0]||len(x)||h_prev.shape[0]»
    lin = «x @ params["weight_ih"].T + params["bias_ih"] + (h_prev @ params["weight_hh"].T + params["bias_hh"])||\
x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T + params["bias_ih"] + params["bias_hh"]»
    blocks = «lin.reshape(B, 4, -1)||lin.reshape((B, 4, -1))||np.reshape(lin, (B, 4, -1))»
    act = sigmoid(blocks)
    act[:, 2] = np.tanh(blocks[:, 2])
    return «{"i": act[:, 0], "f": act[:, 1], "g": act[:, 2], "o": act[:, 3]}||\
dict(zip("ifgo", [act[:, 0], act[:, 1], act[:, 2], act[:, 3]]))||{k: act[:, j] for j, k in enumerate("ifgo")}»
''',
]

_STEP = [
    '''
def lstm_step_forward(x, h_prev, c_prev, params):
    «gates||gate||out» = lstm_gates(x, h_prev, params)
    c = ««gates||gate||out»["f"] * c_prev||c_prev * «gates||gate||out»["f"]» + \
«gates||gate||out»["i"] * «gates||gate||out»["g"]
    h = ««gates||gate||out»["o"] * np.tanh(c)||np.tanh(c) * «gates||gate||out»["o"]»
    return «h, c||(h, c)||[h, c]»
''',
    '''
def lstm_step_forward(x, h_prev, c_prev, params):
    gates = lstm_gates(x, h_prev, params)
    «i, f, g, o = gates["i"], gates["f"], gates["g"], gates["o"]||i, f, g, o = (gates[k] for k in "ifgo")||\
i, f, g, o = map(gates.get, "ifgo")||i, f, g, o = [gates[k] for k in ("i", "f", "g", "o")]»
    c_new = «f * c_prev + i * g||i * g + f * c_prev||c_prev * f + g * i»
    «return o * np.tanh(c_new), c_new||h_new = o * np.tanh(c_new)
    return h_new, c_new»
''',
    '''
def lstm_step_forward(x, h_prev, c_prev, params):
    gt = lstm_gates(x, h_prev, params)
    c = «np.multiply(gt["f"], c_prev) + np.multiply(gt["i"], gt["g"])||np.add(gt["f"] * c_prev, gt["i"] * gt["g"])»
    h = «np.multiply(gt["o"], np.tanh(c))||gt["o"] * np.tanh(c)»
    return «(h, c)||h, c»
''',
    '''
def lstm_step_forward(x, h_prev, c_prev, params):
    G = lstm_gates(x, h_prev, params)
    keep = «G["f"] * c_prev||c_prev * G["f"]»
    write = «G["i"] * G["g"]||G["g"] * G["i"]»
    c = «keep + write||write + keep||np.add(keep, write)»
    «h = G["o"] * np.tanh(c)
    return h, c||return G["o"] * np.tanh(c), c»
''',
    '''
def lstm_step_forward(x, h_prev, c_prev, params):
    state = lstm_gates(x, h_prev, params)
    c = «c_prev.copy()||np.copy(c_prev)||np.array(c_prev)»
    c *= state["f"]
    c += «state["i"] * state["g"]||state["g"] * state["i"]»
    out = «np.tanh(c) * state["o"]||state["o"] * np.tanh(c)»
    return out, c
''',
    '''
def update_cell(gates, c_prev):
    return «gates["f"] * c_prev + gates["i"] * gates["g"]||c_prev * gates["f"] + gates["i"] * gates["g"]»


def lstm_step_forward(x, h_prev, c_prev, params):
    g = lstm_gates(x, h_prev, params)
    c = update_cell(g, c_prev)
    «return g["o"] * np.tanh(c), c||h = g["o"] * np.tanh(c)
    return h, c||return np.tanh(c) * g["o"], c»
''',
]

_LOOP = [
    '''
def lstm_forward(X, h0, c0, params):
    T = «X.shape[0]||len(X)»
    H = «np.zeros((T,) + h0.shape, dtype=«h0.dtype||X.dtype»)||np.zeros((T, *h0.shape), dtype=«h0.dtype||X.dtype»)||\
np.zeros((T, h0.shape[0], h0.shape[1]), dtype=«h0.dtype||X.dtype»)»
    h, c = «h0, c0||h0.copy(), c0.copy()»
    for t in «range(T)||range(0, T)»:
        h, c = lstm_step_forward(X[t], h, c, params)
        «H[t] = h||H[t, :, :] = h||H[t] = h.copy()»
    return H, c
''',
    '''
def lstm_forward(X, h0, c0, params):
    h, c = «h0, c0||h0.copy(), c0.copy()»
    hs = []
    for t in range(«X.shape[0]||len(X)»):
        h, c = lstm_step_forward(X[t], h, c, params)
        hs.append(«h||h.copy()»)
    return «np.stack(hs)||np.stack(hs, axis=0)||np.array(hs)||np.asarray(hs)», c
''',
    '''
def lstm_forward(X, h0, c0, params):
    outputs = «[]||list()»
    h = h0
    c = c0
    for x_t in X:
        h, c = lstm_step_forward(x_t, h, c, params)
        «outputs.append(h)||outputs += [h]»
    return «np.array(outputs, dtype=h0.dtype)||np.array(outputs).astype(h0.dtype)||np.stack(outputs).astype(h0.dtype)», c
''',
    '''
def lstm_forward(X, h0, c0, params):
    T, B, «_||D» = X.shape
    out = «np.empty((T, B, h0.shape[1]), dtype=X.dtype)||np.empty((T, B, h0.shape[-1]), dtype=h0.dtype)»
    h, c = h0, c0
    for t, x_t in enumerate(X):
        h, c = lstm_step_forward(x_t, h, c, params)
        out[t] = h
    return out, c
''',
    '''
def lstm_forward(X, h0, c0, params):
    t, n_steps = 0, «X.shape[0]||len(X)»
    states = «[None] * n_steps||[0] * n_steps»
    h, c = h0, c0
    while t < n_steps:
        h, c = lstm_step_forward(X[t], h, c, params)
        states[t] = h
        t «+= 1||= t + 1»
    return «np.stack(states)||np.array(states)», c
''',
    '''
def run_steps(X, h, c, params):
    for x_t in X:
        h, c = lstm_step_forward(x_t, h, c, params)
        yield h, c


def lstm_forward(X, h0, c0, params):
    «hs, cs = zip(*run_steps(X, h0, c0, params))
    return np.stack(hs), cs[-1]||steps = list(run_steps(X, h0, c0, params))
    return np.stack([s[0] for s in steps]), steps[-1][1]»
''',
    '''
def lstm_forward(X, h0, c0, params):
    H = «np.zeros_like(X[:, :, :1]).repeat(h0.shape[1], axis=2).astype(h0.dtype)||\
np.zeros(X.shape[:2] + h0.shape[1:], dtype=h0.dtype)»
    state = (h0, c0)
    for t in range(«X.shape[0]||len(X)»):
        state = lstm_step_forward(X[t], *state, params)
        H[t] = state[0]
    return H, state[1]
''',
]

IMPLEMENTATIONS = {"lstm_gates": _GATES, "lstm_step_forward": _STEP, "lstm_forward": _LOOP}
"""{grade id: hand-written implementations (with choices)} of each answer cell of ``gates``."""

_CHOICE = re.compile(r"«([^«»]*)»")


def expand(template: str, rng: random.Random) -> str:
    """``template`` with each ``«a||b||...»`` replaced by one of its options, drawn with ``rng``; choices may
    nest (the innermost are drawn first). The same choice written twice (the same text) is drawn once."""
    drawn = {}

    def pick(match):
        if match.group(0) not in drawn:
            drawn[match.group(0)] = rng.choice(match.group(1).split("||"))
        return drawn[match.group(0)]

    while "«" in template:
        template = _CHOICE.sub(pick, template)
    return template.strip("\n") + "\n"


def draw(cell: str, rng: random.Random, which: int | None = None) -> str:
    """One student's code for answer cell ``cell``: implementation ``which`` (random if None), choices drawn."""
    options = IMPLEMENTATIONS[cell]
    return expand(options[rng.randrange(len(options)) if which is None else which], rng)
