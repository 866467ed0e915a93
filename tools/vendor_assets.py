"""Copy the book's front-end files from npm and the anywidget wheel into ``_offline/``.

The built book must not load anything from outside the site (classrooms without
internet, CDNs that are down). Jupyter Book serves ``_offline/site/`` through Sphinx's
``html_extra_path``: its files are copied into ``_build/html`` as they are, and,
unlike ``html_static_path``, are *not* injected as <script>/<link> tags into every
page. The layout mirrors the site::

    _offline/site/_static/offline/require.js                 requirejs (npm)
    _offline/site/_static/offline/widgets-setup.js           module map, MathJax 2 shim (written here)
    _offline/site/_static/offline/html-manager/dist/...      @jupyter-widgets/html-manager (npm)
    _offline/site/_static/offline/mathjax/es5/...            mathjax 3 (npm)
    _offline/site/_static/offline/anywidget/index.js         anywidget's AMD front end (PyPI wheel)
    _offline/site/_static/offline/VERSIONS.json              what was copied, from where

Usage (from the repository root; ``make install`` does it)::

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
OUT = ROOT / "_offline" / "site" / "_static" / "offline"
STAMP = ROOT / "_offline" / ".vendored"

WIDGETS_SETUP_JS = """\
// Loaded between require.js and the widget manager on pages that show widgets.
(function () {
  var script = document.currentScript;
  var src = script.src;
  var base = src.substring(0, src.lastIndexOf("/") + 1);

  // 1. Map AMD module names to files served by the book itself (no CDN). The base is
  //    computed from this script's own URL, so one file serves pages at any depth.
  //    html-manager falls back to <data-jupyter-widgets-cdn><module>@<version>/dist/index
  //    for modules it cannot find; that fallback is pointed inside the site as well.
  script.setAttribute("data-jupyter-widgets-cdn", base + "npm/");
  window.require.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": base + "html-manager/dist",
      // The bundled modules (@jupyter-widgets/base, controls, ...) derive the URL of
      // their icon fonts from their own module URL: resolve it to the folder that
      // holds the fonts.
      "@jupyter-widgets": base + "html-manager/dist",
      "anywidget": base + "anywidget/index"
    }
  });

  // 2. The core widgets typeset their labels with the MathJax 2 call
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, el]); the book uses MathJax 3,
  //    which has no Hub. Give every MathJax object (the configuration object and the
  //    one MathJax 3 installs when it starts) a Hub that forwards to typesetPromise.
  function addHub(mathjax) {
    if (mathjax && typeof mathjax === "object" && !mathjax.Hub) {
      Object.defineProperty(mathjax, "Hub", {
        enumerable: false, configurable: true, writable: true,
        value: {
          Queue: function (job) {
            var el = job && job[2];
            if (current && typeof current.typesetPromise === "function") {
              current.typesetPromise(el ? [el] : undefined).catch(function () {});
            }
          }
        }
      });
    }
    return mathjax;
  }
  var current = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true, enumerable: true,
    get: function () { return current; },
    set: function (value) { current = addHub(value); }
  });
})();
"""


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


def copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def copy_html_manager() -> None:
    dist = NODE_MODULES / "@jupyter-widgets" / "html-manager" / "dist"
    for path in dist.iterdir():
        # embed.js is the non-AMD bundle; maps are for debugging only.
        if path.name == "embed.js" or path.suffix == ".map" or path.name.endswith(".txt"):
            continue
        copy_file(path, OUT / "html-manager" / "dist" / path.name)


def copy_mathjax() -> None:
    es5 = NODE_MODULES / "mathjax" / "es5"
    dst = OUT / "mathjax" / "es5"
    shutil.copytree(es5, dst, dirs_exist_ok=True)


def copy_anywidget() -> str:
    import anywidget

    src = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not src.exists():
        sys.exit(f"vendor_assets: {src} not found; is anywidget 0.11 installed?")
    copy_file(src, OUT / "anywidget" / "index.js")
    return anywidget.__version__


def main() -> None:
    ensure_node_modules()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    copy_file(NODE_MODULES / "requirejs" / "require.js", OUT / "require.js")
    (OUT / "widgets-setup.js").write_text(WIDGETS_SETUP_JS)
    copy_html_manager()
    copy_mathjax()
    anywidget_version = copy_anywidget()
    versions = {
        "requirejs": npm_version("requirejs"),
        "@jupyter-widgets/html-manager": npm_version("@jupyter-widgets/html-manager"),
        "mathjax": npm_version("mathjax"),
        "anywidget (PyPI wheel, nbextension/index.js)": anywidget_version,
    }
    (OUT / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")
    STAMP.write_text(json.dumps(versions) + "\n")
    print("vendored into", OUT.relative_to(ROOT), versions)


if __name__ == "__main__":
    main()
