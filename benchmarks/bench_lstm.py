"""LSTM forward + backward time: lstmkit against torch.nn.LSTM and a naive per-step numpy LSTM (CS231n style).

One thread each. Prints, for each size and dtype, the median time of each implementation, of the matrix products
alone that lstmkit performs ("matmuls", a floor for any numpy implementation with this BLAS), and the ratios
measured in this run. Targets: lstmkit/torch <= 1.0 in float64 and <= 1.3 in float32.
Run: .venv/bin/python benchmarks/bench_lstm.py (when OPENBLAS_CORETYPE is set, it also reruns itself without it,
with the kernels OpenBLAS chooses for the CPU, and prints both tables).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from one_thread import rerun_with_cpu_kernels, torch  # noqa: E402  (one BLAS thread, set before numpy loads)

import time  # noqa: E402

import numpy as np  # noqa: E402

import naive_lstm  # noqa: E402
import lstmkit as lk  # noqa: E402


SIZES = [(12, 32, 7, 16), (50, 64, 32, 128)]
TARGET = {"float64": 1.0, "float32": 1.3}


def timeit_all(fns, repeat, rounds=5):
    """Median time of one call of each function in fns (a dict).

    The functions take turns: in each of `rounds` rounds each one runs repeat // rounds times in a row (so its
    data stay in the cache, as in a training loop), in an order that rotates from round to round. A slow
    spell of the machine then falls on all of them alike instead of on whichever happened to run then.
    """
    names = list(fns)
    for fn in fns.values():
        fn()                                              # warm-up
    times = {n: [] for n in names}
    per_round = max(1, repeat // rounds)
    for r in range(rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:
            for _ in range(per_round):
                t0 = time.perf_counter()
                fns[n]()
                times[n].append(time.perf_counter() - t0)
    return {n: float(np.median(v)) for n, v in times.items()}


def bench(T, B, D, H, dtype, repeat):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(T, B, D)).astype(dtype)
    dH = rng.normal(size=(T, B, H)).astype(dtype)
    ours = lk.LSTM(D, H, seed=0, dtype=dtype)
    # the naive reference uses the same weights in CS231n's layout (i, f, o, g columns)
    perm = np.r_[0:H, H:2 * H, 3 * H:4 * H, 2 * H:3 * H]
    Wx = ours.params["weight_ih"][perm].T.copy()
    Wh = ours.params["weight_hh"][perm].T.copy()
    b = (ours.params["bias_ih"] + ours.params["bias_hh"])[perm].copy()
    Xn, dHn, h0 = X.transpose(1, 0, 2).copy(), dH.transpose(1, 0, 2).copy(), np.zeros((B, H), dtype)

    def run_ours():
        ours.forward(X)
        return ours.backward(dH)

    def run_naive():
        h, caches = naive_lstm.forward(Xn, h0, Wx, Wh, b)
        return naive_lstm.backward(dHn, caches)

    # the three implementations compute the same thing
    Hn, _ = naive_lstm.forward(Xn, h0, Wx, Wh, b)
    Ho, _ = ours.forward(X)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert np.abs(Hn.transpose(1, 0, 2) - Ho).max() < tol
    # the matrix products alone that lstmkit's forward + backward perform, with the same shapes and layouts:
    # a floor that no numpy implementation of this computation goes below with this BLAS
    K, GH = D + H + 1, 4 * H
    W, Z = rng.normal(size=(GH, K)).astype(dtype), rng.normal(size=(K, T + 1, B)).astype(dtype)
    W_hhT, W_ih = np.ascontiguousarray(W[:, D:D + H].T), W[:, :D].copy()
    A, dA, dh = np.empty((T, GH, B), dtype), rng.normal(size=(GH, T, B)).astype(dtype), np.empty((T, H, B), dtype)

    def run_matmuls():
        for t in range(T):
            np.matmul(W, Z[:, t], out=A[t])
        for t in range(T):
            np.matmul(W_hhT, dA[:, t], out=dh[t])
        dA2 = dA.reshape(GH, T * B)
        return dA2 @ Z[:, :T].reshape(K, T * B).T, W_ih.T @ dA2

    fns = {"lstmkit": run_ours, "naive": run_naive, "matmuls": run_matmuls}
    if torch is not None:
        tdtype = torch.float64 if dtype == np.float64 else torch.float32
        ref = torch.nn.LSTM(D, H).to(tdtype)
        ours.load_torch_state_dict(ref.state_dict())
        Xt, dHt = torch.tensor(X), torch.tensor(dH)
        Ht, _ = ref(Xt)
        assert np.abs(Ht.detach().numpy() - ours.forward(X)[0]).max() < tol

        def run_torch():
            x = Xt.clone().requires_grad_(True)
            out, _ = ref(x)
            out.backward(dHt)
            ref.zero_grad(set_to_none=True)

        fns["torch"] = run_torch
    return timeit_all(fns, repeat)


def openblas_core():
    """The name of the kernels numpy's OpenBLAS runs with (e.g. 'Haswell', 'SkylakeX'), or '?'."""
    import ctypes
    import glob
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "libscipy_openblas*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            if hasattr(lib, name):
                fn = getattr(lib, name)
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return "?"


def main():
    how = (f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} set in the environment"
           if "OPENBLAS_CORETYPE" in os.environ else "chosen by OpenBLAS for this CPU")
    print(f"numpy {np.__version__}, OpenBLAS kernels {openblas_core()} ({how}); "
          f"torch {torch.__version__ if torch else 'not installed'}; one thread each")
    print(f"{'size (T,B,D,H)':<20}{'dtype':<9}{'lstmkit ms':>11}{'torch ms':>10}{'naive ms':>10}{'matmuls ms':>12}"
          f"{'lstmkit/torch':>15}{'target':>8}{'matmuls/torch':>15}{'lstmkit/naive':>15}")
    rows = []
    for T, B, D, H in SIZES:
        for dtype in (np.float64, np.float32):
            repeat = 200 if H <= 16 else 30
            r = bench(T, B, D, H, dtype, repeat)
            name = np.dtype(dtype).name
            nan = float("nan")
            vs_torch = r["lstmkit"] / r["torch"] if "torch" in r else nan
            rows.append(((T, B, D, H), name, vs_torch))
            print(f"{str((T, B, D, H)):<20}{name:<9}{r['lstmkit'] * 1e3:>11.3f}"
                  f"{r.get('torch', nan) * 1e3:>10.3f}{r['naive'] * 1e3:>10.3f}{r['matmuls'] * 1e3:>12.3f}"
                  f"{vs_torch:>15.2f}{TARGET[name]:>8.1f}{r['matmuls'] / r.get('torch', nan):>15.2f}"
                  f"{r['lstmkit'] / r['naive']:>15.2f}")
    if torch is not None:
        met = all(v <= TARGET[d] for _, d, v in rows)
        print("targets met" if met else "targets NOT met: " + ", ".join(
            f"{s} {d}: {v:.2f} > {TARGET[d]}" for s, d, v in rows if v > TARGET[d]))


if __name__ == "__main__":
    main()
    rerun_with_cpu_kernels(__file__)
