"""The diagrams' colours, written once: each colour role has a value for a light and for a dark page.

The diagrams draw their lines and most of their text in ``currentColor`` (the page's text colour, so they follow
any theme), and fill their shapes with the roles below through CSS variables. :func:`css` writes the rules; the
dark values apply under the book's dark theme (``html[data-theme="dark"]``) and JupyterLab's dark themes
(``body[data-jp-theme-light="false"]``). :func:`contrast` is WCAG 2's contrast ratio, used by the tests to check
every text colour on every background it is drawn on.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    """One colour role: its value on a light page and on a dark page (``#rrggbb``), and what it is for."""

    light: str
    dark: str
    about: str


ROLES = {
    "layer": Role("#fbe3a1", "#4d3b06", "fill of a layer: weights and a nonlinearity (the yellow boxes)"),
    "op": Role("#f7d0d6", "#52222c", "fill of a pointwise operation (the pink circles)"),
    "panel": Role("#edf2f8", "#1c2533", "fill of the panel behind one cell"),
    "belt": Role("#1a5a96", "#7fb8ee", "the cell state (the conveyor belt) and its labels"),
    "accent": Role("#a8400b", "#ffa067", "what a stage adds (lines and labels)"),
    "gradient": Role("#6b3fa0", "#c9a8f0", "gradients flowing back"),
}
"""Colour roles of the diagrams' shapes and coloured text."""

PAGE = Role("#ffffff", "#14181e", "the page's background (the book's theme)")
INK = Role("#222832", "#ced6dd", "the page's text colour, which the diagrams' currentColor takes (the book's theme)")

TEXT_ON = {
    "ink": ("page", "panel", "layer", "op"),
    "belt": ("page", "panel"),
    "accent": ("page", "panel"),
    "gradient": ("page", "panel"),
}
"""Which text colour (key) may sit on which background (values): the pairs the diagrams use."""

DARK_SCOPES = ('html[data-theme="dark"] .lkd', 'body[data-jp-theme-light="false"] .lkd')


def css() -> str:
    """The style rules of every diagram (scoped to ``svg.lkd``): colour variables, then the classes."""
    light = ";".join(f"--lkd-{name}:{role.light}" for name, role in ROLES.items())
    dark = ";".join(f"--lkd-{name}:{role.dark}" for name, role in ROLES.items())
    rules = [
        f".lkd{{{light}}}",
        f"{', '.join(DARK_SCOPES)}{{{dark}}}",
        ".lkd text{fill:currentColor;font-family:inherit}",
        ".lkd .k-line{fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}",
        ".lkd .k-head{fill:currentColor}",
        ".lkd .k-layer{fill:var(--lkd-layer);stroke:currentColor;stroke-width:1.5}",
        ".lkd .k-op{fill:var(--lkd-op);stroke:currentColor;stroke-width:1.5}",
        ".lkd .k-panel{fill:var(--lkd-panel);stroke:currentColor;stroke-width:1;stroke-opacity:.45}",
        ".lkd .k-frame{fill:none;stroke:currentColor;stroke-width:1.5;stroke-dasharray:6 4}",
        ".lkd .k-dot{fill:currentColor}",
    ]
    for name in ("belt", "accent", "gradient"):
        rules += [f".lkd .c-{name}.k-line{{stroke:var(--lkd-{name})}}",
                  f".lkd .c-{name}.k-head, .lkd .c-{name}.k-dot, .lkd text.c-{name}{{fill:var(--lkd-{name})}}",
                  f".lkd .c-{name}.k-layer, .lkd .c-{name}.k-op{{stroke:var(--lkd-{name});stroke-width:3}}"]
    rules += [".lkd .k-line.w-thick{stroke-width:4}", ".lkd .k-line.dashed{stroke-dasharray:7 5}"]
    return "".join(rules)


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"hex_colour: expected '#rrggbb', got {hex_colour!r}")
    channels = [int(value[k:k + 2], 16) / 255 for k in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colour(role: str, mode: str) -> str:
    """The ``#rrggbb`` of a text or background role ('ink', 'page' or a key of ROLES) in 'light' or 'dark'."""
    if mode not in ("light", "dark"):
        raise ValueError(f"mode: expected 'light' or 'dark', got {mode!r}")
    found = {"ink": INK, "page": PAGE, **ROLES}.get(role)
    if found is None:
        raise ValueError(f"role: expected 'ink', 'page' or one of {sorted(ROLES)}, got {role!r}")
    return getattr(found, mode)
