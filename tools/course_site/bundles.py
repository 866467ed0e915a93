"""Fewer, smaller requests per page: the built pages' stylesheets and scripts merged and trimmed.

Run on the written site after the build (:func:`bundle_site`), page by page:

- Sphinx's search scripts (``searchtools.js``, ``language_data.js``, ``searchindex.js``) stay on the search
  page only: elsewhere the theme's search box sends the reader to that page (``search_as_you_type`` is off,
  so no other page ever calls them);
- the theme's two deferred scripts (Bootstrap and the theme's own) become one, without their preload hints;
- ``theme.css`` (a bare ``@import`` of Sphinx's ``basic.css``) is folded into the start of the theme's
  stylesheet, where it was in the cascade;
- every run of consecutive local stylesheets, and of consecutive plain local scripts, in a page's head becomes
  one file under ``_static/bundles/`` named by its content (pages with the same run share it);
- rules whose selectors all name a class that appears nowhere in the site (no page, no script) are dropped
  from the stylesheets (the theme's stylesheet carries all of Bootstrap: 60% of it is never used);
- the Font Awesome fonts, already cut to the few icons shown (:mod:`.icons`), are inlined into the theme's
  stylesheet as data URIs; the launch menu's logos load only when the menu opens (``loading="lazy"``).
"""
from __future__ import annotations

import base64
import hashlib
import posixpath
import re
import shutil
from pathlib import Path

SEARCH_SCRIPTS = re.compile(r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|'
                            r'searchindex\.js)"></script>')
THEME_CSS_LINK = re.compile(r'<link href="[^"]*_static/styles/theme\.css\?[^"]*" rel="stylesheet" />\s*')
THEME_PRELOADS = re.compile(r'\s*<!-- Pre-loaded scripts that we\'ll load fully later -->\s*'
                            r'(?:<link rel="preload" as="script" href="[^"]*_static/scripts/[^"]*" />\s*)+')
THEME_SCRIPTS = re.compile(r'<script defer src="([^"]*)_static/scripts/bootstrap\.js\?[^"]*"></script>\s*'
                           r'<script defer src="[^"]*_static/scripts/pydata-sphinx-theme\.js\?[^"]*"></script>')
LAUNCH_LOGOS = re.compile(r'<img (?![^>]*loading=)([^>]*src="[^"]*_static/images/logo_[a-z]+\.(?:png|svg)")')
CSS_RUN = re.compile(r'(?:[ \t]*<link rel="stylesheet" type="text/css" href="[^"]+" />\s*)+')
JS_RUN = re.compile(r'(?:[ \t]*<script src="[^"]+"></script>\s*)+')
HREF = re.compile(r'(?:href|src)="([^"]+)"')
CSS_URL = re.compile(r'url\(\s*([\'"]?)([^\'")]+)\1\s*\)')
CSS_IMPORT = re.compile(r'@import\s+(?:url\()?\s*[\'"]([^\'"]+)[\'"]\s*\)?\s*;')
WORD = re.compile(r"[A-Za-z0-9_-]+")
CLASS = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")
THEME_SHEET = "_static/styles/pydata-sphinx-theme.css"
THEME_JS = "_static/scripts/course-theme.js"
BUNDLES = "_static/bundles"
GROUP_AT_RULES = ("@media", "@supports", "@layer", "@container", "@document")


# ------------------------------------------------------------------------------------- stylesheets
def css_blocks(css: str, i: int = 0):
    """[(prelude, body)] of a stylesheet; the body of a grouping at-rule (@media...) is a nested list."""
    out = []
    while i < len(css):
        brace, close = css.find("{", i), css.find("}", i)
        if close != -1 and (brace == -1 or close < brace):
            return out, close + 1
        if brace == -1:
            tail = css[i:].strip()
            if tail:
                out.append((tail, None))                       # @import / @charset without a block
            break
        prelude = css[i:brace].strip()
        statements = prelude.split(";")                        # @charset "..."; before a rule
        for statement in statements[:-1]:
            if statement.strip():
                out.append((statement.strip() + ";", None))
        prelude = statements[-1].strip()
        if prelude.startswith(GROUP_AT_RULES):
            children, i = css_blocks(css, brace + 1)
            out.append((prelude, children))
            continue
        depth, j = 1, brace + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        out.append((prelude, css[brace + 1:j - 1]))
        i = j
    return out, len(css)


def purge_css(css: str, words: set[str]) -> str:
    """The stylesheet without the rules every selector of which names a class missing from ``words``."""
    def used(selector):
        return all(name in words for name in CLASS.findall(re.sub(r"\[[^\]]*\]|:[a-z-]+\([^)]*\)", "", selector)))

    def render(blocks):
        parts = []
        for prelude, body in blocks:
            if body is None:
                parts.append(prelude)
            elif isinstance(body, list):
                inner = render(body)
                if inner:
                    parts.append(f"{prelude}{{{inner}}}")
            elif prelude.startswith("@") or any(used(s) for s in prelude.split(",")):
                parts.append(f"{prelude}{{{body}}}")
        return "".join(parts)

    return render(css_blocks(re.sub(r"/\*.*?\*/", "", css, flags=re.S))[0])     # comments may hold ; { }


