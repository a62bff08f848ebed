from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "cospiral.actions"
    label = "actions"
    verbose_name = _("Actions and co-responsibility plan")
