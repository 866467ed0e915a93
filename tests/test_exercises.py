"""The graded exercises (nbgrader): the release, leaks, and the whole grading pipeline per assignment.

- exercises/ is exactly what `nbgrader generate_assignment` makes from solutions/ (regenerated here), holds
  the notebooks and the data files they read only, and shows no solution code and no hidden test;
- for every assignment, in a temporary course directory: generate the release, submit the reference solution,
  the untouched release and one wrong submission per known mistake (tests/exercise_fixtures/), run
  `nbgrader autograde` once for all of them, and read the scores back from the gradebook: the solution gets
  every automatic point and runs top to bottom without an error or a line on stderr, the untouched release
  gets 0 without stopping the batch, and each wrong submission loses exactly the test cells its mistake
  should cost (and the visible test's message names the mistake);
- feedback and the CSV export work on the graded course.
"""
import csv
import functools
import html
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

import feedback_leaks

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["rnn_limits", "gates", "cell_state", "variants", "reber"]
DATA_FILES = {"reber": ["reber_data.npz"]}  # shipped next to the notebook (the data of its training part)
BIN = Path(sys.executable).parent
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def fixtures(assignment):
    return importlib.import_module(f"exercise_fixtures.{assignment}").SUBMISSIONS


sys.path.insert(0, str(Path(__file__).parent))


# ------------------------------------------------------------------------------------------ helpers
def nbgrader(course, *args, timeout=1500):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")  # nbgrader runs alembic
    res = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}"
    return res


