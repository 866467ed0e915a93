"""Adversarial submissions for the fixture assignment ``ps1`` (tests/grading/fixtures/grading_course).

The assignment has four test cells: ``test_sigmoid`` (1 point), ``test_gates``
(2), ``test_rnn`` (2) and ``test_dtype`` (1): 6 points. Each case builds one
student's submission from the released notebook and states, by hand, what the
grader must conclude: the status, the test cells that must score zero
(``lost``; the score follows from the points above), and a phrase the reason
must contain. Rejected submissions score 0 and leave no grade.

Kinds: ``wrong`` answers, notebook ``surgery``, ``runtime`` abuse and
``tampering``. ``{COURSE}`` in a cell is replaced by the absolute path of the
course directory, so attacks aim at the real files.

One file of about 600 lines on purpose: it is a table of cases, each a few lines of hostile code and its hand-made
verdict; read together, they show what the grader defends against.
"""

import copy
import json
import os
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
    absent: tuple = ()  # texts that must not appear in its outputs ("{COURSE}" is the course path)
    max_bytes: int = 0  # when set: the autograded notebook's file must be smaller than this

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


# ===================================================== second round: a student with the grader's source
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def insert_after(grade_id, *sources):
    """Insert new code cells of the student's own (no nbgrader metadata) after the cell ``grade_id``."""
    def step(nb):
        i = index(nb, grade_id)
        nb.cells[i + 1:i + 1] = [nbformat.v4.new_code_cell(src) for src in sources]
    return step


def blank_then(*steps):
    """The released notebook (answer cells untouched) plus ``steps``: such a student must score 0."""
    return then(lambda nb: None, *steps)


def with_files(files):
    """Write extra files next to the notebook; the value ``"mkfifo"`` makes a named pipe."""
    def step(nb):
        return dict({NOTEBOOK: nb}, **files)
    return step


# The kernel's own module globals (``serve`` looks ``names``, ``error_info`` and ``wire`` up there at each
# request), found through the garbage collector, and its wire module.
KERNEL = ("import gc, sys, types\n"
          "KG = next(f.__globals__ for f in gc.get_objects() if type(f) is types.FunctionType\n"
          "          and f.__code__.co_filename.endswith('student_kernel.py'))\n"
          "W = sys.modules['wire']\n")
# Trusted names of the grader's side a forged ``names`` reply tries to replace: the checker, numpy, the
# setup module, the test cells' own helpers and builtins the tests use.
FORGED = ("def _noop(*a, **k):\n    return None\n"
          "class _Yes:\n    def __getattr__(self, name):\n        return _noop\n"
          "FORGED = {'assert_close': _noop, 'np': _Yes(), 'fixturecheck': _Yes(), 'checks': _Yes(),\n"
          "          's': _noop, 'expected': None, 'a': None, 'AssertionError': Warning, 'len': _noop,\n"
          "          'zip': _noop, 'print': _noop, '__builtins__': {}, 'get_ipython': _noop}\n")
WIRE_FORGERY = KERNEL + FORGED + (
    "_send = W.write_frame\n"
    "def _forged_send(fd, header, blobs=()):\n"
    "    if isinstance(header.get('values'), dict):\n"
    "        blobs = list(blobs)\n"
    "        values = dict(header['values'])\n"
    "        for key, value in FORGED.items():\n"
    "            values[key] = W.encode(value, blobs, KG['make_ref'])\n"
    "        header = dict(header, values=values)\n"
    "    return _send(fd, header, blobs)\n"
    "W.write_frame = _forged_send\n"
    "print('forging names replies through wire.write_frame')")
# Only the test cells' comparison helper, replaced by one that accepts anything: the smallest forgery, and the
# one that gave full marks to zero answers when the grader took every key of the reply.
FORGED_HELPER_ONLY = ("def _noop(*a, **k):\n    return None\n"
                      "FORGED = {'assert_close': _noop}\n")
WIRE_FORGERY_HELPER_ONLY = WIRE_FORGERY.replace(FORGED, FORGED_HELPER_ONLY)
NAMES_FORGERY = KERNEL + FORGED + (
    "_names = KG['names']\n"
    "def _forged_names(shell, request):\n"
    "    reply, blobs = _names(shell, request)\n"
    "    for key, value in FORGED.items():\n"
    "        reply['values'][key] = W.encode(value, blobs, KG['make_ref'])\n"
    "    return reply, blobs\n"
    "KG['names'] = _forged_names\n"
    "print('forging names replies through the kernel')")
