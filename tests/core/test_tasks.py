"""Tests for lstmkit.tasks and the long-time-lag experiments (lstmkit.longlag, lstmkit.gradflow, lstmkit.runs).

The generators are checked against the definitions of Hochreiter & Schmidhuber (1997), typed in here from the paper
(positions 1-based as it counts them, classes from its rules), and against small examples worked by hand; the
criteria on hand-made outputs; the gradient curves against the layers' own backward pass and finite differences;
training against the claim of the chapter (an LSTM solves the adding problem at T = 50, an SRN of the same size
with the same budget does not); and the runs against themselves wherever they run.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lstmkit import gradflow, longlag, runs, tasks
from lstmkit.train import SequenceModel

ROOT = Path(__file__).resolve().parents[2]

# The paper's rules for the temporal order task (section 5.6), typed in.
ORDER_RULES_6A = {"XX": "Q", "XY": "R", "YX": "S", "YY": "U"}
ORDER_RULES_6B = {"XXX": "Q", "XXY": "R", "XYX": "S", "XYY": "U", "YXX": "V", "YXY": "A", "YYX": "B", "YYY": "C"}
# The windows of the relevant symbols at T = 100, as the paper gives them (1-based positions, inclusive).
PAPER_WINDOWS = {2: [(10, 20), (50, 60)], 3: [(10, 20), (33, 43), (66, 76)]}


# ------------------------------------------------------------------------------------------------
# The adding problem (experiment 4)
# ------------------------------------------------------------------------------------------------
def test_adding_by_hand():
    """A sequence worked by hand from the definition: the two values whose marker is 1.0, scaled."""
    b = tasks.adding(1, 20, seed=0)
    X = b.X[:, 0]
    marked = np.flatnonzero(X[:, 1] == 1.0)
    assert len(marked) == 2
    x1, x2 = X[marked, 0]
    assert b.target[0, 0] == pytest.approx(0.5 + (x1 + x2) / 4)
    assert list(b.relevant[0]) == list(marked)
    # every step but the first, the last and the two marked ones has marker 0
    others = np.setdiff1d(np.arange(b.lengths[0]), [0, b.lengths[0] - 1, *marked])
    assert np.all(X[others, 1] == 0.0)


def test_adding_follows_the_paper():
    T, n = 100, 4000
    b = tasks.adding(n, T, seed=1)
    L, cols = b.lengths, np.arange(n)
    assert b.X.shape == (L.max(), n, 2) and b.mask.shape == (L.max(), n)
    assert set(np.unique(L)) == set(range(T, T + T // 10 + 1))          # lengths T .. T + T/10, each drawn
    real = b.mask
    assert np.all(b.X[~real] == 0.0)                                     # padding is zero
    values, markers = b.X[..., 0], b.X[..., 1]
    assert np.all(np.abs(values[real]) <= 1.0) and values[real].std() == pytest.approx(1 / np.sqrt(3), abs=0.01)
    assert np.all((markers == 1.0).sum(axis=0) == 2)                     # exactly two marked pairs
    first, second = b.relevant.min(axis=1), b.relevant.max(axis=1)
    assert set(np.unique(first)) <= set(range(10))                      # one of the first ten pairs ...
    assert np.all(second < T // 2)                                       # ... and one of the first T/2
    assert np.all(L - 1 - second >= T // 2)                              # minimal lag T/2, as in Table 7
    assert set(np.unique(second)) == set(range(1, T // 2))              # every step of the window is drawn
    assert np.all(markers[L - 1, cols] == -1.0)                          # the last pair: -1
    not_marked = b.relevant.min(axis=1) != 0
    assert np.all(markers[0, not_marked] == -1.0)                        # the first pair: -1 unless marked
    assert np.all(values[0, ~not_marked] == 0.0)                         # marked: its value is set to 0
    assert (~not_marked).sum() > 0
    expected = 0.5 + values[b.relevant[:, 0], cols] / 4 + values[b.relevant[:, 1], cols] / 4
    np.testing.assert_allclose(b.target[:, 0], expected)
    assert np.all((b.target >= 0) & (b.target <= 1))                     # the sum scaled into [0, 1]


def test_adding_is_seeded_and_checks_its_arguments():
    a, b = tasks.adding(5, 50, seed=7), tasks.adding(5, 50, seed=7)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, tasks.adding(5, 50, seed=8).X)
    with pytest.raises(ValueError, match="T: expected an even number"):
        tasks.adding(2, 51)
    with pytest.raises(ValueError, match="T: expected an integer of at least 20"):
        tasks.adding(2, 10)
    with pytest.raises(ValueError, match="n: expected a positive integer"):
        tasks.adding(0, 50)
    with pytest.raises(ValueError, match="task: expected one of"):
        tasks.generate("parity", 2, 50)


# ------------------------------------------------------------------------------------------------
# Temporal order (experiment 6a, 6b)
# ------------------------------------------------------------------------------------------------
def decode(b, k):
    return "".join(tasks.ORDER_SYMBOLS[i] for i in b.X[:b.lengths[k], k].argmax(axis=1))


def test_order_by_hand():
    b = tasks.temporal_order(3, 100, seed=2)
    for k in range(3):
        s = decode(b, k)
        pattern = "".join(c for c in s if c in "XY")
        assert tasks.ORDER_CLASSES[2][b.target[k]] == ORDER_RULES_6A[pattern]
        assert s[0] == "E" and s[-1] == "B" and set(s[1:-1]) <= set("abcdXY")


@pytest.mark.parametrize("symbols", [2, 3])
def test_order_follows_the_paper(symbols):
    n = 3000
    b = tasks.temporal_order(n, 100, symbols=symbols, seed=3)
    assert b.task == ("order" if symbols == 2 else "order3")
    assert b.X.shape[2] == 8 and set(np.unique(b.lengths)) == set(range(100, 111))   # lengths 100 .. 110
    assert np.all(b.X.sum(axis=2) == b.mask)                                          # one-hot on real steps
    rules = ORDER_RULES_6A if symbols == 2 else ORDER_RULES_6B
    for k in range(n):
        s = decode(b, k)
        where = [t for t, c in enumerate(s) if c in "XY"]
        assert where == list(b.relevant[k])
        pattern = "".join(s[t] for t in where)
        assert tasks.ORDER_CLASSES[symbols][b.target[k]] == rules[pattern]
    for j, (lo, hi) in enumerate(PAPER_WINDOWS[symbols]):                         # 1-based, inclusive
        assert set(np.unique(b.relevant[:, j] + 1)) == set(range(lo, hi + 1))
    assert set(np.unique(b.target)) == set(range(2 ** symbols))


# ------------------------------------------------------------------------------------------------
# The copy task (experiment 2c)
# ------------------------------------------------------------------------------------------------
def test_copy_by_hand():
    names = tasks.copy_symbols(3).split()
    assert names == ["a1", "a2", "a3", "e", "b", "x", "y"]
    b = tasks.copy_task(2, 5, distractors=3, seed=2)
    for k in range(2):
        s = [names[i] for i in b.X[:b.lengths[k], k].argmax(axis=1)]
        assert s[0] == "b" and s[1] in ("x", "y") and s[-1] == "e"
        assert set(s[2:-1]) <= {"a1", "a2", "a3"} and len(s[2:-1]) >= 5
        assert b.target[k] == ("x", "y").index(s[1])


def test_copy_follows_the_paper():
    T, n = 50, 20000
    b = tasks.copy_task(n, T, seed=4)
    assert b.X.shape[2] == tasks.COPY_DISTRACTORS + 4
    extra = b.lengths - (T + 3)
    assert extra.min() == 0                                     # the shortest: T distractors, lag T + 1
    # after each distractor past the T-th, another with probability 9/10: k is geometric with mean 9
    assert extra.mean() == pytest.approx(9.0, abs=0.35)
    assert np.mean(extra == 0) == pytest.approx(0.1, abs=0.01)
    assert np.mean(b.target) == pytest.approx(0.5, abs=0.02)


# ------------------------------------------------------------------------------------------------
# The criteria
# ------------------------------------------------------------------------------------------------
def test_adding_criterion_on_hand_made_outputs():
    outputs = np.array([[0.5], [0.5], [0.75], [0.2]])
    target = np.array([[0.53], [0.55], [0.7125], [0.25]])
    # errors 0.03, 0.05, 0.0375, 0.05: right when below 0.04
    assert list(tasks.processed_correctly("adding", outputs, target)) == [True, False, True, False]
    np.testing.assert_array_equal(tasks.outputs_from_logits("adding", outputs), outputs)


def test_classification_criteria_on_hand_made_outputs():
    probs = np.array([[0.75, 0.10, 0.10, 0.05],      # largest error 0.25 < 0.3: right
                      [0.65, 0.30, 0.05, 0.00],      # 0.35: wrong
                      [0.10, 0.10, 0.70, 0.10],      # 0.30 is not below 0.3: wrong
                      [0.05, 0.05, 0.05, 0.85]])     # right
    assert list(tasks.processed_correctly("order", probs, np.array([0, 0, 2, 3]))) == [True, False, False, True]
    copy = np.array([[0.85, 0.15], [0.79, 0.21], [0.1, 0.9]])
    assert list(tasks.processed_correctly("copy", copy, np.array([0, 0, 1]))) == [True, False, True]
    p = tasks.outputs_from_logits("order", np.log(probs[[0]] + 1e-12))
    np.testing.assert_allclose(p, probs[[0]], atol=1e-9)
    assert tasks.allowed_wrong(2560) == 25 and tasks.solved(25) and not tasks.solved(26)     # 1 % of 2,560
    with pytest.raises(ValueError, match="outputs: expected shape"):
        tasks.processed_correctly("order", probs[:, :2], np.zeros(4, int))


def test_final_and_loss_targets_pick_each_sequences_last_step():
    b = tasks.adding(6, 20, seed=5)
    out = np.arange(b.X.shape[0] * 6).reshape(b.X.shape[0], 6, 1).astype(float)
    np.testing.assert_array_equal(b.final(out)[:, 0], out[b.lengths - 1, np.arange(6), 0])
    Y, last = b.loss_targets()
    assert last.sum() == 6 and np.all(last[b.lengths - 1, np.arange(6)])
    np.testing.assert_allclose(b.final(Y), b.target)
    assert np.all(Y[~last] == 0)


# ------------------------------------------------------------------------------------------------
# Gradients through time
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", longlag.MODEL_KINDS)
def test_input_gradients_match_the_layers_backward(kind):
    """The x curve of gradflow (the book's step functions) against the layer's own fused backward pass."""
    b = tasks.adding(4, 20, seed=6)
    b = tasks.TaskBatch("adding", b.X[:20], b.mask[:20], np.full(4, 20), b.target, b.relevant)   # one length
    m = SequenceModel.build(kind, 2, 8, 1, seed=3)
    curves = gradflow.state_gradients(m, b)
    out = m.forward(b.X)
    d = np.zeros_like(out)
    d[-1] = 2 * (out[-1] - b.target) / 4
    dH = m.readout.backward(d)
    dX, _ = m.rnn.backward(dH)
    norms = np.linalg.norm(dX, axis=2)[::-1]                              # (k steps back, B)
    expected = 10 ** np.log10(norms / norms[:1]).mean(axis=1)
    np.testing.assert_allclose(curves["x"], expected, rtol=1e-8)
    assert set(curves) == ({"c", "h", "x", "steps_back"} if kind.startswith("lstm") else {"h", "x", "steps_back"})


def test_cell_state_gradient_against_finite_differences():
    """||dL/dc_t|| of gradflow against central differences: nudge c_t (and h_t = o_t tanh(c_t) with it), run on."""
    from lstmkit import cells

    X = np.random.default_rng(0).uniform(-1, 1, size=(12, 1, 2))
    batch = tasks.TaskBatch("adding", X, np.ones((12, 1), bool), np.array([12]), np.array([[0.3]]),
                            np.array([[0, 1]]))
    m = SequenceModel.build("lstm", 2, 5, 1, seed=1)
    p, W, bias = m.rnn.params, m.readout.params["weight"], m.readout.params["bias"]

    def loss(t, delta):
        h, c = np.zeros((1, 5)), np.zeros((1, 5))
        for s in range(12):
            h, c, cache = cells.lstm_step_forward(X[s], h, c, p)
            if s == t:
                c = c + delta
                h = cache["o"] * np.tanh(c)
        return float((((h @ W.T + bias) - 0.3) ** 2).sum())

    def grad_norm(t, eps=1e-6):
        return np.linalg.norm([(loss(t, eps * e) - loss(t, -eps * e)) / (2 * eps) for e in np.eye(5)])

    curves = gradflow.state_gradients(m, batch)
    last = grad_norm(11)
    for t in (6, 0):
        assert curves["c"][11 - t] == pytest.approx(grad_norm(t) / last, rel=1e-5)


# ------------------------------------------------------------------------------------------------
# Runs: equal sizes, the record, determinism wherever they run
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("task", list(tasks.TASKS))
def test_models_have_equal_weight_counts(task):
    counts = {m: longlag.build_model(task, m, longlag.default_settings(task, m).hidden, seed=0).n_params
              for m in longlag.MODEL_KINDS}
    for m, n in counts.items():             # as close as a whole number of hidden units allows
        assert abs(n - counts["lstm"]) / counts["lstm"] < 0.025, m


def records_without_seconds(path):
    runs = json.loads(Path(path).read_text())["runs"]
    return [{k: v for k, v in r.items() if k not in ("seconds", "cpu_seconds")} for r in runs]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "lstmkit.tasks", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                                       "PATH": "/usr/bin:/bin"})


SMALL = ("--task", "adding", "--T", "20", "--model", "lstm", "--seeds", "2", "--max-sequences", "1024", "--quiet")


def test_same_seed_same_numbers_here_on_two_processes_and_on_dask(tmp_path):
    one, two, dask = tmp_path / "one.json", tmp_path / "two.json", tmp_path / "dask.json"
    r1 = cli(*SMALL, "--json", str(one), "--jobs", "1")
    assert r1.returncode == 0, r1.stderr
    r2 = cli(*SMALL, "--json", str(two), "--jobs", "2")
    assert r2.returncode == 0, r2.stderr
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        r3 = cli(*SMALL, "--json", str(dask), "--scheduler", cluster.scheduler_address)
    assert r3.returncode == 0, r3.stderr
    a = records_without_seconds(one)
    assert [r["seed"] for r in a] == [0, 1] and a[0] != a[1]
    assert a == records_without_seconds(two) == records_without_seconds(dask)
    for r in a:                                   # the schema the book and lstmkit.reber share
        assert {"task", "T", "model", "seed", "solved", "sequences", "updates", "n_params", "max_sequences",
                "settings", "test_wrong"} <= set(r)
        assert r["sequences"] == 1024 and r["updates"] == 1024 // r["settings"]["batch_size"]


def test_append_replaces_a_run_done_again(tmp_path):
    path = tmp_path / "runs.json"
    rec = {"task": "adding", "T": 50, "model": "lstm", "seed": 0, "max_sequences": 10, "solved": False,
           "settings": {"forget_bias": 1.0}}
    longlag.save_runs(path, [rec, dict(rec, seed=1)])
    longlag.save_runs(path, [dict(rec, solved=True), dict(rec, settings={"forget_bias": 3.0})], append=True)
    saved = json.loads(path.read_text())["runs"]
    assert sorted((r["seed"], r["solved"], r["settings"]["forget_bias"]) for r in saved) == [
        (0, False, 3.0), (0, True, 1.0), (1, False, 1.0)]       # another forget bias is another run


def test_chrono_runs_are_recorded_named_and_summarized_apart(tmp_path):
    path = tmp_path / "chrono.json"
    for bias in ("chrono", "3"):
        r = cli("--task", "adding", "--T", "20", "--seeds", "1", "--max-sequences", "128", "--quiet",
                "--forget-bias", bias, "--json", str(path), "--append")
        assert r.returncode == 0, r.stderr
    saved = json.loads(path.read_text())["runs"]
    assert [r["settings"]["forget_bias"] for r in saved] == ["chrono", 3.0]
    rows = longlag.summarize(saved)
    assert [longlag.label(r["model"], r["forget_bias"]) for r in rows] == ["LSTM, forget bias 3", "LSTM, chrono init"]
    # the run's network: forget biases log(u), u uniform on [1, T - 1] (T_max = T), input biases their negatives
    net = longlag.build_model("adding", "lstm", 32, seed=0, forget_bias="chrono", T=20)
    b = net.rnn.params["bias_ih"]
    assert np.all((b[32:64] >= 0) & (b[32:64] <= np.log(19) + 1e-6)) and np.array_equal(b[:32], -b[32:64])
    with pytest.raises(ValueError, match="T: chrono initialization needs"):
        longlag.build_model("adding", "lstm", 32, forget_bias="chrono")
    r = cli("--task", "adding", "--T", "20", "--seeds", "1", "--forget-bias", "chronos")
    assert r.returncode == 2 and "forget_bias: expected a number or 'chrono', got 'chronos'" in r.stderr


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="jobs: expected a positive integer"):
        runs.run_all(longlag.run_seed, [{}], jobs=0)
    with pytest.raises(ValueError, match="kind: expected one of"):
        longlag.default_settings("adding", "transformer")
    r = cli("--task", "adding", "--T", "51", "--seeds", "1")
    assert r.returncode == 2 and "--T" in r.stderr and "even" in r.stderr


# ------------------------------------------------------------------------------------------------
# The chapter's claim, in the test's time budget
# ------------------------------------------------------------------------------------------------
def test_lstm_solves_adding_at_T50_and_the_srn_does_not():
    budget = 100_000
    lstm = longlag.run_seed("adding", 50, "lstm", 0, max_sequences=budget)
    assert lstm["solved"] and lstm["sequences"] < budget
    assert lstm["test_wrong"] <= tasks.allowed_wrong()
    srn = longlag.run_seed("adding", 50, "srn", 0, max_sequences=budget)
    assert not srn["solved"] and srn["sequences"] == budget
    assert srn["n_params"] == pytest.approx(lstm["n_params"], rel=0.03)
    # the SRN is no better than always answering the mean, 0.5: about 15 % of the sums fall within 0.04 of it
    assert srn["test_wrong"] > 0.8 * tasks.N_TEST


def test_gradient_curves_record_every_network_before_and_after_training(tmp_path):
    path = tmp_path / "g.json"
    r = cli("--task", "adding", "--T", "20", "--max-sequences", "640", "--gradients", str(path))
    assert r.returncode == 0, r.stderr
    data = json.loads(path.read_text())
    assert data["T"] == 20 and list(data["models"]) == ["LSTM", "LSTM, forget bias 3", "LSTM, chrono init", "GRU",
                                                        "SRN"]
    for name, c in data["models"].items():
        model = c["record"]["model"]
        assert name.startswith(model.upper()) and c["record"]["sequences"] == 640
        assert c["record"]["settings"]["forget_bias"] == (3.0 if "bias 3" in name else "chrono" if "chrono" in name
                                                          else 1.0)
        for when in ("initial", "trained"):
            assert c[when]["steps_back"][0] == 0 and len(c[when]["steps_back"]) >= 20
            assert c[when]["h"][0] == 1.0 and ("c" in c[when]) == (model == "lstm")
        assert c["initial"]["h"] != c["trained"]["h"]
    # at initialization a forget bias of 3 keeps more of the gradient along the cell state than a bias of 1
    assert data["models"]["LSTM, forget bias 3"]["initial"]["c"][-1] > data["models"]["LSTM"]["initial"]["c"][-1]


def test_grid_runs_every_row_with_its_own_budget_and_options(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(longlag, "GRID", (("adding", 20, "srn", 2, 128, {}),
                                          ("copy", 5, "lstm", 1, 64, {"forget_bias": 3.0})))
    path = tmp_path / "grid.json"
    assert longlag.main(["--grid", "--quiet", "--json", str(path)]) == 0
    saved = json.loads(path.read_text())["runs"]
    assert [(r["task"], r["model"], r["seed"], r["max_sequences"], r["settings"]["forget_bias"]) for r in saved] == [
        ("adding", "srn", 0, 128, 1.0), ("adding", "srn", 1, 128, 1.0), ("copy", "lstm", 0, 64, 3.0)]
    assert "LSTM, forget bias 3" in capsys.readouterr().out
