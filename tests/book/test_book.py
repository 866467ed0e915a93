"""The built book: every page of the table of contents, no broken internal link,
and nothing loaded from outside the site.

One build per test session, shared with the browser tests (the ``built_book`` fixture of
tests/conftest.py): a strict ``jupyter-book build . -W -n --keep-going`` with the notebooks
executed (``_config.yml``: execute_notebooks cache, raise_on_error true), unless
``_build/html`` is already newer than every source. Set ``BOOK_HTML=/path/to/_build/html``
to check another build.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from support.book import ROOT, toc_files

# Elements whose URL attribute the browser fetches while loading the page.
LOADED = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "embed": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "track": "src",
    "object": "data",
}
# <link rel=...> values that make the browser fetch the href.
LOADED_LINK_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon", "manifest"}
NON_HTTP_SCHEMES = ("mailto:", "javascript:", "data:", "tel:", "blob:")
URL_IN_TEXT = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)]*""")


# ---------------------------------------------------------------- the build (once per session)

@pytest.fixture(scope="session")
def site(built_book) -> Path:
    """The built site (tests/conftest.py: $BOOK_HTML, else a _build/html newer than every source, else
    `jupyter-book build . -W -n --keep-going` once for the whole session)."""
    return built_book


@pytest.fixture(scope="session")
def pages(site) -> dict[str, BeautifulSoup]:
    """Every HTML page of the site, parsed, keyed by its path relative to the site.

    Theme templates copied into ``_static/`` and page sources in ``_sources/`` are files,
    not pages."""
    found = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.split("/")[0] in ("_static", "_sources"):
            continue
        found[rel] = BeautifulSoup(path.read_text(encoding="utf8"), "html.parser")
    return found


# ---------------------------------------------------------------- helpers

def is_external(url: str) -> bool:
    """True for URLs that leave the site: a scheme with a host, or protocol-relative."""
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "file")


def resolve(page: str, url: str) -> tuple[str, str]:
    """Resolve a relative ``url`` found on ``page`` (both site-relative) to (path, fragment)."""
    parts = urlsplit(url)
    if parts.path == "":
        target = page
    elif parts.path.startswith("/"):
        target = parts.path.lstrip("/")
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
    return target, unquote(parts.fragment)


