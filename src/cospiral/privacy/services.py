"""A person's own data (issue 13): what cospiral holds about a member, for them to
download, and its erasure by a site administrator (the account deactivated, its names
replaced by a pseudonym, its memberships removed; what citizens wrote is kept,
anonymous). Reads and writes of accounts across territories: site level, not scoped
by one territory."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import audit
from cospiral.core.models import AuditEntry


def _day(value):
    return timezone.localtime(value).date().isoformat() if value else None


def own_data(person) -> dict:
    """Everything cospiral holds that is about ``person`` or written by them, and nothing
    about anyone else (no other person's name, no citizen's answer)."""
    from cospiral.api.models import ApiKey
    from cospiral.cards.models import Card
    from cospiral.groups.models import Group
    from cospiral.surveys.models import Questionnaire
    from cospiral.territories.models import Membership

    memberships = Membership.objects.filter(user=person).select_related("territory", "organisation")
    return {
        "format": "cospiral-own-data/1",
        "account": {"username": person.get_username(), "first_name": person.first_name,
                    "last_name": person.last_name, "email": person.email,
                    "active": person.is_active, "site_administrator": person.is_superuser,
                    "joined": _day(person.date_joined), "last_sign_in": _day(person.last_login)},
        "memberships": [{"territory": m.territory.slug, "territory_name": m.territory.name,
                         "role": m.role, "organisation": m.organisation.name if m.organisation_id else None,
                         "since": _day(m.created_at)} for m in memberships.order_by("territory__slug")],
        "groups_facilitated": [{"territory": g.territory.slug, "group": g.name}
                               for g in Group.objects.filter(facilitators=person)
                               .select_related("territory").order_by("territory__slug", "name")],
        "api_keys": [{"territory": k.territory.slug, "name": k.name, "prefix": k.prefix, "role": k.role,
                      "created": _day(k.created_at), "revoked": _day(k.revoked_at)}
                     for k in ApiKey.objects.filter(user=person).select_related("territory").order_by("id")],
        "audit_entries": [{"territory": e.territory.slug if e.territory_id else None,
                           "at": timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                           "action": e.action, "object": e.model, "object_id": e.object_id,
                           "summary": e.summary}
                          for e in AuditEntry.objects.filter(user=person).select_related("territory")
                          .order_by("at", "id")],
        "cards_entered": [{"territory": c.territory.slug, "group": c.group.name, "question": c.question.code,
                           "text": c.text, "language": c.language, "entered": _day(c.created_at),
                           "deleted": c.deleted_at is not None}
                          for c in Card.objects.filter(created_by=person)
                          .select_related("territory", "group", "question").order_by("id")],
        # Questionnaires typed in: how many per wave, never their answers (a citizen's).
        "questionnaires_typed_in": [
            {"territory": row["territory__slug"], "wave": row["wave__title"], "count": row["n"]}
            for row in Questionnaire.objects.filter(entered_by=person)
            .values("territory__slug", "wave__title").annotate(n=Count("id")).order_by("territory__slug")],
    }


@transaction.atomic
def erase_person(person, *, user) -> str:
    """Erase ``person`` (site administrators only, never themselves): the account is
    deactivated with an unusable password, its username replaced by a pseudonym and its
    names and e-mail emptied, its memberships, facilitations and API keys removed, and
    the audit trail names the pseudonym. Cards, answers and texts stay (anonymous).
    Returns the pseudonym."""
    from cospiral.api.models import ApiKey
    from cospiral.groups.models import Group
    from cospiral.territories.models import Membership

    if not getattr(user, "is_superuser", False):
        raise PermissionDenied(_("Only a site administrator can erase a person."))
    if person.pk == user.pk:
        raise ValidationError(_("You cannot erase your own account."))
    User = get_user_model()
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.username.startswith("erased-") and not person.is_active:
        raise ValidationError(_("This person is already erased."))
    old = person.get_username()
    pseudonym = f"erased-{secrets.token_hex(5)}"
    territories = []
    for membership in Membership.objects.filter(user=person).select_related("territory"):
        territories.append(membership.territory)
        audit.record(membership.territory, user, AuditEntry.Action.DELETE, membership,
                     summary=_("Membership of an erased person (%(pseudonym)s)") % {"pseudonym": pseudonym},
                     changes={"role": [membership.role, None]})
        membership.delete()
    for group in Group.objects.filter(facilitators=person):
        group.facilitators.remove(person)
    ApiKey.objects.filter(user=person).delete()
    person.username = pseudonym
    person.first_name = person.last_name = person.email = ""
    person.is_active = person.is_staff = person.is_superuser = False
    person.set_unusable_password()
    person.save()
    AuditEntry.objects.filter(user=person).update(actor_label=pseudonym)
    AuditEntry.objects.filter(model__in=("user", "membership", "apikey"), summary__contains=old).update(
        summary=Replace("summary", Value(old), Value(pseudonym)))
    audit.record(None, user, AuditEntry.Action.DELETE, person, summary=_(
        "Person erased: now %(pseudonym)s, %(n)s memberships removed") % {
        "pseudonym": pseudonym, "n": len(territories)})
    return pseudonym
