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


# (task, T, weights, success after, trials), typed in from the paper: Table 7 (adding), Table 9 (temporal order 6a,
# 6b; "means of 20 trials" and "of 10 trials"), Table 3 rows with p = 50 (q = 50 and q = 1,000; 20 trials each)
LONG_LAG = [("adding", 100, 93, "74,000", 10), ("adding", 500, 93, "209,000", 10), ("adding", 1000, 93, "853,000", 10),
            ("order", 100, 156, "31,390", 20), ("order3", 100, 308, "571,100", 10),
            ("copy", 50, 364, "30,000", 20), ("copy", 1000, 364, "203,000", 20)]


def test_long_lag_rows_read_as_printed_in_the_paper():
    got = [(r.task, r.T, r.weights, f"{r.sequences:,}", r.trials) for r in papers.LONG_LAG]
    assert sorted(got) == sorted(LONG_LAG)
    assert {r.source.key for r in papers.LONG_LAG} == {"hochreiter1997"}
    assert [r.T for r in papers.long_lag_rows("adding")] == [100, 500, 1000]


def test_the_long_lag_chapter_quotes_the_same_numbers():
    """Every count of the paper that the chapter's text quotes is one of papers.LONG_LAG's."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "book" / "long_lags.md").read_text(encoding="utf8")
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    quoted = {int(n.replace(",", "")) for n in re.findall(r"\b\d{2,3},\d{3}\b", prose)}
    paper = {r.sequences for r in papers.LONG_LAG}
    assert {209_000, 853_000, 31_390, 571_100, 30_000, 203_000} <= quoted
    ours = {400_000, 200_000, 64_000, 600_000}            # budgets of our own runs, also quoted in the text
    assert quoted - paper <= ours | {2_560, 2_170}, quoted - paper - ours
