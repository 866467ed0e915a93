"""Reading an explorer's view in a page and checking it against lstmkit's numpy twin (browser tests).

Every number a view shows sits in an element with data-key and data-value (js/ui.js); READ_VIEW collects them
from the view's root, and check_view_against_numpy compares them with the twin's values for the state drawn.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from lstmkit import widgets as W

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
