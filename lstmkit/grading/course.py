"""The course directory as nbgrader sees it, and the spec of one assignment.

``load_course(root)`` reads ``nbgrader_config.py`` exactly as nbgrader's own
commands do (source/release/submitted/autograded directories, course id,
``db_url``). ``assignment_spec`` collects, from the gradebook and the released
notebooks, everything a grading worker needs without opening the gradebook
itself: each notebook's released version and, for every graded cell, its role
and its trusted source (test cells with their hidden tests).
"""

import os

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
