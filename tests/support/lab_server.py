"""A Jupyter server (JupyterLab 4 or Notebook 7) on 127.0.0.1 for the browser tests, with its own
configuration folders and a random token."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

FRONT_ENDS = {
    # module to run, its app class (for the config flags), URL path of a notebook
    "jupyterlab": ("jupyterlab", "LabApp", "lab/tree/"),
    "notebook7": ("notebook", "JupyterNotebookApp", "notebooks/"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """JupyterLab or Notebook 7 on 127.0.0.1 with a random token, started in (and serving) a folder (for
    nbgrader, a course folder: its handlers read nbgrader_config.py from the server's working directory)."""

    def __init__(self, front_end: str, course: Path, home: Path):
        module, app, self.notebook_prefix = FRONT_ENDS[front_end]
        self.course, self.home = course, home
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        cmd = [sys.executable, "-m", module, "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--ServerApp.root_dir={course}", f"--IdentityProvider.token={self.token}",
               "--ServerApp.allow_root=True", f"--{app}.expose_app_in_browser=True"]
        if module == "jupyterlab":
            cmd += ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / f"server-{front_end}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                pytest.fail(f"{module} did not start:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.5)

    def url(self, path: str) -> str:
        return f"{self.base}/{path}?token={self.token}"

    def notebook_url(self, path: str) -> str:
        # A checkpoint, as any saved notebook has (Notebook 7's "Last Checkpoint" indicator wants one).
        req = urllib.request.Request(f"{self.base}/api/contents/{path}/checkpoints", method="POST",
                                     headers={"Authorization": f"token {self.token}"})
        urllib.request.urlopen(req, timeout=10).close()
        return self.url(self.notebook_prefix + path)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
