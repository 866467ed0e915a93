"""The built book for the tests and the benchmarks: reused when fresh, else built once; served on 127.0.0.1.

When a build is stale is decided in one place, tools/book_cache.py, which `make book` runs as well.
"""
from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tools"))

import book_cache  # noqa: E402  (tools/book_cache.py)

HTML = ROOT / "_build" / "html"


def book_is_fresh(html: Path) -> bool:
    """True when html/index.html exists and the last build is newer than every source of the book."""
    return book_cache.html_is_fresh(html, ROOT)


def build_book_in_place() -> Path:
    """`make book` without the install step: jupyter-book build . -W -n --keep-going into _build/html.
    When lstmkit is newer than the execution cache, the cache is dropped and every page rebuilt."""
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not (ROOT / "_offline" / ".vendored").exists():
        subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], cwd=ROOT, env=env, check=True)
    cmd = [str(VENV_BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
    if book_cache.drop_stale_cache(ROOT):
        cmd.append("--all")
    started = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0 or not (HTML / "index.html").exists():
        pytest.fail(f"jupyter-book build failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    stamp = ROOT / book_cache.STAMP
    stamp.touch()
    os.utime(stamp, (started, started))              # sources edited during the build still count as newer
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_folder(folder: Path):
    """Serve `folder` over HTTP on 127.0.0.1 (a free port) in a thread; returns (base_url, server)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def toc_files(toc: dict) -> list[str]:
    """The documents of a jb-book ``_toc.yml`` (root, parts, chapters, sections) in reading order."""
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key, []))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def toc_pages(root: Path = ROOT) -> list[str]:
    """The documents of the book's ``_toc.yml`` under ``root``, in reading order (root first)."""
    import yaml

    return toc_files(yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf8")))