def loaded_urls(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(tag, url) for every resource the page makes the browser fetch."""
    urls = []
    for tag, attr in LOADED.items():
        for el in soup.find_all(tag):
            if el.get(attr):
                urls.append((tag, el[attr]))
            for src in (el.get("srcset") or "").split(","):
                if src.strip():
                    urls.append((tag, src.split()[0]))
    for el in soup.find_all("link"):
        rels = {r.lower() for r in el.get("rel", [])}
        if rels & LOADED_LINK_RELS and el.get("href"):
            urls.append(("link", el["href"]))
    return urls


def anchors(soup: BeautifulSoup) -> set[str]:
    return {el["id"] for el in soup.find_all(id=True)} | {el["name"] for el in soup.find_all("a", attrs={"name": True})}


# ---------------------------------------------------------------- helper self-checks

def test_link_helpers_resolve_and_classify():
    assert resolve("book/gates.html", "cell_state.html#the-conveyor-belt") == ("book/cell_state.html", "the-conveyor-belt")
    assert resolve("book/gates.html", "../_static/x.js?v=1") == ("_static/x.js", "")
    assert resolve("book/gates.html", "#shapes") == ("book/gates.html", "shapes")
    assert is_external("https://cdn.jsdelivr.net/npm/x.js") and is_external("//unpkg.com/x.js")
    assert not is_external("../_static/offline/require.js") and not is_external("#top")
    toc = {"root": "a", "parts": [{"chapters": [{"file": "b", "sections": [{"file": "c"}]}]}]}
    assert toc_files(toc) == ["a", "b", "c"]


def test_link_checker_finds_a_broken_link(tmp_path):
    """The checker below is not vacuous: it reports a missing file and a missing anchor."""
    (tmp_path / "a.html").write_text('<a href="b.html#nope">x</a><a href="missing.html">y</a><p id="here"></p>')
    (tmp_path / "b.html").write_text('<h1 id="yes">b</h1><a href="a.html#here">back</a>')
    soups = {p.name: BeautifulSoup(p.read_text(), "html.parser") for p in tmp_path.glob("*.html")}
    broken = broken_links(tmp_path, soups)
    assert sorted(broken) == [("a.html", "b.html#nope"), ("a.html", "missing.html")]


# ---------------------------------------------------------------- the site

def test_index_exists(site):
    assert (site / "index.html").is_file()


def test_every_toc_page_is_built(site):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = toc_files(toc)
    assert len(files) >= 9, files
    missing = [f for f in files if not (site / f"{f}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from the build: {missing}"
    for name in files:
        assert (ROOT / f"{name}.md").is_file(), f"{name}: pages are MyST Markdown (book/*.md)"


def broken_links(site: Path, soups: dict[str, BeautifulSoup]) -> list[tuple[str, str]]:
    """(page, url) for every internal href/src whose file or #anchor does not exist."""
    ids = {}
    broken = []
    for page, soup in soups.items():
        urls = [el.get("href") for el in soup.find_all(["a", "link", "area"]) if el.get("href")]
        urls += [url for _, url in loaded_urls(soup)]
        for url in urls:
            url = url.strip()
            if not url or url.startswith(NON_HTTP_SCHEMES) or is_external(url):
                continue
            target, fragment = resolve(page, url)
            path = site / target
            if path.is_dir():
                path, target = path / "index.html", posixpath.join(target, "index.html")
            if not path.is_file():
                broken.append((page, url))
                continue
            if fragment and target.endswith(".html"):
                if target not in ids:
                    soup_t = soups.get(target) or BeautifulSoup(path.read_text(encoding="utf8"), "html.parser")
                    ids[target] = anchors(soup_t)
                if fragment not in ids[target]:
                    broken.append((page, url))
    return broken


def test_no_broken_internal_link(site, pages):
    assert len(pages) >= 9
    broken = broken_links(site, pages)
    assert not broken, "broken internal links:\n" + "\n".join(f"  {p}: {u}" for p, u in broken)


def test_pages_load_nothing_from_outside_the_site(pages):
    external = [(page, tag, url) for page, soup in pages.items()
                for tag, url in loaded_urls(soup) if is_external(url)]
    assert not external, "pages load external resources:\n" + "\n".join(map(str, external))


def test_stylesheets_import_nothing_from_outside(site, pages):
    """url(...) and @import inside the stylesheets the pages load stay inside the site."""
    sheets = set()
    for page, soup in pages.items():
        for el in soup.find_all("link", rel="stylesheet"):
            target, _ = resolve(page, el["href"])
            sheets.add(target)
    assert sheets
    offenders = []
    for sheet in sorted(sheets):
        css = (site / sheet).read_text(encoding="utf8", errors="replace")
        for url in re.findall(r"""url\(\s*['"]?([^'")]+)""", css) + re.findall(r"""@import\s+['"]([^'"]+)""", css):
            if is_external(url) and not url.startswith("data:"):
                offenders.append((sheet, url))
    assert not offenders, offenders


MATHJAX_FONT = r"""url\(["']?([^)"']*MathJax_[^)"']*\.woff)["']?\)"""


def test_math_is_typeset_by_the_site(site, pages):
    """The maths are typeset when the book is built (tools/site_js/mathjax-prerender.js): pages with maths hold
    MathJax's output, with the MathML screen readers read, load no MathJax script, and load a stylesheet with
    MathJax's rules whose fonts the site serves."""
    with_math = {page: soup for page, soup in pages.items() if soup.find(class_="math")}
    assert len(with_math) >= 5, sorted(with_math)
    for page, soup in pages.items():
        assert not any("mathjax" in url.lower() for tag, url in loaded_urls(soup) if tag == "script"), page
    for page, soup in with_math.items():
        for el in soup.find_all(class_="math"):
            assert el.find("mjx-container") is not None, (page, el.get_text()[:80])
            assert el.find("math") is not None, f"{page}: no assistive MathML in {el.get_text()[:80]!r}"
        sheets = [resolve(page, url.split("?")[0])[0] for tag, url in loaded_urls(soup) if tag == "link"]
        css = "".join((site / s).read_text(encoding="utf8") for s in sheets if s.endswith(".css"))
        assert "mjx-container" in css, f"{page}: no stylesheet with MathJax's rules"
        fonts = re.findall(MATHJAX_FONT, css)
        assert fonts, page
        for sheet in sheets:
            for url in re.findall(MATHJAX_FONT, (site / sheet).read_text(encoding="utf8")):
                assert (site / posixpath.normpath(posixpath.join(posixpath.dirname(sheet), url))).is_file(), url


def widget_pages(pages):
    return {page: soup for page, soup in pages.items()
            if soup.find("script", type="application/vnd.jupyter.widget-state+json")}


def test_widget_pages_load_the_site_widget_bundle(site, pages):
    """Pages with widgets load the site's one widget bundle (tools/vendor_assets.py), and only they do."""
    with_widgets = widget_pages(pages)
    assert with_widgets, "no page embeds widget state (the chapters' explorers)"
    for page, soup in pages.items():
        scripts = [resolve(page, el["src"].split("?")[0])[0] for el in soup.find_all("script", src=True)]
        bundle = [s for s in scripts if s == "_static/offline/widgets.js"]
        assert bundle == (["_static/offline/widgets.js"] if page in with_widgets else []), (page, scripts)
        assert not any("require.js" in s or "html-manager" in s or "embed-amd" in s for s in scripts), (page, scripts)


def test_widget_bundle_holds_the_widgets_the_pages_use(site, pages):
    """Every widget class a page's saved state names is in the bundle (core widgets and anywidget's views)."""
    import json

    bundle = (site / "_static/offline/widgets.js").read_text()
    assert not re.search(r"(unpkg|jsdelivr|cdnjs)\.", bundle), "the widget bundle names a CDN"
    names = set()
    for soup in widget_pages(pages).values():
        state = json.loads(soup.find("script", type="application/vnd.jupyter.widget-state+json").string)
        for model in state["state"].values():
            names |= {model["state"].get("_model_name"), model["state"].get("_view_name")}
    names.discard(None)
    assert {"AnyModel", "AnyView", "FloatSliderModel", "FloatSliderView"} <= names
    missing = [n for n in sorted(names) if not re.search(rf"\b{n}\b", bundle)]
    assert not missing, f"widget classes the pages use but the bundle lacks: {missing}"


def test_chapters_offer_a_notebook_download_and_launch_links(pages):
    for name in ("book/gates.html", "book/cell_state.html", "book/rnn_limits.html"):
        soup = pages[name]
        # the page's own launch buttons (the exercise box links the student notebook: tests/test_site_a11y.py)
        hrefs = [a.get("href", "") for a in soup.find_all("a")
                 if not any(c.startswith("exercise-") for c in a.get("class", []))]
        assert any(h.endswith(".ipynb") and "_sources/" in h for h in hrefs), name
        assert any(h.startswith("https://mybinder.org/") for h in hrefs), name
        colab = [h for h in hrefs if h.startswith("https://colab.research.google.com/github/")]
        binder = [h for h in hrefs if h.startswith("https://mybinder.org/")]
        # Colab reads notebooks only: the launch links must name the page's .ipynb twin.
        assert colab and all(h.endswith(f"/{name[:-len('.html')]}.ipynb") for h in colab), (name, colab)
        assert binder and all(h.endswith(f"/{name[:-len('.html')]}.ipynb") for h in binder), (name, binder)


def test_notebook_twins_match_their_pages():
    """Every MyST notebook page has a committed .ipynb twin with the same cells (tools/sync_notebooks.py)."""
    import importlib.util

    import jupytext
    import nbformat

    spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "tools" / "sync_notebooks.py")
    sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync)
    pages = sync.notebook_pages()
    assert {p.stem for p in pages} >= {"intro", "rnn_limits", "gates", "cell_state", "variants", "appendix_backward"}
    for md in pages:
        twin = md.with_suffix(".ipynb")
        assert twin.exists(), f"{twin.name} missing: run tools/sync_notebooks.py"
        ours = [(c.cell_type, c.source) for c in jupytext.read(md).cells]
        cells = nbformat.read(twin, as_version=4).cells
        theirs = [(c.cell_type, c.source) for c in cells if c.get("id") != f"{md.stem}-setup"]
        assert ours == theirs, f"{twin.name} is out of date: run tools/sync_notebooks.py and commit it"
        setup = [c for c in cells if c.get("id") == f"{md.stem}-setup"]
        if any("lstmkit" in source for kind, source in ours if kind == "code"):
            # Colab has no lstmkit: the twin installs it before the first code cell.
            assert len(setup) == 1 and "pip install" in setup[0].source, twin.name
            first_code = next(k for k, c in enumerate(cells) if c.cell_type == "code")
            assert cells[first_code].get("id") == f"{md.stem}-setup", twin.name


