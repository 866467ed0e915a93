"""The book as one PDF (tools/build_pdf.py, `make pdf`), printed offline by chromium from the built site: one
top-level bookmark per page of the book in reading order, each titled like the page; every chapter's title in the
text; links between pages that land on the page they name; the explorers drawn in their initial state, with the
numbers lstmkit's numpy gives for it.
"""
from __future__ import annotations

import re
import sys

import pytest
import yaml
from bs4 import BeautifulSoup

from support.book import ROOT, toc_pages
from support.browser import CHROMIUM

pytestmark = pytest.mark.browser
sys.path.insert(0, str(ROOT / "tools"))


def squash(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


@pytest.fixture(scope="module")
def pdf(built_book, browser, tmp_path_factory):
    import build_pdf
    from pypdf import PdfReader

    out = build_pdf.print_pdf(built_book, tmp_path_factory.mktemp("pdf") / "book.pdf", CHROMIUM, browser=browser)
    assert not (built_book / build_pdf.PRINT_PAGE).exists(), "the print page was left in the site"
    return PdfReader(out)


@pytest.fixture(scope="module")
def page_titles(built_book):
    """The title (h1) of every page of _toc.yml, in order, as the site shows it."""
    titles = []
    for doc in toc_pages():
        soup = BeautifulSoup((built_book / f"{doc}.html").read_text(encoding="utf8"), "html.parser")
        h1 = soup.find("article", class_="bd-article").find("h1")
        titles.append(squash(h1.get_text()).rstrip("#").strip())
    return titles


def test_one_bookmark_per_page_of_the_book(pdf, page_titles):
    top = [item for item in pdf.outline if not isinstance(item, list)]
    assert [squash(item.title) for item in top] == page_titles
    chapters = [t for t in page_titles if re.match(r"\d+\. ", t)]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    numbered = [c["file"] for part in toc["parts"] if part.get("numbered") for c in part["chapters"]]
    assert len(chapters) == len(numbered) >= 7, (chapters, numbered)
    pages = [pdf.get_destination_page_number(item) for item in top]
    assert pages == sorted(pages) and len(set(pages)) == len(pages), pages
    assert len(pdf.pages) > 50


def test_every_chapter_title_is_in_the_text(pdf, page_titles):
    text = squash(" ".join(page.extract_text() for page in pdf.pages))
    for title in page_titles:
        assert title in text, f"{title!r} is not in the PDF's text"


def link_targets(pdf):
    """(page of the link, page it goes to) for internal links; and the URIs of the external ones."""
    internal, uris = [], []
    named = pdf.named_destinations
    pages = {page.indirect_reference.idnum: k for k, page in enumerate(pdf.pages)}
    for number, page in enumerate(pdf.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            if action is not None and action.get("/S") == "/URI":
                uris.append(str(action["/URI"]))
                continue
            dest = annot.get("/Dest") if action is None else action.get("/D")
            if dest is None:
                continue
            if isinstance(dest, str):                          # a named destination
                internal.append((number, pdf.get_destination_page_number(named[dest])))
            else:                                              # [page, /XYZ, left, top, zoom]
                internal.append((number, pages[dest[0].idnum]))
    return internal, uris


def test_links_between_pages_land_on_the_page_they_name(pdf):
    internal, uris = link_targets(pdf)
    assert len(internal) >= 50, f"only {len(internal)} internal links"
    assert not [u for u in uris if re.match(r"(https?://(127\.0\.0\.1|localhost)|file:)", u)], \
        "links into the print server or the disk"
    chapter_pages = [pdf.get_destination_page_number(item) for item in pdf.outline if not isinstance(item, list)]
    intro_end = chapter_pages[1]
    from_intro = {target for source, target in internal if source < intro_end}
    # the introduction's list of goals links every chapter by name: each link lands on that chapter's first page
    assert set(chapter_pages[1:6]) <= from_intro, (chapter_pages, sorted(from_intro))


def test_explorers_are_drawn_in_their_initial_state(pdf):
    from lstmkit import widgets as W

    text = squash(" ".join(page.extract_text() for page in pdf.pages))
    gate = W.GateExplorer().values()                       # the explorer as the page first draws it
    assert "One LSTM step: a =" in text
    for key in ("i", "f", "g", "o", "c", "h"):
        assert f"{gate[key]:.4f}" in text, f"gate explorer: {key} = {gate[key]:.4f} not printed"
    variants = W.VariantSwitch()
    h_end = variants.values()["standard"]["h"][-1]
    assert "Same inputs, four cells" in text and f"{h_end:.4f}" in text
    for label in ("forget gate f", "amplitude", "input x"):
        assert label in text, f"slider {label!r} not drawn"
