from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "cospiral.grid"
    label = "grid"
    verbose_name = _("Grid")

    def ready(self):
        from django.db.models.signals import post_save

        from cospiral.grid.signals import freeze_on_coded_card

        post_save.connect(freeze_on_coded_card, sender="criteria.Card",
                          dispatch_uid="grid.freeze_on_coded_card")
