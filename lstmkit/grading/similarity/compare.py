"""Scores for every pair of students, through an inverted index of fingerprints (never all pairs one by one).

For each answer cell, the fingerprints of all students go into one index: fingerprint -> how many students
have it (``df``). A fingerprint more than ``cap = max(common_floor, common_share * n)`` students have is an
idiom of the exercise (``h, c = lstm_step_forward(X[t], h, c, params)``): two students who both have it are
neither alike nor different there. Every other fingerprint the two have in common counts as a match, and every
fingerprint only one of them has counts as a difference, so with ``A`` and ``B`` their fingerprint sets,
``SR`` the matches and ``SI`` the idioms they share, a pair's score is the Dice coefficient without the shared
idioms::

    score = 2 SR / (|A| + |B| - 2 SI)        (0 when SR = 0)

1 when the two handed in the same code after normalisation (unless all of it is idiom), 0 when they share
nothing uncommon. Summed over all answer cells for the pair's score, per cell for the cell's score. Only the
fingerprints with ``2 <= df <= cap`` make candidate pairs, so the work grows with the pairs that share uncommon
code, not with n^2; shared idioms are counted for those candidates only, from bit sets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fingerprints import Fingerprints, grams
from .result import CellComparison, PairSimilarity, Parameters, Segment
from .tokens import Tokens


@dataclass(frozen=True)
class Cell:
    """One student's answer to one cell, ready to compare: its source, tokens and fingerprints."""

    source: str
    tokens: Tokens
    prints: Fingerprints


