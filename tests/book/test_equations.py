"""The maths on the pages agrees with lstmkit: the chapters' equation twins and the displayed LaTeX itself.

Chapters 2-4 write their equations out in plain numpy in code cells tagged
``equation-twin`` (with shared set-up in cells tagged ``twin-setup``); each twin
appends a record to ``TWINS``: which labelled equations it implements, the inputs in
lstmkit's layout and the values it computed. These tests extract exactly those cells
from the MyST sources with jupytext, run them without lstmkit, and compare every
value with lstmkit's step functions.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.book import ROOT

TWIN_CHAPTERS = ["book/gates.md", "book/cell_state.md", "book/variants.md"]
TWIN_TOL = 1e-12


def twin_cells(path: Path) -> list[str]:
    import jupytext

    notebook = jupytext.read(path)
    sources = []
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "code" and tags & {"twin-setup", "equation-twin"}:
            sources.append(cell.source)
    return sources


def uses_lstmkit(source: str) -> bool:
    """True when the code imports lstmkit or refers to the name (comments do not count)."""
    import ast

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == "lstmkit":
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "lstmkit" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "lstmkit":
            return True
    return False


def run_twins(path: Path) -> list[dict]:
    namespace: dict = {"__name__": f"twins_{path.stem}"}
    for k, source in enumerate(twin_cells(path)):
        exec(compile(source, f"{path.name}[twin cell {k}]", "exec"), namespace)
    return namespace["TWINS"]


def lstmkit_values(twin: dict) -> dict:
    """What lstmkit's step functions compute for a twin's inputs, keyed like the twin's outputs."""
    import numpy as np

    import lstmkit

    inp, opts = twin["inputs"], twin.get("options", {})
    rows = lambda a: np.atleast_2d(a)                      # one column-vector example -> a batch of one
    if twin["step"] in ("lstm", "lstm_backward"):
        h, c, cache = lstmkit.lstm_step_forward(rows(inp["x"]), rows(inp["h_prev"]), rows(inp["c_prev"]),
                                                inp["params"], **opts)
        values = {k: cache[k] for k in ("i", "f", "g", "o") if cache.get(k) is not None}
        values.update(c=c, h=h, c_prev=rows(inp["c_prev"]), h_prev=rows(inp["h_prev"]))
        if twin["step"] == "lstm_backward":
            dx, dh_prev, dc_prev, _ = lstmkit.lstm_step_backward(rows(inp["dh"]), rows(inp["dc"]), cache)
            values.update(dx=dx, dh_prev=dh_prev, dc_prev=dc_prev)
        return values
    if twin["step"] == "gru":
        h, cache = lstmkit.gru_step_forward(rows(inp["x"]), rows(inp["h_prev"]), inp["params"], **opts)
        return dict(r=cache["r"], z=cache["z"], n=cache["n"], h=h, h_prev=rows(inp["h_prev"]))
    raise AssertionError(f"unknown twin step {twin['step']!r}")


def equation_labels(path: Path) -> dict[str, str]:
    """label -> LaTeX body of every labelled display equation ``$$ ... $$ (label)``."""
    text = path.read_text(encoding="utf8")
    return {label: body for body, label in re.findall(r"\$\$\s*(.*?)\s*\$\$\s*\((eq-[\w-]+)\)", text, re.S)}


@pytest.mark.parametrize("chapter", TWIN_CHAPTERS)
def test_equation_twins_agree_with_lstmkit(chapter):
    import numpy as np

    path = ROOT / chapter
    sources = twin_cells(path)
    assert len(sources) >= 2, f"{chapter}: no equation twins found"
    for source in sources:
        assert not uses_lstmkit(source), f"{chapter}: an equation twin must not use lstmkit:\n{source[:300]}"
    twins = run_twins(path)
    assert twins, f"{chapter}: the twin cells recorded nothing"
    for twin in twins:
        expected = lstmkit_values(twin)
        assert twin["outputs"], twin["name"]
        for key, value in twin["outputs"].items():
            got = np.asarray(value).reshape(np.shape(expected[key]))
            err = np.max(np.abs(got - expected[key]))
            assert err <= TWIN_TOL, f"{chapter} / {twin['name']}: {key} differs from lstmkit by {err:.2e}"


@pytest.mark.parametrize("chapter", TWIN_CHAPTERS)
def test_every_labelled_equation_is_executed(chapter):
    """Every labelled display equation of chapters 2-4 is implemented by a twin, and every
    label a twin claims exists on the page."""
    path = ROOT / chapter
    labels = set(equation_labels(path))
    assert labels, f"{chapter}: no labelled equations"
    claimed = {label for twin in run_twins(path) for label in twin["equations"]}
    assert claimed <= labels, f"{chapter}: twins claim missing equations {claimed - labels}"
    assert labels <= claimed, f"{chapter}: equations without a numpy twin: {labels - claimed}"


