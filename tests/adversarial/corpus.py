"""Adversarial submissions for the fixture assignment ``ps1`` (tests/fixtures/grading_course).

The assignment has four test cells: ``test_sigmoid`` (1 point), ``test_gates``
(2), ``test_rnn`` (2) and ``test_dtype`` (1): 6 points. Each case builds one
student's submission from the released notebook and states, by hand, what the
grader must conclude: the status, the test cells that must score zero
(``lost``; the score follows from the points above), and a phrase the reason
must contain. Rejected submissions score 0 and leave no grade.

Kinds: ``wrong`` answers, notebook ``surgery``, ``runtime`` abuse and
``tampering``. ``{COURSE}`` in a cell is replaced by the absolute path of the
course directory, so attacks aim at the real files.
"""

import copy
import json
from dataclasses import dataclass, field

import nbformat

NOTEBOOK = "lstm_gate.ipynb"
POINTS = {"test_sigmoid": 1, "test_gates": 2, "test_rnn": 2, "test_dtype": 1}
ALL_TESTS = set(POINTS)

GOOD = {
    "answer_sigmoid": "def sigmoid(x):\n    return 0.5 * (1.0 + np.tanh(0.5 * x))",
    "answer_gates": (
        "def lstm_gates(x, h, W_ih, W_hh, b):\n"
        "    a = x @ W_ih.T + h @ W_hh.T + b\n"
        "    H = h.shape[1]\n"
        "    return (sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]),\n"
        "            sigmoid(a[:, 3 * H:]))"),
    "answer_rnn": "def rnn_step(x, h, W_xh, W_hh, b):\n    return np.tanh(x @ W_xh.T + h @ W_hh.T + b)",
}
# Plausible-looking but wrong: right shapes and dtypes, zero values.
ZERO = {
    "answer_sigmoid": "def sigmoid(x):\n    return np.zeros_like(x)",
    "answer_gates": (
        "def lstm_gates(x, h, W_ih, W_hh, b):\n"
        "    z = np.zeros((x.shape[0], h.shape[1]))\n"
        "    return (z, z, z, z)"),
    "answer_rnn": "def rnn_step(x, h, W_xh, W_hh, b):\n    return np.zeros((x.shape[0], W_hh.shape[0]), x.dtype)",
}


@dataclass
class Case:
    name: str
    kind: str
    build: object  # build(nb) -> None (edits nb) or dict {file name: bytes | notebook}
    status: str
    lost: set = field(default_factory=set)
    reason: str = ""
    output: str = ""  # text that must appear in the autograded notebook's outputs

    @property
    def score(self):
        if self.status == "rejected":
            return 0
        return sum(p for t, p in POINTS.items() if t not in self.lost)


# ----------------------------------------------------------------- helpers
def gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def find(nb, grade_id):
    return next(c for c in nb.cells if gid(c) == grade_id)


def answers(**overrides):
    """A builder filling the answer cells with GOOD, except the given overrides."""
    def build(nb):
        for key, source in dict(GOOD, **overrides).items():
            find(nb, key).source = source
    return build


def then(*steps):
    def build(nb):
        out = None
        for step in steps:
            out = step(nb) or out
        return out
    return build


def good_then(step):
    return then(answers(), step)


def index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if gid(c) == grade_id)


def prepend(grade_id, code):
    def step(nb):
        cell = find(nb, grade_id)
        cell.source = code + "\n" + cell.source
    return step


def append(grade_id, code):
    def step(nb):
        cell = find(nb, grade_id)
        cell.source = cell.source + "\n" + code
    return step


def nbgrader_meta(grade_id, **changes):
    def step(nb):
        find(nb, grade_id).metadata["nbgrader"].update(changes)
    return step


def save_as(name):
    def step(nb):
        return {name: nb}
    return step


def raw_bytes(transform):
    def step(nb):
        return {NOTEBOOK: transform(nbformat.writes(nb).encode("utf-8"))}
    return step


def delete(grade_id):
    def step(nb):
        del nb.cells[index(nb, grade_id)]
    return step


def duplicate(grade_id):
    def step(nb):
        i = index(nb, grade_id)
        twin = copy.deepcopy(nb.cells[i])
        twin["id"] = twin.get("id", "x") + "-copy"
        nb.cells.insert(i + 1, twin)
    return step


def retype(grade_id):
    def step(nb):
        i = index(nb, grade_id)
        old = nb.cells[i]
        nb.cells[i] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    return step


def strip_all_metadata(nb):
    for cell in nb.cells:
        cell.metadata = {}


