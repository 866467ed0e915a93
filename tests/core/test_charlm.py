"""The character-level language model (lstmkit.charlm): the vocabulary, the corpus rule, truncated BPTT with
the carried state (finite differences), sampling, bits per character, the interpretable-unit search, and the
committed weights of the text chapter."""
import hashlib
import math
from importlib import resources

import numpy as np
import pytest

import lstmkit as lk
from lstmkit import results
from lstmkit.charlm import (ASCII, ModelSpec, Vocabulary, bits_per_char, corpus, one_hot, sample, softmax_sample,
                            streams)
from lstmkit.charlm import experiment, interpret, render
from lstmkit.charlm.model import chunk_loss
from lstmkit.charlm.training import TrainConfig, train_lm
from lstmkit.gradcheck import numerical_gradient, relative_error
from support.optional_deps import problem, reason

KINDS = ("lstm", "gru", "srn")


def tiny(kind, V=5, hidden=3, seed=0, dtype="float64"):
    """A two-layer model with random values in every weight (biases too)."""
    model = ModelSpec(kind, hidden, num_layers=2, vocab_size=V, dtype=dtype, seed=seed).build()
    rng = np.random.default_rng(seed + 1)
    for m in model.modules:
        for p in m.params.values():
            p[...] = rng.normal(0, 0.7, p.shape)
    return model


def params(model):
    return {f"{i}.{k}": v for i, m in enumerate(model.modules) for k, v in m.params.items()}


def grads(model):
    return {f"{i}.{k}": v.copy() for i, m in enumerate(model.modules) for k, v in m.grads.items()}


# ------------------------------------------------------------------------------------------ characters
def test_encoding_round_trip_and_unknown_characters():
    text = "".join(ASCII.chars) + "def f(x):\n\treturn x  # ok\n"
    codes = ASCII.encode(text)
    assert codes.dtype == np.uint8 and codes.shape == (len(text),) and codes.max() < ASCII.size == 98
    assert ASCII.decode(codes) == text
    assert list(ASCII.encode("ab")) == [ASCII.chars.index("a"), ASCII.chars.index("b")]
    odd = "é→😀\r"
    assert list(ASCII.encode(odd)) == [ASCII.unknown] * 4
    assert ASCII.decode(ASCII.encode("x = 'é'")) == "x = '\ufffd'"
    assert ASCII.encode("").shape == (0,)
    small = Vocabulary("ab")
    assert list(small.encode("abc")) == [0, 1, 2] and small.decode([0, 2, 1]) == "a\ufffdb"


def test_vocabulary_rejects_bad_input_by_name():
    with pytest.raises(ValueError, match="text: expected a str, got bytes"):
        ASCII.encode(b"abc")
    with pytest.raises(ValueError, match=r"codes: expected a 1-d integer array of values in \[0, 98\)"):
        ASCII.decode(np.array([0, 98]))
    with pytest.raises(ValueError, match="chars: expected distinct characters"):
        Vocabulary("aa")