# Every name a test cell reads or binds, defined by the student so that zero answers would look right.
SHADOWS = ("def assert_close(*a, **k):\n    return None\n"
           "s = lambda z: 0 * z\nz = 0\nB, D, H = 3, 5, 4\na = np.zeros((3, 16))\n"
           "expected = tuple(np.zeros((3, 4)) for _ in range(4))\nfound = expected\n"
           "big = np.zeros(5)\nrng = None\nx32 = h32 = out = np.zeros((1, 2), np.float32)\n"
           "name, f_, e_ = 'i', 0, 0\n")

FD_OUT = "import json, os, sys\nfd = json.loads(sys.argv[1])['fd_out']\n"


def write_all(data):
    """Answer-cell text writing raw ``data`` (a Python bytes expression) to the kernel's reply pipe."""
    return FD_OUT + f"data = {data}\nwhile data:\n    data = data[os.write(fd, data):]"


FIND_REAL_LSTMKIT = (
    "import glob, importlib.util, os, sys\n"
    "found, tried = [], ['{repo}/lstmkit/__init__.py', '/home/tester/lstm/lstmkit/__init__.py']\n"
    "try:\n"
    "    import __editable___lstmkit_0_1_0_finder as finder\n"
    "    tried += [os.path.join(p, '__init__.py') for p in finder.MAPPING.values()]\n"
    "except Exception:\n"
    "    pass\n"
    "roots = sys.path + ['/opt', '/root', '/work', '/home', '/srv', '/var', '/usr/local', '/usr/lib', '/tmp', '/seed']\n"
    "for root in roots:\n"
    "    for depth in range(4):\n"
    "        tried += glob.glob(os.path.join(root, *['*'] * depth, 'lstmkit', 'grading', 'runner.py'))\n"
    "        tried += glob.glob(os.path.join(root, *['*'] * depth, 'solutions', '*', '*.ipynb'))\n"
    "for path in tried:\n"
    "    if os.path.exists(path) and not path.startswith('/opt/course'):\n"
    "        found.append(path)\n"
    "for name in [m for m in sys.modules if m == 'lstmkit' or m.startswith('lstmkit.')]:\n"
    "    del sys.modules[name]\n"
    "sys.path[:] = [p for p in sys.path if not p.startswith('/opt/course')]\n"
    "try:\n"
    "    import lstmkit\n"
    "    found.append(lstmkit.__file__)\n"
    "except ImportError:\n"
    "    pass\n"
    "print('real lstmkit copies:', found)\n"
    "sys.path.insert(1, '/opt/course/lib')\n").replace("{repo}", REPO)
FOREIGN_CODE = (
    "import gc, sys, types\n"
    "mine = (sys.prefix, sys.base_prefix, '/opt/course/', '/usr/', '/scratch', '<')\n"
    "foreign = sorted({f.__code__.co_filename for f in gc.get_objects() if type(f) is types.FunctionType\n"
    "                  and not f.__code__.co_filename.startswith(mine)})\n"
    "print('foreign code:', foreign)")

KEYCTL = ("import ctypes, struct\n"
          "libc = ctypes.CDLL(None, use_errno=True)\n"
          "def keyctl(*args):\n"
          "    return libc.syscall(ctypes.c_long(250), *(ctypes.c_long(a) for a in args))\n")
KEY_PLANT = KEYCTL + (
    "persistent = keyctl(22, -1, -4)\n"
    "for ring in (-4, -5, persistent):\n"
    "    key = libc.syscall(ctypes.c_long(248), b'user', b'planted-by-keyring_plant', b'SECRET-ANSWERS',\n"
    "                       ctypes.c_long(14), ctypes.c_long(ring))\n"
    "    keyctl(5, key, 0x3f3f3f3f)    # KEYCTL_SETPERM: anyone may read the key\n"
    "    keyctl(5, ring, 0x3b3b0000)   # the keyring loses 'write': the next job's KEYCTL_CLEAR fails\n"
    "print('planted')")
