"""Writes about territories. Each function owns its transaction and writes the audit trail."""

from __future__ import annotations

import json
from importlib import resources

from django.db import transaction

from cospiral.core import audit
from cospiral.domain.phases import CYCLES, PHASES
from cospiral.territories.models import Cycle, Membership, Phase, Role, Territory


def method_questions() -> list[dict]:
    text = resources.files("cospiral.data").joinpath("questions.json").read_text("utf-8")
    return json.loads(text)["questions"]


@transaction.atomic
def create_territory(*, slug: str, name: str, kind: str = Territory.Kind.CITY, user=None,
                     grid_version=None, parent=None, languages=None, description: str = "",
                     ) -> Territory:
    """A territory with its cycles 0–3 × phases 1–8 and the method's questions; ``user``
    becomes its first coordinator."""
    from cospiral.criteria.models import Question
    from cospiral.grid import services as grid_services

    territory = Territory.objects.create(
        slug=slug, name=name, kind=kind, parent=parent,
        languages=list(languages or ["fr", "en"]), description=description,
        grid_version=grid_version or grid_services.default_version(),
    )
    cycles = [Cycle.objects.create(territory=territory, number=n) for n in CYCLES]
    Phase.objects.bulk_create(
        [Phase(territory=territory, cycle=c, number=p) for c in cycles for p in PHASES]
    )
    for position, q in enumerate(method_questions(), start=1):
        question = Question.objects.create(
            territory=territory, code=q["code"], texts=q["texts"], is_method_question=True,
            position=position,
        )
        if q.get("default_enabled"):
            question.enabled_cycles.set(cycles)
    if user is not None and user.is_authenticated:
        Membership.objects.create(territory=territory, user=user, role=Role.COORDINATOR)
    audit.record(territory, user, "create", territory, f"Territory {name}")
    return territory
