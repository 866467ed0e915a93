"""nbgrader's command line and course folders made from this repository, as the Makefile uses them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from .notebooks import ASSIGNMENTS, ROOT

BIN = Path(sys.executable).parent


def run(course, *args, timeout=1500):
    """``nbgrader *args`` in the course folder ``course``, with the venv's bin first on PATH (nbgrader calls
    alembic through it); returns the finished process, raises RuntimeError with its output when it fails."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([str(BIN / "nbgrader"), *map(str, args)], cwd=course, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def copy_course(dest, assignments=ASSIGNMENTS, release=False) -> Path:
    """A course folder at ``dest`` (created if needed): this repository's nbgrader_config.py and the sources of
    ``assignments`` (with their committed release too when ``release``)."""
    course = Path(dest)
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for assignment in assignments:
        for folder in ("solutions", "exercises") if release else ("solutions",):
            shutil.copytree(ROOT / folder / assignment, course / folder / assignment)
    return course


def submit(course, student: str, assignment: str, nb) -> Path:
    """Write ``nb`` as ``student``'s submission of ``assignment`` (submitted/<student>/<a>/<a>.ipynb)."""
    folder = Path(course) / "submitted" / student / assignment
    folder.mkdir(parents=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return path
