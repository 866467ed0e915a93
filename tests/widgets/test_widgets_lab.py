"""The explorers in JupyterLab and Notebook 7 with a live kernel, in Debian's chromium.

A local Jupyter server (127.0.0.1, random token) opens a notebook that displays a gate explorer; the test runs
it, drags a slider and checks: the view shows lstmkit's numbers for the new value, the kernel received the value
(the Python side reads it), and a value set from Python moves the view; the three other explorers render there
too, with lstmkit's numbers. Requests outside loopback are blocked and must not happen.
"""
from __future__ import annotations

import json
import time

import nbformat
import pytest

from lstmkit import widgets as W

from support.explorers import READ_VIEW, check_view_against_numpy, drag_slider, slider
from support.lab_server import Server

pytestmark = pytest.mark.browser

CELLS = [
    "from lstmkit.widgets import GateExplorer\nex = GateExplorer()\nex",
    'import json\nruns = globals().get("runs", 0) + 1\n'
    'print("KERNEL " + json.dumps({"run": runs, "x": ex.x, "values": ex.values()}))',
    "ex.x = -0.75",
    "from lstmkit.widgets import MemoryExplorer, VanishingExplorer, VariantSwitch\n"
    "display(MemoryExplorer(), VanishingExplorer(), VariantSwitch())",
]
OTHERS = {"memory-explorer": (W.MemoryExplorer, W.memory_values),
          "vanishing-explorer": (W.VanishingExplorer, W.vanishing_values),
          "variant-switch": (W.VariantSwitch, W.variant_values)}


FRONT_ENDS = ("jupyterlab", "notebook7")


@pytest.fixture(scope="module", params=list(FRONT_ENDS))
def lab_server(request, tmp_path_factory):
    """JupyterLab 4 or Notebook 7 on 127.0.0.1 with a fresh notebook; yields the notebook's URL."""
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "explorer.ipynb")
    server = Server(request.param, work, home)
    try:
        yield server.notebook_url("explorer.ipynb")
    finally:
        server.stop()


RUN_CELL = """async ([index]) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  panel.content.activeCellIndex = index;
  await app.commands.execute('notebook:run-cell');
}"""

KERNEL_IDLE = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const s = panel && panel.sessionContext && panel.sessionContext.session;
  return !!(s && s.kernel && s.kernel.status === 'idle');
}"""


def run_cell(page, index):
    page.evaluate(RUN_CELL, [index])


def test_gate_explorer_live_with_a_kernel(lab_server, offline_page):
    page, log = offline_page
    page.goto(lab_server)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60000)
    page.wait_for_function(KERNEL_IDLE, timeout=60000)

    run_cell(page, 0)
    root = page.locator(".lk-root[data-explorer=gate-explorer]")
    root.wait_for(timeout=60000)
    first = root.evaluate(READ_VIEW)
    check_view_against_numpy(first, "gate-explorer", W.gate_values, {})

    # drag "input x": the view follows and agrees with lstmkit
    s = drag_slider(page, "input x", 0.15)
    page.wait_for_function("root => JSON.parse(root.dataset.state).x !== %r" % first["state"]["x"],
                           arg=root.element_handle(), timeout=10000)
    page.wait_for_timeout(300)                           # the drag has ended: let the last update land
    moved = root.evaluate(READ_VIEW)
    check_view_against_numpy(moved, "gate-explorer", W.gate_values, {})
    readout = float(s.locator(".widget-readout").inner_text().replace("\u2212", "-"))
    assert moved["state"]["x"] == pytest.approx(readout, abs=0.0051)

    # the kernel receives the new value (the front end may hold back updates while the kernel is busy, so
    # ask again until the last one has arrived): Python reads it, and lstmkit computes what the view shows
    deadline = time.time() + 30
    for run in range(1, 100):
        run_cell(page, 1)
        out = page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output", has_text=f'"run": {run},')
        out.wait_for(timeout=30000)
        kernel = json.loads(out.inner_text().split("KERNEL ", 1)[1])
        if kernel["x"] == moved["state"]["x"] or time.time() > deadline:
            break
        page.wait_for_timeout(500)
    assert kernel["x"] == moved["state"]["x"], "the kernel never received the slider's value"
    shown = {k: v for k, v, _ in moved["values"]}
    for key, value in kernel["values"].items():
        assert shown[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key

    # and a value set from Python moves the slider and the view
    run_cell(page, 2)
    page.wait_for_function("root => JSON.parse(root.dataset.state).x === -0.75", arg=root.element_handle(),
                           timeout=30000)
    assert slider(page, "input x").locator(".widget-readout").inner_text().replace("\u2212", "-") == "-0.75"
    check_view_against_numpy(root.evaluate(READ_VIEW), "gate-explorer", W.gate_values, {})

    # the other three explorers render there too, with lstmkit's numbers for their default values
    run_cell(page, 3)
    for kind, (cls, twin) in OTHERS.items():
        other = page.locator(f".lk-root[data-explorer={kind}]")
        other.wait_for(timeout=60000)
        check_view_against_numpy(other.evaluate(READ_VIEW), kind, twin, cls().state())

    assert log.blocked == [], f"requests outside loopback: {log.blocked}"
    assert log.errors == [], log.errors
