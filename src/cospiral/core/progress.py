"""A progress bar for long commands: drawn on a terminal, silent when the output is a
file or a pipe (scripts, cron, CI)."""

from __future__ import annotations

import time


class ProgressBar:
    WIDTH = 30

    def __init__(self, stream, label: str, *, total: int | None = None, interval: float = 0.2):
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self.interval = interval
        self._last = 0.0
        self._drawn = False
        target = getattr(stream, "_out", stream)  # Django's OutputWrapper
        isatty = getattr(target, "isatty", None)
        self.enabled = bool(isatty and isatty())

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.interval and not (self.total and done >= self.total):
            return
        self._last = now
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def _draw(self) -> None:
        if self.total:
            share = min(1.0, self.done / self.total)
            filled = round(share * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            text = f"\r{self.label} [{bar}] {self.done}/{self.total} {round(share * 100):3d}%"
        else:
            text = f"\r{self.label} {self.done}"
        target = getattr(self.stream, "_out", self.stream)
        target.write(text)
        target.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            target = getattr(self.stream, "_out", self.stream)
            target.write("\n")
            target.flush()

    def __enter__(self):
        if self.enabled:
            self._draw()
        return self

    def __exit__(self, *exc):
        self.close()
        return False
