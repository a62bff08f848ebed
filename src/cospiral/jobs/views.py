"""Job pages: one per job (progress, elapsed time, result or located errors, cancel), the
territory's recent jobs, and /health/. Territory jobs answer 404 to anyone whose role is
below the kind's ``min_role`` and to other territories; site-wide jobs to anyone but
their creator and site administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cospiral.core.access import READ, territory_view
from cospiral.domain import jobs as rules
from cospiral.jobs import selectors, services
from cospiral.territories.models import Role


def _territory_job(request, pk):
    job = selectors.territory_job(request.territory, request.role, pk)
    if job is None:
        raise Http404(_("No such job."))
    return job


def _site_job(request, pk):
    job = selectors.site_job(request.user, pk)
    if job is None:
        raise Http404(_("No such job."))
    return job


def _may_cancel(request, job) -> bool:
    if job.is_finished:
        return False
    user = request.user
    return (user.is_superuser or job.created_by_id == user.pk
            or getattr(request, "role", None) == Role.COORDINATOR)


def _context(request, job):
    if not job.is_finished:
        # A job whose worker died is marked failed here too, not only by the workers.
        if services.recover_stale(queryset=type(job).objects.filter(pk=job.pk)):
            job.refresh_from_db()
    now = timezone.now()
    return {
        "job": job, "territory": job.territory, "title": selectors.title(job),
        "elapsed": round(rules.elapsed_seconds(created_at=job.created_at,
                                               started_at=job.started_at,
                                               finished_at=job.finished_at, now=now)),
        "may_cancel": _may_cancel(request, job),
        "has_sheet": any(e.get("sheet") for e in job.errors or []),
        "has_field": any(e.get("field") for e in job.errors or []),
    }


def _detail(request, job):
    return render(request, "jobs/detail.html", _context(request, job))


def _progress(request, job):
    return render(request, "jobs/_status.html", _context(request, job))


def _download(request, job):
    path = job.result_path
    if job.state != job.State.SUCCEEDED or path is None or not path.exists():
        raise Http404(_("This job has no file to download."))
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name,
                        content_type=job.result_type or "application/octet-stream")


def _cancel(request, job):
    if not _may_cancel(request, job):
        messages.error(request, _("This job can no longer be cancelled."))
    else:
        outcome = services.cancel_job(job, user=request.user)
        if outcome == rules.CANCELLED:
            messages.success(request, _("The job was cancelled before it started."))
        elif outcome:
            messages.success(request, _("Cancelling: the job stops at its next step and "
                                        "nothing it did is kept."))
        else:
            messages.error(request, _("This job can no longer be cancelled."))
    return redirect(job.get_absolute_url())


# --- the pages of a job, for a territory's jobs and for site-wide jobs -------------------

def _pages(handler, *, cached: bool = True, post: bool = False):
    """``handler(request, job)`` as two views: for a territory's job (its members, by
    the kind's ``min_role``) and for a site-wide job (its creator, site administrators)."""
    def territory(request, pk):
        return handler(request, _territory_job(request, pk))

    def site(request, pk):
        return handler(request, _site_job(request, pk))

    views = [territory_view(READ)(territory), login_required(site)]
    if post:
        views = [require_POST(v) for v in views]
    if not cached:
        views = [never_cache(v) for v in views]
    return views[0], views[1]


@territory_view(READ)
def job_list(request):
    return render(request, "jobs/list.html", {
        "territory": request.territory,
        "jobs": [(job, selectors.title(job)) for job in
                 selectors.recent_jobs(request.territory, request.role)],
    })


detail, site_detail = _pages(_detail, cached=False)
progress, site_progress = _pages(_progress, cached=False)
download, site_download = _pages(_download)
cancel, site_cancel = _pages(_cancel, post=True)


# --- health ---------------------------------------------------------------------------

@never_cache
def health(request):
    """For the proxy and the city's monitoring: 200 when the database answers, else 503."""
    body = {"status": "ok", "database": False, "oldest_queued_job_age_s": None,
            "worker_last_seen": None, "worker_last_seen_age_s": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"] = True
        age = selectors.oldest_queued_age()
        body["oldest_queued_job_age_s"] = None if age is None else round(age, 1)
        seen, seen_age = selectors.worker_last_seen()
        body["worker_last_seen"] = seen.isoformat() if seen else None
        body["worker_last_seen_age_s"] = None if seen_age is None else round(seen_age, 1)
    except Exception:
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
