"""Reads of the co-responsibility plan: every query scoped by ``objects.of(territory)``.
The rules (roll-up, demonstrative tests, ranking, commitments kept, reviews due) come
from ``cospiral.domain.plan`` and ``cospiral.domain.evaluation``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from cospiral.actions.models import Action, Axis, Commitment, Milestone, Target
from cospiral.domain import evaluation as ev
from cospiral.domain import plan, verdict

CLOSED = tuple(plan.CLOSED_STATUSES)


def axes(territory):
    return Axis.objects.of(territory).select_related("cycle")


def actions(territory, *, deleted: bool = False):
    qs = Action.objects.of(territory).select_related("axis", "lead", "parent", "cycle")
    return qs.filter(deleted_at__isnull=False) if deleted else qs.alive()


def action(territory, pk) -> Action | None:
    """One action of the territory (deleted or not), or None."""
    return (Action.objects.of(territory)
            .select_related("axis", "lead", "parent", "cycle", "origin_group",
                            "origin_indicator", "created_by")
            .one(pk))


def tests_of(a: Action) -> dict[str, bool | None]:
    """The four tests: True passes, False fails, None not assessed yet."""
    return {t: getattr(a, t) for t in plan.DEMONSTRATIVE_TESTS}


def scores_of(a: Action) -> dict[str, int | None]:
    return {q: getattr(a, q) for q in ev.QUESTIONS}


# --- The plan as a tree ----------------------------------------------------------------------

@dataclass
class Item:
    """An action in the plan's tree, with its rolled-up progress."""

    action: Action
    rolled: plan.RollUp
    children: list[Item] = field(default_factory=list)
    review_due: bool = False
    review_overdue: bool = False
    verdict: plan.Demonstrative | None = None
    depth: int = 0


@dataclass
class Section:
    axis: Axis | None
    rolled: plan.RollUp
    items: list[Item]

    def flat(self) -> list[Item]:
        """Every item of the section, depth first (actions, then their sub-actions)."""
        result, stack = [], list(reversed(self.items))
        while stack:
            item = stack.pop()
            result.append(item)
            stack.extend(reversed(item.children))
        return result


@dataclass
class Plan:
    sections: list[Section]
    rolled: plan.RollUp
    count: int

    def flat(self) -> list[Item]:
        return [item for section in self.sections for item in section.flat()]


def _items(nodes: list[plan.Node], rolled: tuple[plan.RollUp, ...], by_pk: dict, today,
           depth: int = 0) -> list[Item]:
    result = []
    for node, r in zip(nodes, rolled, strict=True):
        a = by_pk[node.key]
        result.append(Item(
            action=a, rolled=r, depth=depth,
            children=_items(list(node.children), r.children, by_pk, today, depth + 1),
            review_due=plan.review_due(a.review_on, a.status, today),
            review_overdue=plan.review_overdue(a.review_on, a.status, today),
            verdict=plan.demonstrative(tests_of(a)),
        ))
    return result


def plan_tree(territory, *, today: dt.date | None = None) -> Plan:
    """Axes (in their order, then "no axis") → actions → sub-actions, each rolled up with
    ``plan.ROLLUP_RULE``; the plan's own figure rolls up every top-level action."""
    today = today or timezone.localdate()
    rows = list(actions(territory).order_by("position", "id"))
    by_pk = {a.pk: a for a in rows}
    roots = plan.tree((a.pk, a.parent_id, a.status, a.progress) for a in rows)
    by_axis: dict[int | None, list[plan.Node]] = {}
    for node in roots:
        by_axis.setdefault(by_pk[node.key].axis_id, []).append(node)
    sections = []
    all_axes = list(axes(territory))
    for axis in [*all_axes, None]:
        nodes = by_axis.get(axis.pk if axis else None, [])
        if axis is None and not nodes:
            continue
        rolled = plan.rollup(plan.Node(("axis", axis.pk if axis else None), "running", None,
                                       tuple(nodes)))
        sections.append(Section(axis, rolled, _items(nodes, rolled.children, by_pk, today)))
    whole = plan.rollup(plan.Node("plan", "running", None, tuple(roots)))
    return Plan(sections, whole, len(rows))


# --- Comparison grid -----------------------------------------------------------------------------

