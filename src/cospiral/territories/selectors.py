"""Reads about territories. Every function takes the territory it reads from."""

from __future__ import annotations

import threading
from collections import OrderedDict

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
    from cospiral.cards.models import Question

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
    return {"groups": [], "sessions": 0, "cards": 0, "coded": 0, "not_codable": 0}


def production(territory) -> dict:
    """What phases 1 and 2 have produced, per cycle number (``None``: groups that have no
    cycle). A fixed number of queries whatever the size of the territory:
    one for the coordination group, one for groups, one for sessions, one for cards."""
    from cospiral.cards.models import Card
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
        # Counted cards only: a split original and a merged duplicate are not ideas of
        # their own (« 32 cartes / 31 codées » counted the original of a split card).
        for row in Card.objects.of(territory).counted().order_by().values("group_id")
        .annotate(total=Count("id"), coded=Count("component"),
                  not_codable=Count("id", filter=Q(component__isnull=True)
                                    & ~Q(not_codable_reason="")))
    }
    by_cycle: dict = {}
    for g in groups:
        g["sessions"] = sessions.get(g["id"], 0)
        g["cards"] = cards.get(g["id"], {}).get("total", 0)
        g["coded"] = cards.get(g["id"], {}).get("coded", 0)
        g["not_codable"] = cards.get(g["id"], {}).get("not_codable", 0)
        bucket = by_cycle.setdefault(g["cycle__number"], _blank_production())
        bucket["groups"].append(g)
        bucket["sessions"] += g["sessions"]
        bucket["cards"] += g["cards"]
        bucket["coded"] += g["coded"]
        bucket["not_codable"] += g["not_codable"]
    return {"seats": seats, "groups": groups, "by_cycle": by_cycle,
            "unassigned": by_cycle.get(None, _blank_production())}


def _by_cycle(rows, key: str, into: dict, **names) -> None:
    """Add aggregated ``rows`` (dicts with a cycle number under ``key``) to ``into``:
    ``names`` maps each count key of ``phases.STEPS`` to the row's column."""
    for row in rows:
        bucket = into.setdefault(row[key], {})
        for name, column in names.items():
            bucket[name] = bucket.get(name, 0) + (row[column] or 0)


def phase_counts(territory, produced: dict | None = None) -> dict:
    """What each cycle has recorded, as the plain counts ``phases.phase_progress`` reads,
    by cycle number (``None``: things that belong to no cycle). Phases 1–2 from
    ``production`` (read each time: cards are typed all the time in a workshop); phases
    3–8 from ``_later_phases``, kept while the territory's ``_later_state`` is the same."""
    produced = produced or production(territory)
    counts: dict = {}
    for cycle, bucket in produced["by_cycle"].items():
        counts[cycle] = {"groups": len(bucket["groups"]), "sessions": bucket["sessions"],
                         "cards": bucket["cards"], "coded": bucket["coded"],
                         "not_codable": bucket["not_codable"]}
    later, territory_wide = _later_phases(territory)
    for cycle, names in later.items():
        bucket = counts.setdefault(cycle, {})
        for name, n in names.items():
            bucket[name] = bucket.get(name, 0) + n
    return {"by_cycle": counts, "territory": {"seats": produced["seats"], **territory_wide}}


#: ``_later_phases`` of the last few states, in this process: ``{state: (by_cycle, wide)}``.
#: The key is read from the database on every call, so every web process and worker sees
#: a write at its next read; only the dozen aggregate queries are saved while it holds.
_LATER: OrderedDict[tuple, tuple[dict, dict]] = OrderedDict()
_LATER_SIZE = 256
_LATER_LOCK = threading.Lock()


def _later_state(territory) -> tuple:
    """A fingerprint of what ``_count_later_phases`` reads, in one query: the territory's
    last audit entry that is not about a card (every service write of a synthesis, wave,
    action, commitment, round, ballot, contract, review, indicator, cycle or group records
    one in its transaction; cards are counted apart, in ``production``), and the rows
    written without an audit entry: submitted questionnaires (anonymous web answers) and
    the review PDFs the jobs have built."""
    from django.db import connection

    from cospiral.core.models import AuditEntry
    from cospiral.jobs.models import Job
    from cospiral.review.jobs import KIND
    from cospiral.surveys.models import Questionnaire

    audit, questionnaire, job = (m._meta.db_table for m in (AuditEntry, Questionnaire, Job))
    submitted = f"FROM {questionnaire} WHERE territory_id = %s AND submitted_at IS NOT NULL"
    built = f"FROM {job} WHERE territory_id = %s AND kind = %s AND state = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT id FROM {audit} WHERE territory_id = %s AND model <> %s "
            f"ORDER BY id DESC LIMIT 1), (SELECT COUNT(*) {submitted}), (SELECT MAX(id) {submitted}), "
            f"(SELECT COUNT(*) {built}), (SELECT MAX(id) {built})",
            [territory.pk, "card", territory.pk, territory.pk,
             territory.pk, KIND, Job.State.SUCCEEDED.value, territory.pk, KIND,
             Job.State.SUCCEEDED.value])
        row = cursor.fetchone()
    # The territory's creation time tells apart two territories given the same id.
    return (territory.pk, str(getattr(territory, "created_at", "")), *row)


