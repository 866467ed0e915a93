"""The book's own Sphinx extension: a light, accessible, self-contained site (loaded through _config.yml's
``sphinx.local_extensions``).

- :mod:`.assets`: each page loads only what it uses (no thebe, no Font Awesome script, the design, toggle,
  copy-button and notebook styles only where the page has such elements); the theme's icon fonts are cut
  down to the glyphs the site shows; a few attributes of the theme's markup fixed for screen readers.
- :mod:`.exercises`: the ``exercise`` directive (a chapter's exercise box: download the student notebook
  served by the site, open it in Colab or Binder) and ``exercise-index`` (the table of all assignments and
  what each grades); the student notebooks are copied into the site under ``exercises/``.
- :mod:`.maths`: the maths typeset at build time (MathJax in Node): no MathJax script in the pages.
- ``static/course.css``: the site's own styles (explorers and tables on a phone and in dark mode, contrast).
"""
from __future__ import annotations

from pathlib import Path

from . import assets, exercises, maths

STATIC = Path(__file__).with_name("static")


def add_static(app, config):
    config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", add_static)
    app.add_css_file("course.css")
    assets.setup(app)
    exercises.setup(app)
    maths.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
