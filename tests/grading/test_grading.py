"""Unit tests of the hardened autograder's parts: the wire format, the sandbox, the trusted
test context and the command line. The whole pipeline is in test_grading_adversarial.py."""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from lstmkit.grading import wire
from support.optional_deps import needs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
needs_bwrap = needs("bubblewrap")


def roundtrip(value):
    blobs = []
    tree = wire.encode(value, blobs, make_ref=lambda obj: {"t": "ref", "id": 7})
    return wire.decode(tree, blobs, make_proxy=lambda tree: ("proxy", tree["id"]))


# ----------------------------------------------------------------------- wire
def test_plain_data_survives_the_wire():
    value = {"a": [1, 2.5, float("nan"), float("-inf"), 3 + 4j, b"\x00raw", None, True],
             3: (np.arange(6, dtype=np.float32).reshape(2, 3), np.int16(-4), "text"),
             "bool": np.array([True, False])}
    back = roundtrip(value)
    assert back["a"][:2] == [1, 2.5] and np.isnan(back["a"][2]) and back["a"][3] == float("-inf")
    assert back["a"][4:] == [3 + 4j, b"\x00raw", None, True]
    arr, scalar, text = back[3]
    assert arr.dtype == np.float32 and arr.shape == (2, 3) and np.array_equal(arr, np.arange(6).reshape(2, 3))
    assert type(scalar) is np.int16 and scalar == -4 and text == "text"
    assert back["bool"].dtype == bool and list(back["bool"]) == [True, False]


def test_objects_stay_behind_as_references():
    class Liar:
        def __eq__(self, other):
            return True

    assert roundtrip([Liar(), np.array([Liar()], dtype=object), print]) == [("proxy", 7)] * 3


def test_decoding_refuses_pickles_and_malformed_trees():
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError, match="malformed array"):
        wire.decode({"t": "nd", "i": 0}, [buf.getvalue()], make_proxy=None)
    with pytest.raises(wire.WireError, match="unknown tag"):
        wire.decode({"t": "eval", "v": "1"}, [], make_proxy=None)
    with pytest.raises(wire.WireError, match="blob index"):
        wire.decode({"t": "nd", "i": 3}, [], make_proxy=None)
    deep = 1
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(deep, [], make_proxy=None)
    with pytest.raises(wire.WireError, match="integer too large"):
        wire.decode(10 ** 5000, [], make_proxy=None)


def test_frames_roundtrip_and_reject_oversized_headers():
    r, w = os.pipe()
    wire.write_frame(w, {"op": "x", "n": 1}, [b"abc", b""])
    header, blobs = wire.read_frame(r)
    assert header["op"] == "x" and blobs == [b"abc", b""]
    os.write(w, (wire.MAX_HEADER + 1).to_bytes(4, "big"))
    with pytest.raises(wire.WireError, match="exceeds the limit"):
        wire.read_frame(r)
    os.close(r)
    os.close(w)


# -------------------------------------------------------------------- sandbox
def student_build(assignment="ps1"):
    """A student build of lstmkit in a fresh temporary folder (the caller removes it)."""
    from lstmkit.grading import student_build as sb

    return sb.build(os.path.join(tempfile.mkdtemp(prefix="build-test-"), "b"), assignment)


@pytest.fixture
def kernel():
    from lstmkit.grading.kernel_client import StudentKernel

    scratch = tempfile.mkdtemp(prefix="kernel-test-")
    build = student_build()
    with open(os.path.join(scratch, "mine.txt"), "w") as fh:
        fh.write("student file")
    k = StudentKernel(scratch, build, {"as": 1 << 30, "nproc": 16, "fsize": 1 << 20}, 61005, 5000)
    yield k
    k.close()
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(os.path.dirname(build.root), ignore_errors=True)


def run(kernel, source):
    reply = kernel.run(source, time.monotonic() + 30)
    assert reply["error"] is None, reply["error"]
    return reply["stdout"]


