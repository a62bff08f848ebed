"""Writes of networks and charters: each in one transaction, each audited.

Rules chosen:
- A network is created by a site administrator or by any coordinator of a territory;
  its creator becomes its first coordinator.
- A network coordinator adds a territory when they also coordinate that territory (a
  site administrator adds any); so no territory is put in a network without one of its
  own coordinators. A member territory is removed by a network coordinator or by a
  coordinator of that territory (leaving).
  A territory imported from an open-data package is added by a network coordinator who
  imported it (the importer, its observer here: it takes part like any other territory).
- A network coordinator names one member territory as the lead (« chef de file »), or none.
- A network coordinator publishes the next charter version (text in French and/or English),
  dated the day it was adopted: today or earlier, not before the previous version.
- A coordinator of a member territory signs a version of this network's charter for it,
  dated today or earlier, not before the version was published, with a review after it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import audit
from cospiral.domain import network as rules
from cospiral.network.models import (
    CharterSignature,
    CharterVersion,
    GridMapping,
    Network,
    NetworkCoordinator,
    NetworkMembership,
)
from cospiral.territories.models import Membership, Role


def coordinates_territory(user, territory) -> bool:
    return bool(user.is_authenticated and (
        user.is_superuser or Membership.objects.filter(
            territory=territory, user=user, role=Role.COORDINATOR).exists()))


def coordinates_network(user, network) -> bool:
    return bool(user.is_authenticated and (
        user.is_superuser or NetworkCoordinator.objects.filter(network=network, user=user).exists()))


def can_create_network(user) -> bool:
    return bool(user.is_authenticated and (
        user.is_superuser or Membership.objects.filter(user=user, role=Role.COORDINATOR).exists()))


def rule_message(error: rules.NetworkRuleError) -> str:
    p = error.params
    messages = {
        "signed_in_future": _("The signature date %(date)s is in the future."),
        "signed_before_published": _("The signature date %(date)s is before this charter version "
                                     "was published (%(published)s)."),
        "review_not_after_signature": _("The review date %(date)s must come after the signature "
                                        "(%(signed)s)."),
        "duplicate_territories": _("Each territory can be chosen once; chosen more than once: "
                                   "%(identifiers)s."),
        "not_members": _("Not member territories of this network: %(identifiers)s."),
        "count": _("Choose between %(minimum)s and %(maximum)s territories (%(count)s chosen)."),
        "charter_in_future": _("The date of the version, %(date)s, is in the future."),
        "charter_before_previous": _("The date of the version, %(date)s, is before the date of "
                                     "the previous version (%(previous)s)."),
    }
    return messages[error.code] % p


@transaction.atomic
def create_network(*, user, slug: str, name: str, description: str = "") -> Network:
    if not can_create_network(user):
        raise PermissionDenied
    if Network.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("A network with the identifier “%(slug)s” already exists.")
                               % {"slug": slug}})
    network = Network.objects.create(slug=slug, name=name, description=description)
    NetworkCoordinator.objects.create(network=network, user=user)
    audit.record(None, user, "create", network, f"Network {name}")
    return network


def imported_by(user, territory) -> bool:
    """Did ``user`` import ``territory`` from an open-data package (its import's audit
    entry names them)?"""
    from cospiral.core.models import AuditEntry

    return bool(user.is_authenticated and territory.imported_at is not None
                and AuditEntry.objects.filter(territory=territory, action="import",
                                              model="territory", object_id=str(territory.pk),
                                              user=user).exists())


def may_add(user, territory) -> bool:
    """May ``user`` put ``territory`` in a network they coordinate?"""
    return coordinates_territory(user, territory) or imported_by(user, territory)


@transaction.atomic
def add_member(network: Network, territory, *, user, joined_on: dt.date | None = None
               ) -> NetworkMembership:
    if not (coordinates_network(user, network) and may_add(user, territory)):
        raise PermissionDenied
    if NetworkMembership.objects.filter(network=network, territory=territory).exists():
        raise ValidationError({"territory": _("%(territory)s is already a member of %(network)s.")
                               % {"territory": territory.slug, "network": network.name}})
    membership = NetworkMembership.objects.create(
        network=network, territory=territory, joined_on=joined_on or timezone.localdate())
    audit.record(territory, user, "create", membership,
                 f"Joined the network {network.name}")
    return membership


@transaction.atomic
def remove_member(network: Network, territory, *, user) -> None:
    if not (coordinates_network(user, network) or coordinates_territory(user, territory)):
        raise PermissionDenied
    membership = NetworkMembership.objects.filter(network=network, territory=territory).first()
    if membership is None:
        raise ValidationError({"territory": _("%(territory)s is not a member of %(network)s.")
                               % {"territory": territory.slug, "network": network.name}})
    audit.record(territory, user, "delete", membership, f"Left the network {network.name}")
    membership.delete()


@transaction.atomic
def set_lead(network: Network, territory, *, user) -> NetworkMembership | None:
    """Name ``territory`` (a member) the network's lead territory, or no lead at all
    (``territory`` None)."""
    if not coordinates_network(user, network):
        raise PermissionDenied
    rows = NetworkMembership.objects.select_for_update().filter(network=network)
    membership = rows.filter(territory=territory).first() if territory is not None else None
    if territory is not None and membership is None:
        raise ValidationError({"territory": _("%(territory)s is not a member of %(network)s.")
                               % {"territory": territory.slug, "network": network.name}})
    before = rows.filter(is_lead=True).first()
    if before is not None and (membership is None or before.pk != membership.pk):
        before.is_lead = False
        before.save(update_fields=["is_lead"])
        audit.record(before.territory, user, "update", before,
                     f"No longer the lead territory of {network.name}",
                     {"is_lead": ["True", "False"]})
    if membership is not None and not membership.is_lead:
        membership.is_lead = True
        membership.save(update_fields=["is_lead"])
        audit.record(territory, user, "update", membership,
                     f"Lead territory of {network.name}", {"is_lead": ["False", "True"]})
    return membership


@transaction.atomic
def publish_charter(network: Network, *, user, text_fr: str, text_en: str,
                    published_on: dt.date | None = None) -> CharterVersion:
    """The next version of the charter, dated the day it was adopted (today by default;
    an earlier day records a network's history)."""
    if not coordinates_network(user, network):
        raise PermissionDenied
    if not (text_fr.strip() or text_en.strip()):
        raise ValidationError({"text_fr": _("Write the charter in French, in English or both.")})
    existing = CharterVersion.objects.select_for_update().filter(network=network)
    number = rules.next_version(existing.values_list("number", flat=True))
    published_on = published_on or timezone.localdate()
    previous = existing.order_by("-number").values_list("published_on", flat=True).first()
    try:
        rules.check_charter_date(published_on=published_on, today=timezone.localdate(),
                                 previous=previous)
    except rules.NetworkRuleError as error:
        raise ValidationError({error.field: rule_message(error)}) from None
    charter = CharterVersion.objects.create(
        network=network, number=number, text_fr=text_fr.strip(), text_en=text_en.strip(),
        published_on=published_on)
    audit.record(None, user, "create", charter, f"Charter of {network.name}, version {number}")
    return charter


@transaction.atomic
def sign(network: Network, territory, *, user, charter: CharterVersion, signed_on: dt.date,
         review_on: dt.date, commitments: str, signed_by: str) -> CharterSignature:
    if not coordinates_territory(user, territory):
        raise PermissionDenied
    if not NetworkMembership.objects.filter(network=network, territory=territory).exists():
        raise ValidationError({"territory": _("%(territory)s is not a member of %(network)s.")
                               % {"territory": territory.slug, "network": network.name}})
    if territory.imported_at is not None:
        raise ValidationError({"territory": _("%(territory)s was imported from another server's "
                                              "package: it is read-only and cannot sign here.")
                               % {"territory": territory.slug}})
    if charter.network_id != network.pk:
        raise ValidationError({"charter": _("Version %(number)s belongs to another network's "
                                            "charter, not to %(network)s.")
                               % {"number": charter.number, "network": network.name}})
    try:
        rules.check_signature_dates(signed_on=signed_on, review_on=review_on,
                                    today=timezone.localdate(), published_on=charter.published_on)
    except rules.NetworkRuleError as error:
        raise ValidationError({error.field: rule_message(error)}) from None
    if not commitments.strip():
        raise ValidationError({"commitments": _("Write the commitments the territory takes.")})
    if not signed_by.strip():
        raise ValidationError({"signed_by": _("Name the person who signed.")})
    signature = CharterSignature.objects.create(
        network=network, territory=territory, charter=charter, signed_on=signed_on,
        review_on=review_on, commitments=commitments.strip(), signed_by=signed_by.strip(),
        recorded_by=user if user.is_authenticated else None)
    audit.record(territory, user, "create", signature,
                 f"Signed version {charter.number} of the charter of {network.name}")
    return signature


def can_import_mapping(user) -> bool:
    return bool(user.is_authenticated and (
        user.is_superuser or NetworkCoordinator.objects.filter(user=user).exists()))


class MappingRejected(Exception):
    """A refused mapping: ``problems`` are ``domain.network.check_mapping``'s, each with
    the line, the column (from_code or to_code), the code and the value."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


@transaction.atomic
def replace_mapping(*, user, from_version, to_version, rows) -> int:
    """Replace the mapping from one grid version to another with ``rows``, triples
    ``(line, from_code, to_code)``: all or nothing. Raises ``MappingRejected`` with every
    problem (an unknown code, a code mapped twice, an empty one) and writes nothing."""
    from cospiral.grid.models import GridEntry

    if not can_import_mapping(user):
        raise PermissionDenied
    if from_version.pk == to_version.pk:
        raise ValidationError({"to_version": _("Choose two different grid versions.")})

    def codes(version):
        return set(GridEntry.objects.filter(version=version, territory__isnull=True,
                                            kind=GridEntry.Kind.COMPONENT)
                   .values_list("code", flat=True))

    problems = rules.check_mapping(rows, codes(from_version), codes(to_version))
    if problems:
        raise MappingRejected(problems)
    GridMapping.objects.filter(from_version=from_version, to_version=to_version).delete()
    made = GridMapping.objects.bulk_create([
        GridMapping(from_version=from_version, to_version=to_version, from_code=s, to_code=t)
        for _line, s, t in rows])
    audit.record(None, user, "import", made[0] if made else from_version,
                 f"Mapping from grid {from_version.slug} to {to_version.slug}: {len(made)} codes")
    return len(made)
