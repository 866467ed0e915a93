"""The message format spoken between the grader and a student's kernel.

Only plain data crosses the boundary, so nothing the student sends can run
code on the grader's side:

- a frame is ``len(header)`` (4 bytes, big endian), a UTF-8 JSON header, then
  the binary blobs whose lengths the header lists under ``"blobs"``;
- a value is encoded as a JSON tree: ``None``, booleans, ints, floats (``nan``
  and infinities as tagged strings), strings, bytes, complex numbers, lists,
  tuples, dicts with string or int keys, numpy arrays and scalars (``.npy``
  blobs loaded with ``allow_pickle=False``), modules (by name only) and
  references to objects that stay on the student's side (``{"t": "ref"}``).

Decoding is strict: unknown tags, object arrays, deep nesting or oversized
frames raise :class:`WireError`. This module imports only the standard
library and numpy, because it also runs inside the sandbox.
"""

import io
import json
import math
import os
import struct
import types

import numpy as np

MAX_FRAME = 16 * 1024 * 1024  # bytes in one message, header and blobs together
MAX_HEADER = 1024 * 1024  # bytes of the JSON header: checked before it is parsed
MAX_DEPTH = 32  # nesting of lists, tuples and dicts
MAX_ITEMS = 100_000  # elements in one container
MAX_INT_BITS = 8192
SAFE_KINDS = set("biufcSU")  # numpy dtype kinds that may cross: no objects, no records


class WireError(Exception):
    """A frame or a value that breaks the protocol."""


# --------------------------------------------------------------------- frames
def write_frame(fd, header, blobs=()):
    """Send ``header`` (a JSON-able dict) and ``blobs`` (bytes) on file descriptor ``fd``."""
    header = dict(header, blobs=[len(b) for b in blobs])
    head = json.dumps(header, allow_nan=False).encode("utf-8")
    if len(head) > MAX_HEADER:
        raise WireError(f"message header of {len(head)} bytes exceeds the limit of {MAX_HEADER}")
    data = b"".join([struct.pack(">I", len(head)), head, *blobs])
    if len(data) > MAX_FRAME:
        raise WireError(f"message of {len(data)} bytes exceeds the limit of {MAX_FRAME}")
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd, n, wait=None):
    """Read exactly ``n`` bytes from ``fd``; ``wait(fd)`` blocks until readable (or raises)."""
    chunks, got = [], 0
    while got < n:
        if wait is not None:
            wait(fd)
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd, wait=None):
    """Receive one frame from ``fd``: returns ``(header, blobs)``."""
    (size,) = struct.unpack(">I", read_exact(fd, 4, wait))
    if size > MAX_HEADER:
        raise WireError(f"header of {size} bytes exceeds the limit of {MAX_HEADER}")
    try:
        header = json.loads(read_exact(fd, size, wait).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"malformed header: {type(exc).__name__}") from None
    if not isinstance(header, dict):
        raise WireError("header is not a JSON object")
    lengths = header.get("blobs", [])
    if not isinstance(lengths, list) or not all(type(n) is int and n >= 0 for n in lengths):
        raise WireError("malformed blob lengths")
    if sum(lengths) + size > MAX_FRAME:
        raise WireError("message exceeds the size limit")
    blobs = [read_exact(fd, n, wait) for n in lengths]
    return header, blobs


# --------------------------------------------------------------------- values
def _float(x):
    if math.isnan(x):
        return {"t": "float", "v": "nan"}
    if math.isinf(x):
        return {"t": "float", "v": "inf" if x > 0 else "-inf"}
    return x


