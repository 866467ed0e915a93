"""The text: Python's own standard library, read from the Python that runs this code, and its characters.

Every Python installation holds the source of its standard library, so this corpus needs no download. The
files are chosen by a rule, not by a list, so that the rule works on every version:

- every ``*.py`` file under ``sysconfig.get_paths()['stdlib']``;
- except those in a folder named in :data:`EXCLUDED_DIRS`: installed packages (``site-packages``), the test
  suites (``test``, ``tests``, ``idle_test``), and two folders that are mostly data, not code (``encodings``:
  codec tables; ``pydoc_data``: the help texts as one string);
- each file goes to the validation split when the first 8 hex digits of the SHA-256 of its relative path
  (``/``-separated), read as a number, are divisible by :data:`VALID_EVERY`, otherwise to the training split
  (a split that does not move when files are added or removed);
- within a split, files follow each other in the order of that same hash (so that modules of every package
  are spread through the text), each read with the encoding its coding cookie names (:func:`tokenize.open`),
  line endings as ``\\n``, and ending with a newline.

The standard library changes a little from one Python version to the next, so the text does too: a
:class:`Corpus` records the Python version, the file list and a SHA-256 of each split's text.
"""
from __future__ import annotations

import hashlib
import platform
import sysconfig
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXCLUDED_DIRS = frozenset({"site-packages", "dist-packages", "test", "tests", "idle_test", "encodings",
                           "pydoc_data", "__pycache__"})
VALID_EVERY = 20
"""About one file in 20 is held out for validation."""


# ------------------------------------------------------------------------------------------- characters
@dataclass(frozen=True)
class Vocabulary:
    """The characters a model reads and writes: index k is ``chars[k]``; every other character is read as
    the last index, ``unknown`` (written back as U+FFFD)."""

    chars: str

    def __post_init__(self):
        if len(set(self.chars)) != len(self.chars):
            raise ValueError(f"chars: expected distinct characters, got {self.chars!r}")
        if len(self.chars) > 255:
            raise ValueError(f"chars: expected at most 255 characters (codes are uint8), got {len(self.chars)}")

    @property
    def size(self) -> int:
        """V: the characters plus the unknown symbol."""
        return len(self.chars) + 1

    @property
    def unknown(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """text -> (N,) uint8 codes; characters outside the vocabulary become ``unknown``."""
        if not isinstance(text, str):
            raise ValueError(f"text: expected a str, got {type(text).__name__}")
        table = np.full(max(map(ord, self.chars), default=0) + 1, self.unknown, np.uint8)
        table[[ord(c) for c in self.chars]] = np.arange(len(self.chars), dtype=np.uint8)
        points = np.frombuffer(text.encode("utf-32-le"), np.uint32)
        return np.where(points < len(table), table[np.minimum(points, len(table) - 1)], self.unknown).astype(np.uint8)

    def decode(self, codes) -> str:
        """(N,) codes -> text; ``unknown`` becomes U+FFFD."""
        codes = np.asarray(codes)
        if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer) or \
                (codes.size and not 0 <= codes.min() <= codes.max() < self.size):
            raise ValueError(f"codes: expected a 1-d integer array of values in [0, {self.size}), got "
                             f"{codes.dtype} array of shape {codes.shape}")
        alphabet = np.array(list(self.chars) + ["\ufffd"])
        return "".join(alphabet[codes])


ASCII = Vocabulary("\t\n" + "".join(chr(c) for c in range(32, 127)))
"""Tab, newline and the 95 printable ASCII characters: V = 98 with the unknown symbol."""


# ------------------------------------------------------------------------------------------- the corpus
def stdlib_root() -> Path:
    """The folder of the running Python's standard library."""
    return Path(sysconfig.get_paths()["stdlib"])


def path_hash(rel: str) -> int:
    """The number the split and the order are taken from: the first 8 hex digits of sha256(rel)."""
    return int(hashlib.sha256(rel.encode("utf8")).hexdigest()[:8], 16)


def split_of(rel: str) -> str:
    """'valid' or 'train' for a file's relative path (see the module's docstring)."""
    return "valid" if path_hash(rel) % VALID_EVERY == 0 else "train"


def list_files(root: Path | None = None) -> dict[str, list[str]]:
    """{'train': [...], 'valid': [...]}: the relative paths of each split, in reading order."""
    root = stdlib_root() if root is None else Path(root)
    if not root.is_dir():
        raise ValueError(f"root: expected the folder of a Python standard library, got {str(root)!r}")
    rels = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
            if p.is_file() and not EXCLUDED_DIRS.intersection(p.relative_to(root).parts[:-1])]
    out = {"train": [], "valid": []}
    for rel in sorted(rels, key=lambda r: (path_hash(r), r)):
        out[split_of(rel)].append(rel)
    return out


def read_source(path: Path) -> str:
    """One source file as text, decoded as Python itself decodes it, ending with a newline."""
    with tokenize.open(path) as f:
        text = f.read()
    return text if text.endswith("\n") else text + "\n"


@dataclass(frozen=True)
class Corpus:
    """The two splits as text, with what is needed to say which text it was.

    python: the version whose library was read; files: {split: relative paths}; texts: {split: text};
    starts: {split: offset of each file's first character in the text}.
    """

    python: str
    files: dict
    texts: dict
    starts: dict

    def file_texts(self, split: str) -> list[str]:
        """The texts of the files of ``split``, one string each."""
        text, starts = self.texts[split], self.starts[split]
        return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]

    def sha256(self, split: str) -> str:
        return hashlib.sha256(self.texts[split].encode("utf8")).hexdigest()

    def describe(self) -> dict:
        """What a results file records about the text (JSON-ready)."""
        return {"python": self.python, "rule": "lstmkit.charlm.corpus (module docstring)",
                "files": self.files, "chars": {s: len(t) for s, t in self.texts.items()},
                "sha256": {s: self.sha256(s) for s in self.texts}}


def load(root: Path | None = None, max_chars: dict | None = None) -> Corpus:
    """Read the corpus from ``root`` (default: this Python's standard library).

    max_chars: optional {split: n}: stop reading a split after the file that reaches n characters (whole
    files only, so every file in the text is complete).
    """
    root = stdlib_root() if root is None else Path(root)
    files, texts, starts = {}, {}, {}
    for split, rels in list_files(root).items():
        cap = (max_chars or {}).get(split)
        parts, offsets, n = [], [], 0
        for rel in rels:
            if cap is not None and n >= cap:
                break
            offsets.append(n)
            parts.append(read_source(root / rel))
            n += len(parts[-1])
        files[split], starts[split] = rels[:len(parts)], offsets
        texts[split] = "".join(parts)
    return Corpus(platform.python_version(), files, texts, starts)
