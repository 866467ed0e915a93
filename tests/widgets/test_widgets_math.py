"""The explorers' JavaScript maths against lstmkit's numpy, at many random points, to 1e-9.

The front end of every explorer (the ES module the browser runs, exactly as it travels in the widget state)
is imported in Node; a small driver evaluates its functions on random inputs and the results are compared
with lstmkit.cells and the numpy twins in lstmkit.widgets. Further tests check the numpy twins against
independent truths (closed forms, lstmkit's LSTM with the gates set through their pre-activations).
"""
import json
import shutil
import subprocess

import numpy as np
import pytest

from lstmkit import cells
from lstmkit import widgets as W

RTOL, ATOL = 1e-9, 1e-12
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js not found: the JavaScript maths was not run")

DRIVER = r"""
import { readFileSync, writeFileSync } from "node:fs";
const [modulePath, casesPath, outPath] = process.argv.slice(2);
const mod = await import(modulePath);
const M = mod.LSTMMath;
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const out = cases.map((c) => {
  switch (c.fn) {
    case "compute": return mod.compute(c.state);
    case "lstmStep": {
      const s = M.lstmStep(c.x, c.h, c.c, c.p, c.opts);
      return { i: s.i, f: s.f, g: s.g, o: s.o, c: s.c, h: s.h };
    }
    case "lstmStepBackward": {
      const s = M.lstmStep(c.x, c.h, c.c, c.p, {});
      const b = M.lstmStepBackward(c.dh, c.dc, s, c.p);
      return { dh_prev: b.dhPrev, dc_prev: b.dcPrev };
    }
    case "gruStep": {
      const s = M.gruStep(c.x, c.h, c.p);
      return { r: s.r, z: s.z, n: s.n, h: s.h };
    }
    case "rnnStep": {
      const s = M.rnnStep(c.x, c.h, c.p, "tanh");
      return { h: s.h, dh_prev: M.rnnStepBackward(c.dh, s, c.p).dhPrev };
    }
    case "sigmoid": return c.xs.map(M.sigmoid);
    default: throw new Error("unknown case " + c.fn);
  }
});
writeFileSync(outPath, JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def run_js(tmp_path_factory):
    """run_js(name, cases) -> list of results: evaluates cases with the front end of explorer `name`."""
    folder = tmp_path_factory.mktemp("widgets_js")
    (folder / "driver.mjs").write_text(DRIVER)

    def run(name, cases):
        module = folder / f"{name}.mjs"
        module.write_text(W.front_end(name))
        cases_path, out_path = folder / f"{name}_cases.json", folder / f"{name}_out.json"
        cases_path.write_text(json.dumps(cases))
        proc = subprocess.run([NODE, str(folder / "driver.mjs"), module.as_uri(), str(cases_path), str(out_path)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(out_path.read_text())

    return run


def assert_close(js, py, where):
    """Compare nested dicts/lists of numbers (None for 'infinite' or 'never') to RTOL/ATOL."""
    if isinstance(py, dict):
        assert isinstance(js, dict) and set(js) >= set(py), f"{where}: keys {sorted(py)} vs {sorted(js or {})}"
        for k in py:
            assert_close(js[k], py[k], f"{where}.{k}")
    elif isinstance(py, str) or py is None:
        assert js == py, f"{where}: {js!r} != {py!r}"
    else:
        a, b = np.asarray(js, dtype=float), np.asarray(py, dtype=float)
        assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=where)


def random_params(rng, G, H, D, peepholes=False, scale=1.5):
    p = {"weight_ih": rng.normal(0, scale, (G * H, D)), "weight_hh": rng.normal(0, scale, (G * H, H)),
         "bias_ih": rng.normal(0, 1, G * H), "bias_hh": rng.normal(0, 1, G * H)}
    if peepholes:
        p.update({k: rng.normal(0, 1, H) for k in ("peep_i", "peep_f", "peep_o")})
    return p


def as_lists(p):
    return {k: np.asarray(v).tolist() for k, v in p.items()}


def random_sizes(rng):
    """H (1 to 6 units), D (1 to 5 inputs)."""
    return int(rng.integers(1, 7)), int(rng.integers(1, 6))


def random_step_inputs(rng, H, D):
    """x (1, D), h (1, H), c (1, H) for one step."""
    return rng.normal(0, 2, (1, D)), rng.uniform(-1, 1, (1, H)), rng.normal(0, 2, (1, H))


def step_case(fn, p, **rows):
    """A driver case: the function's name, the parameters and each (1, n) array as a list (its one row)."""
    return {"fn": fn, "p": as_lists(p), **{k: v[0].tolist() for k, v in rows.items()}}


