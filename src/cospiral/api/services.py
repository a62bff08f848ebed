"""Creating, revoking and checking API keys (the secret is returned once, never stored)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.api.models import ApiKey
from cospiral.core import audit
from cospiral.core.access import role_in
from cospiral.core.models import AuditEntry
from cospiral.domain import api_keys as rules
from cospiral.territories.models import Role


@dataclass
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once


class KeyRefused(Exception):
    """A request's key cannot be used; the message says why."""


@transaction.atomic
def create_key(territory, *, user, name: str, role: str, acts_for=None) -> NewKey:
    """A coordinator creates a key of ``role`` acting for ``acts_for`` (default: the
    coordinator), a member whose role is at least ``role``."""
    if role_in(user, territory) != Role.COORDINATOR:
        raise ValidationError(_("Only coordinators may create API keys."))
    acts_for = acts_for or user
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the key a name saying what it is for.")]
    if role not in rules.ROLES:
        errors["role"] = [_("“%(role)s” is not a role.") % {"role": role}]
    member_role = role_in(acts_for, territory)
    if member_role is None:
        errors["acts_for"] = [_("“%(user)s” is not a member of this territory.")
                              % {"user": acts_for.get_username()}]
    elif role in rules.ROLES and not rules.within(role, member_role):
        errors["role"] = [
            _("A key acting for “%(user)s” (%(member_role)s) cannot have the role "
              "%(role)s: choose a role no higher than theirs.")
            % {"user": acts_for.get_username(), "member_role": Role(member_role).label,
               "role": Role(role).label}]
    if errors:
        raise ValidationError(errors)
    raw, prefix = rules.new_key()
    key = ApiKey.objects.create(territory=territory, name=name[:100], role=role, user=acts_for,
                                prefix=prefix, hashed=rules.hash_key(raw), created_by=user)
    audit.record(territory, user, AuditEntry.Action.CREATE, key,
                 f"API key {name} ({prefix}, {role})")
    return NewKey(key, raw)


@transaction.atomic
def revoke_key(key: ApiKey, *, user) -> ApiKey:
    if role_in(user, key.territory) != Role.COORDINATOR:
        raise ValidationError(_("Only coordinators may revoke API keys."))
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(key.territory, user, AuditEntry.Action.DELETE, key,
                     f"API key {key.name} ({key.prefix}) revoked")
    return key


def authenticate(raw: str) -> tuple[ApiKey, str]:
    """The key and the role it acts with, or ``KeyRefused`` with the reason."""
    prefix = rules.split_key(raw)
    key = (ApiKey.objects.filter(prefix=prefix).select_related("territory", "user",
                                                              "territory__grid_version")
           .first() if prefix else None)
    if key is None or not rules.same_hash(raw, key.hashed):
        raise KeyRefused(_("Unknown API key: check the Authorization header "
                           "(Bearer followed by the whole key)."))
    if key.revoked_at is not None:
        raise KeyRefused(_("This API key was revoked on %(date)s: ask a coordinator of the "
                           "territory for a new one.")
                         % {"date": timezone.localtime(key.revoked_at).strftime("%Y-%m-%d %H:%M")})
    role = rules.effective(key.role, role_in(key.user, key.territory))
    if role is None:
        raise KeyRefused(_("The person this API key acts for is no longer a member of the "
                           "territory: ask a coordinator for a new key."))
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key, role
