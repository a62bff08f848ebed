"""Reads for syntheses, the rainbow crossing, the shared definition of well-being and the
public "what became of my words" page. Every function takes the territory it reads
from (the public page: the group found by its token, whose territory it uses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from cospiral.cards.models import Card, Question
from cospiral.core.models import AuditEntry
from cospiral.core.rules import VALIDATE_SYNTHESIS, WRITE_GROUP_SYNTHESIS, WRITE_TERRITORY_SYNTHESIS
from cospiral.domain import synthesis as rules
from cospiral.domain.similarity import same_idea_groups
from cospiral.grid.models import GridEntry
from cospiral.groups.models import Group
from cospiral.syntheses.models import (
    SharedCriterion,
    SharedDefinition,
    Synthesis,
    SynthesisSentence,
)

MINORITY_PERCENT = rules.MINORITY_SHARE_PERCENT


# --- permissions --------------------------------------------------------------------------

def can_write_synthesis(territory, user, group=None) -> bool:
    """A group's synthesis: coordinators and the group's facilitators. The territory's
    synthesis: coordinators."""
    if group is not None:
        return WRITE_GROUP_SYNTHESIS.test(user, group, territory)
    return WRITE_TERRITORY_SYNTHESIS.test(user, territory)


def can_validate(territory, user) -> bool:
    """Coordinators record that a group (or the coordination) validated a synthesis."""
    return VALIDATE_SYNTHESIS.test(user, territory)


# --- scope ----------------------------------------------------------------------------------

def scope_cards(territory, group=None):
    """Counted, coded cards of a synthesis' scope: the group's, or the whole territory's."""
    cards = Card.objects.of(territory).counted().filter(component__isnull=False)
    if group is not None:
        cards = cards.filter(group=group)
    return cards


def synthesis_of(territory, group=None) -> Synthesis | None:
    qs = Synthesis.objects.of(territory).select_related("validated_by")
    return qs.filter(group=group).first() if group is not None else qs.filter(group__isnull=True).first()


def component_order(entry: GridEntry) -> tuple:
    """Grid order: family, shared components by position, then local ones by code."""
    family = entry.parent if entry.kind == GridEntry.Kind.COMPONENT else getattr(entry.parent, "parent", None)
    return (family.position if family else entry.position, entry.territory_id is not None,
            entry.position, entry.code)


def component_in_territory(territory, component_id) -> GridEntry:
    """A component (or sub-object) the territory codes with, else ValidationError."""
    entry = (GridEntry.objects.of(territory)
             .filter(kind__in=[GridEntry.Kind.COMPONENT, GridEntry.Kind.SUB_OBJECT])
             .select_related("parent").filter(pk=component_id).first())
    if entry is None:
        raise ValidationError({"component": _("Choose a component of this territory's grid.")})
    return entry


# --- synthesis board -------------------------------------------------------------------------

@dataclass
class ComponentBlock:
    component: GridEntry
    cards: list = field(default_factory=list)          # in scope, each with .citing and .minority
    sentences: list = field(default_factory=list)      # each with .scope_cards, .stale, .count
    uncited: list = field(default_factory=list)
    count: int = 0
    share: float = 0.0
    minority: bool = False

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)

    @property
    def minority_cards(self) -> list:
        return [c for c in self.cards if c.minority]


@dataclass
class Board:
    territory: object
    group: Group | None
    synthesis: Synthesis | None
    total: int
    blocks: list[ComponentBlock]
    trace: rules.Traceability
    changes: list  # audit entries after the validation was recorded

    @property
    def sentences(self) -> list:
        return [s for block in self.blocks for s in block.sentences]

    @property
    def uncited_count(self) -> int:
        return len(self.trace.uncited)

    @property
    def minority_count(self) -> int:
        return sum(1 for b in self.blocks if b.minority)

    @property
    def minority_max(self) -> int:
        """The most cards a minority component has in this scope (the rule on the page)."""
        return rules.minority_threshold(self.total)


def _sentences(territory, synthesis) -> list[SynthesisSentence]:
    if synthesis is None:
        return []
    sentences = list(
        SynthesisSentence.objects.of(territory).filter(synthesis=synthesis)
        .select_related("component__parent__parent")
        .order_by("position", "id")
    )
    links = SynthesisSentence.cards.through.objects.filter(
        synthesissentence__synthesis=synthesis).order_by("card_id")
    by_sentence: dict[int, list[int]] = {}
    for sentence_id, card_id in links.values_list("synthesissentence_id", "card_id"):
        by_sentence.setdefault(sentence_id, []).append(card_id)
    for s in sentences:
        s.card_ids = by_sentence.get(s.pk, [])
    return sentences


