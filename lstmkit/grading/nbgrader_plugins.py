"""What ``nbgrader_config.py`` plugs into nbgrader's own commands.

- :class:`RestoreTestCells`, in ``Autograde.sanitize_preprocessors`` instead of nbgrader's
  ``OverwriteCells``: it restores every read-only cell from the gradebook as nbgrader does (hidden tests
  included), but warns about a changed cell only when it differs from the version students were given.
  nbgrader records a cell's checksum in the gradebook before ``ClearHiddenTests`` runs and the release's
  after it, so its ``OverwriteCells`` reports every untouched hidden-test cell as changed (nbgrader issue
  #1961), and those lines bury the real tampering warnings.
- :class:`ClearHiddenTests`, nbgrader's preprocessor with ``display_data_priority`` declared configurable:
  nbconvert's HTML exporter configures that option for every preprocessor, and nbgrader's base class declares
  it without ``config=True``, so ``nbgrader generate_feedback`` warned "Config option
  `display_data_priority` not recognized".
- :func:`record_missing_assignment`, ``Autograde.pre_convert_hook``: ``nbgrader autograde`` records an
  assignment missing from the gradebook from its source folder before grading the first student (see
  :func:`lstmkit.grading.course.record_assignment`), instead of failing every student with "No assignment
  with ID ... exists in the database".
"""

import copy
import os
import sys

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests as _NbgraderClearHiddenTests
from nbgrader.preprocessors import OverwriteCells
from traitlets import List


class ClearHiddenTests(_NbgraderClearHiddenTests):
    """nbgrader's ``ClearHiddenTests``, accepting the ``display_data_priority`` its exporter sets."""

    display_data_priority = List(_NbgraderClearHiddenTests.display_data_priority.default_value).tag(config=True)


class RestoreTestCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, warning only about cells that differ from their released version.

    The released version of a cell is its source from the gradebook with the hidden tests cleared by
    nbgrader's own ``ClearHiddenTests`` (with this course's delimiters): exactly what ``generate_assignment``
    released. Every read-only cell is still replaced by its full source, so hidden tests run as before.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        self._cell = cell
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and new == self._released_checksum(name):
            self.log.debug("Cell %s is the released version; restoring its hidden tests", name)
            return
        super().report_change(name, attr, old, new)

    def _released_checksum(self, name):
        source_cell = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
        released = copy.deepcopy(self._cell)
        released.source = source_cell.source
        _NbgraderClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        return utils.compute_checksum(released)


def record_missing_assignment(assignment, student, notebooks):
    """``Autograde.pre_convert_hook``: record ``assignment`` from the source folder if the gradebook lacks it.

    nbgrader calls the hook for each student, from the course directory (it changes into it first), before it
    looks the assignment up. A failure is printed here: nbgrader itself would log it only at INFO level.
    """
    if not assignment or any(ch in assignment for ch in "*?["):
        return
    from .course import CourseError, record_assignment

    try:
        record_assignment(os.getcwd(), assignment, log=lambda line: print(line, file=sys.stderr))
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
