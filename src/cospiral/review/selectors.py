"""The review of a cycle (phase 8) as plain data: what each part of the method produced
in the cycle, read through that part's own selectors, with its charts, and the methods
appendix. Every read is scoped by the territory; the cycle's scope is
``cospiral.domain.review.SCOPE_RULE`` (rows of the cycle and rows given no cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.actions.models import Action, Axis, Commitment, Milestone, Target
from cospiral.contracts import selectors as contract_selectors
from cospiral.domain import plan, scoring
from cospiral.domain import review as rules
from cospiral.existing_actions import charts as evaluation_charts
from cospiral.existing_actions import selectors as evaluations
from cospiral.groups import selectors as group_selectors
from cospiral.groups.models import Group, Session
from cospiral.indicators import selectors as indicator_selectors
from cospiral.review import brief, votes_section
from cospiral.review.methods import Methods, methods_of
from cospiral.review.models import Review
from cospiral.statistics import charts as stats_charts
from cospiral.statistics import selectors as stats
from cospiral.surveys import results as survey_results
from cospiral.surveys import results_charts
from cospiral.surveys import selectors as survey_selectors
from cospiral.syntheses import selectors as synthesis_selectors
from cospiral.syntheses.models import Synthesis
from cospiral.territories.labels import cycle_label
from cospiral.territories.models import Cycle, Phase

TOP_COMPONENTS = 10


def _language() -> str:
    return (translation.get_language() or "fr")[:2]


def _cycle_q(cycle: Cycle, field_name: str = "cycle") -> Q:
    """``SCOPE_RULE`` as a filter."""
    return Q(**{field_name: cycle}) | Q(**{f"{field_name}__isnull": True})


def cycle(territory, number: int) -> Cycle | None:
    return Cycle.objects.of(territory).filter(number=number).first()


elected_members = brief.elected_members


def review_of(territory, cycle_obj: Cycle) -> Review | None:
    return Review.objects.of(territory).filter(cycle=cycle_obj).select_related("created_by").first()


def cycles(territory) -> list[dict]:
    """Each cycle with its phase 8 and whether a review has been written."""
    reviews = {r.cycle_id: r for r in Review.objects.of(territory)}
    phases = {p.cycle_id: p for p in Phase.objects.of(territory).filter(number=8)}
    return [{"cycle": c, "label": cycle_label(c.number), "phase": phases.get(c.pk),
             "review": reviews.get(c.pk)}
            for c in Cycle.objects.of(territory).order_by("number")]


# --- the sections -------------------------------------------------------------------------

@dataclass
class GroupRow:
    pk: int
    name: str
    kind: str
    kind_label: str
    profile: str
    cycle: int | None
    sessions: int
    attendees: int
    cards: int
    coded: int


@dataclass
class StatsSection:
    report: stats.Report
    coded: int
    top: list[dict]  # code, label, count, share
    tables: list[dict]  # the report's tables shown in the review: table, heads, rows (HTML)


@dataclass
class SynthesisRow:
    name: str
    group_id: int | None
    status: str
    status_label: str
    validated_on: object
    sentences: int


@dataclass
class SynthesesSection:
    rows: list[SynthesisRow]
    validated: int
    criteria: list[dict]  # component, label, text, language, groups, cards

    @property
    def sentences(self) -> int:
        return sum(r.sentences for r in self.rows)


@dataclass
class IndicatorRow:
    code: str
    title: str
    component: str
    component_label: str
    version: int
    status_label: str
    ready: bool
    levels: list[str]


@dataclass
class WaveSection:
    wave: object
    kind_label: str
    cycle: int | None
    respondents: int
    threshold: int
    seed: int
    replicates: int
    confidence: str
    rows: list[dict] = field(default_factory=list)
    indices: list[dict] = field(default_factory=list)
    levels_summary: str = ""
    levels_chart: str = ""
    indices_summary: str = ""
    indices_chart: str = ""
    synthetic: dict | None = None
    comparison: dict | None = None  # surveys.results.comparison_context
    empty_reason: str = ""
    extremes: list[dict] = field(default_factory=list)
    breakdowns: list[dict] = field(default_factory=list)


@dataclass
class ExistingSection:
    rows: list
    summary: str
    chart: str


@dataclass
class ActionRow:
    action: Action
    depth: int
    cycle: int | None
    rolled: plan.RollUp
    targets: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    commitments: list = field(default_factory=list)


@dataclass
class AxisBlock:
    axis: Axis | None
    actions: list[ActionRow]
    rolled: plan.RollUp | None = None

    @property
    def title(self) -> str:
        return str(self.axis) if self.axis else _("Actions outside any strategic axis")


def kept_share_text(share: float | None) -> str:
    """A share kept (0–100, one decimal by ``plan.KEPT_RULE``) as a percentage, with its
    decimal when it has one: 62.5 % stays 62.5 %, as on the contract's page."""
    if share is None:
        return ""
    return survey_results.pct(share / 100, 0 if float(share).is_integer() else 1)


