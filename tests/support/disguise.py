"""What a student does to code (their own, or code they copy and want to hide): rename, reorder, reformat,
recomment. Every step keeps what the code computes (tests/grading/test_similarity.py checks it).

- ``restyle`` (an independent student's habits only): ``@``, ``np.dot``, ``np.matmul`` or ``.dot``; the order of
  the operands of + and *; ``np.multiply``; ``len(X)`` for ``X.shape[0]``; a variable for the returned value;
- ``rename``: every local variable, parameter and helper function gets a new name (the functions the
  assignment asks for and the names the notebook provides keep theirs);
- ``reorder``: adjacent statements that do not depend on each other swap places at random, and helper
  functions move below or above the function that calls them;
- ``reformat``: ast.unparse's layout, then a random style: indent width, spaces around operators, blank
  lines, long calls broken after their commas;
- ``recomment``: comments from a pool, on lines of their own or at the ends of lines.
"""
from __future__ import annotations

import ast
import builtins
import io
import keyword
import random
import tokenize

FIXED = {"lstm_gates", "lstm_step_forward", "lstm_forward", "np", "lstmkit", "sigmoid", "dsigmoid", "dtanh",
         "checks"} | set(dir(builtins))
_POOL = ["a", "b", "u", "v", "w", "y", "q", "r", "tmp", "val", "res", "acc", "cur", "nxt", "prev", "state", "mem",
         "inp", "out2", "z1", "z2", "gate", "blk", "act", "pre_act", "lin", "m", "k2", "idx", "step", "seq", "hid",
         "cell", "vec", "mat", "buf", "data", "arr", "xs", "ys", "hh", "cc", "w_in", "w_rec", "bias_all", "n_hid",
         "sz", "hsize", "parts", "blocks", "pieces", "items", "results", "collected", "hist", "trace", "ctx", "carry",
         "mem_c", "hid_h", "xt", "x_now", "h_now", "c_now", "g_all", "acts", "pre", "weights", "p", "theta", "prm"]
_COMMENTS = ["# compute the gates", "# pre-activations", "# loop over time", "# new cell state",
             "# hidden state", "# split into four blocks", "# see the book, chapter 2", "# TODO: check shapes",
             "# (B, H)", "# forget old, write new", "# time-major", "# keep every step", "# returns (h, c)",
             "# sigmoid for i, f, o; tanh for g", "# careful with the axis", "# vectorised", "# done"]


def _bound_names(tree: ast.AST) -> set:
    """Names the code binds (assignments, loop targets, parameters, helper functions, comprehension targets)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
    return names - FIXED


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.mapping.get(node.arg, node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node


def rename(tree: ast.Module, rng: random.Random) -> ast.Module:
    """Every name the code binds (but the fixed ones) replaced by a fresh one from the pool, consistently."""
    bound = sorted(_bound_names(tree))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | FIXED | set(keyword.kwlist)
    fresh = [n for n in _POOL if n not in used]
    rng.shuffle(fresh)
    mapping = {old: fresh[i] if i < len(fresh) else f"{old}_{i}" for i, old in enumerate(bound)}
    return _Renamer(mapping).visit(tree)


def _reads_writes(stmt: ast.stmt):
    reads, writes = set(), set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                writes.add(base.id)
        elif isinstance(node, ast.Call):
            writes.add("<call>")  # a call may change what it is given: calls keep their order
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        reads.add(stmt.target.id)
    return reads, writes


def _independent(one: ast.stmt, two: ast.stmt) -> bool:
    simple = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)
    if not (isinstance(one, simple) and isinstance(two, simple)):
        return False
    r1, w1 = _reads_writes(one)
    r2, w2 = _reads_writes(two)
    if "<call>" in w1 and "<call>" in w2:
        return False
    w1.discard("<call>")
    w2.discard("<call>")
    return not (w1 & (r2 | w2)) and not (w2 & r1)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _shuffle_body(body: list, rng: random.Random) -> list:
    body = list(body)
    first = 1 if _is_docstring(body[0]) else 0
    for _ in range(len(body)):
        i = first + rng.randrange(max(1, len(body) - 1 - first))
        if i + 1 < len(body) and _independent(body[i], body[i + 1]) and rng.random() < 0.7:
            body[i], body[i + 1] = body[i + 1], body[i]
    return body


def reorder(tree: ast.Module, rng: random.Random) -> ast.Module:
    """Independent adjacent statements swapped (in every block), top-level functions in a random order."""
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt) \
                    and not isinstance(node, ast.Module):
                setattr(node, field, _shuffle_body(block, rng))
    if all(isinstance(s, ast.FunctionDef) for s in tree.body):
        rng.shuffle(tree.body)
    return tree


_NOT_ARRAYS = (ast.Tuple, ast.List, ast.Constant, ast.JoinedStr)


def _array_operand(node: ast.expr) -> bool:
    """Whether swapping ``node`` with the other operand of + or * keeps the value (not a tuple, list, shape)."""
    if isinstance(node, _NOT_ARRAYS):
        return False
    return not any(isinstance(n, ast.Attribute) and n.attr == "shape" for n in ast.walk(node))


class _Restyle(ast.NodeTransformer):
    """A student's habits: how they write a matrix product, a product, a length; the order of operands."""

    def __init__(self, habits, rng):
        self.habits, self.rng = habits, rng

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = type(node.op)
        if op is ast.MatMult and self.habits["matmul"] != "@":
            style = self.habits["matmul"]
            if style == ".dot":
                return ast.Call(ast.Attribute(node.left, "dot", ast.Load()), [node.right], [])
            return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), style, ast.Load()), [node.left, node.right], [])
        if op in (ast.Add, ast.Mult) and _array_operand(node.left) and _array_operand(node.right) \
                and self.rng.random() < self.habits["swap"]:
            node.left, node.right = node.right, node.left
        if op is ast.Mult and self.habits["multiply"] and _array_operand(node.left) and _array_operand(node.right):
            return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "multiply", ast.Load()),
                            [node.left, node.right], [])
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        shape = node.value
        if (self.habits["len"] and isinstance(shape, ast.Attribute) and shape.attr == "shape"
                and isinstance(node.slice, ast.Constant) and node.slice.value == 0):
            return ast.Call(ast.Name("len", ast.Load()), [shape.value], [])
        return node

    def visit_Return(self, node):
        self.generic_visit(node)
        if self.habits["temp"] and isinstance(node.value, (ast.Call, ast.BinOp, ast.Dict)):
            name = self.habits["temp"]
            return [ast.Assign([ast.Name(name, ast.Store())], node.value), ast.Return(ast.Name(name, ast.Load()))]
        return node


