"""Every page's notebook runs on its own: the .ipynb twin (what the download, Colab and Binder buttons open), alone
in an empty temporary folder, runs top to bottom in a fresh kernel. Data a page needs comes with lstmkit (package
data, lstmkit.results), and the package built from the repository carries it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from support.book import ROOT

TWINS = sorted(p.name for p in (ROOT / "book").glob("*.ipynb"))


def test_every_notebook_page_has_a_twin():
    pages = [p for p in (ROOT / "book").glob("*.md") if "kernelspec:" in p.read_text(encoding="utf8")[:400]]
    assert sorted(p.with_suffix(".ipynb").name for p in pages) == TWINS and len(TWINS) >= 7


@pytest.mark.parametrize("twin", TWINS)
def test_notebook_twin_runs_in_an_empty_folder(twin, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    work = tmp_path / "downloaded"
    work.mkdir()
    shutil.copy(ROOT / "book" / twin, work / twin)
    # the kernel is this environment's Python (which has lstmkit, as Colab has after the twin's first cell)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("MPLBACKEND", raising=False)        # figures as the notebook shows them (inline)
    notebook = nbformat.read(work / twin, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(work)}})
    client.execute()                                  # raises CellExecutionError on the first failing cell
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), f"{twin}: cells left unexecuted"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    source = (ROOT / "book" / twin).with_suffix(".md").read_text(encoding="utf8")
    if "plt." in source or "plots." in source:
        images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
        assert images, f"{twin}: no figure drawn"
    assert sorted(p.name for p in work.iterdir()) == [twin], f"{twin} wrote files: {list(work.iterdir())}"


def test_load_runs_reads_the_package_data():
    from lstmkit import results

    for name in results.RESULTS:
        on_disk = json.loads((ROOT / "lstmkit" / "data" / name).read_text(encoding="utf8"))
        assert results.load_data(name) == on_disk, name
        if "runs" not in on_disk:                          # a whole file (the gradient curves)
            with pytest.raises(ValueError, match="read it with load_data"):
                results.load_runs(name)
            continue
        runs = results.load_runs(name)
        assert runs == on_disk["runs"] and len(runs) >= 5, name
        assert {"model", "solved", "sequences", "seconds"} <= set(runs[0]), (name, sorted(runs[0]))
        assert "grammar" in runs[0] or "task" in runs[0], (name, sorted(runs[0]))
    with pytest.raises(ValueError, match=r"name: expected one of .*reber_runs\.json.* got 'data/x\.json'"):
        results.load_runs("data/x.json")


def test_the_built_package_carries_the_data(tmp_path):
    """What `pip install git+<repository>` (Colab) installs: a wheel with lstmkit/data/*.json."""
    source = tmp_path / "source"                           # a copy: building writes build/ into the tree
    shutil.copytree(ROOT / "lstmkit", source / "lstmkit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                           "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("lstmkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"lstmkit/data/{p.name}" for p in (ROOT / "lstmkit" / "data").glob("*.json")}
    assert expected and expected <= names, sorted(expected - names)
    assert "lstmkit/results.py" in names
