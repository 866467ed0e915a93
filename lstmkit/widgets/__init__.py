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
no kernel. Each view here is an ``anywidget`` whose front end (``js/``, inlined into the widget's state, no
network needed) computes everything itself, and every control is tied to the view with
``ipywidgets.jslink``, a link the browser keeps without Python. So the explorers move in JupyterLab with
a kernel, in the built book without one, and offline.

The package, one idea a module:

================  =====================================================================================
``schema``        each explorer's state (names, types, defaults, ranges, fixed data), written once
``twins``         the numpy twins of the JavaScript: what each view shows, computed with lstmkit's cells
``views``         the anywidget views, their traits made from the schema, and their front ends
``explorers``     controls + view: :class:`Explorer` and the four explorers
``js/``           the front end: ``lstm_math.js`` (the maths), ``ui.js`` (drawing), one file per explorer
================  =====================================================================================

The Python side stays in charge of the values: every name of an explorer's schema is a synced trait of
its view, readable and settable from Python (``ex = GateExplorer(); ex.x = 0.5; ex.values()["f"]``), and
:meth:`Explorer.values` computes what the view shows with lstmkit's numpy cells. The functions
:func:`gate_values`, :func:`memory_values`, :func:`vanishing_values` and :func:`variant_values` are the
numpy twins of the JavaScript (``tests/widgets/test_widgets_math.py`` checks that both agree to 1e-9).
"""
from .explorers import Explorer, GateExplorer, MemoryExplorer, VanishingExplorer, VariantSwitch
from .schema import ACTIVATIONS, GATES, PATTERNS, SCHEDULES, VARIANTS, vanishing_data, variant_params, \
    variant_patterns
from .twins import gate_params, gate_values, memory_values, vanishing_values, variant_values
from .views import JS_DIR, front_end

__all__ = [
    "GateExplorer", "MemoryExplorer", "VanishingExplorer", "VariantSwitch",
    "gate_values", "memory_values", "vanishing_values", "variant_values",
    "vanishing_data", "variant_params", "variant_patterns", "front_end",
]
