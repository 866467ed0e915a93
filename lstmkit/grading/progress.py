"""A progress bar for a grading batch: done/total, rate and estimated time left.

On a terminal the bar is redrawn in place; elsewhere (a log file, CI) a line is printed at most every
``every`` seconds and at the end, so a 10,000-student batch does not write 10,000 bars.
"""
from __future__ import annotations

import sys
import time


def clock(seconds: float) -> str:
    """``seconds`` as H:MM:SS (or M:SS under an hour)."""
    seconds = int(round(max(0.0, seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render(done: int, total: int, elapsed: float, width: int = 24) -> str:
    """One bar: ``[#####-----] 12/40  0.80/s  ETA 0:35``. The rate is per second over ``elapsed``; the ETA
    is what is left at that rate (``--`` before the first result)."""
    filled = width * done // total if total else width
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = clock((total - done) / rate) if rate > 0 else "--"
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total}  {rate:.2f}/s  ETA {eta}"


class Progress:
    """Call :meth:`update` with the number done; :meth:`close` ends the line."""

    def __init__(self, total: int, stream=None, every: float = 5.0, now=time.monotonic):
        self.total, self.stream, self.every, self.now = total, stream or sys.stderr, every, now
        self.start = now()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last = None

    def update(self, done: int) -> None:
        t = self.now()
        line = render(done, self.total, t - self.start)
        if self.tty:
            self.stream.write("\r" + line)
        elif self.last is None or t - self.last >= self.every or done >= self.total:
            self.stream.write(line + "\n")
        else:
            return
        self.last = t
        self.stream.flush()

    def clear(self) -> None:
        """On a terminal, wipe the bar so that a log line can take its place (the next update redraws it)."""
        if self.tty and self.last is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
