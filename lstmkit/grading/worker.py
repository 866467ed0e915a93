"""Grade one student's submission (one process per student).

Run by the batch as ``python -m lstmkit.grading _serve`` (job paths on stdin,
one per line) or ``python -m lstmkit.grading _worker JOB.json``. The job
names the submission folder, the assignment spec, the trusted data folder,
a private scratch folder and the limits. The worker never opens the
gradebook: it writes a result file (status, reason, executed notebooks) that
the batch merges afterwards, one student at a time.
"""

import json
import os
import shutil
import stat
import sys

import nbformat

from . import preflight as pf
from .runner import execute_notebook
from .trusted import answer_names
from .limits import JobLimits
from .student_build import StudentBuild

MAX_AUTOGRADED_BYTES = 50 * 1024 * 1024  # an autograded notebook larger than this is not written


def copy_files(src, dest, skip_notebooks=True, max_bytes=None):
    """Copy regular files of ``src`` into ``dest`` (never following symlinks).

    Returns the relative paths left out: symbolic links, anything that is not a regular file (a FIFO, a
    socket, a device: opening one could block), and files larger than ``max_bytes``.
    """
    skipped = []
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = os.path.relpath(root, src)
        for d in list(dirs):
            if os.path.islink(os.path.join(root, d)) or d.startswith(".ipynb_checkpoints"):
                dirs.remove(d)
        for name in files:
            path = os.path.join(root, name)
            if not stat.S_ISREG(os.lstat(path).st_mode):
                skipped.append(os.path.normpath(os.path.join(rel, name)))
                continue
            if skip_notebooks and name.endswith(".ipynb"):
                continue
            if max_bytes is not None and os.path.getsize(path) > max_bytes:
                skipped.append(os.path.normpath(os.path.join(rel, name)))
                continue
            target = os.path.join(dest, rel, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(path, target)
    return skipped


def make_job(student, spec_json, folder, submission_dir, job_limits, build):
    """The job one grading process receives (it travels as JSON): ``spec_json`` the assignment spec,
    ``folder`` the job's private folder (its ``scratch/`` must exist), ``job_limits`` a
    :class:`~lstmkit.grading.limits.JobLimits`, ``build`` the :class:`StudentBuild` to mount."""
    return {"student": student, "spec": spec_json, "scratch": os.path.join(folder, "scratch"),
            "submission_dir": submission_dir, "limits": job_limits.to_json(),
            "student_build": {"root": build.root, "lib": build.lib, "kernel": build.kernel,
                              "hidden": list(build.hidden)},
            "result_path": os.path.join(folder, "result.json")}


def grade(job):
    spec = job["spec"]
    for nb_spec in spec["notebooks"]:
        nb_spec["release"] = nbformat.from_dict(nb_spec["release"])
        for cell in nb_spec["cells"]:
            cell["release_cell"] = nbformat.from_dict(cell["release_cell"])
    result = {"student": job["student"], "notebooks": {}, "notes": [], "events": [], "mistakes": []}
    try:
        notebooks, notes = pf.preflight(job["submission_dir"], spec)
    except pf.Rejected as exc:
        return dict(result, status="rejected", reason=str(exc))
    result["notes"] = notes
    limits = JobLimits.from_json(job["limits"])
    build = StudentBuild(**job["student_build"])
    for nb_spec in spec["notebooks"]:
        name = nb_spec["name"]
        scratch = os.path.join(job["scratch"], "work-" + name)
        trusted = os.path.join(job["scratch"], "trusted-" + name)
        os.makedirs(scratch)
        os.makedirs(trusted)
        left_out = copy_files(job["submission_dir"], scratch, max_bytes=spec.get("max_file_bytes"))
        if left_out:
            result["notes"].append(f"{name}.ipynb: left out links, special or oversized files {left_out}")
        copy_files(spec["release_dir"], scratch)  # what students were given, never the source
        copy_files(spec["source_dir"], trusted)
        roles = {c["grade_id"]: c["role"] for c in nb_spec["cells"]}
        answers = nb_spec.get("answer_names")  # computed by the coordinator when the solutions stay there
        if answers is None:
            answers = answer_names(c["trusted_source"] for c in nb_spec["cells"]
                                   if c["role"] == "answer" and c["release_cell"]["cell_type"] == "code")
        answers = set(answers)
        nb = notebooks[name]
        sys.path.insert(0, trusted)
        verdicts = []
        try:
            events = execute_notebook(nb, roles, answers, scratch, build, trusted, limits, verdicts=verdicts)
        finally:
            sys.path.remove(trusted)
            for module in [m for m, mod in sys.modules.items()
                           if getattr(mod, "__file__", None) and str(mod.__file__).startswith(trusted)]:
                del sys.modules[module]
        size = len(nbformat.writes(nb))
        if size > MAX_AUTOGRADED_BYTES:
            events.append(f"the autograded notebook would be {size} bytes, over the limit of "
                          f"{MAX_AUTOGRADED_BYTES}; its outputs were removed")
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = [o for o in cell.outputs if o.get("output_type") == "error"][:1]
        result["events"] += [f"{name}.ipynb: {e}" for e in events]
        result["mistakes"] += [dict(v.to_json(), notebook=name) for v in verdicts]
        result["notebooks"][name] = nb
    status = "error" if result["events"] else "graded"
    reason = "; ".join(result["events"] + result["notes"])
    return dict(result, status=status, reason=reason)


def limit_memory(megabytes):
    """Cap this process's address space (RLIMIT_AS), soft and hard: a flood the grader decodes fails with
    MemoryError in this process instead of exhausting the machine."""
    import resource

    if megabytes:
        limit = int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def peak_rss_mb():
    """This process's peak resident memory in MB: Linux's VmHWM, the high-water mark of the memory the process
    has had since it started (or since ``echo 5 > /proc/self/clear_refs``). getrusage's ru_maxrss would be wrong
    here: it keeps the peak of the process that forked this one, whatever this one used after exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024            # kB
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def exit_with_parent(interval=0.5):
    """End this process and its process group when the process that started it is gone (a grading worker
    killed with SIGKILL, a coordinator that crashed): an orphaned job would only burn a core."""
    import signal
    import threading
    import time

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(interval)
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


def serve():
    """Grade the jobs whose paths arrive on stdin, one per line; answer ``done`` on stdout."""
    exit_with_parent()
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray prints (ours or a library's) must not reach the channel
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if line.strip():
            main(line.strip())
            channel.write("done\n")
            channel.flush()
    return 0


def main(job_path):
    import time

    with open(job_path) as fh:
        job = json.load(fh)
    started = time.perf_counter()
    try:
        result = grade(job)
    except Exception as exc:  # a bug or an environment failure: report, do not crash the batch
        import traceback

        result = {"student": job["student"], "status": "error", "notebooks": {},
                  "reason": f"grading failed: {type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()}
    result["grading_seconds"] = time.perf_counter() - started  # pre-flight, kernels, every cell
    result["peak_rss_mb"] = peak_rss_mb()  # this process, so far
    tmp = job["result_path"] + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(result, fh)
    os.replace(tmp, job["result_path"])
    return 0
