"""Reads about groups and sessions. Every function takes the territory it reads from."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from cospiral.groups.models import Group, Session
from cospiral.territories.models import Membership, Role


def _count(queryset):
    return Coalesce(
        Subquery(queryset.order_by().values("group_id").annotate(n=Count("id")).values("n"),
                 output_field=IntegerField()),
        Value(0),
    )


def groups(territory):
    """Groups with ``n_sessions``, ``n_cards`` (alive), facilitators and source groups
    prefetched: three queries whatever the number of groups."""
    from cospiral.cards.models import Card

    return (
        Group.objects.of(territory)
        .select_related("cycle")
        .annotate(
            n_sessions=_count(Session.objects.filter(group=OuterRef("pk"))),
            n_cards=_count(Card.objects.filter(group=OuterRef("pk"), deleted_at__isnull=True)),
        )
        .prefetch_related(
            Prefetch("facilitators", queryset=get_user_model().objects.order_by("username")),
            Prefetch("source_groups", queryset=Group.objects.order_by("name")),
        )
        .order_by("kind", "name")
    )


def facilitator_candidates(territory):
    """Users who may facilitate a group of ``territory``: its facilitators and coordinators."""
    ids = Membership.objects.of(territory).filter(
        role__in=[Role.FACILITATOR, Role.COORDINATOR]).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def source_group_candidates(territory, exclude=None):
    qs = Group.objects.of(territory).filter(kind=Group.Kind.HOMOGENEOUS).order_by("name")
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs


def sessions(territory, group):
    return list(
        Session.objects.of(territory).filter(group=group).annotate(
            n_cards=Count("cards", filter=Q(cards__deleted_at__isnull=True))).order_by("-date", "-id")
    )


def cards_per_question(territory, group) -> list[dict]:
    """Every question of the territory with the number of (alive) cards of ``group``."""
    from cospiral.cards.models import Card, Question

    counts = dict(
        Card.objects.of(territory).alive().filter(group=group).order_by()
        .values("question_id").annotate(n=Count("id")).values_list("question_id", "n")
    )
    return [
        {"question": q, "count": counts.get(q.pk, 0)}
        for q in Question.objects.of(territory).order_by("position", "code")
    ]


def is_facilitator(group, user) -> bool:
    return group.facilitators.filter(pk=user.pk).exists()


def current_cycle(territory):
    """The Cycle the territory works in (``phases.current_cycle``: the home's current
    column), or None without cycles: a new group starts in it, so that the group the
    home's next step asks for counts where the home looks."""
    from cospiral.territories import selectors as territory_selectors
    from cospiral.territories.models import Cycle

    cycles = list(Cycle.objects.of(territory).order_by("number"))
    if not cycles:
        return None
    _counts, number = territory_selectors.cycle_counts(territory, [c.number for c in cycles])
    return next((c for c in cycles if c.number == number), None)


# --- the API's lists (``cospiral.api``: ninja filters and pages them) ------------------


def group_list(territory):
    """Every group of the territory with its cycle and source groups, by kind and name."""
    return (Group.objects.of(territory).select_related("cycle").prefetch_related("source_groups")
            .order_by("kind", "name", "id"))


def session_list(territory):
    """Every session of the territory, by date."""
    return Session.objects.of(territory).order_by("date", "id")


def group_of(territory, pk) -> Group | None:
    return Group.objects.of(territory).filter(pk=pk).first()


def session_of(territory, pk) -> Session | None:
    return Session.objects.of(territory).filter(pk=pk).first()
