from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "cospiral.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self):
        # Every app's ``jobs.py`` registers its kinds of job (cospiral.jobs.registry).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        # core's helpers (PDF jobs) start jobs through this hook (core imports no app).
        from cospiral.core import background
        from cospiral.jobs.services import start_or_join

        background.plug(start_or_join)
