"""The book's own Sphinx extension: a light, accessible, self-contained site (loaded through _config.yml's
``sphinx.local_extensions``).

- :mod:`.assets`: each page loads only what it uses (no thebe, no Font Awesome script, the design, toggle,
  copy-button and notebook styles only where the page has such elements); the theme's icon fonts are cut
  down to the glyphs the site shows; a few attributes of the theme's markup fixed for screen readers.
- :mod:`.exercises`: the ``exercise`` directive (a chapter's exercise box: download the student notebook
  served by the site, open it in Colab or Binder) and ``exercise-index`` (the table of all assignments and
  what each grades); the student notebooks are copied into the site under ``exercises/``.
- :mod:`.maths`: the maths typeset at build time (MathJax in Node): no MathJax script in the pages.
- ``static/course.css``: the site's own styles (explorers and tables on a phone and in dark mode, contrast);
  ``static/course.js``: wide displayed equations reachable with the keyboard while they scroll.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import assets, exercises, maths

HERE = Path(__file__).parent
STATIC = HERE / "static"


VENDORED = HERE.parents[1] / "_offline" / "site"      # tools/vendor_assets.py


def digest() -> str:
    """A hash of this extension's code and static files and of the vendored front-end files: when it changes,
    Sphinx rewrites every page (a config value with rebuild='html'), so a changed stylesheet, bundle or rewrite
    rule never meets pages built before it."""
    h = hashlib.sha256()
    for folder in (HERE, VENDORED):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def add_static(app, config):
    config.html_static_path.append(str(STATIC))
    config.course_site_digest = digest()


def setup(app):
    app.add_config_value("course_site_digest", "", "html")
    app.connect("config-inited", add_static)
    app.add_css_file("course.css")
    app.add_js_file("course.js")
    assets.setup(app)
    exercises.setup(app)
    maths.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