# ================================================================ chapter structure and citations

CHAPTERS = ["book/rnn_limits.md", "book/gates.md", "book/cell_state.md", "book/variants.md",
            "book/appendix_backward.md"]
REQUIRED_REFERENCES = ["hochreiter1997", "gers2000forget", "gers2000peephole", "cho2014", "greff2017",
                       "jozefowicz2015", "pascanu2013", "elman1990", "jordan1986", "bengio1994", "werbos1990",
                       "reber1967", "fahlman1991", "williams1989", "olah2015"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_opens_with_goals_and_ends_with_exercise_and_reading(chapter):
    import jupytext

    text = (ROOT / chapter).read_text(encoding="utf8")
    assert ":::{admonition} What you will learn" in text, chapter
    assert text.index("What you will learn") < text.index("\n## "), f"{chapter}: the goals come first"
    last = text[text.rindex("\n## "):]
    assert last.startswith("\n## Exercise and further reading"), f"{chapter}: ends with exercise and reading"
    assert "Graded exercise" in last and "{exercise-links}`" in last and "{cite:" in last, chapter
    code = [c.source for c in jupytext.read(ROOT / chapter).cells if c.cell_type == "code"]
    assert any("lstmkit" in source for source in code), f"{chapter}: its numbers come from lstmkit"


def test_every_reference_is_in_the_bibliography_and_cited():
    bib = (ROOT / "references.bib").read_text(encoding="utf8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    cited = set()
    for page in (ROOT / "book").glob("*.md"):
        for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", page.read_text(encoding="utf8")):
            cited.update(k.strip() for k in group.split(","))
    assert set(REQUIRED_REFERENCES) <= keys, set(REQUIRED_REFERENCES) - keys
    assert cited <= keys, f"cited but not in references.bib: {cited - keys}"
    assert set(REQUIRED_REFERENCES) <= cited, f"never cited: {set(REQUIRED_REFERENCES) - cited}"


def test_chapter_pages_are_executed_with_figures(pages):
    """Chapters 1-4 show figures drawn at build time: plots (PNG outputs of their code cells) and diagrams (inline
    SVG outputs of lstmkit.diagrams)."""
    for name in ("book/rnn_limits.html", "book/gates.html", "book/cell_state.html", "book/variants.html"):
        images = [img["src"] for img in pages[name].find_all("img") if "_images/" in img.get("src", "")]
        drawn = [svg["data-diagram"] for svg in pages[name].find_all("svg", class_="lkd")]
        assert images and len(images) + len(drawn) >= 3, (name, images, drawn)


def test_front_end_files_are_pinned_and_served(site):
    """The widget packages, MathJax and the build tools come from npm at exact versions (package.json, the same in
    package-lock.json), and the site was built with those very versions (tools/vendor_assets.py: VERSIONS.json)."""
    import json

    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    served = json.loads((site / "_static" / "offline" / "VERSIONS.json").read_text())
    pinned = {**package["dependencies"], **package.get("devDependencies", {})}
    for name, wanted in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), f"{name}: pin an exact version, not {wanted!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == wanted, name
    for name in ("@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/base-manager",
                 "@lumino/widgets", "mathjax", "esbuild"):
        assert served[name] == pinned[name], (name, served[name])
    # ipywidgets 8 (requirements.txt) speaks the widget protocol of base 6 and controls 5
    assert served["@jupyter-widgets/base"].startswith("6.") and served["@jupyter-widgets/controls"].startswith("5.")
    assert served["mathjax"].startswith("3."), "the maths are typeset with MathJax 3"
