"""Writes about groups, sessions and the online entry link. Each function owns its
transaction and writes the audit trail."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import audit, writes
from cospiral.groups.models import Group, Session, new_token
from cospiral.territories.models import Membership, Role

GROUP_FIELDS = ("name", "kind", "profile", "tags", "cycle_id")



def _check_group(territory, *, group, name, kind, cycle, facilitators, source_groups) -> None:
    errors: dict[str, list[str]] = {}
    clash = Group.objects.of(territory).filter(name__iexact=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        errors.setdefault("name", []).append(
            _("This territory already has a group named “%(name)s”.") % {"name": name})
    if cycle is not None and cycle.territory_id != territory.pk:
        errors.setdefault("cycle", []).append(_("Choose a cycle of this territory."))
    allowed = set(
        Membership.objects.of(territory)
        .filter(role__in=[Role.FACILITATOR, Role.COORDINATOR]).values_list("user_id", flat=True)
    )
    strangers = [u.get_username() for u in facilitators if u.pk not in allowed]
    if strangers:
        errors.setdefault("facilitators", []).append(_(
            "%(names)s: not a facilitator or coordinator of this territory."
        ) % {"names": ", ".join(strangers)})
    if source_groups:
        if kind != Group.Kind.MIXED:
            errors.setdefault("source_groups", []).append(
                _("Only a mixed (rainbow) group lists the groups its delegates come from."))
        wrong = [g.name for g in source_groups
                 if g.territory_id != territory.pk or g.kind != Group.Kind.HOMOGENEOUS
                 or (group is not None and g.pk == group.pk)]
        if wrong:
            errors.setdefault("source_groups", []).append(_(
                "%(names)s: delegates come from homogeneous groups of this territory only."
            ) % {"names": ", ".join(wrong)})
    if errors:
        raise ValidationError(errors)


def _summary(group) -> dict:
    return {
        "facilitators": sorted(u.get_username() for u in group.facilitators.all()),
        "source_groups": sorted(g.name for g in group.source_groups.all()),
    }


@transaction.atomic
def save_group(territory, *, user, group: Group | None = None, name: str, kind: str,
               profile: str = "", tags=(), cycle=None, facilitators=(), source_groups=(),
               ) -> Group:
    """Create (``group=None``) or change a group. Facilitators must be facilitators or
    coordinators of the territory; source groups only for mixed groups, homogeneous
    groups of the same territory."""
    facilitators, source_groups = list(facilitators), list(source_groups)
    _check_group(territory, group=group, name=name, kind=kind, cycle=cycle,
                 facilitators=facilitators, source_groups=source_groups)
    creating = group is None
    if creating:
        group = Group(territory=territory)
        before: dict = {}
    else:
        before = {**writes.snapshot(group, GROUP_FIELDS), **_summary(group)}
    group.name, group.kind, group.profile = name, kind, profile
    group.tags, group.cycle = list(tags), cycle
    group.save()
    group.facilitators.set(facilitators)
    group.source_groups.set(source_groups if kind == Group.Kind.MIXED else [])
    after = {**writes.snapshot(group, GROUP_FIELDS), **_summary(group)}
    changes = audit.diff(before, after)
    if creating or changes:
        audit.record(territory, user, "create" if creating else "update", group,
                     f"Group {name}", changes)
    return group


SESSION_FIELDS = ("date", "place", "channel", "attendee_count", "notes")


@transaction.atomic
def save_session(group: Group, *, user, session: Session | None = None, date, place: str = "",
                 channel: str = Session.Channel.IN_PERSON, attendee_count=None,
                 notes: str = "") -> Session:
    if attendee_count is not None and attendee_count < 0:
        raise ValidationError({"attendee_count": _("The number of attendees cannot be negative.")})
    creating = session is None
    if creating:
        session = Session(territory_id=group.territory_id, group=group)
        before: dict = {}
    else:
        if session.group_id != group.pk:
            raise ValidationError(_("This session belongs to another group."))
        before = writes.snapshot(session, SESSION_FIELDS)
    session.date, session.place, session.channel = date, place, channel
    session.attendee_count, session.notes = attendee_count, notes
    session.save()
    changes = audit.diff(before, writes.snapshot(session, SESSION_FIELDS))
    if creating or changes:
        audit.record(group.territory, user, "create" if creating else "update", session,
                     f"Session of {group.name} on {date}", changes)
    return session


# --- Online entry link -----------------------------------------------------------------

@transaction.atomic
def create_entry_token(group: Group, *, user) -> str:
    """A new private link for the group; any previous link stops working."""
    had = bool(group.entry_token)
    group.entry_token = new_token()
    group.save(update_fields=["entry_token"])
    audit.record(group.territory, user, "update", group,
                 f"Group {group.name}: private link {'replaced' if had else 'created'}",
                 {"entry_token": ["set" if had else "", "new"]})
    return group.entry_token


@transaction.atomic
def revoke_entry_token(group: Group, *, user) -> None:
    """The private link stops working; online entry closes with it."""
    group.entry_token = None
    group.entry_open = False
    group.save(update_fields=["entry_token", "entry_open"])
    audit.record(group.territory, user, "update", group,
                 f"Group {group.name}: private link revoked", {"entry_token": ["set", ""]})


@transaction.atomic
def set_entry_open(group: Group, *, user, is_open: bool) -> None:
    if is_open and not group.entry_token:
        raise ValidationError(_("Create a private link before opening online entry."))
    if group.entry_open != is_open:
        group.entry_open = is_open
        group.save(update_fields=["entry_open"])
        audit.record(group.territory, user, "update", group,
                     f"Group {group.name}: online entry {'opened' if is_open else 'closed'}",
                     {"entry_open": [str(not is_open), str(is_open)]})


@transaction.atomic
def reveal_group(group: Group, *, user) -> None:
    """Open the group view: from now on, the group's anonymous page shows all its cards."""
    if group.revealed_at is None:
        group.revealed_at = timezone.now()
        group.save(update_fields=["revealed_at"])
        audit.record(group.territory, user, "update", group,
                     f"Group {group.name}: group view opened",
                     {"revealed_at": ["", group.revealed_at.isoformat()]})
