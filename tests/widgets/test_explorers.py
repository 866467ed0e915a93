"""The explorers' Python side: values readable and settable, clear errors, the schema sent to the front end,
and every control tied to its view by a link the browser keeps without a kernel."""
import pytest

from lstmkit import widgets as W


def test_explorer_values_are_readable_and_settable():
    ex = W.GateExplorer(x=0.25)
    assert ex.x == 0.25 and ex.controls["x"].value == 0.25
    ex.c_prev = -1.5
    assert ex.view.c_prev == -1.5 and ex.controls["c_prev"].value == -1.5
    ex.x = 7.0                                       # beyond the slider's range: the slider widens, no clipping
    assert ex.controls["x"].value == 7.0 and ex.controls["x"].max == 7.0 and ex.values()["a_i"] == 7.0
    assert ex.values() == W.gate_values(ex.state())
    sw = W.VariantSwitch()
    sw.variant = "gru"
    assert sw.variant_index == 3 and sw.controls["variant_index"].index == 3
    assert sw.values()["selected"] == "gru"
    van = W.VanishingExplorer(seed=1, steps=20, hidden=4)
    van.activation = "relu"
    assert van.view.activation_index == 1 and len(van.values()["rnn_norm"]) == 20
    before = van.values()["rnn_norm"]
    van.redraw(seed=2)
    assert van.data == W.vanishing_data(2, 20, 4, 4) and van.values()["rnn_norm"] != before


def test_explorer_rejects_bad_input_with_clear_messages():
    with pytest.raises(ValueError, match="values: GateExplorer .* unknown \\['y'\\]"):
        W.GateExplorer(y=1.0)
    with pytest.raises(ValueError, match="variant: expected one of"):
        W.VariantSwitch().variant = "lstm"
    with pytest.raises(ValueError, match="T: expected an int >= 1"):
        W.memory_values({"T": 0, "f": 0.5, "i": 0.5, "v": 1, "d": 0, "w": 1, "schedule": 0, "erase_step": 2})
    with pytest.raises(ValueError, match="schedule: expected 0, 1 or 2"):
        W.memory_values({"T": 5, "f": 0.5, "i": 0.5, "v": 1, "d": 0, "w": 1, "schedule": 3, "erase_step": 2})
    with pytest.raises(ValueError, match="state: gate_values needs"):
        W.gate_values({"x": 1.0})
    with pytest.raises(ValueError, match="name: expected one of"):
        W.front_end("nope")


def test_each_view_sends_its_schema_to_the_front_end():
    """The names the front end reads (the view's ``_state_keys``) are the schema's, each is a synced trait of
    the view with the schema's default, and they are the explorer's state."""
    for cls in (W.GateExplorer, W.MemoryExplorer, W.VanishingExplorer, W.VariantSwitch):
        ex = cls()
        spec = cls.view_class.schema
        sent = ex.view.get_state()
        assert sent["_state_keys"] == list(spec.names)
        assert set(spec.names) <= set(ex.view.trait_names(sync=True))
        assert sorted(ex.state()) == sorted(spec.names)
        for field in spec.fields:
            want = field.default() if callable(field.default) else field.default
            assert sent[field.name] == want, f"{cls.__name__}.{field.name}"


def test_controls_are_jslinked_to_the_view():
    """Each control is tied to its view trait by a front-end link (so it moves with no kernel)."""
    import ipywidgets
    for cls in (W.GateExplorer, W.MemoryExplorer, W.VanishingExplorer, W.VariantSwitch):
        ex = cls()
        assert all(type(link).__name__ == "Link" and link._model_name == "LinkModel" for link in ex._links)
        linked = {(id(link.source[0]), link.source[1], id(link.target[0]), link.target[1]) for link in ex._links}
        for name, control in ex.controls.items():
            attr = "index" if isinstance(control, ipywidgets.ToggleButtons) else "value"
            assert (id(control), attr, id(ex.view), name) in linked, name
