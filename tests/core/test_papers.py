"""lstmkit.papers: Table 1 of Hochreiter & Schmidhuber (1997) as the paper prints it (typed in again here from the
paper), and its internal consistency: five LSTM rows of 30 trials make the 150 trials of the caption, their success
percentages add up to its two failures, and the best row's figure lies within the spread of its trials."""
from __future__ import annotations

from lstmkit import papers

# (method, hidden units, weights, learning rate, % of success, success after), typed in from the paper
PAPER = [
    ("RTRL", "3", "≈ 170", "0.05", "“some fraction”", "173,000"),
    ("RTRL", "12", "≈ 494", "0.1", "“some fraction”", "25,000"),
    ("ELM", "15", "≈ 435", "", "0 %", "> 200,000"),
    ("RCC", "7–9", "≈ 119–198", "", "50 %", "182,000"),
    ("LSTM", "4 blocks, size 1", "264", "0.1", "100 %", "39,740"),
    ("LSTM", "3 blocks, size 2", "276", "0.1", "100 %", "21,730"),
    ("LSTM", "3 blocks, size 2", "276", "0.2", "97 %", "14,060"),
    ("LSTM", "4 blocks, size 1", "264", "0.5", "97 %", "9,500"),
    ("LSTM", "3 blocks, size 2", "276", "0.5", "100 %", "8,440"),
]


def test_table_1_reads_as_printed_in_the_paper():
    got = [(r.method, r.hidden, r.weights_text, r.learning_rate_text, r.success_text, r.sequences_text)
           for r in papers.TABLE1]
    assert got == PAPER
    assert papers.TABLE1_SOURCE.key == "hochreiter1997"


def test_lstm_rows_add_up_to_the_captions_trials_and_failures():
    rows = papers.lstm_rows()
    n = papers.trials_per_lstm_row()
    assert len(rows) * n == papers.LSTM_TRIALS == 150 and n == 30
    failures = [n - round(r.success / 100 * n) for r in rows]
    assert all(abs(100 * (n - f) / n - r.success) < 0.5 for f, r in zip(failures, rows))   # 29/30 prints as 97 %
    assert sum(failures) == papers.LSTM_FAILURES == 2


def test_best_row_and_its_spread():
    best = papers.best_lstm_row()
    assert best is papers.TABLE1[-1] and best.sequences == 8_440 and best.success == 100
    low, high = papers.BEST_ROW_SPREAD
    assert low < best.sequences < high
    # the spread is the best row's trials, not the rows: it does not contain the slowest row
    assert max(r.sequences for r in papers.lstm_rows()) > high
