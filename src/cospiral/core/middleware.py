"""One log line per request, for the city's IT: method, path, status, duration, user."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("cospiral.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else "-"
            log.info("request method=%s path=%s status=%s duration_ms=%d user=%s",
                     request.method, request.path, status,
                     round((time.monotonic() - began) * 1000), user_id)
