"""Writes of the statistics app: only the counts version stamp (see ``models``)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from cospiral.statistics.models import CountsStamp


def bump(territory_id: int) -> None:
    """Give the territory's coding counts a new version token. Call inside the
    transaction that changes its ``CodingCount`` rows (``coding.counts`` does)."""
    token = secrets.randbits(62)
    if CountsStamp.objects.filter(territory_id=territory_id).update(token=token):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent first bump may win the insert
            CountsStamp.objects.create(territory_id=territory_id, token=token)
    except IntegrityError:
        CountsStamp.objects.filter(territory_id=territory_id).update(token=token)
