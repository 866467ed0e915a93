"""Tests for lstmkit.train: the model wrapper, masks, clipping, the optimiser step, early
stopping and the sequence count, checked against hand-derived values and separate computations."""
import io

import numpy as np
import pytest

import lstmkit
from lstmkit import train as tr


def toy_data(T=6, N=10, D=3, K=4, seed=0):
    """Random inputs, multi-hot targets, and a mask of random lengths 2..T."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, N, D))
    Y = (rng.random((T, N, K)) < 0.4).astype(float)
    lengths = rng.integers(2, T + 1, size=N)
    lengths[0] = T
    mask = np.arange(T)[:, None] < lengths[None, :]
    return X, Y, mask, lengths


@pytest.mark.parametrize("kind, gates", [("srn", 1), ("lstm", 4), ("gru", 3)])
def test_model_shapes_and_parameter_count(kind, gates):
    m = tr.SequenceModel.build(kind, 3, 5, 4, seed=0)
    X = np.zeros((7, 2, 3))
    assert m.forward(X).shape == (7, 2, 4)
    # by hand: gates * H * (D + H + 2 biases) for the layer, K * H + K for the readout
    assert m.n_params == gates * 5 * (3 + 5 + 2) + 4 * 5 + 4


def test_unknown_kind_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match="kind"):
        tr.SequenceModel.build("transformer", 3, 5, 4)
    X, Y, mask, _ = toy_data()
    m = tr.SequenceModel.build("srn", 3, 5, 4, seed=0)
    with pytest.raises(ValueError, match="loss"):
        tr.train(m, X, Y, mask, loss="hinge")
    with pytest.raises(ValueError, match="Y"):
        tr.train(m, X, Y[..., 0].astype(int), mask, loss="bce")
    with pytest.raises(ValueError, match="mask"):
        tr.train(m, X, Y, mask[:-1])
    with pytest.raises(ValueError, match="batch_size"):
        tr.train(m, X, Y, mask, batch_size=0)
    with pytest.raises(ValueError, match="optimizer"):
        tr.train(m, X, Y, mask, optimizer="rmsprop")


def test_masked_batch_gradient_equals_per_sequence_gradients():
    """A padded batch gives the same gradient as running each sequence alone, unpadded, and
    weighting by its number of steps (the loss is a mean over real positions)."""
    X, Y, mask, lengths = toy_data(N=4)
    X[~mask] = 123.0  # garbage on padding must not matter
    m = tr.SequenceModel.build("lstm", 3, 5, 4, seed=1)
    loss, d = lstmkit.sigmoid_binary_cross_entropy(m.forward(X, mask), Y, mask)
    m.backward(d)
    batch = {k: v.copy() for mod in m.modules for k, v in mod.grads.items()}
    total = {k: np.zeros_like(v) for k, v in batch.items()}
    total_loss = 0.0
    for b, L in enumerate(lengths):
        xb, yb = X[:L, b:b + 1], Y[:L, b:b + 1]
        lb, db = lstmkit.sigmoid_binary_cross_entropy(m.forward(xb), yb)
        m.backward(db)
        total_loss += lb * L
        for mod in m.modules:
            for k, v in mod.grads.items():
                total[k] += v * L
    n = lengths.sum()
    assert loss == pytest.approx(total_loss / n)
    for k in batch:
        np.testing.assert_allclose(batch[k], total[k] / n, rtol=1e-9, atol=1e-12)


def params_of(m):
    return np.concatenate([p.ravel() for mod in m.modules for p in mod.params.values()])


def grads_of(m):
    return np.concatenate([g.ravel() for mod in m.modules for g in mod.grads.values()])


def one_batch_gradient(m, X, Y, mask):
    _, d = lstmkit.sigmoid_binary_cross_entropy(m.forward(X, mask), Y, mask)
    m.backward(d)
    return grads_of(m).copy()


def test_one_sgd_step_is_minus_lr_times_gradient():
    X, Y, mask, _ = toy_data(N=4)
    m = tr.SequenceModel.build("gru", 3, 5, 4, seed=2)
    before = params_of(m).copy()
    g = one_batch_gradient(m, X, Y, mask)
    # the whole data set is one batch of 4 (order does not change a mean), no clipping
    tr.train(m, X, Y, mask, optimizer="sgd", lr=0.3, batch_size=4, clip=None, max_sequences=4,
             seed=0, progress=False)
    np.testing.assert_allclose(params_of(m), before - 0.3 * g, rtol=1e-10, atol=1e-12)


def test_clipping_bounds_the_step():
    X, Y, mask, _ = toy_data(N=4)
    m = tr.SequenceModel.build("lstm", 3, 5, 4, seed=3)
    before = params_of(m).copy()
    g = one_batch_gradient(m, X, Y, mask)
    max_norm = 1e-3
    assert np.linalg.norm(g) > max_norm
    tr.train(m, X, Y, mask, optimizer="sgd", lr=1.0, batch_size=4, clip=max_norm,
             max_sequences=4, seed=0, progress=False)
    step = before - params_of(m)
    assert np.linalg.norm(step) == pytest.approx(max_norm, rel=1e-9)
    np.testing.assert_allclose(step, g * max_norm / np.linalg.norm(g), rtol=1e-8, atol=1e-15)


def test_stops_as_soon_as_the_criterion_holds_and_counts_sequences():
    X, Y, mask, _ = toy_data(N=10)
    m = tr.SequenceModel.build("srn", 3, 4, 4, seed=0)
    calls = []

    def criterion(model):
        calls.append(1)
        return len(calls) == 3

    r = tr.train(m, X, Y, mask, batch_size=4, check_every=8, criterion=criterion,
                 max_sequences=1000, seed=0, progress=False)
    # checks after 8, 16 and 24 sequences (batches of 4); the third one holds
    assert r.solved and r.sequences == 24 and r.updates == 6 and len(calls) == 3
    assert [h["sequences"] for h in r.history] == [8, 16, 24]


def test_budget_is_exact_and_unsolved_is_reported():
    X, Y, mask, _ = toy_data(N=10)
    m = tr.SequenceModel.build("srn", 3, 4, 4, seed=0)
    r = tr.train(m, X, Y, mask, batch_size=4, criterion=lambda m: False, max_sequences=23,
                 seed=0, progress=False)
    assert not r.solved and r.sequences == 23 and r.updates == 6


def test_batch_check_gates_the_criterion():
    X, Y, mask, _ = toy_data(N=10)
    m = tr.SequenceModel.build("srn", 3, 4, 4, seed=0)
    calls = []
    r = tr.train(m, X, Y, mask, batch_size=5, criterion=lambda m: calls.append(1) or True,
                 batch_check=lambda logits, y, mk: False, max_sequences=50, seed=0,
                 progress=False)
    assert not r.solved and calls == [] and r.sequences == 50


def test_training_lowers_the_loss():
    X, Y, mask, _ = toy_data(N=10)
    m = tr.SequenceModel.build("lstm", 3, 8, 4, seed=0)
    loss0, _ = lstmkit.sigmoid_binary_cross_entropy(m.forward(X, mask), Y, mask)
    tr.train(m, X, Y, mask, lr=0.02, batch_size=10, max_sequences=3000, seed=0, progress=False)
    loss1, _ = lstmkit.sigmoid_binary_cross_entropy(m.forward(X, mask), Y, mask)
    assert loss1 < 0.5 * loss0


def test_softmax_loss_path():
    X, Y, mask, _ = toy_data(N=6)
    targets = Y.argmax(-1)
    m = tr.SequenceModel.build("gru", 3, 6, 4, seed=0)
    loss0, _ = lstmkit.softmax_cross_entropy(m.forward(X, mask), targets, mask)
    tr.train(m, X, targets, mask, loss="softmax", lr=0.02, batch_size=6, max_sequences=1200,
             seed=0, progress=False)
    loss1, _ = lstmkit.softmax_cross_entropy(m.forward(X, mask), targets, mask)
    assert loss1 < 0.5 * loss0


def test_mean_squared_error_against_finite_differences():
    rng = np.random.default_rng(0)
    out, target = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2))
    mask = rng.random((4, 3)) < 0.6
    mask[0, 0] = True
    loss, d = lstmkit.mean_squared_error(out, target, mask)
    assert loss == pytest.approx(((out - target) ** 2).sum(-1)[mask].mean())     # by its definition
    probe = out.copy()
    num = lstmkit.numerical_gradient(lambda: lstmkit.mean_squared_error(probe, target, mask)[0], probe)
    np.testing.assert_allclose(d, num, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="targets: expected an array of shape"):
        lstmkit.mean_squared_error(out, target[..., :1])


def draw_last_step(rng, n, T=5):
    """A toy stream: random inputs of lengths 3..T, a real target at each sequence's last step only."""
    lengths = rng.integers(3, T + 1, size=n)
    mask = np.arange(T)[:, None] < lengths[None, :]
    X = rng.normal(size=(T, n, 2)) * mask[..., None]
    last = np.zeros((T, n), dtype=bool)
    last[lengths - 1, np.arange(n)] = True
    Y = np.zeros((T, n, 1))
    Y[lengths - 1, np.arange(n), 0] = X[0, :, 0]                      # remember the first input
    return tr.Batch(X, Y, mask, last)


