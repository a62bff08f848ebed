"""Reads for coding pages. Every function takes the territory it reads from."""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q

from cospiral.cards.models import Card
from cospiral.coding.models import CodingValidation, IndependentCoding
from cospiral.core.models import AuditEntry
from cospiral.domain import agreement, similarity
from cospiral.domain.similarity import normalise, same_idea_groups
from cospiral.grid import selectors as grid_selectors
from cospiral.grid.models import GridEntry

log = logging.getLogger(__name__)

SEARCH_LIMIT = 12
# Uncoded cards of a board that get suggestions when it opens; each next card gets fresh
# ones when the card before it is saved.
BOARD_SUGGESTED = 40
NOT_CODABLE = "∅"


def board_cards(territory, group) -> list[Card]:
    """The group's counted cards in question order, then in the order they were written,
    with their question, component and coder."""
    return _with_related(territory, list(Card.objects.of(territory).counted().filter(group=group)
                                         .order_by(*BOARD_ORDER)))


def _with_related(territory, cards: list[Card]) -> list[Card]:
    """Give each card its question, component and coder from one small query each: a
    board has a handful of questions, components and coders for hundreds of cards, and
    a join would build (and decode the labels of) one copy of each per card."""
    from django.contrib.auth import get_user_model

    from cospiral.cards.models import Question

    # Grid entries belong to the grid version (or are the territory's own): the ids come
    # from the territory's cards.
    related = (("question", Question.objects.of(territory)), ("component", GridEntry.objects),
               ("coded_by", get_user_model().objects))
    for name, rows in related:
        fk = Card._meta.get_field(name)
        ids = {getattr(card, fk.attname) for card in cards} - {None}
        found = rows.in_bulk(ids) if ids else {}
        for card in cards:
            fk.set_cached_value(card, found.get(getattr(card, fk.attname)))
    return cards


BOARD_ORDER = ("question__position", "question__code", "created_at", "id")


def board_order(territory, group) -> list[tuple[int, int | None, str]]:
    """(id, component id, not-codable reason) of the group's counted cards in board order,
    without loading the cards: what moving to the next card needs after a save."""
    return list(Card.objects.of(territory).counted().filter(group=group).order_by(*BOARD_ORDER)
                .values_list("id", "component_id", "not_codable_reason"))


def board_cards_by_id(territory, group, ids) -> dict[int, Card]:
    """Some counted cards of the group, loaded as the board shows them."""
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {c.pk: c for c in _with_related(territory, list(
        Card.objects.of(territory).counted().filter(group=group, pk__in=ids)))}


def progress_of(rows: list[tuple[int, int | None, str]]) -> Progress:
    return Progress(total=len(rows), coded=sum(1 for _, component, _ in rows if component),
                    not_codable=sum(1 for _, component, reason in rows if not component and reason))


@dataclass
class Progress:
    total: int
    coded: int
    not_codable: int

    @property
    def done(self) -> int:
        return self.coded + self.not_codable

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress(cards: list[Card]) -> Progress:
    return Progress(total=len(cards),
                    coded=sum(1 for c in cards if c.component_id),
                    not_codable=sum(1 for c in cards if not c.component_id and c.not_codable_reason))


def merged_cards(territory, group):
    return (Card.objects.of(territory).alive().filter(group=group, merged_into__isnull=False)
            .select_related("merged_into").order_by("merged_into_id", "id"))


@dataclass
class DuplicateProposal:
    keep: Card
    duplicates: list[Card]
    exact: bool
    # Why they were proposed: matching words ("stress ~ angoisse"), empty for wording
    # that is nearly the same.
    words: str = ""


DUPLICATES_CACHE_SECONDS = 24 * 3600


