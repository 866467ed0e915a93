"""The built book's figures and the numbers its corrections rest on.

- Diagrams are generated when the book is built: every inline SVG diagram of a page is exactly what
  lstmkit.diagrams draws now (regenerated here and compared), sits in a code cell's output, and no page source
  pastes SVG; every diagram of the catalogue appears in the book; the gate blocks stand in lstmkit's order.
- Every image and SVG of the site has a text alternative that says something (not a file name), and every figure
  of a chapter (plots and diagrams) has a numbered caption.
- Every number of the corrections is what the pages print: Table 1 of the 1997 paper from lstmkit.papers, the
  comparison with its best row recomputed from the committed runs, the RNN latch recomputed with plain numpy,
  the forget gate's 0.73 and 0.70; and the statements corrected stay corrected.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from bs4 import BeautifulSoup

from lstmkit import diagrams, papers
from lstmkit.results import load_runs
from support.book import ROOT
from support.diagrams import drawn_gates, layer_gates, respects_order

FILE_NAME = re.compile(r"^\S+\.(png|svg|jpe?g|gif|webp)$|^[0-9a-f]{16,}(\.\w+)?$", re.I)
CAPTION_NUMBER = re.compile(r"^Fig\. \d+(\.\d+)*$")


@pytest.fixture(scope="module")
def pages(built_book) -> dict[str, BeautifulSoup]:
    found = {}
    for path in sorted(built_book.rglob("*.html")):
        rel = path.relative_to(built_book).as_posix()
        if rel.split("/")[0] not in ("_static", "_sources", "_downloads"):
            found[rel] = BeautifulSoup(path.read_text(encoding="utf8"), "html.parser")
    return found


def text_of(soup: BeautifulSoup) -> str:
    """The page's text, whitespace collapsed (printed outputs included), typographic quotes made plain."""
    text = soup.get_text(" ").translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))
    return re.sub(r"\s+", " ", text)


def diagrams_on(soup: BeautifulSoup):
    return soup.find_all("svg", class_="lkd")


# ---------------------------------------------------------------- diagrams are generated at build

def test_every_diagram_in_the_site_is_what_lstmkit_draws(pages):
    seen = set()
    for page, soup in pages.items():
        for svg in diagrams_on(soup):
            name = svg["data-diagram"]
            assert name in diagrams.CATALOGUE, (page, name)
            fresh = BeautifulSoup(diagrams.CATALOGUE[name]().svg, "html.parser").find("svg")
            assert str(svg) == str(fresh), f"{page}: diagram {name} differs from what lstmkit.diagrams draws now"
            assert svg.find_parent("div", class_="cell_output") is not None, f"{page}: {name} is not a cell output"
            seen.add(name)
    assert seen == set(diagrams.CATALOGUE), f"diagrams never shown: {set(diagrams.CATALOGUE) - seen}"


def test_no_page_source_pastes_a_picture():
    for md in sorted((ROOT / "book").glob("*.md")):
        text = md.read_text(encoding="utf8")
        assert "<svg" not in text and not re.search(r"!\[[^\]]*\]\([^)]*\.(svg|png)\)", text), md.name
        assert "{figure}" not in text and "{image}" not in text, f"{md.name}: figures come from code cells"


def test_diagrams_in_the_site_stand_their_gates_in_lstmkits_order(pages):
    expected = layer_gates()
    checked = 0
    for page, soup in pages.items():
        for svg in diagrams_on(soup):
            name, drawn = svg["data-diagram"], drawn_gates(svg)
            if name in expected:
                assert drawn == tuple(expected[name]), (page, name, drawn)
                checked += 1
            elif drawn:
                order = expected["gru"] if set(drawn) <= set(expected["gru"]) else expected["lstm-cell"]
                assert respects_order(drawn, order), (page, name, drawn)
    assert checked >= len(expected)


# ---------------------------------------------------------------- text alternatives and numbered captions

def test_every_image_and_svg_has_a_text_alternative(pages):
    for page, soup in pages.items():
        for img in soup.find_all("img"):
            alt = (img.get("alt") or "").strip()
            assert alt and not FILE_NAME.match(alt), (page, img.get("src"), alt)
            if "_images/" in img.get("src", ""):
                assert len(alt.split()) >= 12, (page, img["src"], alt)
        for svg in soup.find_all("svg"):
            if svg.get("aria-hidden") == "true":
                continue
            assert svg.get("role") == "img", (page, str(svg)[:120])
            label = svg.get("aria-label") or ""
            for ident in (svg.get("aria-labelledby") or "").split():
                target = soup.find(id=ident)
                assert target is not None, (page, ident)
                label += " " + target.get_text(" ")
            assert len(label.split()) >= 12 and not FILE_NAME.match(label.strip()), (page, label)


def test_every_chapter_figure_has_a_numbered_caption(pages):
    figures = 0
    for page, soup in pages.items():
        if not page.startswith("book/"):
            continue
        shown = [img for img in soup.find_all("img") if "_images/" in img.get("src", "")] + diagrams_on(soup)
        for el in shown:
            fig = el.find_parent("figure")
            assert fig is not None, f"{page}: a figure without a caption ({el.get('src') or el.get('data-diagram')})"
            number = fig.find("span", class_="caption-number")
            assert number is not None and CAPTION_NUMBER.match(number.get_text(strip=True)), (page, str(fig)[:200])
            assert fig.get("id"), f"{page}: figure without a name to refer to"
            figures += 1
    assert figures >= len(diagrams.CATALOGUE) + 10, figures      # the diagrams and the plots of chapters 1-5


