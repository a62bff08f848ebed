"""Writes of reviews: the coordinators' text (the moment the figures were frozen into
a PDF is the kept PDF's own, see ``reports.jobs``: downloading writes nothing). Each
write owns its transaction and records the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from cospiral.core.access import role_in
from cospiral.core.audit import diff, record
from cospiral.reports.models import Review
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
def save_review(territory, cycle, user, *, lessons_learnt: str, what_next: str) -> Review:
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
