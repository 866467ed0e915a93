"""The mistake code of a failing test cell, decided in the grading worker's own process.

Under the hardened grader a test cell runs in the trusted context (:mod:`lstmkit.grading.trusted`), so the
exception that stops it is an object of this process: a :class:`~lstmkit.grading.checks.mistakes.CheckFailed`
raised by a check (its code is a key of the catalogue, fixed by the check's own source), or another exception
(a trusted stand-in for one the student's code raised, :func:`lstmkit.grading.kernel_client.student_exception`,
whose type is a builtin or ``StudentCodeError``). The code is read from that object, never from text: nothing
the student's kernel prints or returns can choose it. Plain ``nbgrader autograde`` runs the tests inside the
student's kernel, where a check's message is text the student's code could have written, so no code is
recorded from it.

Codes besides the catalogue's (:data:`~lstmkit.grading.checks.mistakes.MISTAKES`), all with no book section:

- ``error.<Type>``: the cell stopped with an exception that is not a check's diagnosis (``error.NameError``);
- ``error.KernelDied``: the student's kernel was gone when the cell ran (every later test fails with it);
- ``error.stderr``: no exception, but the cell wrote to stderr (a warning), which nbgrader scores 0;
- ``generic.timeout`` (in the catalogue): the cell, or the whole notebook, ran out of time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .checks.mistakes import CheckFailed
from .kernel_client import CellTimeout, KernelDied

KINDS = ("check", "error", "stderr", "timeout")
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}")


@dataclass(frozen=True)
class CellVerdict:
    """Why one test cell failed: ``cell`` its grade id, ``code`` the mistake code, ``kind`` one of
    :data:`KINDS` (``check``: a check's diagnosis; ``error``: another exception; ``stderr``; ``timeout``)."""

    cell: str
    code: str
    kind: str

    def to_json(self) -> dict:
        return {"cell": self.cell, "code": self.code, "kind": self.kind}

    @classmethod
    def from_json(cls, data: dict) -> "CellVerdict":
        return cls(cell=str(data["cell"]), code=str(data["code"]), kind=str(data["kind"]))


def error_code(error: BaseException, kernel_dead: bool = False) -> tuple[str, str]:
    """``(code, kind)`` for the exception that stopped a test cell in this process."""
    if isinstance(error, CheckFailed):  # its constructor accepts only codes of MISTAKES
        return error.mistake.code, "check"
    if isinstance(error, CellTimeout):
        return "generic.timeout", "timeout"
    if kernel_dead or isinstance(error, KernelDied):
        return "error.KernelDied", "error"
    name = type(error).__name__
    return "error." + (name if _TYPE_NAME.fullmatch(name) else "Exception"), "error"


def cell_verdict(grade_id: str, error: Optional[BaseException], outputs: list,
                 kernel_dead: bool = False) -> Optional[CellVerdict]:
    """The verdict on a test cell run by the grader (None when it passed): from ``error``, the exception its
    run ended with, or else from a stderr output among ``outputs`` (nbformat outputs the grader wrote)."""
    if error is not None:
        code, kind = error_code(error, kernel_dead)
        return CellVerdict(grade_id, code, kind)
    if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
        return CellVerdict(grade_id, "error.stderr", "stderr")
    return None


def not_run_verdict(grade_id: str) -> CellVerdict:
    """A test cell the grader did not run because the notebook ran out of time."""
    return CellVerdict(grade_id, "generic.timeout", "timeout")
