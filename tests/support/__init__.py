"""What the tests and the benchmarks share: one home for each helper.

``nbgrader``       nbgrader's command line, a course folder made from this repository, submissions
``notebooks``      the assignments, their notebooks' markers and answers, filled-in releases, known mistakes
``book``           the built book: is it fresh, build it, serve it (the rules themselves: tools/book_cache.py)
``browser``        Debian's chromium through Playwright, requests outside loopback blocked
``explorers``      reading an explorer's view in a page and checking it against lstmkit's numpy twin
``layers``         the layer configurations the gradient checks and the step tests share
``grading_course`` the small fixture course of the grader's own tests, and the adversarial corpus
``feedback_leaks`` what a feedback page may not show (hidden lines, seeds, details, server paths)
``lab_server``     a local Jupyter server (JupyterLab or Notebook 7) for the browser tests
``optional_deps``  the suite's optional dependencies: how each is found, what skips without it
"""