def assert_js_matches_numpy(run_js, name, seed, count, make):
    """``count`` cases from make(rng, n) -> (a driver case, numpy's values), evaluated by the front end of
    explorer ``name``: the same numbers."""
    rng = np.random.default_rng(seed)
    cases, expected = zip(*(make(rng, n) for n in range(count)))
    for n, (js, py, case) in enumerate(zip(run_js(name, list(cases)), expected, cases)):
        assert_close(js, py, f"{case['fn']} case {n} {case.get('opts', '')}")


def assert_states_close(run_js, name, twin, seed, count, make, also=()):
    """``count`` states from make(rng, n), and the states ``also``, through the JavaScript compute of explorer
    ``name`` and through its numpy ``twin``: the same numbers."""
    rng = np.random.default_rng(seed)
    states = [make(rng, n) for n in range(count)] + list(also)
    results = run_js(name, [{"fn": "compute", "state": s} for s in states])
    for n, (js, s) in enumerate(zip(results, states)):
        assert_close(js, twin(s), f"{name} state {n}")


# ============================================================== the cell steps the explorers share
@needs_node
def test_sigmoid_matches_lstmkit(run_js):
    xs = np.concatenate([np.linspace(-50, 50, 401), np.random.default_rng(0).normal(0, 10, 600)])
    (js,) = run_js("gate_explorer", [{"fn": "sigmoid", "xs": xs.tolist()}])
    from lstmkit import sigmoid
    assert_close(js, sigmoid(xs), "sigmoid")


@needs_node
def test_lstm_step_matches_lstmkit_all_variants(run_js):
    variants = [dict(), dict(peepholes=True), dict(coupled=True), dict(coupled=True, peepholes=True),
                dict(forget_gate=False), dict(forget_gate=False, peepholes=True)]

    def make(rng, n):
        opts = variants[n % 6]
        H, D = random_sizes(rng)
        G = len(cells.lstm_gate_names(opts.get("forget_gate", True), opts.get("coupled", False)))
        p = random_params(rng, G, H, D, peepholes=opts.get("peepholes", False))
        x, h, c = random_step_inputs(rng, H, D)
        hn, cn, cache = cells.lstm_step_forward(x, h, c, p, **opts)
        return (step_case("lstmStep", p, x=x, h=h, c=c) | {"opts": opts},
                {k: cache[k][0] for k in ("i", "f", "g", "o")} | {"c": cn[0], "h": hn[0]})
    assert_js_matches_numpy(run_js, "variant_switch", 1, 240, make)


@needs_node
def test_lstm_step_backward_matches_lstmkit(run_js):
    def make(rng, n):
        H, D = random_sizes(rng)
        p = random_params(rng, 4, H, D)
        x, h, c = random_step_inputs(rng, H, D)
        dh, dc = rng.normal(0, 1, (1, H)), rng.normal(0, 1, (1, H))
        _, _, cache = cells.lstm_step_forward(x, h, c, p)
        _, dh_prev, dc_prev, _ = cells.lstm_step_backward(dh, dc, cache)
        return (step_case("lstmStepBackward", p, x=x, h=h, c=c, dh=dh, dc=dc),
                {"dh_prev": dh_prev[0], "dc_prev": dc_prev[0]})
    assert_js_matches_numpy(run_js, "vanishing_explorer", 2, 200, make)


