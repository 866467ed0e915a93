"""Cut the theme's Font Awesome icons down to those the built site shows.

pydata-sphinx-theme ships Font Awesome 6's full solid, regular and brands fonts (about 300 kB of WOFF2), a
1.5 MB script (removed from the pages: :mod:`.assets`) and, in its stylesheet, one rule per icon class mapping it
to a code point (``.fa-bars:before{content:"\\f0c9"}``, 1,900 rules, 87 kB); the site shows some twenty icons.
The icons kept: every ``fa-*`` class that appears in a page or in the theme's scripts, and every code point the
stylesheets use outside the icon-class rules (admonition icons, external-link marks). The fonts are rewritten
with only those glyphs (fontTools, from the theme's original files), the stylesheet without the other icons'
rules.
"""
from __future__ import annotations

import re
from pathlib import Path

STYLESHEETS = ("_static/styles/pydata-sphinx-theme.css", "_static/styles/sphinx-book-theme.css")
SCRIPTS = "_static/scripts/*.js"
FONT_DIR = "_static/vendor/fontawesome/webfonts"
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
CONTENT = re.compile(r'content:\s*"\\([0-9a-fA-F]{4,5})"')
ESCAPE = re.compile(r'\\([0-9a-fA-F]{4,5})(?![0-9a-fA-F])')
ICON_SELECTOR = re.compile(r"^\.(fa-[a-z0-9-]+):{1,2}before$")
ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")


def private_use(text: str) -> set[int]:
    """Icon code points in CSS text: escapes (``"\\f0c9"``) and literal private-use characters."""
    codes = {int(h, 16) for h in ESCAPE.findall(text)} | {ord(ch) for ch in text}
    return {c for c in codes if 0xE000 <= c <= 0xF8FF or 0xF0000 <= c <= 0xFFFFD}


def icon_map(css: str) -> tuple[dict[str, int], set[int]]:
    """({icon class: code point}, the icon code points every other rule names: in ``content``, in custom
    properties such as ``--pst-icon-lightbulb``) of a stylesheet."""
    icons, other = {}, set()
    for selectors, body in RULE.findall(css):
        codes = private_use(body)
        if not codes:
            continue
        names = [ICON_SELECTOR.match(s.strip()) for s in selectors.split(",")]
        found = CONTENT.search(body)
        if all(names) and found:
            icons.update({m.group(1): int(found.group(1), 16) for m in names})
        else:
            other |= codes
    return icons, other


def used_icon_names(site: Path, pages: list[Path]) -> set[str]:
    texts = [p.read_text(encoding="utf8") for p in pages]
    texts += [p.read_text(encoding="utf8") for p in site.glob(SCRIPTS) if p.name != "fontawesome.js"]
    return {name for text in texts for name in ICON_CLASS.findall(text)}


def drop_unused_icon_rules(css: str, names: set[str]) -> str:
    """The stylesheet without the icon-class rules (``.fa-x:before{content:...}``) of icons not in ``names``."""
    def rule(match):
        selectors, body = match.group(1), match.group(2)
        found = [ICON_SELECTOR.match(s.strip()) for s in selectors.split(",")]
        if CONTENT.search(body) and all(found) and not any(m.group(1) in names for m in found):
            return ""
        return match.group(0)

    return RULE.sub(rule, css)


def used_code_points(site: Path, names: set[str]) -> set[int]:
    icons, codes = {}, set()
    for sheet in STYLESHEETS:
        original = theme_file(sheet)
        path = original if original.exists() else site / sheet      # sphinx-book-theme's sheet is its own
        if path.exists():
            sheet_icons, sheet_other = icon_map(path.read_text(encoding="utf8"))
            icons.update(sheet_icons)
            codes |= sheet_other
    return codes | {icons[n] for n in names if n in icons}


def theme_file(rel: str) -> Path:
    """A file of the theme as the theme ships it (``rel`` as in the site: ``_static/...``); the site's copy may
    already be cut down by an earlier build."""
    import pydata_sphinx_theme

    return (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
            / rel.removeprefix("_static/"))


def subset_font(path: Path, codes: set[int]) -> None:
    """Write the subset of the theme's font ``path.name`` holding ``codes`` to ``path`` (WOFF2 or TTF)."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)

    font = TTFont(theme_file(f"{FONT_DIR}/{path.name}"))
    keep = codes & set(font.getBestCmap())
    options = subset.Options()
    options.flavor = "woff2" if path.suffix == ".woff2" else None
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(keep) or [0x20])
    subsetter.subset(font)
    font.flavor = options.flavor
    font.save(path)


def cut_icons(site: Path, pages: list[Path]) -> str:
    """Rewrite the theme's Font Awesome fonts under ``site`` with only the icons the site uses; returns the
    theme's stylesheet, read as the theme ships it, without the rules of the other icons."""
    names = used_icon_names(site, pages)
    codes = used_code_points(site, names)
    folder = site / FONT_DIR
    for font in sorted(folder.glob("fa-*")) if folder.is_dir() else []:
        if font.suffix in (".woff2", ".ttf"):
            subset_font(font, codes)
    return drop_unused_icon_rules(theme_file(STYLESHEETS[0]).read_text(encoding="utf8"), names)