@dataclass
class GridRow:
    action: Action
    row: plan.GridRow
    families: list
    unknown_families: list[str]

    @property
    def scores(self) -> list[int | None]:
        return [self.row.ranked.scores[q] for q in ev.QUESTIONS]


def comparison(territory, grid_families) -> list[GridRow]:
    """Alive actions that are not abandoned, ranked on the five questions
    (``evaluation.RANKING_RULE``), with the families they cover and their demonstrative
    verdict."""
    by_code = {f.code: f for f in grid_families}
    candidates = list(actions(territory).exclude(status=Action.Status.ABANDONED)
                      .order_by("title", "id"))
    rows = plan.comparison_grid((a, scores_of(a), a.families, tests_of(a)) for a in candidates)
    return [GridRow(r.key, r, [by_code[c] for c in r.key.families if c in by_code],
                    [c for c in r.key.families if c not in by_code]) for r in rows]


# --- Reviews -----------------------------------------------------------------------------------

def reviews_due(territory, today: dt.date | None = None) -> list[Action]:
    """Alive actions whose review is due (``plan.REVIEW_RULE``), earliest first: one query."""
    today = today or timezone.localdate()
    rows = list(Action.objects.of(territory).alive()
                .filter(review_on__isnull=False, review_on__lte=plan.review_horizon(today))
                .exclude(status__in=CLOSED).order_by("review_on", "title", "id")
                .only("id", "title", "review_on", "status"))
    for a in rows:
        a.overdue = plan.review_overdue(a.review_on, a.status, today)
    return rows


# --- Parts of an action ---------------------------------------------------------------------------

def milestones(a: Action):
    return Milestone.objects.of(a.territory).filter(action=a).order_by("on", "id")


def targets(a: Action):
    return (Target.objects.of(a.territory).filter(action=a)
            .select_related("indicator", "indicator__component", "baseline_wave"))


def commitments(territory, *, action: Action | None = None, organisation=None,
                deleted: bool = False):
    qs = (Commitment.objects.of(territory)
          .select_related("action", "organisation", "group")
          .filter(action__deleted_at__isnull=True))
    if action is not None:
        qs = qs.filter(action=action)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    qs = qs.filter(deleted_at__isnull=False) if deleted else qs.filter(deleted_at__isnull=True)
    return qs.order_by("action__title", "action_id", "id")


def commitment(territory, pk) -> Commitment | None:
    return Commitment.objects.of(territory).select_related("action", "organisation", "group").one(pk)


@dataclass
class PartyKept:
    kind: str
    name: str
    kept: plan.Kept


def kept_by_party(rows) -> list[PartyKept]:
    """``plan.KEPT_RULE`` per party of ``rows`` (commitments), by party name."""
    names = {}
    items = []
    for c in rows:
        key = (c.party_kind, c.organisation_id or c.group_id or c.person.strip().casefold())
        names.setdefault(key, (c.get_party_kind_display(), c.party_name))
        items.append((key, c.outcome))
    result = [PartyKept(names[k][0], names[k][1], v) for k, v in plan.kept_by_party(items).items()]
    return sorted(result, key=lambda p: (p.name.casefold(), p.kind))


def history(territory, a: Action):
    from cospiral.core.models import AuditEntry

    return (AuditEntry.objects.of(territory)
            .filter(model=Action._meta.model_name, object_id=str(a.pk)).order_by("-at", "-id"))


def rolled(a: Action) -> plan.RollUp:
    """The action's progress rolled up from its alive sub-actions (``plan.ROLLUP_RULE``)."""
    from cospiral.domain.territory_rules import descendants

    parent_of = dict(Action.objects.of(a.territory).alive().values_list("id", "parent_id"))
    below = descendants(a.pk, parent_of)
    rows = [(a.pk, None, a.status, a.progress)] + [
        (x.pk, x.parent_id, x.status, x.progress)
        for x in Action.objects.of(a.territory).alive().filter(pk__in=below).order_by("position", "id")]
    return plan.rollup(plan.tree(rows)[0])


def children(a: Action):
    return Action.objects.of(a.territory).alive().filter(parent=a).order_by("position", "id")


# --- Sources of actions -----------------------------------------------------------------------------

