"""Write a Jupyter notebook (.ipynb, without outputs) next to every MyST notebook page of the book.

The pages are written and reviewed as MyST Markdown (``book/*.md``). Colab and Binder open
notebooks straight from the repository, and Colab cannot read MyST Markdown: the launch
buttons of the built book point at these ``.ipynb`` twins instead (sphinx-book-theme uses a
same-named ``.ipynb`` when one exists). The build itself ignores them (``_config.yml``
excludes ``book/*.ipynb``), and the download button serves the executed notebook.

    .venv/bin/python tools/sync_notebooks.py          # write the twins that changed
    .venv/bin/python tools/sync_notebooks.py --check  # exit 1 if any twin is out of date

``make book`` runs it before building. Commit the ``.ipynb`` files together with the pages.
A twin whose page uses lstmkit starts with one extra code cell that installs lstmkit from the
repository when it is missing (as on Colab).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SETUP_SOURCE = """\
# Running this notebook outside the course's environment (Colab, a fresh Python)? Install lstmkit first.
import importlib.util
if importlib.util.find_spec("lstmkit") is None:
    %pip install --quiet "git+{url}"\
"""


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
    return config["sphinx"]["config"]["html_theme_options"]["repository_url"]


def setup_cell(stem: str):
    """A first cell that installs lstmkit where it is missing (Colab). Only in the twins: the book
    itself is built in the course's environment."""
    cell = nbformat.v4.new_code_cell(SETUP_SOURCE.format(url=repository_url()))
    cell["id"] = f"{stem}-setup"
    return cell


def notebook_pages() -> list[Path]:
    """MyST Markdown pages that are notebooks (they carry a jupytext header with a kernel)."""
    pages = []
    for md in sorted(BOOK.glob("*.md")):
        text = md.read_text(encoding="utf8")
        if text.startswith("---") and "kernelspec:" in text.split("\n---", 1)[0]:
            pages.append(md)
    return pages


def render(md: Path) -> str:
    notebook = jupytext.read(md)
    notebook.metadata.pop("jupytext", None)       # a plain notebook, not a paired one
    for k, cell in enumerate(notebook.cells):
        cell["id"] = f"{md.stem}-{k}"              # stable ids: the file changes only when the page does
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if any(cell.cell_type == "code" and "lstmkit" in cell.source for cell in notebook.cells):
        first_code = next(k for k, cell in enumerate(notebook.cells) if cell.cell_type == "code")
        notebook.cells.insert(first_code, setup_cell(md.stem))
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report twins that are out of date")
    args = parser.parse_args()
    stale = []
    for md in notebook_pages():
        target, text = md.with_suffix(".ipynb"), render(md)
        if not target.exists() or target.read_text(encoding="utf8") != text:
            stale.append(target.relative_to(ROOT))
            if not args.check:
                target.write_text(text, encoding="utf8")
    verb = "out of date" if args.check else "written"
    print(f"notebook twins {verb}: {', '.join(map(str, stale)) or 'none'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
