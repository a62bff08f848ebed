"""Reads of jobs: who may see which, the recent ones of a territory, the queue's age."""

from __future__ import annotations

from django.utils import timezone

from cospiral.domain import jobs as rules
from cospiral.jobs.models import Job, WorkerBeat
from cospiral.jobs.registry import find_kind


def min_role(job: Job) -> str:
    kind = find_kind(job.kind)
    return kind.min_role if kind else "coordinator"


def title(job: Job):
    kind = find_kind(job.kind)
    return kind.title if kind else job.kind


def visible_kinds(role: str | None) -> list[str]:
    from cospiral.jobs.registry import all_kinds

    return [name for name, kind in all_kinds().items() if rules.may_see(role, kind.min_role)]


def territory_job(territory, role: str | None, pk: int) -> Job | None:
    """The territory's job ``pk`` if a member with ``role`` may see it, else ``None``."""
    job = Job.objects.of(territory).select_related("territory", "created_by").filter(pk=pk).first()
    if job is None or not rules.may_see(role, min_role(job)):
        return None
    return job


def site_job(user, pk: int) -> Job | None:
    """A site-wide job (no territory): its creator and site administrators see it."""
    job = (Job.objects.filter(pk=pk, territory__isnull=True)
           .select_related("created_by").first())
    if job is None or not user.is_authenticated:
        return None
    if user.is_superuser or (job.created_by_id is not None and job.created_by_id == user.pk):
        return job
    return None


def recent_jobs(territory, role: str | None, limit: int = 50) -> list[Job]:
    return list(Job.objects.of(territory).filter(kind__in=visible_kinds(role))
                .select_related("created_by", "territory")[:limit])


def oldest_queued_age(now=None) -> float | None:
    now = now or timezone.now()
    oldest = (Job.objects.filter(state=Job.State.QUEUED).order_by("created_at")
              .values_list("created_at", flat=True).first())
    return None if oldest is None else max(0.0, (now - oldest).total_seconds())


def worker_last_seen(now=None):
    """(the last time a worker was seen, how many seconds ago) or (None, None)."""
    now = now or timezone.now()
    seen = WorkerBeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if seen is None:
        return None, None
    return seen, max(0.0, (now - seen).total_seconds())