def new_course(tmp):
    course = Path(tmp)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", course / "solutions")
    return course


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def region(source, begin, end):
    """Lines strictly between the begin and end markers (all such regions)."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            out.append(line)
    return out


def strip_markers(source):
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def source_notebook(assignment):
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def release_notebook(assignment):
    return nbformat.read(ROOT / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)


def submission(release, source, overrides=None):
    """The release notebook with every answer cell filled in: from ``overrides`` (grade id -> code) when
    given, otherwise with the reference solution (markers removed). Metadata and locked cells untouched."""
    overrides = overrides or {}
    answers = {nbgrader_meta(c)["grade_id"]: strip_markers(c.source)
               for c in source.cells if nbgrader_meta(c).get("solution")}
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            cell.source = overrides.get(meta["grade_id"], answers[meta["grade_id"]]).strip("\n")
    return nb


# ------------------------------------------------------------------------------- release = generated
def test_release_is_what_generate_assignment_makes(tmp_path):
    course = new_course(tmp_path)
    for a in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", a, "--no-db", "--force")
    made = sorted(p.relative_to(course / "exercises") for p in (course / "exercises").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "exercises") for p in (ROOT / "exercises").rglob("*") if p.is_file())
    assert made == committed, f"exercises/ holds {committed}, generate_assignment makes {made}: run `make release`"
    assert len(made) == len(ASSIGNMENTS) + sum(map(len, DATA_FILES.values()))
    for rel in made:
        if rel.suffix != ".ipynb":
            assert (course / "exercises" / rel).read_bytes() == (ROOT / "exercises" / rel).read_bytes(), \
                f"exercises/{rel} differs from what generate_assignment makes: run `make release`"
            continue
        fresh = json.loads((course / "exercises" / rel).read_text())
        ours = json.loads((ROOT / "exercises" / rel).read_text())
        assert fresh == ours, f"exercises/{rel} differs from what generate_assignment makes: run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_shows_no_solution_and_no_hidden_test(assignment):
    files = sorted(p.name for p in (ROOT / "exercises" / assignment).rglob("*") if p.is_file())
    want = sorted([f"{assignment}.ipynb"] + DATA_FILES.get(assignment, []))
    assert files == want, f"the release must hold the notebook and its data files only, found {files}"
    src, rel = source_notebook(assignment), release_notebook(assignment)
    text = json.dumps(rel.cells)
    for marker in MARKERS + ("BEGIN SOLUTION", "HIDDEN TESTS"):
        assert marker not in text
    secret_lines = set()
    n_solutions = n_hidden = 0
    for cell in src.cells:
        meta = nbgrader_meta(cell)
        sol = region(cell.source, *MARKERS[:2])
        hid = region(cell.source, *MARKERS[2:])
        n_solutions += bool(sol and meta.get("solution"))
        n_hidden += bool(hid)
        secret_lines |= {line.strip() for line in sol + hid if len(line.strip()) > 15}
    assert n_solutions >= 3 and n_hidden >= 3, "every assignment has solutions and hidden tests"
    released = {line.strip() for cell in rel.cells for line in cell.source.splitlines()}
    leaked = sorted(secret_lines & released)
    assert not leaked, f"lines of solutions or hidden tests appear in the release: {leaked[:5]}"
    # Same cells, ids and points in both; every answer cell of the release is a stub.
    meta_src = [(nbgrader_meta(c).get("grade_id"), nbgrader_meta(c).get("points")) for c in src.cells]
    meta_rel = [(nbgrader_meta(c).get("grade_id"), nbgrader_meta(c).get("points")) for c in rel.cells]
    assert meta_src == meta_rel
    for cell in rel.cells:
        if nbgrader_meta(cell).get("solution"):
            assert ("raise NotImplementedError()" in cell.source) or cell.source.strip() == "YOUR ANSWER HERE"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_has_three_to_six_graded_parts_and_written_answers(assignment):
    src = source_notebook(assignment)
    graded = [nbgrader_meta(c) for c in src.cells if nbgrader_meta(c).get("grade")]
    code_tests = {m["grade_id"].removesuffix("_hidden") for m in graded if not m.get("solution")}
    manual = [m for m in graded if m.get("solution")]
    assert 3 <= len(code_tests) <= 6, code_tests
    assert 1 <= len(manual) <= 2
    assert all(m["points"] > 0 for m in graded)


# --------------------------------------------------------------------------------------- pipeline
@functools.lru_cache(maxsize=None)
def graded_course(assignment):
    """Run the pipeline once per assignment; returns (course dir, scores, autograded notebooks)."""
    from nbgrader.api import Gradebook

    course = new_course(tempfile.mkdtemp(prefix=f"course-{assignment}-"))
    nbgrader(course, "generate_assignment", assignment, "--force")
    release = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    src = source_notebook(assignment)
    students = {"solution": submission(release, src), "release": release}
    for name, wrong in fixtures(assignment).items():
        students[f"wrong-{name}"] = submission(release, src, {k: v for k, v in wrong["cells"].items()})
    for student, nb in students.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    nbgrader(course, "autograde", assignment, "--force")
    scores, notebooks = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            scores[student] = {g.name: (g.auto_score, g.max_score, g.needs_manual_grade, g.cell_type)
                               for g in sub.grades}
            notebooks[student] = nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb",
                                               as_version=4)
    return course, scores, notebooks


def auto_cells(scores):
    return {k: v for k, v in scores.items() if v[3] == "code"}


def outputs_of(nb, grade_id):
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)
    return cell.get("outputs", [])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_every_automatic_point_and_runs_clean(assignment):
    _, scores, notebooks = graded_course(assignment)
    auto = auto_cells(scores["solution"])
    assert auto and all(score == top for score, top, _, _ in auto.values()), auto
    manual = {k: v for k, v in scores["solution"].items() if v[3] == "markdown"}
    assert manual and all(needs for _, _, needs, _ in manual.values()), "written answers are graded by hand"
    # Top to bottom in its kernel: every code cell ran, none raised, nothing went to stderr.
    for cell in notebooks["solution"].cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("execution_count"), f"cell {nbgrader_meta(cell).get('grade_id')} did not run"
        for out in cell.outputs:
            assert out.output_type != "error", f"{nbgrader_meta(cell).get('grade_id')}: {out.ename}: {out.evalue}"
            assert not (out.output_type == "stream" and out.name == "stderr"), out.text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero_without_stopping_the_batch(assignment):
    _, scores, notebooks = graded_course(assignment)
    auto = auto_cells(scores["release"])
    assert auto and all(score == 0 for score, _, _, _ in auto.values()), auto
    # The students graded in the same batch all have a complete set of grades.
    assert all(set(s) == set(scores["release"]) for s in scores.values())
    first_test = next(k for k in auto if not k.endswith("_hidden"))
    errors = [o for o in outputs_of(notebooks["release"], first_test) if o.output_type == "error"]
    assert errors and errors[0].ename == "CheckFailed" and "is not written yet" in errors[0].evalue, errors
    # The release runs top to bottom too: exactly the test cells fail (autograde restores the hidden tests, so
    # those fail as well), the set-up and try-it cells cope with unfinished functions, nothing reaches stderr.
    for cell in notebooks["release"].cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        failed = any(o.output_type == "error" for o in cell.outputs)
        assert failed == bool(meta.get("grade")), f"{meta.get('grade_id')}: failed={failed}"
        assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)


WRONG = [(a, name) for a in ASSIGNMENTS for name in fixtures(a)]


@pytest.mark.parametrize("assignment,mistake", WRONG, ids=[f"{a}-{m}" for a, m in WRONG])
def test_wrong_submission_loses_exactly_its_points(assignment, mistake):
    _, scores, notebooks = graded_course(assignment)
    wrong = fixtures(assignment)[mistake]
    auto = auto_cells(scores[f"wrong-{mistake}"])
    assert set(wrong["loses"]) <= set(auto), f"unknown test cells in the fixture: {set(wrong['loses']) - set(auto)}"
    got = {k: v[0] for k, v in auto.items()}
    want = {k: (0.0 if k in wrong["loses"] else v[1]) for k, v in auto.items()}
    assert got == want
    total_max = sum(v[1] for v in auto.values())
    lost = sum(auto[k][1] for k in wrong["loses"])
    assert sum(got.values()) == total_max - lost
    if wrong["message"]:
        visible = next(k for k in wrong["loses"] if not k.endswith("_hidden"))
        errors = [o for o in outputs_of(notebooks[f"wrong-{mistake}"], visible) if o.output_type == "error"]
        assert errors and errors[0].ename == "CheckFailed", errors
        assert wrong["message"] in " ".join(errors[0].evalue.split()), errors[0].evalue


def test_feedback_and_csv_export():
    course, scores, _ = graded_course("rnn_limits")
    nbgrader(course, "generate_feedback", "rnn_limits", "--force")
    hidden = [line.strip() for c in source_notebook("rnn_limits").cells for line in region(c.source, *MARKERS[2:])
              if "checks." in line]
    texts = {}
    for student in scores:
        page = (course / "feedback" / student / "rnn_limits" / "rnn_limits.html").read_text()
        texts[student] = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert "checks.check_rnn_step_forward(rnn_step_forward)" in texts[student]
        assert "Hidden tests: rnn_step_forward" in texts[student]
    # The hidden tests are not listed in the feedback, not even the line of a failing one; its failure is
    # told in words (the float32 hidden case of the norms, without its seed or sizes).
    assert len(hidden) >= 8
    for student, text in texts.items():
        assert "HIDDEN TESTS" not in text
        assert not [line for line in hidden if line in text], student
    failing = "checks.check_hidden_gradient_norms(hidden_gradient_norms, steps=7, seed=14, dtype=np.float32)"
    assert failing in hidden and failing not in texts["wrong-norms_always_float64"]
    assert "A hidden test of this part failed" in texts["wrong-norms_always_float64"]
    assert "dtype float64, expected float32" in texts["wrong-norms_always_float64"]
    # A written answer graded by hand, the way the README shows, counts in the export.
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("answer_vanishing", "rnn_limits", "rnn_limits", "solution").manual_score = 1.5
        gb.db.commit()
    nbgrader(course, "export", "--to=grades.csv")
    with open(course / "grades.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == "rnn_limits"}
    assert set(rows) == set(scores)
    for student, cells in scores.items():
        by_hand = 1.5 if student == "solution" else 0.0
        assert float(rows[student]["raw_score"]) == pytest.approx(sum(v[0] or 0 for v in cells.values()) + by_hand)
        assert float(rows[student]["max_score"]) == pytest.approx(sum(v[1] for v in cells.values()))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_no_hidden_test_seed_size_or_path(assignment):
    """Feedback of the plain nbgrader path for the untouched release, the solution and every known mistake:
    no hidden line, seed, hidden failure's detail or server path in any page."""
    course, scores, _ = graded_course(assignment)
    nbgrader(course, "generate_feedback", assignment, "--force")
    bad = feedback_leaks.check_course_feedback(str(course), assignment, source_notebook(assignment), scores,
                                               extra_paths=[ROOT])
    assert not bad, bad
    failing = [s for s in scores if any(v[0] == 0 and k.endswith("_hidden") for k, v in scores[s].items())]
    assert "release" in failing
    page = feedback_leaks.page_text(course / "feedback" / "release" / assignment / f"{assignment}.html")
    assert page.count("A hidden test of this part failed") >= 2


