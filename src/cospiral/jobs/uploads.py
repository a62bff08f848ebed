"""For import views: a file above COSPIRAL_IMPORT_INLINE_BYTES is imported as a job (the
view answers with the job's page at once); smaller files are imported in the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cospiral.core.tabular import TableRejected
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


def read_as_note(how: str) -> str:
    """« The file was read as Windows-1252 text, cells separated by semicolons. », or ""."""
    return _("The file was %(how)s.") % {"how": how} if how else ""


def import_upload(request, form, kind: str, read: Callable[[Any], Any], *,
                  done: Callable[[Any], str], then: str,
                  params: Callable[[dict], dict] | None = None) -> tuple[Any, list]:
    """The POST half of an import page whose ``form`` holds the file in ``file``. A file
    above the inline size starts the job ``kind`` (``params(cleaned_data)`` its parameters)
    and the page goes on to the job's progress; a smaller one is read now by
    ``read(upload)``: imported whole (the message ``done(result)``, how the file was read,
    and on to ``then``) or refused whole (its errors, for the page to list).
    ``(response, errors)``: the response is None when the page is to be shown."""
    if request.method != "POST" or not form.is_valid():
        return None, []
    upload = form.cleaned_data["file"]
    if runs_as_job(upload):
        job, refused = start_import(kind, upload=upload, territory=request.territory,
                                    user=request.user,
                                    params=params(form.cleaned_data) if params else None)
        if job is None:
            form.add_error("file", refused)
            return None, []
        return redirect(job.get_absolute_url()), []
    try:
        result = read(upload)
    except TableRejected as exc:
        return None, exc.errors
    messages.success(request, " ".join(filter(None, [done(result), read_as_note(result.read_as)])))
    return redirect(then), []
