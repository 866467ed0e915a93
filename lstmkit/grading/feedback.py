"""Feedback that shows no hidden test: an nbgrader preprocessor for ``nbgrader generate_feedback``.

nbgrader's own ``ClearHiddenTests`` removes the hidden lines from a test cell's source, but the outputs stay:
the traceback of a failing hidden test prints the whole cell (seeds, shapes, the hidden block), and the
check's message names sizes and indices of the hidden case; under the hardened grader the traceback also
shows the grader's own file paths. :class:`HideHiddenOutputs` runs before ``ClearHiddenTests`` (see
``nbgrader_config.py``) and rewrites the outputs of every test cell:

- a **hidden** test keeps one error line: the check's summary and its pointer to the book (see
  :mod:`lstmkit.grading.checks.mistakes`), or, for any other error, only its type. What the student's code
  printed during a hidden test is dropped (it could print the hidden inputs);
- a **visible** test keeps its printed output and its message, without the traceback's frames;
- every error output, in any cell, loses absolute file paths.

The same preprocessor serves both graders, because both produce feedback with ``nbgrader generate_feedback``.
"""
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .checks.mistakes import POINTER

HIDDEN_MARK = "BEGIN HIDDEN TESTS"
CHECK_FAILURE = "CheckFailed"
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.+@~-]+){2,}/?")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def without_paths(text):
    """``text`` with every absolute file path replaced by its last component."""
    return _PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], _ANSI.sub("", str(text)))


def hidden_message(ename, evalue):
    """What a student may read about a failing hidden test: the summary and the book pointer of a check's
    failure (words only), otherwise the kind of error."""
    if ename == CHECK_FAILURE:
        blocks = str(evalue).split("\n\n")
        kept = blocks[:1] + [b for b in blocks[1:] if b.startswith(POINTER)]
        return "A hidden test of this part failed:\n" + "\n\n".join(without_paths(b) for b in kept)
    kind = ename if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,60}", str(ename)) else "an error"
    return f"A hidden test of this part failed: it stopped with {kind}."


def _error(ename, evalue):
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


class HideHiddenOutputs(Preprocessor):
    """Rewrite test cells' outputs so that feedback shows no hidden test's code, data or server path."""

    enabled = Bool(True, help="nbconvert's preprocessors are off unless enabled; this one is always on").tag(
        config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("grade") and HIDDEN_MARK in cell.source:
            cell.outputs = [_error(str(e.get("ename", "Error"))[:60],
                                   hidden_message(e.get("ename"), e.get("evalue", ""))) for e in errors[:1]]
        elif meta.get("grade"):
            kept = [o for o in cell.outputs if o.get("output_type") != "error"]
            cell.outputs = kept + [_error(str(e.get("ename", "Error"))[:60], without_paths(e.get("evalue", "")))
                                   for e in errors]
        else:
            for e in errors:
                e["evalue"] = without_paths(e.get("evalue", ""))
                e["traceback"] = [without_paths(line) for line in e.get("traceback", [])]
        return cell, resources
