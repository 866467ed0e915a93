"""What similarity compares: the released answer cells of an assignment and every student's version of them.

The release (``exercises/<assignment>/*.ipynb`` in this course, nbgrader's release folder in general) names
the answer cells: code cells whose nbgrader metadata says ``solution: true``, each by its ``grade_id``. Their
released code (the function's signature, its docstring, the stub) is the boilerplate everybody was given. A
student's answer to a cell is the cell with the same grade id in ``submitted/<student>/<assignment>/``.

Notebooks are read as JSON (no schema validation, which is slow and refuses notebooks that can still be
compared). A notebook that cannot be read is an :class:`InputProblem` naming the file; the student's other
notebooks, and the other students, are still compared.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from .tokens import defined_names


@dataclass(frozen=True)
class AnswerCell:
    """One answer cell of the release. ``key``: its name in results (the grade id, prefixed with the notebook's
    name when the assignment has several notebooks)."""

    key: str
    notebook: str
    grade_id: str
    released: str


@dataclass(frozen=True)
class Release:
    assignment: str
    cells: tuple            # of AnswerCell, in notebook order
    known_names: frozenset  # names the release imports or defines (kept by normalisation)


@dataclass(frozen=True)
class Submission:
    """One student's answers: ``answers[key]`` = the source of their version of answer cell ``key`` (missing
    when the cell is not in their notebook)."""

    student: str
    answers: dict


@dataclass(frozen=True)
class InputProblem:
    """A file that could not be compared: ``path``, and ``message`` saying what is wrong with it."""

    student: str
    path: str
    message: str


class NotebookError(ValueError):
    """A notebook file that is not a readable notebook; the message names the file."""


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_cells(path: str) -> list:
    """The cells (dicts) of the notebook at ``path``; raises NotebookError naming ``path`` when it is not one."""
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except OSError as exc:
        raise NotebookError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise NotebookError(f"{path}: not a notebook, its JSON is invalid ({exc})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise NotebookError(f"{path}: not a notebook, expected a JSON object with a list of cells under "
                            f"\"cells\", got {type(cells if isinstance(nb, dict) else nb).__name__}")
    return cells


def _grade_id(cell):
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None


def read_release(release_dir: str, assignment: str) -> Release:
    """The answer cells of every notebook in ``release_dir``; raises NotebookError for an unreadable one and
    FileNotFoundError when the folder holds no notebook."""
    names = sorted(f for f in os.listdir(release_dir) if f.endswith(".ipynb")) if os.path.isdir(release_dir) \
        else []
    if not names:
        raise FileNotFoundError(f"no released notebook in {release_dir}: run `make release` "
                                f"(nbgrader generate_assignment {assignment})")
    cells, code = [], []
    for name in names:
        notebook = name[:-len(".ipynb")]
        for cell in read_cells(os.path.join(release_dir, name)):
            if cell.get("cell_type") != "code":
                continue
            code.append(_source(cell))
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if isinstance(meta, dict) and meta.get("solution") and meta.get("grade_id"):
                gid = meta["grade_id"]
                key = gid if len(names) == 1 else f"{notebook}/{gid}"
                cells.append(AnswerCell(key, notebook, gid, _source(cell)))
    return Release(assignment, tuple(cells), defined_names(code))


def read_submission(student: str, folder: str, release: Release) -> tuple:
    """(Submission, [InputProblem]) of ``student`` from their ``folder``; a cell a student deleted is absent."""
    answers, problems = {}, []
    for notebook in sorted({c.notebook for c in release.cells}):
        path = os.path.join(folder, notebook + ".ipynb")
        if not os.path.exists(path):
            problems.append(InputProblem(student, path, f"{path}: missing, the release has {notebook}.ipynb"))
            continue
        try:
            cells = read_cells(path)
        except NotebookError as exc:
            problems.append(InputProblem(student, path, str(exc)))
            continue
        by_id = {}
        for cell in cells:
            gid = _grade_id(cell)
            if gid is not None:
                by_id.setdefault(gid, []).append(_source(cell))
        for answer in release.cells:
            if answer.notebook == notebook and answer.grade_id in by_id:
                answers[answer.key] = "\n".join(by_id[answer.grade_id])
    return Submission(student, answers), problems
