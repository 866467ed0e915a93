"""The report's plots as inline SVG: no script, no font or file to fetch, colours from the page's CSS.

Each plot is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (what it shows, in words, with the
main numbers), so a screen reader announces it; the numbers are also in a table next to it on the page.
``plot_id`` (unique on the page) prefixes the ids inside.
Colours come from CSS classes (``bar``, ``full``, ``partial``, ``zero``, ``waiting``, ``axis``, ``label``)
that the page defines for light and dark mode (:mod:`.html`).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

from .data import Histogram

WIDTH = 560
FONT = 13                       # px, the labels' size (the page's CSS sets the family)


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label and its segments (value, CSS class) drawn end to end."""

    label: str
    segments: tuple[tuple[float, str], ...]
    note: str = ""                  # printed after the bar (e.g. "12 students, 20%")


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value - round(value)) > 1e-9 else f"{int(round(value))}"


def _svg(plot_id: str, title: str, desc: str, height: int, body: list[str]) -> str:
    n = escape(plot_id)
    return (f'<svg class="plot" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{n}-t {n}-d">'
            f'<title id="{n}-t">{escape(title)}</title><desc id="{n}-d">{escape(desc)}</desc>'
            + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "label") -> str:
    return (f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT}">'
            f'{escape(text)}</text>')


def _rect(x: float, y: float, w: float, h: float, cls: str) -> str:
    return f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}"/>'


def histogram(plot_id: str, hist: Histogram, title: str, desc: str, x_label: str, y_label: str = "students",
              edge_fmt=_fmt) -> str:
    """Vertical bars, one per bin, labelled by the bin's lower edge; the count above each bar."""
    height, left, bottom, top = 240, 48, 44, 18
    plot_w, plot_h = WIDTH - left - 12, height - bottom - top
    n = max(len(hist.counts), 1)
    peak = max(hist.counts, default=0) or 1
    slot = plot_w / n
    body = [f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>']
    for k, count in enumerate(hist.counts):
        h = plot_h * count / peak
        x = left + k * slot
        body.append(_rect(x + 1, top + plot_h - h, slot - 2, h, "bar"))
        if count:
            body.append(_text(x + slot / 2, top + plot_h - h - 4, str(count), "middle"))
        if n <= 12 or k % 2 == 0:
            body.append(_text(x + slot / 2, top + plot_h + 15, edge_fmt(hist.edges[k]), "middle"))
    body.append(_text(left + plot_w / 2, height - 8, x_label, "middle"))
    body.append(f'<text class="label" x="12" y="{top + plot_h / 2:.1f}" font-size="{FONT}" text-anchor="middle" '
                f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>')
    return _svg(plot_id, title, desc, height, body)


def bars(plot_id: str, rows: Sequence[Bar], title: str, desc: str, label_width: int = 210) -> str:
    """Horizontal bars, one row each, scaled to the longest row; each row's label on its left and its note on
    its right."""
    row_h, top = 22, 6
    note_w = 100
    plot_w = WIDTH - label_width - note_w - 8
    peak = max((sum(v for v, _ in r.segments) for r in rows), default=0) or 1
    body = []
    for i, row in enumerate(rows):
        y = top + i * row_h
        body.append(_text(label_width - 6, y + 15, row.label, "end"))
        x = float(label_width)
        for value, cls in row.segments:
            w = plot_w * value / peak
            body.append(_rect(x, y + 3, w, row_h - 6, cls))
            x += w
        if row.note:
            body.append(_text(x + 6, y + 15, row.note))
    return _svg(plot_id, title, desc, top * 2 + row_h * max(len(rows), 1), body)