@needs_node
def test_gru_and_rnn_steps_match_lstmkit(run_js):
    def make(rng, n):
        H, D = random_sizes(rng)
        x, h = rng.normal(0, 2, (1, D)), rng.uniform(-1, 1, (1, H))
        if n % 2:                               # the explorers' GRU is Cho et al.'s (reset_after=False)
            p = random_params(rng, 3, H, D)
            hn, cache = cells.gru_step_forward(x, h, p)
            return step_case("gruStep", p, x=x, h=h), {k: cache[k][0] for k in ("r", "z", "n")} | {"h": hn[0]}
        p = random_params(rng, 1, H, D)
        dh = rng.normal(0, 1, (1, H))
        hn, cache = cells.rnn_step_forward(x, h, p)
        _, dh_prev, _ = cells.rnn_step_backward(dh, cache)
        return step_case("rnnStep", p, x=x, h=h, dh=dh), {"h": hn[0], "dh_prev": dh_prev[0]}
    assert_js_matches_numpy(run_js, "variant_switch", 3, 200, make)


# ================================================================ the four explorers, state to view
@needs_node
def test_gate_explorer_js_equals_numpy(run_js):
    def make(rng, n):
        s = {"x": rng.uniform(-3, 3), "h_prev": rng.uniform(-1, 1), "c_prev": rng.uniform(-3, 3)}
        for k in W.GATES:
            s.update({f"w_x{k}": rng.uniform(-4, 4), f"w_h{k}": rng.uniform(-4, 4), f"b_{k}": rng.uniform(-5, 5)})
        return s
    assert_states_close(run_js, "gate_explorer", W.gate_values, 4, 500, make,
                        also=[W.GateExplorer().state()])            # the defaults the book shows


@needs_node
def test_memory_explorer_js_equals_numpy(run_js):
    def make(rng, n):
        T = int(rng.integers(1, 201))
        f = [0.0, 1.0, 0.5][n % 3] if n < 9 else float(rng.uniform(0, 1))
        return {"T": T, "f": f, "i": float(rng.uniform(0, 1)), "v": float(rng.uniform(-2, 2)),
                "d": float(rng.uniform(-1, 1)), "w": float(rng.uniform(-3, 3)),
                "schedule": int(rng.integers(0, 3)), "erase_step": int(rng.integers(2, 201))}
    assert_states_close(run_js, "memory_explorer", W.memory_values, 5, 300, make)


@needs_node
def test_vanishing_explorer_js_equals_numpy(run_js):
    def make(rng, n):
        data = W.vanishing_data(seed=n, steps=int(rng.integers(2, 61)), hidden=int(rng.integers(1, 17)),
                                inputs=int(rng.integers(1, 5)))
        return {"rho": float(rng.uniform(0.1, 2.0)), "activation_index": n % 3,
                "forget_bias": float(rng.uniform(-4, 8)), "data": data}
    assert_states_close(run_js, "vanishing_explorer", W.vanishing_values, 6, 36, make)


@needs_node
def test_variant_switch_js_equals_numpy(run_js):
    def make(rng, n):
        params = {k: rng.normal(0, 1.5, len(v)).tolist() for k, v in W.variant_params().items()}
        return {"variant_index": n % 4, "pattern_index": int(rng.integers(0, 4)),
                "amplitude": float(rng.uniform(0, 3)), "forget_bias": float(rng.uniform(-3, 6)),
                "peephole": float(rng.uniform(-3, 3)), "params": params,
                "patterns": W.variant_patterns(steps=int(rng.integers(1, 25)), seed=n)}
    assert_states_close(run_js, "variant_switch", W.variant_values, 7, 120, make)


# =================================================== the numpy twins against independent truths
def logit(p):
    return np.log(p) - np.log1p(-p)


