import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
application = get_wsgi_application()

if os.environ.get("COSPIRAL_WARM_UP", "1").lower() not in ("0", "false", "no"):
    from cospiral.warmup import start

    start()  # beside the first requests, so that the first visitor does not wait (cospiral.warmup)
