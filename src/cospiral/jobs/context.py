"""What a job's function receives: ``ctx`` to report progress, check for cancellation,
save its result file, or fail with located errors."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cospiral.domain import jobs as rules


class JobCancelled(Exception):
    """Raised by ``ctx.raise_if_cancelled()`` when the user cancelled the job: the work
    stops, and an open transaction (an import's) is rolled back by the exception."""


class JobFailed(Exception):
    """Raised by ``ctx.fail(...)``: the job ends failed with its message and errors."""

    def __init__(self, message: str = "", errors: list[dict] | None = None):
        self.message = message
        self.errors = errors or []
        super().__init__(message)


CANCEL_FLAG = "cancel"

ERROR_KEYS = ("file", "sheet", "line", "column", "field", "message")


def located_error(error) -> dict:
    """One located error as a dict of file, sheet, line, column, field and message, from a
    dict or from an object with those attributes (``core.tabular.TableError``)."""
    if isinstance(error, dict):
        source = error
        get = source.get
    else:
        def get(key, default=None):
            return getattr(error, key, default)
    row = {key: get(key) for key in ERROR_KEYS}
    row["message"] = str(row["message"] if row["message"] is not None else error)
    for key in ("file", "sheet", "column", "field"):
        if row[key] is not None:
            row[key] = str(row[key])
    return row


class JobContext:
    def __init__(self, job, *, progress_interval: float | None = None, on_progress=None):
        self.job = job
        self.territory = job.territory
        self.user = job.created_by
        self.params = dict(job.params or {})
        self._interval = (settings.COSPIRAL_JOB_PROGRESS_SECONDS
                          if progress_interval is None else progress_interval)
        self._last_written: float | None = None
        self._on_progress = on_progress
        self.message = ""
        self.redirect_url = ""

    @property
    def input_path(self) -> Path | None:
        return self.job.input_path

    # --- progress ---------------------------------------------------------------------

    def set_total(self, total: int) -> None:
        self.job.total = max(0, int(total))
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.job.done += int(n)
        self._write()

    def set_done(self, done: int) -> None:
        self.job.done = int(done)
        self._write()

    def _write(self, *, force: bool = False) -> None:
        if self._on_progress is not None:
            self._on_progress(self.job.done, self.job.total)
        now = time.monotonic()
        if not force and not rules.should_write_progress(
                last_written=self._last_written, now=now, done=self.job.done,
                total=self.job.total, interval=self._interval):
            return
        self._last_written = now
        type(self.job).objects.filter(pk=self.job.pk).update(
            done=self.job.done, total=self.job.total, heartbeat_at=timezone.now())

    # --- cancellation -----------------------------------------------------------------

    def is_cancelled(self) -> bool:
        # The flag file works even while an import holds SQLite's write lock; the
        # column works across machines (PostgreSQL).
        if (self.job.directory / CANCEL_FLAG).exists():
            return True
        return type(self.job).objects.filter(pk=self.job.pk, cancel_requested=True).exists()

    def raise_if_cancelled(self) -> None:
        if self.is_cancelled():
            raise JobCancelled()

    # --- results ----------------------------------------------------------------------

    def save_file(self, name: str, data: bytes, content_type: str) -> Path:
        """Keep the job's result file (the download of its page)."""
        safe = Path(name).name or "result"
        folder = self.job.directory / "result"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        self.job.result_name = safe
        self.job.result_type = content_type
        type(self.job).objects.filter(pk=self.job.pk).update(
            result_name=safe, result_type=content_type)
        return path

    def succeed(self, *, message: str = "", redirect_url: str = "") -> None:
        """The message (and link) the job page shows once the job has succeeded."""
        self.message = str(message)
        self.redirect_url = str(redirect_url)

    def fail(self, *, errors=None, message: str = ""):
        """End the job failed, with located errors (file, sheet, line, column, field,
        message) for a refused import. Raises: the code after it does not run."""
        raise JobFailed(str(message), [located_error(e) for e in (errors or [])])