def _later_phases(territory) -> tuple[dict, dict]:
    """``_count_later_phases``, kept per ``_later_state`` (a copy: callers may change it)."""
    state = _later_state(territory)
    with _LATER_LOCK:
        found = _LATER.get(state)
        if found is not None:
            _LATER.move_to_end(state)
    if found is None:
        found = _count_later_phases(territory)
        with _LATER_LOCK:
            _LATER[state] = found
            while len(_LATER) > _LATER_SIZE:
                _LATER.popitem(last=False)
    by_cycle, wide = found
    return {c: dict(v) for c, v in by_cycle.items()}, dict(wide)


def _count_later_phases(territory) -> tuple[dict, dict]:
    """What phases 3–8 have recorded by cycle number, and the territory's indicators.
    Aggregate queries, a fixed number whatever the size of the territory."""
    from cospiral.actions.models import Action, Axis, Commitment
    from cospiral.contracts.models import Contract
    from cospiral.domain import contracts as contract_rules
    from cospiral.domain.evaluation import QUESTIONS
    from cospiral.existing_actions.models import ExistingAction
    from cospiral.indicators.models import Indicator
    from cospiral.review.models import Review
    from cospiral.surveys.models import Wave
    from cospiral.syntheses.models import SharedCriterion, Synthesis
    from cospiral.votes.models import Round

    counts: dict = {}
    _by_cycle(Synthesis.objects.of(territory).filter(group__isnull=False).order_by()
              .values("group__cycle__number")
              .annotate(n=Count("id"), v=Count("id", filter=Q(status=Synthesis.Status.VALIDATED))),
              "group__cycle__number", counts, syntheses="n", validated_syntheses="v")
    _by_cycle(SharedCriterion.objects.of(territory).order_by().values("mixed_group__cycle__number")
              .annotate(n=Count("id")), "mixed_group__cycle__number", counts, shared_criteria="n")
    _by_cycle(Wave.objects.of(territory).order_by().values("cycle__number").annotate(
        pre=Count("id", filter=Q(kind=Wave.Kind.EX_ANTE), distinct=True),
        post=Count("id", filter=Q(kind=Wave.Kind.EX_POST), distinct=True),
        pre_n=Count("questionnaires", filter=Q(kind=Wave.Kind.EX_ANTE,
                                               questionnaires__submitted_at__isnull=False)),
        post_n=Count("questionnaires", filter=Q(kind=Wave.Kind.EX_POST,
                                                questionnaires__submitted_at__isnull=False))),
        "cycle__number", counts, ex_ante_waves="pre", ex_post_waves="post",
        ex_ante_answers="pre_n", ex_post_answers="post_n")
    assessed = Q()
    for q in QUESTIONS:
        assessed |= Q(**{f"{q}_score__isnull": False})
    _by_cycle(ExistingAction.objects.of(territory).filter(deleted_at__isnull=True).order_by()
              .values("cycle__number").annotate(n=Count("id"), a=Count("id", filter=assessed)),
              "cycle__number", counts, existing_actions="n", existing_assessed="a")
    _by_cycle(Axis.objects.of(territory).order_by().values("cycle__number").annotate(n=Count("id")),
              "cycle__number", counts, axes="n")
    under_way = Q(status__in=[Action.Status.RUNNING, Action.Status.DONE])
    _by_cycle(Action.objects.of(territory).alive().order_by().values("cycle__number").annotate(
        n=Count("id", distinct=True), w=Count("id", filter=under_way, distinct=True),
        d=Count("id", filter=Q(status=Action.Status.DONE), distinct=True),
        t=Count("targets", distinct=True)),
        "cycle__number", counts, actions="n", actions_under_way="w", actions_done="d", targets="t")
    _by_cycle(Commitment.objects.of(territory).filter(deleted_at__isnull=True,
                                                     action__deleted_at__isnull=True)
              .order_by().values("action__cycle__number")
              .annotate(n=Count("id"), o=Count("id", filter=~Q(outcome=""))),
              "action__cycle__number", counts, commitments="n", outcomes="o")
    # A round counts in the cycle of its candidate actions (once per cycle).
    _by_cycle(Round.objects.of(territory).order_by().values("candidates__cycle__number")
              .annotate(n=Count("id", distinct=True), b=Count("ballots", distinct=True)),
              "candidates__cycle__number", counts, rounds="n", ballots="b")
    signed = Q(status__in=[contract_rules.SIGNED, contract_rules.RUNNING,
                           contract_rules.REVIEWED, contract_rules.CLOSED])
    _by_cycle(Contract.objects.of(territory).order_by().values("action__cycle__number")
              .annotate(n=Count("id"), s=Count("id", filter=signed)),
              "action__cycle__number", counts, contracts="n", contracts_signed="s")
    _by_cycle(Review.objects.of(territory).order_by().values("cycle__number").annotate(
        n=Count("id", filter=~Q(lessons_learnt="") | ~Q(what_next=""))),
        "cycle__number", counts, reviews="n")
    _review_pdfs(territory, counts)
    return counts, {"indicators": Indicator.objects.of(territory).values("code").distinct().count()}