def test_memory_twin_matches_lstm_with_gates_set_by_their_preactivations():
    """Drive lstmkit's LSTM cell with pre-activations logit(f), logit(i), artanh(d): same c_t as the twin,
    and lstm_step_backward carries dc back by exactly the twin's gradient product."""
    rng = np.random.default_rng(8)
    for _ in range(20):
        T, f, i, v, d = int(rng.integers(2, 60)), rng.uniform(0.05, 0.999), rng.uniform(0.05, 0.95), \
            rng.uniform(-2, 2), rng.uniform(-0.9, 0.9)
        twin = W.memory_values({"T": T, "f": f, "i": i, "v": v, "d": d, "w": 1.0, "schedule": 0, "erase_step": 2})
        p = {"weight_ih": np.zeros((4, 1)), "weight_hh": np.zeros((4, 1)), "bias_hh": np.zeros(4),
             "bias_ih": np.array([logit(i), logit(f), np.arctanh(d), 0.0])}
        c, h = np.array([[v]]), np.zeros((1, 1))
        caches = []
        for t in range(2, T + 1):
            h, c, cache = cells.lstm_step_forward(np.zeros((1, 1)), h, c, p)
            caches.append(cache)
            assert c[0, 0] == pytest.approx(twin["c"][t - 1], rel=1e-12, abs=1e-12)
        dc = np.ones((1, 1))
        for cache in reversed(caches):
            _, _, dc, _ = cells.lstm_step_backward(np.zeros((1, 1)), dc, cache)
        assert dc[0, 0] == pytest.approx(twin["cell_grad"][-1], rel=1e-9)


def test_memory_half_life_is_where_half_is_left():
    for f in (0.5, 0.9, 0.97, 0.999):
        s = {"T": 20000, "f": f, "i": 0.0, "v": 1.0, "d": 0.0, "w": 1.0, "schedule": 0, "erase_step": 2}
        out = W.memory_values(s)
        lag = out["cell_half_lag"]
        assert f ** lag <= 0.5 < f ** (lag - 1)                  # the first lag with at most half left
        assert lag - 1 < out["half_life"] <= lag                  # f ** half_life == 1/2 exactly
        assert out["c"][lag] == pytest.approx(f ** lag)
    s["f"] = 1.0
    assert W.memory_values(s)["half_life"] is None and W.memory_values(s)["cell_half_lag"] is None
    erase = W.memory_values({**s, "T": 30, "f": 1.0, "schedule": 1, "erase_step": 10})
    assert erase["c"][8] == 1.0 and erase["c"][9] == 0.0 and erase["cell_half_lag"] == 9
    over = W.memory_values({**s, "T": 30, "f": 0.9, "i": 0.0, "d": 0.4, "schedule": 2, "erase_step": 10})
    assert over["c"][8] == pytest.approx(0.9 ** 8) and over["c"][9] == 0.4 and over["c"][10] == pytest.approx(0.36)


def test_memory_rnn_gradient_product_matches_finite_differences():
    s = {"T": 12, "f": 0.9, "i": 0.3, "v": 0.4, "d": 0.2, "w": 1.3, "schedule": 0, "erase_step": 2}
    out = W.memory_values(s)

    def h_T(h1):
        h = h1
        for _ in range(s["T"] - 1):
            h = np.tanh(s["w"] * h + s["d"])
        return h

    eps, h1 = 1e-6, np.tanh(s["v"])
    numeric = (h_T(h1 + eps) - h_T(h1 - eps)) / (2 * eps)
    assert out["rnn_grad"][-1] == pytest.approx(numeric, rel=1e-5)    # central differences: ~1e-10 abs