def bad_schema(nb):
    data = json.loads(nbformat.writes(nb))
    data["cells"][1]["cell_type"] = "spreadsheet"
    return {NOTEBOOK: json.dumps(data).encode()}


BLOCKED = ("    print('blocked:', type(exc).__name__)\n")


def attempt(body, fallback):
    """Answer-cell text that tries ``body``; prints ``blocked`` and defines ``fallback`` if it fails."""
    indented = "\n".join("    " + line for line in body.splitlines())
    backup = "\n".join("    " + line for line in fallback.splitlines())
    return f"try:\n{indented}\n    print('LEAKED')\nexcept Exception as exc:\n{BLOCKED}{backup}"


STEAL_FROM = (
    "import json\n"
    "nb = json.load(open({path!r}))\n"
    "for c in nb['cells']:\n"
    "    if 'def ' in ''.join(c['source']):\n"
    "        exec(''.join(l for l in c['source'] if '###' not in l))")


# ------------------------------------------------------------------- cases
CASES = [
    # --- wrong answers ------------------------------------------------------
    Case("wrong_nan_sigmoid", "wrong",
         answers(answer_sigmoid="def sigmoid(x):\n    return np.exp(x) / (1 + np.exp(x))"),
         "graded", {"test_sigmoid"}),
    Case("wrong_dtype", "wrong",
         answers(answer_rnn="def rnn_step(x, h, W_xh, W_hh, b):\n"
                            "    return np.tanh(x @ W_xh.T + h @ W_hh.T + b).astype(np.float64)"),
         "graded", {"test_dtype"}),
    Case("wrong_transposed_weights", "wrong",
         answers(answer_rnn="def rnn_step(x, h, W_xh, W_hh, b):\n    return np.tanh(x @ W_xh.T + h @ W_hh + b)"),
         "graded", {"test_rnn"}),
    Case("wrong_gate_order", "wrong",
         answers(answer_gates=GOOD["answer_gates"].replace(
             "return (sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]),",
             "return (sigmoid(a[:, :H]), np.tanh(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]),")),
         "graded", {"test_gates"}),
    Case("wrong_concatenated_gates", "wrong",
         answers(answer_gates="def lstm_gates(x, h, W_ih, W_hh, b):\n"
                              "    return sigmoid(x @ W_ih.T + h @ W_hh.T + b)"),
         "graded", {"test_gates"}),
    # --- notebook surgery ---------------------------------------------------
    Case("surgery_edited_test", "surgery",
         then(answers(answer_gates=ZERO["answer_gates"]),
              lambda nb: setattr(find(nb, "test_gates"), "source", "pass")),
         "graded", {"test_gates"}, "restored edited test cell 'test_gates'"),
    Case("surgery_deleted_test", "surgery",
         then(answers(answer_rnn=ZERO["answer_rnn"]), delete("test_rnn")),
         "graded", {"test_rnn", "test_dtype"}, "restored deleted test cell 'test_rnn'"),
    Case("surgery_duplicated_test", "surgery", good_then(duplicate("test_sigmoid")),
         "graded", set(), "removed 1 duplicate(s) of test cell 'test_sigmoid'"),
    Case("surgery_retyped_test", "surgery",
         then(answers(answer_rnn="def rnn_step(x, h, W_xh, W_hh, b):\n"
                                 "    return np.tanh(x @ W_xh.T + h @ W_hh.T + b).astype(float)"),
              retype("test_dtype")),
         "graded", {"test_dtype"}, "restored test cell 'test_dtype' (its type was changed)"),
    Case("surgery_retyped_answer", "surgery", good_then(retype("answer_gates")),
         "rejected", reason="answer cell 'answer_gates' was changed from code to markdown"),
    Case("surgery_deleted_answer", "surgery", good_then(delete("answer_rnn")),
         "rejected", reason="answer cell 'answer_rnn' is missing"),
    Case("surgery_duplicated_answer", "surgery", good_then(duplicate("answer_sigmoid")),
         "rejected", reason="answer cell 'answer_sigmoid' appears 2 times"),
    Case("surgery_stripped_metadata", "surgery", good_then(strip_all_metadata),
         "rejected", reason="is missing (deleted, or its metadata removed)"),
    Case("surgery_changed_points", "surgery",
         good_then(nbgrader_meta("test_sigmoid", points=100)),
         "graded", set(), "points: 100 -> 1"),
    Case("surgery_changed_flags", "surgery",
         then(answers(answer_gates=ZERO["answer_gates"]),
              nbgrader_meta("test_gates", grade=False, locked=False),
              nbgrader_meta("answer_sigmoid", grade=True, points=50)),
         "graded", {"test_gates"}, "restored nbgrader metadata of 'test_gates'"),
    Case("surgery_skip_tags", "surgery",
         then(answers(answer_rnn=ZERO["answer_rnn"]),
              lambda nb: find(nb, "test_rnn").metadata.update(tags=["skip-execution", "raises-exception"]),
              lambda nb: find(nb, "test_dtype").metadata.update(tags=["skip-execution"])),
         "graded", {"test_rnn", "test_dtype"}, "removed added tags ['skip-execution', 'raises-exception']"),
    Case("surgery_renamed_file", "surgery", good_then(save_as("lstm_gate_final.ipynb")),
         "rejected", reason="expected lstm_gate.ipynb, found lstm_gate_final.ipynb"),
    Case("surgery_truncated_json", "surgery", good_then(raw_bytes(lambda b: b[: len(b) // 2])),
         "rejected", reason="lstm_gate.ipynb is not valid JSON"),
    Case("surgery_bad_schema", "surgery", good_then(bad_schema),
         "rejected", reason="does not follow the notebook schema"),
    Case("surgery_unknown_kernel", "surgery",
         good_then(lambda nb: nb.metadata.update(kernelspec={"name": "evil", "display_name": "Evil"})),
         "graded", set(), "kernelspec 'evil' replaced by 'python3'"),
    # --- runtime abuse ------------------------------------------------------
    Case("runtime_infinite_loop", "runtime", good_then(prepend("answer_rnn", "while True:\n    pass")),
         "error", {"test_rnn", "test_dtype"}, "(answer_rnn): timed out; the kernel was interrupted"),
    Case("runtime_sigint_ignored", "runtime",
         good_then(prepend("answer_rnn", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                         "while True:\n    pass")),
         "error", {"test_rnn", "test_dtype"}, "ignored the interrupt; the kernel was killed"),
    Case("runtime_slow_function", "runtime",
         answers(answer_sigmoid="def sigmoid(x):\n    while True:\n        pass"),
         "error", {"test_sigmoid", "test_gates"}, "(test_sigmoid): timed out; the kernel was interrupted"),
    Case("runtime_os_exit", "runtime", good_then(prepend("answer_gates", "import os\nos._exit(3)")),
         "error", {"test_gates", "test_rnn", "test_dtype"}, "the kernel died"),
    Case("runtime_segfault", "runtime", good_then(prepend("answer_rnn", "import ctypes\nctypes.string_at(0)")),
         "error", {"test_rnn", "test_dtype"}, "the kernel died"),
    Case("runtime_sys_exit", "runtime", good_then(prepend("answer_gates", "import sys\nsys.exit(0)")),
         "graded", {"test_gates"}),
    Case("runtime_memory_bomb", "runtime",
         good_then(append("answer_gates", "def bomb():\n    hog = []\n    while True:\n"
                                          "        hog.append(np.empty(256 * 1024 ** 2, np.uint8))\nbomb()")),
         "graded", set(), output="MemoryError"),
    Case("runtime_fork_bomb", "runtime",
         good_then(append("answer_gates",
                          "import os, time\nchildren = 0\n"
                          "for _ in range(500):\n"
                          "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
                          "    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n"
                          "    children += 1\n"
                          "print('forked', children)")),
         "graded", set(), output="forked "),
    Case("runtime_disk_fill", "runtime",
         good_then(append("answer_gates", "n = 0\ntry:\n    while True:\n"
                                          "        open(f'fill{n}.bin', 'wb').write(bytes(16 * 1024 ** 2))\n"
                                          "        n += 1\nexcept OSError as exc:\n"
                                          "    print('disk stopped:', exc.strerror)")),
         "graded", set(), output="disk stopped: No space left on device"),
    Case("runtime_output_flood", "runtime",
         good_then(append("answer_sigmoid", "for i in range(300000):\n    print('flood' * 40)")),
         "graded", set(), output="more characters of output dropped"),
    # --- tampering ------------------------------------------------------------
    Case("tamper_patched_numpy", "tamper",
         then(answers(**ZERO), prepend("answer_sigmoid",
              "np.allclose = lambda *a, **k: True\nnp.isfinite = lambda x: np.ones(np.shape(x), bool)\n"
              "np.testing.assert_allclose = lambda *a, **k: None\nnp.all = lambda *a, **k: True")),
         "graded", ALL_TESTS),
    Case("tamper_patched_checker", "tamper",
         then(answers(**ZERO), prepend("answer_sigmoid",
              "import fixturecheck\nfixturecheck.assert_close = lambda *a, **k: None\n"
              "assert_close = fixturecheck.assert_close")),
         "graded", ALL_TESTS),
    Case("tamper_fake_module", "tamper",
         then(answers(**ZERO), prepend("answer_sigmoid",
              "open('fixturecheck.py', 'w').write('def assert_close(*a, **k):\\n    pass\\n')\n"
              "import sys, importlib\nsys.modules.pop('fixturecheck', None)\n"
              "import fixturecheck\nfrom fixturecheck import assert_close")),
         "graded", ALL_TESTS),
    Case("tamper_builtins", "tamper",
         then(answers(**ZERO), prepend("answer_sigmoid",
              "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
              "builtins.abs = lambda x: 0\nbuiltins.any = lambda x: False")),
         "graded", ALL_TESTS),
    Case("tamper_traceback_hooks", "tamper",
         then(answers(**ZERO), prepend("answer_sigmoid",
              "import sys\nsys.excepthook = lambda *a: None\nip = get_ipython()\n"
              "ip.showtraceback = lambda *a, **k: None\n"
              "ip.set_custom_exc((BaseException,), lambda *a, **k: None)")),
         "graded", ALL_TESTS),
    Case("tamper_lying_object", "tamper",
         answers(answer_sigmoid=(
             "class Liar:\n    def __eq__(self, other):\n        return True\n"
             "    def __array__(self, *a, **k):\n        return np.array([0.5])\n"
             "    shape = property(lambda self: (2,))\n"
             "def sigmoid(x):\n    return Liar()"),
             answer_gates=GOOD["answer_gates"].replace("sigmoid(", "_s(").replace(
                 "def lstm_gates", "_s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))\ndef lstm_gates")),
         "graded", {"test_sigmoid"}),
    Case("tamper_read_solutions", "tamper",
         answers(answer_sigmoid=attempt(STEAL_FROM.format(path="{COURSE}/solutions/ps1/lstm_gate.ipynb"),
                                        ZERO["answer_sigmoid"])),
         "graded", {"test_sigmoid", "test_gates"}, output="blocked: FileNotFoundError"),
    Case("tamper_read_gradebook", "tamper",
         good_then(append("answer_rnn", attempt("print(open('{COURSE}/gradebook.db', 'rb').read(16))",
                                                "pass"))),
         "graded", set(), output="blocked: FileNotFoundError"),
    Case("tamper_write_gradebook", "tamper",
         then(answers(answer_rnn=ZERO["answer_rnn"]), append("answer_gates", attempt(
             "import sqlite3\ndb = sqlite3.connect('file:{COURSE}/gradebook.db?mode=rw', uri=True)\n"
             "db.execute('UPDATE grade SET auto_score = 100')\ndb.commit()", "pass"))),
         "graded", {"test_rnn", "test_dtype"}, output="blocked: OperationalError"),
    Case("tamper_read_other_student", "tamper",
         then(answers(**ZERO), append("answer_rnn", attempt(
             STEAL_FROM.format(path="{COURSE}/submitted/control_perfect/ps1/lstm_gate.ipynb"), "pass"))),
         "graded", ALL_TESTS, output="blocked: FileNotFoundError"),
    Case("tamper_forged_reply", "tamper",
         good_then(prepend("answer_rnn", "import json, os, sys\n"
                                         "fd = json.loads(sys.argv[1])['fd_out']\n"
                                         "os.write(fd, (5).to_bytes(4, 'big') + b'{\"ok\"')")),
         "error", {"test_rnn", "test_dtype"}, "the kernel broke the protocol"),
    Case("tamper_oversized_result", "tamper",
         answers(answer_sigmoid="def sigmoid(x):\n    return np.zeros(40_000_000)"),
         "graded", {"test_sigmoid", "test_gates"}),
    Case("tamper_network", "tamper",
         good_then(append("answer_rnn", attempt(
             "import socket\nsocket.create_connection(('151.101.0.223', 443), timeout=3)", "pass"))),
         "graded", set(), output="blocked: OSError"),
]

CONTROLS = [
    Case("control_perfect", "control", answers(), "graded", set()),
    Case("control_untouched", "control", lambda nb: None, "graded", ALL_TESTS),
    Case("control_partial", "control",
         answers(answer_gates=ZERO["answer_gates"], answer_rnn=ZERO["answer_rnn"]),
         "graded", {"test_gates", "test_rnn", "test_dtype"}),
]
