"""Figures for the book, drawn with matplotlib. Every function takes an optional ``ax`` and
returns the axes it drew on, so that figures can be composed."""
from __future__ import annotations

import numpy as np

from .kinds import KINDS


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# ---------------------------------------------------------------------------------------------
# Finite-state machines (the Reber grammars)
# ---------------------------------------------------------------------------------------------
def _state_label(state):
    """A numbered state shows its number (in an embedded grammar, (branch, n) shows n); named ones are blank."""
    if isinstance(state, tuple):
        state = state[1]
    return "" if isinstance(state, str) else str(state)


def draw_machine(m, ax=None, *, radius=0.17, fontsize=10, title=None):
    """Draw a ``lstmkit.reber.Machine`` as a state diagram from its own definition: one circle
    per state at ``m.positions``, one labelled arrow per transition, self-loops as small loops.
    The start state is marked by an incoming arrow, the accept state by a double circle."""
    from matplotlib.patches import Circle, FancyArrowPatch

    xs = [p[0] for p in m.positions.values()]
    ys = [p[1] for p in m.positions.values()]
    ax = _axes(ax, (0.9 * (max(xs) - min(xs) + 1.5), 0.9 * (max(ys) - min(ys) + 1.6)))
    for state, (x, y) in m.positions.items():
        ax.add_patch(Circle((x, y), radius, fill=True, fc="white", ec="black", lw=1.2, zorder=3))
        if state == m.accept:
            ax.add_patch(Circle((x, y), radius * 0.75, fill=False, ec="black", lw=1.0, zorder=4))
        ax.text(x, y, _state_label(state), ha="center", va="center", fontsize=fontsize - 2, zorder=5)
    sx, sy = m.positions[m.start]
    ax.add_patch(FancyArrowPatch((sx - 0.6, sy), (sx - radius, sy), arrowstyle="-|>",
                                 mutation_scale=12, lw=1.2, color="black"))

    for state, sym, nxt, prob in m.edges():
        x0, y0 = m.positions[state]
        if nxt == state:  # self-loop above (or below) the state
            # the loop points away from the state's neighbours
            ny_ = [m.positions[n][1] for s_, _, n, _ in m.edges() if s_ == state and n != state]
            ny_ += [m.positions[s_][1] for s_, _, n, _ in m.edges() if n == state and s_ != state]
            up = 1 if y0 >= np.mean(ny_) else -1
            loop = FancyArrowPatch((x0 - radius * 0.7, y0 + up * radius * 0.7),
                                   (x0 + radius * 0.7, y0 + up * radius * 0.7),
                                   connectionstyle=f"arc3,rad={-2.2 * up}", arrowstyle="-|>",
                                   mutation_scale=10, lw=1.0, color="tab:blue")
            ax.add_patch(loop)
            ax.text(x0, y0 + up * (radius + 0.45), sym, ha="center", va="center",
                    fontsize=fontsize, color="tab:blue", fontweight="bold")
            continue
        x1, y1 = m.positions[nxt]
        d = np.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        # Bend an edge when the reverse edge exists too, so that both stay visible.
        reverse = any(s == nxt and n == state for s, _, n, _ in m.edges())
        rad = 0.25 if reverse else 0.0
        ax.add_patch(FancyArrowPatch((x0 + ux * radius, y0 + uy * radius),
                                     (x1 - ux * radius, y1 - uy * radius),
                                     connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                     mutation_scale=11, lw=1.0, color="black"))
        # Label at the middle, pushed sideways to the side the arc bends to.
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        nx, ny = uy, -ux
        off = 0.13 + rad * d / 2
        ax.text(mx + nx * off, my + ny * off, sym, ha="center", va="center", fontsize=fontsize,
                color="tab:red", fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------------
# Training results
# ---------------------------------------------------------------------------------------------
MODEL_STYLE = {name: kind.style for name, kind in KINDS.items()}
"""Line style of every model kind (:data:`lstmkit.kinds.KINDS`)."""


def _style(model, styles=None):
    """matplotlib keywords of a model's line: ``styles[model]`` when given, else its kind's style, else just its
    name as the label."""
    if styles and model in styles:
        return dict(styles[model])
    return dict(MODEL_STYLE.get(model, {"label": model}))


def plot_success_vs_lag(points, ax=None, *, xlabel="mean dependency length (steps between the two T/P)",
                        styles=None):
    """Success rate against dependency length.

    points: dict model -> list of (mean dependency length, success rate in [0, 1], runs). styles: optional dict
    model -> matplotlib keywords, for models that are not kinds (an LSTM with another forget bias).
    """
    ax = _axes(ax, (6, 3.6))
    for model, pts in points.items():
        pts = sorted(pts)
        style = _style(model, styles)
        ax.plot([p[0] for p in pts], [100 * p[1] for p in pts], lw=1.5, ms=7, **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("runs solved (%)")
    ax.set_ylim(-5, 105)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return ax


def plot_accuracy_by_lag(curves, ax=None, *, min_count=5):
    """Final T/P accuracy against the lag of each string.

    curves: dict model -> dict lag -> [correct, total] (summed over runs); lags with fewer than
    ``min_count`` strings are left out.
    """
    ax = _axes(ax, (6, 3.6))
    for model, by_lag in curves.items():
        lags = sorted(k for k, (_, n) in by_lag.items() if n >= min_count)
        acc = [100 * by_lag[k][0] / by_lag[k][1] for k in lags]
        style = _style(model)
        ax.plot(lags, acc, lw=1.5, ms=6, **style)
    ax.axhline(50, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("dependency length of the string (steps between the two T/P)")
    ax.set_ylabel("final T/P right (%)")
    ax.set_ylim(0, 105)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return ax


# ---------------------------------------------------------------------------------------------
# Inside the LSTM
# ---------------------------------------------------------------------------------------------
def plot_cell_over_string(strings, traces, ax=None, *, unit=None, ylabel="cell state c"):
    """One unit's trace over one or more strings, with the symbols on the x axis.

    strings: list of strings (the inputs, one symbol per step). traces: list of (len(string),)
    arrays, the unit's value after reading each symbol.
    """
    ax = _axes(ax, (7, 3.2))
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    for k, (s, tr) in enumerate(zip(strings, traces)):
        ax.plot(np.arange(len(tr)), tr, marker="o", ms=4, lw=1.6, color=colors[k % 4],
                label=f"{s}")
    n = max(len(tr) for tr in traces)
    longest = max(strings, key=len)
    ax.set_xticks(np.arange(n))
    if len(strings) == 2 and len(strings[0]) == len(strings[1]):
        ticks = [a if a == b else f"{a}/{b}" for a, b in zip(strings[0], strings[1])][:n]
    else:
        ticks = list(longest)[:n]
    ax.set_xticklabels(ticks)
    ax.axhline(0, color="gray", lw=0.8)
    ax.set_xlabel("input symbol")
    ax.set_ylabel(ylabel if unit is None else f"{ylabel} of unit {unit}")
    ax.legend(frameon=False, fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_sequences_vs_lag(points, ax=None, *, xlabel="mean dependency length (steps between the two T/P)",
                          styles=None):
    """Training sequences needed against dependency length.

    points: dict model -> list of (mean dependency length, median sequences of the solved runs or
    None when no run solved, budget). Unsolved points are drawn at the budget, hollow. styles: as in
    :func:`plot_success_vs_lag`.
    """
    ax = _axes(ax, (6, 3.6))
    for model, pts in points.items():
        pts = sorted(pts)
        style = _style(model, styles)
        xs = [p[0] for p in pts]
        ys = [p[1] if p[1] is not None else p[2] for p in pts]
        ax.plot(xs, ys, lw=1.5, ms=7, **style)
        for x, (_, med, budget) in zip(xs, pts):
            if med is None:
                ax.plot([x], [budget], marker="o", ms=11, mfc="none", mec=style.get("color", "k"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("median training sequences")
    ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False)
    return ax


# ---------------------------------------------------------------------------------------------
# Long time lags
# ---------------------------------------------------------------------------------------------
GRADIENT_LABELS = {"c": "through the cell state c", "h": "through the hidden state h", "x": "reaching the input x"}


def plot_gradient_through_time(curves, ax=None, *, keys=("c", "h"), title=None, styles=None):
    """Gradient norms (log scale) against steps back from the answer: a decay by a constant factor per step is a
    straight line (see :func:`lstmkit.gradflow.state_gradients`).

    curves: dict model -> {'steps_back': [...], 'c': [...], 'h': [...], 'x': [...]} (the LSTM alone has 'c').
    keys: which of them to draw; the first key a model has is drawn solid, the others dashed. styles: as in
    :func:`plot_success_vs_lag`.
    """
    ax = _axes(ax, (6, 3.6))
    for model, c in curves.items():
        style = _style(model, styles)
        drawn = [k for k in keys if k in c]
        for j, key in enumerate(drawn):
            s = dict(style, marker=None, ls="-" if j == 0 else "--",
                     label=f"{style.get('label', model)}, {GRADIENT_LABELS[key]}")
            ax.plot(c["steps_back"], np.maximum(c[key], 1e-300), lw=1.8, **s)
    ax.set_yscale("log")
    ax.set_xlabel("steps before the answer")
    ax.set_ylabel("gradient norm / its value at the answer")
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax
