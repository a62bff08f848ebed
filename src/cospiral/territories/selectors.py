"""Reads about territories. Every function takes the territory it reads from."""

from __future__ import annotations

from cospiral.territories.models import Membership, Role, Territory


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