def changes_since_validation(territory, synthesis) -> list:
    if synthesis is None or synthesis.validated_at is None:
        return []
    return list(
        AuditEntry.objects.of(territory)
        .filter(model=Synthesis._meta.model_name, object_id=str(synthesis.pk),
                at__gt=synthesis.validated_at)
        .order_by("at", "id")
    )


def board(territory, group=None, *, minority_only: bool = False) -> Board:
    """Everything the synthesis page, its PDF and its CSV show: per component (grid
    order) its counted coded cards, its sentences with the cards they sum up, the cards
    no sentence cites, and the minority flags of ``cospiral.domain.synthesis``."""
    synthesis = synthesis_of(territory, group)
    cards = list(
        scope_cards(territory, group)
        .select_related("component__parent__parent", "question", "group")
        .order_by("question__position", "question__code", "created_at", "id")
    )
    sentences = _sentences(territory, synthesis)
    trace = rules.traceability({s.pk: s.card_ids for s in sentences}, [c.pk for c in cards])
    stale_ids = {cid for ids in trace.stale_cards.values() for cid in ids}
    stale = {c.pk: c for c in Card.objects.of(territory).filter(pk__in=stale_ids)
             .select_related("component", "question", "group")}
    by_id = {c.pk: c for c in cards}
    sentence_by_id = {s.pk: s for s in sentences}

    blocks: dict[int, ComponentBlock] = {}
    for card in cards:
        blocks.setdefault(card.component_id, ComponentBlock(component=card.component)).cards.append(card)
    for s in sentences:
        block = blocks.setdefault(s.component_id, ComponentBlock(component=s.component))
        s.scope_cards = [by_id[cid] for cid in trace.sentence_cards[s.pk]]
        s.stale = [stale[cid] for cid in trace.stale_cards[s.pk] if cid in stale]
        s.count = trace.count(s.pk)
        block.sentences.append(s)
    total = len(cards)
    uncited = set(trace.uncited)
    for block in blocks.values():
        block.count = len(block.cards)
        block.share = block.count / total if total else 0.0
        block.minority = rules.is_minority_component(block.count, total)
        for card in block.cards:
            card.citing = [sentence_by_id[sid] for sid in trace.card_sentences[card.pk]]
            card.minority = rules.is_minority_card(component_is_minority=block.minority,
                                                   cited=card.pk not in uncited)
        block.uncited = [c for c in block.cards if c.pk in uncited]
    ordered = sorted(blocks.values(), key=lambda b: component_order(b.component))
    if minority_only:
        ordered = [b for b in ordered if b.minority or b.uncited]
    return Board(territory=territory, group=group, synthesis=synthesis, total=total,
                 blocks=ordered, trace=trace, changes=changes_since_validation(territory, synthesis))


def component_cards(territory, group, component) -> list[Card]:
    """The counted cards of a scope coded with ``component``: the choices of a sentence."""
    return list(
        scope_cards(territory, group).filter(component=component)
        .select_related("question", "group").order_by("question__position", "created_at", "id")
    )


def sentence(territory, pk) -> SynthesisSentence | None:
    return (SynthesisSentence.objects.of(territory)
            .select_related("synthesis__group", "component__parent").filter(pk=pk).first())


def csv_rows(b: Board) -> list[list]:
    """One row per sentence × card it sums up (a sentence without cards in scope: one row
    with empty card columns), in page order."""
    rows = [["component", "component_label", "component_cards", "minority_component",
             "sentence_id", "sentence", "sentence_language", "sentence_cards",
             "card_id", "card_ref", "question", "card_group", "card_text"]]
    for block in b.blocks:
        head = [block.component.code, block.component.label(), block.count,
                "yes" if block.minority else "no"]
        for s in block.sentences:
            first = [*head, s.pk, s.text, s.language, s.count]
            if not s.scope_cards:
                rows.append([*first, "", "", "", "", ""])
            for card in s.scope_cards:
                rows.append([*first, card.pk, card.ref, card.question.code, card.group.name, card.text])
    return rows


# --- rainbow crossing -------------------------------------------------------------------------

@dataclass
class SameIdea:
    cards: list
    groups: list
    # Why the cards were put together: the matching words ("solitude ~ isolement"), or
    # empty when they are worded nearly the same.
    words: str = ""

    @property
    def n_groups(self) -> int:
        return len(self.groups)


@dataclass
class CrossingBlock:
    component: GridEntry
    columns: list = field(default_factory=list)  # one list of cards per source group
    same_ideas: list = field(default_factory=list)
    criteria: list = field(default_factory=list)
    count: int = 0


@dataclass
class Crossing:
    mixed_group: Group
    source_groups: list
    blocks: list
    total: int

    @property
    def same_idea_count(self) -> int:
        return sum(len(b.same_ideas) for b in self.blocks)


