"""A small SVG writer for the book's diagrams: shapes, arrows, line hops and labels with subscripts.

Coordinates are user units of the diagram's ``viewBox``; the SVG scales to the width of its container (a phone
included) and keeps its proportions. Every text element records what it is drawn on (``data-on``: 'page',
'panel', 'layer' or 'op') and its colour role, so the tests can check its contrast in both themes.

    >>> c = Canvas(200, 100)
    >>> c.layer(100, 50, "σ", gate="f")
    >>> d = c.diagram("demo", "A sigmoid layer.")
    >>> d.gates
    ('f',)
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from .style import css

LABEL = re.compile(r"_\{([^}]*)\}|_(.)|\^\{([^}]*)\}|\^(.)")


@dataclass(frozen=True)
class Diagram:
    """A finished diagram: its name (ids and file names), its alt text, the SVG markup and, for cell
    diagrams, the gate blocks it draws, from left to right."""

    name: str
    alt: str
    svg: str
    gates: tuple = ()

    def _repr_html_(self) -> str:
        return self.svg

    def save(self, path) -> None:
        """Write the SVG to ``path`` (a standalone file: it carries its own styles)."""
        with open(path, "w", encoding="utf8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + self.svg.replace(
                "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def label_markup(text: str, size: float) -> str:
    """'h_{t-1}' -> h with a subscript t-1 (tspans); '_x' and '^{...}' likewise. Escapes the rest."""
    out, pos, shift = [], 0, 0.0
    for m in LABEL.finditer(text):
        between = html.escape(text[pos:m.start()])
        if between and shift:
            out.append(f'<tspan dy="{-shift:.1f}">{between}</tspan>')
            shift = 0.0
        else:
            out.append(between)
        sub = m.group(1) if m.group(1) is not None else m.group(2)
        sup = m.group(3) if m.group(3) is not None else m.group(4)
        dy = 0.3 * size if sub is not None else -0.4 * size
        piece = sub if sub is not None else sup
        out.append(f'<tspan dy="{dy - shift:.1f}" font-size="{0.72 * size:.1f}">{html.escape(piece)}</tspan>')
        shift = dy
        pos = m.end()
    rest = html.escape(text[pos:])
    if rest:
        out.append(f'<tspan dy="{-shift:.1f}">{rest}</tspan>' if shift else rest)
    return "".join(out)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


class Canvas:
    """Collects the elements of one diagram of ``width`` x ``height`` user units."""

    def __init__(self, width: float, height: float, *, font: float = 20):
        if width <= 0 or height <= 0:
            raise ValueError(f"width, height: expected positive sizes, got {width!r}, {height!r}")
        self.width, self.height, self.font = width, height, font
        self.items: list[str] = []
        self.gates: list[tuple[float, str]] = []       # (x of the block's centre, gate name)

    # ------------------------------------------------------------------ lines
    def path(self, points, *, color: str = "", arrow: bool = True, thick: bool = False, dashed: bool = False,
             hops=(), arc: str = "") -> None:
        """A polyline through ``points`` [(x, y), ...], with an arrowhead at its end unless ``arrow`` is False.

        hops: points where this line jumps over another one (a small half circle); each must lie on a
        horizontal or vertical segment. arc: an SVG path appended instead of straight segments (loops)."""
        if len(points) < 2 and not arc:
            raise ValueError(f"points: expected at least two points, got {points!r}")
        d = [f"M{_fmt(points[0][0])} {_fmt(points[0][1])}"]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for hx, hy in sorted(self._hops_on((x0, y0), (x1, y1), hops),
                                 key=lambda p: abs(p[0] - x0) + abs(p[1] - y0)):
                d.append(self._hop(x0, y0, x1, y1, hx, hy))
            d.append(f"L{_fmt(x1)} {_fmt(y1)}")
        if arc:
            d.append(arc)
        cls = "k-line" + (f" c-{color}" if color else "") + (" w-thick" if thick else "") + \
            (" dashed" if dashed else "")
        self.items.append(f'<path class="{cls}" d="{" ".join(d)}"/>')
        if arrow and len(points) >= 2:
            self.head(points[-2], points[-1], color=color, big=thick)

    @staticmethod
    def _hops_on(p, q, hops):
        (x0, y0), (x1, y1) = p, q
        found = []
        for hx, hy in hops:
            if y0 == y1 == hy and min(x0, x1) < hx < max(x0, x1):
                found.append((hx, hy))
            elif x0 == x1 == hx and min(y0, y1) < hy < max(y0, y1):
                found.append((hx, hy))
        return found

    @staticmethod
    def _hop(x0, y0, x1, y1, hx, hy, r=6.0):
        if y0 == y1:
            s = 1 if x1 > x0 else -1
            return f"L{_fmt(hx - s * r)} {_fmt(hy)} A{r} {r} 0 0 {1 if s > 0 else 0} {_fmt(hx + s * r)} {_fmt(hy)}"
        s = 1 if y1 > y0 else -1
        return f"L{_fmt(hx)} {_fmt(hy - s * r)} A{r} {r} 0 0 {0 if s > 0 else 1} {_fmt(hx)} {_fmt(hy + s * r)}"

    def head(self, p, q, *, color: str = "", big: bool = False) -> None:
        """An arrowhead at ``q`` pointing along p -> q."""
        (x0, y0), (x1, y1) = p, q
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        size, half = (13, 6.5) if big else (10, 5)
        bx, by = x1 - ux * size, y1 - uy * size
        pts = [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]
        cls = "k-head" + (f" c-{color}" if color else "")
        self.items.append(f'<polygon class="{cls}" points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts)}"/>')

    def dot(self, x: float, y: float, *, color: str = "") -> None:
        """A junction: the line forks (the vector is copied)."""
        self.items.append(f'<circle class="k-dot{f" c-{color}" if color else ""}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="4"/>')

    # ------------------------------------------------------------------ shapes
    def panel(self, x: float, y: float, w: float, h: float, *, frame: bool = False) -> None:
        """The rounded panel behind a cell (``frame``: a dashed outline only)."""
        cls = "k-frame" if frame else "k-panel"
        self.items.append(f'<rect class="{cls}" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}" '
                          f'rx="14"/>')

    def layer(self, x: float, y: float, text: str, *, w: float = 58, h: float = 40, gate: str = "",
              color: str = "") -> None:
        """A layer box centred at (x, y): weights and a nonlinearity; ``gate`` names the block it computes."""
        attrs = f' data-gate="{gate}"' if gate else ""
        if gate:
            self.gates.append((x, gate))
        cls = "k-layer" + (f" c-{color}" if color else "")
        self.items.append(f'<rect class="{cls}"{attrs} x="{_fmt(x - w / 2)}" y="{_fmt(y - h / 2)}" '
                          f'width="{_fmt(w)}" height="{_fmt(h)}" rx="6"/>')
        self.text(x, y, text, on="layer")

    def op(self, x: float, y: float, text: str, *, r: float = 15, color: str = "", wide: float = 0) -> None:
        """A pointwise operation centred at (x, y): a circle (× +), or a rounded box ``wide`` units wide."""
        cls = "k-op" + (f" c-{color}" if color else "")
        if wide:
            self.items.append(f'<rect class="{cls}" x="{_fmt(x - wide / 2)}" y="{_fmt(y - r)}" width="{_fmt(wide)}" '
                              f'height="{_fmt(2 * r)}" rx="{_fmt(r)}"/>')
        else:
            self.items.append(f'<circle class="{cls}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}"/>')
        self.text(x, y, text, on="op", size=self.font if len(text) > 1 else self.font + 2)

    def text(self, x: float, y: float, text: str, *, on: str = "page", color: str = "", size: float = 0,
             anchor: str = "middle", italic: bool = False) -> None:
        """A label centred vertically at (x, y); ``on`` says what it is drawn on (for the contrast checks)."""
        if on not in ("page", "panel", "layer", "op"):
            raise ValueError(f"on: expected 'page', 'panel', 'layer' or 'op', got {on!r}")
        size = size or self.font
        cls = f' class="c-{color}"' if color else ""
        style = ' font-style="italic"' if italic else ""
        self.items.append(f'<text{cls} data-on="{on}" data-color="{color or "ink"}" x="{_fmt(x)}" '
                          f'y="{_fmt(y + 0.35 * size)}" font-size="{_fmt(size)}" text-anchor="{anchor}"{style}>'
                          f"{label_markup(text, size)}</text>")

    # ------------------------------------------------------------------ result
    def diagram(self, name: str, alt: str) -> Diagram:
        """The SVG of everything drawn so far; ``alt`` is its text alternative (what it shows, in words)."""
        if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            raise ValueError(f"name: expected lower-case letters, digits and dashes, got {name!r}")
        if len(alt.split()) < 8:
            raise ValueError(f"alt: expected a sentence or more that says what the diagram shows, got {alt!r}")
        ident = f"lkd-{name}"
        gates = tuple(dict.fromkeys(g for _, g in sorted(self.gates, key=lambda p: p[0])))
        svg = (f'<svg class="lkd" id="{ident}" role="img" aria-labelledby="{ident}-title" '
               f'viewBox="0 0 {_fmt(self.width)} {_fmt(self.height)}" '
               f'style="width:100%;max-width:{_fmt(1.15 * self.width)}px;height:auto;display:block;margin:0 auto" '
               f'font-size="{_fmt(self.font)}" data-diagram="{name}" data-gates="{" ".join(gates)}">'
               f'<title id="{ident}-title">{html.escape(alt)}</title><style>{css()}</style>'
               + "".join(self.items) + "</svg>")
        return Diagram(name, alt, svg, gates)