def test_students_can_validate_before_submitting(tmp_path):
    """`nbgrader validate`, the check the README gives students, passes the solution and lists the failures
    of an unfinished notebook (run from the course folder, with its configuration)."""
    release, src = release_notebook("rnn_limits"), source_notebook("rnn_limits")
    done, todo = tmp_path / "done.ipynb", tmp_path / "todo.ipynb"
    nbformat.write(submission(release, src), done)
    nbformat.write(release, todo)
    ok = nbgrader(ROOT, "validate", str(done))
    assert "Success! Your notebook passes all the tests." in ok.stdout
    bad = nbgrader(ROOT, "validate", str(todo))
    # the three visible test cells and the unanswered written answer
    assert "VALIDATION FAILED ON 4 CELL(S)" in bad.stdout, bad.stdout
    for test in ("check_rnn_step_forward", "check_hidden_gradient_norms", "check_clip_by_global_norm"):
        assert f"checks.{test}(" in bad.stdout
    assert bad.stdout.count("NotImplementedError  ") == 3


# ------------------------------------------------------------------ the checks themselves, in process
def _lstm_step(x, h_prev, c_prev, p):
    """A second LSTM step written here (not lstmkit's), used as a right answer below."""
    import numpy as np

    from lstmkit import sigmoid
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    i, f, g, o = np.split(a, 4, axis=-1)
    c = sigmoid(f) * c_prev + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def test_checks_pass_silently_on_right_answers(capfd):
    from lstmkit.grading import checks
    assert checks.check_lstm_step_forward(_lstm_step) is None
    assert checks.check_lstm_step_forward(_lstm_step, dtype=__import__("numpy").float32, seed=3) is None
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_calls_to_lstmkit_own_version_are_reported_through_aliases_and_methods():
    """In nbgrader validate the learner's code runs next to the full library: the checks notice a call to the
    exercise's references (declared in lstmkit.grading.exercises), however it was reached, and leave the
    interpreter's profile hook as they found it, also after a failure."""
    import sys

    import numpy as np

    import lstmkit
    from lstmkit import cells
    from lstmkit.grading import checks
    alias = cells.lstm_step_forward

    def cheat(x, h_prev, c_prev, p):
        h, c, _ = alias(x, h_prev, c_prev, p)
        return h, c

    def through_layer(X, h0, c0, p):
        layer = lstmkit.LSTM(X.shape[2], h0.shape[1], dtype=X.dtype)
        layer.params = {k: v.copy() for k, v in p.items()}
        H, (_, c) = layer.forward(X, (h0, c0))
        return H, c
    before = sys.getprofile()
    with pytest.raises(AssertionError, match="calls lstmkit.cells.lstm_step_forward, lstmkit's own version"):
        checks.check_lstm_step_forward(cheat)
    with pytest.raises(AssertionError, match="calls lstmkit.layers.LSTM.__init__, lstmkit's own version"):
        checks.check_lstm_forward(through_layer)
    with pytest.raises(AssertionError, match="define lstm_step_forward yourself"):
        checks.check_lstm_step_forward(lstmkit.lstm_step_forward)
    with pytest.raises(ZeroDivisionError):
        checks.check_lstm_step_forward(lambda *a: 1 / 0)
    assert sys.getprofile() is before
    # an honest answer that uses what the exercise allows (lstmkit.sigmoid) passes
    def honest(x, h_prev, c_prev, p):
        a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
        i, f, g, o = np.split(a, 4, axis=-1)
        c = lstmkit.sigmoid(f) * c_prev + lstmkit.sigmoid(i) * np.tanh(g)
        return lstmkit.sigmoid(o) * np.tanh(c), c
    checks.check_lstm_step_forward(honest)