def test_vanishing_linear_rnn_norm_is_rho_to_the_lag():
    """With a linear activation and W_hh = rho Q (Q orthogonal), |dL/dh_{T-k}| = rho**k exactly."""
    data = W.vanishing_data(seed=3, steps=40, hidden=8, inputs=2)
    Q = np.asarray(data["Q"])
    np.testing.assert_allclose(Q @ Q.T, np.eye(8), atol=1e-12)
    for rho in (0.5, 0.9, 1.0, 1.1):
        out = W.vanishing_values({"rho": rho, "activation_index": 2, "forget_bias": 1.0, "data": data})
        np.testing.assert_allclose(out["rnn_norm"], rho ** np.arange(40), rtol=1e-10)


def test_vanishing_tanh_rnn_is_bounded_by_rho_to_the_lag():
    """|tanh'| <= 1, so the tanh RNN's gradient can never exceed the linear one (Pascanu et al. 2013)."""
    data = W.vanishing_data(seed=4)
    for rho in (0.8, 1.0, 1.5):
        out = W.vanishing_values({"rho": rho, "activation_index": 0, "forget_bias": 1.0, "data": data})
        assert np.all(np.asarray(out["rnn_norm"]) <= rho ** np.arange(50) * (1 + 1e-12))


def test_vanishing_lstm_norms_match_a_full_layer_backward():
    """The twin's step-by-step BPTT equals lstmkit.LSTM's fused backward over the whole sequence: run the
    layer from the state after step 1, so its gradient w.r.t. that initial state is the lag T - 1 one."""
    from lstmkit import LSTM
    T, H, D, rho, fb = 30, 6, 3, 0.9, 2.0
    data = W.vanishing_data(seed=5, steps=T, hidden=H, inputs=D)
    out = W.vanishing_values({"rho": rho, "activation_index": 0, "forget_bias": fb, "data": data})
    params = {"weight_ih": np.asarray(data["lstm_weight_ih"]), "weight_hh": rho * np.asarray(data["lstm_weight_hh"]),
              "bias_ih": np.r_[np.zeros(H), np.full(H, fb), np.zeros(2 * H)], "bias_hh": np.zeros(4 * H)}
    layer = LSTM(D, H, seed=0)
    for k, v in params.items():
        layer.params[k][...] = v
    X = np.asarray(data["X"])[:, None, :]
    h1, c1, _ = cells.lstm_step_forward(X[0], np.zeros((1, H)), np.zeros((1, H)), params)
    layer.forward(X[1:], state=(h1, c1))
    dH = np.zeros((T - 1, 1, H))
    dH[-1, 0] = data["e"]
    _, (dh1, dc1) = layer.backward(dH)
    assert out["lstm_h_norm"][-1] == pytest.approx(np.linalg.norm(dh1), rel=1e-9)
    assert out["lstm_c_norm"][-1] == pytest.approx(np.linalg.norm(dc1), rel=1e-9)
    assert out["lstm_c_norm"][-1] > 1e-6          # with forget bias 2 the cell path still carries signal


def test_variant_switch_twin_relations():
    """Checks that need no second implementation: the coupled cell's f is 1 - i; with a zero peephole
    weight the peephole cell is the standard one; the GRU obeys h = (1 - z) n + z h_prev."""
    state = {"variant_index": 0, "pattern_index": 3, "amplitude": 1.7, "forget_bias": 0.5, "peephole": 0.0,
             "params": W.variant_params(), "patterns": W.variant_patterns()}
    out = W.variant_values(state)
    np.testing.assert_allclose(out["coupled"]["gates"]["f"], 1 - np.asarray(out["coupled"]["gates"]["i"]))
    assert out["peephole"]["h"] == out["standard"]["h"]
    g = out["gru"]
    h_prev = np.r_[0.0, g["h"][:-1]]
    z, n = np.asarray(g["gates"]["z"]), np.asarray(g["gates"]["n"])
    np.testing.assert_allclose(g["h"], (1 - z) * n + z * h_prev, rtol=1e-14)
    assert out["x"] == pytest.approx([1.7 * v for v in state["patterns"][3]])
