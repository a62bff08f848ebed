from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExistingActionsConfig(AppConfig):
    name = "cospiral.existing_actions"
    label = "evaluations"
    verbose_name = _("Evaluation of existing actions")
