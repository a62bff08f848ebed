"""Writes of jobs: start one, run it (in a worker, or here), cancel it, recover the jobs
whose worker died. Every kind of job runs through ``execute`` whatever the backend."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cospiral.core.background import JobsUnavailable
from cospiral.domain import jobs as rules
from cospiral.jobs.context import CANCEL_FLAG, JobCancelled, JobContext, JobFailed, located_error
from cospiral.jobs.models import Job, WorkerBeat
from cospiral.jobs.registry import get_kind

log = logging.getLogger("cospiral.jobs")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _save_upload(job: Job, upload) -> None:
    if upload is None:
        return
    folder = job.directory / "input"
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(upload, (bytes, bytearray)):
        name = "upload"
        (folder / name).write_bytes(bytes(upload))
    elif isinstance(upload, (str, Path)):
        source = Path(upload)
        name = source.name or "upload"
        shutil.copyfile(source, folder / name)
    else:  # a Django UploadedFile
        name = Path(upload.name or "upload").name or "upload"
        if hasattr(upload, "seek"):
            upload.seek(0)
        with open(folder / name, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    job.input_name = name
    Job.objects.filter(pk=job.pk).update(input_name=name)


def _create(kind: str, *, territory, user, params, upload) -> Job:
    get_kind(kind)  # an unknown kind is a programming error: raise at once
    params = dict(params or {})
    json.dumps(params)  # params must be JSON-serialisable (they go through the queue)
    job = Job.objects.create(
        territory=territory, kind=kind, params=params,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    # A folder left by an earlier job of the same number (a database restored, or
    # emptied) is not this job's: never reuse its files.
    shutil.rmtree(job.directory, ignore_errors=True)
    _save_upload(job, upload)
    return job


def start_job(kind: str, *, territory=None, user=None, params: dict | None = None,
              upload=None) -> Job:
    """Create the job and hand it to the task engine. With the immediate backend (tests)
    it has already run when this returns. Raises ``JobsUnavailable`` when the engine
    cannot take it (the job is then marked failed and nothing ran)."""
    from cospiral.jobs.tasks import enqueue

    job = _create(kind, territory=territory, user=user, params=params, upload=upload)
    try:
        task_id = enqueue(job.pk)
    except Exception as exc:
        log.exception("job %s (%s) could not be queued", job.pk, kind)
        Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.FAILED, finished_at=timezone.now(),
            message=_("The task engine is not available: the job was not started."))
        raise JobsUnavailable(str(exc)) from exc
    if task_id:
        Job.objects.filter(pk=job.pk).update(task_id=str(task_id)[:100])
    job.refresh_from_db()
    return job


def start_or_join(kind: str, *, territory, user, params: dict, same: dict) -> Job:
    """The job of this kind in this territory, queued or running, whose fields match the
    lookups ``same`` (the same document being built), else ``start_job(...)``."""
    job = (Job.objects.filter(territory=territory, kind=kind, state__in=["queued", "running"],
                              **same)
           .order_by("-id").first())
    if job is None:
        job = start_job(kind, territory=territory, user=user, params=params)
    return job


def run_here(kind: str, *, territory=None, user=None, params: dict | None = None, upload=None,
             on_progress=None) -> Job:
    """Run a job in this process (the command line), through the same code as a worker,
    calling ``on_progress(done, total)`` at each step. Returns the finished job."""
    job = _create(kind, territory=territory, user=user, params=params, upload=upload)
    execute(job.pk, on_progress=on_progress)
    job.refresh_from_db()
    return job


class _Heartbeat:
    """While a job runs, a thread writes its heartbeat every few seconds, so a long single
    step (an import inside one transaction) is not taken for a dead worker."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat",
                                       daemon=True)

    def _run(self):
        try:
            while not self.stop.wait(settings.COSPIRAL_JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_id, state=Job.State.RUNNING).update(
                        heartbeat_at=timezone.now())
                except Exception:  # a locked SQLite file: try again at the next beat
                    log.debug("heartbeat of job %s not written", self.job_id, exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
                ("file:memorydb", ":memory:")):
            return self  # an in-memory test database is not shared with other threads
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def _finish(job_id: int, state: str, **fields) -> bool:
    now = timezone.now()
    updated = Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        state=state, finished_at=now, heartbeat_at=now, **fields)
    return bool(updated)