def source_cards(territory, *, group=None):
    """Alive answers to Q3 and Q4 of the territory (of ``group`` when given)."""
    from cospiral.actions.services import METHOD_CARD_QUESTIONS
    from cospiral.cards.models import Card

    qs = (Card.objects.of(territory).alive().filter(question__code__in=METHOD_CARD_QUESTIONS)
          .select_related("question", "group"))
    if group is not None:
        qs = qs.filter(group=group)
    return qs.order_by("group__name", "question__code", "id")


def groups(territory):
    from cospiral.groups.models import Group

    return Group.objects.of(territory).order_by("name")


def indicators(territory):
    from cospiral.indicators.models import Indicator

    return Indicator.objects.of(territory).order_by("code", "-version")


def organisations(territory):
    from cospiral.territories.models import Organisation

    return Organisation.objects.of(territory).order_by("name")


def cycles(territory):
    from cospiral.territories.models import Cycle

    return Cycle.objects.of(territory).order_by("number")


def waves(territory):
    from cospiral.surveys.models import Wave

    return Wave.objects.of(territory).order_by("-created_at", "-id")


def results_wave(territory):
    """The latest survey wave whose results are published or that is closed, or None."""
    from cospiral.surveys.services import wave_status

    now = timezone.now()
    for wave in waves(territory).filter(Q(published_at__isnull=False)
                                        | Q(closes_at__isnull=False, closes_at__lte=now)):
        if wave.published_at is not None or wave_status(wave, now) == "closed":
            return wave
    return None


@dataclass
class PoorIndicator:
    indicator: object
    low_share: float
    n: int | None


def poor_indicators(wave, *, live: bool = False) -> list[PoorIndicator]:
    """The wave's indicators by share at levels 1–2, largest first (``plan.poorest``):
    from the live tallies for coordinators (``live``), else from the published results
    (none while they are not published)."""
    from cospiral.surveys import selectors as survey_selectors

    items = survey_selectors.instrument(wave)
    if not items:
        return []
    if live:
        results = survey_selectors.results(wave, items=items, with_intervals=False)
    else:
        results = survey_selectors.published_results(wave, items=items, with_intervals=False)
        if results is None:
            return []
    figures = [results.scores.figures(j) for j in range(len(items))]
    shares = [(j, None if f.low_share is None else f.low_share * 100) for j, f in enumerate(figures)]
    return [PoorIndicator(items[p.key].indicator, p.low_share, figures[p.key].n)
            for p in plan.poorest(shares)]


def follow_up_waves(a: Action, target_rows) -> list:
    """Ex-post waves of the territory that ask an indicator of the action (its origin or
    a target's, by code), newest first."""
    from cospiral.surveys.models import Wave, WaveIndicator

    codes = {t.indicator.code for t in target_rows}
    if a.origin_indicator_id:
        codes.add(a.origin_indicator.code)
    if not codes:
        return []
    wave_ids = (WaveIndicator.objects.of(a.territory).filter(indicator__code__in=codes)
                .values("wave_id"))
    return list(Wave.objects.of(a.territory).filter(kind=Wave.Kind.EX_POST, pk__in=wave_ids)
                .order_by("-created_at", "-id"))


# --- Follow-up: ex-post against ex-ante on the action's targets --------------------------------

@dataclass
class FollowUp:
    """One target followed in one ex-post wave against its ex-ante wave; figures on the
    target's scale (shares and their difference in %, score 0–100, median 1–5)."""

    target: Target
    wave: object  # the ex-post wave
    before_wave: object
    before: float | None
    after: float | None
    difference: float | None
    interval: tuple[float, float] | None  # Newcombe, shares only
    p_value: float | None  # Brunner–Munzel, two-sided
    superiority: float | None
    confidence: float
    n_before: int | None
    n_after: int | None
    reached: bool | None
    direction: str | None
    changed_version: bool
    # ``cospiral.domain.verdict`` of the change: on the Newcombe interval for the shares,
    # on the Brunner–Munzel interval of the superiority for the score and the median.
    verdict: str | None = None


def _value(figures, measure: str) -> float | None:
    value = {"score": figures.score, "median": figures.median,
             "high_share": None if figures.high_share is None else figures.high_share * 100,
             "low_share": None if figures.low_share is None else figures.low_share * 100,
             }[measure]
    return None if value is None else float(value)


def _masked(array, j) -> float | None:
    import numpy as np

    value = array[j]
    return None if np.ma.getmaskarray(value).all() else float(value)


