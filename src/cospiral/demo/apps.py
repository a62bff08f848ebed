from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo territory (``cospiral demo``) and the generator of synthetic data at
    scale (``cospiral generate``): they build on every feature app, so they sit above
    them, next to the API and the network (DESIGN.md, layering)."""

    name = "cospiral.demo"
    label = "demo"
    verbose_name = _("Demo")
