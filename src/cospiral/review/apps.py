from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "cospiral.review"
    label = "reports"
    verbose_name = _("Reviews of a cycle")
