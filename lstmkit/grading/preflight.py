"""Pre-flight check of a submission, before any of its code runs.

A submission is compared with the released notebooks, cell by cell, through
nbgrader's ``grade_id``. What can be repaired from the source is repaired and
written in the report's reason; what cannot is rejected with a reason. Nothing
broken is scored silently.

Rejected (nothing is executed, no grade is written):
- a notebook is missing, renamed, not valid JSON, not a valid nbformat 4
  notebook, or larger than the size limit;
- an answer cell (``solution: true``) is missing (deleted, or its nbgrader
  metadata stripped), appears more than once, or changed type.

Repaired from the source (graded, the reason lists every repair):
- a test, read-only or task cell that was edited, deleted, duplicated or
  retyped is restored (tests always run as the instructor wrote them,
  hidden tests included);
- changed nbgrader metadata (points, grade/solution/locked flags, checksum)
  is restored;
- tags added to a graded cell (``skip-execution``, ``raises-exception``...)
  are removed;
- an unknown or missing kernelspec is replaced by the assignment's;
- nbgrader metadata with a grade id the assignment does not have is removed.
"""

import copy
import json
import os
import uuid

import nbformat

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CELLS = 2000
FLAGS = ("grade", "solution", "locked", "task", "points", "schema_version", "checksum")


class Rejected(Exception):
    """The submission cannot be graded; ``str(exc)`` is the reason."""


def grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
        return meta["grade_id"]
    return None


def load_notebook(path, label):
    """Read ``path`` strictly: size, JSON, nbformat 4 schema."""
    size = os.path.getsize(path)
    if size > MAX_NOTEBOOK_BYTES:
        raise Rejected(f"{label} is {size} bytes, over the limit of {MAX_NOTEBOOK_BYTES}")
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Rejected(f"{label} is not valid JSON ({exc})") from None
    except RecursionError:
        raise Rejected(f"{label} nests its JSON too deeply to be a notebook") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        raise Rejected(f"{label} is not an nbformat 4 notebook")
    if isinstance(data.get("cells"), list) and len(data["cells"]) > MAX_CELLS:
        raise Rejected(f"{label} has {len(data['cells'])} cells, over the limit of {MAX_CELLS}")
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)  # joins multi-line sources
        nbformat.validate(nb)
    except Exception as exc:  # ValidationError and friends
        message = getattr(exc, "message", str(exc))
        raise Rejected(f"{label} does not follow the notebook schema ({str(message)[:200]})") from None
    return nb


def find_notebook(submission_dir, name, expected_names):
    """The path of ``name``.ipynb in the submission, or a rejection naming what was found."""
    path = os.path.join(submission_dir, name + ".ipynb")
    if os.path.isfile(path) and not os.path.islink(path):
        return path
    found = sorted(f for f in os.listdir(submission_dir)
                   if f.endswith(".ipynb") and f[:-6] not in expected_names)
    if found:
        raise Rejected(f"expected {name}.ipynb, found {', '.join(found)} (renamed notebook)")
    raise Rejected(f"{name}.ipynb is missing from the submission")