@needs_bwrap
def test_sandbox_sees_only_python_lstmkit_and_its_scratch(kernel):
    assert os.path.isdir(os.path.join(ROOT, "tests"))  # present outside the sandbox
    out = run(kernel, f"""
import os, resource, socket
print(sorted(os.listdir('/work/main')) if os.path.isdir('/work/main') else None)
print(os.path.exists({os.path.join(ROOT, 'tests')!r}), os.path.exists({ROOT + '/nbgrader_config.py'!r}))
print(os.getcwd(), open('mine.txt').read())
print(os.getuid() if os.geteuid() else 'root')
print(resource.getrlimit(resource.RLIMIT_NPROC)[0], resource.getrlimit(resource.RLIMIT_AS)[0])
try:
    open({os.path.join(ROOT, 'lstmkit', 'evil.py')!r}, 'w')
except OSError as exc:
    print('write blocked', exc.errno)
try:
    socket.create_connection(('1.1.1.1', 53), timeout=2)
except OSError as exc:
    print('network blocked')
import lstmkit, lstmkit.grading
print(lstmkit.__file__, sorted(os.listdir(os.path.dirname(lstmkit.grading.__file__))))
""").splitlines()
    if ROOT == "/work/main":
        assert out[0] == str(sorted(n for n in [".venv"] if os.path.isdir(os.path.join(ROOT, n))))
    assert out[1] == "False False"
    assert out[2] == "/scratch student file"
    if os.geteuid() == 0:
        assert out[3] == "61005"
    assert out[4] == f"16 {1 << 30}"
    assert out[5].startswith("write blocked") and out[6] == "network blocked"
    # the student build, not the real package: lstmkit.grading is a placeholder without the checks' code
    assert out[7] == "/opt/course/lib/lstmkit/__init__.py ['__init__.py', 'checks.py']"
    assert not os.path.exists(os.path.join(ROOT, "lstmkit", "evil.py"))


@needs_bwrap
def test_trusted_tests_ignore_patches_made_in_the_student_kernel(kernel):
    from lstmkit.grading.trusted import TrustedContext

    run(kernel, "import numpy as np\n"
                "np.allclose = lambda *a, **k: True\n"
                "def square(x):\n    return x * 3\n"
                "def picky(x):\n    raise ValueError('bad input: ' + str(x))\n"
                "class Box:\n    def __init__(self, v):\n        self.v = v\n"
                "    def get(self):\n        return np.full(2, self.v)")
    context = TrustedContext(kernel, {"square", "picky", "Box"}, tempfile.gettempdir())
    outputs, error = context.run("import numpy as np\nassert np.allclose(square(np.ones(2)), 1.0)", 10, 1000)
    assert isinstance(error, AssertionError)  # 3 != 1 once numpy is the grader's own
    outputs, error = context.run(
        "try:\n    picky(3)\nexcept ValueError as exc:\n    caught = str(exc)\n"
        "assert caught == 'bad input: 3'\n"
        "b = Box(2.5)\nassert np.array_equal(b.get(), [2.5, 2.5]) and b.v == 2.5\n"
        "assert square.__module__ == '__main__'", 10, 1000)
    assert error is None, outputs


@needs_bwrap
def test_a_call_that_hangs_is_interrupted_and_the_kernel_survives(kernel):
    from lstmkit.grading.kernel_client import CellTimeout
    from lstmkit.grading.trusted import TrustedContext

    run(kernel, "def spin():\n    while True:\n        pass\ndef ok():\n    return 42")
    context = TrustedContext(kernel, {"spin", "ok"}, tempfile.gettempdir())
    start = time.monotonic()
    _, error = context.run("spin()", 1.0, 1000)
    assert isinstance(error, CellTimeout) and time.monotonic() - start < 10
    _, error = context.run("assert ok() == 42", 5, 1000)
    assert error is None and kernel.dead is None


# ---------------------------------------------------------------- command line
def cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "lstmkit.grading", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_command_line_errors_are_clear(tmp_path):
    done = cli(tmp_path, "autograde", "ps1")
    assert done.returncode == 2 and "no nbgrader_config.py" in done.stderr
    done = cli(tmp_path, "autograde", "ps1", "--workers", "0")
    assert done.returncode == 2 and "--workers: expected a positive integer, got 0" in done.stderr


