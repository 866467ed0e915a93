"""The explorers: ipywidgets controls tied with ``jslink`` to a view, values readable and settable.

Every control is tied to its view's trait by a link the browser keeps without Python, so an explorer moves
in a rendered book with no kernel. Every name of the view's :mod:`~lstmkit.widgets.schema` is also an
attribute of the explorer (``ex.x = 0.3`` moves the view and its slider), and :meth:`Explorer.values`
computes what the view shows with the numpy twin (:mod:`lstmkit.widgets.twins`).
"""
import ipywidgets as widgets

from .schema import ACTIVATIONS, GATES, PATTERNS, SCHEDULES, VARIANTS, vanishing_data
from .twins import gate_values, memory_values, vanishing_values, variant_values
from .views import GateView, MemoryView, VanishingView, VariantView

# ================================================================= explorers (controls + view)
_STYLE = {"description_width": "110px"}
_LAYOUT = {"width": "420px"}


def _choice(name, trait, names, what="One of"):
    """A property that reads and sets the integer view trait ``trait`` by name, one of ``names``."""
    def get(self):
        return names[getattr(self.view, trait)]

    def set_(self, value):
        if value not in names:
            raise ValueError(f"{name}: expected one of {names}, got {value!r}")
        self.set(**{trait: names.index(value)})

    return property(get, set_, doc=f"{what}: {', '.join(map(repr, names))} (settable).")


def _slider(description, lo, hi, step=0.01, integer=False):
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    return cls(min=lo, max=hi, step=step, description=description, style=_STYLE, layout=_LAYOUT,
               continuous_update=True)


def _toggle(description, options):
    return widgets.ToggleButtons(options=list(options), description=description, style=_STYLE)


def _show(control, value):
    """Put value on a control (a slider widens its range to hold it, rather than clip it); returns the name of
    the control's attribute that holds the value ('value', or 'index' for toggle buttons)."""
    if isinstance(control, widgets.ToggleButtons):
        control.index = value
        return "index"
    if value > control.max:
        control.max = value
    if value < control.min:
        control.min = value
    control.value = value
    return "value"


class Explorer(widgets.VBox):
    """Controls tied to a view with jslink (live without a kernel), values readable and settable.

    Subclasses set ``view_class``, ``twin`` (the numpy function computing what the view shows) and
    implement ``_controls()`` returning {trait name: control widget} and ``_layout(controls)``.
    Every name of the view's schema is also an attribute of the explorer: ``ex.x = 0.3`` sets the view
    and its slider, ``ex.x`` reads the current value (a moved slider updates it when a kernel runs).
    """
    view_class = None
    twin = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.view_class.schema.names:
            if hasattr(cls, name):
                continue
            setattr(cls, name, property(
                lambda self, n=name: getattr(self.view, n),
                lambda self, value, n=name: self.set(**{n: value}),
                doc=f"Current value of the view's {name!r} (synced with the browser)."))

    def __init__(self, **values):
        names = self.state_names()
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"values: {type(self).__name__} accepts {names}, got unknown {unknown}")
        view = self.view_class(**values)
        controls = self._controls()
        links = []
        for name, control in controls.items():
            attr = _show(control, getattr(view, name))
            links.append(widgets.jslink((control, attr), (view, name)))
        super().__init__(children=[self._layout(controls), view])
        self.view, self.controls, self._links = view, controls, links
        self.add_class("lk-explorer-box")

    @classmethod
    def state_names(cls):
        """The names of the view's values (its schema's fields), sorted."""
        return sorted(cls.view_class.schema.names)

    def state(self):
        """The current values, as a dict (what the browser computes from)."""
        return {n: getattr(self.view, n) for n in self.state_names()}

    def set(self, **values):
        """Set several values at once; their controls follow."""
        names = self.state_names()
        for name, value in values.items():
            if name not in names:
                raise ValueError(f"values: {type(self).__name__} has no value {name!r}; it has {names}")
            setattr(self.view, name, value)
            control = self.controls.get(name)
            if control is not None:
                _show(control, getattr(self.view, name))

    def values(self):
        """What the view shows for the current values, computed in numpy with lstmkit."""
        return type(self).twin(self.state())

    def _controls(self):
        raise NotImplementedError

    def _layout(self, controls):
        return widgets.VBox(list(controls.values()))


