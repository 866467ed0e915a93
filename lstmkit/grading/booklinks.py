"""Links from a mistake code to the book section that explains it, for the class report and the feedback.

The catalogue (:data:`lstmkit.grading.checks.mistakes.MISTAKES`) names each section as ``page.html#anchor``
relative to the book's pages. Where the book lives is the course's choice, in this order:

1. the URL given to the command (``report --book-url URL``, ``c.MistakeSummary.book_url`` for feedback);
2. the environment variable ``LSTMKIT_BOOK_URL`` (for example ``https://example.org/lstm-course/book/``);
3. the book built in the course folder by ``make book`` (``_build/html/book/``), as a ``file://`` URL;

and with none of these, sections are named without a link.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .checks.mistakes import MISTAKES

ENV = "LSTMKIT_BOOK_URL"
LOCAL_BUILD = ("_build", "html", "book")


def book_base(course_root: Optional[str] = None, given: Optional[str] = None) -> Optional[str]:
    """The base URL of the book's pages (ending in ``/``), or None when none is known."""
    base = given or os.environ.get(ENV)
    if not base and course_root:
        local = Path(course_root, *LOCAL_BUILD)
        if local.is_dir():
            base = local.resolve().as_uri()
    if not base:
        return None
    return base if base.endswith("/") else base + "/"


def section_of(code: str) -> Optional[str]:
    """The book section (``page.html#anchor``) of a catalogued code, else None (``error.*`` codes)."""
    mistake = MISTAKES.get(code)
    return mistake.section if mistake is not None else None


def section_url(code: str, base: Optional[str]) -> Optional[str]:
    """The link to the section that explains ``code``, or None (no section, or no book URL)."""
    section = section_of(code)
    return base + section if section and base else None