@needs_bwrap
def test_unknown_assignment_names_the_missing_step(tmp_path):
    shutil.copy(os.path.join(ROOT, "tests", "grading", "fixtures", "grading_course", "nbgrader_config.py"), tmp_path)
    done = cli(tmp_path, "autograde", "nope")
    assert done.returncode == 2
    assert "assignment 'nope' is not in the gradebook" in done.stderr
    assert f"has no source folder {tmp_path / 'solutions' / 'nope'} to record it from" in done.stderr


@needs_bwrap
def test_whole_notebook_time_limit_stops_the_rest():
    import nbformat

    from lstmkit.grading.runner import execute_notebook

    cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(1.2)\nprint('ran')") for _ in range(5)]
    nb = nbformat.v4.new_notebook(cells=cells)
    scratch = tempfile.mkdtemp(prefix="kernel-test-")
    from lstmkit.grading.limits import Limits

    limits = Limits(notebook_timeout=3.0, cell_timeout=2.0, output_limit=1000, memory_mb=1024,
                    nproc=16).for_job(uid=61006)
    build = student_build()
    events = execute_notebook(nb, {}, set(), scratch, build, tempfile.gettempdir(), limits)
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(os.path.dirname(build.root), ignore_errors=True)
    ran = [any("ran" in str(o.get("text", "")) for o in c.outputs) for c in nb.cells]
    assert ran[0] and not ran[-1]  # 1.2 s cells: the third or fourth crosses the 3 s budget
    assert any("timed out" in e or "notebook exceeded its time limit of 3.0 s" in e for e in events), events
    assert "not run: the notebook ran out of time" in str(nb.cells[-1].outputs)


@needs_bwrap
def test_failing_test_cells_get_their_codes_from_the_grader():
    """A check's failure gives its code, another exception its type, a test left unrun by the notebook's deadline
    generic.timeout; what the student's code prints (a forged pointer) is not read."""
    import nbformat

    from lstmkit.grading.limits import Limits
    from lstmkit.grading.runner import execute_notebook
    from lstmkit.grading.verdicts import CellVerdict

    def test(gid, source):
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"grade": True, "grade_id": gid}})

    cells = [nbformat.v4.new_code_cell("x = 1\nprint('[mistake lstm.h_prev_unused]')"),
             test("t_check", "from lstmkit.grading.checks.mistakes import fail\n"
                             "raise fail('lstm.gate_order', 'the gates are in the wrong order')"),
             test("t_assert", "print('[mistake lstm.h_prev_unused]')\nassert x == 2"), test("t_pass", "assert x == 1")]
    cells += [nbformat.v4.new_code_cell("import time\ntime.sleep(1.2)") for _ in range(3)] + [test("t_late", "x")]
    nb = nbformat.v4.new_notebook(cells=cells)
    roles = {gid: "test" for gid in ("t_check", "t_assert", "t_pass", "t_late")}
    limits = Limits(notebook_timeout=3.0, cell_timeout=2.0, output_limit=1000, memory_mb=1024,
                    nproc=16).for_job(uid=61007)
    scratch, build, verdicts = tempfile.mkdtemp(prefix="kernel-test-"), student_build(), []
    try:
        execute_notebook(nb, roles, {"x"}, scratch, build, tempfile.gettempdir(), limits, verdicts=verdicts)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(os.path.dirname(build.root), ignore_errors=True)
    assert verdicts == [CellVerdict("t_check", "lstm.gate_order", "check"),
                        CellVerdict("t_assert", "error.AssertionError", "error"),
                        CellVerdict("t_late", "generic.timeout", "timeout")]


@needs_bwrap
def test_partial_credit_and_stderr_follow_nbgrader_rules(kernel):
    import nbformat
    from nbgrader.utils import determine_grade

    from lstmkit.grading.trusted import TrustedContext

    run(kernel, "def noisy(x):\n    import warnings\n    warnings.warn('overflow', RuntimeWarning)\n    return x")
    context = TrustedContext(kernel, {"noisy"}, tempfile.gettempdir())

    def score(source):
        cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "t",
            "schema_version": 3}})
        cell.outputs, _ = context.run(source, 10, 1000)
        return determine_grade(cell)[0]

    assert score("x = 1\n0.75 * 2") == 1.5          # last expression: partial credit
    assert score("assert noisy(3) == 3") == 0       # the student's warning reaches stderr
    assert score("assert noisy(4) == 4") == 0       # ... in every cell that triggers it
    assert score("y = 2") == 2