def _npy(arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def encode(obj, blobs, make_ref, depth=0):
    """Encode ``obj`` as a JSON tree, appending array data to ``blobs``.

    ``make_ref(obj)`` is called for anything that is not plain data and must
    return a JSON-able reference (the student's side keeps the object).
    """
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    t = type(obj)
    if obj is None or t is bool or t is str:
        return obj
    if t is int:
        if obj.bit_length() > MAX_INT_BITS:
            raise WireError("integer too large")
        return obj
    if t is float:
        return _float(obj)
    if t is complex:
        return {"t": "complex", "re": _float(obj.real), "im": _float(obj.imag)}
    if t is bytes:
        blobs.append(obj)
        return {"t": "bytes", "i": len(blobs) - 1}
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        arr = np.asarray(obj)
        if arr.dtype.kind in SAFE_KINDS:
            blobs.append(_npy(np.array(arr, copy=True)))
            return {"t": "nd" if isinstance(obj, np.ndarray) else "np", "i": len(blobs) - 1}
        return make_ref(obj)
    if t in (list, tuple):
        if len(obj) > MAX_ITEMS:
            raise WireError("container too large")
        items = [encode(x, blobs, make_ref, depth + 1) for x in obj]
        return {"t": "list" if t is list else "tuple", "v": items}
    if t is dict:
        if len(obj) > MAX_ITEMS:
            raise WireError("container too large")
        keys = list(obj)
        if all(type(k) in (str, int) for k in keys):
            return {"t": "dict", "k": [encode(k, blobs, make_ref, depth + 1) for k in keys],
                    "v": [encode(obj[k], blobs, make_ref, depth + 1) for k in keys]}
        return make_ref(obj)
    if t is types.ModuleType:
        return {"t": "module", "name": str(obj.__name__)}
    return make_ref(obj)


def _decode_float(v):
    if type(v) in (int, float):
        return float(v)
    if isinstance(v, dict) and v.get("t") == "float" and v.get("v") in ("nan", "inf", "-inf"):
        return float(v["v"])
    raise WireError("malformed float")


def _load_npy(blob):
    try:
        arr = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:  # any parse failure is a protocol error
        raise WireError(f"malformed array: {exc}") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in SAFE_KINDS:
        raise WireError("array of a type that may not cross")
    return arr


def decode(tree, blobs, make_proxy, depth=0):
    """Inverse of :func:`encode`; ``make_proxy(tree)`` builds the stand-in for a reference."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if tree is None or type(tree) in (bool, str, float):
        return tree
    if type(tree) is int:
        if tree.bit_length() > MAX_INT_BITS:
            raise WireError("integer too large")
        return tree
    if not isinstance(tree, dict):
        raise WireError(f"unexpected JSON value of type {type(tree).__name__}")
    tag = tree.get("t")
    if tag == "float":
        return _decode_float(tree)
    if tag == "complex":
        return complex(_decode_float(tree.get("re")), _decode_float(tree.get("im")))
    if tag in ("bytes", "nd", "np"):
        i = tree.get("i")
        if type(i) is not int or not 0 <= i < len(blobs):
            raise WireError("blob index out of range")
        if tag == "bytes":
            return bytes(blobs[i])
        arr = _load_npy(blobs[i])
        return arr if tag == "nd" else arr[()]
    if tag in ("list", "tuple"):
        items = tree.get("v")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise WireError("malformed sequence")
        out = [decode(x, blobs, make_proxy, depth + 1) for x in items]
        return out if tag == "list" else tuple(out)
    if tag == "dict":
        keys, values = tree.get("k"), tree.get("v")
        if not (isinstance(keys, list) and isinstance(values, list) and len(keys) == len(values)):
            raise WireError("malformed dict")
        if len(keys) > MAX_ITEMS:
            raise WireError("container too large")
        out = {}
        for k, v in zip(keys, values):
            key = decode(k, blobs, make_proxy, depth + 1)
            if type(key) not in (str, int):
                raise WireError("dict key of a type that may not cross")
            out[key] = decode(v, blobs, make_proxy, depth + 1)
        return out
    if tag == "module":
        if not isinstance(tree.get("name"), str):
            raise WireError("malformed module reference")
        return make_proxy(tree)
    if tag == "ref":
        if type(tree.get("id")) is not int:
            raise WireError("malformed reference")
        return make_proxy(tree)
    raise WireError(f"unknown tag {tag!r}")
