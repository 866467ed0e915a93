"""Start a student's kernel inside bubblewrap.

The sandbox sees only what it needs to run Python: the system's ``/usr``, the
Python installation and the virtual environment (read-only, with the deep-learning
frameworks in ``HIDDEN_PACKAGES`` covered by empty folders), the *student build*
of lstmkit at ``/opt/course`` (:mod:`lstmkit.grading.student_build`: the
assignment's reference implementations and ``lstmkit.grading`` are not in it)
and a scratch folder: a size-limited tmpfs filled, when the kernel starts,
with a copy of the student's files and the assignment's data. The real
lstmkit, the course directory, the source notebooks, the hidden tests, the
other submissions and the gradebook are simply absent. bwrap reads its
options from a pipe (``--args``), so ``/proc/1/cmdline`` in the sandbox
shows no bind source or scratch path (only the command: the venv's python and
the kernel's sandbox paths).
Network, PIDs, IPC and hostname are private (``--unshare-net``, ``-pid``,
``-ipc``, ``-uts``), so there is no network at all and the kernel cannot see
or signal any process outside. ``--die-with-parent`` ties the sandbox to the
grading worker: killing the worker tears the whole PID namespace down.

Every job gets a user namespace of its own (:func:`spawn`). When the grader
runs as root, the kernel keeps only the capabilities to hand its scratch files
over and change uid (all of them vanish with the switch), lowers its resource
limits and switches to an unprivileged uid (a fresh one for each job, see
``batch.job_uid``), so ``RLIMIT_NPROC`` really bounds its processes (root
would be exempt); the kernel keyrings belong to the user namespace, so they
start empty and disappear with the job.
"""

import json
import os
import shutil
import subprocess
import sys

SCRATCH = "/scratch"
SEED = "/seed"
COURSE = "/opt/course"  # the student build: lib/ (on sys.path) and kernel/
# Packages with ready-made recurrent layers: covered by an empty tmpfs wherever a bound site-packages holds them.
HIDDEN_PACKAGES = ("torch", "torchvision", "torchaudio", "functorch", "tensorflow", "keras", "jax", "jaxlib",
                   "flax", "mxnet", "paddle", "lstmkit")
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


