"""Reads about territories. Every function takes the territory it reads from."""

from __future__ import annotations

from django.db.models import Count, Q

from cospiral.territories.models import Cycle, Membership, Phase, Role, Territory


def territories_for(user) -> list[Territory]:
    """The territories a user can open, each with ``role`` and ``role_label`` set."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        territories = list(Territory.objects.select_related("parent"))
        for t in territories:
            t.role, t.role_label = Role.COORDINATOR, Role.COORDINATOR.label
        return territories
    memberships = Membership.objects.filter(user=user).select_related("territory__parent")
    result = []
    for m in memberships.order_by("territory__name"):
        t = m.territory
        t.role, t.role_label = m.role, m.get_role_display()
        result.append(t)
    return result


def coordinated_territories(user):
    """Territories whose coordinator ``user`` is (every territory for superusers)."""
    if not user.is_authenticated:
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.all()
    ids = Membership.objects.filter(user=user, role=Role.COORDINATOR).values("territory_id")
    return Territory.objects.filter(pk__in=ids)


def can_create_territory(user) -> bool:
    return bool(user.is_authenticated and (
        user.is_superuser
        or Membership.objects.filter(user=user, role=Role.COORDINATOR).exists()
    ))


def children(territory) -> list[Territory]:
    return list(territory.children.order_by("name"))


def members(territory) -> list[Membership]:
    return list(
        Membership.objects.of(territory).select_related("user").order_by("role", "user__username")
    )


def coordination(territory) -> dict:
    from cospiral.territories.models import CoordinationMember, Organisation

    return {
        "organisations": list(Organisation.objects.of(territory).annotate(n_seats=Count("seats"))),
        "seats": list(CoordinationMember.objects.of(territory).select_related("organisation")),
    }


def cycles(territory):
    return list(Cycle.objects.of(territory).order_by("number"))


def phase(territory, cycle: int, number: int):
    return (
        Phase.objects.of(territory)
        .select_related("cycle", "territory")
        .filter(cycle__number=cycle, number=number)
        .first()
    )


def questions_with_cycles(territory):
    from cospiral.criteria.models import Question

    questions = list(
        Question.objects.of(territory).prefetch_related("enabled_cycles").annotate(
            n_cards=Count("cards", filter=Q(cards__deleted_at__isnull=True))
        )
    )
    for q in questions:
        q.enabled_ids = {c.pk for c in q.enabled_cycles.all()}
    return questions


def audit_entries(territory, model: str | None = None):
    from cospiral.core.models import AuditEntry

    entries = AuditEntry.objects.of(territory).order_by("-at", "-id")
    if model:
        entries = entries.filter(model=model)
    return entries


def audit_models(territory) -> list[str]:
    from cospiral.core.models import AuditEntry

    return list(
        AuditEntry.objects.of(territory).order_by("model").values_list("model", flat=True).distinct()
    )


def _blank_production():
    return {"groups": [], "sessions": 0, "cards": 0, "coded": 0}


def production(territory) -> dict:
    """What phases 1 and 2 have produced, per cycle number (``None``: groups that have no
    cycle). A fixed number of queries whatever the size of the territory:
    one for the coordination group, one for groups, one for sessions, one for cards."""
    from cospiral.criteria.models import Card
    from cospiral.groups.models import Group, Session
    from cospiral.territories.models import CoordinationMember

    seats = CoordinationMember.objects.of(territory).count()
    groups = list(
        Group.objects.of(territory).order_by("name")
        .values("id", "name", "kind", "profile", "cycle__number")
    )
    sessions = dict(
        Session.objects.of(territory).order_by().values("group_id")
        .annotate(n=Count("id")).values_list("group_id", "n")
    )
    cards = {
        row["group_id"]: row
        for row in Card.objects.of(territory).alive().order_by().values("group_id")
        .annotate(total=Count("id"), coded=Count("component"))
    }
    by_cycle: dict = {}
    for g in groups:
        g["sessions"] = sessions.get(g["id"], 0)
        g["cards"] = cards.get(g["id"], {}).get("total", 0)
        g["coded"] = cards.get(g["id"], {}).get("coded", 0)
        bucket = by_cycle.setdefault(g["cycle__number"], _blank_production())
        bucket["groups"].append(g)
        bucket["sessions"] += g["sessions"]
        bucket["cards"] += g["cards"]
        bucket["coded"] += g["coded"]
    return {"seats": seats, "groups": groups, "by_cycle": by_cycle,
            "unassigned": by_cycle.get(None, _blank_production())}


def phase_matrix(territory) -> dict:
    """Rows = phases 1–8, columns = cycles 0–3; each cell has the Phase and what it produced."""
    phases = {
        (p.cycle.number, p.number): p
        for p in Phase.objects.of(territory).select_related("cycle")
    }
    produced = production(territory)
    cycle_numbers = sorted({c for (c, _n) in phases})
    phase_numbers = sorted({n for (_c, n) in phases})
    rows = []
    for number in phase_numbers:
        cells = []
        for cycle in cycle_numbers:
            cell = {"phase": phases[(cycle, number)], "cycle": cycle, "number": number}
            if number in (1, 2):
                cell["produced"] = produced["by_cycle"].get(cycle, _blank_production())
            cells.append(cell)
        rows.append({"number": number, "cells": cells})
    return {"cycles": cycle_numbers, "rows": rows, "seats": produced["seats"],
            "groups": produced["groups"], "unassigned": produced["unassigned"]}