def duplicate_proposals(cards: list[Card]) -> list[DuplicateProposal]:
    """Exact duplicates, near duplicates and paraphrases among the group's counted
    cards, per question (``cospiral.domain.similarity.same_idea_groups``: cards coded on
    unrelated families are kept apart). The card to keep is the first coded one (else
    the first written). A person decides whether to merge.

    Computed once per state of the board: the groups are kept in the shared cache under
    a hash of every card's id, question, text and component (and the similarity's
    version), so opening the board again costs a cache read."""
    by_question: dict[int, list[Card]] = {}
    for card in cards:
        by_question.setdefault(card.question_id, []).append(card)
    state = hashlib.sha256(repr((similarity.fingerprint(), [
        (c.pk, c.question_id, c.text, c.component.code if c.component_id else None) for c in cards
    ])).encode()).hexdigest()
    key = f"coding:duplicates:2:{state}"  # 2: each group says whether its texts are the same
    found = cache.get(key)
    if found is None:
        found = []
        for same_question in by_question.values():
            items = [(c.pk, c.text, c.component.code if c.component_id else None) for c in same_question]
            texts: dict[Hashable, str] = {c.pk: c.text for c in same_question}
            for group in same_idea_groups(items):
                words = ", ".join(a if a == b else f"{a} ~ {b}" for a, b in group.words())
                exact = len({normalise(texts[k]) for k in group.keys}) == 1
                found.append((group.keys, words, exact))
        cache.set(key, found, DUPLICATES_CACHE_SECONDS)
    index = {c.pk: c for c in cards}
    result = []
    for keys, words, exact in found:
        members = [index[k] for k in keys]
        keep = next((c for c in members if c.component_id), members[0])
        result.append(DuplicateProposal(keep=keep, duplicates=[c for c in members if c is not keep],
                                        exact=exact, words=words))
    return result


def latest_validation(territory, group) -> CodingValidation | None:
    return CodingValidation.objects.of(territory).filter(group=group).select_related("recorded_by").first()


def changes_since(territory, group, validation: CodingValidation | None):
    """Audit entries of the group's cards written after the validation was recorded
    (without their before/after ``changes``: the board lists when, who and what, and
    decoding the JSON of up to 200 entries cost a busy board more than the rest of its
    query)."""
    if validation is None:
        return AuditEntry.objects.none()
    ids = [str(pk) for pk in Card.objects.of(territory).filter(group=group).values_list("pk", flat=True)]
    return (AuditEntry.objects.of(territory)
            .filter(model="card", object_id__in=ids, at__gt=validation.recorded_at)
            .defer("changes").order_by("-at", "-id"))


def help_families(territory) -> list[tuple[GridEntry, GridEntry | None]]:
    """Each family of the grid with its ``00`` component (the one to use when in doubt)."""
    entries = list(grid_selectors.entries_for(territory).filter(
        Q(kind=GridEntry.Kind.FAMILY) | Q(kind=GridEntry.Kind.COMPONENT, code__endswith="00")))
    generals = {e.code[0]: e for e in entries if e.kind == GridEntry.Kind.COMPONENT}
    return [(e, generals.get(e.code)) for e in entries if e.kind == GridEntry.Kind.FAMILY]


def search(territory, query: str, language: str | None = None) -> list[dict]:
    """Components (and sub-objects) matching a typed code or a few letters of a French or
    English label. A single family letter lists the family's ``00`` component first,
    marked as the one to use when in doubt."""
    query = (query or "").strip()
    if not query:
        return []
    head = query.split("/", 1)[0]
    results: list[GridEntry] = []
    if len(head) == 1 and head.isalpha():
        family = head.upper()
        results = list(grid_selectors.components_for(territory, include_sub_objects=True)
                       .filter(code__startswith=family))
        results.sort(key=lambda e: (e.code != f"{family}00", e.territory_id is not None, e.code))
    else:
        found = list(grid_selectors.search_components(territory, head)[:200])
        upper = head.upper()
        found.sort(key=lambda e: (not e.code.startswith(upper), e.code))
        results = found
    return [
        {"code": e.code, "label": e.label(language),
         "doubt": e.code.endswith("00") and len(e.code) == 3,
         "local": e.territory_id is not None}
        for e in results[:SEARCH_LIMIT]
    ]


def grid_panel(territory):
    return grid_selectors.families_table(territory.grid_version, territory=territory)


def attach_suggestions(territory, cards: list[Card], language: str | None = None) -> None:
    """Set ``card.suggested`` (a list of ``{code, label, percent}``, best first) on every
    card: the top three suggestions for uncoded cards, nothing for the others."""
    found = suggestions_for(territory, cards, language)
    for card in cards:
        card.suggested = [
            {"code": s.code, "label": s.label, "percent": round(100 * s.confidence)}
            for s in found.get(card.pk, [])
        ]