def test_numerical_warnings_become_a_named_failure_and_nothing_reaches_stderr(capfd):
    import numpy as np
    from lstmkit.grading import checks

    def naive(x, h_prev, c_prev, p):
        h, c = _lstm_step(x, h_prev, c_prev, p)
        np.exp(np.float64(1000.0))             # overflows: RuntimeWarning
        return h, c
    with pytest.raises(AssertionError, match="numerical warning: overflow encountered in exp"):
        checks.check_lstm_step_forward(naive)
    assert capfd.readouterr().err == ""


def test_messages_name_shape_dtype_and_first_diverging_time_step():
    import numpy as np
    from lstmkit.grading import checks

    with pytest.raises(AssertionError, match=r"c has shape \(5, 3\), expected \(3, 5\) \(B=3, H=5\): transposed"):
        checks.check_lstm_step_forward(lambda x, h, c, p: (_lstm_step(x, h, c, p)[0], _lstm_step(x, h, c, p)[1].T))
    with pytest.raises(AssertionError, match="c has dtype float64, expected float32: keep the dtype of the inputs"):
        checks.check_lstm_step_forward(lambda *a: tuple(v.astype(np.float64) for v in _lstm_step(*a)),
                                       dtype=np.float32)

    def late(X, h0, c0, p):                    # right until t = 3, then drops the cell state
        H, h, c = [], h0, c0
        for t in range(X.shape[0]):
            h, c = _lstm_step(X[t], h, c if t != 3 else 0.5 * c, p)
            H.append(h)
        return np.stack(H), c
    with pytest.raises(AssertionError, match="H matches up to t = 2 and first differs at time step t = 3"):
        checks.check_lstm_forward(late, _lstm_step)


