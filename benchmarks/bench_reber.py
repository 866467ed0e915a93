"""Time per seed of the central experiment: the LSTM on the embedded Reber grammar, one core.

Runs 10 seeds (or --seeds N) the 1997 way (256 training and 256 test strings, stop when every string is
predicted right) and prints the median training sequences and seconds per seed next to the targets
(3,000 sequences, 1.5 s) and the 1997 paper's best row (lstmkit.papers).
Run: .venv/bin/python benchmarks/bench_reber.py [--seeds N] [--model lstm] [--grammar embedded]
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402

from lstmkit import papers, reber  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--model", default="lstm", choices=reber.MODEL_KINDS)
    p.add_argument("--grammar", default="embedded", choices=reber.GRAMMARS)
    args = p.parse_args()
    runs = [reber.run_seed(args.model, args.grammar, s) for s in range(args.seeds)]
    solved = sum(r["solved"] for r in runs)
    seq = statistics.median(r["sequences"] for r in runs)
    sec = statistics.median(r["seconds"] for r in runs)
    print(f"{args.model} on the {args.grammar} grammar, {args.seeds} seeds, one thread")
    print(f"  solved            {solved}/{args.seeds}")
    best = papers.best_lstm_row()
    print(f"  median sequences  {seq:,.0f}   (target <= 3,000; 1997 best row {best.sequences:,}, "
          f"{papers.trials_per_lstm_row()} trials from {papers.BEST_ROW_SPREAD[0]:,} to {papers.BEST_ROW_SPREAD[1]:,})")
    print(f"  median seconds    {sec:.2f}    (target <= 1.5)")
    print(f"  seconds per seed  min {min(r['seconds'] for r in runs):.2f}, max {max(r['seconds'] for r in runs):.2f}")


if __name__ == "__main__":
    main()
