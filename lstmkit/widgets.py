"""Interactive explorers of the LSTM's gates, for the book and for notebooks.

Four explorers, each an ``ipywidgets.VBox`` of controls (sliders, toggle buttons) above a view:

=============================  ==================================================================
:class:`GateExplorer`          one LSTM step with one unit: bars for i, f, g, o, c_t and h_t
:class:`MemoryExplorer`        a value stored in the cell state over T steps: trajectory, half-life,
                               the gradient product along the cell state next to a tanh RNN's
:class:`VanishingExplorer`     gradient norm against lag for an RNN and an LSTM, as the recurrent
                               matrix's spectral radius and the RNN's activation change
:class:`VariantSwitch`         standard, peephole, coupled (CIFG) LSTM and GRU on the same inputs
=============================  ==================================================================

Why the maths is in JavaScript. A slider wired to a Python callback is dead in a rendered book: there is
no kernel. Each view here is an ``anywidget`` whose front end (``lstmkit/js``, inlined into the widget's
state, no network needed) computes everything itself, and every control is tied to the view with
``ipywidgets.jslink``, a link the browser keeps without Python. So the explorers move in JupyterLab with
a kernel, in the built book without one, and offline.

The Python side stays in charge of the values: every control's value is a synced trait of the view,
readable and settable from Python (``ex = GateExplorer(); ex.x = 0.5; ex.values()["f"]``), and
:meth:`Explorer.values` computes what the view shows with lstmkit's numpy cells. The functions
:func:`gate_values`, :func:`memory_values`, :func:`vanishing_values` and :func:`variant_values` are the
numpy twins of the JavaScript (``tests/test_widgets_math.py`` checks that both agree to 1e-9).
"""
from pathlib import Path

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from . import cells, init

__all__ = [
    "GateExplorer", "MemoryExplorer", "VanishingExplorer", "VariantSwitch",
    "gate_values", "memory_values", "vanishing_values", "variant_values",
    "vanishing_data", "variant_params", "variant_patterns", "front_end",
]

JS_DIR = Path(__file__).with_name("js")
GATES = ("i", "f", "g", "o")
SCHEDULES = ("constant", "erase", "overwrite")
ACTIVATIONS = ("tanh", "relu", "linear")
VARIANTS = ("standard", "peephole", "coupled", "gru")
PATTERNS = ("pulse", "step", "sine", "random")


def front_end(name):
    """The ES module of one explorer: the shared maths and drawing helpers, then the explorer's own file.

    name: 'gate_explorer', 'memory_explorer', 'vanishing_explorer' or 'variant_switch'. Returns a str.
    """
    files = ("lstm_math.js", "ui.js", f"{name}.js")
    if not (JS_DIR / files[-1]).exists():
        raise ValueError(f"name: expected one of gate_explorer, memory_explorer, vanishing_explorer, "
                         f"variant_switch, got {name!r}")
    return "\n".join((JS_DIR / f).read_text(encoding="utf-8") for f in files)


def _css():
    return (JS_DIR / "explorers.css").read_text(encoding="utf-8")


def _require(state, keys, where):
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"state: {where} needs the keys {sorted(keys)}, missing {missing}")


# ===================================================================================== numpy twins
def gate_params(state):
    """The parameters of the gate explorer's one-unit, one-input LSTM, in lstmkit's layout.

    state holds w_xk, w_hk, b_k for k in i, f, g, o. Returns weight_ih (4, 1), weight_hh (4, 1),
    bias_ih (4,) and bias_hh (4,) (zeros: one bias per gate is enough here).
    """
    _require(state, [f"{p}{k}" for k in GATES for p in ("w_x", "w_h", "b_")], "gate_params")
    return {
        "weight_ih": np.array([[state[f"w_x{k}"]] for k in GATES], dtype=float),
        "weight_hh": np.array([[state[f"w_h{k}"]] for k in GATES], dtype=float),
        "bias_ih": np.array([state[f"b_{k}"] for k in GATES], dtype=float),
        "bias_hh": np.zeros(4),
    }