def _review_pdfs(territory, counts: dict) -> None:
    """``reviews_frozen``: the cycles whose review PDF a job has produced. The job is the
    only trace (downloading writes nothing, and ``Review.snapshot_at`` is not written: the
    PDF's snapshot moment is its kept file's, ``cospiral.core.pdfs``). One query, and
    one more for the cycles when a PDF was produced."""
    from cospiral.jobs.models import Job
    from cospiral.review.jobs import KIND

    built = {pk for pk in Job.objects.filter(territory=territory, kind=KIND,
                                             state=Job.State.SUCCEEDED)
             .order_by().values_list("params__cycle_id", flat=True).distinct()
             if isinstance(pk, int)}
    if not built:
        return
    for number in Cycle.objects.of(territory).filter(pk__in=built).values_list("number", flat=True):
        bucket = counts.setdefault(number, {})
        bucket["reviews_frozen"] = bucket.get("reviews_frozen", 0) + 1


def cycle_counts(territory, cycle_numbers, produced: dict | None = None) -> tuple[dict, int | None]:
    """``phase_counts`` per cycle of ``cycle_numbers``, with the territory's own counts
    (seats, indicators) in each, and what belongs to no cycle in the current cycle
    (``phases.current_cycle``; groups without a cycle are listed apart). Also returns
    the current cycle."""
    from cospiral.domain import phases as rules

    recorded = phase_counts(territory, produced)
    by_cycle = recorded["by_cycle"]
    current = rules.current_cycle([c for c, v in by_cycle.items() if any(v.values())],
                                  cycle_numbers)
    counts = {c: dict(by_cycle.get(c, {})) for c in cycle_numbers}
    if current in counts:
        for key, n in by_cycle.get(None, {}).items():
            if key not in ("groups", "sessions", "cards", "coded", "not_codable"):
                counts[current][key] = counts[current].get(key, 0) + n
    for c in counts:
        counts[c].update(recorded["territory"])
    return counts, current


def phase_matrix(territory) -> dict:
    """Rows = phases 1–8, columns = cycles 0–3; each cell has the Phase, what it produced
    (phases 1–2: the groups) and its ``phases.phase_progress`` from what is recorded.
    Things of no cycle (a wave, an action or a contract without one) count in the
    current cycle (``phases.current_cycle``)."""
    from cospiral.domain import phases as rules

    phases = {
        (p.cycle.number, p.number): p
        for p in Phase.objects.of(territory).select_related("cycle")
    }
    produced = production(territory)
    cycle_numbers = sorted({c for (c, _n) in phases})
    phase_numbers = sorted({n for (_c, n) in phases})
    counts, current = cycle_counts(territory, cycle_numbers, produced)
    rows = []
    for number in phase_numbers:
        cells = []
        for cycle in cycle_numbers:
            p = phases[(cycle, number)]
            cell = {"phase": p, "cycle": cycle, "number": number, "current": cycle == current,
                    "progress": rules.phase_progress(number, counts[cycle], p.status)}
            if number in (1, 2):
                cell["produced"] = produced["by_cycle"].get(cycle, _blank_production())
            cells.append(cell)
        rows.append({"number": number, "cells": cells})
    return {"cycles": cycle_numbers, "rows": rows, "seats": produced["seats"],
            "groups": produced["groups"], "unassigned": produced["unassigned"],
            "current": current}


def deadlines(territory, today, horizon_days: int = 14) -> list:
    """Phases not done whose end date is past or within ``horizon_days``, earliest first."""
    import datetime as dt

    return list(Phase.objects.of(territory).select_related("cycle")
                .filter(ends_on__isnull=False, ends_on__lte=today + dt.timedelta(days=horizon_days))
                .exclude(status__in=[Phase.Status.DONE, Phase.Status.SKIPPED])
                .order_by("ends_on", "cycle__number", "number"))
