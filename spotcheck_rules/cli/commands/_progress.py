"""The one progress bar of the long commands (``validate``, ``aggregate``, ``merge``).

A single line on stderr, redrawn in place: what is being done, a bar, the share done and the
time so far. It is shown only when stderr is a terminal (never in a pipe, a log or CI, where the
carriage returns would be noise) and only once a command has run for :attr:`Progress.delay`
seconds (a quick command shows nothing), at most ten times a second; :meth:`Progress.close`
erases it, so the command's own output starts on a clean line. The library's long functions
take any ``progress(done, total)`` callable; this is the command line's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``progress(done, total)`` for one command; a no-op when stderr is not a terminal."""

    def __init__(
        self,
        stderr: TextIO,
        label: str = "读取中",
        *,
        delay: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stderr = stderr
        self.label = label
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.last = -1.0
        self.shown = False
        isatty = getattr(stderr, "isatty", None)
        self.enabled = bool(isatty is not None and isatty())

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        elapsed = now - self.start
        if elapsed < self.delay or (self.shown and now - self.last < 0.1 and done < total):
            return
        self.last = now
        frac = min(done / total, 1.0) if total else 1.0
        width = 30
        bar = "█" * int(frac * width)
        self.stderr.write(f"\r{self.label} |{bar:<{width}}| {frac:6.1%} {elapsed:5.1f}s")
        self.stderr.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the bar (if it was drawn)."""
        if self.shown:
            self.stderr.write("\r\033[K")
            self.stderr.flush()
            self.shown = False