def gate_values(state):
    """What the gate explorer shows, computed with :func:`lstmkit.cells.lstm_step_forward`.

    state: dict with x, h_prev, c_prev (scalars) and the gate weights (see :func:`gate_params`).
    Returns a dict of floats: the pre-activations a_i, a_f, a_g, a_o, the gates i, f, g, o, and c, h.
    """
    _require(state, ["x", "h_prev", "c_prev"], "gate_values")
    params = gate_params(state)
    x = np.array([[state["x"]]], dtype=float)
    h_prev = np.array([[state["h_prev"]]], dtype=float)
    c_prev = np.array([[state["c_prev"]]], dtype=float)
    h, c, cache = cells.lstm_step_forward(x, h_prev, c_prev, params)
    a = (x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T)[0]
    out = {f"a_{k}": float(a[n]) for n, k in enumerate(GATES)}
    out.update({k: float(cache[k][0, 0]) for k in GATES})
    out.update(c=float(c[0, 0]), h=float(h[0, 0]))
    return out


def _scalar_rnn_params(w):
    return {"weight_ih": np.array([[1.0]]), "weight_hh": np.array([[float(w)]]),
            "bias_ih": np.zeros(1), "bias_hh": np.zeros(1)}


def memory_values(state):
    """What the memory explorer shows.

    One memory cell stores v at step 1 (c_1 = v: input gate open, candidate v). At steps t = 2..T it keeps
    f_t of its content and adds i_t d (candidate d through the input gate):  c_t = f_t c_{t-1} + i_t d, with
    f_t = f and i_t = i, except at step r = ``erase_step`` when ``schedule`` is 1 ('erase': f_r = 0) or 2
    ('overwrite': f_r = 0, i_r = 1, so c_r = d). Beside it a one-unit tanh RNN, h_1 = tanh(v),
    h_t = tanh(w h_{t-1} + d), run with :func:`lstmkit.cells.rnn_step_forward`.

    state: T (int >= 1), f, i, v, d, w (floats), schedule (0, 1, 2: see SCHEDULES), erase_step (int).
    Returns a dict: c, h (lists of T floats, t = 1..T); cell_grad = dc_t/dc_1 = prod f_s (also the fraction
    of v left in c_t) and rnn_grad = dh_t/dh_1 = prod w (1 - h_s^2) (lists of T, lag t - 1 = 0..T-1, the
    RNN's factors from :func:`lstmkit.cells.rnn_step_backward`); half_life = ln 2 / -ln f (None when
    f >= 1: it never decays); cell_half_lag, rnn_half_lag: the first lag where at most half is left
    (|product| <= 1/2), None when that does not happen within T.
    """
    _require(state, ["T", "f", "i", "v", "d", "w", "schedule", "erase_step"], "memory_values")
    T = int(round(state["T"]))
    if T < 1:
        raise ValueError(f"T: expected an int >= 1, got {state['T']!r}")
    f, i, v, d, w = (float(state[k]) for k in ("f", "i", "v", "d", "w"))
    schedule = int(state["schedule"])
    if schedule not in (0, 1, 2):
        raise ValueError(f"schedule: expected 0, 1 or 2 ({', '.join(SCHEDULES)}), got {state['schedule']!r}")
    r = int(round(state["erase_step"])) if schedule > 0 else None
    params = _scalar_rnn_params(w)
    c, cell_grad = [v], [1.0]
    h_arr, _ = cells.rnn_step_forward(np.array([[v]]), np.zeros((1, 1)), params)
    h, rnn_grad = [float(h_arr[0, 0])], [1.0]
    for t in range(2, T + 1):
        f_t = 0.0 if t == r else f
        i_t = 1.0 if t == r and schedule == 2 else i
        c.append(f_t * c[-1] + i_t * d)
        cell_grad.append(cell_grad[-1] * f_t)
        h_arr, cache = cells.rnn_step_forward(np.array([[d]]), h_arr, params)
        _, dh_prev, _ = cells.rnn_step_backward(np.ones((1, 1)), cache)     # = w (1 - h_t^2)
        h.append(float(h_arr[0, 0]))
        rnn_grad.append(rnn_grad[-1] * float(dh_prev[0, 0]))

    def first_below_half(g):
        return next((k for k, x in enumerate(g) if abs(x) <= 0.5), None)

    half_life = None if f >= 1 else 0.0 if f <= 0 else float(np.log(2) / -np.log(f))
    return {"c": c, "h": h, "cell_grad": cell_grad, "rnn_grad": rnn_grad, "half_life": half_life,
            "cell_half_lag": first_below_half(cell_grad), "rnn_half_lag": first_below_half(rnn_grad)}


