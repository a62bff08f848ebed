"""A grid version freezes as soon as a card is coded against it (METHOD.md §5)."""

from __future__ import annotations

from django.utils import timezone


def freeze_on_coded_card(sender, instance, **kwargs):
    """``post_save`` of a card: freeze the version of its component if not yet frozen.
    Once the version is frozen this only reads: an UPDATE that changes nothing would still
    hold the table's write lock until the coding's transaction ends. Bulk writes, which
    send no signal, call ``grid.services.freeze_if_used`` themselves."""
    if getattr(instance, "component_id", None) is None:
        return
    from cospiral.grid.models import GridVersion

    unfrozen = GridVersion.objects.filter(entries__id=instance.component_id,
                                          frozen_at__isnull=True)
    if unfrozen.exists():
        unfrozen.update(frozen_at=timezone.now())
