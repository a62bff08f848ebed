"""English formats (FORMAT_MODULE_PATH): Django's, with dates written « 1 Dec 2026 »,
which no reader takes for 12 January (« 12/01/2026 » is read both ways)."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
