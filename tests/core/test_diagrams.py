"""lstmkit.diagrams: every diagram is well-formed SVG with a real text alternative, its gate blocks stand left to
right in the order lstmkit's layers stack their weights (read from the drawn geometry, not from the module's own
record), every label is readable on what it is drawn on in both themes, and the output is deterministic."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import lstmkit
from lstmkit import diagrams
from lstmkit.diagrams import style
from lstmkit.diagrams.svg import Canvas, label_markup
from support.diagrams import drawn_gates, layer_gates, respects_order

SVG = "{http://www.w3.org/2000/svg}"
NAMES = sorted(diagrams.CATALOGUE)
FILE_NAME = re.compile(r"^\S+\.(png|svg|jpe?g|gif|webp)$|^[0-9a-f]{16,}$", re.I)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


LAYERS = layer_gates()
PARTIAL = {"lstm-stage-1-f": ("f",), "lstm-stage-2-ig": ("i", "f", "g"), "lstm-stage-3-update": ("i", "f", "g"),
           "memory-block-1997": ("i", "o")}


@pytest.mark.parametrize("name", NAMES)
def test_diagram_is_an_accessible_scalable_svg(name):
    d = diagrams.CATALOGUE[name]()
    root = parse(d.svg)
    assert root.get("role") == "img" and root.get("data-diagram") == name == d.name
    title = root.find(f"{SVG}title")
    assert title is not None and root.get("aria-labelledby") == title.get("id")
    alt = title.text.strip()
    assert alt == d.alt and len(alt.split()) >= 20 and not FILE_NAME.match(alt), alt
    x0, y0, w, h = map(float, root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and w > 0 and h > 0
    assert "width:100%" in root.get("style") and "height:auto" in root.get("style")
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(f"lkd-{name}") for i in ids)


@pytest.mark.parametrize("name", NAMES)
def test_everything_is_drawn_inside_the_view_box(name):
    root = parse(diagrams.CATALOGUE[name]().svg)
    _, _, w, h = map(float, root.get("viewBox").split())
    for el in root.iter():
        for key in ("x", "cx"):
            if el.get(key) is not None:
                assert 0 <= float(el.get(key)) <= w, (el.tag, el.attrib)
        for key in ("y", "cy"):
            if el.get(key) is not None:
                assert 0 <= float(el.get(key)) <= h, (el.tag, el.attrib)
        if el.get("points"):
            for pair in el.get("points").split():
                x, y = map(float, pair.split(","))
                assert -1 <= x <= w + 1 and -1 <= y <= h + 1, (name, pair)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_cell_diagrams_stand_their_gates_in_lstmkits_order(name):
    d = diagrams.CATALOGUE[name]()
    assert drawn_gates(d.svg) == tuple(LAYERS[name]) == d.gates


@pytest.mark.parametrize("name", sorted(PARTIAL))
def test_partial_diagrams_keep_lstmkits_order(name):
    drawn = drawn_gates(diagrams.CATALOGUE[name]().svg)
    order = lstmkit.LSTM(3, 2, seed=0, forget_gate=name != "memory-block-1997").gates
    assert drawn == PARTIAL[name] and respects_order(drawn, order), (drawn, order)


def test_the_stages_add_one_block_at_a_time():
    """Each stage keeps everything the one before drew and adds its own part, highlighted (and only that)."""
    before = 0
    for stage in diagrams.STAGES:
        root = parse(diagrams.lstm_stage(stage).svg)
        shapes = [el for el in root.iter() if el.tag in (f"{SVG}rect", f"{SVG}circle", f"{SVG}path")]
        assert len(shapes) > before, stage
        before = len(shapes)
        accented = [el for el in root.iter() if "c-accent" in (el.get("class") or "")]
        assert accented, f"stage {stage}: nothing highlighted"
    with pytest.raises(ValueError, match="stage"):
        diagrams.lstm_stage("g")


@pytest.mark.parametrize("name", NAMES)
def test_every_label_is_readable_on_what_it_is_drawn_on(name):
    root = parse(diagrams.CATALOGUE[name]().svg)
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    for t in texts:
        colour, on = t.get("data-color"), t.get("data-on")
        assert on in style.TEXT_ON[colour], (colour, on)
        for mode in ("light", "dark"):
            ratio = style.contrast(style.colour(colour, mode), style.colour(on, mode))
            assert ratio >= 4.5, (name, "".join(t.itertext()), mode, round(ratio, 2))
        assert float(t.get("font-size")) >= 16, "labels of at least 16 units (about 9 px on a 375 px phone)"


def test_contrast_matches_wcag_examples():
    assert style.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert style.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert style.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    with pytest.raises(ValueError, match="hex_colour"):
        style.contrast("red", "#ffffff")
    with pytest.raises(ValueError, match="mode"):
        style.colour("ink", "sepia")


def test_dark_theme_rules_cover_every_role():
    css = style.css()
    for scope in style.DARK_SCOPES:
        assert scope in css
    for name, role in style.ROLES.items():
        assert f"--lkd-{name}:{role.light}" in css and f"--lkd-{name}:{role.dark}" in css


def test_labels_get_subscripts_and_are_escaped():
    m = label_markup("h_{t-1}", 20)
    assert m.startswith("h<tspan dy=\"6.0\" font-size=\"14.4\">t-1</tspan>")
    assert label_markup("x_t]", 20).endswith('<tspan dy="-6.0">]</tspan>')
    assert "&lt;b&gt;" in label_markup("<b>", 18) and "<b>" not in label_markup("<b>", 18)
    both = label_markup("[h_{t-1}, x_t]", 10)
    assert ", x" in both and both.count("<tspan") == 4        # two subscripts, two returns to the baseline


def test_diagrams_are_deterministic():
    for name in NAMES:
        assert diagrams.CATALOGUE[name]().svg == diagrams.CATALOGUE[name]().svg


def test_bad_arguments_name_the_argument():
    c = Canvas(100, 50)
    with pytest.raises(ValueError, match="name"):
        c.diagram("Bad Name", "a text alternative long enough to say what is drawn here")
    with pytest.raises(ValueError, match="alt"):
        c.diagram("ok", "diagram.svg")
    with pytest.raises(ValueError, match="width, height"):
        Canvas(0, 10)
    with pytest.raises(ValueError, match="on"):
        c.text(1, 1, "x", on="sky")
    with pytest.raises(ValueError, match="steps"):
        diagrams.rnn_unrolled(steps=9)


def test_save_writes_a_standalone_svg(tmp_path):
    path = tmp_path / "gru.svg"
    diagrams.gru_cell().save(path)
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}style") is not None


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_alt_text_names_the_blocks_in_the_drawn_order(name):
    d = diagrams.CATALOGUE[name]()
    assert diagrams.in_words(drawn_gates(d.svg)) in d.alt
    assert diagrams.in_words(("i", "f", "g", "o")) == "the input gate, the forget gate, the candidate and the output gate"