# ---------------------------------------------------------------- the numbers of the corrections

def table_rows(soup, caption_start):
    table = next(t for t in soup.find_all("table")
                 if t.caption and t.caption.get_text(" ", strip=True).startswith(caption_start))
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.find_all("tr") if tr.find("td")]


def test_reber_prints_table_1_of_the_paper(pages):
    soup = pages["book/reber.html"]
    rows = table_rows(soup, "Hochreiter & Schmidhuber (1997), Table 1")
    expected = [[papers.METHOD_NAMES[r.method], r.hidden, r.weights_text, r.learning_rate_text, r.success_text,
                 r.sequences_text] for r in papers.TABLE1]
    assert rows == expected
    text = text_of(soup)
    low, high = papers.BEST_ROW_SPREAD
    assert (f"Each LSTM row is {papers.trials_per_lstm_row()} trials ({papers.LSTM_FAILURES} failures in all "
            f"{papers.LSTM_TRIALS})") in text
    assert f"needed between {low:,} and {high:,} sequences" in text
    assert "rows: 3,800" not in text and "3,800 to 24,100 is the spread of the 30 trials of the best row" in text


def test_reber_comparison_with_the_best_row_is_recomputed_from_the_runs(pages):
    """The ratios the page prints, recomputed from the committed runs and lstmkit.papers; the prose's 3.4 and 20
    are those printed numbers."""
    runs = [r for r in load_runs("reber_runs.json") if (r["model"], r["grammar"]) == ("lstm", "embedded")
            and r.get("p_loop", 0.5) == 0.5 and r["solved"]]
    seqs = np.array([r["sequences"] for r in runs])
    best = papers.best_lstm_row()
    ratio = best.sequences / seqs.mean()
    weights = runs[0]["n_params"] / best.weights[0]
    text = text_of(pages["book/reber.html"])
    assert f"mean {seqs.mean():,.0f} training sequences" in text
    assert f"{ratio:.1f} times fewer sequences than that row on average" in text
    assert f"with {weights:.0f} times as many weights" in text
    assert f"about {ratio:.1f} times fewer on average" in text
    assert f"some {round(weights, -1):.0f} times as many weights" in text


def latch_by_numpy(w, T=20_000, seed=0):
    """The page's latch experiment written again with plain numpy: h_t = tanh(w h_{t-1} + u_t)."""
    u = np.random.default_rng(seed).uniform(-1, 1, size=(T + 1, 2, 1))[:, :, 0]
    u[0] = [4.0, -4.0]
    h = np.zeros((T + 1, 2))
    prev = np.zeros(2)
    for t in range(T + 1):
        prev = np.tanh(w * prev + u[t])
        h[t] = prev
    factors = abs(w) * (1 - h[1:] ** 2)
    kept = bool(np.all(np.sign(h) == np.sign(h[0])))
    return kept, np.abs(h[1:]).min(), math.exp(np.log(factors).mean()), np.log10(factors).sum(axis=0).mean()


def test_cell_state_prints_the_latch_that_numpy_computes(pages):
    text = text_of(pages["book/cell_state.html"])
    assert "BPTT and the product of the factors agree: True" in text
    for w in (1.0, 1.5, 2.0, 3.0):
        kept, smallest, per_step, log10 = latch_by_numpy(w)
        row = f"{w:g} {'yes' if kept else 'no'} {smallest:.3f} {per_step:.3f} 10^{log10:,.0f}"
        assert row in text, row
    kept, _, per_step, _ = latch_by_numpy(3.0)
    assert kept and f"about {per_step:.2f} per step" in text
    assert "none of this with bounded weights" not in text


def test_cell_state_prints_the_forget_gates_it_talks_about(pages):
    text = text_of(pages["book/cell_state.html"])
    sigma1 = 1 / (1 + math.exp(-1))
    assert f"sigma(1) = {sigma1:.2f}" in text and f"{sigma1:.2f}" == "0.73"
    mean_f = re.search(r"mean forget gate: (\d\.\d\d)", text).group(1)
    assert mean_f == "0.70" and "0.70 rather than 0.73" in text
    alts = [img.get("alt", "") for img in pages["book/cell_state.html"].find_all("img")]
    described = [re.search(r"forget bias 1 \(blue, mean forget gate (\d\.\d\d)\)", a) for a in alts]
    assert [m.group(1) for m in described if m] == [mean_f], "the figure's alt text names the printed mean"


def test_corrected_statements_stay_corrected(pages):
    intro = text_of(pages["book/intro.html"])
    assert "earlier networks could not" not in intro
    variants = text_of(pages["book/variants.html"])
    assert "vanilla LSTM" in variants and "and peephole connections" in variants
    assert "is their NP variant" in variants
    reber_text = text_of(pages["book/reber.html"])
    assert "which Reber's strings did not have" in reber_text
    assert "sensitivity index" in reber_text and re.search(r"at d' = 1: 69%, at d' = 3: 93%", reber_text)
    limits = text_of(pages["book/rnn_limits.html"])
    assert "bidirectional" in limits and "yet to be read" in limits
    gates = text_of(pages["book/gates.html"])
    assert "frames of a movie" in gates
