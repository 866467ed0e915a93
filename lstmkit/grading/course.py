"""The course directory as nbgrader sees it, and the spec of one assignment.

``load_course(root)`` reads ``nbgrader_config.py`` exactly as nbgrader's own
commands do (source/release/submitted/autograded directories, course id,
``db_url``). ``assignment_spec`` collects, from the gradebook and the released
notebooks, everything a grading worker needs without opening the gradebook
itself: each notebook's released version and, for every graded cell, its role
and its trusted source (test cells with their hidden tests). ``record_assignment``
puts an assignment into the gradebook from its source folder when it is missing,
for both graders, without touching the release folder.
"""

import json
import os
import subprocess
import sys
import tempfile

import nbformat


class CourseError(RuntimeError):
    """The course directory or the assignment is not ready for grading."""


def load_course(root):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    from nbgrader.coursedir import CourseDirectory

    root = os.path.abspath(root)
    config = Config()
    path = os.path.join(root, "nbgrader_config.py")
    if os.path.exists(path):
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=root).load_config())
    else:
        raise CourseError(f"no nbgrader_config.py in {root}: run this command from the course directory")
    config.CourseDirectory.root = root
    coursedir = CourseDirectory(config=config)
    return coursedir, config


def cell_role(meta, cell_type):
    """``answer``, ``test``, ``setup`` or ``task`` for a cell's nbgrader metadata."""
    if meta.get("solution"):
        return "answer"
    if meta.get("task"):
        return "task"
    if meta.get("grade") and cell_type == "code":
        return "test"
    return "setup"


def _in_gradebook(coursedir, assignment):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            # `nbgrader db assignment add A --duedate=...` records a due date without notebooks: not recorded yet
            return len(gb.find_assignment(assignment).notebooks) > 0
        except MissingEntry:
            return False


def record_assignment(root, assignment, log=print):
    """Record ``assignment`` in the gradebook from ``solutions/<assignment>/`` if it is not there yet.

    nbgrader's graders need the assignment's cells in the gradebook, which ``nbgrader generate_assignment``
    records while it writes the release. Here it writes that release into a temporary folder instead of the
    course's ``exercises/`` (committed, and what the students have), then warns if the two differ. Returns
    True when it recorded the assignment, False when the gradebook had it already.
    """
    coursedir, _ = load_course(root)
    if _in_gradebook(coursedir, assignment):
        return False
    source = os.path.normpath(coursedir.format_path(coursedir.source_directory, ".", assignment))
    if not os.path.isdir(source):
        raise CourseError(f"assignment {assignment!r} is not in the gradebook {coursedir.db_url} and has no "
                          f"source folder {source} to record it from")
    release = os.path.normpath(coursedir.format_path(coursedir.release_directory, ".", assignment))
    env = dict(os.environ)  # nbgrader runs alembic through PATH
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="lstmkit-record-") as tmp:
        done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
                               f"--CourseDirectory.release_directory={tmp}"],
                              cwd=coursedir.root, env=env, capture_output=True, text=True)
        if done.returncode != 0 or not _in_gradebook(coursedir, assignment):
            raise CourseError(f"could not record assignment {assignment!r} from {source}:\n"
                              f"{(done.stdout + done.stderr)[-3000:]}")
        stale = _differing_notebooks(os.path.join(tmp, assignment), release)
    log(f"{assignment}: recorded in the gradebook from {source} ({release} left as it is)")
    if stale:
        verb = "differs" if len(stale) == 1 else "differ"
        log(f"warning: {', '.join(stale)} in {release} {verb} from what {source} generates now; grading uses the "
            f"tests of {source}. If you changed the source, run `make release` and hand out the new version.")
    return True


def _differing_notebooks(generated, release):
    names = sorted(f for f in os.listdir(generated) if f.endswith(".ipynb"))
    stale = []
    for name in names:
        path = os.path.join(release, name)
        try:
            with open(path) as fh:
                ours = json.load(fh)
        except (OSError, ValueError):
            stale.append(name)
            continue
        with open(os.path.join(generated, name)) as fh:
            if json.load(fh) != ours:
                stale.append(name)
    return stale


def assignment_spec(coursedir, assignment):
    from nbgrader.api import Gradebook, MissingEntry

    release_dir = coursedir.format_path(coursedir.release_directory, ".", assignment)
    source_dir = coursedir.format_path(coursedir.source_directory, ".", assignment)
    spec = {"assignment": assignment, "notebooks": [], "source_dir": source_dir,
            "release_dir": release_dir, "max_file_bytes": int(coursedir.max_file_size) * 1024}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"assignment {assignment!r} is not in the gradebook {coursedir.db_url}: "
                              f"run `nbgrader generate_assignment {assignment}` first") from None
        for notebook in sorted(record.notebooks, key=lambda n: n.name):
            path = os.path.join(release_dir, notebook.name + ".ipynb")
            if not os.path.exists(path):
                raise CourseError(f"released notebook {path} is missing: run "
                                  f"`nbgrader generate_assignment {assignment}`")
            release = nbformat.read(path, as_version=4)
            sources = {c.name: c.source for c in notebook.source_cells}
            cells = []
            for cell in release.cells:
                meta = cell.metadata.get("nbgrader")
                if not isinstance(meta, dict) or "grade_id" not in meta:
                    continue
                gid = meta["grade_id"]
                cells.append({"grade_id": gid, "role": cell_role(meta, cell.cell_type),
                              "release_cell": cell, "trusted_source": sources.get(gid, cell.source)})
            spec["notebooks"].append({"name": notebook.name, "release": release, "cells": cells})
    if not spec["notebooks"]:
        raise CourseError(f"assignment {assignment!r} has no notebooks in the gradebook")
    return spec


def students_of(coursedir, assignment):
    """Student ids with a folder ``submitted/<student>/<assignment>/``, sorted."""
    root = os.path.join(coursedir.root, coursedir.submitted_directory)
    if not os.path.isdir(root):
        return []
    return sorted(s for s in os.listdir(root)
                  if os.path.isdir(coursedir.format_path(coursedir.submitted_directory, s, assignment)))
