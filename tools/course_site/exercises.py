"""The graded exercises on the site: served with it, linked from each chapter, listed on one page.

- Every file of the student release (``exercises/<assignment>/``: the notebook, and data such as
  ``reber_data.npz``) is copied into the built site under the same path, so a student downloads it from the
  book itself.
- ``{exercise-links}`assignment``` (a role, used in each chapter's exercise box): links to download the
  notebook from the site, and to open it in Colab or on Binder (from the repository on GitHub).
- ```{exercise-index}``` (a directive, on the exercises page): one row per assignment with its chapter, what
  each part grades and its points, read from the notebooks' nbgrader metadata (the single source: what
  ``make release`` wrote), and the same links.
"""
from __future__ import annotations

import json
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "exercises"
SKIP = (".ipynb_checkpoints", "__pycache__")


@dataclass(frozen=True)
class Section:
    title: str          # "The gates"
    points: int         # as the section heading says ("(3 points)")
    by_hand: bool       # graded by hand (a written answer)


@dataclass(frozen=True)
class Exercise:
    name: str           # the assignment: rnn_limits, gates, ...
    title: str          # the notebook's first heading
    sections: tuple     # Section, in notebook order
    auto_points: int    # points of the automatically graded test cells
    hand_points: int    # points graded by hand


def notebook_path(name: str) -> Path:
    return RELEASE / name / f"{name}.ipynb"


def read_exercise(name: str) -> Exercise:
    """What the student notebook of assignment ``name`` asks and grades (from its nbgrader cell metadata)."""
    path = notebook_path(name)
    if not path.is_file():
        raise ValueError(f"assignment: expected one of {assignment_names()}, got {name!r} (no {path})")
    cells = json.loads(path.read_text(encoding="utf8"))["cells"]
    title, sections, auto, hand = name, [], 0, 0
    for cell in cells:
        source = "".join(cell["source"])
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "markdown" and source.startswith("# ") and title == name:
            title = source.splitlines()[0][2:].strip()
        heading = re.match(r"## \d+\. (.+?) \((\d+) points?(, graded by hand)?\)", source)
        if cell["cell_type"] == "markdown" and heading:
            sections.append(Section(heading.group(1), int(heading.group(2)), bool(heading.group(3))))
        if meta.get("grade"):
            if meta.get("solution"):
                hand += int(meta.get("points", 0))
            else:
                auto += int(meta.get("points", 0))
    return Exercise(name, title, tuple(sections), auto, hand)


def assignment_names() -> list[str]:
    """The assignments of the student release, in the order of the course (the number in their titles)."""
    names = [p.parent.name for p in RELEASE.glob("*/*.ipynb") if p.stem == p.parent.name]

    def order(name):
        first = json.loads(notebook_path(name).read_text(encoding="utf8"))["cells"][0]["source"]
        number = re.match(r"# Exercise (\d+)", "".join(first))
        return (int(number.group(1)) if number else 10**6, name)

    return sorted(names, key=order)


def _repository(config) -> tuple[str, str]:
    options = config.html_theme_options
    url = options.get("repository_url", "").rstrip("/")
    if not url.startswith("https://github.com/"):
        raise ValueError(f"html_theme_options.repository_url: expected a https://github.com/ URL, got {url!r}")
    return url.removeprefix("https://github.com/"), options.get("repository_branch", "main")


def launch_urls(name: str, config) -> dict[str, str]:
    """{'colab': ..., 'binder': ...} for the student notebook of assignment ``name`` on GitHub."""
    repo, branch = _repository(config)
    path = f"exercises/{name}/{name}.ipynb"
    return {"colab": f"https://colab.research.google.com/github/{repo}/blob/{branch}/{path}",
            "binder": f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{path}"}


def download_url(name: str, docname: str) -> str:
    """The student notebook's URL, relative to the page ``docname`` (pages are written as <docname>.html)."""
    return posixpath.relpath(f"exercises/{name}/{name}.ipynb", posixpath.dirname(docname) or ".")


def link_nodes(name: str, docname: str, config) -> list[nodes.Node]:
    urls = launch_urls(name, config)
    download = nodes.reference("", "", internal=False, refuri=download_url(name, docname),
                               classes=["exercise-download"])
    download += nodes.literal("", f"{name}.ipynb")
    download["reftitle"] = f"Download the student notebook {name}.ipynb"
    out = [nodes.Text("Download "), download, nodes.Text(" (the student notebook), or open it in ")]
    out += [nodes.reference("", "Colab", refuri=urls["colab"], classes=["exercise-colab"]),
            nodes.Text(" or on "),
            nodes.reference("", "Binder", refuri=urls["binder"], classes=["exercise-binder"])]
    extra = sorted(p.name for p in (RELEASE / name).iterdir() if p.suffix != ".ipynb" and p.is_file())
    if extra:
        out.append(nodes.Text("; it reads "))
        for k, file in enumerate(extra):
            ref = nodes.reference("", "", refuri=posixpath.join(posixpath.dirname(download_url(name, docname)), file))
            ref += nodes.literal("", file)
            out += ([nodes.Text(", ")] if k else []) + [ref]
        out.append(nodes.Text(", next to it"))
    out.append(nodes.Text("."))
    return out


def exercise_links_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    assignment = text.strip()
    if assignment not in assignment_names():
        msg = inliner.reporter.error(f"exercise-links: expected one of {assignment_names()}, got {assignment!r}",
                                     line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env.note_dependency(str(notebook_path(assignment)))
    return link_nodes(assignment, env.docname, env.app.config), []


class ExerciseIndex(SphinxDirective):
    """A table of every assignment: chapter, what it grades, points, links (see the module's docstring)."""
    has_content = False

    def run(self):
        rows = ["| assignment | chapter | what it grades | points |", "|---|---|---|---|"]
        for name in assignment_names():
            ex = read_exercise(name)
            self.env.note_dependency(str(notebook_path(name)))
            parts = "; ".join(f"{s.title} ({s.points}{', by hand' if s.by_hand else ''})" for s in ex.sections)
            chapter = f"{{doc}}`{name}`" if (ROOT / "book" / f"{name}.md").exists() else ""
            rows.append(f"| **{name}**: {ex.title} | {chapter} | {parts} | "
                        f"{ex.auto_points} automatic + {ex.hand_points} by hand |")
        container = nodes.container(classes=["exercise-index"])
        self.state.nested_parse(StringList(rows, source=self.env.docname), self.content_offset, container)
        items = nodes.bullet_list()
        for name in assignment_names():
            para = nodes.paragraph("", "", nodes.strong("", name), nodes.Text(": "),
                                   *link_nodes(name, self.env.docname, self.env.app.config))
            items += nodes.list_item("", para)
        container += items
        return [container]


def copy_release(app, exception):
    """build-finished: the student release, under exercises/ in the site."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "exercises"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(RELEASE, target, ignore=shutil.ignore_patterns(*SKIP))


def setup(app):
    app.add_role("exercise-links", exercise_links_role)
    app.add_directive("exercise-index", ExerciseIndex)
    app.connect("build-finished", copy_release)