@dataclass(frozen=True)
class CellIndex:
    """One answer cell over the class: ``df[h]`` students have fingerprint h; sizes: int array (n,), each
    student's number of fingerprints; idioms: bool-packed uint8 array (n, ceil(m / 8)), which of the cell's m
    idioms each student has; keys, matches: every candidate pair (key a * n + b, a < b) and its SR here."""

    df: dict
    cap: int
    sizes: np.ndarray
    idioms: np.ndarray
    keys: np.ndarray
    matches: np.ndarray

    def shared_idioms(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """SI of pairs (a[i], b[i]) in this cell: int array like ``a``."""
        if self.idioms.shape[1] == 0:
            return np.zeros(len(a), np.int64)
        return np.bitwise_count(self.idioms[a] & self.idioms[b]).sum(axis=1, dtype=np.int64)


def common_cap(params: Parameters, n_students: int) -> int:
    """The largest number of students a fingerprint may be shared by and still count as a match."""
    return max(params.common_floor, math.ceil(params.common_share * n_students))


def _pairs_in_groups(members: np.ndarray, group_start: np.ndarray, group_size: np.ndarray, n: int) -> np.ndarray:
    """Every pair inside each group of students sharing a fingerprint, as int64 keys a * n + b (a < b).

    members: the groups' students one group after the other, each group sorted; group_start, group_size: one
    entry per group."""
    keys = [np.zeros(0, np.int64)]
    for size in np.unique(group_size):
        rows = members[group_start[group_size == size][:, None] + np.arange(size)]  # (groups, size)
        first, second = np.triu_indices(int(size), 1)
        keys.append((rows[:, first].astype(np.int64) * n + rows[:, second]).ravel())
    return np.concatenate(keys)


def index_cell(cells: list, cap: int) -> CellIndex:
    """Index one answer cell. ``cells``: each student's Cell or None (n entries)."""
    n = len(cells)
    owners = np.array([s for s, c in enumerate(cells) if c is not None for _ in c.prints.positions], np.int64)
    hashes = np.array([h for c in cells if c is not None for h in c.prints.positions], np.uint64)
    sizes = np.bincount(owners, minlength=n) if len(owners) else np.zeros(n, np.int64)
    unique, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    df = dict(zip(unique.tolist(), counts.tolist()))
    row_df = counts[inverse]
    idiom_column = np.cumsum(counts > cap) - 1  # column of each idiom hash in the bit matrix
    is_idiom = row_df > cap
    bits = np.zeros((n, int((counts > cap).sum())), bool)
    bits[owners[is_idiom], idiom_column[inverse[is_idiom]]] = True
    rare = (row_df >= 2) & ~is_idiom
    order = np.lexsort((owners[rare], inverse[rare]))
    grouped, members = inverse[rare][order], owners[rare][order]
    _, start, size = np.unique(grouped, return_index=True, return_counts=True)
    pair_keys = _pairs_in_groups(members, start, size, n)
    keys, matches = np.unique(pair_keys, return_counts=True)
    return CellIndex(df, cap, sizes, np.packbits(bits, axis=1), keys, matches)


def pair_scores(indexes: list, n: int):
    """The score of every pair sharing an uncommon fingerprint, over all cells (``indexes``: CellIndex each).

    Returns (a, b, score) arrays, highest score first."""
    keys = np.unique(np.concatenate([ix.keys for ix in indexes] + [np.zeros(0, np.int64)]))
    a, b = keys // max(n, 1), keys % max(n, 1)
    matches = np.zeros(len(keys))
    size = np.zeros(len(keys))
    idioms = np.zeros(len(keys))
    for ix in indexes:
        at = np.searchsorted(keys, ix.keys)
        matches[at] += ix.matches
        size += ix.sizes[a] + ix.sizes[b]
        idioms += ix.shared_idioms(a, b)
    denominator = size - 2 * idioms
    score = np.where(matches > 0, 2 * matches / np.where(denominator > 0, denominator, 1), 0.0)
    order = np.argsort(-score, kind="stable")
    return a[order], b[order], score[order]


def _covered(ranges: list) -> list:
    """Token ranges [start, end) merged where they overlap or touch, increasing."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _segments(cell: Cell, ranges: list) -> tuple:
    """Token ranges -> Segments of the cell's source: consecutive tokens on one line join into one segment;
    a line break or a comment between two tokens starts a new one (layout and comments are never marked)."""
    spans, source, out = cell.tokens.spans, cell.source, []
    for first, end in ranges:
        start, stop = spans[first]
        for a, b in spans[first + 1:end]:
            if source[stop:a].strip(" \t"):
                out.append(Segment(start, stop))
                start = a
            stop = b
        out.append(Segment(start, stop))
    return tuple(out)


def _all_grams(cell: Cell, k: int, given: frozenset) -> dict:
    """Every gram of a cell (not only the winnowed ones), without the release's: {hash: [(start, end), ...]}."""
    out = {}
    for statement in grams(cell.tokens, k):
        for h, start, end in statement:
            if h not in given:
                out.setdefault(h, []).append((start, end))
    return out


def compare_cell(key: str, one: Cell | None, two: Cell | None, index: CellIndex, k: int, given: frozenset):
    """One answer cell of two students: (CellComparison, matched tokens of one, matched tokens of two).

    The score counts winnowed fingerprints (as the pair's score does). The matching parts shown are every gram
    both cells have (not only the winnowed ones, idioms included); matched tokens count the tokens those grams
    cover, without the grams that are idioms of the class."""
    if one is None or two is None:
        return CellComparison(key, 0.0, one.source if one else "", two.source if two else "", (), ()), 0, 0
    shared = one.prints.hashes & two.prints.hashes
    uncommon = [h for h in shared if index.df.get(h, 0) <= index.cap]
    idioms = len(shared) - len(uncommon)
    denominator = len(one.prints.positions) + len(two.prints.positions) - 2 * idioms
    score = 2 * len(uncommon) / denominator if uncommon else 0.0
    full = [_all_grams(one, k, given), _all_grams(two, k, given)]
    both = full[0].keys() & full[1].keys()
    distinct = [h for h in both if index.df.get(h, 0) <= index.cap]
    matched = [sum(e - s for s, e in _covered([r for h in distinct for r in side[h]])) for side in full]
    ranges = [_covered([r for h in both for r in side[h]]) for side in full]
    return (CellComparison(key, round(score, 4), one.source, two.source, _segments(one, ranges[0]),
                           _segments(two, ranges[1])), matched[0], matched[1])


def describe_pair(names: tuple, cells: dict, indexes: dict, score: float, params: Parameters,
                  given: dict) -> PairSimilarity:
    """The PairSimilarity of two students. names: (a, b); cells[key]: (a's Cell or None, b's Cell or None);
    given[key]: the gram hashes of the released cell."""
    comparisons, side_a, side_b = [], 0, 0
    for key, (one, two) in cells.items():
        comparison, m_a, m_b = compare_cell(key, one, two, indexes[key], params.k, given[key])
        comparisons.append(comparison)
        side_a, side_b = side_a + m_a, side_b + m_b
    matched = min(side_a, side_b)
    flagged = score >= params.threshold and matched >= params.min_tokens
    return PairSimilarity(names[0], names[1], round(float(score), 4), matched, flagged, tuple(comparisons))