@pytest.mark.parametrize("mistake,message", [
    ("reset_after", "applied after the matrix product"),
    ("both", "both the blend"),
    ("rz_swapped", "r and z are swapped"),
])
def test_gru_conventions_are_told_apart(mistake, message):
    import numpy as np
    from lstmkit import cells
    from lstmkit.grading import checks

    def gru(x, h_prev, p):                     # the other conventions, written out here
        Wr, Wz, Wn = np.split(p["weight_hh"], 3)
        br, bz, bn = np.split(p["bias_hh"], 3)
        ar, az, an = np.split(x @ p["weight_ih"].T + p["bias_ih"], 3, axis=-1)
        r = 1 / (1 + np.exp(-(ar + h_prev @ Wr.T + br)))
        z = 1 / (1 + np.exp(-(az + h_prev @ Wz.T + bz)))
        if mistake == "rz_swapped":
            r, z = z, r
        n = np.tanh(an + (r * (h_prev @ Wn.T + bn) if mistake in ("reset_after", "both") else (r * h_prev) @ Wn.T + bn))
        return z * n + (1 - z) * h_prev if mistake == "both" else (1 - z) * n + z * h_prev
    assert cells.gru_step_forward is not gru
    with pytest.raises(AssertionError, match=message):
        checks.check_gru_step_forward(gru)


def test_clipping_and_norm_mistakes_are_named():
    import numpy as np
    from lstmkit.grading import checks

    def elementwise(grads, max_norm):
        total = float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
        return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, total
    with pytest.raises(AssertionError, match=r"clipped one by one \(np.clip\)"):
        checks.check_clip_by_global_norm(elementwise)

    def in_place(grads, max_norm):
        total = float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
        for g in grads.values():
            g *= min(1.0, max_norm / total)
        return grads, total
    with pytest.raises(AssertionError, match="changed the array"):
        checks.check_clip_by_global_norm(in_place)

    def transposed(H, W_hh, dh_last):
        g, norms = dh_last, [np.linalg.norm(dh_last)]
        for t in range(H.shape[0] - 1, 0, -1):
            g = (g * (1 - H[t] ** 2)) @ W_hh.T
            norms.append(np.linalg.norm(g))
        return np.array(norms[::-1])
    with pytest.raises(AssertionError, match=r"multiplied by W_hh.T"):
        checks.check_hidden_gradient_norms(transposed)