def vanishing_data(seed=0, steps=50, hidden=16, inputs=4):
    """The fixed weights and inputs of the vanishing-gradient explorer, drawn from a seeded generator.

    Returns a dict of nested lists (they travel to the browser in the widget state, so the JavaScript and
    numpy see exactly the same numbers): Q (H, H) orthogonal (the RNN's W_hh is rho Q); rnn_weight_ih
    (H, D); X (T, D) inputs, standard normal; lstm_weight_ih (4H, D); lstm_weight_hh (4H, H), one
    orthogonal (H, H) block per gate (scaled by rho as well); e (H,) = 1 / sqrt(H), the loss L = e . h_T.
    """
    for name, value in (("steps", steps), ("hidden", hidden), ("inputs", inputs)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name}: expected an int >= 1, got {value!r}")
    if steps < 2:
        raise ValueError(f"steps: expected an int >= 2, got {steps!r}")
    rng = np.random.default_rng(seed)
    H, D, T = int(hidden), int(inputs), int(steps)
    data = {
        "Q": init.orthogonal((H, H), rng),
        "rnn_weight_ih": init.xavier_uniform((H, D), rng),
        "X": rng.standard_normal((T, D)),
        "lstm_weight_ih": init.xavier_uniform((4 * H, D), rng),
        "lstm_weight_hh": np.concatenate([init.orthogonal((H, H), rng) for _ in GATES]),
        "e": np.full(H, 1 / np.sqrt(H)),
    }
    return {k: v.tolist() for k, v in data.items()}


def _rnn_forward(x, h_prev, params, activation):
    """One RNN step with a choice of activation; tanh is lstmkit's own step. Returns h and a cache."""
    if activation == "tanh":
        h, cache = cells.rnn_step_forward(x, h_prev, params)
        return h, ("tanh", cache)
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    h = np.maximum(a, 0) if activation == "relu" else a
    return h, (activation, (a, params))


def _rnn_backward_state(dh, cache):
    """dL/dh_prev from dL/dh through one step of :func:`_rnn_forward`."""
    activation, inner = cache
    if activation == "tanh":
        return cells.rnn_step_backward(dh, inner)[1]
    a, params = inner
    da = dh * (a > 0) if activation == "relu" else dh
    return da @ params["weight_hh"]


def vanishing_values(state):
    """What the vanishing-gradient explorer shows: gradient norms against lag, RNN and LSTM.

    The loss is L = e . h_T. Back-propagation through time, with lstmkit's step functions, carries
    dL/dh_t (RNN, W_hh = rho Q, activation tanh, relu or linear) and dL/dh_t, dL/dc_t (standard LSTM,
    recurrent gate blocks scaled by rho, forget-gate bias ``forget_bias``) from t = T back to t = 1.
    state: rho, activation_index (0 tanh, 1 relu, 2 linear), forget_bias, data (see :func:`vanishing_data`).
    Returns a dict of lists of T floats indexed by the lag k = 0..T-1 (the gradient at step T - k):
    rnn_norm, lstm_h_norm, lstm_c_norm (lag 0: |e|, |e|, 0); and activation (its name).
    """
    _require(state, ["rho", "activation_index", "forget_bias", "data"], "vanishing_values")
    index = int(state["activation_index"])
    if not 0 <= index < len(ACTIVATIONS):
        raise ValueError(f"activation_index: expected 0, 1 or 2 ({', '.join(ACTIVATIONS)}), got {index!r}")
    activation = ACTIVATIONS[index]
    d = {k: np.asarray(v, dtype=float) for k, v in state["data"].items()}
    rho, T, H = float(state["rho"]), d["X"].shape[0], d["e"].shape[0]
    rnn_p = {"weight_ih": d["rnn_weight_ih"], "weight_hh": rho * d["Q"],
             "bias_ih": np.zeros(H), "bias_hh": np.zeros(H)}
    lstm_bias = np.zeros(4 * H)
    lstm_bias[H:2 * H] = float(state["forget_bias"])
    lstm_p = {"weight_ih": d["lstm_weight_ih"], "weight_hh": rho * d["lstm_weight_hh"],
              "bias_ih": lstm_bias, "bias_hh": np.zeros(4 * H)}
    h, hl, cl = np.zeros((1, H)), np.zeros((1, H)), np.zeros((1, H))
    rnn_caches, lstm_caches = [], []
    for t in range(T):
        x = d["X"][t:t + 1]
        h, cache = _rnn_forward(x, h, rnn_p, activation)
        rnn_caches.append(cache)
        hl, cl, cache = cells.lstm_step_forward(x, hl, cl, lstm_p)
        lstm_caches.append(cache)
    e = d["e"][None, :]
    dh, dhl, dcl = e.copy(), e.copy(), np.zeros((1, H))
    rnn_norm, lstm_h_norm, lstm_c_norm = [float(np.linalg.norm(e))], [float(np.linalg.norm(e))], [0.0]
    for t in range(T - 1, 0, -1):
        dh = _rnn_backward_state(dh, rnn_caches[t])
        _, dhl, dcl, _ = cells.lstm_step_backward(dhl, dcl, lstm_caches[t])
        rnn_norm.append(float(np.linalg.norm(dh)))
        lstm_h_norm.append(float(np.linalg.norm(dhl)))
        lstm_c_norm.append(float(np.linalg.norm(dcl)))
    return {"rnn_norm": rnn_norm, "lstm_h_norm": lstm_h_norm, "lstm_c_norm": lstm_c_norm,
            "activation": activation}


