"""Each page loads only what it uses; the theme's markup fixed where screen readers or axe-core trip on it.

Per page (``html-page-context``, after myst-nb added its files):

- sphinx-thebe's config script and files are dropped: the book has no live kernel (``launch_buttons.thebe``
  is false) and the extension writes ``const THEBE_JS_URL`` twice, a page error on every page;
- sphinx-design's, sphinx-togglebutton's, sphinx-copybutton's, myst-nb's and Pygments' files are kept only
  on pages that have such elements (a ``sd-`` class, a toggle, a code block, a notebook cell, highlighted
  code);
- the saved widget state loses the null style properties of Layout models, and its optional spaces;
- citations get the list-item role (docutils writes the deprecated ``doc-biblioentry``); folded code cells'
  ``<summary>`` lose an ``aria-label`` that hid their visible text.

After the build (``build-finished``), every HTML page is rewritten: the theme's Font Awesome script (1.5 MB of
JavaScript that swaps icons for SVGs) is removed, the icons are drawn by the theme's CSS with its web fonts,
and those fonts and rules are cut down to the icons the site uses (:mod:`.icons`); buttons whose visible text is
more than their ``aria-label`` lose the label, so their name is what they show (WCAG 2.5.3).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import bundles, icons

# (file name part, what must be in the page's body for the file to be kept)
OPTIONAL = [
    ("sphinx-design", re.compile(r'class="[^"]*\bsd-')),
    ("design-tabs.js", re.compile(r'class="[^"]*\bsd-tab')),
    ("togglebutton", re.compile(r'class="[^"]*\b(toggle|dropdown)\b(?!-)')),
    ("toggleHint", re.compile(r'class="[^"]*\b(toggle|dropdown)\b(?!-)')),          # its settings,
    ("toggleOpenOnPrint", re.compile(r'class="[^"]*\b(toggle|dropdown)\b(?!-)')),   # inline scripts
    ("copybutton", re.compile(r"<pre")),
    ("clipboard.min.js", re.compile(r"<pre")),
    ("mystnb.", re.compile(r'class="[^"]*\bcell\b')),
    ("pygments.css", re.compile(r'class="highlight')),
]
DROPPED = ("sphinx-thebe", "THEBE_JS_URL")

FONTAWESOME_TAGS = re.compile(
    r'\s*<!-- So that users can add custom icons -->\s*'
    r'<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
# a button whose aria-label hides the text it shows ("Search" for "Search Ctrl+K")
LABELLED_TEXT_BUTTON = re.compile(r'(<button class="[^"]*\bsearch-button-field\b[^"]*"[^>]*?) aria-label="[^"]*"')


def _asset_name(asset) -> str:
    name = str(getattr(asset, "filename", None) or "")
    body = getattr(asset, "attributes", {}).get("body", "") or ""
    return f"{name} {body[:200]}"


def keep(asset, body: str) -> bool:
    """Whether a script or stylesheet of the page is needed, given the page's body HTML."""
    name = _asset_name(asset)
    if any(d in name for d in DROPPED):
        return False
    for part, needed in OPTIONAL:
        if part in name:
            return bool(needed.search(body))
    return True


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def compact_widget_state(text: str) -> str:
    """The saved widget state without the null style properties of Layout models (their defaults in the widget
    library are all null, so the widgets come out the same) and without JSON's optional spaces."""
    state = json.loads(text)
    for model in state.get("state", {}).values():
        if model.get("model_name") == "LayoutModel":
            model["state"] = {k: v for k, v in model["state"].items() if v is not None or k.startswith("_")}
    return json.dumps(state, separators=(",", ":")).replace("</", "<\\/")


def prune_page_assets(app, pagename, templatename, context, doctree):
    """html-page-context: drop the scripts and stylesheets the page does not use; fix citation roles."""
    body = context.get("body", "")
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if files is not None:
            files[:] = [f for f in files if keep(f, body)]
    scripts = context.get("script_files") or []
    for k, script in enumerate(scripts):
        if script.attributes.get("type") == WIDGET_STATE and script.attributes.get("body"):
            attributes = dict(script.attributes, body=compact_widget_state(script.attributes["body"]))
            scripts[k] = type(script)(script.filename, priority=script.priority, **attributes)
    if body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        # myst-nb's folded code: the summary's label hid its visible text ("Show code cell source")
        context["body"] = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")


def fix_page(html: str) -> str:
    """The theme's markup on one built page, fixed (see the module's docstring)."""
    html = FONTAWESOME_TAGS.sub("", html)
    return LABELLED_TEXT_BUTTON.sub(r"\1", html)


def finish(app, exception):
    """build-finished: fix the pages, cut the icons to what they use, then merge and trim the assets."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    pages = [p for p in out.rglob("*.html") if p.relative_to(out).parts[0] not in ("_static", "_sources")]
    for page in pages:
        text = page.read_text(encoding="utf8")
        fixed = fix_page(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf8")
    bundles.bundle_site(out, pages, icons.cut_icons(out, pages))


def every_page(app, env, added, changed, removed):
    """env-get-outdated: every page is read and written again at each build (cheap: the notebooks' outputs come
    from the execution cache), so that the site-wide steps after the build (merged assets, the maths' stylesheet,
    the cut icons) always see every page as this build writes it."""
    return sorted(env.found_docs)


def setup(app):
    app.connect("env-get-outdated", every_page)
    app.connect("html-page-context", prune_page_assets, priority=900)
    app.connect("build-finished", finish, priority=900)   # after myst-nb writes its CSS
