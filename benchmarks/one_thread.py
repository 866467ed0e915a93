"""One thread for every kernel a benchmark times. Imported before numpy, it sets the thread counts of the BLAS and
OpenMP libraries to 1 in the environment; ``torch`` is PyTorch set to one thread, or None when it is not
installed (the benchmarks then report lstmkit alone)."""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None


def rerun_with_cpu_kernels(script):
    """OpenBLAS chooses its kernels from the CPU model unless OPENBLAS_CORETYPE overrides it. When the environment
    sets it, run ``script`` once more without it (and with --no-rerun), to show what the CPU's own choice gives (on
    an AVX-512 CPU set to Haswell, numpy's products run at half the vector width that PyTorch's kernels use)."""
    import subprocess
    import sys

    if "OPENBLAS_CORETYPE" in os.environ and "--no-rerun" not in sys.argv:
        print("\nThe same with the kernels OpenBLAS chooses for this CPU (OPENBLAS_CORETYPE unset):")
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        subprocess.run([sys.executable, script, "--no-rerun"], check=True, env=env)
