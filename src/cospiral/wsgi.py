import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
application = get_wsgi_application()

from cospiral import warmup  # noqa: E402 (after the settings are named)

if warmup.enabled():
    warmup.start()  # beside the first requests, so that the first visitor does not wait (cospiral.warmup)