class GateExplorer(Explorer):
    """One LSTM step (one unit, one input): sliders for x, h_{t-1}, c_{t-1} and each gate's bias (its
    weights in a folded section); bars for i, f, g, o, c_t, h_t. ``values()`` gives the same numbers
    from :func:`lstmkit.cells.lstm_step_forward`."""
    view_class = GateView
    twin = staticmethod(gate_values)

    def _controls(self):
        c = {"x": _slider("input x", -3, 3), "h_prev": _slider("h(t-1)", -1, 1), "c_prev": _slider("c(t-1)", -3, 3)}
        for k in GATES:
            c[f"b_{k}"] = _slider(f"bias b_{k}", -5, 5)
        for k in GATES:
            c[f"w_x{k}"] = _slider(f"weight w_x{k}", -4, 4)
            c[f"w_h{k}"] = _slider(f"weight w_h{k}", -4, 4)
        return c

    def _layout(self, c):
        main = [c[k] for k in ("x", "h_prev", "c_prev")] + [c[f"b_{k}"] for k in GATES]
        weights = widgets.VBox([c[f"w_{s}{k}"] for k in GATES for s in ("x", "h")])
        more = widgets.Accordion(children=[weights], titles=("Gate weights w_x, w_h",), selected_index=None)
        return widgets.VBox([widgets.VBox(main), more])


class MemoryExplorer(Explorer):
    """How long the cell state keeps a value: forget gate f, input gate i, constant over T steps or
    scheduled (at step r the forget gate closes: 'erase'; and the input gate opens: 'overwrite'); the trajectory, the half-life ln 2 / -ln f, and the gradient product along the
    cell state (prod f) next to a tanh RNN's (prod w (1 - h^2)). ``values()``: :func:`memory_values`."""
    view_class = MemoryView
    twin = staticmethod(memory_values)

    def _controls(self):
        return {
            "T": _slider("steps T", 2, 200, 1, integer=True),
            "f": _slider("forget gate f", 0, 1, 0.001),
            "i": _slider("input gate i", 0, 1, 0.01),
            "v": _slider("stored value v", -2, 2),
            "d": _slider("later input d", -1, 1),
            "w": _slider("RNN weight w", -3, 3),
            "schedule": _toggle("schedule", ("constant gates", "erase at step r", "overwrite at step r")),
            "erase_step": _slider("at step r", 2, 200, 1, integer=True),
        }

    schedule_name = _choice("schedule_name", "schedule", SCHEDULES)


class VanishingExplorer(Explorer):
    """Gradient norm against lag for an RNN (W_hh = rho Q, Q orthogonal; tanh, relu or linear) and an
    LSTM (recurrent blocks scaled by rho, a forget-gate bias). The weights and inputs come from
    :func:`vanishing_data` (``seed``, ``steps``, ``hidden``, ``inputs``); :meth:`redraw` draws new ones.
    ``values()``: :func:`vanishing_values`."""
    view_class = VanishingView
    twin = staticmethod(vanishing_values)

    def __init__(self, seed=0, steps=50, hidden=16, inputs=4, **values):
        values.setdefault("data", vanishing_data(seed, steps, hidden, inputs))
        super().__init__(**values)

    def redraw(self, seed):
        """New weights and inputs of the same sizes, from ``seed`` (needs a kernel to reach the page)."""
        d = self.view.data
        self.set(data=vanishing_data(seed, len(d["X"]), len(d["e"]), len(d["X"][0])))

    def _controls(self):
        return {
            "rho": _slider("spectral radius \u03c1", 0.1, 2.0),
            "activation_index": _toggle("RNN activation", ACTIVATIONS),
            "forget_bias": _slider("LSTM forget bias", -4, 8, 0.1),
        }

    activation = _choice("activation", "activation_index", ACTIVATIONS, "The RNN's activation")


class VariantSwitch(Explorer):
    """Standard, peephole, coupled (CIFG) LSTM and GRU run on the same input sequence; the switch picks
    the cell whose gates are tabulated. ``values()``: :func:`variant_values`."""
    view_class = VariantView
    twin = staticmethod(variant_values)

    def _controls(self):
        return {
            "variant_index": _toggle("cell", VARIANTS),
            "pattern_index": _toggle("input", PATTERNS),
            "amplitude": _slider("amplitude", 0, 3),
            "forget_bias": _slider("forget (z) bias", -3, 6, 0.1),
            "peephole": _slider("peephole weight", -3, 3),
        }

    variant = _choice("variant", "variant_index", VARIANTS, "The selected cell")
