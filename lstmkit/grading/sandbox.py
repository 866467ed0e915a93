"""Start a student's kernel inside bubblewrap.

The sandbox sees only what it needs to run Python: the system's ``/usr``, the
Python installation, the virtual environment, the ``lstmkit`` package (all
read-only) and a scratch folder: a size-limited tmpfs filled, when the kernel
starts, with a copy of the student's files and the assignment's data. The course directory, the source notebooks,
the hidden tests, the other submissions and the gradebook are simply absent.
Network, PIDs, IPC and hostname are private (``--unshare-net``, ``-pid``,
``-ipc``, ``-uts``), so there is no network at all and the kernel cannot see
or signal any process outside. ``--die-with-parent`` ties the sandbox to the
grading worker: killing the worker tears the whole PID namespace down.

When the grader runs as root, the kernel keeps only the capabilities to hand
its scratch files over and change uid (all of them vanish with the switch),
lowers its resource limits and switches to an unprivileged uid (one per
worker slot), so ``RLIMIT_NPROC`` really bounds its processes; root would be
exempt.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

SCRATCH = "/scratch"
SEED = "/seed"
ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/fonts", "/etc/alternatives"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work on this machine."""


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; install it (apt-get install -y bubblewrap) "
            "or pass --no-sandbox to grade trusted submissions without isolation")
    return path


def _package_dir(name):
    spec = importlib.util.find_spec(name)
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def read_only_paths():
    """Folders the kernel needs to see: Python, the venv, lstmkit. Never the course."""
    paths = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
             _package_dir("lstmkit")]
    for extra in (sys.exec_prefix, sys.base_exec_prefix):
        paths.append(extra)
    unique = []
    for p in paths:
        p = os.path.realpath(p)
        if p.startswith("/usr") or any(p == u or p.startswith(u + "/") for u in unique):
            continue
        unique = [u for u in unique if not u.startswith(p + "/")] + [p]
    return unique


def _dirs_for(path, made):
    """``--dir`` arguments creating every missing ancestor of ``path`` with mode 0755."""
    args, parts = [], path.strip("/").split("/")[:-1]
    current = ""
    for part in parts:
        current += "/" + part
        if current not in made:
            made.add(current)
            args += ["--perms", "0755", "--dir", current]
    return args


def bwrap_command(scratch, python_args, as_root, disk_bytes=256 * 1024 * 1024):
    """The full bwrap command line that runs ``python_args``.

    ``scratch`` (on the host) is visible read-only at /seed; /scratch and /tmp
    are size-limited tmpfs (``disk_bytes`` each), so the student's code cannot
    fill the host's disk. The kernel copies /seed into /scratch at start.
    """
    args = [bwrap_path(), "--die-with-parent", "--new-session", "--clearenv",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if as_root:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_CHOWN"]
    else:
        args += ["--unshare-user"]
    size = str(int(disk_bytes))
    # /tmp first: the read-only binds below may lie under /tmp (a course checked out there), and a
    # tmpfs mounted after them would hide them.
    args += ["--size", size, "--tmpfs", "/tmp"]
    args += ["--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink("/" + link):
            args += ["--symlink", os.readlink("/" + link), "/" + link]
        elif os.path.isdir("/" + link):
            args += ["--ro-bind", "/" + link, "/" + link]
    made = {"/tmp", "/usr", "/bin", "/lib", "/lib64", "/sbin"}
    for path in ETC_FILES:
        if os.path.exists(path):
            args += _dirs_for(path, made) + ["--ro-bind", path, path]
    for path in read_only_paths():
        args += _dirs_for(path, made) + ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--ro-bind", scratch, SEED, "--perms", "0755", "--size", size, "--tmpfs", SCRATCH,
             "--chdir", SCRATCH]
    env = {"HOME": SCRATCH, "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
           "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "JUPYTER_PLATFORM_DIRS": "1",
           "NBGRADER_EXECUTION": "autograde"}
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args + ["--"] + python_args


def kernel_script():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "student_kernel.py")


def start_kernel(scratch, limits, uid, output_limit, sandbox=True, disk_bytes=256 * 1024 * 1024):
    """Start the student's kernel; returns ``(process, fd_to_kernel, fd_from_kernel)``.

    ``limits`` maps ``as``, ``nproc``, ``fsize``, ``nofile``, ``cpu`` to numbers
    (see :mod:`student_kernel`); ``uid`` is the unprivileged uid to switch to
    when running as root.
    """
    to_kernel_r, to_kernel_w = os.pipe()
    from_kernel_r, from_kernel_w = os.pipe()
    as_root = os.geteuid() == 0
    config = {"fd_in": to_kernel_r, "fd_out": from_kernel_w, "limits": limits,
              "uid": uid if (as_root and sandbox) else None, "output_limit": output_limit,
              "scratch": SCRATCH if sandbox else scratch, "seed": SEED if sandbox else None}
    python_args = [sys.executable, "-I", kernel_script(), json.dumps(config)]
    if sandbox:
        os.chmod(scratch, 0o755)  # read (as /seed) by the kernel's root without CAP_DAC_OVERRIDE
        cmd = bwrap_command(scratch, python_args, as_root, disk_bytes)
        env = {}
    else:
        cmd, env = python_args, {"PATH": os.environ.get("PATH", ""), "MPLBACKEND": "Agg",
                                 "OPENBLAS_NUM_THREADS": "1", "HOME": scratch}
    with open(os.devnull, "rb") as null_in, open(os.devnull, "wb") as null_out:
        proc = subprocess.Popen(cmd, stdin=null_in, stdout=null_out, stderr=null_out, env=env,
                                pass_fds=(to_kernel_r, from_kernel_w), cwd=scratch,
                                start_new_session=not sandbox)
    os.close(to_kernel_r)
    os.close(from_kernel_w)
    return proc, to_kernel_w, from_kernel_r
