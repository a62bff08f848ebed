from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "cospiral.indicators"
    label = "indicators"
    verbose_name = _("Indicators of progress")