def comparisons(waves, *, live: bool = False) -> dict:
    """``surveys.selectors.published_comparison`` of each ex-post wave with its ex-ante
    wave, by wave id (None when the wave has no baseline, no indicator in common, or
    either wave's results are not published: action pages are read by every role, so
    they show published figures only; ``live``: the live tallies, for coordinators)."""
    from cospiral.surveys import selectors as survey_selectors

    compare = survey_selectors.comparison if live else survey_selectors.published_comparison
    return {w.pk: compare(w) if w.baseline_id else None for w in waves}


def follow_up(target_rows, waves, compared: dict | None = None, *, live: bool = False) -> list[FollowUp]:
    """For each ex-post wave (in the order given) that has a baseline and asks a target's
    indicator (joined on its code), the target's measure before → after with the
    comparison's Newcombe interval of the difference (shares) and its Brunner–Munzel
    p-value, and whether the target is reached (``plan.REACHED_RULE``)."""
    compared = comparisons(waves, live=live) if compared is None else compared
    rows = []
    for wave in waves:
        result = compared.get(wave.pk)
        if result is None:
            continue
        cmp = result.comparison
        for t in target_rows:
            if t.indicator.code not in result.codes:
                continue
            j = result.codes.index(t.indicator.code)
            fb, fa = result.before_scores.figures(j), result.after_scores.figures(j)
            before, after = _value(fb, t.measure), _value(fa, t.measure)
            difference, interval = None, None
            if t.measure in ("high_share", "low_share"):
                prefix = "high" if t.measure == "high_share" else "low"
                d = _masked(getattr(cmp, f"{prefix}_difference"), j)
                lo = _masked(getattr(cmp, f"{prefix}_diff_low"), j)
                hi = _masked(getattr(cmp, f"{prefix}_diff_high"), j)
                difference = None if d is None else d * 100
                interval = None if lo is None or hi is None else (lo * 100, hi * 100)
            elif before is not None and after is not None:
                difference = after - before
            if interval is not None:
                change = verdict.verdict(difference, *interval,
                                         higher_is_better=plan.HIGHER_IS_BETTER[t.measure])
            elif t.measure in ("score", "median"):
                sup = _masked(cmp.superiority, j)
                change = verdict.verdict(sup, _masked(cmp.superiority_low, j),
                                         _masked(cmp.superiority_high, j), null=0.5,
                                         higher_is_better=plan.HIGHER_IS_BETTER[t.measure])
            else:
                change = None
            rows.append(FollowUp(
                target=t, wave=wave, before_wave=result.before, before=before, after=after,
                difference=difference, interval=interval, p_value=_masked(cmp.p_value, j),
                superiority=_masked(cmp.superiority, j), confidence=cmp.confidence,
                n_before=fb.n, n_after=fa.n,
                reached=plan.target_reached(t.measure, after, t.target),
                direction=plan.change_direction(t.measure, before, after),
                changed_version=t.indicator.code in result.changed_versions,
                verdict=change))
    return rows


def plan_changes(territory, *, live: bool = False) -> dict:
    """For the plan page: each alive action's targets followed in the newest ex-post wave
    that asks them (``follow_up``), by action id; each wave compared once."""
    from cospiral.surveys.models import Wave

    targets = list(Target.objects.of(territory).filter(action__deleted_at__isnull=True)
                   .select_related("indicator").order_by("action_id", "id"))
    if not targets:
        return {}
    waves = list(Wave.objects.of(territory).filter(kind=Wave.Kind.EX_POST, baseline__isnull=False)
                 .select_related("baseline").order_by("-created_at", "-id"))
    if not waves:
        return {}
    compared = comparisons(waves, live=live)
    result: dict = {}
    for t in targets:
        rows = follow_up([t], waves, compared)
        if rows:
            result.setdefault(t.action_id, []).append(rows[0])  # the newest wave
    return result


def action_list(territory):
    """The territory's live actions with their cards and live commitments (the API's
    list), in plan order."""
    from django.db.models import Prefetch

    commitments = (Commitment.objects.of(territory).alive().select_related("organisation")
                   .order_by("id"))
    return (Action.objects.of(territory).alive().select_related("axis")
            .prefetch_related("cards", Prefetch("commitments", queryset=commitments))
            .order_by("position", "id"))
