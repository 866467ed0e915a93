"""The student build of lstmkit: what the sandbox mounts instead of the real package.

``build(dest, assignment)`` writes, under ``dest``:

- ``lib/lstmkit/``: lstmkit's numerical modules (``KEEP``) with every reference of the assignment
  (:mod:`lstmkit.grading.exercises`) replaced by a stand-in that raises ``NotImplementedError`` with the
  message the checks print in ``nbgrader validate`` too. A hidden module becomes a module whose every
  attribute raises; a hidden function, class or method keeps its name and signature and loses its body and
  docstring. ``lstmkit.grading`` is a placeholder without code (the setup cells still import it); the
  explorers, plots and front-end files are left out: the student's kernel never needs them.
- ``kernel/``: the two files the student's kernel runs (``student_kernel.py`` and ``wire.py``).

References are absent, not switched off: nothing the student's process does can bring them back, because
their code is not in the sandbox at all. The build is written with ``ast``: comments are dropped.
"""
from __future__ import annotations

import ast
import os
import shutil
from dataclasses import dataclass

from .exercises import MESSAGE, hidden_for

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the real lstmkit/
KEEP = ("__init__", "_fused_lstm", "activations", "cells", "dense", "experiments", "gradcheck", "init", "kinds",
        "layers", "losses", "optim", "reber", "stack", "train", "validation")
"""kinds and experiments are always stand-ins (exercises.TRAINING): kept so that they can be declared hidden."""
KERNEL_FILES = ("student_kernel.py", "wire.py")

PREAMBLE = f'''
def _unavailable(name):
    raise NotImplementedError({MESSAGE!r}.format(name=name))
'''
MODULE_STUB = '''"""{module} is not part of the library while this assignment is graded."""


def __getattr__(name):
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    raise NotImplementedError({message!r}.format(name="{module}." + name))
'''
GRADING_STUB = '''"""The checks run in the grader's own process, not in your kernel."""
'''
CHECKS_STUB = '''"""The checks run in the grader's own process, not in your kernel."""


def __getattr__(name):
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    raise RuntimeError("lstmkit.grading.checks runs in the grader's process while grading, not in your kernel")
'''


@dataclass(frozen=True)
class StudentBuild:
    """Folders of a built student library: ``lib`` goes on sys.path, ``kernel`` holds the kernel script."""

    root: str
    lib: str
    kernel: str
    hidden: tuple[str, ...]


def _stub_body(name: str) -> list[ast.stmt]:
    call = ast.Call(func=ast.Name("_unavailable", ast.Load()), args=[ast.Constant(name)], keywords=[])
    return [ast.Expr(call)]


def _strip_function(node: ast.FunctionDef, name: str) -> None:
    node.body = _stub_body(name)


def _strip_class(node: ast.ClassDef, name: str) -> None:
    args = ast.arguments(posonlyargs=[], args=[ast.arg("self")], vararg=ast.arg("args"), kwonlyargs=[],
                         kw_defaults=[], kwarg=ast.arg("kwargs"), defaults=[])
    init = ast.FunctionDef(name="__init__", args=args, body=_stub_body(name), decorator_list=[], returns=None,
                           type_params=[])
    node.body = [init]


def _find(body, name):
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return node
    return None


def strip_module(source: str, module: str, names: list[str]) -> str:
    """``source`` of ``module`` with the dotted ``names`` (relative to the module) reduced to stand-ins."""
    tree = ast.parse(source)
    for dotted in names:
        parts = dotted.split(".")
        node = _find(tree.body, parts[0])
        for part in parts[1:]:
            node = _find(node.body, part) if isinstance(node, ast.ClassDef) else None
        if node is None:
            raise LookupError(f"{module}.{dotted} is declared as a reference but does not exist")
        full = f"{module}.{dotted}"
        if isinstance(node, ast.ClassDef):
            _strip_class(node, full)
        else:
            _strip_function(node, full)
    insert_at = 1 if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
        getattr(tree.body[0], "value", None), ast.Constant) else 0
    while insert_at < len(tree.body) and isinstance(tree.body[insert_at], ast.ImportFrom) \
            and tree.body[insert_at].module == "__future__":
        insert_at += 1
    tree.body[insert_at:insert_at] = ast.parse(PREAMBLE).body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _plan(hidden):
    """Group the hidden dotted names: ({module: whole-module}, {module: [names inside it]})."""
    whole, inside = set(), {}
    for ref in hidden:
        parts = ref.split(".")
        if parts[0] != "lstmkit" or len(parts) < 2:
            raise ValueError(f"reference {ref!r}: expected lstmkit.<module>[.<name>...]")
        module = parts[1]
        if module not in KEEP:
            raise ValueError(f"reference {ref!r}: module lstmkit.{module} is not in the student build")
        if len(parts) == 2:
            whole.add(module)
        else:
            inside.setdefault(module, []).append(".".join(parts[2:]))
    return whole, {m: names for m, names in inside.items() if m not in whole}


def _write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o644)


def build(dest: str, assignment: str) -> StudentBuild:
    """Write the student build of lstmkit for ``assignment`` into ``dest`` (created; must not exist)."""
    hidden = hidden_for(assignment)
    whole, inside = _plan(hidden)
    lib = os.path.join(dest, "lib", "lstmkit")
    kernel = os.path.join(dest, "kernel")
    os.makedirs(os.path.join(lib, "grading"))
    os.makedirs(kernel)
    for module in KEEP:
        target = os.path.join(lib, module + ".py")
        name = f"lstmkit.{module}"
        if module in whole:
            _write(target, MODULE_STUB.format(module=name, message=MESSAGE))
            continue
        with open(os.path.join(PACKAGE, module + ".py"), encoding="utf-8") as fh:
            source = fh.read()
        _write(target, strip_module(source, name, inside[module]) if module in inside else source)
    _write(os.path.join(lib, "grading", "__init__.py"), GRADING_STUB)
    _write(os.path.join(lib, "grading", "checks.py"), CHECKS_STUB)
    here = os.path.dirname(os.path.abspath(__file__))
    for name in KERNEL_FILES:
        shutil.copyfile(os.path.join(here, name), os.path.join(kernel, name))
        os.chmod(os.path.join(kernel, name), 0o644)
    for root, dirs, _ in os.walk(dest):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    os.chmod(dest, 0o755)
    return StudentBuild(root=dest, lib=os.path.dirname(lib), kernel=kernel, hidden=hidden)