@dataclass
class PartyRow:
    name: str
    kind_label: str
    tally: plan.Kept

    @property
    def share_text(self) -> str:
        share = self.tally.share  # 0–100
        return kept_share_text(share)


@dataclass
class ActionsSection:
    axes: list[AxisBlock]
    by_status: list[tuple[str, int]]
    parties: list[PartyRow]
    commitments: int
    targets: int
    milestones: int
    summary: str
    rolled: plan.RollUp | None = None

    @property
    def count(self) -> int:
        return sum(len(b.actions) for b in self.axes)


@dataclass
class ContractRow:
    contract: object
    action: str
    beneficiaries: int
    workshops: int
    reviews: int
    exits: int
    attendance: object  # contracts' Rate (present, expected, rate 0–1 or None)
    kept: plan.Kept

    @property
    def attendance_text(self) -> str:
        rate = self.attendance.rate if self.attendance is not None else None
        return "" if rate is None else survey_results.pct(rate)

    @property
    def kept_text(self) -> str:
        return kept_share_text(self.kept.share)


class _GroupTotal:
    """A read-only total over ``self.groups`` of the :class:`GroupRow` column of the same
    name (``sessions = _GroupTotal()`` adds up every group's ``sessions``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, review: Any, owner: type | None = None) -> int:
        return sum(getattr(g, self.name) for g in review.groups)


@dataclass
class CycleReview:
    territory: object
    cycle: Cycle
    label: str
    phase: Phase | None
    review: Review | None
    groups: list[GroupRow]
    stats: StatsSection
    syntheses: SynthesesSection
    indicators: list[IndicatorRow]
    waves: list[WaveSection]
    existing: ExistingSection
    actions: ActionsSection
    methods: Methods
    contracts: list[ContractRow] = field(default_factory=list)
    votes: object = None  # votes_section.VotesSection
    # For an elected official (``reports.brief``): set by ``assemble``.
    elected: list = field(default_factory=list)
    money: dict = field(default_factory=dict)
    timeline: list[dict] = field(default_factory=list)
    plain: dict = field(default_factory=dict)

    # The cycle's totals over its groups.
    sessions = _GroupTotal()
    attendees = _GroupTotal()
    cards = _GroupTotal()
    coded = _GroupTotal()


def _groups(territory, cycle_obj: Cycle, coded: dict[int, int]) -> list[GroupRow]:
    groups = list(group_selectors.groups(territory).filter(_cycle_q(cycle_obj)))
    attendees = dict(
        Session.objects.of(territory).filter(group__in=[g.pk for g in groups]).order_by()
        .values("group_id").annotate(n=Sum("attendee_count")).values_list("group_id", "n"))
    return [GroupRow(pk=g.pk, name=g.name, kind=g.kind, kind_label=g.get_kind_display(),
                     profile=g.profile, cycle=g.cycle.number if g.cycle_id else None,
                     sessions=g.n_sessions, attendees=attendees.get(g.pk) or 0, cards=g.n_cards,
                     coded=coded.get(g.pk, 0))
            for g in groups]


def _column(table: stats.Table, key: str) -> int:
    return next(i for i, c in enumerate(table.columns) if c.key == key)


def _stats(territory, group_ids: list[int], *, charts: bool) -> tuple[StatsSection, dict[int, int]]:
    """The statistics of the cycle's groups (``stats.selectors.report`` filtered to
    them), with their charts; and the coded cards of each group."""
    report = stats.report([territory], subject=territory.name,
                          title=_("Statistics of %(territory)s") % {"territory": territory.name},
                          filters=stats.Filters(groups=group_ids), totals_of=territory)
    if charts:
        stats_charts.attach(report)
    coded: dict[int, int] = {}
    table = report.table("groups")
    if table is not None:
        names = {name: pk for pk, name in Group.objects.of(territory).filter(pk__in=group_ids)
                 .values_list("pk", "name")}
        i = _column(table, "coded")
        for row in table.rows:
            if row[0] in names:
                coded[names[row[0]]] = row[i]
    top = []
    components = report.table("components")
    if components is not None:
        count, share = _column(components, "total_count"), _column(components, "total_share")
        ranked = sorted((r for r in components.rows if r[count]), key=lambda r: (-r[count], r[0]))
        top = [{"code": r[0], "label": r[1], "count": r[count], "share": r[share],
                "share_text": survey_results.pct(r[share])} for r in ranked[:TOP_COMPONENTS]]
    shown = []
    for t in (report.table("families"), report.table("components"), table):
        if t is not None:
            heads, body = t.html()  # every row (a page shows 100 at a time)
            shown.append({"table": t, "head_row": t.html_head_row, "rows": body,
                          "columns": len(heads)})
    return StatsSection(report=report, coded=report.coded, top=top, tables=shown), coded


def _syntheses(territory, groups: list[GroupRow]) -> SynthesesSection:
    overview = synthesis_selectors.overview(territory)
    wanted = {g.pk for g in groups}
    rows = []
    own = overview["territory_synthesis"]
    if own is not None:
        rows.append(SynthesisRow(_("The territory's synthesis"), None, own.status,
                                 own.get_status_display(), own.validated_on,
                                 overview["territory_sentences"]))
    for g in overview["groups"]:
        if g.pk in wanted and g.synthesis is not None:
            s = g.synthesis
            rows.append(SynthesisRow(g.name, g.pk, s.status, s.get_status_display(),
                                     s.validated_on, g.n_sentences))
    criteria = []
    for c in synthesis_selectors.definition(territory):
        if c.mixed_group_id in wanted:
            criteria.append({"component": c.component.code, "label": c.component.label(),
                             "text": c.text, "language": c.language,
                             "mixed_group": c.mixed_group.name,
                             "groups": ", ".join(g.name for g in c.source_groups),
                             "cards": len(c.source_cards)})
    validated = sum(1 for r in rows if r.status == Synthesis.Status.VALIDATED)
    return SynthesesSection(rows=rows, validated=validated, criteria=criteria)


def _indicators(territory) -> list[IndicatorRow]:
    language = _language()
    rows = []
    for i in sorted(indicator_selectors.latest_versions(territory), key=lambda i: i.code):
        rows.append(IndicatorRow(
            code=i.code, title=i.title(language), component=i.component.code,
            component_label=i.component.label(), version=i.version,
            status_label=i.get_status_display(), ready=i.is_ready,
            levels=[i.level_text(n, language) for n in range(1, 6)]))
    return rows


def _wave(wave, *, charts: bool) -> WaveSection:
    # The review is read by every role and printed: the published results only (issue 13).
    snapshot = survey_selectors.shown_snapshot(wave)
    if snapshot is None:
        return WaveSection(
            wave=wave, kind_label=wave.get_kind_display(),
            cycle=wave.cycle.number if wave.cycle_id else None, respondents=0,
            threshold=wave.threshold, seed=int(wave.bootstrap_seed),
            replicates=scoring.DEFAULT_REPLICATES, confidence="",
            empty_reason=_("The results of this wave are not published yet."))
    c = survey_results.compute(wave, snapshot=snapshot)
    s = c.scores
    section = WaveSection(
        wave=wave, kind_label=wave.get_kind_display(),
        cycle=wave.cycle.number if wave.cycle_id else None, respondents=s.respondents,
        threshold=s.threshold, seed=int(wave.bootstrap_seed),
        replicates=c.intervals.replicates if c.intervals else scoring.DEFAULT_REPLICATES,
        confidence=survey_results.pct(s.confidence))
    if not c.res.items:
        section.empty_reason = _("This wave has no indicators yet.")
    elif s.respondents == 0:
        section.empty_reason = _("No questionnaire has been sent in this wave yet.")
    else:
        section.rows = survey_results.indicator_rows(c)
        section.indices = survey_results.index_rows(c)
        section.synthetic = next((r for r in section.indices if r["kind"] == "synthetic"), None)
        section.levels_summary = survey_results.levels_summary(section.rows, s.respondents)
        section.indices_summary = survey_results.indices_summary(section.indices)
        section.extremes = survey_results.extreme_rows(c)
        section.breakdowns = brief.breakdowns(wave, snapshot, section.rows)
        if charts:
            section.levels_chart = results_charts.render(
                results_charts.levels_spec([{"name": r["name"], "shares": r["share_values"]}
                                            for r in section.rows]), section.levels_summary)
            section.indices_chart = results_charts.render(
                results_charts.indices_spec([{"name": r["name"], "kind": r["kind_label"],
                                              "value": r["value"], "low": r["low"], "high": r["high"]}
                                             for r in section.indices]), section.indices_summary)
    if wave.baseline_id is not None:
        comparison = survey_results.comparison_context(wave, live=False)
        if not charts:
            comparison.pop("chart", None)
        section.comparison = comparison
    return section


def _waves(territory, cycle_obj: Cycle, *, charts: bool) -> list[WaveSection]:
    waves = (survey_selectors.waves(territory).filter(_cycle_q(cycle_obj))
             .order_by("created_at", "id"))
    return [_wave(w, charts=charts) for w in waves]


def _existing(territory, cycle_obj: Cycle, *, charts: bool) -> ExistingSection:
    rows = [r for r in evaluations.ranking(territory)
            if rules.in_scope(r.action.cycle.number if r.action.cycle_id else None, cycle_obj.number)]
    scored = [r for r in rows if r.total is not None]
    if not rows:
        summary = _("No existing action is recorded for this cycle.")
    elif not scored:
        summary = ngettext("%(n)s existing action is recorded; none is assessed yet.",
                           "%(n)s existing actions are recorded; none is assessed yet.",
                           len(rows)) % {"n": len(rows)}
    else:
        summary = ngettext(
            "Of %(n)s existing action, %(complete)s is assessed on all five questions; the "
            "first is “%(name)s” with %(total)s out of 100.",
            "Of %(n)s existing actions, %(complete)s are assessed on all five questions; the "
            "first is “%(name)s” with %(total)s out of 100.", len(rows)) % {
            "n": len(rows), "complete": sum(1 for r in rows if r.complete),
            "name": scored[0].action.name, "total": survey_results.num(scored[0].total)}
    chart = evaluation_charts.totals_svg(rows, summary) if charts and scored else ""
    return ExistingSection(rows=rows, summary=summary, chart=chart)


def _actions(territory, cycle_obj: Cycle) -> ActionsSection:
    actions = list(Action.objects.of(territory).alive().filter(_cycle_q(cycle_obj))
                   .select_related("axis", "lead", "parent", "cycle", "origin_indicator",
                                   "origin_group"))
    ids = [a.pk for a in actions]
    targets: dict[int, list] = {}
    for t in (Target.objects.of(territory).filter(action_id__in=ids)
              .select_related("indicator", "baseline_wave").order_by("action_id", "id")):
        targets.setdefault(t.action_id, []).append(t)
    milestones: dict[int, list] = {}
    for m in Milestone.objects.of(territory).filter(action_id__in=ids).order_by("on", "id"):
        milestones.setdefault(m.action_id, []).append(m)
    commitments: dict[int, list] = {}
    all_commitments = list(Commitment.objects.of(territory).alive().filter(action_id__in=ids)
                           .select_related("organisation", "group").order_by("action_id", "id"))
    for c in all_commitments:
        commitments.setdefault(c.action_id, []).append(c)

    # Actions in their hierarchy (a sub-action under its parent), per axis of the top
    # action, rolled up with ``plan.ROLLUP_RULE``.
    by_pk = {a.pk: a for a in actions}
    roots = plan.tree((a.pk, a.parent_id, a.status, a.progress)
                      for a in sorted(actions, key=lambda a: (a.position, a.pk)))
    blocks: dict[int | None, AxisBlock] = {}
    axes = list(Axis.objects.of(territory).filter(_cycle_q(cycle_obj)))
    for axis in axes:
        blocks[axis.pk] = AxisBlock(axis, [])
    nodes_of: dict[int | None, list[plan.Node]] = {}
    for node in roots:
        nodes_of.setdefault(by_pk[node.key].axis_id, []).append(node)

    def rows(nodes, rolled, depth):
        for node, r in zip(nodes, rolled, strict=True):
            a = by_pk[node.key]
            yield ActionRow(action=a, depth=depth, cycle=a.cycle.number if a.cycle_id else None,
                            rolled=r, targets=targets.get(a.pk, []),
                            milestones=milestones.get(a.pk, []),
                            commitments=commitments.get(a.pk, []))
            yield from rows(node.children, r.children, depth + 1)

    for axis_id, nodes in nodes_of.items():
        block = blocks.get(axis_id)
        if block is None:
            block = blocks[axis_id] = AxisBlock(by_pk[nodes[0].key].axis, [])
        block.rolled = plan.rollup(plan.Node(("axis", axis_id), "running", None, tuple(nodes)))
        block.actions = list(rows(nodes, block.rolled.children, 0))
    ordered = [blocks[a.pk] for a in axes]
    ordered += [b for key, b in blocks.items() if key not in {a.pk for a in axes}]

    statuses = {}
    for a in actions:
        statuses[a.status] = statuses.get(a.status, 0) + 1
    by_status = [(label, statuses[value]) for value, label in Action.Status.choices if value in statuses]

    names: dict[tuple, tuple[str, str]] = {}
    items = []
    for c in all_commitments:
        key = (c.party_kind, c.organisation_id or c.group_id or c.person.strip().casefold())
        names.setdefault(key, (c.party_name, c.get_party_kind_display()))
        items.append((key, c.outcome))
    party_rows = sorted((PartyRow(names[k][0], names[k][1], v)
                         for k, v in plan.kept_by_party(items).items()),
                        key=lambda p: (p.name.casefold(), p.kind_label))
    if not actions:
        summary = _("No action is planned for this cycle yet.")
    else:
        kept = plan.kept(c.outcome for c in all_commitments)
        summary = ngettext(
            "%(n)s action, with %(c)s commitments by %(p)s parties.",
            "%(n)s actions, with %(c)s commitments by %(p)s parties.",
            len(actions)) % {"n": len(actions), "c": len(all_commitments), "p": len(party_rows)}
        summary += " " + (ngettext("They belong to %(axes)s strategic axis.",
                                   "They belong to %(axes)s strategic axes.", len(axes))
                          % {"axes": len(axes)} if axes else _("No strategic axis is set."))
        if kept.share is not None:
            summary += " " + _("Of the %(recorded)s commitments whose outcome is recorded, %(kept)s "
                               "were kept and %(partly)s partly kept: a share kept of %(share)s.") % {
                "kept": kept.kept, "partly": kept.partly, "recorded": kept.with_outcome,
                "share": kept_share_text(kept.share)}
    whole = plan.rollup(plan.Node("plan", "running", None, tuple(roots))) if roots else None
    return ActionsSection(axes=[b for b in ordered if b.actions or b.axis is not None], rolled=whole,
                          by_status=by_status, parties=party_rows,
                          commitments=len(all_commitments),
                          targets=sum(len(v) for v in targets.values()),
                          milestones=sum(len(v) for v in milestones.values()), summary=summary)


def _contracts(territory, cycle_obj: Cycle) -> list[ContractRow]:
    """Multipartite contracts of the cycle's actions, and contracts tied to no action."""
    result = []
    for c in contract_selectors.contracts(territory).select_related("action__cycle").order_by("created_at", "id"):
        if c.action_id is not None and not rules.in_scope(
                c.action.cycle.number if c.action.cycle_id else None, cycle_obj.number):
            continue
        o = contract_selectors.overview(c)
        result.append(ContractRow(
            contract=c, action=c.action.title if c.action_id else "",
            beneficiaries=len(o.beneficiaries), workshops=len(o.workshops), reviews=len(o.reviews),
            exits=sum(1 for p in o.beneficiaries if p.exit is not None),
            attendance=o.attendance, kept=o.kept))
    return result


