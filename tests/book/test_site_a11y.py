"""Every page of the built book in chromium, network blocked, in the light and the dark theme: axe-core finds no
WCAG 2.0/2.1 A or AA violation (of any impact), the console stays silent (no error, no warning, no page error, no
failed or blocked request); the theme really is the one asked for, and the widgets and tables follow it; every
explorer slider has a name and moves with the keyboard; search still works.

axe-core is pinned in package-lock.json (devDependencies) and injected after the page settled (tests/support/site_audit.py).
"""
from __future__ import annotations

import re

import pytest

from support import site_audit as sa

pytestmark = pytest.mark.browser


def expected_pages() -> list[str]:
    """The site's pages, from the sources: every page of _toc.yml, the index and search pages, the root."""
    from support.book import toc_pages

    return sorted([f"{name}.html" for name in toc_pages()] + ["genindex.html", "search.html", "index.html"])


PAGES = expected_pages()


def test_every_built_page_is_audited(built_book):
    assert sa.site_pages(built_book) == PAGES, "pages built but not audited, or audited but not built"


@pytest.fixture(scope="module")
def axe_available():
    assert sa.AXE_JS.is_file(), f"{sa.AXE_JS} missing: run `npm ci` (axe-core is pinned in package-lock.json)"


def relative_luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


EFFECTIVE_BACKGROUND = """(el) => {
  for (let e = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
  }
  return getComputedStyle(document.body).backgroundColor;
}"""


@pytest.mark.parametrize("mode", sa.MODES)
@pytest.mark.parametrize("site_page", PAGES)
def test_page_has_no_accessibility_violation_and_a_silent_console(site_page, mode, built_book, book_url, browser,
                                                                 axe_available):
    context = sa.new_context(browser, mode)
    try:
        page, visit = sa.open_page(context, book_url, site_page, mode)
        assert page.evaluate("() => document.documentElement.dataset.theme") == mode
        body = relative_luminance(page.evaluate(EFFECTIVE_BACKGROUND, page.locator("body").element_handle()))
        assert (body < 0.05) if mode == "dark" else (body > 0.9), f"{site_page}: {mode} page background {body:.2f}"
        violations = sa.run_axe(page)
        assert not violations, f"{site_page} ({mode}): axe-core finds\n{sa.describe_violations(violations)}"
        page.wait_for_timeout(200)
        assert not visit.problems(), f"{site_page} ({mode}):\n" + "\n".join(visit.problems())
    finally:
        context.close()


EXPLORER_PAGES = ["book/rnn_limits.html", "book/gates.html", "book/cell_state.html", "book/variants.html"]


@pytest.mark.parametrize("mode", sa.MODES)
@pytest.mark.parametrize("site_path", EXPLORER_PAGES + ["book/reber.html", "book/long_lags.html"])
def test_widget_outputs_and_tables_follow_the_theme(site_path, mode, built_book, book_url, browser):
    """The explorers, every widget area and the HTML tables code cells print sit on the page's own background:
    dark in dark mode (no light slab), light in light mode; their text is readable on it."""
    context = sa.new_context(browser, mode)
    try:
        page, visit = sa.open_page(context, book_url, site_path, mode)
        targets = page.locator(".widget-subarea, .lk-explorer, .cell_output .output.text_html table, "
                               ".cell_output .output.text_html td")
        assert targets.count() >= 1, f"{site_path}: no widget output or table found"
        for k in range(targets.count()):
            el = targets.nth(k).element_handle()
            bg = relative_luminance(page.evaluate(EFFECTIVE_BACKGROUND, el))
            fg = relative_luminance(page.evaluate("(e) => getComputedStyle(e).color", el))
            assert (bg < 0.05) if mode == "dark" else (bg > 0.9), f"{site_path} ({mode}): element {k} on {bg:.2f}"
            contrast = (max(bg, fg) + 0.05) / (min(bg, fg) + 0.05)
            assert contrast >= 4.5, f"{site_path} ({mode}): element {k} text contrast {contrast:.2f}"
        assert not visit.problems(), visit.problems()
    finally:
        context.close()


# (page, slider name, explorer, the view's value the slider drives, its step)
KEYBOARD = [("book/gates.html", "input x", "gate-explorer", "x", 0.01),
            ("book/cell_state.html", "forget gate f", "memory-explorer", "f", 0.001),
            ("book/rnn_limits.html", "spectral radius \u03c1", "vanishing-explorer", "rho", 0.01),
            ("book/variants.html", "amplitude", "variant-switch", "amplitude", 0.01)]


@pytest.mark.parametrize("site_path, name, kind, key, step", KEYBOARD)
def test_explorer_sliders_have_names_and_move_with_the_keyboard(site_path, name, kind, key, step, built_book,
                                                                book_url, browser):
    """Found by role and accessible name (what a screen reader announces), focused, moved with the arrow keys:
    the explorer's view follows, three steps up and one down."""
    context = sa.new_context(browser, "light")
    try:
        page, visit = sa.open_page(context, book_url, site_path, "light")
        names = page.evaluate("""() => Array.from(document.querySelectorAll('[role=slider]')).map(h => {
            const id = h.getAttribute('aria-labelledby'); const l = id && document.getElementById(id);
            return h.getAttribute('aria-label') || (l && l.textContent.trim()) || ''; })""")
        assert names and all(names), f"{site_path}: sliders without a name: {names}"
        handle = page.get_by_role("slider", name=name, exact=True)
        assert handle.count() == 1, f"{site_path}: {handle.count()} sliders named {name!r}"
        root = page.locator(f".lk-root[data-explorer={kind}]")
        before = float(page.evaluate(f"r => JSON.parse(r.dataset.state)[{key!r}]", root.element_handle()))
        handle.focus()
        assert page.evaluate("() => document.activeElement.getAttribute('role')") == "slider"
        for press in ["ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft"]:
            page.keyboard.press(press)
        page.wait_for_function(f"r => Math.abs(JSON.parse(r.dataset.state)[{key!r}] - {before!r}) > 1e-9",
                               arg=root.element_handle(), timeout=5000)
        after = float(page.evaluate(f"r => JSON.parse(r.dataset.state)[{key!r}]", root.element_handle()))
        assert after == pytest.approx(before + 2 * step, abs=step / 10), (before, after)
        assert not visit.problems(), visit.problems()
    finally:
        context.close()


def test_search_finds_pages(built_book, book_url, browser):
    """Search runs on its own page (the other pages no longer load the index): a query from a chapter's search
    box lands there and lists the chapters that use the word."""
    context = sa.new_context(browser, "light")
    try:
        page, visit = sa.open_page(context, book_url, "book/gates.html", "light")
        page.keyboard.press("Control+k")
        box = page.locator("#pst-search-dialog input[name=q]")
        box.wait_for(state="visible", timeout=5000)
        box.fill("peephole")
        box.press("Enter")
        page.wait_for_url(re.compile(r"search\.html\?q=peephole"), timeout=10000)
        results = page.locator("#search-results li")
        results.first.wait_for(timeout=15000)
        titles = " ".join(results.all_inner_texts())
        assert "Variants" in titles, titles
        assert not visit.problems(), visit.problems()
    finally:
        context.close()
