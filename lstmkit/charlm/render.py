"""Text coloured by a unit's activation, as HTML that follows the page's light or dark theme.

Each character gets a background from a diverging scale: blue for negative values, orange for positive ones,
none for values near zero, in :data:`LEVELS` steps per side. There is one palette per theme (:data:`PALETTES`;
the dark one applies under ``html[data-theme=dark]``, as the book's theme sets it), and in each every step keeps a
contrast ratio of at least 4.5:1 with the text (WCAG 2 AA; :func:`contrast_ratio` checks it). Colour is not the
only carrier: the figure's caption has a legend with numbers and a summary in words, which is also the figure's
description for screen readers.
"""
from __future__ import annotations

import html

import numpy as np

LEVELS = 4
PALETTES = {
    "light": {"text": (0x11, 0x11, 0x11), "base": (0xFF, 0xFF, 0xFF), "neg": (0x7F, 0xB2, 0xE0),
              "pos": (0xF5, 0xA2, 0x6B)},
    "dark": {"text": (0xEE, 0xEE, 0xEE), "base": (0x12, 0x12, 0x12), "neg": (0x1F, 0x4E, 0x85),
             "pos": (0x8A, 0x44, 0x10)},
}
"""text colour, page background (level 0) and the full colours of the negative and positive ends, per theme."""


def level(value: float, vmax: float) -> int:
    """-LEVELS .. LEVELS: the step of ``value`` on a scale from -vmax to +vmax."""
    if not vmax > 0:
        return 0
    return int(np.clip(round(value / vmax * LEVELS), -LEVELS, LEVELS))


def colour(k: int, theme: str = "light") -> tuple:
    """(r, g, b) of step k (-LEVELS .. LEVELS) in ``theme``: the base mixed with the end colour by |k| / LEVELS."""
    p = PALETTES[theme]
    end = p["pos"] if k > 0 else p["neg"]
    frac = abs(k) / LEVELS
    return tuple(round(b + (e - b) * frac) for b, e in zip(p["base"], end))


def _luminance(rgb) -> float:
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two (r, g, b) colours (0-255)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(rgb)


def _cls(k: int) -> str:
    return f"lk-hl-{'p' if k > 0 else 'n'}{abs(k)}" if k else ""


def stylesheet() -> str:
    """The CSS of both palettes (class names lk-hl-n1 .. lk-hl-p4 on the characters and the legend): every
    coloured span sets its own text colour, so the caption's muted colour never sits on a coloured step."""
    rules = []
    for theme, scope in (("light", ""), ("dark", "html[data-theme=dark] ")):
        text = _hex(PALETTES[theme]["text"])
        rules.append(f"{scope}.lk-hl pre{{color:{text}}}")
        for k in [*range(-LEVELS, 0), *range(1, LEVELS + 1)]:     # the legend in the caption too
            rules.append(f"{scope}.lk-hl .{_cls(k)}{{background:{_hex(colour(k, theme))};color:{text}}}")
    return "<style>" + "".join(rules) + "</style>"


def _runs(text: str, steps: list[int]):
    """(text, step) pieces of consecutive characters on the same step."""
    start = 0
    for k in range(1, len(text) + 1):
        if k == len(text) or steps[k] != steps[start]:
            yield text[start:k], steps[start]
            start = k


def _span(piece: str, k: int) -> str:
    return f'<span class="{_cls(k)}">{html.escape(piece)}</span>' if k else html.escape(piece)


def highlight(text: str, values, *, center: float = 0.0, vmax: float | None = None, label: str, summary: str,
              ident: str) -> str:
    """HTML of ``text`` in a <pre> block, each character on the background of its value in ``values``
    (one per character), with a legend and a visible summary that screen readers get as the figure's
    description. The scale runs from center - vmax (full blue) to center + vmax (full orange); vmax defaults
    to the largest |value - center|. label: what the values are (e.g. 'layer 2, cell 3'); ident: a unique id
    prefix."""
    values = np.asarray(values, np.float64)
    if values.shape != (len(text),):
        raise ValueError(f"values: expected one value per character, shape ({len(text)},), got {values.shape}")
    vmax = float(np.abs(values - center).max()) if vmax is None else float(vmax)
    steps = [level(v - center, vmax) for v in values]
    body = "".join(_span(piece, k) for piece, k in _runs(text, steps))
    legend = " ".join(f'<span class="{_cls(k)}" style="padding:0 0.3em">{center + k * vmax / LEVELS:+.2f}</span>'
                      for k in range(-LEVELS, LEVELS + 1))
    return (f'<figure class="lk-hl" aria-describedby="{ident}-summary" style="margin:0.5em 0">'
            f'<pre tabindex="0" style="background:transparent;color:inherit;line-height:1.35;padding:0.6em;'
            f'overflow-x:auto;border:1px solid #767676">{body}</pre>'
            f'<figcaption>{html.escape(label)}: the value after each character, bluer below {center:+.2f}, '
            f'oranger above: '
            f'{legend}<span id="{ident}-summary" style="display:block;margin-top:0.2em">{html.escape(summary)}'
            f'</span></figcaption></figure>')
