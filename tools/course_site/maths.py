"""The maths typeset once at build time: pages with maths load a stylesheet, not MathJax.

Sphinx adds MathJax (``mathjax_path``: the site's own copy, tools/vendor_assets.py) to every page with maths;
here that script is swapped for one stylesheet, and after the build ``tools/site_js/mathjax-prerender.js`` (Node,
MathJax from npm) replaces the TeX of every page by MathJax's CommonHTML output, with the assistive MathML that
screen readers read, and writes that stylesheet (the glyphs the site uses, MathJax's fonts).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "site_js" / "mathjax-prerender.js"
STYLESHEET = "offline/mathjax/chtml.css"        # under _static/
MARK = 'class="math notranslate nohighlight"'


def swap_script(app, pagename, templatename, context, doctree):
    """html-page-context: the MathJax script out, the prerendered maths' stylesheet in."""
    scripts = context.get("script_files")
    if scripts is None:
        return
    def is_mathjax(script):
        body = script.attributes.get("body") or ""
        return (str(script.filename or "").endswith(app.config.mathjax_path)   # Sphinx prefixes _static/
                or body.startswith("window.MathJax ="))                        # its configuration
    if any(is_mathjax(s) for s in scripts):
        scripts[:] = [s for s in scripts if not is_mathjax(s)]
        app.add_css_file(STYLESHEET)


def prerender(app, exception):
    """build-finished: typeset every page's maths (Node and MathJax from npm: `make install`)."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                   if p.relative_to(out).parts[0] not in ("_static", "_sources") and MARK in p.read_text("utf8"))
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("course_site: node not found; the maths are typeset at build time with Node (>= 18)")
    proc = subprocess.run([node, str(SCRIPT), str(out), f"_static/{STYLESHEET}", *pages],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"course_site: typesetting the maths failed:\n{proc.stderr}{proc.stdout}")


def setup(app):
    app.connect("html-page-context", swap_script, priority=950)
    app.connect("build-finished", prerender, priority=800)  # before assets.finish bundles the CSS
