"""The explorers in the built book, in Debian's chromium, with no kernel and no network.

For each chapter page that shows an explorer: it renders; the numbers it shows equal lstmkit's numpy for the
values saved in the page; after a slider is dragged (and a toggle clicked) the view shows the new values,
again equal to numpy's; the only page error is the known harmless THEBE_JS_URL one; no request left loopback.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from lstmkit import widgets as W
from support.explorers import READ_VIEW, check_view_against_numpy, drag_slider, saved_widget_state, wait_for_state

pytestmark = pytest.mark.browser

# page, explorer kind (data-explorer on the view's root), the numpy twin, a slider to drag and where to,
# and a toggle button to click
PAGES = {
    "gates": dict(page="book/gates.html", kind="gate-explorer", twin=W.gate_values,
                  slider="input x", key="x", to=0.2, toggle=None),
    "cell_state": dict(page="book/cell_state.html", kind="memory-explorer", twin=W.memory_values,
                       slider="forget gate f", key="f", to=0.7, toggle=("erase at step r", "schedule", 1)),
    "rnn_limits": dict(page="book/rnn_limits.html", kind="vanishing-explorer", twin=W.vanishing_values,
                       slider="spectral radius \u03c1", key="rho", to=0.3, toggle=("linear", "activation_index", 2)),
    "variants": dict(page="book/variants.html", kind="variant-switch", twin=W.variant_values,
                     slider="amplitude", key="amplitude", to=0.85, toggle=("gru", "variant_index", 3)),
}


# ------------------------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def explorer_pages(built_book):
    missing = [name for name, spec in PAGES.items() if not (built_book / spec["page"]).exists()]
    assert not missing, f"pages missing from the built book: {missing}"
    return built_book


@pytest.mark.parametrize("name", list(PAGES))
def test_explorer_renders_and_follows_its_controls_offline(name, explorer_pages, book_url, offline_page):
    spec = PAGES[name]
    page, log = offline_page
    saved = saved_widget_state(explorer_pages / spec["page"], spec["kind"])
    page.goto(f"{book_url}/{spec['page']}", wait_until="load")
    root = page.locator(f".lk-root[data-explorer={spec['kind']}]")
    root.wait_for(timeout=20000)

    # 1. it rendered the values the book saved, and they are numpy's
    first = root.evaluate(READ_VIEW)
    assert first["renders"] >= 1
    saved_scalars = {k: saved[k] for k in first["state"]}
    assert first["state"] == pytest.approx(saved_scalars, rel=1e-12, abs=1e-12)
    check_view_against_numpy(first, spec["kind"], spec["twin"], saved)

    # 2. drag a slider: the view follows (jslink, no kernel) and still agrees with numpy
    key = spec["key"]
    s = drag_slider(page, spec["slider"], spec["to"])
    wait_for_state(page, root, key, f"Math.abs(s[{json.dumps(key)}] - {first['state'][key]!r}) > 1e-9")
    moved = root.evaluate(READ_VIEW)
    assert moved["renders"] > first["renders"]
    readout = float(s.locator(".widget-readout").inner_text().replace("\u2212", "-"))
    assert moved["state"][key] == pytest.approx(readout, abs=0.0051), "slider readout and view disagree"
    state = check_view_against_numpy(moved, spec["kind"], spec["twin"], saved)
    assert state[key] != pytest.approx(first["state"][key])

    # 3. click a toggle button (schedule, activation, variant)
    if spec["toggle"]:
        label, tkey, index = spec["toggle"]
        page.locator(".widget-toggle-buttons button", has_text=label).first.click()
        wait_for_state(page, root, tkey, f"s[{json.dumps(tkey)}] === {index}")
        toggled = root.evaluate(READ_VIEW)
        state = check_view_against_numpy(toggled, spec["kind"], spec["twin"], saved)
        if name == "rnn_limits":      # linear RNN, W = rho Q with Q orthogonal: the norm is rho ** lag exactly
            rnn = dict(toggled["series"])["rnn_norm"]
            np.testing.assert_allclose(rnn, state["rho"] ** np.arange(len(rnn)), rtol=1e-9)
        if name == "variants":
            assert toggled["selected"] == "GRU"

    # 4. nothing left the machine, and no error besides the known one
    assert log.blocked == [], f"requests outside loopback: {log.blocked}"
    assert log.unexpected_errors() == [], log.unexpected_errors()


def test_every_explorer_page_is_self_contained(explorer_pages):
    """The explorer's front end travels in the page: the saved state holds the ES module, with no import."""
    for spec in PAGES.values():
        esm = saved_widget_state(explorer_pages / spec["page"], spec["kind"])["_esm"]
        assert not re.search(r"^\s*import\s|import\(", esm, re.M), f"{spec['page']}: the front end imports"
        assert "http://" not in esm and "https://" not in esm
