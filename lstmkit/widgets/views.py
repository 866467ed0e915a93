"""The explorers' views: anywidget models whose front end (``js/``) draws and computes in the browser.

Each view's synced traits are made from its :class:`~lstmkit.widgets.schema.Schema`, and the trait
``_state_keys`` carries the schema's names to the front end, which reads the state it draws from exactly
those (``mountExplorer`` in ``js/ui.js``). The ES module and the stylesheet travel in the widget state, so
a saved page needs no network and no kernel.
"""
from pathlib import Path

import anywidget
import traitlets

from . import schema as S

JS_DIR = Path(__file__).with_name("js")
FRONT_ENDS = (S.GATE.front_end, S.MEMORY.front_end, S.VANISHING.front_end, S.VARIANT.front_end)


def front_end(name):
    """The ES module of one explorer: the shared maths and drawing helpers, then the explorer's own file.

    name: 'gate_explorer', 'memory_explorer', 'vanishing_explorer' or 'variant_switch'. Returns a str.
    """
    if name not in FRONT_ENDS:
        raise ValueError(f"name: expected one of {', '.join(FRONT_ENDS)}, got {name!r}")
    files = ("lstm_math.js", "ui.js", f"{name}.js")
    return "\n".join((JS_DIR / f).read_text(encoding="utf-8") for f in files)


def _trait(field):
    """The synced trait of one schema field (a container's default is made afresh for each view)."""
    if field.kind == "float":
        return traitlets.Float(field.default, min=field.lo, max=field.hi).tag(sync=True)
    if field.kind == "int":
        return traitlets.Int(field.default, min=field.lo, max=field.hi).tag(sync=True)
    if field.kind == "dict":
        return traitlets.Dict().tag(sync=True)
    if field.kind == "list":
        return traitlets.List().tag(sync=True)
    raise ValueError(f"field.kind: expected 'float', 'int', 'dict' or 'list', got {field.kind!r}")


def view_class(name, schema, doc):
    """A view class (an ``anywidget.AnyWidget`` subclass called ``name``) with one synced trait per field
    of ``schema``, the explorer's front end and stylesheet, and ``_state_keys``, the schema's names."""
    css = (JS_DIR / "explorers.css").read_text(encoding="utf-8")
    namespace = {
        "__doc__": doc, "__module__": __name__, "schema": schema,
        "_esm": traitlets.Unicode(front_end(schema.front_end)).tag(sync=True),
        "_css": traitlets.Unicode(css).tag(sync=True),
        "_state_keys": traitlets.List(default_value=list(schema.names)).tag(sync=True),
    }
    for field in schema.fields:
        namespace[field.name] = _trait(field)
        if field.kind in ("dict", "list"):
            namespace[f"_default_{field.name}"] = traitlets.default(field.name)(
                lambda self, make=field.default: make())
    return type(name, (anywidget.AnyWidget,), namespace)


GateView = view_class("GateView", S.GATE, "The gate explorer's view: one LSTM step, drawn and computed in the browser.")
MemoryView = view_class("MemoryView", S.MEMORY, "The memory explorer's view: a stored value in the cell state "
                        "against a tanh RNN.")
VanishingView = view_class("VanishingView", S.VANISHING, "The vanishing-gradient explorer's view: gradient norm "
                           "against lag, RNN and LSTM.")
VariantView = view_class("VariantView", S.VARIANT, "The variant switch's view: four cells on the same inputs.")