def mixed_group(territory, pk) -> Group | None:
    return Group.objects.of(territory).filter(pk=pk, kind=Group.Kind.MIXED).first()


def crossing_cards(territory, group: Group):
    """The cards a mixed group crosses: counted, coded cards of its source groups."""
    return scope_cards(territory).filter(group__in=group.source_groups.all())


def _criteria(territory, **filters) -> list[SharedCriterion]:
    criteria = list(
        SharedCriterion.objects.of(territory).filter(**filters)
        .select_related("component__parent__parent", "mixed_group")
        .prefetch_related("cards__group")
    )
    for criterion in criteria:
        cards = sorted(criterion.cards.all(), key=lambda c: c.pk)
        criterion.source_cards = cards
        criterion.source_groups = sorted({c.group for c in cards}, key=lambda g: g.name)
    criteria.sort(key=lambda c: (component_order(c.component), c.position, c.pk))
    return criteria


def crossing(territory, group: Group) -> Crossing:
    """Per component (grid order), the source groups' cards side by side and the ideas
    said by two or more groups: paraphrases as well as near-identical wording (same
    component, words or concepts in common, French and English; see
    ``cospiral.domain.similarity``). A person decides what becomes a shared criterion."""
    sources = list(group.source_groups.order_by("name"))
    column = {g.pk: i for i, g in enumerate(sources)}
    cards = list(
        crossing_cards(territory, group)
        .select_related("component__parent__parent", "question", "group")
        .order_by("question__position", "created_at", "id")
    )
    blocks: dict[int, CrossingBlock] = {}
    for card in cards:
        block = blocks.get(card.component_id)
        if block is None:
            block = blocks[card.component_id] = CrossingBlock(
                component=card.component, columns=[[] for _ in sources])
        block.columns[column[card.group_id]].append(card)
        block.count += 1
        card.same_idea = None
    for criterion in _criteria(territory, mixed_group=group):
        block = blocks.get(criterion.component_id)
        if block is None:
            block = blocks[criterion.component_id] = CrossingBlock(
                component=criterion.component, columns=[[] for _ in sources])
        block.criteria.append(criterion)
    for block in blocks.values():
        flat = [c for col in block.columns for c in col]
        by_id = {c.pk: c for c in flat}
        code = block.component.code
        for found in same_idea_groups([(c.pk, c.text, code) for c in flat]):
            members = [by_id[k] for k in found.keys]
            groups = rules.groups_spanned([c.pk for c in members], {c.pk: c.group for c in members})
            if len(groups) < 2:
                continue  # the same idea within one group is a matter for coding (merge)
            words = ", ".join(a if a == b else f"{a} ~ {b}" for a, b in found.words())
            idea = SameIdea(cards=members, groups=groups, words=words)
            block.same_ideas.append(idea)
            for c in members:
                c.same_idea = len(block.same_ideas)
    ordered = sorted(blocks.values(), key=lambda b: component_order(b.component))
    return Crossing(mixed_group=group, source_groups=sources, blocks=ordered, total=len(cards))


def criterion(territory, pk) -> SharedCriterion | None:
    return (SharedCriterion.objects.of(territory)
            .select_related("mixed_group", "component__parent").filter(pk=pk).first())


def criterion_choices(territory, group: Group, component, *, keep=()) -> list[Card]:
    """Cards offered as sources of a shared criterion on ``component``: the source
    groups' counted cards of that component, plus the cards it already cites."""
    cards = crossing_cards(territory, group).filter(component=component)
    keep_ids = [c.pk for c in keep]
    extra = Card.objects.of(territory).filter(pk__in=keep_ids).exclude(pk__in=cards.values("pk"))
    return list(cards.select_related("group", "question").order_by("group__name", "question__position", "id")) + \
        list(extra.select_related("group", "question").order_by("id"))


def definition(territory) -> list[SharedCriterion]:
    """The territory's shared definition of well-being: every shared criterion, in grid
    order, with ``source_groups`` and ``source_cards`` derived from its cards."""
    return _criteria(territory)


@dataclass
class Contributor:
    group: Group
    criteria: int = 0  # shared criteria it wrote (a mixed group) or that cite its cards
    card_ids: set = field(default_factory=set)  # its cards the shared criteria cite

    @property
    def cards(self) -> int:
        return len(self.card_ids)


@dataclass
class Definition:
    """The shared-definition page and its PDF: the introduction, the criteria, how many
    are material and immaterial, and the groups that contributed."""

    introduction: SharedDefinition | None
    criteria: list
    mixed_groups: list[Contributor]
    source_groups: list[Contributor]

    def _count(self, nature: str) -> int:
        return sum(1 for c in self.criteria if c.nature == nature)

    @property
    def material(self) -> int:
        return self._count(SharedCriterion.Nature.MATERIAL)

    @property
    def immaterial(self) -> int:
        return self._count(SharedCriterion.Nature.IMMATERIAL)

    @property
    def unsaid(self) -> int:
        return self._count("")