def read_css(site: Path, rel: str, into: str) -> str:
    """A stylesheet of the site with its local @imports inlined and its url()s made relative to ``into``."""
    path = site / rel
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", path.read_text(encoding="utf8"))
    here = posixpath.dirname(rel)

    def imported(match):
        target = posixpath.normpath(posixpath.join(here, match.group(1)))
        return read_css(site, target, into) if (site / target).is_file() else match.group(0)

    def rebase(match):
        quote, url = match.groups()
        if url.startswith(("data:", "http:", "https:", "/", "#")):
            return match.group(0)
        target = posixpath.normpath(posixpath.join(here, url))
        return f"url({quote}{posixpath.relpath(target, into)}{quote})"

    return CSS_URL.sub(rebase, CSS_IMPORT.sub(imported, css))


# ------------------------------------------------------------------------------------------- pages
def local_target(page: str, url: str) -> str:
    """The site-relative path of a URL written on ``page`` (query dropped)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), url.split("?")[0]))


class Bundler:
    """Writes each bundle once; remembers them by content."""

    def __init__(self, site: Path):
        self.site, self.written = site, {}

    def write(self, kind: str, parts: list[str]) -> str:
        text = ("\n" if kind == "css" else "\n;\n").join(parts)
        name = f"{BUNDLES}/{hashlib.sha256(text.encode()).hexdigest()[:16]}.{kind}"
        if name not in self.written:
            (self.site / BUNDLES).mkdir(parents=True, exist_ok=True)
            (self.site / name).write_text(text, encoding="utf8")
            self.written[name] = kind
        return name

    def merge_runs(self, page: str, head: str) -> str:
        def css_run(match):
            targets = [local_target(page, u) for u in HREF.findall(match.group(0))]
            if len(targets) < 2 or not all(t.startswith("_static/") and (self.site / t).is_file() for t in targets):
                return match.group(0)
            name = self.write("css", [read_css(self.site, t, BUNDLES) for t in targets])
            rel = posixpath.relpath(name, posixpath.dirname(page))
            return f'    <link rel="stylesheet" type="text/css" href="{rel}" />\n'

        def js_run(match):
            targets = [local_target(page, u) for u in HREF.findall(match.group(0))]
            if len(targets) < 2 or not all(t.startswith("_static/") and (self.site / t).is_file() for t in targets):
                return match.group(0)
            name = self.write("js", [(self.site / t).read_text(encoding="utf8") for t in targets])
            return f'    <script src="{posixpath.relpath(name, posixpath.dirname(page))}"></script>\n'

        return JS_RUN.sub(js_run, CSS_RUN.sub(css_run, head))


def rewrite_page(html: str, page: str, bundler: Bundler) -> str:
    head_end = html.find("</head>")
    head, rest = html[:head_end], html[head_end:]
    if page != "search.html":
        head = SEARCH_SCRIPTS.sub("", head)
    head = THEME_CSS_LINK.sub("", head)
    head = THEME_PRELOADS.sub("\n", head)
    rest = THEME_SCRIPTS.sub(lambda m: f'<script defer src="{m.group(1)}{THEME_JS}"></script>', rest)
    rest = LAUNCH_LOGOS.sub(r'<img loading="lazy" \1', rest)
    return bundler.merge_runs(page, head) + rest


# -------------------------------------------------------------------------------------------- site
def inline_fonts(css: str, sheet: str, site: Path) -> str:
    """url(...woff2) of the theme's (already cut) icon fonts as data URIs; the TTF fallbacks dropped."""
    def font(match):
        quote, url = match.groups()
        if not url.endswith(".woff2"):
            return match.group(0)
        data = (site / posixpath.normpath(posixpath.join(posixpath.dirname(sheet), url))).read_bytes()
        return f"url(data:font/woff2;base64,{base64.b64encode(data).decode()})"

    css = re.sub(r',\s*url\([^)]*fa-[a-z]+-\d+\.ttf\)\s*format\("truetype"\)', "", css)
    return CSS_URL.sub(font, css)


def bundle_site(site: Path, pages: list[Path], theme_css: str) -> None:
    """Rewrite the pages (see the module's docstring), then write and trim the stylesheets. ``theme_css``: the
    theme's stylesheet as the theme ships it, without the rules of unused icons (:func:`.icons.cut_icons`)."""
    if (site / BUNDLES).exists():
        shutil.rmtree(site / BUNDLES)             # bundles of earlier builds
    theme_js = [site / "_static/scripts/bootstrap.js", site / "_static/scripts/pydata-sphinx-theme.js"]
    (site / THEME_JS).write_text("\n;\n".join(p.read_text(encoding="utf8") for p in theme_js), encoding="utf8")
    basic = read_css(site, "_static/basic.css", posixpath.dirname(THEME_SHEET))
    theme = inline_fonts(re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", theme_css), THEME_SHEET, site)
    bundler = Bundler(site)
    for path in pages:
        rel = path.relative_to(site).as_posix()
        html = path.read_text(encoding="utf8")
        done = rewrite_page(html, rel, bundler)
        if done != html:
            path.write_text(done, encoding="utf8")
    texts = [p.read_text(encoding="utf8") for p in pages]
    texts += [p.read_text(encoding="utf8", errors="replace") for p in (site / "_static").rglob("*.js")]
    words = {w for text in texts for w in WORD.findall(text)}
    (site / THEME_SHEET).write_text(purge_css(basic + "\n" + theme, words), encoding="utf8")
    for name, kind in bundler.written.items():
        if kind == "css":
            (site / name).write_text(purge_css((site / name).read_text(encoding="utf8"), words), encoding="utf8")