def execute(job_id: int, *, on_progress=None) -> str | None:
    """Run one job: the body of the task, whatever the backend. Returns its final state
    (``None`` if it was not waiting, e.g. cancelled before a worker took it)."""
    now = timezone.now()
    name = worker_name()
    taken = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=now, heartbeat_at=now, worker=name)
    if not taken:
        return None
    job = Job.objects.select_related("territory", "created_by").get(pk=job_id)
    kind = get_kind(job.kind)
    ctx = JobContext(job, on_progress=on_progress)
    began = time.monotonic()
    state, fields = Job.State.FAILED, {}
    with translation.override(job.language or settings.LANGUAGE_CODE), _Heartbeat(job_id):
        try:
            kind.func(ctx, **ctx.params)
        except JobCancelled:
            state, fields = Job.State.CANCELLED, {"message": _("Cancelled: nothing was changed.")}
        except JobFailed as exc:
            state = Job.State.FAILED
            fields = {"message": exc.message or _("The job failed."), "errors": exc.errors}
        except Exception as exc:
            rejected = getattr(exc, "errors", None)
            from cospiral.core.tabular import TableRejected

            if isinstance(exc, TableRejected) and rejected:
                fields = {"message": _("The file was refused: nothing was stored."),
                          "errors": [located_error(e) for e in rejected]}
            else:
                log.exception("job %s (%s) failed", job_id, job.kind)
                fields = {"message": _("The job failed because of an error on the server. "
                                       "Nothing was changed; the error was logged.")}
        else:
            state = Job.State.SUCCEEDED
            done = job.total if job.total is not None else max(job.done, 1)
            fields = {"message": ctx.message, "redirect_url": ctx.redirect_url,
                      "done": max(job.done, done), "total": job.total if job.total else done}
    if not _finish(job_id, state, **fields):
        state = Job.objects.filter(pk=job_id).values_list("state", flat=True).first()
    duration = time.monotonic() - began
    log.info("job kind=%s id=%s territory=%s state=%s duration_ms=%d", job.kind, job_id,
             job.territory.slug if job.territory_id else "-", state, round(duration * 1000))
    return state


def cancel_job(job: Job, *, user) -> str | None:
    """Cancel a waiting job at once, or ask a running one to stop at its next check."""
    outcome = rules.cancel_outcome(job.state)
    if outcome == rules.CANCELLED:
        cancelled = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.CANCELLED, cancel_requested=True, finished_at=timezone.now(),
            message=_("Cancelled before it started: nothing was changed."))
        if not cancelled:  # a worker took it meanwhile: ask it to stop
            job.refresh_from_db()
            outcome = rules.cancel_outcome(job.state)
    if outcome == "requested":
        # The flag file first: it is seen even while a long import holds SQLite's lock.
        job.directory.mkdir(parents=True, exist_ok=True)
        (job.directory / CANCEL_FLAG).touch()
        try:
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        except OperationalError:
            log.warning("job id=%s: cancel kept in its flag file (database busy)", job.pk)
    if outcome:
        log.info("job kind=%s id=%s cancel=%s by user=%s", job.kind, job.pk, outcome,
                 getattr(user, "pk", None))
    return outcome


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(*, now=None, queryset=None) -> int:
    """Mark failed every running job whose worker is gone: its heartbeat is older than
    COSPIRAL_JOB_STALE_SECONDS, or its worker process on this host no longer exists.
    The work of an import ran in one transaction, so a killed worker wrote nothing."""
    now = now or timezone.now()
    host = socket.gethostname()
    stale_after = settings.COSPIRAL_JOB_STALE_SECONDS
    rows = (queryset if queryset is not None else Job.objects).filter(state=Job.State.RUNNING)
    dead = []
    for pk, started_at, heartbeat_at, worker in rows.values_list(
            "pk", "started_at", "heartbeat_at", "worker"):
        if worker == worker_name():
            continue  # a job of this very process is alive by definition
        if rules.is_stale(rules.RUNNING, started_at=started_at, heartbeat_at=heartbeat_at,
                          now=now, stale_after=stale_after) or rules.worker_is_gone(
                worker, this_host=host, pid_alive=_pid_alive):
            dead.append(pk)
    if not dead:
        return 0
    count = Job.objects.filter(pk__in=dead, state=Job.State.RUNNING).update(
        state=Job.State.FAILED, finished_at=now,
        message=_("The worker running this job stopped before the end; nothing was changed. "
                  "Start it again."))
    for pk in dead:
        log.warning("job id=%s recovered: its worker stopped (state=failed)", pk)
    return count


def beat(*, backend: str, started_at) -> None:
    """A worker's sign of life, read by /health/."""
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        name=worker_name(), defaults={"backend": backend, "started_at": started_at,
                                      "seen_at": now})


def worker_loop_beats(*, backend: str, stop: threading.Event) -> None:
    """In a worker: write its heartbeat and recover dead jobs every few seconds."""
    started_at = timezone.now()
    try:
        while True:
            try:
                close_old_connections()
                beat(backend=backend, started_at=started_at)
                recover_stale()
            except Exception:
                log.warning("worker heartbeat not written", exc_info=True)
            finally:
                connection.close()  # never hold a connection between beats
            if stop.wait(settings.COSPIRAL_JOB_HEARTBEAT_SECONDS):
                break
    finally:
        try:
            WorkerBeat.objects.filter(name=worker_name()).delete()
        except Exception:
            pass
        connection.close()