KEY_READ = KEYCTL + (
    "def members(ring):\n"
    "    buf = ctypes.create_string_buffer(4096)\n"
    "    n = keyctl(11, ring, ctypes.addressof(buf), 4096)\n"
    "    return struct.unpack(f'{n // 4}i', buf.raw[:n]) if n > 0 else ()\n"
    "def describe(key):\n"
    "    buf = ctypes.create_string_buffer(512)\n"
    "    return buf.value.decode(errors='replace') if keyctl(6, key, ctypes.addressof(buf), 512) > 0 else ''\n"
    "seen = []\n"
    "for ring in (-3, -4, -5, keyctl(22, -1, -4)):\n"
    "    seen += [describe(k) for k in members(ring) if 'planted' in describe(k)]\n"
    "try:\n"
    "    seen += [line.strip() for line in open('/proc/keys') if 'planted' in line]\n"
    "except OSError:\n"
    "    pass\n"
    "print('keyring saw:', seen)\n"
    "if seen:\n"
    "    def sigmoid(x):\n"
    "        return 0.5 * (1.0 + np.tanh(0.5 * x))")
FORGED_ENAME = KERNEL + (
    "def _huge(exc):\n"
    "    return {'ename': 'E' * 900_000, 'evalue': '', 'traceback': ''}\n"
    "KG['error_info'] = _huge\n"
    "print('every error now has a 900 kB name')")
STATEFUL = ("calls = [0]\n"
            "def {name}({args}):\n"
            "    calls[0] += 1\n"
            "    if calls[0] > 1:\n"
            "        return np.zeros_like({zero})\n"
            "    return {body}")

