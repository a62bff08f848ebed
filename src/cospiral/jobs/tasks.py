"""The one task every job goes through: the engine (database queue, Redis or immediate)
carries only the job's id; ``services.execute`` does the rest."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task(queue_name=settings.COSPIRAL_TASKS_QUEUE)
def run_job(job_id: int) -> str | None:
    from cospiral.jobs.services import execute

    return execute(job_id)


def enqueue(job_id: int) -> str | None:
    """Hand the job to the configured backend; returns the backend's task id."""
    result = run_job.enqueue(job_id)
    return getattr(result, "id", None)
