"""The whole book as one PDF, for reading offline and printing, made from the built site without internet.

    make pdf                                     # = make book, then:
    .venv/bin/python tools/build_pdf.py [--html _build/html] [--out _build/pdf/lstm-course.pdf]

The pages of _toc.yml, in order, are put into one print page next to the built site (their article only: no
navigation), with ids prefixed by the page's name so that every link between pages and sections becomes a link
inside the document; the widget states of all pages are merged, so the explorers are drawn by the site's own
widget bundle in their initial state. Debian's chromium (the browser the tests use, through Playwright) prints it
with the network blocked; its headings become the PDF's bookmarks (one per page of the book, its sections under
it) and the PDF is tagged. Links to files the site serves (the student notebooks) point at the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import posixpath
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
STATE = "application/vnd.jupyter.widget-state+json"
PRINT_PAGE = "book/print-book.html"      # next to the pages, so their relative URLs hold; removed after printing
PRINT_CSS = """
html, body { background: #fff !important; }
body { margin: 0; }
.print-title { text-align: center; padding-top: 30vh; break-after: page; }
.print-title .book-title { font-size: 2.4em; font-weight: 700; }
.print-chapter { break-before: page; }
.print-chapter h1 { display: block !important; }     /* the theme hides the page title when it prints */
.headerlink, .copybtn, button.copybtn, .toggle-details__summary { display: none !important; }
figure, .cell_output img, .lk-explorer-box, table, div.math, pre { break-inside: avoid; }
h1, h2, h3, h4 { break-after: avoid; }
/* headings on one line where they can be: the PDF's bookmarks take their text line by line */
.print-chapter h1 { font-size: 18pt; } .print-chapter h2 { font-size: 14pt; } .print-chapter h3 { font-size: 12pt; }
.print-chapter :is(h1, h2, h3) { white-space: nowrap; break-inside: avoid; }
a { text-decoration: none; }
details.hide > summary { display: none; }
.lk-table-scroll, .pst-scrollable-table-container, .cell_output .output.text_html, div.math, pre {
  overflow: visible !important; }
pre { white-space: pre-wrap; }
"""


def repository_blob(path: str) -> str:
    options = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]["html_theme_options"]
    return f"{options['repository_url'].rstrip('/')}/blob/{options.get('repository_branch', 'main')}/{path}"


def anchor(doc: str, fragment: str = "") -> str:
    stem = doc.replace("/", "-")
    return f"{stem}--{fragment}" if fragment else stem


def rewrite_links(article, doc: str, docs: set[str]) -> None:
    """ids prefixed by the page; links between the book's pages become links inside the document."""
    for el in article.find_all(id=True):
        el["id"] = anchor(doc, el["id"])
    for a in article.find_all("a", href=True):
        href = a["href"]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
            continue
        target = doc if not parts.path else posixpath.normpath(
            posixpath.join(posixpath.dirname(doc), unquote(parts.path)))
        if target.endswith(".html") and target[:-5] in docs:
            a["href"] = "#" + anchor(target[:-5], unquote(parts.fragment))
        elif target.startswith("exercises/"):
            a["href"] = repository_blob(target)
        else:
            del a["href"]                                  # a file of the site (index, sources): plain text


def assemble(html: Path) -> tuple[str, int]:
    """The print page's HTML and the number of widget views it shows."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.book import toc_pages                         # the reading order of _toc.yml, one home

    docs = toc_pages(ROOT)
    known = set(docs)
    states, bodies, sheets = {}, [], []
    for doc in docs:
        soup = BeautifulSoup((html / f"{doc}.html").read_text(encoding="utf8"), "html.parser")
        for link in soup.find_all("link", rel="stylesheet"):
            if link["href"] not in sheets:
                sheets.append(link["href"])
        state = soup.find("script", type=STATE)
        if state is not None:
            states.update(json.loads(state.string)["state"])
        article = soup.find("article", class_="bd-article")
        for el in article.find_all("script", type=lambda t: t != "application/vnd.jupyter.widget-view+json"):
            el.decompose()
        rewrite_links(article, doc, known)
        bodies.append(f'<section class="print-chapter" id="{anchor(doc)}">{article.decode_contents()}</section>')
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
    views = sum(body.count("application/vnd.jupyter.widget-view+json") for body in bodies)
    state = json.dumps({"version_major": 2, "version_minor": 0, "state": states}).replace("</", "<\\/")
    head = "".join(f'<link rel="stylesheet" href="{h}">' for h in sheets)
    page = (f'<!DOCTYPE html><html lang="en" data-theme="light" data-mode="light"><head><meta charset="utf-8">'
            f'<title>{config["title"]}</title>{head}<style>{PRINT_CSS}</style>'
            f'<script type="{STATE}">{state}</script>'
            + ('<script src="../_static/offline/widgets.js"></script>' if states else "") +
            f'</head><body><main id="main-content" class="bd-main"><div class="bd-content"><div class="bd-article-container">'
            f'<div class="print-title"><div class="book-title">{config["title"]}</div>'
            f'<p>{config.get("author", "")}</p></div>'
            f'<article class="bd-article">{"".join(bodies)}</article></div></div></main></body></html>')
    return page, views


def print_pdf(html: Path, out: Path, chromium: str, browser=None) -> Path:
    """Print the site at ``html`` to ``out``; with ``browser`` (a Playwright browser already running, as in the
    tests) instead of launching ``chromium``."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.book import serve_folder                      # the tests' offline server and browser set-up
    from support.browser import is_loopback

    text, views = assemble(html)
    target = html / PRINT_PAGE
    target.write_text(text, encoding="utf8")
    url, server = serve_folder(html)
    try:
        if browser is not None:
            problems = _print(browser, f"{url}/{PRINT_PAGE}", views, out, is_loopback)
        else:
            from playwright.sync_api import sync_playwright
            with sync_playwright() as p:
                args = ["--no-sandbox"] if os.geteuid() == 0 else []
                launched = p.chromium.launch(executable_path=chromium, args=args)
                problems = _print(launched, f"{url}/{PRINT_PAGE}", views, out, is_loopback)
                launched.close()
    finally:
        server.shutdown()
        target.unlink(missing_ok=True)
    if problems:
        raise RuntimeError("printing the book: " + "; ".join(problems[:10]))
    return out


def _print(browser, url: str, views: int, out: Path, is_loopback) -> list[str]:
    """Open the print page with the network blocked, wait for every widget view, print; returns the problems
    seen (blocked requests, console errors and warnings, page errors)."""
    problems = []
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if is_loopback(r.request.url) else (
        problems.append(f"blocked: {r.request.url}"), r.abort()))
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.goto(url, wait_until="load")
    page.wait_for_function(f"document.querySelectorAll('.widget-subarea').length >= {views}", timeout=60000)
    page.wait_for_timeout(500)
    out.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(out), format="A4", print_background=True, outline=True, tagged=True,
             margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
             display_header_footer=True, header_template="<span></span>",
             footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                             '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
    context.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "lstm-course.pdf")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not (args.html / "index.html").exists():
        sys.exit(f"build_pdf: {args.html}/index.html not found: run `make book` first")
    if not Path(args.chromium).exists():
        sys.exit(f"build_pdf: chromium not found at {args.chromium} (apt-get install -y chromium)")
    out = print_pdf(args.html, args.out, args.chromium)
    print(f"The book as a PDF: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
