"""Writes of reviews: the coordinators' text (the moment the figures were frozen into
a PDF is the kept PDF's own, see ``reports.jobs``: downloading writes nothing). Each
write owns its transaction and records the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from cospiral.core.access import role_in
from cospiral.core.audit import diff, record
from cospiral.review.models import ElectedMember, Review
from cospiral.territories.models import Role

FIELDS = ("lessons_learnt", "what_next")


def _get_or_create(territory, cycle, user) -> tuple[Review, bool]:
    if cycle.territory_id != territory.pk:
        raise PermissionDenied("This cycle belongs to another territory.")
    review = Review.objects.of(territory).select_for_update().filter(cycle=cycle).first()
    if review is not None:
        return review, False
    review = Review.objects.create(territory=territory, cycle=cycle,
                                   created_by=user if getattr(user, "is_authenticated", False) else None)
    return review, True


@transaction.atomic
def save_review(territory, cycle, *, user, lessons_learnt: str, what_next: str) -> Review:
    """Coordinators write the lessons learnt and what comes next."""
    if role_in(user, territory) != Role.COORDINATOR:
        raise PermissionDenied("Only coordinators write the review.")
    review, created = _get_or_create(territory, cycle, user)
    before = {f: getattr(review, f) for f in FIELDS}
    review.lessons_learnt = lessons_learnt.strip()
    review.what_next = what_next.strip()
    review.save(update_fields=[*FIELDS, "updated_at"])
    after = {f: getattr(review, f) for f in FIELDS}
    record(territory, user, "create" if created else "update", review,
           f"Review of cycle {cycle.number}", diff(before, after))
    return review


def _coordinator(territory, user) -> None:
    if role_in(user, territory) != Role.COORDINATOR:
        raise PermissionDenied("Only coordinators name the responsible elected members.")


@transaction.atomic
def add_elected_member(territory, *, user, name: str, mandate: str = "", axis=None) -> ElectedMember:
    """Name an elected member responsible for the whole approach (``axis`` None) or for
    one strategic axis of the territory."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    _coordinator(territory, user)
    name, mandate = name.strip(), mandate.strip()
    if not name:
        raise ValidationError({"name": _("Give the elected member's name.")})
    if axis is not None and axis.territory_id != territory.pk:
        raise PermissionDenied("This strategic axis belongs to another territory.")
    member = ElectedMember.objects.create(territory=territory, name=name, mandate=mandate, axis=axis)
    record(territory, user, "create", member, f"Responsible elected member {name}",
           diff({}, {"name": name, "mandate": mandate, "axis": str(axis) if axis else ""}))
    return member


@transaction.atomic
def remove_elected_member(territory, member_id: int, *, user) -> None:
    _coordinator(territory, user)
    member = ElectedMember.objects.of(territory).select_for_update().filter(pk=member_id).first()
    if member is None:
        raise ElectedMember.DoesNotExist("No such elected member in this territory.")
    record(territory, user, "delete", member, f"Responsible elected member {member.name}",
           {"name": [member.name, ""], "mandate": [member.mandate, ""]})
    member.delete()
