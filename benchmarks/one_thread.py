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
