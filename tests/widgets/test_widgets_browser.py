"""The explorers in the built book, in Debian's chromium, with no kernel and no network.

For each chapter page that shows an explorer: it renders; the numbers it shows equal lstmkit's numpy for the
values saved in the page; after a slider is dragged (and a toggle clicked) the view shows the new values,
again equal to numpy's; the only page error is the known harmless THEBE_JS_URL one; no request left loopback.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from lstmkit import widgets as W

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


# ----------------------------------------------------------------------------------------- helpers
def saved_widget_state(html_file: Path, kind: str) -> dict:
    """The state the book saved for the explorer's view (the widget-state JSON embedded in the page)."""
    text = html_file.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S)
    assert match, f"{html_file.name}: no saved widget state (were the notebooks executed at build?)"
    models = json.loads(match.group(1))["state"]
    mount = f'mountExplorer(model, el, "{kind}"'
    found = [m["state"] for m in models.values() if mount in m["state"].get("_esm", "")]
    assert len(found) == 1, f"{html_file.name}: expected one {kind} view in the saved state, found {len(found)}"
    return found[0]


def expected_readouts(kind: str, v: dict) -> dict:
    """The numbers a view shows (data-key -> value) and the series it plots (data-key -> list)."""
    if kind == "gate-explorer":
        return dict(v)
    if kind == "memory-explorer":
        return {"half_life": v["half_life"], "cell_half_lag": v["cell_half_lag"], "rnn_half_lag": v["rnn_half_lag"],
                "c_T": v["c"][-1], "h_T": v["h"][-1], "cell_grad_T": v["cell_grad"][-1],
                "rnn_grad_T": v["rnn_grad"][-1], "c": v["c"], "h": v["h"], "cell_grad": v["cell_grad"],
                "rnn_grad": v["rnn_grad"]}
    if kind == "vanishing-explorer":
        T = len(v["rnn_norm"])
        out = {k: v[k] for k in ("rnn_norm", "lstm_c_norm", "lstm_h_norm")}
        for lag in (min(10, T - 1), T - 1):
            out.update({f"{k}_{lag}": v[k][lag] for k in ("rnn_norm", "lstm_c_norm", "lstm_h_norm")})
        return out
    out = {"x": v["x"]}
    for name in W.VARIANTS:
        out[f"h_{name}"] = v[name]["h"]
        out[f"h_T_{name}"] = v[name]["h"][-1]
    sel = v[v["selected"]]
    for gate, values in list(sel["gates"].items()) + [("c", sel["c"]), ("h", sel["h"])]:
        out.update({f"{gate}_{t + 1}": x for t, x in enumerate(values)})
    return out


READ_VIEW = """root => ({
  state: JSON.parse(root.dataset.state),
  renders: Number(root.dataset.renders),
  values: Array.from(root.querySelectorAll('[data-key][data-value]')).map(e => [e.dataset.key, JSON.parse(e.dataset.value), e.textContent]),
  series: Array.from(root.querySelectorAll('[data-key][data-series]')).map(e => [e.dataset.key, JSON.parse(e.dataset.series)]),
  selected: (root.querySelector('[data-key=selected]') || {}).textContent,
})"""


def shown_text_matches(text: str, value) -> bool:
    """The printed number agrees with the exact value to the digits printed."""
    if value is None:
        return text.startswith("\u221e") or text.startswith("beyond")
    if isinstance(value, int) and not isinstance(value, bool):
        return text.strip() == str(value)
    shown = float(text.replace("\u2212", "-"))
    if "e" in text:                                      # 7.00e-8: two decimals of the mantissa
        mantissa, exponent = text.split("e")
        return abs(shown - value) <= 0.51 * 10 ** (int(exponent) - len(mantissa.split(".")[-1]))
    digits = len(text.split(".")[-1]) if "." in text else 0
    return abs(shown - value) <= 0.51 * 10 ** -digits


def check_view_against_numpy(view: dict, kind: str, twin, saved: dict):
    """Every number and series the view shows equals the numpy twin's for the state it drew (to 1e-9)."""
    state = {**saved, **view["state"]}
    expected = expected_readouts(kind, twin(state))
    seen = set()
    for key, value, text in view["values"]:
        assert key in expected, f"{kind}: the view shows {key!r}, which the test does not know"
        want = expected[key]
        if want is None:
            assert value is None, f"{kind}.{key}: shows {value}, numpy says infinite/never"
        else:
            assert value == pytest.approx(want, rel=1e-9, abs=1e-12), f"{kind}.{key}"
        assert shown_text_matches(text, want), f"{kind}.{key}: prints {text!r} for {want!r}"
        seen.add(key)
    for key, values in view["series"]:
        if key in expected:
            got = np.array([np.nan if x is None else x for x in values], dtype=float)
            np.testing.assert_allclose(got, np.asarray(expected[key], dtype=float), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{kind} series {key}")
            seen.add(key)
    scalars = {k for k, v in expected.items() if not isinstance(v, list)}
    assert scalars <= seen, f"{kind}: values not shown: {sorted(scalars - seen)}"
    return state


def slider(page, label):
    return page.locator(".widget-slider", has=page.locator("label.widget-label", has_text=label))


def drag_slider(page, label, fraction):
    """Drag the slider's handle with the mouse to `fraction` (0..1) of its track."""
    s = slider(page, label)
    s.scroll_into_view_if_needed()
    handle = s.locator(".noUi-handle").bounding_box()
    track = s.locator(".noUi-target").bounding_box()
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], y, steps=8)
    page.mouse.up()
    return s


def wait_for_state(page, root, key, predicate_js):
    page.wait_for_function(f"root => {{ const s = JSON.parse(root.dataset.state); return {predicate_js}; }}",
                           arg=root.element_handle(), timeout=10000)


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
