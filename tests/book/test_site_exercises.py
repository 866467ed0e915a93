"""The graded exercises from the site: each chapter's exercise box links the student notebook, served by the site
itself (fetched here through the browser, network blocked: byte for byte the file of the student release), and
opens it in Colab and on Binder at the repository's copy; the exercises page lists every assignment with what it
grades, the points read independently from the notebooks' nbgrader metadata here.
"""
from __future__ import annotations

import json
import re
import subprocess
from urllib.parse import urljoin

import pytest
import yaml

from support import site_audit as sa
from support.book import ROOT

RELEASE = ROOT / "exercises"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]["html_theme_options"]
REPO = CONFIG["repository_url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository_branch"]
# chapter page -> the assignment its exercise box names
CHAPTERS = {"book/rnn_limits.html": "rnn_limits", "book/gates.html": "gates", "book/cell_state.html": "cell_state",
            "book/variants.html": "variants", "book/reber.html": "reber", "book/appendix_backward.html": "cell_state"}


def tracked(path: str) -> bool:
    """True when git tracks ``path`` (what Colab and Binder open from GitHub)."""
    proc = subprocess.run(["git", "ls-files", "--error-unmatch", path], cwd=ROOT, capture_output=True)
    return proc.returncode == 0


def points(name: str) -> tuple[int, int]:
    """(automatic, by hand) points of a student notebook: test cells vs. graded answer cells."""
    cells = json.loads((RELEASE / name / f"{name}.ipynb").read_text())["cells"]
    meta = [c["metadata"].get("nbgrader", {}) for c in cells]
    auto = sum(m.get("points", 0) for m in meta if m.get("grade") and not m.get("solution"))
    hand = sum(m.get("points", 0) for m in meta if m.get("grade") and m.get("solution"))
    return auto, hand


def test_every_assignment_of_the_release_has_a_chapter():
    names = sorted(p.name for p in RELEASE.iterdir() if (p / f"{p.name}.ipynb").is_file())
    assert names == sorted(set(CHAPTERS.values())), names


@pytest.mark.browser
@pytest.mark.parametrize("site_path", list(CHAPTERS))
def test_exercise_box_links_resolve_to_notebooks_served_by_the_site(site_path, built_book, book_url, browser):
    name = CHAPTERS[site_path]
    context = sa.new_context(browser, "light")
    try:
        page, visit = sa.open_page(context, book_url, site_path, "light")
        box = page.locator(".admonition", has=page.locator(".admonition-title", has_text="Graded exercise"))
        assert box.count() == 1, f"{site_path}: {box.count()} exercise boxes"
        links = {cls: box.locator(f"a.{cls}") for cls in ("exercise-download", "exercise-colab", "exercise-binder")}
        assert all(loc.count() == 1 for loc in links.values()), {c: loc.count() for c, loc in links.items()}
        # the download: a notebook the site serves, the very file of the student release
        href = urljoin(page.url, links["exercise-download"].get_attribute("href"))
        assert href.startswith(book_url), href
        served = context.request.get(href)
        assert served.ok, (href, served.status)
        assert served.body() == (RELEASE / name / f"{name}.ipynb").read_bytes(), f"{href} is not the release"
        notebook = json.loads(served.body())
        assert notebook["nbformat"] == 4 and any(c["metadata"].get("nbgrader", {}).get("grade")
                                                 for c in notebook["cells"]), "not a graded student notebook"
        # files the notebook reads sit next to it, on the site too
        for extra in box.locator("a:not([class^=exercise-])").all():
            url = urljoin(page.url, extra.get_attribute("href"))
            if url.startswith(book_url) and "/exercises/" in url:
                assert context.request.get(url).ok, url
        # Colab and Binder open the repository's copy, which git tracks
        path = f"exercises/{name}/{name}.ipynb"
        assert links["exercise-colab"].get_attribute("href") == \
            f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{path}"
        assert links["exercise-binder"].get_attribute("href") == \
            f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{path}"
        assert tracked(path), f"{path} is not in the repository: Colab and Binder would not find it"
        assert not visit.problems(), visit.problems()
    finally:
        context.close()


@pytest.mark.browser
def test_exercises_page_lists_every_assignment_with_what_it_grades(built_book, book_url, browser):
    context = sa.new_context(browser, "light")
    try:
        page, visit = sa.open_page(context, book_url, "book/exercises.html", "light")
        rows = page.locator(".exercise-index table tbody tr")
        names = sorted(set(CHAPTERS.values()))
        assert rows.count() == len(names), rows.count()
        for k in range(rows.count()):
            cells = rows.nth(k).locator("td").all_inner_texts()
            name = next(n for n in names if cells[0].startswith(n))
            auto, hand = points(name)
            assert cells[3] == f"{auto} automatic + {hand} by hand", (name, cells[3])
            parts = [int(p) for p in re.findall(r"\((\d+)(?:, by hand)?\)", cells[2])]
            assert sum(parts) == auto + hand and len(parts) >= 3, (name, cells[2])
            assert rows.nth(k).locator("td").nth(1).locator("a").get_attribute("href") == f"{name}.html"
            download = page.locator(f"a.exercise-download[href$='{name}/{name}.ipynb']")
            assert download.count() == 1
            assert context.request.get(urljoin(page.url, download.get_attribute("href"))).ok
        assert not visit.problems(), visit.problems()
    finally:
        context.close()


def test_the_colab_recipe_for_the_reber_data_gives_the_shipped_file(tmp_path):
    """The exercises page tells Colab users to write reber_data.npz with lstmkit: it is the file the release ships."""
    import numpy as np

    from lstmkit import reber

    text = (ROOT / "book" / "exercises.md").read_text()
    call = re.search(r"`(from lstmkit import reber; reber\.save_training_set\(\"reber_data\.npz\"\))`", text)
    assert call, "the exercises page no longer shows the call"
    reber.save_training_set(tmp_path / "reber_data.npz")
    made, shipped = np.load(tmp_path / "reber_data.npz"), np.load(RELEASE / "reber" / "reber_data.npz")
    assert sorted(made.files) == sorted(shipped.files)
    for key in shipped.files:
        np.testing.assert_array_equal(made[key], shipped[key], err_msg=key)