def restored_cell(spec_cell):
    """A fresh copy of a cell as released, with the trusted source for tests and read-only cells."""
    cell = nbformat.from_dict(copy.deepcopy(spec_cell["release_cell"]))
    if spec_cell["role"] in ("test", "setup"):
        cell.source = spec_cell["trusted_source"]
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def check_notebook(nb, spec, label):
    """Repair ``nb`` in place against ``spec``; returns the list of repairs made.

    ``spec`` is a notebook entry of the assignment spec (see :mod:`course`):
    ``release`` (the released notebook) and ``cells`` (the graded cells in
    release order, each with ``grade_id``, ``role``, ``release_cell``,
    ``trusted_source``).
    """
    notes = []
    release_kernel = spec["release"]["metadata"].get("kernelspec")
    kernel = nb.metadata.get("kernelspec")
    if release_kernel and (not isinstance(kernel, dict) or kernel.get("name") != release_kernel.get("name")):
        name = kernel.get("name") if isinstance(kernel, dict) else None
        notes.append(f"{label}: kernelspec {name!r} replaced by {release_kernel.get('name')!r}")
        nb.metadata["kernelspec"] = copy.deepcopy(release_kernel)

    known = {c["grade_id"]: c for c in spec["cells"]}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or grade_id(cell) not in known):
            notes.append(f"{label}: removed nbgrader metadata with unknown grade id {grade_id(cell)!r}")
            del cell.metadata["nbgrader"]

    cells = list(nb.cells)
    for spec_cell in spec["cells"]:
        gid, role = spec_cell["grade_id"], spec_cell["role"]
        matches = [i for i, c in enumerate(cells) if grade_id(c) == gid]
        if role == "answer":
            if not matches:
                raise Rejected(f"{label}: answer cell {gid!r} is missing (deleted, or its metadata removed)")
            if len(matches) > 1:
                raise Rejected(f"{label}: answer cell {gid!r} appears {len(matches)} times")
        if not matches:
            position = _insert_position(cells, spec, gid)
            cells.insert(position, restored_cell(spec_cell))
            notes.append(f"{label}: restored deleted {role} cell {gid!r}")
            continue
        for extra in reversed(matches[1:]):
            del cells[extra]
        if len(matches) > 1:
            notes.append(f"{label}: removed {len(matches) - 1} duplicate(s) of {role} cell {gid!r}")
        index = matches[0]
        cell = cells[index]
        release = spec_cell["release_cell"]
        if cell.cell_type != release["cell_type"]:
            if role == "answer":
                raise Rejected(f"{label}: answer cell {gid!r} was changed from {release['cell_type']} "
                               f"to {cell.cell_type}")
            cells[index] = restored_cell(spec_cell)
            notes.append(f"{label}: restored {role} cell {gid!r} (its type was changed)")
            continue
        _restore_metadata(cell, release, gid, label, notes)
        if role in ("test", "setup", "task"):
            if cell.source != release["source"]:
                notes.append(f"{label}: restored edited {role} cell {gid!r}")
            cells[index] = _keep_id(restored_cell(spec_cell), cell)
    nb.cells = cells
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    _unique_ids(nb)
    return notes


def _restore_metadata(cell, release, gid, label, notes):
    want = release["metadata"].get("nbgrader", {})
    have = cell.metadata.get("nbgrader", {})
    changed = [k for k in FLAGS if have.get(k) != want.get(k)]
    if changed:
        detail = ", ".join(f"{k}: {have.get(k)!r} -> {want.get(k)!r}" for k in changed if k != "checksum")
        notes.append(f"{label}: restored nbgrader metadata of {gid!r} ({detail or 'checksum'})")
        cell.metadata["nbgrader"] = copy.deepcopy(want)
    want_tags = list(release["metadata"].get("tags", []))
    tags = cell.metadata.get("tags", [])
    added = [t for t in tags if t not in want_tags] if isinstance(tags, list) else [repr(tags)]
    if added:
        notes.append(f"{label}: removed added tags {added} from {gid!r}")
    if want_tags:
        cell.metadata["tags"] = want_tags
    else:
        cell.metadata.pop("tags", None)


def _keep_id(new, old):
    if "id" in old:
        new["id"] = old["id"]
    return new


def _insert_position(cells, spec, gid):
    """Insert a restored cell after the nearest graded cell that precedes it in the release."""
    order = [c["grade_id"] for c in spec["cells"]]
    for previous in reversed(order[:order.index(gid)]):
        for i, cell in enumerate(cells):
            if grade_id(cell) == previous:
                return i + 1
    return 0


def _unique_ids(nb):
    if nb.nbformat_minor < 5:
        return
    seen = set()
    for cell in nb.cells:
        if not isinstance(cell.get("id"), str) or cell["id"] in seen:
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])


def preflight(submission_dir, spec):
    """Check and repair every notebook of a submission.

    Returns ``(notebooks, notes)``: repaired notebooks by name, and the list of
    repairs. Raises :class:`Rejected` when the submission cannot be graded.
    """
    names = [nb["name"] for nb in spec["notebooks"]]
    notebooks, notes = {}, []
    for nb_spec in spec["notebooks"]:
        label = nb_spec["name"] + ".ipynb"
        path = find_notebook(submission_dir, nb_spec["name"], names)
        nb = load_notebook(path, label)
        notes += check_notebook(nb, nb_spec, label)
        notebooks[nb_spec["name"]] = nb
    return notebooks, notes