def test_corpus_follows_its_documented_rule(tmp_path):
    files = {"a.py": "x = 1", "pkg/b.py": "y = 2\r\nz = 3\r\n", "pkg/c.py": "# -*- coding: latin-1 -*-\ns = 'é'\n",
             "site-packages/d.py": "no", "test/e.py": "no", "pkg/tests/f.py": "no", "encodings/g.py": "no",
             "pydoc_data/h.py": "no", "i.txt": "no"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(text.encode("latin-1"))
    kept = ["a.py", "pkg/b.py", "pkg/c.py"]
    h = {rel: int(hashlib.sha256(rel.encode()).hexdigest()[:8], 16) for rel in kept}
    want = {s: sorted((r for r in kept if (h[r] % 20 == 0) == (s == "valid")), key=h.get) for s in ("train", "valid")}
    assert corpus.list_files(tmp_path) == want
    c = corpus.load(tmp_path)
    texts = {"a.py": "x = 1\n", "pkg/b.py": "y = 2\nz = 3\n", "pkg/c.py": "# -*- coding: latin-1 -*-\ns = 'é'\n"}
    for split in ("train", "valid"):
        assert c.texts[split] == "".join(texts[r] for r in want[split])
        assert c.file_texts(split) == [texts[r] for r in want[split]]
    assert c.describe()["sha256"]["train"] == hashlib.sha256(c.texts["train"].encode()).hexdigest()
    with pytest.raises(ValueError, match="root: expected the folder of a Python standard library"):
        corpus.list_files(tmp_path / "nowhere")


def test_streams_cut_the_text_into_parallel_pieces():
    S = streams(np.arange(11), 3)
    np.testing.assert_array_equal(S, [[0, 3, 6], [1, 4, 7], [2, 5, 8]])
    with pytest.raises(ValueError, match="codes: expected a 1-d array of at least 2 \\* B = 6 codes"):
        streams(np.arange(5), 3)


# ------------------------------------------------------------------------------------------ truncated BPTT
@pytest.mark.parametrize("kind", KINDS)
def test_carried_state_across_chunks_equals_the_whole_sequence(kind):
    model = tiny(kind)
    S = np.random.default_rng(2).integers(0, 5, size=(13, 3))
    whole, _ = model.forward_with_state(one_hot(S, 5, np.float64))
    parts, state = [], None
    for t0 in (0, 4, 8, 12):
        logits, state = model.forward_with_state(one_hot(S[t0:t0 + 4], 5, np.float64), state)
        parts.append(logits)
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_bptt_gradient_is_the_gradient_of_the_chunk_loss(kind):
    """One chunk that covers the sequence: the update's gradient is the full BPTT gradient of the sequence's
    loss. Two chunks with the state carried: the second chunk's gradient is that of its loss with the
    incoming state held at its carried value, and it differs from the gradient through that state."""
    model = tiny(kind)
    S = np.random.default_rng(3).integers(0, 5, size=(9, 2))
    T = len(S) - 1

    _, dlogits, _ = chunk_loss(model, S, 0, T, None)
    model.backward(dlogits)
    analytic = grads(model)
    for key, arr in params(model).items():
        err = relative_error(analytic[key], numerical_gradient(lambda: chunk_loss(model, S, 0, T, None)[0], arr))
        assert err < 1e-6, f"{kind}, one chunk: gradient of {key} has relative error {err:.2e}"

    k = 4
    carried = chunk_loss(model, S, 0, k, None)[2]
    _, dlogits, _ = chunk_loss(model, S, k, k, carried)
    model.backward(dlogits)
    analytic = grads(model)
    differs = 0.0
    for key, arr in params(model).items():
        frozen = numerical_gradient(lambda: chunk_loss(model, S, k, k, carried)[0], arr)
        through = numerical_gradient(lambda: chunk_loss(model, S, k, k, chunk_loss(model, S, 0, k, None)[2])[0], arr)
        err = relative_error(analytic[key], frozen)
        assert err < 1e-6, f"{kind}, second chunk: gradient of {key} has relative error {err:.2e}"
        differs = max(differs, relative_error(analytic[key], through))
    assert differs > 1e-3, "truncation should cut the gradient through the carried state"


def test_training_learns_a_repetitive_text_and_is_deterministic():
    text = "def f(x):\n    return x + 1\n" * 200
    codes = ASCII.encode(text)
    cfg = TrainConfig(batch=4, bptt=20, steps=150, lr=3e-2, log_every=50)
    runs = []
    for _ in range(2):
        model = ModelSpec("lstm", 16, num_layers=1, vocab_size=ASCII.size, seed=4).build()
        before = bits_per_char(model, codes, B=4, T=50)
        log = train_lm(model, codes, cfg, progress=False)
        runs.append((model, before, log))
    (m1, before, log), (m2, _, _) = runs
    after = bits_per_char(m1, codes, B=4, T=50)
    assert before > 5 and after < 1.0, (before, after)       # log2(98) = 6.6 at the start; the text has period 27
    assert log.steps == 150 and log.chars == 150 * 4 * 20 and [h[0] for h in log.history] == [50, 100, 150]
    for a, b in zip(params(m1).values(), params(m2).values()):
        np.testing.assert_array_equal(a, b)
    assert cfg.lr_at(0) == pytest.approx(3e-2) and cfg.lr_at(149) == pytest.approx(3e-3)
    with pytest.raises(ValueError, match="bptt: expected a positive integer, got 0"):
        TrainConfig(bptt=0)


# ------------------------------------------------------------------------------------------ bits and samples
def test_bits_per_char_of_a_uniform_model_is_log2_V():
    model = ModelSpec("lstm", 8, vocab_size=ASCII.size, dtype="float64").build()
    model.readout.params["weight"][...] = 0
    codes = ASCII.encode("import os\nprint(os.sep)\n" * 30)
    assert bits_per_char(model, codes, B=3, T=7) == pytest.approx(math.log2(98), rel=1e-12)


def test_bits_per_char_is_the_mean_negative_log2_probability():
    """Against a plain loop: one stream, the model's softmax at every position, -log2 of the next code."""
    model = tiny("gru", V=ASCII.size, hidden=4)
    codes = ASCII.encode("while True:\n    pass\n")
    logits, _ = model.forward_with_state(one_hot(codes[:-1, None], ASCII.size, np.float64))
    z = logits[:, 0] - logits[:, 0].max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    want = -np.mean(logp[np.arange(len(codes) - 1), codes[1:]]) / math.log(2)
    assert bits_per_char(model, codes, B=1, T=5) == pytest.approx(want, rel=1e-12)


def test_sampling_at_temperature_zero_is_the_argmax():
    model = tiny("lstm", V=ASCII.size, hidden=6, seed=5)
    prime = "def "
    greedy = sample(model, ASCII, prime, 40, temperature=0)
    assert sample(model, ASCII, prime, 40, temperature=1e-6, seed=1) == greedy
    full = ASCII.encode(prime + greedy)
    logits, _ = model.forward_with_state(one_hot(full[:-1, None], ASCII.size, np.float64))
    np.testing.assert_array_equal(logits[len(prime) - 1:, 0].argmax(-1), full[len(prime):])


def test_softmax_sample_draws_from_the_tempered_distribution():
    logits = np.array([1.0, 0.0, -1.0, 2.0])
    rng = np.random.default_rng(0)
    for temperature in (0.5, 1.0, 3.0):
        p = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
        n = 40_000
        counts = np.bincount([softmax_sample(logits, temperature, rng) for _ in range(n)], minlength=4)
        assert np.abs(counts / n - p).max() < 4 * np.sqrt(p * (1 - p) / n).max() + 1e-3, (temperature, counts / n, p)
    with pytest.raises(ValueError, match="temperature: expected a number >= 0, got -1"):
        softmax_sample(logits, -1, rng)


# ------------------------------------------------------------------------------------------ interpretable units
def test_code_features_by_hand():
    src = 'if x:\n    s = "a(b" + f(1, [2])  # c\n'
    f = interpret.code_features([src])
    line2 = src.index("\n") + 1
    q = src.index('"')
    assert f["in_string"].tolist() == [1.0 if q <= i <= q + 4 else 0.0 for i in range(len(src))]
    hash_at = src.index("#")
    assert f["in_comment"][hash_at:hash_at + 3].tolist() == [1, 1, 1] and f["in_comment"][:hash_at].sum() == 0
    assert f["indent"][:line2].max() == 0 and set(f["indent"][line2:]) == {4}
    assert f["column"][line2:line2 + 5].tolist() == [0, 1, 2, 3, 4]
    depth = {src.index("f("): 0, src.index("(1"): 1, src.index("1,"): 1, src.index("[2"): 2, src.index("2]"): 2,
             src.index("])"): 1, src.index(")  #"): 0, q + 2: 0}
    assert {i: int(f["bracket_depth"][i]) for i in depth} == depth


def test_correlations_are_pearson_and_best_units_find_a_planted_unit():
    rng = np.random.default_rng(6)
    feat = {"in_string": (rng.random(500) < 0.3).astype(float), "column": rng.normal(size=500)}
    acts = rng.normal(size=(500, 8))
    acts[:, 5] = -2 * feat["in_string"] + 0.1 * rng.normal(size=500)
    r = interpret.correlations(acts, feat)
    for name, v in feat.items():
        np.testing.assert_allclose(r[name], [np.corrcoef(acts[:, u], v)[0, 1] for u in range(8)], atol=1e-12)
    assert interpret.probe(acts, feat)["in_string"] > 0.99          # unit 5 alone carries it
    spread = rng.normal(size=(500, 8))
    spread[:, :4] += feat["column"][:, None]                      # four noisy copies: the sum is cleaner
    r_spread = interpret.correlations(spread, feat)["column"]
    assert interpret.probe(spread, feat)["column"] > max(np.abs(r_spread)) + 0.05
    assert abs(interpret.probe(rng.normal(size=(500, 8)), feat)["column"]) < 0.2
    w_true = rng.normal(size=8)                                     # an exact linear feature: r = 1 on new rows
    assert interpret.probe(acts, {"lin": acts @ w_true + 3})["lin"] == pytest.approx(1, abs=1e-9)
    best = interpret.best_units(r, hidden=4)
    assert best[0] == interpret.Finding("in_string", 1, 1, pytest.approx(r["in_string"][5]))
    assert best[0].r < -0.9


def test_highlight_is_readable_in_every_colour_of_both_themes():
    for theme, p in render.PALETTES.items():
        for k in range(-render.LEVELS, render.LEVELS + 1):
            assert render.contrast_ratio(render.colour(k, theme), p["text"]) >= 4.5, (theme, k)
        assert render.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert [render.level(v, 2.0) for v in (-2.5, -1.0, 0.1, 0.3, 2.0)] == [-4, -2, 0, 1, 4]
    out = render.highlight("a<b", [-1.0, 0.0, 1.0], label="unit 3", summary="high in strings", ident="x")
    assert '<span class="lk-hl-n4">a</span>&lt;<span class="lk-hl-p4">b</span>' in out
    assert 'aria-describedby="x-summary"' in out and 'id="x-summary"' in out and "high in strings" in out
    shifted = render.highlight("ab", [9.0, 11.0], center=10.0, label="u", summary="s", ident="z")
    assert '<span class="lk-hl-n4">a</span><span class="lk-hl-p4">b</span>' in shifted and "+12.00" not in shifted
    assert "+9.00" in shifted and "+11.00" in shifted
    css = render.stylesheet()
    assert "html[data-theme=dark] .lk-hl .lk-hl-p4{background:#8a4410;color:#eeeeee}" in css
    assert ".lk-hl .lk-hl-n4{background:#7fb2e0;color:#111111}" in css
    with pytest.raises(ValueError, match=r"values: expected one value per character, shape \(3,\)"):
        render.highlight("abc", [1.0], label="u", summary="s", ident="y")


# ------------------------------------------------------------------------------------------ the committed models
def test_committed_weights_reproduce_the_recorded_validation_bpc():
    record = results.load_data("charlm.json")
    codes, same_text = experiment.validation_codes(record)
    counts = []
    for kind in KINDS:
        entry = record["models"][kind]
        model = experiment.load_model(kind, record)
        assert model.n_params == entry["n_params"] == ModelSpec(**entry["spec"]).n_params
        counts.append(entry["n_params"])
        bpc = bits_per_char(model, codes, **record["eval"])
        if same_text:                      # this Python's library is the text the record measured
            assert bpc == pytest.approx(entry["valid_bpc"], abs=1e-5), kind
        else:                              # another Python version: a slightly different text
            assert bpc == pytest.approx(entry["valid_bpc"], abs=0.05), kind
    assert all(abs(n / counts[0] - 1) < 0.01 for n in counts), counts     # equal weight counts, within 1 %
    sizes = {name: len((resources.files("lstmkit") / "data" / name).read_bytes()) for name in results.TEXT_RESULTS}
    assert sum(sizes.values()) < 5_000_000, sizes                # small enough to ship with the package


def test_the_command_records_what_its_weight_files_give(tmp_path):
    """python -m lstmkit.charlm at a tiny size: the record names the text and the settings, and every weight file
    read back gives the recorded validation bits per character."""
    import json

    assert experiment.main(["--steps", "3", "--hidden", "8", "--valid-chars", "5000", "--out", str(tmp_path),
                            "--quiet"]) == 0
    record = json.loads((tmp_path / "charlm.json").read_text())
    assert record["python"] == corpus.platform.python_version() and record["train"]["steps"] == 3
    assert record["corpus"]["files"]["valid"] and record["corpus"]["chars"]["valid"] >= 5000
    assert all(0 < m["cpu_seconds"] and 0 < m["seconds"] for m in record["models"].values())
    codes = ASCII.encode(corpus.load(max_chars={"train": 0, "valid": 5000}).texts["valid"])
    for kind in KINDS:
        entry = record["models"][kind]
        arrays = experiment.read_npz(tmp_path / entry["weights"])
        model = experiment.set_weights(ModelSpec(**entry["spec"]).build(), arrays)
        assert bits_per_char(model, codes, **record["eval"]) == pytest.approx(entry["valid_bpc"], abs=1e-9)
        assert {f["feature"] for f in record["cells"][kind]["findings"]} == set(interpret.FEATURES)


@pytest.mark.skipif(bool(problem("torch")), reason=reason("torch"))
def test_truncated_bptt_training_follows_torch_update_by_update():
    """60 updates of train_step (carried state, clipping, Adam) against the same updates in PyTorch from the same
    weights, in float64: the losses agree to rounding at every update."""
    import torch

    from lstmkit.charlm.training import train_step

    V, H, B, T = 20, 16, 4, 10
    S = streams(np.random.default_rng(0).integers(0, V, 4000).astype(np.uint8), B)
    torch.manual_seed(0)
    rnn, lin = torch.nn.LSTM(V, H, num_layers=2).double(), torch.nn.Linear(H, V).double()
    ours = ModelSpec("lstm", H, vocab_size=V, dtype="float64").build()
    ours.rnn.load_torch_state_dict(rnn.state_dict())
    ours.readout.params["weight"][...] = lin.weight.detach().numpy()
    ours.readout.params["bias"][...] = lin.bias.detach().numpy()
    opt = lk.Adam(ours.modules, lr=2e-3)
    topt = torch.optim.Adam([*rnn.parameters(), *lin.parameters()], lr=2e-3)
    state, tstate = None, None
    for step in range(60):
        t0 = step * T
        loss, state = train_step(ours, S, t0, T, state, opt, 1.0)
        out, tstate = rnn(torch.tensor(one_hot(S[t0:t0 + T], V, np.float64)), tstate)
        tloss = torch.nn.functional.cross_entropy(lin(out).reshape(-1, V),
                                                  torch.tensor(S[t0 + 1:t0 + T + 1].astype(np.int64)).reshape(-1))
        topt.zero_grad()
        tloss.backward()
        torch.nn.utils.clip_grad_norm_([*rnn.parameters(), *lin.parameters()], 1.0)
        topt.step()
        tstate = tuple(s.detach() for s in tstate)                 # the gradient stops at the chunk's start
        assert loss == pytest.approx(tloss.item(), rel=1e-10), step