def suggestions_for(territory, cards: list[Card], language: str | None = None) -> dict[int, list]:
    """Top three suggestions per uncoded card (the first ``BOARD_SUGGESTED``), from ``cospiral.coding.suggestions`` when
    that module is installed; an empty dict otherwise or if the model cannot run."""
    uncoded = [c for c in cards if not c.component_id and not c.not_codable_reason][:BOARD_SUGGESTED]
    if not uncoded:
        return {}
    try:
        module = importlib.import_module("cospiral.coding.suggestions")
    except ImportError:
        return {}
    try:
        return module.suggest(territory, uncoded, k=3, language=language)
    except Exception:  # noqa: BLE001 - suggestions are a help; the board works without them
        log.exception("Coding suggestions failed for territory %s", territory.pk)
        return {}


# --- double coding -------------------------------------------------------------------

def blind_codings(territory, group, coder) -> dict[int, IndependentCoding]:
    """The coder's own blind codings for the group's cards (never anyone else's)."""
    return {
        b.card_id: b
        for b in IndependentCoding.objects.of(territory)
        .filter(card__group=group, coder=coder).select_related("component")
    }


def _value(component_code: str | None, not_codable: bool, level: str) -> str | None:
    if not_codable:
        return NOT_CODABLE
    if not component_code:
        return None
    return component_code[0] if level == "family" else component_code


@dataclass
class CoderComparison:
    coder: str
    both: int
    observed: float | None
    kappa_family: float | None
    kappa_component: float | None


@dataclass
class Disagreement:
    card: Card
    agreed: str
    codes: dict[str, str]  # coder -> code


@dataclass
class AgreementReport:
    cards: int
    coders: list[str]
    comparisons: list[CoderComparison] = field(default_factory=list)
    alpha_family: float | None = None
    alpha_component: float | None = None
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def many_coders(self) -> bool:
        return len(self.coders) > 2


def agreement_report(territory, group, agreed_label: str) -> AgreementReport:
    """The agreed coding (on the card) against each blind coder, at family and component
    level; Krippendorff's alpha over every coder when there are more than two."""
    cards = board_cards(territory, group)
    blind: dict[int, dict[str, IndependentCoding]] = {}
    coders: list[str] = []
    for b in (IndependentCoding.objects.of(territory).filter(card__group=group)
              .select_related("component", "coder").order_by("coder__username")):
        name = b.coder.get_username()
        if name not in coders:
            coders.append(name)
        blind.setdefault(b.card_id, {})[name] = b
    report = AgreementReport(cards=len(cards), coders=[agreed_label, *coders])

    def agreed(card, level):
        code = card.component.code if card.component_id else None
        return _value(code, bool(card.not_codable_reason) and not code, level)

    def theirs(card, coder, level):
        b = blind.get(card.pk, {}).get(coder)
        if b is None:
            return None
        return _value(b.component.code if b.component_id else None, b.not_codable, level)

    for coder in coders:
        fam_a = [agreed(c, "family") for c in cards]
        fam_b = [theirs(c, coder, "family") for c in cards]
        com_a = [agreed(c, "component") for c in cards]
        com_b = [theirs(c, coder, "component") for c in cards]
        report.comparisons.append(CoderComparison(
            coder=coder, both=agreement.coded_by_both(com_a, com_b),
            observed=agreement.observed_agreement(com_a, com_b),
            kappa_family=agreement.cohen_kappa(fam_a, fam_b),
            kappa_component=agreement.cohen_kappa(com_a, com_b),
        ))
    if len(coders) >= 2:
        for level in ("family", "component"):
            rows = [[agreed(c, level) for c in cards]] + [[theirs(c, k, level) for c in cards] for k in coders]
            setattr(report, f"alpha_{level}", agreement.krippendorff_alpha(rows))
    for card in cards:
        mine = agreed(card, "component")
        others = {k: theirs(card, k, "component") for k in coders}
        others = {k: v for k, v in others.items() if v is not None}
        if others and any(v != mine for v in others.values()):
            codes = {k: (blind[card.pk][k].full_code or v) for k, v in others.items()}
            report.disagreements.append(Disagreement(card=card, agreed=card.full_code or (mine or ""),
                                                     codes=codes))
    return report