def variant_params():
    """The per-gate scalars shared by the variant switch's four cells (one unit, one input).

    lstm_w_x, lstm_w_h, lstm_b: 4 values each in gate order i, f, g, o; the coupled cell uses the i, g, o
    rows; the peephole cell adds peep_i = peep_f = peep_o = the ``peephole`` control. gru_w_x, gru_w_h,
    gru_b: 3 values each in gate order r, z, n; z is set up as the GRU's 'keep' gate, like f. The
    ``forget_bias`` control is added to the f bias and to the z bias.
    """
    return {"lstm_w_x": [2.0, 1.0, 2.0, 1.0], "lstm_w_h": [0.5, 0.5, 1.0, 0.5], "lstm_b": [0.0, 0.0, 0.0, 0.0],
            "gru_w_x": [1.0, -2.0, 2.0], "gru_w_h": [0.5, -0.5, 1.0], "gru_b": [0.0, 0.0, 0.0]}


def variant_patterns(steps=16, seed=0):
    """The input sequences of the variant switch, one list of ``steps`` floats per name in PATTERNS.

    pulse: 1 at step 1, then 0; step: 0 for the first quarter, then 1; sine: sin(2 pi t / 8);
    random: uniform on [-1, 1] from a seeded generator. The amplitude control multiplies them.
    """
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps: expected an int >= 1, got {steps!r}")
    t = np.arange(int(steps))
    rng = np.random.default_rng(seed)
    return [
        (t == 0).astype(float).tolist(),
        (t >= steps // 4).astype(float).tolist(),
        np.sin(2 * np.pi * t / 8).tolist(),
        rng.uniform(-1, 1, size=int(steps)).tolist(),
    ]


def _variant_cell_params(state, variant):
    P = {k: np.asarray(v, dtype=float) for k, v in state["params"].items()}
    if variant == "gru":
        bias = P["gru_b"].copy()
        bias[1] += float(state["forget_bias"])
        return {"weight_ih": P["gru_w_x"][:, None], "weight_hh": P["gru_w_h"][:, None],
                "bias_ih": bias, "bias_hh": np.zeros(3)}
    rows = [0, 2, 3] if variant == "coupled" else [0, 1, 2, 3]
    bias = P["lstm_b"].copy()
    bias[1] += float(state["forget_bias"])
    params = {"weight_ih": P["lstm_w_x"][rows, None], "weight_hh": P["lstm_w_h"][rows, None],
              "bias_ih": bias[rows], "bias_hh": np.zeros(len(rows))}
    if variant == "peephole":
        params.update({k: np.array([float(state["peephole"])]) for k in ("peep_i", "peep_f", "peep_o")})
    return params


def variant_values(state):
    """What the variant switch shows, computed with lstmkit's LSTM (three variants) and GRU steps.

    state: variant_index (into VARIANTS), pattern_index (into PATTERNS), amplitude, forget_bias, peephole,
    params (see :func:`variant_params`), patterns (see :func:`variant_patterns`).
    Returns a dict: x (the T inputs), selected (the variant's name), and for each name in VARIANTS a dict
    with h (T floats), c (T floats; empty for the GRU) and gates ({'i','f','g','o'} or {'r','z','n'}: T
    floats each; the coupled cell's f is 1 - i).
    """
    _require(state, ["variant_index", "pattern_index", "amplitude", "forget_bias", "peephole", "params",
                     "patterns"], "variant_values")
    xs = [float(state["amplitude"]) * float(v) for v in state["patterns"][int(state["pattern_index"])]]
    out = {"x": xs, "selected": VARIANTS[int(state["variant_index"])]}
    for variant in VARIANTS:
        params = _variant_cell_params(state, variant)
        names = ("r", "z", "n") if variant == "gru" else GATES
        run = {"h": [], "c": [], "gates": {k: [] for k in names}}
        h, c = np.zeros((1, 1)), np.zeros((1, 1))
        for x in xs:
            x = np.array([[x]])
            if variant == "gru":
                h, cache = cells.gru_step_forward(x, h, params)
            else:
                h, c, cache = cells.lstm_step_forward(x, h, c, params, peepholes=variant == "peephole",
                                                      coupled=variant == "coupled")
                run["c"].append(float(c[0, 0]))
            run["h"].append(float(h[0, 0]))
            for k in names:
                run["gates"][k].append(float(cache[k][0, 0]))
        out[variant] = run
    return out


# ========================================================================== views (anywidget models)
def _f(value, lo=None, hi=None):
    return traitlets.Float(value, min=lo, max=hi).tag(sync=True)


class GateView(anywidget.AnyWidget):
    """The gate explorer's view: one LSTM step, drawn and computed in the browser."""
    _esm = traitlets.Unicode(front_end("gate_explorer")).tag(sync=True)
    _css = traitlets.Unicode(_css()).tag(sync=True)
    x = _f(1.0)
    h_prev = _f(0.0)
    c_prev = _f(0.5)
    w_xi, w_xf, w_xg, w_xo = _f(1.0), _f(1.0), _f(1.5), _f(1.0)
    w_hi, w_hf, w_hg, w_ho = _f(0.5), _f(0.5), _f(1.0), _f(0.5)
    b_i, b_f, b_g, b_o = _f(0.0), _f(1.0), _f(0.0), _f(0.0)


class MemoryView(anywidget.AnyWidget):
    """The memory explorer's view: a stored value in the cell state against a tanh RNN."""
    _esm = traitlets.Unicode(front_end("memory_explorer")).tag(sync=True)
    _css = traitlets.Unicode(_css()).tag(sync=True)
    T = traitlets.Int(50, min=1, max=1000).tag(sync=True)
    f = _f(0.95, 0.0, 1.0)
    i = _f(0.5, 0.0, 1.0)
    v = _f(1.0)
    d = _f(0.0)
    w = _f(1.0)
    schedule = traitlets.Int(0, min=0, max=len(SCHEDULES) - 1).tag(sync=True)
    erase_step = traitlets.Int(25, min=2, max=1000).tag(sync=True)


class VanishingView(anywidget.AnyWidget):
    """The vanishing-gradient explorer's view: gradient norm against lag, RNN and LSTM."""
    _esm = traitlets.Unicode(front_end("vanishing_explorer")).tag(sync=True)
    _css = traitlets.Unicode(_css()).tag(sync=True)
    rho = _f(1.0, 0.0)
    activation_index = traitlets.Int(0, min=0, max=len(ACTIVATIONS) - 1).tag(sync=True)
    forget_bias = _f(1.0)
    data = traitlets.Dict().tag(sync=True)

    @traitlets.default("data")
    def _default_data(self):
        return vanishing_data()


class VariantView(anywidget.AnyWidget):
    """The variant switch's view: four cells on the same inputs."""
    _esm = traitlets.Unicode(front_end("variant_switch")).tag(sync=True)
    _css = traitlets.Unicode(_css()).tag(sync=True)
    variant_index = traitlets.Int(0, min=0, max=len(VARIANTS) - 1).tag(sync=True)
    pattern_index = traitlets.Int(0, min=0, max=len(PATTERNS) - 1).tag(sync=True)
    amplitude = _f(1.5)
    forget_bias = _f(1.0)
    peephole = _f(1.0)
    params = traitlets.Dict().tag(sync=True)
    patterns = traitlets.List().tag(sync=True)

    @traitlets.default("params")
    def _default_params(self):
        return variant_params()

    @traitlets.default("patterns")
    def _default_patterns(self):
        return variant_patterns()


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
    Every synced trait of the view is also an attribute of the explorer: ``ex.x = 0.3`` sets the view
    and its slider, ``ex.x`` reads the current value (a moved slider updates it when a kernel runs).
    """
    view_class = None
    twin = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.view_class.class_trait_names(sync=True):
            if name.startswith("_") or name in anywidget.AnyWidget.class_trait_names() or hasattr(cls, name):
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
        """The names of the view's values (its synced, public traits)."""
        return sorted(n for n in cls.view_class.class_trait_names(sync=True)
                      if not n.startswith("_") and n not in anywidget.AnyWidget.class_trait_names())

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
