"""French formats (FORMAT_MODULE_PATH): Django's, with dates written « 1 déc. 2026 »
everywhere (one style on every page and PDF); thousands keep Django's no-break space
(« 40 000 »)."""

from django.conf.locale.fr.formats import *  # noqa: F403

DATE_FORMAT = "j N Y"
SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