def definition_page(territory) -> Definition:
    criteria = _criteria(territory)
    mixed: dict[int, Contributor] = {}
    sources: dict[int, Contributor] = {}
    for criterion in criteria:
        mixed.setdefault(criterion.mixed_group_id, Contributor(criterion.mixed_group)).criteria += 1
        for g in criterion.source_groups:
            sources.setdefault(g.pk, Contributor(g)).criteria += 1
        for card in criterion.source_cards:
            sources.setdefault(card.group_id, Contributor(card.group)).card_ids.add(card.pk)
    by_name = lambda c: (c.group.name.casefold(), c.group.pk)  # noqa: E731
    return Definition(introduction=SharedDefinition.objects.of(territory).first(),
                      criteria=criteria, mixed_groups=sorted(mixed.values(), key=by_name),
                      source_groups=sorted(sources.values(), key=by_name))


def overview(territory) -> dict:
    """The syntheses index: each group with its synthesis status and sentence count."""
    syntheses = {s.group_id: s for s in Synthesis.objects.of(territory)}
    counts: dict = {}
    for synthesis_id in SynthesisSentence.objects.of(territory).values_list("synthesis_id", flat=True):
        counts[synthesis_id] = counts.get(synthesis_id, 0) + 1
    groups = list(Group.objects.of(territory).order_by("kind", "name"))
    for g in groups:
        g.synthesis = syntheses.get(g.pk)
        g.n_sentences = counts.get(g.synthesis.pk, 0) if g.synthesis else 0
    own = syntheses.get(None)
    return {"groups": groups, "territory_synthesis": own,
            "territory_sentences": counts.get(own.pk, 0) if own else 0,
            "n_criteria": SharedCriterion.objects.of(territory).count()}


# --- what became of my words (public) -----------------------------------------------------------

def group_by_token(token: str) -> Group | None:
    if not token:
        return None
    return Group.objects.filter(entry_token=token).select_related("territory").first()


def words(group: Group) -> dict:
    """What a group sees of its own words: its counted cards by question with their
    component, its synthesis sentences with the cards they sum up, and the shared
    criteria citing its cards (with only its own cards listed). Never other groups'
    cards, never author tags or names."""
    territory = group.territory
    cards = list(
        Card.objects.of(territory).counted().filter(group=group)
        .select_related("component", "question")
        .order_by("question__position", "question__code", "created_at", "id")
        .only("id", "text", "language", "question", "component", "ref")
    )
    by_id = {c.pk: c for c in cards}
    questions = []
    for q in Question.objects.of(territory).order_by("position", "code"):
        q_cards = [c for c in cards if c.question_id == q.pk]
        if q_cards:
            questions.append({"question": q, "cards": q_cards})
    synthesis = synthesis_of(territory, group)
    sentences = []
    for s in _sentences(territory, synthesis):
        s.own_cards = [by_id[cid] for cid in s.card_ids if cid in by_id]
        sentences.append(s)
    sentences.sort(key=lambda s: (component_order(s.component), s.position, s.pk))
    criteria = []
    links = SharedCriterion.cards.through.objects.filter(card_id__in=list(by_id))
    cited: dict[int, list[int]] = {}
    for criterion_id, card_id in links.values_list("sharedcriterion_id", "card_id"):
        cited.setdefault(criterion_id, []).append(card_id)
    if cited:
        for c in (SharedCriterion.objects.of(territory).filter(pk__in=list(cited))
                  .select_related("component__parent__parent")):
            c.own_cards = [by_id[cid] for cid in sorted(cited[c.pk])]
            criteria.append(c)
        criteria.sort(key=lambda c: (component_order(c.component), c.position, c.pk))
    return {"group": group, "questions": questions, "n_cards": len(cards),
            "n_coded": sum(1 for c in cards if c.component_id), "synthesis": synthesis,
            "sentences": sentences, "criteria": criteria}


# --- the API's lists (``cospiral.api``: ninja filters and pages them) ------------------


def synthesis_list(territory):
    """The territory's syntheses with their sentences (in order, with their cards)."""
    sentences = (SynthesisSentence.objects.of(territory).select_related("component")
                 .prefetch_related("cards").order_by("position", "id"))
    return (Synthesis.objects.of(territory)
            .prefetch_related(Prefetch("sentences", queryset=sentences))
            .order_by("group__name", "id"))


def shared_criterion_list(territory):
    """The territory's shared criteria with their component and cards."""
    return (SharedCriterion.objects.of(territory).select_related("component")
            .prefetch_related("cards").order_by("mixed_group_id", "position", "id"))