def test_train_stream_counts_checks_and_is_seeded():
    m1, m2 = (tr.SequenceModel.build("lstm", 2, 4, 1, seed=0) for _ in range(2))
    opts = dict(loss="mse", batch_size=6, max_sequences=40, seed=3, progress=False, criterion=lambda m: False)
    r1, r2 = tr.train_stream(m1, draw_last_step, **opts), tr.train_stream(m2, draw_last_step, **opts)
    assert not r1.solved and r1.sequences == 40 and r1.updates == 7            # 6 batches of 6, then 4
    np.testing.assert_array_equal(params_of(m1), params_of(m2))
    with pytest.raises(ValueError, match="draw: expected a batch of 6 sequences, got 2"):
        tr.train_stream(m1, lambda rng, n: draw_last_step(rng, 2), **opts)
    with pytest.raises(ValueError, match="loss_mask: expected shape"):
        tr.train_stream(m1, lambda rng, n: tr.Batch(*(lambda b: (b.X, b.Y, b.mask, b.loss_mask[:2]))(
            draw_last_step(rng, n))), **opts)


def test_train_stream_loss_sees_only_the_loss_mask():
    """One SGD step from a stream equals minus lr times the gradient of the loss at the last steps alone."""
    b = draw_last_step(np.random.default_rng(1), 4)
    m = tr.SequenceModel.build("srn", 2, 3, 1, seed=2)
    before = params_of(m).copy()
    loss, d = lstmkit.mean_squared_error(m.forward(b.X, b.mask), b.Y, b.loss_mask)
    m.backward(d)
    g = grads_of(m).copy()
    tr.train_stream(m, lambda rng, n: b, loss="mse", optimizer="sgd", lr=0.1, clip=None, batch_size=4,
                    max_sequences=4, seed=0, progress=False)
    np.testing.assert_allclose(before - params_of(m), 0.1 * g, rtol=1e-10, atol=1e-14)


def test_plain_progress_line():
    out = io.StringIO()
    bar = tr.Progress(100, True, desc="demo", stream=out)
    bar.update(40, loss="0.5")
    bar.close()
    assert "demo: 40/100 sequences loss 0.5" in out.getvalue()
    silent = io.StringIO()
    bar = tr.Progress(100, False, stream=silent)
    bar.update(40)
    bar.close()
    assert silent.getvalue() == ""
    assert not tr.in_notebook()
