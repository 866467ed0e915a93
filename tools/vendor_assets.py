"""Write the book's front-end files, from npm and the anywidget wheel, into ``_offline/``.

The built book must not load anything from outside the site (classrooms without internet, CDNs that are down),
and each page should load only what it uses. Jupyter Book serves ``_offline/site/`` through Sphinx's
``html_extra_path``: its files are copied into ``_build/html`` as they are and, unlike ``html_static_path``, are
*not* injected as <script>/<link> tags into every page. The layout mirrors the site::

    _offline/site/_static/offline/widgets.js           one file: the core Jupyter widgets (@jupyter-widgets/base,
                                                        controls, base-manager, Lumino; npm), anywidget's front
                                                        end (PyPI wheel), their styles and the book's embed code
                                                        (tools/site_js/), bundled and minified by esbuild (npm)
    _offline/site/_static/offline/mathjax/tex-chtml.js  MathJax 3 (npm): startup, core, TeX input, CommonHTML
                                                        output with its TeX fonts, assistive MathML, in one file
                                                        (the stock tex-chtml.js also carries the 430 kB menu)
    _offline/site/_static/offline/mathjax/output/chtml/fonts/woff-v2/   MathJax's fonts
    _offline/site/_static/offline/VERSIONS.json         what was used, at which version

Pages with widgets load widgets.js (``nb_ipywidgets_js`` in _config.yml), pages with maths MathJax (Sphinx's
``mathjax_path``). Usage (from the repository root; ``make install`` does it)::

    npm ci && .venv/bin/python tools/vendor_assets.py
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
SITE_JS = ROOT / "tools" / "site_js"
OUT = ROOT / "_offline" / "site" / "_static" / "offline"
BUILD = ROOT / "_offline" / "build"             # intermediate files of the bundle, not served
STAMP = ROOT / "_offline" / ".vendored"

# MathJax's es5 components in the order of its own combined tex-chtml.js, minus the menu (ui/menu): startup
# (loader and start-up) first; the rest register themselves with it as they run.
MATHJAX_PARTS = ["startup.js", "core.js", "input/tex.js", "output/chtml.js", "output/chtml/fonts/tex.js",
                 "a11y/assistive-mml.js"]
MATHJAX_PRELOAD = ("\n;MathJax.loader.preLoad('core', 'input/tex', 'output/chtml', 'output/chtml/fonts/tex', "
                   "'a11y/assistive-mml');\n")
ANYWIDGET_DEFINE = 'define(["@jupyter-widgets/base"], widget_default);'
WIDGET_PACKAGES = ["@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/base-manager",
                   "@lumino/widgets", "esbuild"]


def npm_version(package: str) -> str:
    meta = json.loads((NODE_MODULES / package / "package.json").read_text())
    return meta["version"]


def ensure_node_modules() -> None:
    """Run ``npm ci`` when node_modules is missing or older than package-lock.json."""
    marker = NODE_MODULES / ".package-lock.json"
    lock = ROOT / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        sys.exit("vendor_assets: npm not found; install Node.js (>= 18) and run `npm ci`")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)


def esbuild(*args: str) -> None:
    binary = NODE_MODULES / ".bin" / "esbuild"
    if not binary.exists():
        sys.exit("vendor_assets: node_modules/.bin/esbuild not found; run `npm ci`")
    subprocess.run([str(binary), *args, "--log-level=warning"], cwd=ROOT, check=True)


def anywidget_module() -> tuple[Path, str]:
    """anywidget's front end from its wheel, as an ES module: the wheel's file ends with an AMD define() that
    hands the widget factory to require.js; here the factory is exported instead."""
    import anywidget

    src = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not src.exists():
        sys.exit(f"vendor_assets: {src} not found; is anywidget 0.11 installed?")
    text = src.read_text(encoding="utf8")
    if text.count(ANYWIDGET_DEFINE) != 1:
        sys.exit(f"vendor_assets: {src} no longer ends with {ANYWIDGET_DEFINE!r}; update anywidget_module()")
    out = BUILD / "anywidget.js"
    out.write_text(text.replace(ANYWIDGET_DEFINE, "export default widget_default;"), encoding="utf8")
    return out, anywidget.__version__


def bundle_widgets() -> str:
    """widgets.js: the styles first (one minified stylesheet, inlined as text), then the scripts."""
    anywidget_js, anywidget_version = anywidget_module()
    css = BUILD / "widgets.css"
    esbuild(str(SITE_JS / "widgets.css"), "--bundle", "--minify", f"--outfile={css}")
    esbuild(str(SITE_JS / "widgets-embed.js"), "--bundle", "--minify", "--format=iife", "--target=es2020",
            "--legal-comments=none", "--loader:.css=text",
            f"--alias:anywidget-amd={anywidget_js}", f"--alias:widgets-css={css}",
            f"--alias:sanitize-html={SITE_JS / 'sanitize-text.js'}",
            f"--outfile={OUT / 'widgets.js'}")
    return anywidget_version


def combine_mathjax() -> None:
    es5 = NODE_MODULES / "mathjax" / "es5"
    parts = [(es5 / name).read_text(encoding="utf8") for name in MATHJAX_PARTS]
    text = parts[0] + MATHJAX_PRELOAD + "\n;".join(parts[1:])
    target = OUT / "mathjax" / "tex-chtml.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf8")
    shutil.copytree(es5 / "output" / "chtml" / "fonts" / "woff-v2",
                    OUT / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2")


def main() -> None:
    ensure_node_modules()
    for folder in (OUT, BUILD):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    anywidget_version = bundle_widgets()
    combine_mathjax()
    versions = {name: npm_version(name) for name in WIDGET_PACKAGES + ["mathjax"]}
    versions["anywidget (PyPI wheel, nbextension/index.js)"] = anywidget_version
    (OUT / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")
    STAMP.write_text(json.dumps(versions) + "\n")
    print("vendored into", OUT.relative_to(ROOT), versions)


if __name__ == "__main__":
    main()
