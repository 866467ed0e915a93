"""Fingerprints of normalised code: hashed k-grams of tokens, thinned out by winnowing (Schleimer, Wilkerson and
Aiken, *Winnowing: local algorithms for document fingerprinting*, SIGMOD 2003, the algorithm behind MOSS).

Every run of ``k`` consecutive tokens inside one statement is hashed (a statement shorter than ``k`` tokens is
one gram of its own, one shorter than MIN_STATEMENT none); in every window of ``window`` consecutive hashes of a
statement the smallest is kept (the rightmost of equal ones: robust winnowing), so that any run of at least
``k + window - 1`` tokens that two cells share inside a statement gives them a fingerprint in common. Grams never
span two statements, so moving independent statements around, as a copier may, changes no fingerprint. Hashes
depend on the token texts only (not on the order students are read in, on who else is in the class, or on the
process: Python's own ``hash`` of a string changes from run to run), so a cell gets the same fingerprints in
every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from .tokens import Tokens


@dataclass(frozen=True)
class Fingerprints:
    """One cell's fingerprints: ``positions[h]`` = the token ranges (start, end) of the grams with hash ``h``.

    Boilerplate (grams of the released cell) is already removed.
    """

    positions: dict

    @property
    def hashes(self) -> frozenset:
        return frozenset(self.positions)


@lru_cache(maxsize=None)
def _token_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


_MASK = (1 << 64) - 1
_MULT = 0x9E3779B97F4A7C15  # an odd constant (2^64 / golden ratio): mixes the token hashes of a k-gram


def _hash(texts) -> int:
    h = 0
    for text in texts:
        h = ((h ^ _token_hash(text)) * _MULT) & _MASK
    return h ^ (h >> 29)


MIN_STATEMENT = 4
"""Statements of fewer tokens (``pass``, ``return N``, ``N += #``, ``N = N``) say nothing and make no gram."""


def grams(tokens: Tokens, k: int) -> list:
    """Per statement, its grams as (hash, start, end) token ranges: every k-gram inside the statement, or the
    whole statement when it is shorter than ``k`` (none below MIN_STATEMENT tokens). A list (one entry per
    statement) of lists."""
    out = []
    for first, end in tokens.statements:
        if end - first < MIN_STATEMENT:
            out.append([])
        elif end - first < k:
            out.append([(_hash(tokens.text[first:end]), first, end)])
        else:
            out.append([(_hash(tokens.text[s:s + k]), s, s + k) for s in range(first, end - k + 1)])
    return out


def winnow(hashes: list, window: int) -> list:
    """Indices into ``hashes`` chosen by robust winnowing with windows of ``window`` hashes, increasing.

    A sequence shorter than one window keeps its smallest hash (its rightmost occurrence).
    """
    if window < 1:
        raise ValueError(f"window: expected a positive number of k-grams, got {window}")
    if not hashes:
        return []
    chosen, last = [], -1
    for start in range(max(1, len(hashes) - window + 1)):
        part = hashes[start:start + window]
        smallest = min(part)
        pos = start + max(i for i, h in enumerate(part) if h == smallest)
        if pos != last:
            chosen.append(pos)
            last = pos
    return chosen


def boilerplate(tokens: Tokens, k: int) -> frozenset:
    """Every gram hash of the released cell (not winnowed): code given to everyone, never a match."""
    return frozenset(h for statement in grams(tokens, k) for h, _, _ in statement)


def fingerprint(tokens: Tokens, k: int, window: int, given: frozenset = frozenset()) -> Fingerprints:
    """Winnowed fingerprints of one cell's ``tokens``, without the hashes in ``given`` (its boilerplate)."""
    positions = {}
    for statement in grams(tokens, k):
        for i in winnow([h for h, _, _ in statement], window):
            h, start, end = statement[i]
            if h not in given:
                positions.setdefault(h, []).append((start, end))
    return Fingerprints({h: tuple(p) for h, p in positions.items()})
