"""The write kernel: every service write is a rule check, a row lock, the change and an
audit entry with a before/after snapshot, in one transaction, by a keyword-only ``user``.

A service is shaped like Zulip's ``do_*`` actions::

    @transaction.atomic
    def delete_axis(axis, *, user):
        w, axis = writes.lock(axis, user=user, rule=rules.CHANGE_PLAN)
        before = writes.snapshot(axis, AXIS_FIELDS)
        ...                                    # what is the service's own
        w.save(axis, AXIS_FIELDS, before, axis.title)

``lock`` opens the write of a row's territory and locks the row; ``Write`` and
``Write.lock`` serve a service that starts otherwise. ``Write`` refuses to start outside
a transaction, so a check and its writes can never be split; ``save`` writes nothing and
records nothing when nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import audit
from cospiral.core.rules import Rule

#: Values left out of a created row's audit entry (nothing to show beside "").
BLANK: tuple = (None, "", [], False)


def snapshot(obj, fields) -> dict:
    """``{field: value}`` of ``obj``: the before (or after) of an audit entry."""
    return {name: getattr(obj, name) for name in fields}


def changes(before: dict | None, after: dict, *, blank=BLANK) -> dict:
    """The audit entry's changes: every value set when creating (``before`` None), else
    ``{field: [old, new]}`` of the fields that changed."""
    if before is None:
        return {k: ["", str(v)] for k, v in after.items() if v not in blank}
    return audit.diff(before, after)


def removed(values: dict) -> dict:
    """The changes of a removed row: every value of its snapshot, now gone."""
    return {k: [str(v), ""] for k, v in values.items()}


def clean_text(errors: dict, field: str, value, *, required: bool, limit: int, what: str) -> str:
    """``value`` stripped; a located, translated error in ``errors[field]`` when it is
    required and empty or longer than ``limit`` (``what`` names it in the message)."""
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("Write the %(what)s: it cannot be empty.") % {"what": what}
    elif len(value) > limit:
        errors[field] = _("The %(what)s has %(n)s characters; at most %(max)s are allowed.") % {
            "what": what, "n": len(value), "max": limit}
    return value


def signed_in(user):
    """The user to store in a ``created_by``/``deleted_by`` column, or None."""
    return user if getattr(user, "is_authenticated", False) else None


class Write:
    """One write of one territory by one acting user, inside the caller's transaction."""

    def __init__(self, territory, *, user, rule: Rule | None = None, obj=None):
        if not transaction.get_connection().in_atomic_block:
            raise TransactionManagementError("A write runs inside transaction.atomic.")
        self.territory = territory
        self.user = user
        self.changes: dict = {}
        if rule is not None:
            self.check(rule, territory if obj is None else obj)

    @property
    def actor(self):
        return signed_in(self.user)

    def check(self, rule: Rule, obj) -> None:
        """PermissionDenied with the rule's message unless the user may; a row of another
        territory is refused the same way."""
        rule.check(self.user, obj, self.territory)

    def lock(self, obj, *, of: tuple[str, ...] = (), related: tuple[str, ...] = ()):
        """``obj`` read again from this territory's rows, locked until the transaction
        ends (``select_for_update``); ``DoesNotExist`` for a row of another territory."""
        qs = type(obj).objects.of(self.territory).select_for_update(of=of)
        if related:
            qs = qs.select_related(*related)
        return qs.get(pk=obj.pk)

    def record(self, action: str, obj, summary: str = "", changes: dict | None = None):
        """The audit entry of ``obj``, by this write's user, in this territory."""
        return audit.record(self.territory, self.user, action, obj, summary, changes)

    def save(self, obj, fields, before: dict | None, summary: str, *, blank=BLANK,
             update_fields: list[str] | None = None):
        """Save ``obj`` and record it, created (``before`` None) or updated; an update
        that changes none of ``fields`` (names, or a function giving the snapshot of
        ``obj``) writes nothing. Returns ``obj``; the changes recorded are in
        ``self.changes`` ({} when nothing changed)."""
        after = fields(obj) if callable(fields) else snapshot(obj, fields)
        self.changes = changes(before, after, blank=blank)
        if before is not None and not self.changes:
            return obj
        obj.save(**({} if update_fields is None else {"update_fields": update_fields}))
        self.record("create" if before is None else "update", obj, summary, self.changes)
        return obj

    def erase(self, obj, summary: str, changes: dict | None = None) -> None:
        """Record the deletion of ``obj``, then erase it (what is never soft-deleted)."""
        self.record("delete", obj, summary, changes)
        obj.delete()

    def soft_delete(self, obj, summary: str, *, with_user: bool = False) -> None:
        """Hide ``obj`` (``deleted_at``, and ``deleted_by`` when ``with_user``), never
        erase it, and record it."""
        obj.deleted_at = timezone.now()
        fields = ["deleted_at", "updated_at"]
        if with_user:
            obj.deleted_by = self.actor
            fields.insert(1, "deleted_by")
        obj.save(update_fields=fields)
        self.record("delete", obj, summary, {"deleted_at": ["", obj.deleted_at.isoformat()]})

    def restore(self, obj, summary: str, *, with_user: bool = False, within=None,
                refusal: Callable[[], str] | None = None) -> None:
        """Bring back what ``soft_delete`` hid, and record it; nothing when it is not
        hidden. With ``within`` (the row it belongs to, or None), refused while that row
        is itself deleted: ``ValidationError(refusal())``, nothing written."""
        if obj.deleted_at is None:
            return
        if within is not None and within.deleted_at is not None:
            assert refusal is not None, "restore(within=...) says why it refuses"
            raise ValidationError(refusal())
        was = obj.deleted_at.isoformat()
        obj.deleted_at = None
        fields = ["deleted_at", "updated_at"]
        if with_user:
            obj.deleted_by = None
            fields.insert(1, "deleted_by")
        obj.save(update_fields=fields)
        self.record("restore", obj, summary, {"deleted_at": [was, ""]})


def lock(obj, *, user, rule: Rule | None = None, of: tuple[str, ...] = (),
         related: tuple[str, ...] = ()):
    """The write of ``obj``'s territory (``rule`` checked on the territory) and ``obj``
    locked (``Write.lock``): ``(write, locked obj)``, how most services start."""
    w = Write(obj.territory, user=user, rule=rule)
    return w, w.lock(obj, of=of, related=related)
