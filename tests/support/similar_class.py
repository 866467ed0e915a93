"""A synthetic class for the similarity tests and benchmark: independent submissions of ``gates`` and planted copies.

Each independent student writes every answer cell from a random hand-written implementation
(:mod:`support.answer_variants`), or, for the course's known mistakes (tests/grading/exercise_fixtures/gates.py),
the wrong code of that mistake in its cells; then names, statement order, layout and comments are their own
(:mod:`support.disguise`), and about half keep the release's docstring. A planted copy takes another student's
cells and renames, reorders, reformats and recomments them.
"""
from __future__ import annotations

import ast
import random
from dataclasses import dataclass, field

from .answer_variants import IMPLEMENTATIONS, draw
from .disguise import disguise, habits
from .nbgrader import submit
from .notebooks import fill_answers, known_mistakes, nbgrader_meta, release_notebook

ASSIGNMENT = "gates"
CELLS = list(IMPLEMENTATIONS)


@dataclass
class Student:
    name: str
    answers: dict                   # grade id -> code
    origin: str                     # "variants", "mistake <name>" or "copy of <student>"
    copied_from: str | None = None


@dataclass
class SyntheticClass:
    students: list = field(default_factory=list)

    @property
    def copies(self) -> set:
        """The planted pairs, each as a frozenset of two names."""
        return {frozenset((s.name, s.copied_from)) for s in self.students if s.copied_from}

    def by_name(self) -> dict:
        return {s.name: s for s in self.students}


def _docstrings() -> dict:
    """{grade id: the released docstring line} of each answer cell."""
    out = {}
    for cell in release_notebook(ASSIGNMENT).cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in IMPLEMENTATIONS:
            out[gid] = next(line.strip() for line in cell.source.splitlines() if line.strip().startswith('"""'))
    return out


def _with_docstring(code: str, grade_id: str, doc: str) -> str:
    tree = ast.parse(code)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == grade_id:
            node.body.insert(0, ast.Expr(ast.Constant(ast.literal_eval(doc))))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _own_style(answers: dict, rng: random.Random, docs: dict) -> dict:
    """``answers`` written in one student's own names, order, layout and comments."""
    out = {}
    keep_doc = rng.random() < 0.5
    habit = habits(rng)
    for gid, code in answers.items():
        code = disguise(code, rng, steps=("rename", "reorder"), habit=habit)
        if keep_doc:
            code = _with_docstring(code, gid, docs[gid])
        out[gid] = disguise(code, rng, steps=("reformat", "recomment"))
    return out


def build(seed: int = 17, n_variants: int = 35, n_copies: int = 5, mistakes: bool = True) -> SyntheticClass:
    """``n_variants`` students from the hand-written implementations, one per known mistake of ``gates`` (if
    ``mistakes``), and ``n_copies`` copies of distinct students chosen at random, under shuffled names."""
    rng = random.Random(seed)
    docs = _docstrings()
    raw = []
    for _ in range(n_variants):
        raw.append(({gid: draw(gid, rng) for gid in CELLS}, "variants"))
    if mistakes:
        for name, case in known_mistakes(ASSIGNMENT).items():
            answers = {gid: draw(gid, rng) for gid in CELLS}
            answers.update({gid: code.strip("\n") + "\n" for gid, code in case["cells"].items()})
            raw.append((answers, f"mistake {name}"))
    total = len(raw) + n_copies
    width = len(str(total))
    names = [f"student{i:0{width}d}" for i in rng.sample(range(1, total + 1), total)]
    result = SyntheticClass()
    for (answers, origin), name in zip(raw, names):
        result.students.append(Student(name, _own_style(answers, rng, docs), origin))
    for original, name in zip(rng.sample(result.students[:len(raw)], n_copies), names[len(raw):]):
        copied = {gid: disguise(code, rng) for gid, code in original.answers.items()}
        result.students.append(Student(name, copied, f"copy of {original.name}", original.name))
    return result


def write(course, synthetic: SyntheticClass) -> None:
    """Each student's answers into the release notebook, as submitted/<student>/gates/gates.ipynb of ``course``."""
    release = release_notebook(ASSIGNMENT, course)
    for student in synthetic.students:
        submit(course, student.name, ASSIGNMENT, fill_answers(release, student.answers))
