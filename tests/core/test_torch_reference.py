"""lstmkit against torch.nn.RNN/LSTM/GRU in float64 after load_torch_state_dict.

torch is optional: without it these tests skip and say so.
"""
import numpy as np
import pytest

import lstmkit as lk
from support.optional_deps import problem, reason

if problem("torch"):
    pytest.skip(reason("torch"), allow_module_level=True)
import torch  # noqa: E402

CASES = [
    ("rnn", lambda D, H: torch.nn.RNN(D, H), lambda D, H: lk.RNN(D, H)),
    ("lstm", lambda D, H: torch.nn.LSTM(D, H), lambda D, H: lk.LSTM(D, H)),
    ("gru", lambda D, H: torch.nn.GRU(D, H), lambda D, H: lk.GRU(D, H, reset_after=True)),
]


@pytest.mark.parametrize("name,make_torch,make_ours", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("T,B,D,H", [(7, 4, 3, 5), (12, 32, 7, 16)])
def test_equals_torch_float64(name, make_torch, make_ours, T, B, D, H):
    torch.manual_seed(0)
    ref = make_torch(D, H).double()
    ours = make_ours(D, H).load_torch_state_dict(ref.state_dict())
    rng = np.random.default_rng(0)
    X = rng.normal(size=(T, B, D))
    h0 = rng.normal(size=(B, H))
    c0 = rng.normal(size=(B, H))
    dH = rng.normal(size=(T, B, H))
    dh_T = rng.normal(size=(B, H))

    xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    if name == "lstm":
        c0t = torch.tensor(c0[None], requires_grad=True)
        out, (hT, cT) = ref(xt, (h0t, c0t))
        H_ours, (hT_ours, cT_ours) = ours.forward(X, (h0, c0))
        np.testing.assert_allclose(cT_ours, cT[0].detach().numpy(), rtol=0, atol=1e-10)
    else:
        out, hT = ref(xt, h0t)
        H_ours, hT_ours = ours.forward(X, h0)
    np.testing.assert_allclose(H_ours, out.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(hT_ours, hT[0].detach().numpy(), rtol=0, atol=1e-10)

    loss = (out * torch.tensor(dH)).sum() + (hT[0] * torch.tensor(dh_T)).sum()
    loss.backward()
    if name == "lstm":
        dX, (dh0, dc0) = ours.backward(dH, (dh_T, np.zeros((B, H))))
        np.testing.assert_allclose(dc0, c0t.grad[0].numpy(), rtol=0, atol=1e-10)
    else:
        dX, dh0 = ours.backward(dH, dh_T)
    np.testing.assert_allclose(dX, xt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(dh0, h0t.grad[0].numpy(), rtol=0, atol=1e-10)
    for k, v in ref.named_parameters():
        np.testing.assert_allclose(ours.grads[k[:-3]], v.grad.numpy(), rtol=0, atol=1e-10, err_msg=k)


def test_torch_weights_need_the_torch_convention():
    sd = torch.nn.GRU(3, 4).double().state_dict()
    with pytest.raises(ValueError, match="reset_after=True"):
        lk.GRU(3, 4).load_torch_state_dict(sd)
    with pytest.raises(ValueError, match="peepholes=False"):
        lk.LSTM(3, 4, peepholes=True).load_torch_state_dict(torch.nn.LSTM(3, 4).state_dict())
