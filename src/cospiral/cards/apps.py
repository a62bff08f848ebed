from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "cospiral.cards"
    label = "criteria"
    verbose_name = _("Cards")
