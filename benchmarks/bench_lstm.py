"""LSTM forward + backward time: lstmkit against torch.nn.LSTM and a naive per-step numpy LSTM (CS231n style).

One thread each. Prints, for each size and dtype, the median time of each implementation and the ratios
lstmkit/torch and lstmkit/naive measured in this run. Targets: lstmkit/torch <= 1.0 in float64 and <= 1.3 in
float32. Run: .venv/bin/python benchmarks/bench_lstm.py  (on AVX-512 CPUs it also reruns itself with OpenBLAS's AVX-512
kernels and prints both tables).
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"


import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import naive_lstm  # noqa: E402
import lstmkit as lk  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

SIZES = [(12, 32, 7, 16), (50, 64, 32, 128)]
TARGET = {"float64": 1.0, "float32": 1.3}


def timeit(fn, repeat):
    fn()                                              # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


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
    result = {"lstmkit": timeit(run_ours, repeat), "naive": timeit(run_naive, repeat)}
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

        result["torch"] = timeit(run_torch, repeat)
    return result


def main():
    core = os.environ.get("OPENBLAS_CORETYPE", "auto-detected")
    print(f"numpy {np.__version__} (OpenBLAS kernels: {core}), "
          f"torch {torch.__version__ if torch else 'not installed'}, one thread each")
    print(f"{'size (T,B,D,H)':<20}{'dtype':<9}{'lstmkit ms':>11}{'torch ms':>10}{'naive ms':>10}"
          f"{'lstmkit/torch':>15}{'lstmkit/naive':>15}{'target':>8}")
    rows = []
    for T, B, D, H in SIZES:
        for dtype in (np.float64, np.float32):
            repeat = 200 if H <= 16 else 30
            r = bench(T, B, D, H, dtype, repeat)
            name = np.dtype(dtype).name
            vs_torch = r["lstmkit"] / r["torch"] if "torch" in r else float("nan")
            rows.append(((T, B, D, H), name, vs_torch))
            print(f"{str((T, B, D, H)):<20}{name:<9}{r['lstmkit'] * 1e3:>11.3f}"
                  f"{r.get('torch', float('nan')) * 1e3:>10.3f}{r['naive'] * 1e3:>10.3f}"
                  f"{vs_torch:>15.2f}{r['lstmkit'] / r['naive']:>15.2f}{TARGET[name]:>8.1f}")
    if torch is not None:
        met = all(v <= TARGET[d] for _, d, v in rows)
        print("targets met" if met else "targets NOT met: " + ", ".join(
            f"{s} {d}: {v:.2f} > {TARGET[d]}" for s, d, v in rows if v > TARGET[d]))


def has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            return " avx512f " in f.read().replace("\n", " ")
    except OSError:
        return False


if __name__ == "__main__":
    main()
    # OpenBLAS chooses its kernels from the CPU model (or OPENBLAS_CORETYPE). On an AVX-512 CPU that it runs
    # with AVX2 kernels, PyTorch's own kernels use twice the vector width: show that configuration as well.
    if has_avx512() and os.environ.get("OPENBLAS_CORETYPE") != "SkylakeX" and "--no-rerun" not in sys.argv:
        import subprocess
        print("\nThe same with numpy's AVX-512 kernels (OPENBLAS_CORETYPE=SkylakeX):")
        subprocess.run([sys.executable, __file__, "--no-rerun"], check=True,
                       env=dict(os.environ, OPENBLAS_CORETYPE="SkylakeX"))