def test_hand_worked_step_matches_the_hand_derivation():
    """Chapter 2's hand example: x=1, h_prev=0, c_prev=2, pre-activations 0, ln 3, ln 2, ln 4.
    By hand: i = 1/2, f = 3/4, g = tanh(ln 2) = 3/5, o = 4/5, c = 3/4*2 + 1/2*3/5 = 9/5, h = 4/5 tanh(9/5)."""
    import math

    import numpy as np

    (twin,) = [t for t in run_twins(ROOT / "book/gates.md") if t["name"] == "hand-worked step"]
    by_hand = dict(i=0.5, f=0.75, g=0.6, o=0.8, c=1.8, h=0.8 * math.tanh(1.8))
    library = lstmkit_values(twin)
    for key, value in by_hand.items():
        assert abs(float(np.squeeze(twin["outputs"][key])) - value) <= TWIN_TOL, ("twin", key)
        assert abs(float(np.squeeze(library[key])) - value) <= TWIN_TOL, ("lstmkit", key)


# ---------------------------------------------------------------- the displayed LaTeX itself

LATEX_TOKENS = [
    (r"\\odot", "*"),
    (r"\\tanh", "np.tanh"),
    (r"\\sigma", "sigma"),
    (r"([a-zA-Z])_\{t-1\}", r"\1_prev"),
    (r"([a-zA-Z])_t\b", r"\1"),
    (r"([a-zA-Z])_t(?=[^a-zA-Z0-9{])", r"\1"),
    (r"[()+\-]", None),
    (r"\d+", None),
]


def latex_to_python(latex: str) -> str:
    """Translate a right-hand side made of gate names, ⊙, +, -, tanh and parentheses into
    numpy code; anything else (a tilde, a capital C, an unexpected index) is an error."""
    text = re.sub(r"\\(left|right|big|Big|bigg|,|;|!)", "", latex).replace(" ", "")
    out, pos = [], 0
    while pos < len(text):
        for pattern, replacement in LATEX_TOKENS:
            m = re.compile(pattern).match(text, pos)
            if m:
                out.append(m.expand(replacement) if replacement else m.group(0))
                pos = m.end()
                break
        else:
            raise ValueError(f"cannot read {text[pos:]!r} in {latex!r}")
    return "".join(out)


def displayed_lines(body: str) -> list[tuple[str, str]]:
    """(lhs, rhs) for each line of an aligned LaTeX block."""
    body = re.sub(r"\\begin\{aligned\}|\\end\{aligned\}", "", body)
    lines = []
    for line in re.split(r"\\\\", body):
        line = line.replace("&", "").strip()
        if line:
            lhs, rhs = line.split("=", 1)
            lines.append((lhs.strip(), rhs.strip()))
    return lines


def test_twin_guard_sees_through_comments():
    assert uses_lstmkit("import lstmkit") and uses_lstmkit("from lstmkit.cells import sigmoid")
    assert uses_lstmkit("h = lstmkit.lstm_step_forward(x)")
    assert not uses_lstmkit("h = o * np.tanh(c)  # compared with lstmkit by the tests")


def test_latex_translator_rejects_the_seed_typo():
    assert latex_to_python(r"f_t \odot c_{t-1} + i_t \odot g_t") == "f*c_prev+i*g"
    with pytest.raises(ValueError):
        latex_to_python(r"f_t * C_{t-1} + i_t * \tilde{C}_{t-1}")


def test_chapter3_cell_update_as_displayed():
    """The LaTeX of chapter 3's cell update says c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t (the candidate of the
    current step, not C~_{t-1}), and evaluating the displayed formulas gives lstmkit's c_t and h_t."""
    import numpy as np

    path = ROOT / "book/cell_state.md"
    labels = equation_labels(path)
    update, hidden = labels["eq-cell-update"], labels["eq-hidden-state"]
    compact = re.sub(r"\s+", "", update)
    assert compact == r"c_t=f_t\odotc_{t-1}+i_t\odotg_t", update
    assert "tilde" not in update
    twin = run_twins(path)[0]
    values = lstmkit_values(twin)
    for body in (update, hidden):
        ((lhs, rhs),) = displayed_lines(body)
        code = latex_to_python(rhs)
        result = eval(code, {"np": np}, dict(values))
        target = values[latex_to_python(lhs)]
        assert np.max(np.abs(result - target)) <= TWIN_TOL, (lhs, rhs)


def test_chapter2_update_block_as_displayed():
    """Chapter 2's displayed update block (two aligned lines) evaluates to lstmkit's c_t and h_t."""
    import numpy as np

    path = ROOT / "book/gates.md"
    lines = displayed_lines(equation_labels(path)["eq-lstm-update"])
    assert [lhs for lhs, _ in lines] == ["c_t", "h_t"]
    for twin in run_twins(path):
        values = lstmkit_values(twin)
        for lhs, rhs in lines:
            result = eval(latex_to_python(rhs), {"np": np}, dict(values))
            assert np.max(np.abs(result - values[latex_to_python(lhs)])) <= TWIN_TOL, (twin["name"], lhs)
