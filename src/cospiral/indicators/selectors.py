"""Reads of indicators of progress, always scoped by territory."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.cards.models import Card
from cospiral.domain import indicators as rules
from cospiral.grid.models import GridEntry
from cospiral.indicators.models import Indicator, IndicatorCriterion
from cospiral.syntheses.models import SharedCriterion


def indicator(territory, pk) -> Indicator | None:
    return (Indicator.objects.of(territory).select_related("component", "previous", "created_by")
            .filter(pk=pk).first())


def _categories(indicator) -> list[str]:
    return list(IndicatorCriterion.objects.of(indicator.territory)
                .filter(indicator=indicator).values_list("category", flat=True))


def problems(indicator) -> list[tuple[str, str]]:
    """What the indicator still lacks before a survey may use it, as ``(field, message
    key)`` pairs (``cospiral.domain.indicators.problems``)."""
    return rules.problems(indicator.titles, indicator.levels, _categories(indicator),
                          languages=indicator.territory.languages)


def ready(indicator) -> bool:
    """Complete: a title and five level descriptors in each of the territory's languages,
    at least one criterion and every criterion sorted. Surveys only accept ready
    indicators."""
    return not problems(indicator)


def level_name(number: int) -> str:
    return {1: _("very unsatisfactory"), 2: _("unsatisfactory"), 3: _("average"), 4: _("good"),
            5: _("ideal")}[number]


def problem_message(field: str, key: str) -> str:
    """A translated sentence for one ``(field, key)`` of ``problems``."""
    parts = field.split(".")
    if key == rules.TITLE_MISSING:
        return _("Write the title in French.") if parts[1] == "fr" else _("Write the title in English.")
    if key == rules.LEVEL_MISSING:
        values = {"n": parts[1], "name": level_name(int(parts[1]))}
        if parts[2] == "fr":
            return _("Describe level %(n)s — %(name)s — in French.") % values
        return _("Describe level %(n)s — %(name)s — in English.") % values
    message = _PROBLEMS.get(key)
    return key if message is None else str(message)


#: The problems said in one sentence whatever their field (``problem_message``).
_PROBLEMS = {
    rules.LEVELS_COUNT: gettext_lazy("An indicator has exactly five level descriptors."),
    rules.NO_CRITERIA: gettext_lazy("Add at least one criterion (step one)."),
    rules.CRITERIA_UNSORTED: gettext_lazy("Sort every criterion into one of the four categories "
                                          "(step one)."),
    rules.CATEGORY_UNKNOWN: gettext_lazy("A criterion has an unknown category: sort it again."),
}


@dataclass
class Check:
    label: str
    done: bool


def checklist(indicator, found: list[tuple[str, str]] | None = None) -> list[Check]:
    """The readiness checklist of the editor page: one line per thing to write, done or not."""
    found = problems(indicator) if found is None else found
    missing = {field for field, _key in found}
    keys = {key for _field, key in found}
    items = [Check(_("Title in French"), "titles.fr" not in missing),
             Check(_("Title in English"), "titles.en" not in missing)]
    items.append(Check(_("At least one criterion"), rules.NO_CRITERIA not in keys))
    items.append(Check(_("Every criterion sorted into a category"),
                       not keys & {rules.NO_CRITERIA, rules.CRITERIA_UNSORTED, rules.CATEGORY_UNKNOWN}))
    for n in range(1, rules.LEVEL_COUNT + 1):
        values = {"n": n, "name": level_name(n)}
        items.append(Check(_("Level %(n)s — %(name)s — in French") % values,
                           f"levels.{n}.fr" not in missing))
        items.append(Check(_("Level %(n)s — %(name)s — in English") % values,
                           f"levels.{n}.en" not in missing))
    return items


def latest_versions(territory) -> list[Indicator]:
    """The latest version of each indicator code, newest changes first, each with
    ``older`` (its earlier versions, newest first) and ``problems``."""
    rows = list(Indicator.objects.of(territory).select_related("component")
                .order_by("code", "-version"))
    by_code: dict[str, list[Indicator]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    categories: dict[int, list[str]] = {}
    for indicator_id, category in (IndicatorCriterion.objects.of(territory)
                                   .values_list("indicator_id", "category")):
        categories.setdefault(indicator_id, []).append(category)
    result = []
    for versions in by_code.values():
        latest = versions[0]
        latest.older = versions[1:]
        latest.problems = rules.problems(latest.titles, latest.levels, categories.get(latest.pk, []),
                                         languages=territory.languages)
        latest.is_ready = not latest.problems
        result.append(latest)
    result.sort(key=lambda i: (i.updated_at, i.pk), reverse=True)
    return result


def history(indicator) -> list[Indicator]:
    """Every version of the indicator's code, newest first."""
    return list(Indicator.objects.of(indicator.territory).filter(code=indicator.code)
                .select_related("created_by").order_by("-version"))


def is_latest(indicator) -> bool:
    top = (Indicator.objects.of(indicator.territory).filter(code=indicator.code)
           .aggregate(m=Max("version"))["m"])
    return top == indicator.version


def criteria_by_category(indicator) -> list[tuple[str, str, list[IndicatorCriterion]]]:
    """``(category value, label, criteria)``: unsorted criteria first, then the four
    categories in the method's order (each listed even when empty)."""
    criteria = list(IndicatorCriterion.objects.of(indicator.territory).filter(indicator=indicator)
                    .select_related("card__group", "shared_criterion__mixed_group")
                    .order_by("position", "id"))
    blocks = [("", _("Not sorted yet"), [c for c in criteria if not c.category])]
    for value, label in IndicatorCriterion.Category.choices:
        blocks.append((value, str(label), [c for c in criteria if c.category == value]))
    return blocks


def _component_filter(component) -> Q:
    return Q(component=component) | Q(component__parent=component)


def card_choices(indicator) -> list[Card]:
    """Counted cards of the territory coded with the indicator's component (or a
    sub-object of it) that are not yet criteria of this indicator."""
    taken = IndicatorCriterion.objects.of(indicator.territory).filter(
        indicator=indicator, card__isnull=False).values("card_id")
    return list(Card.objects.of(indicator.territory).counted()
                .filter(_component_filter(indicator.component)).exclude(pk__in=taken)
                .select_related("group", "question", "component").order_by("group__name", "id"))


def shared_choices(indicator) -> list[SharedCriterion]:
    taken = IndicatorCriterion.objects.of(indicator.territory).filter(
        indicator=indicator, shared_criterion__isnull=False).values("shared_criterion_id")
    return list(SharedCriterion.objects.of(indicator.territory)
                .filter(_component_filter(indicator.component)).exclude(pk__in=taken)
                .select_related("mixed_group", "component").order_by("mixed_group__name", "position", "id"))


def components(territory):
    """Components an indicator may be about: the territory grid's, with its local ones."""
    return GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.COMPONENT).order_by("position", "code")


def library_examples(territory):
    """The library's examples, each with ``component`` (the entry of the same code in the
    territory's grid, or None when its grid has no such component)."""
    from cospiral.indicators import library

    entries = {e.code: e for e in components(territory)}
    return [(example, entries.get(example.component)) for example in library.examples()]


def indicator_list(territory):
    """Every version of every indicator of the territory, by code, newest version first."""
    return (Indicator.objects.of(territory).select_related("component__parent")
            .order_by("code", "-version"))
