"""The audit trail: services call ``record`` inside their transaction."""

from __future__ import annotations

from cospiral.core.models import AuditEntry


def actor_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return user.get_username()


def record(territory, user, action: str, obj, summary: str = "", changes: dict | None = None):
    return AuditEntry.objects.create(
        territory=territory,
        user=user if getattr(user, "is_authenticated", False) else None,
        actor_label=actor_label(user),
        action=action,
        model=obj._meta.model_name,
        object_id=str(obj.pk),
        summary=summary[:300],
        changes=changes or {},
    )


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed (values as strings)."""
    return {
        key: [str(before.get(key, "")), str(after.get(key, ""))]
        for key in after
        if str(before.get(key, "")) != str(after.get(key, ""))
    }


#: Fields never shown beside the time of an audit entry: an online participant's random
#: tag would group their cards, and times would then order them (issue 13).
HIDDEN_BESIDE_TIMES = ("author_tag",)


def shown_changes(entries):
    """The entries with ``shown`` = their changes without ``HIDDEN_BESIDE_TIMES``."""
    entries = list(entries)
    for entry in entries:
        entry.shown = {k: v for k, v in (entry.changes or {}).items() if k not in HIDDEN_BESIDE_TIMES}
    return entries
