from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthesesConfig(AppConfig):
    name = "cospiral.syntheses"
    label = "syntheses"
    verbose_name = _("Syntheses")
