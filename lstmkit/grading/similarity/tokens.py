"""Answer code as a sequence of normalised tokens: what is left when names, literals, comments and layout go.

Renaming a variable, reformatting, changing a comment or a number does not change the sequence, so two cells
that differ only in those ways normalise to the same tokens. Each token keeps the character span of the text
it came from, so that matches found on the tokens can be shown in the code as the student wrote it.

The tokenizer is a regular expression, not Python's ``tokenize``: an answer cell may not parse (a syntax
error, an unterminated string, an IPython magic) and must still be compared.

Normalisation of one token:

- a comment, whitespace, a line break, a line continuation, ``;``, a comma before a closing bracket, brackets
  that only group (``return (h, c)`` is ``return h, c``; a call's parentheses stay): dropped;
- a string that is a statement of its own (a docstring): dropped; any other string: ``$``; a number: ``#``;
- a keyword (``for``, ``return``, ``None`` ...): itself;
- a name after ``.`` (an attribute, ``np.tanh``'s ``tanh``), a builtin (``range``) or a name the released
  notebook imports or defines (``np``, ``sigmoid``, ``lstm_gates``): itself, since renaming it would change
  what the code does;
- any other name (the student's variables, parameters and helper functions): ``N``;
- an operator or bracket: itself.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass

NAME, NUMBER, STRING = "N", "#", "$"

_STRING = (r"(?:[rRbBuUfF]{0,2})(?:'''(?:\\.|[^\\])*?(?:'''|\Z)|\"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\Z)"
           r"|'(?:\\.|[^\\'\n])*(?:'|$)|\"(?:\\.|[^\\\"\n])*(?:\"|$))")
_NUMBER = (r"(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)")
_OPERATOR = (r"(?:\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%@&|^=<>!]=|[-+*/%@&|^~<>=.,:;()\[\]{}])")
_TOKEN = re.compile(
    rf"(?P<comment>#[^\n]*)|(?P<space>[ \t\f\r]+|\\\r?\n)|(?P<newline>\n)|(?P<string>{_STRING})"
    rf"|(?P<number>{_NUMBER})|(?P<name>[^\W\d]\w*)|(?P<op>{_OPERATOR})|(?P<other>.)", re.M | re.S)
_OPENING, _CLOSING = "([{", ")]}"
KEYWORDS = frozenset(keyword.kwlist)
BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))


@dataclass(frozen=True)
class Tokens:
    """One cell's normalised tokens: ``text[i]`` came from ``source[spans[i][0]:spans[i][1]]``.

    text: tuple of n str; spans: tuple of n (start, end) character offsets into the cell's source;
    statements: tuple of (first, end) token index ranges, one per statement (a compound statement's header,
    ``for ... :``, is one of its own), in order, covering every token.
    """

    text: tuple
    spans: tuple
    statements: tuple = ()

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class _Raw:
    kind: str
    value: str
    start: int
    end: int


def _raw_tokens(source: str) -> list:
    """Every lexical token of ``source`` except whitespace and comments (line breaks kept, as ``newline``)."""
    out = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        if kind in ("comment", "space"):
            continue
        out.append(_Raw(kind, match.group(), match.start(), match.end()))
    return out


def _logical_lines(raw: list) -> list:
    """``raw`` split into logical lines (a line break inside brackets does not end one); line breaks dropped."""
    lines, line, depth = [], [], 0
    for tok in raw:
        if tok.kind == "newline":
            if depth <= 0 and line:
                lines.append(line)
                line, depth = [], 0
            continue
        if tok.kind == "op" and tok.value in _OPENING:
            depth += 1
        elif tok.kind == "op" and tok.value in _CLOSING:
            depth -= 1
        line.append(tok)
    if line:
        lines.append(line)
    return [part for line in lines for part in _split_header(line)]


_COMPOUND = frozenset({"def", "class", "for", "while", "if", "elif", "else", "try", "except", "finally", "with",
                       "async"})


def _split_header(line: list) -> list:
    """A logical line split after the colon that ends a compound statement's header (``for x in y: body``)."""
    if line[0].kind != "name" or line[0].value not in _COMPOUND:
        return [line]
    depth = 0
    for i, tok in enumerate(line):
        if tok.kind != "op":
            continue
        if tok.value in _OPENING:
            depth += 1
        elif tok.value in _CLOSING:
            depth -= 1
        elif tok.value == ":" and depth == 0:
            rest = line[i + 1:]
            return [line[:i + 1]] + (_split_header(rest) if rest else [])
    return [line]


def _grouping(line: list) -> set:
    """Indices of the brackets in ``line`` that only group (a tuple's or an expression's parentheses, not a
    call's): the ``(`` not right after a name, ``)`` or ``]``, and its matching ``)``."""
    dropped, stack = set(), []
    for i, tok in enumerate(line):
        if tok.kind == "op" and tok.value in _OPENING:
            prev = line[i - 1] if i else None
            call = prev is not None and (prev.kind == "name" and prev.value not in KEYWORDS
                                         or prev.value in (")", "]"))
            stack.append((i, tok.value == "(" and not call))
        elif tok.kind == "op" and tok.value in _CLOSING and stack:
            start, grouping = stack.pop()
            if grouping:
                dropped.update((start, i))
    return dropped


def _normal_form(tok: _Raw, previous: _Raw | None, following: _Raw | None, known: frozenset) -> str | None:
    """The normalised text of ``tok`` (None: dropped), given its neighbours on the logical line."""
    if tok.kind == "string":
        return STRING
    if tok.kind == "number":
        return NUMBER
    if tok.kind == "name":
        if tok.value in KEYWORDS:
            return tok.value
        after_dot = previous is not None and previous.value == "."
        return tok.value if after_dot or tok.value in known or tok.value in BUILTINS else NAME
    if tok.value == ";":
        return None
    if tok.value == "," and following is not None and following.value in _CLOSING:
        return None
    return tok.value


def normalise(source: str, known: frozenset = frozenset()) -> Tokens:
    """``source`` (one cell's code) as normalised tokens; ``known``: names kept as they are (see the module)."""
    text, spans, statements = [], [], []
    for line in _logical_lines(_raw_tokens(source)):
        if len(line) == 1 and line[0].kind == "string":
            continue  # a docstring or a string on its own: says nothing about the code
        first, grouping = len(text), _grouping(line)
        for i, tok in enumerate(line):
            if i in grouping:
                continue
            form = _normal_form(tok, line[i - 1] if i else None, line[i + 1] if i + 1 < len(line) else None,
                                known)
            if form is not None:
                text.append(form)
                spans.append((tok.start, tok.end))
        if len(text) > first:
            statements.append((first, len(text)))
    return Tokens(tuple(text), tuple(spans), tuple(statements))


def defined_names(sources) -> frozenset:
    """Names a notebook's code imports or defines at module level (functions, classes, import aliases).

    ``sources``: iterable of code cell sources; cells that do not parse (the release's stubs do) add nothing.
    Variables assigned at module level are left out: a student may give a parameter the same name.
    """
    names = set()
    for source in sources:
        try:
            tree = ast.parse(_without_magics(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Import):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.update(a.asname or a.name for a in node.names if a.name != "*")
    return frozenset(names)


def _without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
