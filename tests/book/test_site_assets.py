"""What the built pages carry, read from the HTML: figures described in words, icons that exist in the cut-down
fonts, and nothing a page does not use (no thebe, no Font Awesome script, no MathJax script).
"""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from support.book import ROOT

FILE_LIKE = re.compile(r"\.(png|jpe?g|svg|gif)\b|/|\b[0-9a-f]{32,}\b", re.I)
LABEL_CALL = re.compile(r"""(?:set_title|set_xlabel|set_ylabel|suptitle|\btitle=|\bylabel=|\bxlabel=)\(?\s*f?(["'])(.+?)\1""")
WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")


@pytest.fixture(scope="module")
def pages(built_book) -> dict[str, BeautifulSoup]:
    out = {}
    for path in sorted(built_book.rglob("*.html")):
        rel = path.relative_to(built_book).as_posix()
        if rel.split("/")[0] not in ("_static", "_sources"):
            out[rel] = BeautifulSoup(path.read_text(encoding="utf8"), "html.parser")
    return out


def figure_cells(md: Path) -> list[tuple[str, str]]:
    """(alt text, code) of every code cell of a page that sets an image alt text (mystnb.image.alt)."""
    import jupytext

    cells = []
    for cell in jupytext.read(md).cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
        if cell.cell_type == "code" and alt:
            cells.append((alt, cell.source))
    return cells


def test_every_figure_has_alt_text_that_says_what_it_shows(pages):
    figures = {page: [img for img in soup.find_all("img") if "_images/" in img.get("src", "")]
               for page, soup in pages.items()}
    total = sum(len(v) for v in figures.values())
    drawn = sum(len(soup.find_all("svg", class_="lkd")) for soup in pages.values())   # tests/book/test_book_figures.py
    assert total >= 10 and total + drawn >= 25, f"only {total} plots and {drawn} diagrams in the book"
    seen = set()
    for page, images in figures.items():
        if not images:
            continue
        cells = figure_cells(ROOT / f"{page[:-5]}.md")
        assert len(cells) == len(images), f"{page}: {len(images)} figures, {len(cells)} cells with an alt text"
        for img, (alt, code) in zip(images, cells):
            shown = " ".join(img.get("alt", "").split())
            assert shown == " ".join(alt.split()), f"{page}: the figure shows another alt text: {shown[:80]!r}"
            assert len(shown) >= 80, f"{page}: alt text too short to say what the figure shows: {shown!r}"
            assert not FILE_LIKE.search(shown), f"{page}: alt text looks like a file name: {shown[:80]!r}"
            assert shown not in seen, f"{page}: two figures share an alt text"
            seen.add(shown)
            # it speaks of what is drawn: a word of every title and axis label the cell's code writes
            lower = shown.lower()
            for _, label in LABEL_CALL.findall(code):
                if label.startswith("$"):
                    continue                                  # a formula, said in words elsewhere in the text
                words = [w.lower() for w in WORD.findall(re.sub(r"\{[^}]*\}", "", label))]
                assert not words or any(w in lower for w in words), \
                    f"{page}: the alt text names nothing of the label {label!r}: {shown[:120]!r}"


def test_pages_load_nothing_they_do_not_use(pages):
    for page, soup in pages.items():
        sources = [el.get("src", "") for el in soup.find_all("script")] + \
                  [el.get("href", "") for el in soup.find_all("link")]
        inline = " ".join(el.string or "" for el in soup.find_all("script") if not el.get("src"))
        assert not any("fontawesome" in s or "thebe" in s or "mathjax" in s.lower() for s in sources), (page, sources)
        assert "THEBE_JS_URL" not in inline and "window.MathJax" not in inline, page
        if page != "search.html":
            assert not any("searchindex" in s or "searchtools" in s for s in sources), (page, sources)


def font_cmaps(css: str) -> dict[str, set[int]]:
    """{font-family: code points} of the data-URI fonts a stylesheet embeds."""
    from fontTools.ttLib import TTFont

    out = {}
    for face in re.findall(r"@font-face\{([^}]*)\}", css):
        family = re.search(r"font-family:([^;]+)", face).group(1).strip().strip('"')
        data = re.search(r"url\(data:font/woff2;base64,([^)]+)\)", face)
        if data:
            font = TTFont(io.BytesIO(base64.b64decode(data.group(1))))
            out.setdefault(family, set()).update(font.getBestCmap())
    return out


def test_icon_fonts_hold_every_icon_the_site_shows(built_book, pages):
    """Each icon class a page uses maps (in the theme's own, untouched stylesheet) to a code point that the cut
    fonts of the built site hold; so do the icons the theme's rules name (admonitions, links)."""
    import pydata_sphinx_theme

    original = (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / "styles"
                / "pydata-sphinx-theme.css").read_text(encoding="utf8")
    mapping = {}
    for selectors, code in re.findall(r"([^{}]+)\{[^{}]*?content:\"\\(f[0-9a-f]{3}|e[0-9a-f]{3})\"", original):
        for sel in selectors.split(","):
            m = re.fullmatch(r"\s*\.(fa-[a-z0-9-]+):{1,2}before\s*", sel)
            if m:
                mapping[m.group(1)] = int(code, 16)
    used = {name for soup in pages.values() for el in soup.find_all(class_=True)
            for name in el.get("class", []) if name in mapping}
    assert {"fa-bars", "fa-magnifying-glass", "fa-download"} <= used, sorted(used)
    built = (built_book / "_static/styles/pydata-sphinx-theme.css").read_text(encoding="utf8")
    cmaps = font_cmaps(built)
    assert cmaps, "no embedded icon font in the theme's stylesheet"
    held = set().union(*cmaps.values())
    missing = sorted(n for n in used if mapping[n] not in held)
    assert not missing, f"icons used but not in the site's fonts: {missing}"
    named = {ord(ch) for ch in built if 0xE000 <= ord(ch) <= 0xF8FF}
    assert named and named <= held, f"code points the theme's rules use, missing: {sorted(map(hex, named - held))}"
    assert sum(len(c) for c in cmaps.values()) < 120, "the fonts are not cut down"
