"""The result of a similarity run, as typed dataclasses (what the command prints, writes as JSON and renders)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .collect import InputProblem

NOTICE = ("Similar code is a reason to look, not a finding: students who solve a short, tightly specified "
          "exercise independently often write similar code, and a listed pair may have worked together as "
          "allowed. These pairs are flagged for a person to read; nothing here accuses anyone.")


@dataclass(frozen=True)
class Parameters:
    """How code is compared (defaults: see the module docstring of :mod:`lstmkit.grading.similarity`).

    k: tokens per gram; window: winnowing window (grams); threshold: the pair score from which a pair is
    flagged; min_tokens: tokens of uncommon code both wrote that a flagged pair needs at least; common_share,
    common_floor: a fingerprint more than max(common_floor, common_share * students) students of a cell have is
    an idiom (shared, it counts neither way); top: how many pairs are listed at least, flagged or not.
    """

    k: int = 4
    window: int = 4
    threshold: float = 0.9
    min_tokens: int = 20
    common_share: float = 0.1
    common_floor: int = 10
    top: int = 10

    def problem(self):
        """What is wrong with these parameters (a message naming the parameter), or None."""
        for name in ("k", "window", "common_floor"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                return f"{name}: expected a positive integer, got {getattr(self, name)!r}"
        if not 0.0 < self.threshold <= 1.0:
            return f"threshold: expected a score in (0, 1], got {self.threshold!r}"
        if not 0.0 <= self.common_share <= 1.0:
            return f"common_share: expected a share in [0, 1], got {self.common_share!r}"
        for name in ("min_tokens", "top"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                return f"{name}: expected 0 or a positive integer, got {getattr(self, name)!r}"
        return None


@dataclass(frozen=True)
class Segment:
    """Characters ``start:end`` of a cell's source that match the other student's cell."""

    start: int
    end: int


@dataclass(frozen=True)
class CellComparison:
    """One answer cell of a pair: its score in [0, 1] and where the two versions match (each side's segments
    index its own source)."""

    cell: str
    score: float
    source_a: str
    source_b: str
    matches_a: tuple   # of Segment, increasing
    matches_b: tuple


@dataclass(frozen=True)
class PairSimilarity:
    """Two students (``student_a`` < ``student_b``): the pair score in [0, 1] over all answer cells, the tokens
    of uncommon code both wrote (the smaller of the two sides), whether the pair is flagged, and per cell."""

    student_a: str
    student_b: str
    score: float
    matched_tokens: int
    flagged: bool
    cells: tuple       # of CellComparison, in notebook order


@dataclass(frozen=True)
class SimilarityResult:
    """Every pair at or above the threshold and at least the ``top`` highest pairs: flagged ones first, then by
    score.

    students: the students compared (sorted); cells: the answer cells' keys; pairs_compared: n (n - 1) / 2;
    pairs_sharing: pairs with an uncommon fingerprint in common; problems: files that were not compared.
    """

    assignment: str
    students: tuple
    cells: tuple
    parameters: Parameters
    pairs: tuple           # of PairSimilarity
    pairs_compared: int
    pairs_sharing: int
    problems: tuple        # of InputProblem
    notice: str = NOTICE

    @property
    def flagged(self) -> tuple:
        return tuple(p for p in self.pairs if p.flagged)

    def to_json(self) -> dict:
        """Plain data for ``json.dump`` (segments as [start, end] lists)."""
        data = asdict(self)
        for pair in data["pairs"]:
            for cell in pair["cells"]:
                for side in ("matches_a", "matches_b"):
                    cell[side] = [[s["start"], s["end"]] for s in cell[side]]
        data["flagged"] = len(self.flagged)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SimilarityResult":
        """The result that :meth:`to_json` wrote (for a report that reads ``--json`` instead of comparing again)."""
        pairs = tuple(
            PairSimilarity(p["student_a"], p["student_b"], p["score"], p["matched_tokens"], p["flagged"], tuple(
                CellComparison(c["cell"], c["score"], c["source_a"], c["source_b"],
                               tuple(Segment(*m) for m in c["matches_a"]), tuple(Segment(*m) for m in c["matches_b"]))
                for c in p["cells"]))
            for p in data["pairs"])
        return cls(data["assignment"], tuple(data["students"]), tuple(data["cells"]), Parameters(**data["parameters"]),
                   pairs, data["pairs_compared"], data["pairs_sharing"],
                   tuple(InputProblem(**q) for q in data["problems"]), data["notice"])


__all__ = ["NOTICE", "Parameters", "Segment", "CellComparison", "PairSimilarity", "SimilarityResult",
           "InputProblem"]
