"""Middleware of the core: one log line per request, JSON errors under /api/, and the
first-run setup link."""

from __future__ import annotations

import logging
import time

from django.http import JsonResponse
from django.utils.translation import gettext as _

from cospiral.core import firstrun

logger = logging.getLogger("cospiral.api")
log = logging.getLogger("cospiral.requests")


def _api_detail(status: int) -> str:
    if status == 404:
        return _("Not found: no such API address.")
    if status == 405:
        return _("Method not allowed at this API address.")
    if status == 403:
        return _("Forbidden.")
    if status == 400:
        return _("Bad request.")
    if status == 413:
        return _("Request too large.")
    if status == 503:
        return _("The service is unavailable (the database cannot be reached): try again "
                 "in a moment.")
    if status >= 500:
        return _("Server error: the request was not carried out. Try again; if it fails "
                 "again, tell the site's administrator.")
    return _("Request refused.")


class ApiJsonErrorsMiddleware:
    """Every error under /api/ answers JSON ``{"detail": ..., "errors": []}`` with its
    status, whatever produced it (Django's 404 or 405, an unhandled exception, a
    database that is down): programs never get an HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path_info.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            status = response.status_code
            json_response = JsonResponse({"detail": _api_detail(status), "errors": []},
                                         status=status)
            for header in ("Allow", "Retry-After"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response


def api_error_response(request, exc) -> JsonResponse:
    """For the API's exception handlers: an unhandled error as JSON (logged in full)."""
    from django.db import DatabaseError

    status = 503 if isinstance(exc, DatabaseError) else 500
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return JsonResponse({"detail": _api_detail(status), "errors": []}, status=status)


class FirstRunMiddleware:
    """While no account exists, print the setup link on the console: at start-up, when
    the server (runserver, gunicorn, ``cospiral demo``) builds its handler, and again at
    the first visit of the sign-in page, with the real address; the sign-in page then
    says where to look. Only anonymous visits of ``/`` and the sign-in page ask the
    database, and never again once an account has been seen."""

    users_exist = False  # process-wide: once true, it stays true

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.announced_with_host = False
        if getattr(settings, "COSPIRAL_FIRST_RUN_ANNOUNCE", True):
            try:
                if firstrun.needs_setup():
                    firstrun.announce()
            except Exception:  # noqa: BLE001 — never stop a server from starting over this
                pass

    def __call__(self, request):
        if not FirstRunMiddleware.users_exist and request.path_info in self._paths():
            if request.user.is_authenticated or not firstrun.needs_setup():
                FirstRunMiddleware.users_exist = True
            else:
                request.cospiral_needs_setup = True
                if not self.announced_with_host:
                    self.announced_with_host = True
                    try:
                        firstrun.announce(f"{request.scheme}://{request.get_host()}")
                    except Exception:  # noqa: BLE001 — a bad Host header: say it without
                        firstrun.announce()
        return self.get_response(request)

    @staticmethod
    def _paths():
        from django.urls import reverse

        return {"/", reverse("login")}


class RequestLogMiddleware:
    """One log line per request, for the city's IT: method, path, status, duration, the
    CPU time the process spent on it (``cpu_ms``: what a page costs the server, whatever
    else the machine runs), user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began, began_cpu = time.monotonic(), time.process_time()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else "-"
            log.info("request method=%s path=%s status=%s duration_ms=%d cpu_ms=%.1f user=%s",
                     request.method, request.path, status,
                     round((time.monotonic() - began) * 1000),
                     (time.process_time() - began_cpu) * 1000, user_id)
