"""The book's diagrams in chromium, network blocked: in the light and the dark theme every label of every diagram
has a contrast of at least 4.5:1 against what it is drawn on, with the colours the page really computes (the
theme's text colour for currentColor, the diagram's own variables for the shapes); on a 375 px phone every diagram
fits the screen and its smallest label is still drawn at a legible size."""
from __future__ import annotations

import pytest

from support import site_audit as sa

pytestmark = pytest.mark.browser

PAGES = ["book/rnn_limits.html", "book/gates.html", "book/cell_state.html", "book/variants.html",
         "book/reber.html", "book/appendix_backward.html"]
MIN_LABEL_PX = 8.5          # the smallest label (16 user units) on a 375 px phone

LABEL_CONTRASTS = """() => {
  const rgb = (s) => {
    s = s.trim();
    if (s.startsWith('#')) return [1, 3, 5].map(i => parseInt(s.slice(i, i + 2), 16));
    return s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  };
  const lum = (c) => {
    const [r, g, b] = c.map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const pageBackground = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  const out = [];
  for (const svg of document.querySelectorAll('svg.lkd')) {
    const vars = getComputedStyle(svg);
    const page = pageBackground(svg.parentElement);
    for (const t of svg.querySelectorAll('text')) {
      const on = t.dataset.on;
      const bg = on === 'page' ? page : vars.getPropertyValue('--lkd-' + on);
      const fg = getComputedStyle(t).fill;
      const [a, b] = [lum(rgb(fg)), lum(rgb(bg))];
      out.push({diagram: svg.dataset.diagram, text: t.textContent, on, fg, bg,
                ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)});
    }
  }
  return out;
}"""

SIZES = """() => Array.from(document.querySelectorAll('svg.lkd')).map(svg => {
  const r = svg.getBoundingClientRect();
  const scale = r.width / svg.viewBox.baseVal.width;
  const smallest = Math.min(...Array.from(svg.querySelectorAll('text')).map(t =>
      parseFloat(t.getAttribute('font-size')) * (t.querySelector('tspan[font-size]') ? 0.72 : 1)));
  return {diagram: svg.dataset.diagram, left: r.left, right: r.right, width: r.width,
          smallest_px: smallest * scale, label_px: 16 * scale};
})"""


@pytest.mark.parametrize("mode", sa.MODES)
@pytest.mark.parametrize("site_path", PAGES)
def test_diagram_labels_are_readable_in_both_themes(site_path, mode, built_book, book_url, browser):
    context = sa.new_context(browser, mode)
    try:
        page, visit = sa.open_page(context, book_url, site_path, mode)
        labels = page.evaluate(LABEL_CONTRASTS)
        assert labels, f"{site_path}: no diagram"
        low = [l for l in labels if l["ratio"] < 4.5]
        assert not low, f"{site_path} ({mode}): labels below 4.5:1: {low[:5]}"
        assert not visit.problems(), visit.problems()
    finally:
        context.close()


@pytest.mark.parametrize("site_path", PAGES)
def test_diagrams_fit_a_phone_and_stay_legible(site_path, built_book, book_url, browser):
    context = sa.new_context(browser, "light", sa.PHONE)
    try:
        page, visit = sa.open_page(context, book_url, site_path, "light")
        sizes = page.evaluate(SIZES)
        assert sizes
        for s in sizes:
            assert s["left"] >= 0 and s["right"] <= sa.PHONE["width"], f"{site_path}: {s}"
            assert s["label_px"] >= MIN_LABEL_PX, f"{site_path}: labels of {s['label_px']:.1f} px: {s}"
        assert not visit.problems(), visit.problems()
    finally:
        context.close()
