"""A network of territories of co-responsibility: its member territories, its
coordinators, the versions of its charter and the territories' signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Created, Named, Recorded, belongs_to, user_link


class Network(Named, Created):
    slug = models.SlugField(_("identifier"), max_length=60, unique=True,
                            help_text=_("Short name used in addresses, e.g. alsace-network."))
    description = models.TextField(_("description"), blank=True)

    class Meta(Named.Meta):
        verbose_name = _("network")
        verbose_name_plural = _("networks")


class NetworkMembership(models.Model):
    network = belongs_to(Network, "memberships", _("network"))
    territory = belongs_to("territories.Territory", "network_memberships", _("territory"))
    joined_on = models.DateField(_("joined on"))
    is_lead = models.BooleanField(_("lead territory"), default=False,
                                  help_text=_("The territory that leads the network (« chef de "
                                              "file »); at most one per network."))

    class Meta:
        verbose_name = _("member territory")
        verbose_name_plural = _("member territories")
        constraints = [models.UniqueConstraint(fields=["network", "territory"],
                                               name="one_membership_per_network"),
                       models.UniqueConstraint(fields=["network"], condition=models.Q(is_lead=True),
                                               name="one_lead_territory_per_network")]

    def __str__(self) -> str:
        return f"{self.network_id} · {self.territory_id}"


class NetworkCoordinator(models.Model):
    network = belongs_to(Network, "coordinators", _("network"))
    user = belongs_to(settings.AUTH_USER_MODEL, "coordinated_networks", _("user"))

    class Meta:
        verbose_name = _("network coordinator")
        verbose_name_plural = _("network coordinators")
        constraints = [models.UniqueConstraint(fields=["network", "user"],
                                               name="one_coordinator_seat_per_network")]

    def __str__(self) -> str:
        return f"{self.network_id} · {self.user_id}"


class CharterVersion(models.Model):
    network = belongs_to(Network, "charters", _("network"))
    number = models.PositiveIntegerField(_("version"))
    text_fr = models.TextField(_("text in French"), blank=True)
    text_en = models.TextField(_("text in English"), blank=True)
    published_on = models.DateField(_("published on"))

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["network", "-number"]
        constraints = [models.UniqueConstraint(fields=["network", "number"],
                                               name="unique_charter_version")]

    def __str__(self) -> str:
        return f"{self.network_id} v{self.number}"

    def text(self, language: str) -> tuple[str, str]:
        """(language, text) in ``language`` when written, else in the other one."""
        own = {"fr": self.text_fr, "en": self.text_en}
        lang = (language or "en")[:2]
        if own.get(lang):
            return lang, own[lang]
        other = "en" if lang == "fr" else "fr"
        return other, own[other]


class CharterSignature(Recorded):
    network = belongs_to(Network, "signatures", _("network"))
    territory = belongs_to("territories.Territory", "charter_signatures", _("territory"))
    charter = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="signatures",
                                verbose_name=_("charter version"))
    signed_on = models.DateField(_("signed on"))
    commitments = models.TextField(_("commitments"),
                                   help_text=_("What the territory commits to in signing."))
    review_on = models.DateField(_("review on"),
                                 help_text=_("When the territory reviews its commitments."))
    signed_by = models.CharField(_("signed by"), max_length=200,
                                 help_text=_("The person who signed, and their office."))
    recorded_by = user_link(_("recorded by"))

    class Meta:
        verbose_name = _("charter signature")
        verbose_name_plural = _("charter signatures")
        ordering = ["-signed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.territory_id} · v{self.charter_id} · {self.signed_on}"


class GridMapping(models.Model):
    """One component code of a grid version and the code it becomes in another version:
    territories on different versions are compared through it, never through equal
    codes by chance."""

    from_version = belongs_to("grid.GridVersion", "+", _("from grid version"))
    to_version = belongs_to("grid.GridVersion", "+", _("to grid version"))
    from_code = models.CharField(_("code in the first version"), max_length=20)
    to_code = models.CharField(_("code in the second version"), max_length=20)

    class Meta:
        verbose_name = _("grid version mapping")
        verbose_name_plural = _("grid version mappings")
        ordering = ["from_version", "to_version", "from_code"]
        constraints = [models.UniqueConstraint(fields=["from_version", "to_version", "from_code"],
                                               name="one_mapping_per_code")]

    def __str__(self) -> str:
        return f"{self.from_version_id}:{self.from_code} -> {self.to_version_id}:{self.to_code}"