def habits(rng: random.Random) -> dict:
    """One student's habits, drawn at random (see _Restyle)."""
    return {"matmul": rng.choices(["@", "dot", "matmul", ".dot"], [0.55, 0.25, 0.1, 0.1])[0],
            "swap": rng.choice([0.1, 0.2, 0.35, 0.5]), "multiply": rng.random() < 0.1,
            "len": rng.random() < 0.3, "temp": rng.choice([None, None, "result", "out_value", "ret"])}


def restyle(tree: ast.Module, rng: random.Random, habit: dict) -> ast.Module:
    """``tree`` written with ``habit`` (see :func:`habits`): the same values, other tokens."""
    return _Restyle(habit, rng).visit(tree)


def _tokens_line(line: str, style: dict) -> str:
    """One physical line of ast.unparse's output re-spaced in ``style``."""
    indent = len(line) - len(line.lstrip(" "))
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline)
                if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                                  tokenize.DEDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return line
    out, depth, prev = [], 0, None
    for tok in toks:
        text = tok.string
        if prev is not None:
            tight_op = text in style["tight"] or prev.string in style["tight"]
            word = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}
            if prev.type in word and tok.type in word:
                out.append(" ")
            elif prev.string == "," and text not in ")]}":
                out.append("\n" + " " * (indent + style["indent"] * 2) if style["explode"] and depth == 1
                           else " ")
            elif tok.type == tokenize.OP and text in ("=", "+", "-", "*", "@", "/", "==", "<", ">", "+=", "*=",
                                                      "-=", "//", "%", "**", "if", "else", "->") \
                    and depth == 0 and not tight_op:
                out.append(" ")
            elif prev.type == tokenize.OP and prev.string in ("=", "+", "*", "@", "/", "==", "<", ">", "+=",
                                                              "*=", "-=", "//", "%", "**", ":", "->") \
                    and depth == 0 and not tight_op and text not in ")]}":
                out.append(" ")
            elif prev.type == tokenize.NAME and prev.string in keyword.kwlist:
                out.append(" ")
            elif tok.type == tokenize.NAME and tok.string in keyword.kwlist and prev.string not in "([{":
                out.append(" ")
        out.append(text)
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
        prev = tok
    return " " * (indent // 4 * style["indent"]) + "".join(out)


def reformat(code: str, rng: random.Random) -> str:
    """``code`` (ast.unparse's output) in a random layout; the same program."""
    style = {"indent": rng.choice([4, 4, 2, 3]), "explode": rng.random() < 0.3,
             "tight": set(rng.sample(["*", "@", "+", "**", "/"], rng.randrange(0, 3)))}
    lines = []
    for line in code.splitlines():
        lines.append(_tokens_line(line, style) if line.strip() else line)
        if line.strip() and rng.random() < 0.1:
            lines.append("")
    text = "\n".join(lines) + "\n"
    try:
        ast.parse(text)
    except SyntaxError:  # a layout the simple re-spacer got wrong: keep ast.unparse's
        return code
    return text


def recomment(code: str, rng: random.Random, density: float = 0.3) -> str:
    """``code`` with comments from the pool on some lines (own lines, or at their ends)."""
    out = []
    for line in code.splitlines():
        stripped = line.strip()
        if stripped and rng.random() < density:
            indent = line[:len(line) - len(line.lstrip())]
            if rng.random() < 0.5 or stripped.endswith(("(", ",", "\\")):
                out.append(indent + rng.choice(_COMMENTS))
                out.append(line)
            else:
                out.append(line + "  " + rng.choice(_COMMENTS))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def disguise(code: str, rng: random.Random, steps=("rename", "reorder", "reformat", "recomment"),
             habit: dict | None = None) -> str:
    """``code`` after the given steps (in this order), as a student would hand it in; with ``habit``
    (:func:`habits`), written in that student's habits first."""
    tree = ast.parse(code)
    if habit is not None:
        tree = restyle(tree, rng, habit)
    if "rename" in steps:
        tree = rename(tree, rng)
    if "reorder" in steps:
        tree = reorder(tree, rng)
    text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    if "reformat" in steps:
        text = reformat(text, rng)
    if "recomment" in steps:
        text = recomment(text, rng)
    return text
