"""Rules of syntheses (METHOD.md §6): minority ideas stay visible, and every sentence is
traced back to the cards it sums up, both ways, so that no card is dropped silently.

Plain data in, plain data out: ids of sentences and cards, counts. No Django import.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A component is a minority idea of a synthesis when its cards are at most this share of
# all the coded cards of the scope (rounded down), and in any case when a single card
# cites it: the threshold grows with the size of the group (or of the territory).
MINORITY_SHARE_PERCENT = 5
MINORITY_MIN_CARDS = 1


def minority_threshold(total: int) -> int:
    """The most cards a component may have and still be a minority idea in a scope of
    ``total`` coded cards: 5 % of ``total`` rounded down, at least 1. At 9 or 30 cards:
    1 (an idea one person wrote); at 60: 3; at 150: 7; at 1,000: 50."""
    if total < 0:
        raise ValueError("counts cannot be negative")
    return max(MINORITY_MIN_CARDS, total * MINORITY_SHARE_PERCENT // 100)


def is_minority_component(count: int, total: int) -> bool:
    """A component cited by few cards of the synthesis' scope (a group, or the territory):
    ``count <= minority_threshold(total)``. Diversity, not majority, is the rule: such
    components must stay visible."""
    if count < 0 or total < 0:
        raise ValueError("counts cannot be negative")
    return count <= minority_threshold(total)


def is_minority_card(*, component_is_minority: bool, cited: bool) -> bool:
    """A card is flagged as a minority idea when its component is a minority one, or
    when no sentence of the synthesis covers it yet."""
    return component_is_minority or not cited


@dataclass
class Traceability:
    """Sentences to cards and cards to sentences, for the cards of one scope."""

    # sentence -> its cards that are in scope (still counted, coded, in the scope), in order
    sentence_cards: dict[Hashable, list[Hashable]] = field(default_factory=dict)
    # sentence -> cards it cites that left the scope since (deleted, recoded, merged...)
    stale_cards: dict[Hashable, list[Hashable]] = field(default_factory=dict)
    # card (in scope) -> the sentences citing it, in sentence order
    card_sentences: dict[Hashable, list[Hashable]] = field(default_factory=dict)
    # cards in scope cited by no sentence, in scope order
    uncited: list[Hashable] = field(default_factory=list)

    def count(self, sentence: Hashable) -> int:
        """How many cards in scope a sentence sums up."""
        return len(self.sentence_cards.get(sentence, ()))

    @property
    def cited_count(self) -> int:
        return sum(1 for sentences in self.card_sentences.values() if sentences)

    @property
    def coverage(self) -> float:
        """Share of the scope's cards cited by at least one sentence (1.0 when empty)."""
        total = len(self.card_sentences)
        return self.cited_count / total if total else 1.0


def traceability(
    sentences: Mapping[Hashable, Iterable[Hashable]], scope_cards: Iterable[Hashable]
) -> Traceability:
    """Both directions of the traceability table. ``sentences`` maps each sentence (in
    display order) to the cards it cites; ``scope_cards`` are the cards that count in the
    scope now. A card may support several sentences; a sentence citing a card twice
    counts it once."""
    scope = list(dict.fromkeys(scope_cards))
    in_scope = set(scope)
    result = Traceability(card_sentences={card: [] for card in scope})
    for sentence, cards in sentences.items():
        kept: list[Hashable] = []
        stale: list[Hashable] = []
        for card in dict.fromkeys(cards):
            (kept if card in in_scope else stale).append(card)
        result.sentence_cards[sentence] = kept
        result.stale_cards[sentence] = stale
        for card in kept:
            result.card_sentences[card].append(sentence)
    result.uncited = [card for card in scope if not result.card_sentences[card]]
    return result


def groups_spanned(members: Iterable[Hashable], group_of: Mapping[Hashable, Hashable]) -> list[Any]:
    """The distinct groups (in first-seen order) of a set of cards, e.g. to say "the same
    idea in N groups" or to derive a shared criterion's source groups from its cards."""
    return list(dict.fromkeys(group_of[m] for m in members if m in group_of))