def assemble(territory, cycle_obj: Cycle, *, charts: bool = True, now=None,
             snapshot: bool = False) -> CycleReview:
    """Everything the review of ``cycle_obj`` shows, on the page and in the PDF
    (``snapshot``: the figures are being frozen now, into a PDF)."""
    now = now or timezone.now()
    review = review_of(territory, cycle_obj)
    group_ids = list(Group.objects.of(territory).filter(_cycle_q(cycle_obj)).values_list("pk", flat=True))
    stats_section, coded = _stats(territory, group_ids, charts=charts)
    groups = _groups(territory, cycle_obj, coded)
    waves = _waves(territory, cycle_obj, charts=charts)
    result = CycleReview(
        territory=territory, cycle=cycle_obj, label=cycle_label(cycle_obj.number),
        phase=Phase.objects.of(territory).filter(cycle=cycle_obj, number=8).first(),
        review=review, groups=groups, stats=stats_section,
        syntheses=_syntheses(territory, groups), indicators=_indicators(territory),
        waves=waves, existing=_existing(territory, cycle_obj, charts=charts),
        actions=_actions(territory, cycle_obj), contracts=_contracts(territory, cycle_obj),
        votes=votes_section.assemble(territory, cycle_obj),
        methods=methods_of(territory, waves, now=now, snapshot=snapshot))
    result.elected = brief.elected_members(territory)
    result.money = brief.money(territory, result.actions, result.elected)
    result.timeline = brief.timeline(territory, result)
    result.plain = brief.plain(result)
    return result
