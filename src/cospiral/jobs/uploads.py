"""For import views: a file above COSPIRAL_IMPORT_INLINE_BYTES is imported as a job (the
view answers with the job's page at once); smaller files are imported in the request."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cospiral.jobs.services import JobsUnavailable, start_job


def runs_as_job(upload) -> bool:
    return (upload.size or 0) > settings.COSPIRAL_IMPORT_INLINE_BYTES


def unavailable_message(upload) -> str:
    return _(
        "%(name)s (%(size)s) is larger than %(limit)s, so it is imported in the background, "
        "but the task engine is not available now. Nothing was imported: try again later, "
        "or ask the server's administrator to check the workers."
    ) % {"name": upload.name, "size": filesizeformat(upload.size),
         "limit": filesizeformat(settings.COSPIRAL_IMPORT_INLINE_BYTES)}


def start_import(kind: str, *, upload, territory, user, params: dict | None = None):
    """Start the import job; returns ``(job, None)``, or ``(None, message)`` when the
    task engine refused it (nothing was imported)."""
    params = {"filename": upload.name, **(params or {})}
    try:
        job = start_job(kind, territory=territory, user=user, params=params, upload=upload)
    except JobsUnavailable:
        return None, unavailable_message(upload)
    return job, None
