"""Training throughput of the text chapter's language model, in characters per second: lstmkit against the same
model in PyTorch (torch.nn.LSTM with num_layers=2 and a torch.nn.Linear readout), one thread each, float32.

One update = one chunk of truncated BPTT as lstmkit.charlm.training.train_step does it: one-hot inputs
(bptt, batch, V), forward from the carried state, softmax cross-entropy, backward, global-norm clipping, an
Adam step. Both models start from the same weights (checked: the same logits). The sizes are those of
``make text-results`` (lstmkit/charlm/experiment.py: BASE and CONFIG). Reported: the median time of an
update, characters per second, and the ratio lstmkit/torch of the time per update (below 1: lstmkit is faster).
Run: .venv/bin/python benchmarks/bench_charlm.py [--no-rerun]. When OPENBLAS_CORETYPE is set it reruns itself
without it (see bench_lstm.py) and prints both.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from one_thread import rerun_with_cpu_kernels, torch  # noqa: E402  (one BLAS thread, set before numpy loads)

import numpy as np  # noqa: E402

from bench_lstm import openblas_core, timeit_all  # noqa: E402
import lstmkit as lk  # noqa: E402
from lstmkit.charlm import experiment  # noqa: E402
from lstmkit.charlm.model import streams  # noqa: E402
from lstmkit.charlm.training import train_step  # noqa: E402



def torch_model(spec):
    """torch.nn.LSTM(V, H, num_layers) and torch.nn.Linear(H, V), float32."""
    rnn = torch.nn.LSTM(spec.vocab_size, spec.hidden, num_layers=spec.num_layers, dropout=spec.dropout)
    return rnn, torch.nn.Linear(spec.hidden, spec.vocab_size)


def torch_step(rnn, readout, opt, X, Y, state, clip):
    """The update of train_step in PyTorch; returns the state to carry (detached: the gradient stops there)."""
    out, state = rnn(X, state)
    logits = readout(out)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(rnn.parameters()) + list(readout.parameters()), clip)
    opt.step()
    return tuple(s.detach() for s in state)


def main(updates=24):
    spec, cfg = experiment.BASE, experiment.CONFIG
    T, B, V = cfg.bptt, cfg.batch, spec.vocab_size
    how = (f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} set in the environment"
           if "OPENBLAS_CORETYPE" in os.environ else "chosen by OpenBLAS for this CPU")
    print(f"numpy {np.__version__}, OpenBLAS kernels {openblas_core()} ({how}); "
          f"torch {torch.__version__ if torch else 'not installed'}; one thread each, float32")
    print(f"model: {spec.num_layers}-layer LSTM, {spec.hidden} units, V = {V}, {spec.n_params:,} weights; "
          f"updates of {T} steps x {B} streams = {T * B:,} characters")
    codes = np.random.default_rng(0).integers(0, V, size=(T + 1) * B * 4).astype(np.uint8)
    S = streams(codes, B)
    ours = spec.build()
    opt = lk.Adam(ours.modules, lr=cfg.lr)
    fns, carried = {}, {"ours": None, "torch": None}

    def run_ours():
        _, carried["ours"] = train_step(ours, S, 0, T, carried["ours"], opt, cfg.clip)

    fns["lstmkit"] = run_ours
    if torch is not None:
        rnn, readout = torch_model(spec)
        ours.rnn.load_torch_state_dict(rnn.state_dict())
        ours.readout.params["weight"][...] = readout.weight.detach().numpy()
        ours.readout.params["bias"][...] = readout.bias.detach().numpy()
        X = torch.nn.functional.one_hot(torch.tensor(S[:T], dtype=torch.long), V).float()
        Y = torch.tensor(S[1:T + 1], dtype=torch.long)
        with torch.no_grad():
            want = readout(rnn(X)[0]).numpy()
        got = ours.forward(X.numpy())
        assert np.abs(got - want).max() < 1e-4, "lstmkit and torch do not compute the same logits"
        topt = torch.optim.Adam(list(rnn.parameters()) + list(readout.parameters()), lr=cfg.lr)

        def run_torch():
            carried["torch"] = torch_step(rnn, readout, topt, X, Y, carried["torch"], cfg.clip)

        fns["torch"] = run_torch
    times = timeit_all(fns, updates, rounds=4)
    chars = T * B
    print(f"{'':<10}{'ms/update':>12}{'chars/s':>12}")
    for name, t in times.items():
        print(f"{name:<10}{t * 1e3:>12.1f}{chars / t:>12,.0f}")
    if torch is None:
        print("torch is not installed: the comparison did NOT run (.venv/bin/pip install -r requirements-torch.txt)")
    else:
        print(f"lstmkit/torch time per update: {times['lstmkit'] / times['torch']:.2f} "
              f"(throughput ratio lstmkit:torch = {times['torch'] / times['lstmkit']:.2f})")


if __name__ == "__main__":
    main()
    rerun_with_cpu_kernels(__file__)
