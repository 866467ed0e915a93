"""The built book on a phone: 375 px wide, in chromium, network blocked.

Every explorer's readouts (the sliders' values and the numbers the views print) lie inside the screen and are
not covered or cut off; no page scrolls sideways as a whole; every table either fits or sits in a frame that
scrolls sideways, can be reached with the keyboard and shows its scroll bar; axe-core still finds nothing at
this width. Screenshots of each explorer are written to _build/screenshots/375/.
"""
from __future__ import annotations

import pytest

from support import site_audit as sa
from support.book import ROOT
from test_site_a11y import EXPLORER_PAGES, PAGES

pytestmark = pytest.mark.browser
SHOTS = ROOT / "_build" / "screenshots" / "375"

READOUTS = ".widget-readout, .lk-explorer .lk-value, .lk-explorer .lk-label"
# A readout is visible when the topmost element at its centre is the readout itself or inside it.
INSIDE = """(el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const top = document.elementFromPoint(x, y);
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
          hit: !!top && (top === el || el.contains(top)), text: el.textContent.trim()};
}"""
IN_SCROLL_FRAME = """(el) => { for (let a = el.parentElement; a; a = a.parentElement) {
  const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; }"""


@pytest.fixture
def phone(browser):
    context = sa.new_context(browser, "light", sa.PHONE)
    yield context
    context.close()


@pytest.mark.parametrize("site_path", EXPLORER_PAGES)
def test_every_readout_is_on_screen_at_375_px(site_path, built_book, book_url, phone):
    page, visit = sa.open_page(phone, book_url, site_path, "light")
    readouts = page.locator(READOUTS)
    assert readouts.count() >= 3, f"{site_path}: {readouts.count()} readouts"
    slider_readouts = page.locator(".widget-readout").count()
    assert slider_readouts >= 1, f"{site_path}: no slider readout"
    off = []
    for k in range(readouts.count()):
        el = readouts.nth(k)
        handle = el.element_handle()
        if page.evaluate(IN_SCROLL_FRAME, handle):
            continue                                  # inside a sideways-scrolling table frame (tested below)
        el.scroll_into_view_if_needed()
        box = page.evaluate(INSIDE, handle)
        if not (box["width"] > 0 and box["height"] > 0 and box["left"] >= 0 and box["right"] <= sa.PHONE["width"]
                and box["hit"]):
            off.append(box)
    SHOTS.mkdir(parents=True, exist_ok=True)
    explorer = page.locator(".lk-explorer-box").first
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(SHOTS / f"{site_path.split('/')[-1][:-5]}.png"))
    assert not off, f"{site_path}: readouts off screen, covered or empty at 375 px: {off[:5]}"
    assert not visit.problems(), visit.problems()


@pytest.mark.parametrize("site_page", PAGES)
def test_page_fits_a_phone_and_its_tables_scroll(site_page, built_book, book_url, phone, axe_available):
    page, visit = sa.open_page(phone, book_url, site_page, "light")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{site_page}: the page is {width[0]} px wide on a {width[1]} px screen"
    tables = page.evaluate("""() => Array.from(document.querySelectorAll('main table')).map(t => {
      const r = t.getBoundingClientRect();
      let frame = null;
      for (let a = t.parentElement; a; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll') { frame = a; break; }
      }
      const cs = frame && getComputedStyle(frame);
      return {fits: r.width <= document.documentElement.clientWidth - r.left + 1 && r.left >= 0,
              framed: !!frame, scrolls: !!frame && frame.scrollWidth > frame.clientWidth,
              tabindex: frame ? frame.tabIndex : null, scrollbar: cs ? cs.scrollbarWidth : null,
              text: t.textContent.trim().slice(0, 40)};
    })""")
    for t in tables:
        if t["fits"] and not t["scrolls"]:
            continue
        assert t["framed"], f"{site_page}: a table wider than the screen, not in a scrolling frame: {t}"
        if t["scrolls"]:
            assert t["tabindex"] is not None and t["tabindex"] >= 0, f"{site_page}: frame not reachable: {t}"
            assert t["scrollbar"] != "none", f"{site_page}: a scrolling frame hides its scroll bar: {t}"
    violations = sa.run_axe(page)
    assert not violations, f"{site_page} (375 px): axe-core finds\n{sa.describe_violations(violations)}"
    assert not visit.problems(), visit.problems()


@pytest.fixture(scope="module")
def axe_available():
    assert sa.AXE_JS.is_file(), f"{sa.AXE_JS} missing: run `npm ci`"
