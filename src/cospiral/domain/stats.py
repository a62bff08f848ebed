"""Statistics of coded cards: counts, shares, comparisons and the sentences that sum
them up. Plain functions on plain data (no Django): the selectors read the exact counts
(``CodingCount``) and hand them here.

Sentences are built with a ``gettext`` function passed in by the caller, so this module
stays free of Django while every sentence is still translated (the message catalogue
extracts the ``_(...)`` calls below).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass


def _identity(message: str) -> str:
    return message


def total(counts: Mapping[Hashable, int]) -> int:
    return sum(counts.values())


def shares(counts: Mapping[Hashable, int]) -> dict[Hashable, float]:
    """Each key's share of the total (the shares sum to 1); empty when the total is 0."""
    whole = total(counts)
    if whole <= 0:
        return {}
    return {key: value / whole for key, value in counts.items()}


def add_up(rows: Iterable[tuple[Hashable, int]]) -> dict[Hashable, int]:
    """Sum ``(key, count)`` pairs by key, keeping the order keys first appear in."""
    result: dict[Hashable, int] = {}
    for key, count in rows:
        result[key] = result.get(key, 0) + count
    return result


def ranked(counts: Mapping[Hashable, int]) -> list[tuple[Hashable, int]]:
    """Keys by decreasing count; ties keep the order of ``counts`` (stable sort)."""
    return sorted(((k, v) for k, v in counts.items() if v > 0), key=lambda kv: -kv[1])


def percent(share: float, gettext: Callable[[str], str] | None = None) -> str:
    """A share as a whole percentage, e.g. 0.342 -> '34%' ('34 %' in French, through
    ``gettext``'s "%(value)s%%"). Shares above 0 that would round to 0 show as '<1%' so
    a rare idea is never shown as nothing."""
    _ = gettext or _identity
    if 0 < share < 0.005:
        return "<" + _("%(value)s%%") % {"value": 1}
    return _("%(value)s%%") % {"value": round(share * 100)}


def rounded_percents(counts: Sequence[int]) -> list[int]:
    """Whole percentages that sum exactly to 100 (largest remainder method), so a table
    of shares adds up on paper; all zeros when the total is 0."""
    whole = sum(counts)
    if whole <= 0:
        return [0 for _ in counts]
    raw = [c * 100 / whole for c in counts]
    floors = [int(r) for r in raw]
    missing = 100 - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def crosstab(rows: Iterable[tuple[Hashable, Hashable, int]]) -> dict[Hashable, dict[Hashable, int]]:
    """``(row_key, column_key, count)`` triples -> ``{row: {column: count}}``."""
    table: dict[Hashable, dict[Hashable, int]] = defaultdict(dict)
    for row, column, count in rows:
        table[row][column] = table[row].get(column, 0) + count
    return dict(table)


@dataclass(frozen=True)
class Overrepresented:
    """A component (or family) stressed by one group more than by the others."""

    key: Hashable
    count: int  # the group's cards on it
    share: float  # its share of the group's coded cards
    others_share: float  # its share of the other groups' coded cards together
    difference: float  # share - others_share (in shares, 0.12 = 12 points)


def overrepresented(
    by_group: Mapping[Hashable, Mapping[Hashable, int]], *, top: int = 3, min_count: int = 2,
) -> dict[Hashable, list[Overrepresented]]:
    """For each group, the keys whose share in that group most exceeds their share in all
    the other groups pooled, largest difference first. Keys with fewer than
    ``min_count`` cards in the group are left out (one card is not a tendency). A group
    compared with nobody (a single group) gets an empty list."""
    pooled: dict[Hashable, int] = defaultdict(int)
    for counts in by_group.values():
        for key, value in counts.items():
            pooled[key] += value
    pooled_total = sum(pooled.values())
    result: dict[Hashable, list[Overrepresented]] = {}
    for group, counts in by_group.items():
        own_total = sum(counts.values())
        others_total = pooled_total - own_total
        if own_total <= 0 or others_total <= 0:
            result[group] = []
            continue
        found = []
        for key, value in counts.items():
            if value < min_count:
                continue
            share = value / own_total
            others_share = (pooled[key] - value) / others_total
            difference = share - others_share
            if difference > 0:
                found.append(Overrepresented(key, value, share, others_share, difference))
        found.sort(key=lambda o: (-o.difference, -o.count, str(o.key)))
        result[group] = found[:top]
    return result


def _join(items: list[str], _: Callable[[str], str]) -> str:
    if len(items) == 1:
        return items[0]
    # Translators: joins the last two items of a list, e.g. "Housing (12%) and Food (8%)".
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def summary_sentence(
    counts: Mapping[Hashable, int], labels: Mapping[Hashable, str], subject: str, *,
    top: int = 3, gettext: Callable[[str], str] = _identity,
) -> str:
    """One sentence that says what the chart shows: the largest shares in order, e.g.
    "The coded cards of Alphaville are most often about Living environment (34%), then
    Health (20%) and Housing (12%)." ``counts`` is keyed like ``labels``; ``subject``
    names what is counted (a territory, a group, a question)."""
    _ = gettext
    whole = total(counts)
    if whole <= 0:
        return _("No coded card yet for %(subject)s.") % {"subject": subject}
    order = ranked(counts)
    first_key, first_count = order[0]
    first = f"{labels.get(first_key, first_key)} ({percent(first_count / whole, _)})"
    if len(order) == 1:
        return _("All the coded cards of %(subject)s are about %(first)s.") % {
            "subject": subject, "first": first}
    rest = [f"{labels.get(k, k)} ({percent(v / whole, _)})" for k, v in order[1:top]]
    return _("The coded cards of %(subject)s are most often about %(first)s, then %(rest)s.") % {
        "subject": subject, "first": first, "rest": _join(rest, _)}


def comparison_sentence(
    group_label: str, found: Sequence[Overrepresented], labels: Mapping[Hashable, str], *,
    gettext: Callable[[str], str] = _identity,
) -> str:
    """What one group stresses compared with the others, from ``overrepresented``."""
    _ = gettext
    if not found:
        return _("%(group)s stresses no component more than the other groups do.") % {
            "group": group_label}
    parts = [
        _("%(label)s (%(share)s against %(others)s)") % {
            "label": labels.get(o.key, o.key), "share": percent(o.share, _),
            "others": percent(o.others_share, _)}
        for o in found
    ]
    return _("Compared with the other groups, %(group)s stresses %(items)s.") % {
        "group": group_label, "items": _join(parts, _)}
