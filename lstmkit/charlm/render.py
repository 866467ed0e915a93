"""Text coloured by a unit's activation, as HTML that reads the same in a light and a dark page.

Each character gets a background from a diverging scale: blue for negative values, orange for positive ones,
white for zero, in :data:`LEVELS` steps per side. The colours are fixed (text #111 on a light background) so the
block looks the same in both themes, and every step keeps a contrast ratio of at least 4.5:1 with the text
(WCAG 2 AA; :func:`contrast_ratio` checks it). Colour is not the only carrier: the figure's caption has a
legend with numbers and a summary in words, which is also the figure's description for screen readers.
"""
from __future__ import annotations

import html

import numpy as np

LEVELS = 4
NEGATIVE, POSITIVE = (0x7F, 0xB2, 0xE0), (0xF5, 0xA2, 0x6B)
TEXT = (0x11, 0x11, 0x11)


def _mix(rgb, frac):
    return tuple(round(255 + (c - 255) * frac) for c in rgb)


def colour(value: float, vmax: float) -> str:
    """The background of ``value`` on a scale from -vmax (full blue) to +vmax (full orange), as #rrggbb."""
    level = int(np.clip(round(abs(value) / vmax * LEVELS), 0, LEVELS)) if vmax > 0 else 0
    rgb = _mix(POSITIVE if value > 0 else NEGATIVE, level / LEVELS)
    return "#%02x%02x%02x" % rgb


def _luminance(rgb) -> float:
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two (r, g, b) colours (0-255)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _runs(text: str, colours: list[str]):
    """(text, colour) pieces of consecutive characters of the same colour."""
    start = 0
    for k in range(1, len(text) + 1):
        if k == len(text) or colours[k] != colours[start]:
            yield text[start:k], colours[start]
            start = k


def highlight(text: str, values, *, vmax: float | None = None, label: str, summary: str, ident: str) -> str:
    """HTML of ``text`` in a <pre> block, each character on the background of its value in ``values``
    (one per character), with a legend and a visible summary that screen readers get as the block's
    description. label: what the values are (e.g. 'cell 3 of layer 2'); ident: a unique id prefix."""
    values = np.asarray(values, np.float64)
    if values.shape != (len(text),):
        raise ValueError(f"values: expected one value per character, shape ({len(text)},), got {values.shape}")
    vmax = float(np.abs(values).max()) if vmax is None else float(vmax)
    colours = [colour(v, vmax) for v in values]
    fg = "#%02x%02x%02x" % TEXT
    spans = "".join(f'<span style="background:{c}">{html.escape(piece)}</span>' for piece, c in _runs(text, colours))
    legend = "".join(f'<span style="background:{colour(v, vmax)};color:{fg};padding:0 0.4em">{v:+.2f}</span>'
                     for v in np.linspace(-vmax, vmax, 2 * LEVELS + 1))
    return (f'<figure class="cell-highlight" aria-describedby="{ident}-summary" style="margin:0.5em 0">'
            f'<pre tabindex="0" style="background:#ffffff;color:{fg};line-height:1.35;padding:0.6em;'
            f'overflow-x:auto;border:1px solid #767676">{spans}</pre>'
            f'<figcaption><span style="font-size:0.9em">{html.escape(label)}: the value after each character, '
            f'blue negative, orange positive: </span>{legend}'
            f'<span id="{ident}-summary" style="display:block;margin-top:0.2em">{html.escape(summary)}</span>'
            f'</figcaption></figure>')
