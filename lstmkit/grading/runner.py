"""Execute one notebook: student cells in the sandbox, test cells in a trusted context.

The notebook loop. The pieces it drives each have a module of their own: the pipe to the student's kernel
(:mod:`lstmkit.grading.kernel_client`), the trusted execution of test cells and why it cannot be fooled
(:mod:`lstmkit.grading.trusted`), and bounded outputs (:mod:`lstmkit.grading.outputs`).
"""

import time

import nbformat

from .kernel_client import CellTimeout, KernelDied, StudentKernel
from .limits import JobLimits
from .outputs import error_output, output_size, student_outputs
from .trusted import TrustedContext
from .verdicts import cell_verdict, not_run_verdict

def execute_notebook(nb, roles, answers, scratch, build, trusted_dir, limits: JobLimits, verdicts=None):
    """Run ``nb`` (already repaired) and fill in its outputs.

    ``roles`` maps a cell's ``grade_id`` to ``"test"``, ``"setup"``, ``"answer"``;
    unlisted cells are the student's own. ``build`` is the student build of lstmkit to mount. Returns a list
    of events (strings) describing timeouts and kernel deaths; an empty list means a clean run. Outputs are
    bounded per cell (``output_limit`` characters) and per notebook (``notebook_output_limit``): past the
    notebook's budget a cell keeps only a one-line note, so the autograded notebook stays small.

    ``verdicts``: a list that receives a :class:`~lstmkit.grading.verdicts.CellVerdict` for each failing test
    cell, in notebook order, decided here from the exception its trusted run ended with (never from text).
    """
    verdicts = [] if verdicts is None else verdicts
    events = []
    out_limit = limits.output_limit
    budget = [limits.notebook_output_limit]

    def keep(outputs):
        """The outputs within the notebook's budget; past it a note, and each error or stderr output cut to
        200 characters (they decide a test cell's score, so they are never dropped)."""
        size = output_size(outputs)
        if size <= budget[0]:
            budget[0] -= size
            return outputs
        budget[0] = 0
        kept = [nbformat.v4.new_output("stream", name="stdout",
                                       text="[output dropped: the notebook's output limit was reached]\n")]
        for o in outputs:
            if o.get("output_type") == "error":
                kept.append(error_output(o.get("ename", "Error"), str(o.get("evalue", ""))[:200], []))
            elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                kept.append(nbformat.v4.new_output("stream", name="stderr", text=str(o.get("text", ""))[:200]))
        return kept
    try:
        kernel = StudentKernel(scratch, build, limits.rlimits, limits.uid, out_limit,
                               use_sandbox=limits.sandbox, disk_bytes=limits.disk_bytes)
    except KernelDied as exc:
        kernel = None
        events.append(f"the student's kernel did not start: {exc}")
    nb_deadline = time.monotonic() + limits.notebook_timeout  # the clock starts with a ready kernel
    context = TrustedContext(kernel, answers, trusted_dir)
    try:
        for index, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            cell.execution_count = None
            role = roles.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
            left = nb_deadline - time.monotonic()
            label = f"cell {index}" + (f" ({cell.metadata.nbgrader.grade_id})" if role else "")
            if left <= 0:
                if kernel is not None and not kernel.dead:
                    kernel.kill("whole-notebook timeout")
                    events.append(f"notebook exceeded its time limit of {limits.notebook_timeout} s")
                cell.outputs = [error_output("TimeoutError", "not run: the notebook ran out of time", [])]
                if role == "test":
                    verdicts.append(not_run_verdict(cell.metadata.nbgrader.grade_id))
                continue
            timeout = min(limits.cell_timeout, left)
            if role == "test":
                cell.outputs = keep(run_test_cell(context, cell, timeout, out_limit, label, events, verdicts))
                continue
            cell.outputs = keep(run_student_cell(kernel, cell.source, timeout, out_limit, label, events))
            if role == "setup":
                context.run(cell.source, timeout, out_limit)
    finally:
        if kernel is not None:
            if kernel.dead and not any("kernel" in e for e in events):
                events.append(f"the student's kernel died: {kernel.dead}")
            kernel.close()
    return events


def run_test_cell(context, cell, timeout, out_limit, label, events, verdicts):
    """Run a test cell in the trusted ``context``; returns its outputs, adds its verdict when it fails."""
    outputs, error = context.run(cell.source, timeout, out_limit)
    kernel = context.kernel
    verdict = cell_verdict(cell.metadata.nbgrader.grade_id, error, outputs,
                           kernel_dead=kernel is None or bool(kernel.dead))
    if verdict is not None:
        verdicts.append(verdict)
    if isinstance(error, (CellTimeout, KernelDied)):
        events.append(f"{label}: {error}")
    return outputs


def run_student_cell(kernel, source, timeout, out_limit, label, events):
    if kernel is None or kernel.dead:
        return [error_output("KernelDied", f"not run: {kernel.dead if kernel else 'no kernel'}", [])]
    try:
        reply = kernel.run(source, time.monotonic() + timeout)
    except CellTimeout as exc:
        events.append(f"{label}: {exc} after {timeout:.0f} s")
        return [error_output("TimeoutError", f"{exc} after {timeout:.0f} s", [])]
    except KernelDied as exc:
        events.append(f"{label}: {exc}")
        return [error_output("KernelDied", str(exc), [])]
    return student_outputs(reply, out_limit)