def hidden_package_dirs(roots):
    """Folders of ``HIDDEN_PACKAGES`` inside the site-packages of ``roots`` (covered in the sandbox)."""
    import glob

    found = []
    for root in roots:
        for site in glob.glob(os.path.join(root, "lib", "python3*", "site-packages")):
            for name in HIDDEN_PACKAGES:
                path = os.path.join(site, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    found.append(path)
    return found


def read_only_paths():
    """Folders the kernel needs to see: Python and the venv. Never the course, never the real lstmkit."""
    paths = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
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


def bwrap_options(scratch, build_root, as_root, disk_bytes=256 * 1024 * 1024):
    """bwrap's options (they travel through ``--args FD``; the command follows on the command line).

    ``scratch`` (on the host) is visible read-only at /seed; /scratch and /tmp
    are size-limited tmpfs (``disk_bytes`` each), so the student's code cannot
    fill the host's disk. The kernel copies /seed into /scratch at start.
    ``as_root``: bwrap runs in the user namespace :func:`spawn` made for the job and keeps only the
    capabilities to hand the scratch files over and change uid; otherwise it makes its own.
    """
    args = ["--die-with-parent", "--new-session", "--clearenv",
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
    roots = read_only_paths()
    for path in roots:
        args += _dirs_for(path, made) + ["--ro-bind", path, path]
    for path in hidden_package_dirs(roots):
        args += ["--size", "4096", "--tmpfs", path, "--remount-ro", path]
    args += _dirs_for(COURSE + "/x", made) + ["--ro-bind", build_root, COURSE]
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
    return args


def _args_pipe(args):
    """A pipe holding ``args`` NUL-separated, for bwrap's ``--args FD``; returns the read end."""
    data = b"".join(a.encode() + b"\0" for a in args)
    r, w = os.pipe()
    if len(data) > 60000:  # more than a pipe buffer holds before bwrap reads it
        raise SandboxUnavailable(f"bwrap command line of {len(data)} bytes is too long")
    os.write(w, data)
    os.close(w)
    return r


# Runs as root in a child process: enters a new user namespace, tells the parent (which then writes the id
# maps from outside, as only a process privileged over the parent namespace may map another uid), waits for it,
# and becomes bwrap. argv: ready_fd go_fd command...
USERNS_LAUNCHER = r"""
import ctypes, os, sys
ready, go = int(sys.argv[1]), int(sys.argv[2])
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000):  # CLONE_NEWUSER
    raise SystemExit("unshare(CLONE_NEWUSER) failed: errno %d" % ctypes.get_errno())
os.write(ready, b"u")
os.close(ready)
if os.read(go, 1) != b"m":
    raise SystemExit("the grader did not map the user namespace")
os.close(go)
os.execv(sys.argv[3], sys.argv[3:])
"""


def spawn(scratch, build_root, uid, command, disk_bytes=256 * 1024 * 1024, pass_fds=(), **popen):
    """Start ``command`` in the sandbox; returns the ``subprocess.Popen``.

    As root, the sandbox gets a user namespace of its own in which root and ``uid`` keep their host ids: bwrap
    sets up as root there (it can bind the Python under /root), the kernel then drops to ``uid``, so
    ``RLIMIT_NPROC`` bounds its processes (root would be exempt), and the kernel keyrings, which belong to
    the user namespace, start empty and vanish with the job. Not as root, bwrap makes the namespace itself.
    """
    as_root = os.geteuid() == 0
    args_fd = _args_pipe(bwrap_options(scratch, build_root, as_root, disk_bytes))
    bwrap = [bwrap_path(), "--args", str(args_fd), "--"] + list(command)
    if not as_root:
        try:
            return subprocess.Popen(bwrap, pass_fds=tuple(pass_fds) + (args_fd,), **popen)
        finally:
            os.close(args_fd)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-c", USERNS_LAUNCHER, str(ready_w), str(go_r)] + bwrap,
                                pass_fds=tuple(pass_fds) + (args_fd, ready_w, go_r), **popen)
    finally:
        for fd in (args_fd, ready_w, go_r):
            os.close(fd)
    try:
        if os.read(ready_r, 1) != b"u":
            raise SandboxUnavailable("could not create a user namespace for the sandbox")
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{proc.pid}/{name}", "w") as fh:
                fh.write(f"0 0 1\n{int(uid)} {int(uid)} 1\n")
        os.write(go_w, b"m")
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        os.close(ready_r)
        os.close(go_w)
    return proc


def start_kernel(scratch, build, limits, uid, output_limit, sandbox=True, disk_bytes=256 * 1024 * 1024):
    """Start the student's kernel; returns ``(process, fd_to_kernel, fd_from_kernel)``.

    ``build`` is the :class:`~lstmkit.grading.student_build.StudentBuild` to mount; ``limits`` maps ``as``,
    ``nproc``, ``fsize``, ``nofile``, ``cpu`` to numbers (see :mod:`student_kernel`); ``uid`` is the
    unprivileged uid to switch to when running as root.
    """
    to_kernel_r, to_kernel_w = os.pipe()
    from_kernel_r, from_kernel_w = os.pipe()
    as_root = os.geteuid() == 0
    config = {"fd_in": to_kernel_r, "fd_out": from_kernel_w, "limits": limits,
              "uid": uid if (as_root and sandbox) else None, "output_limit": output_limit,
              "scratch": SCRATCH if sandbox else scratch, "seed": SEED if sandbox else None,
              "lib": COURSE + "/lib" if sandbox else build.lib}
    kernel_dir = COURSE + "/kernel" if sandbox else build.kernel
    python_args = [sys.executable, "-I", kernel_dir + "/student_kernel.py", json.dumps(config)]
    fds = (to_kernel_r, from_kernel_w)
    try:
        with open(os.devnull, "rb") as null_in, open(os.devnull, "wb") as null_out:
            if sandbox:
                os.chmod(scratch, 0o755)  # read (as /seed) by the kernel's root without CAP_DAC_OVERRIDE
                proc = spawn(scratch, build.root, uid, python_args, disk_bytes, pass_fds=fds, stdin=null_in,
                             stdout=null_out, stderr=null_out, env={}, cwd="/")
            else:
                env = {"PATH": os.environ.get("PATH", ""), "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1",
                       "HOME": scratch}
                proc = subprocess.Popen(python_args, stdin=null_in, stdout=null_out, stderr=null_out, env=env,
                                        pass_fds=fds, cwd=scratch, start_new_session=True)
    finally:
        for fd in fds:
            os.close(fd)
    return proc, to_kernel_w, from_kernel_r