@needs_bwrap
def test_assignment_with_two_notebooks_and_a_written_answer(tmp_path):
    import nbformat
    from support.grading_course import make_course, nbgrader

    from lstmkit.grading import batch

    course = make_course(str(tmp_path / "course"))
    nbgrader(course, "generate_assignment", "ps2", "--force")

    def submit(student, answers, skip=()):
        folder = os.path.join(course, "submitted", student, "ps2")
        os.makedirs(folder)
        for name in ("part_a", "part_b"):
            if name in skip:
                continue
            nb = nbformat.read(os.path.join(course, "exercises", "ps2", name + ".ipynb"), 4)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in answers:
                    cell.source = answers[gid]
            nbformat.write(nb, os.path.join(folder, name + ".ipynb"))

    good = {"answer_double": "def double(x):\n    return 2 * np.asarray(x)",
            "answer_halve": "def halve(x):\n    return x / 2", "answer_forget": "It can reset the state."}
    submit("both", good)
    submit("half_wrong", dict(good, answer_halve="def halve(x):\n    return x // 2"))
    submit("one_missing", good, skip=("part_b",))
    rows = {r["student"]: r for r in batch.autograde(course, "ps2", workers=2, log=lambda *a: None)}
    assert (rows["both"]["status"], rows["both"]["score"], rows["both"]["max_score"]) == ("needs_manual", 2, 4)
    assert (rows["half_wrong"]["status"], rows["half_wrong"]["score"]) == ("needs_manual", 1)
    assert rows["one_missing"]["status"] == "rejected"
    assert rows["one_missing"]["reason"] == "part_b.ipynb is missing from the submission"
    for student in ("both", "half_wrong"):
        for name in ("part_a", "part_b"):
            assert os.path.exists(os.path.join(course, "autograded", student, "ps2", name + ".ipynb"))


@needs_bwrap
def test_sandbox_mounts_tmp_before_the_read_only_binds():
    """A course (and its .venv) checked out under /tmp must stay visible inside the sandbox: bwrap applies
    its mounts in order, so the tmpfs on /tmp has to come before every read-only bind."""
    from lstmkit.grading import sandbox
    args = sandbox.bwrap_options("/tmp/some-scratch", "/tmp/some-build", as_root=True)
    tmpfs_at = [i for i, a in enumerate(args) if a == "--tmpfs" and args[i + 1] == "/tmp"]
    binds = [i for i, a in enumerate(args) if a == "--ro-bind"]
    assert len(tmpfs_at) == 1 and binds and tmpfs_at[0] < min(binds), args


def test_trusted_context_asks_only_for_the_names_it_needs():
    """The grader asks the student's kernel for the answer names a test reads and for names bound nowhere on
    its side, never for the test's own variables (a hidden test's loop names would reach the student), and
    keeps only the keys it asked for."""
    from lstmkit.grading.trusted import TrustedContext

    class RecordingKernel:
        dead, student_output = None, []

        def __init__(self):
            self.asked = []

        def names(self, names, deadline):
            self.asked.append(set(names))
            return {name: 2 for name in names}  # plain data standing for the student's values

    kernel = RecordingKernel()
    context = TrustedContext(kernel, {"answer"}, tempfile.gettempdir())
    _, error = context.run("import math\nhelper = 1", 5, 1000)
    assert error is None and kernel.asked == []
    _, error = context.run("for seed, (B, D) in enumerate([(1, 2)], start=10):\n"
                           "    total = answer * B + helper + math.floor(extra)\n"
                           "assert total == 2 * 1 + 1 + 2", 5, 1000)
    assert error is None, error
    assert kernel.asked == [{"answer", "extra"}]
