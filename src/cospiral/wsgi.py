import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
application = get_wsgi_application()

# Before the first request: the suggestion libraries and base models (no training).
from cospiral.coding.suggestions import warm_up  # noqa: E402

warm_up()
