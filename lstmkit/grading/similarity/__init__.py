"""Similar answers between students: ``python -m lstmkit.grading similarity ASSIGNMENT``.

Compares the answer cells (nbgrader ``solution: true`` code cells, by grade id) of every pair of students of an
assignment and lists the pairs whose answers are more alike than independent work usually is, with the
matching parts side by side. It flags pairs for a person to read; it never accuses (every output says so).

How (one step per module):

1. :mod:`.collect` reads the release (which cells are answers, what code everybody was given) and each
   ``submitted/<student>/<assignment>/`` notebook; an unreadable notebook is reported by file, the rest go on;
2. :mod:`.tokens` normalises each answer: the student's names become ``N``, numbers ``#``, strings ``$``;
   comments, docstrings, layout and grouping parentheses go; keywords, operators, attributes, builtins and the
   names the release defines stay; the tokens are cut into statements;
3. :mod:`.fingerprints` hashes every run of ``k`` tokens inside a statement and keeps a winnowed subset (MOSS's
   algorithm), minus every gram of the released cell (the skeleton everybody has is never a match);
4. :mod:`.compare` indexes the fingerprints of each cell (fingerprint -> students); a fingerprint many students
   have is an idiom and, shared, counts neither way; every pair sharing an uncommon fingerprint is scored, the
   Dice coefficient of the two fingerprint sets without their shared idioms, in [0, 1];
5. :mod:`.report` prints the table and renders the HTML fragment (side by side, for the class report) and a page
   around it; :meth:`SimilarityResult.to_json` is the JSON.

The defaults (:class:`Parameters`): grams of k = 4 tokens, windows of 4 (any run of 7 normalised tokens two
answers share inside a statement is seen; a statement is 4 to 25 tokens), idioms above max(10, 10 % of the
class), threshold 0.9 with at least 20 matched tokens. How they were chosen (40 synthetic classes of 60 built like
those of ``tests/grading/test_similarity.py``, ``benchmarks/calibrate_similarity.py``) and why this is not
copydetect, which the issue asked for unless it failed on answer cells (measured on 20 of the same classes,
``benchmarks/eval_copydetect.py``: no threshold separates its planted pairs from the independent ones in every
class, it compares all pairs, 56 to 288 s for 1,000 students against 45 s, and with winnowing its scores change
from run to run): README, *Similar answers*.

Written (Markdown) answers are not compared: the normalisation is for code.
"""

from __future__ import annotations

import os

from .collect import InputProblem, NotebookError, Release, Submission, read_release, read_submission
from .compare import Cell, common_cap, describe_pair, index_cell, pair_scores
from .fingerprints import boilerplate, fingerprint
from .report import render_fragment, render_page, render_table
from .result import (NOTICE, CellComparison, PairSimilarity, Parameters, Segment, SimilarityResult)
from .tokens import normalise

__all__ = ["compare_assignment", "compare_submissions", "prepare", "render_fragment", "render_page",
           "render_table", "Parameters", "SimilarityResult", "PairSimilarity", "CellComparison", "Segment",
           "InputProblem", "NOTICE", "SimilarityError"]


class SimilarityError(ValueError):
    """The arguments or the course cannot be compared; the message names what is wrong."""


def prepare(release: Release, submission: Submission, params: Parameters, given: dict) -> dict:
    """{cell key: Cell} of one submission; ``given[key]``: the boilerplate hashes of the released cell."""
    cells = {}
    for answer in release.cells:
        source = submission.answers.get(answer.key)
        if source is None:
            continue
        tokens = normalise(source, release.known_names)
        cells[answer.key] = Cell(source, tokens, fingerprint(tokens, params.k, params.window, given[answer.key]))
    return cells


def given_code(release: Release, params: Parameters) -> dict:
    """{cell key: every k-gram hash of the released cell}, the boilerplate removed from every answer."""
    return {a.key: boilerplate(normalise(a.released, release.known_names), params.k) for a in release.cells}


def compare_submissions(release: Release, submissions: list, params: Parameters = Parameters(),
                        problems: tuple = ()) -> SimilarityResult:
    """Compare every pair of ``submissions`` (Submission, any order) of ``release``'s answer cells."""
    problem = params.problem()
    if problem:
        raise SimilarityError(problem)
    subs = sorted(submissions, key=lambda s: s.student)
    names = [s.student for s in subs]
    if len(set(names)) != len(names):
        raise SimilarityError("submissions: expected one per student, got a student twice")
    given = given_code(release, params)
    prepared = [prepare(release, s, params, given) for s in subs]
    n, cap = len(subs), common_cap(params, len(subs))
    indexes = {a.key: index_cell([p.get(a.key) for p in prepared], cap) for a in release.cells}
    a, b, score = pair_scores(list(indexes.values()), n)
    pairs = []
    for i, j, s in zip(a.tolist(), b.tolist(), score.tolist()):
        if s < params.threshold and len(pairs) >= params.top:
            break
        cells = {c.key: (prepared[i].get(c.key), prepared[j].get(c.key)) for c in release.cells}
        pairs.append(describe_pair((names[i], names[j]), cells, indexes, float(s), params, given))
    pairs.sort(key=lambda p: (not p.flagged, -p.score, p.student_a, p.student_b))
    return SimilarityResult(release.assignment, tuple(names), tuple(c.key for c in release.cells), params,
                            tuple(pairs), n * (n - 1) // 2, int(len(score)), tuple(problems))


def compare_assignment(root: str, assignment: str, params: Parameters = Parameters()) -> SimilarityResult:
    """Compare the submissions of ``assignment`` in the course directory ``root`` (nbgrader's layout, read from
    its ``nbgrader_config.py``). Raises SimilarityError when there is no release or no answer cell in it."""
    from ..course import load_course

    coursedir, _ = load_course(root)
    release_dir = os.path.normpath(coursedir.format_path(coursedir.release_directory, ".", assignment))
    try:
        release = read_release(release_dir, assignment)
    except (FileNotFoundError, NotebookError) as exc:
        raise SimilarityError(str(exc)) from None
    if not release.cells:
        raise SimilarityError(f"assignment {assignment!r}: the release {release_dir} has no answer code cell "
                              "(nbgrader metadata solution: true)")
    submitted = os.path.join(coursedir.root, coursedir.submitted_directory)
    students = sorted(s for s in os.listdir(submitted)) if os.path.isdir(submitted) else []
    submissions, problems = [], []
    for student in students:
        folder = os.path.normpath(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        if not os.path.isdir(folder):
            continue
        submission, trouble = read_submission(student, folder, release)
        problems.extend(trouble)
        if submission.answers or not trouble:
            submissions.append(submission)
    return compare_submissions(release, submissions, params, tuple(problems))
