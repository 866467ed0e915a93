"""Numbers quoted from papers, each with its source, written once: the book prints them from here and its tests
check the built pages against them.

    >>> from lstmkit import papers
    >>> papers.best_lstm_row().sequences
    8440
    >>> papers.BEST_ROW_SPREAD
    (3800, 24100)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a number comes from: a key of references.bib and the place in that paper."""

    key: str
    where: str


@dataclass(frozen=True)
class Table1Row:
    """One row of Hochreiter & Schmidhuber (1997), Table 1 (embedded Reber grammar).

    method: as the paper names it (RTRL, ELM, RCC, LSTM); hidden: hidden units, or memory cell blocks and their
    size; weights: (low, high), equal for one number; estimated: the paper marks the count as an estimate (≈);
    learning_rate: None where the paper gives none; success: percent of successful trials, None for the paper's
    "some fraction"; sequences: sequence presentations until success ("success after"); more_than: the paper
    writes ">" (no success within that many).
    """

    method: str
    hidden: str
    weights: tuple[int, int]
    estimated: bool
    learning_rate: float | None
    success: int | None
    sequences: int
    more_than: bool = False

    @property
    def weights_text(self) -> str:
        low, high = self.weights
        text = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        return ("≈ " if self.estimated else "") + text

    @property
    def success_text(self) -> str:
        return "“some fraction”" if self.success is None else f"{self.success} %"

    @property
    def sequences_text(self) -> str:
        return ("> " if self.more_than else "") + f"{self.sequences:,}"

    @property
    def learning_rate_text(self) -> str:
        return "" if self.learning_rate is None else f"{self.learning_rate:g}"


TABLE1_SOURCE = Source("hochreiter1997", "Table 1 (experiment 1, section 5.1)")
TABLE1 = (
    Table1Row("RTRL", "3", (170, 170), True, 0.05, None, 173_000),
    Table1Row("RTRL", "12", (494, 494), True, 0.1, None, 25_000),
    Table1Row("ELM", "15", (435, 435), True, None, 0, 200_000, more_than=True),
    Table1Row("RCC", "7–9", (119, 198), True, None, 50, 182_000),
    Table1Row("LSTM", "4 blocks, size 1", (264, 264), False, 0.1, 100, 39_740),
    Table1Row("LSTM", "3 blocks, size 2", (276, 276), False, 0.1, 100, 21_730),
    Table1Row("LSTM", "3 blocks, size 2", (276, 276), False, 0.2, 97, 14_060),
    Table1Row("LSTM", "4 blocks, size 1", (264, 264), False, 0.5, 97, 9_500),
    Table1Row("LSTM", "3 blocks, size 2", (276, 276), False, 0.5, 100, 8_440),
)
"""The rows of Table 1, in the paper's order. RTRL: real-time recurrent learning (results the paper takes from
Smith and Zipser 1989); ELM: "Elman net trained by Elman's procedure" (from Cleeremans et al. 1989); RCC:
recurrent cascade-correlation (from Fahlman 1991)."""

METHOD_NAMES = {"RTRL": "real-time recurrent learning (RTRL)", "ELM": "Elman net, Elman's training (ELM)",
                "RCC": "recurrent cascade-correlation (RCC)", "LSTM": "LSTM, 1997 cell"}
"""The methods of Table 1 in words."""

BEST_ROW_SPREAD = (3_800, 24_100)
"""Sequences needed over the trials of Table 1's last LSTM row (8,440): the fastest and the slowest trial."""

LSTM_TRIALS = 150
LSTM_FAILURES = 2
"""Table 1's caption: only two failures of LSTM out of 150 trials (its five rows, 30 trials each)."""


def lstm_rows() -> tuple[Table1Row, ...]:
    """The LSTM rows of Table 1."""
    return tuple(r for r in TABLE1 if r.method == "LSTM")


def best_lstm_row() -> Table1Row:
    """The LSTM row that needed the fewest sequences (the last row of Table 1)."""
    return min(lstm_rows(), key=lambda r: r.sequences)


def trials_per_lstm_row() -> int:
    """Trials behind each LSTM row: the 150 of the caption over the five rows."""
    return LSTM_TRIALS // len(lstm_rows())


@dataclass(frozen=True)
class LongLagRow:
    """One result of Hochreiter & Schmidhuber (1997) on a long-time-lag task of :mod:`lstmkit.tasks`.

    task: the name in ``lstmkit.tasks.TASKS``; T: the minimal sequence length (for copy, the paper's q); weights:
    of the 1997 LSTM; sequences: training sequences until the stopping criterion, the mean over ``trials``.
    """

    task: str
    T: int
    weights: int
    sequences: int
    trials: int
    source: Source


TABLE3_SOURCE = Source("hochreiter1997", "Table 3 (experiment 2c, section 5.2), rows with p = 50 distractors")
TABLE7_SOURCE = Source("hochreiter1997", "Table 7 (experiment 4, the adding problem, section 5.4)")
TABLE9_SOURCE = Source("hochreiter1997", "Table 9 (experiment 6, temporal order, section 5.6)")
LONG_LAG = (
    LongLagRow("adding", 100, 93, 74_000, 10, TABLE7_SOURCE),
    LongLagRow("adding", 500, 93, 209_000, 10, TABLE7_SOURCE),
    LongLagRow("adding", 1000, 93, 853_000, 10, TABLE7_SOURCE),
    LongLagRow("order", 100, 156, 31_390, 20, TABLE9_SOURCE),
    LongLagRow("order3", 100, 308, 571_100, 10, TABLE9_SOURCE),
    LongLagRow("copy", 50, 364, 30_000, 20, TABLE3_SOURCE),
    LongLagRow("copy", 1000, 364, 203_000, 20, TABLE3_SOURCE),
)
"""The 1997 LSTM on the tasks of the long-lag chapter. Table 7's caption: for T = 1,000 the count "varies between
370,000 and 2,020,000, exceeding 700,000 in only 3 cases"; at T = 100, 500 and 1,000 the paper's test sets of 2,560
had 1, 0 and 1 wrong sequences. Table 9: 1 and 2 of 2,560 wrong for 6a and 6b."""


def long_lag_rows(task: str) -> tuple[LongLagRow, ...]:
    """The rows of :data:`LONG_LAG` for ``task``, by T."""
    return tuple(sorted((r for r in LONG_LAG if r.task == task), key=lambda r: r.T))