CASES += [
    # --- 1. names-reply injection: extra keys must never replace the grader's objects ------------------
    Case("tamper_names_injection_wire", "tamper",
         then(answers(**ZERO), insert_after("setup", WIRE_FORGERY)),
         "graded", ALL_TESTS, output="forging names replies through wire.write_frame"),
    Case("tamper_names_injection_kernel", "tamper",
         then(answers(**ZERO), insert_after("setup", NAMES_FORGERY)),
         "graded", ALL_TESTS, output="forging names replies through the kernel"),
    Case("tamper_names_injection_blank", "tamper", blank_then(insert_after("setup", NAMES_FORGERY)),
         "graded", ALL_TESTS, output="forging names replies through the kernel"),
    Case("tamper_names_injection_wire_blank", "tamper", blank_then(insert_after("setup", WIRE_FORGERY)),
         "graded", ALL_TESTS, output="forging names replies through wire.write_frame"),
    Case("tamper_names_injection_helper_only", "tamper",
         then(answers(**ZERO), insert_after("setup", WIRE_FORGERY_HELPER_ONLY)),
         "graded", ALL_TESTS, output="forging names replies through wire.write_frame"),
    # --- 2. reaching a reference implementation or the grader's code from the sandbox ------------------
    Case("tamper_import_torch", "tamper",
         good_then(append("answer_rnn", attempt("import torch\nprint(torch.nn.LSTM)", "pass"))),
         "graded", set(), output="blocked: "),
    Case("tamper_import_grading_runner", "tamper",
         good_then(append("answer_rnn", attempt("import lstmkit.grading.runner as r\nprint(r.__file__)", "pass"))),
         "graded", set(), output="blocked: ModuleNotFoundError"),
    Case("tamper_use_grading_checks", "tamper",
         good_then(append("answer_rnn", attempt("from lstmkit.grading.checks import assert_close as c\nprint(c)",
                                                "pass"))),
         "graded", set(), output="blocked: RuntimeError"),
    Case("tamper_find_real_lstmkit", "tamper",
         then(answers(answer_rnn=ZERO["answer_rnn"]), append("answer_gates", FIND_REAL_LSTMKIT)),
         "graded", {"test_rnn", "test_dtype"}, output="real lstmkit copies: []"),
    Case("tamper_trusted_code_objects", "tamper", good_then(append("answer_rnn", FOREIGN_CODE)),
         "graded", set(), output="foreign code: []"),
    # --- 3. expected values never come from student code; stateful answers are caught ------------------
    Case("wrong_stateful_sigmoid", "wrong",
         answers(answer_sigmoid=STATEFUL.format(name="sigmoid", args="x", zero="x",
                                                body="0.5 * (1.0 + np.tanh(0.5 * x))"),
                 answer_gates=GOOD["answer_gates"].replace("sigmoid(", "_s(").replace(
                     "def lstm_gates", "_s = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))\ndef lstm_gates")),
         "graded", {"test_sigmoid"}),
    Case("wrong_stateful_rnn", "wrong",
         answers(answer_rnn=STATEFUL.format(name="rnn_step", args="x, h, W_xh, W_hh, b", zero="h",
                                            body="np.tanh(x @ W_xh.T + h @ W_hh.T + b)")),
         "graded", {"test_dtype"}),
    Case("wrong_gates_consistent_with_wrong_sigmoid", "wrong", answers(answer_sigmoid=ZERO["answer_sigmoid"]),
         "graded", {"test_sigmoid", "test_gates"}),
    Case("wrong_shadowed_test_helpers", "wrong", then(answers(**ZERO), insert_after("setup", SHADOWS)),
         "graded", ALL_TESTS),
    Case("wrong_shadowed_test_helpers_blank", "wrong", blank_then(insert_after("setup", SHADOWS)),
         "graded", ALL_TESTS),
    # --- 4. overload -------------------------------------------------------------------------------------
    Case("runtime_15000_cells", "runtime",
         good_then(lambda nb: nb.cells.extend(nbformat.v4.new_code_cell(f"print({i})") for i in range(15000))),
         "rejected", reason="cells, over the limit of 2000"),
    Case("runtime_notebook_output_budget", "runtime",
         good_then(insert_after("setup", *["import sys\nprint('o' * 30000)\nsys.stderr.write('e' * 30000)\n"
                                           "raise ValueError('v' * 30000)"] * 120)),
         "graded", set(), output="the notebook's output limit was reached", max_bytes=5 * 1024 ** 2),
    Case("runtime_forged_error_names", "runtime",
         good_then(insert_after("setup", FORGED_ENAME, *["raise ValueError"] * 60)),
         "graded", set(), max_bytes=5 * 1024 ** 2),
    Case("tamper_oversized_header_length", "tamper",
         good_then(prepend("answer_rnn", write_all("b'\\xff\\xff\\xff\\xff'"))),
         "error", {"test_rnn", "test_dtype"}, "the kernel broke the protocol (header of 4294967295 bytes exceeds"),
    Case("tamper_deeply_nested_header", "tamper",
         good_then(prepend("answer_rnn", write_all("(1_000_000).to_bytes(4, 'big') + b'[' * 1_000_000"))),
         "error", {"test_rnn", "test_dtype"}, "the kernel broke the protocol (malformed header: RecursionError)"),
    Case("tamper_oversized_blob_lengths", "tamper",
         good_then(prepend("answer_rnn", write_all(
             "(lambda h: len(h).to_bytes(4, 'big') + h)(b'{\"seq\": 0, \"blobs\": [17000000]}')"))),
         "error", {"test_rnn", "test_dtype"}, "the kernel broke the protocol (message exceeds the size limit)"),
    # --- 6. smaller -------------------------------------------------------------------------------------
    Case("surgery_deeply_nested_json", "surgery",
         raw_bytes(lambda b: b'{"nbformat": 4, "cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
         "rejected", reason="nests its JSON too deeply"),
    Case("surgery_fifo_in_submission", "surgery", good_then(with_files({"pipe": "mkfifo"})),
         "graded", set(), "left out links, special or oversized files ['pipe']"),
    Case("runtime_keyboard_interrupt_in_function", "runtime",
         answers(answer_rnn="def rnn_step(x, h, W_xh, W_hh, b):\n    raise KeyboardInterrupt"),
         "graded", {"test_rnn", "test_dtype"}, output="KeyboardInterrupt"),
    Case("runtime_keyboard_interrupt_in_cell", "runtime", good_then(append("answer_rnn", "raise KeyboardInterrupt")),
         "graded", set(), output="KeyboardInterrupt"),
    Case("tamper_proc1_cmdline", "tamper",
         good_then(append("answer_rnn", "print('cmdline:', open('/proc/1/cmdline', 'rb').read()"
                                        ".replace(b'\\0', b' ').decode())")),
         "graded", set(), output="/opt/course/kernel/student_kernel.py", absent=("{COURSE}", "lstmkit-grading-")),
    # /proc/self/mountinfo names the host folders behind the sandbox's binds (the venv, the job's scratch copy
    # and student build): documented, nothing else at those paths is reachable. The course is never mounted.
    Case("tamper_mountinfo_host_paths", "tamper",
         good_then(append("answer_rnn", "print('mountinfo:', open('/proc/self/mountinfo').read())")),
         "graded", set(), output="mountinfo:", absent=("{COURSE}",)),
]

# --- 5. keyrings: graded one after the other on ONE worker slot (the same sandbox uid) -----------------
KEYRING = [
    Case("keyring_plant", "tamper", good_then(append("answer_rnn", KEY_PLANT)), "graded", set(), output="planted"),
    Case("keyring_read", "tamper", then(answers(**ZERO), append("answer_sigmoid", KEY_READ)),
         "graded", ALL_TESTS, output="keyring saw: []"),
]
