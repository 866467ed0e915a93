"""lstmkit.Stack: stacked layers checked against finite differences (dropout included), against running the
layers one after the other by hand, against torch.nn.LSTM/GRU/RNN with num_layers=2 (when torch is installed),
and the weight counts of kinds.count_params against the arrays a model really has."""
import numpy as np
import pytest

import lstmkit as lk
from lstmkit import kinds
from lstmkit.gradcheck import numerical_gradient, relative_error
from lstmkit.train import SequenceModel
from support.optional_deps import problem, reason

T, B, D, H = 5, 3, 4, 3
LAYERS = {"lstm": lk.LSTM, "gru": lk.GRU, "srn": lk.RNN}
Stack = lk.Stack


def make_stack(cls, n=2, dropout=0.0, seed=0):
    rng = np.random.default_rng(seed + 50)
    layers = [cls(D if k == 0 else H, H, seed=seed + k) for k in range(n)]
    for layer in layers:
        for p in layer.params.values():
            p[...] = rng.normal(0, 0.6, p.shape)
    return Stack(layers, dropout=dropout, seed=seed)


@pytest.mark.parametrize("dropout", [0.0, 0.4], ids=["nodrop", "dropout"])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_stack_gradients_match_finite_differences(kind, dropout):
    rng = np.random.default_rng(1)
    stack = make_stack(LAYERS[kind], dropout=dropout)
    X = rng.normal(size=(T, B, D))
    cell = LAYERS[kind] is lk.LSTM
    state0 = tuple((rng.normal(size=(B, H)), rng.normal(size=(B, H))) if cell else rng.normal(size=(B, H))
                   for _ in range(2))
    R = rng.normal(size=(T, B, H))

    def loss():
        stack._rng = np.random.default_rng(7)            # the same dropout masks at every evaluation
        out, _ = stack.forward(X, state0)
        return float((out * R).sum())

    loss()
    dX, d0 = stack.backward(R)
    assert len(d0) == 2
    for key, arr in dict(stack.params, X=X).items():
        g = dX if key == "X" else stack.grads[key]
        err = relative_error(g, numerical_gradient(loss, arr))
        assert err < 1e-6, f"{kind}: gradient of {key} has relative error {err:.2e}"
    h0 = state0[1][0] if cell else state0[1]
    err = relative_error(d0[1][0] if cell else d0[1], numerical_gradient(loss, h0))
    assert err < 1e-6, f"{kind}: gradient of layer 2's initial h has relative error {err:.2e}"


def test_stack_is_its_layers_one_after_the_other_and_dropout_is_off_in_evaluation():
    rng = np.random.default_rng(2)
    stack = make_stack(lk.LSTM, n=3, dropout=0.5)
    X = rng.normal(size=(T, B, D))
    stack.training = False
    out, states = stack.forward(X)
    by_hand, finals = X, []
    for layer in stack.layers:
        by_hand, s = layer.forward(by_hand)
        finals.append(s)
    np.testing.assert_array_equal(out, by_hand)
    for (h, c), (h2, c2) in zip(states, finals):
        np.testing.assert_array_equal(h, h2)
        np.testing.assert_array_equal(c, c2)
    stack.training = True
    dropped, _ = stack.forward(X)
    assert np.abs(dropped - out).max() > 1e-3
    # inverted dropout keeps the mean of what the next layer reads: about half the entries zeroed, the rest doubled
    stack.forward(X)
    keep = stack._keep[0]
    assert set(np.unique(keep)) == {0.0, 2.0} and 0.3 < (keep == 0).mean() < 0.7


def test_stack_params_are_the_layers_arrays_with_torch_names():
    stack = make_stack(lk.GRU)
    assert sorted(stack.params) == sorted(f"{n}_l{k}" for k in range(2)
                                          for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    assert stack.params["weight_hh_l1"] is stack.layers[1].params["weight_hh"]
    assert stack.grads["bias_ih_l0"] is stack.layers[0].grads["bias_ih"]
    assert stack.n_params == sum(p.size for p in stack.params.values())


def test_stack_rejects_bad_arguments_by_name():
    with pytest.raises(ValueError, match="layers: expected layer 1's input_size"):
        Stack([lk.LSTM(D, H), lk.LSTM(H + 1, H)])
    with pytest.raises(ValueError, match=r"dropout: expected a probability in \[0, 1\), got 1.0"):
        Stack([lk.LSTM(D, H)], dropout=1.0)
    with pytest.raises(ValueError, match="state: expected a tuple with one state per layer"):
        make_stack(lk.RNN).forward(np.zeros((T, B, D)), state=np.zeros((B, H)))
    with pytest.raises(ValueError, match="sd: expected the keys"):
        make_stack(lk.LSTM).load_torch_state_dict({"weight_ih_l0": np.zeros((4 * H, D))})


@pytest.mark.parametrize("kind", ["lstm", "gru", "srn"])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_count_params_counts_the_arrays_of_a_built_model(kind, layers):
    model = SequenceModel.build(kind, 11, 6, 9, seed=0, num_layers=layers)
    assert model.n_params == kinds.count_params(kind, 11, 6, 9, num_layers=layers)
    hidden = kinds.matched_hidden(kind, 5000, 11, 9, num_layers=layers)
    n = kinds.count_params(kind, 11, hidden, 9, num_layers=layers)
    for h in (hidden - 1, hidden + 1):                       # the closest count
        assert abs(kinds.count_params(kind, 11, h, 9, layers) - 5000) >= abs(n - 5000)


@pytest.mark.skipif(bool(problem("torch")), reason=reason("torch"))
@pytest.mark.parametrize("kind", ["lstm", "gru", "srn"])
def test_stack_equals_torch_with_two_layers(kind):
    import torch

    torch.manual_seed(0)
    ref = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "srn": torch.nn.RNN}[kind](D, H, num_layers=2).double()
    opts = {"reset_after": True} if kind == "gru" else {}
    stack = Stack([LAYERS[kind](D, H, **opts), LAYERS[kind](H, H, **opts)]).load_torch_state_dict(ref.state_dict())
    X = np.random.default_rng(3).normal(size=(T, B, D))
    xt = torch.tensor(X, requires_grad=True)
    out, _ = ref(xt)
    ours, _ = stack.forward(X)
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=0, atol=1e-10)
    dH = np.random.default_rng(4).normal(size=(T, B, H))
    out.backward(torch.tensor(dH))
    dX, _ = stack.backward(dH)
    np.testing.assert_allclose(dX, xt.grad.numpy(), rtol=0, atol=1e-10)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(stack.grads[name], p.grad.numpy(), rtol=0, atol=1e-10, err_msg=name)
