"""The LSTM on the adding problem (Hochreiter & Schmidhuber 1997, experiment 4) at T = 100, one thread.

Runs 10 seeds (or --seeds N) of ``lstmkit.longlag.run_seed`` with the chapter's settings for long lags (chrono
initialization of the forget gate, Tallec & Ollivier 2018, with T_max = T: with the default bias of 1 the LSTM does
not learn T = 100 at all, and with a bias of 3 it needs about four times as many sequences) and prints the success count, the median
training sequences and the median seconds per seed, wall and processor time, next to the targets (10/10, at most
20 s) and the paper's mean (74,000 sequences, Table 7). The seconds depend on the machine; to read them elsewhere, the
run also measures a reference on the same batch shapes, one training update (forward, backward, clipping, Adam) of
the same network written the straightforward way (benchmarks/naive_lstm.py: one step at a time) and, when torch is
installed, of ``torch.nn.LSTM``, and prints the ratios: lstmkit's time per update against each, and the seconds a
seed would take at the reference's speed.
Run: .venv/bin/python benchmarks/bench_longlag.py [--seeds N] [--T 100]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from one_thread import torch  # noqa: E402  (one BLAS thread, set before numpy loads)

import argparse  # noqa: E402
import statistics  # noqa: E402

import numpy as np  # noqa: E402

import naive_lstm  # noqa: E402
from bench_lstm import timeit_all  # noqa: E402

import lstmkit  # noqa: E402
from lstmkit import longlag  # noqa: E402


TARGET_SOLVED, TARGET_SECONDS, PAPER_SEQUENCES = 10, 20.0, 74_000
FORGET_BIAS = longlag.CHRONO


def update_times(T, repeat=20):
    """Median seconds of one training update at T, the chapter's batch size, float32: lstmkit, the naive LSTM, torch."""
    s = longlag.default_settings("adding", "lstm")
    batch = longlag.training_batch("adding", T, np.random.default_rng(0), s.batch_size)
    model = longlag.build_model("adding", "lstm", s.hidden, seed=0, forget_bias=FORGET_BIAS, T=T)
    opt = lstmkit.Adam(model.modules, lr=s.lr)
    H, dt = s.hidden, longlag.DTYPE

    def ours():
        loss, d = lstmkit.mean_squared_error(model.forward(batch.X, batch.mask), batch.Y, batch.loss_mask)
        model.backward(d)
        lstmkit.clip_grad_norm(model.modules, s.clip)
        opt.step()

    p = model.rnn.params
    perm = np.r_[0:H, H:2 * H, 3 * H:4 * H, 2 * H:3 * H]             # CS231n's gate order i, f, o, g
    naive = [p["weight_ih"][perm].T.copy(), p["weight_hh"][perm].T.copy(), (p["bias_ih"] + p["bias_hh"])[perm]]
    W_out = model.readout.params["weight"].copy()
    naive_opt = lstmkit.Adam([Params(naive + [W_out])], lr=s.lr)
    Xn = batch.X.transpose(1, 0, 2).copy()
    last = batch.loss_mask.T.copy()                                   # (B, L)
    target = batch.Y[..., 0].T

    def reference():
        h, caches = naive_lstm.forward(Xn, np.zeros((Xn.shape[0], H), dt), *naive)
        y = h @ W_out.T                                               # (B, L, 1)
        dy = np.where(last, 2 * (y[..., 0] - target) / last.sum(), 0)[..., None]
        grads = naive_lstm.backward(dy @ W_out, caches)[2:] + ((dy[..., 0, None] * h).sum((0, 1))[None],)
        naive_opt.modules[0].grads = dict(enumerate(grads))
        lstmkit.clip_grad_norm(naive_opt.modules, s.clip)
        naive_opt.step()

    fns = {"lstmkit": ours, "naive": reference}
    if torch is not None:
        net, read = torch.nn.LSTM(2, H), torch.nn.Linear(H, 1)
        topt = torch.optim.Adam(list(net.parameters()) + list(read.parameters()), lr=s.lr)
        Xt, Yt = torch.tensor(batch.X), torch.tensor(batch.Y)
        lt = torch.tensor(batch.loss_mask)

        def run_torch():
            topt.zero_grad()
            out = read(net(Xt)[0])
            loss = ((out - Yt) ** 2)[lt].sum() / lt.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(net.parameters()) + list(read.parameters()), s.clip)
            topt.step()

        fns["torch"] = run_torch
    return timeit_all(fns, repeat)


class Params:
    """A module of plain arrays for lstmkit's optimiser (the naive reference's weights)."""

    def __init__(self, arrays):
        self.params = dict(enumerate(arrays))
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--T", type=int, default=100)
    p.add_argument("--max-sequences", type=int, default=400_000)
    args = p.parse_args()
    times = update_times(args.T)
    runs = []
    for seed in range(args.seeds):
        runs.append(longlag.run_seed("adding", args.T, "lstm", seed, max_sequences=args.max_sequences,
                                     forget_bias=FORGET_BIAS))
        r = runs[-1]
        print(f"  seed {seed}: {'solved' if r['solved'] else 'NOT solved'} after {r['sequences']:,} sequences, "
              f"{r['seconds']:.1f} s ({r['cpu_seconds']:.1f} s of processor time)", flush=True)
    solved = [r for r in runs if r["solved"]]
    seq = statistics.median(r["sequences"] for r in solved) if solved else float("nan")
    sec = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu_seconds"] for r in runs)
    updates = statistics.median(r["updates"] for r in runs)
    print(f"{longlag.label('lstm', FORGET_BIAS)} ({runs[0]['n_params']:,} weights) on the adding problem, "
          f"T = {args.T}, {args.seeds} seeds, one thread, "
          f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}")
    print(f"  solved              {len(solved)}/{args.seeds}   (target {TARGET_SOLVED}/10)")
    print(f"  median sequences    {seq:,.0f}   (the 1997 LSTM: a mean of {PAPER_SEQUENCES:,} at T = 100, Table 7; "
          f"ours / paper = {seq / PAPER_SEQUENCES:.1f})")
    print(f"  median seconds      {sec:.1f} wall, {cpu:.1f} processor, over all seeds   "
          f"(target <= {TARGET_SECONDS:.0f}); per seed min {min(r['seconds'] for r in runs):.1f}, "
          f"max {max(r['seconds'] for r in runs):.1f} wall")
    print(f"  one update (batch {longlag.default_settings('adding', 'lstm').batch_size}, T = {args.T}..."
          f"{args.T + args.T // 10}, float32), median of this run:")
    for name, t in times.items():
        line = f"    {name:<8} {1e3 * t:7.2f} ms"
        if name != "lstmkit":
            line += (f"   lstmkit/{name} = {times['lstmkit'] / t:.2f};  a median seed at {name}'s speed: "
                     f"{updates * t:.1f} s of updates")
        print(line)


if __name__ == "__main__":
    main()
