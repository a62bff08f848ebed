"""Writes of indicators of progress. Each function checks who may write, owns its
transaction (a nested ``atomic`` joins the caller's) and records the audit trail.

A draft indicator is edited in place; once a survey wave uses it, ``freeze`` marks it
frozen and every later change goes into a new version (same code, version + 1) made
with ``new_version``, so a wave always keeps the exact wording its respondents saw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.cards.models import Card
from cospiral.core import audit, writes
from cospiral.core.rules import DELETE_INDICATORS, WRITE_INDICATORS
from cospiral.domain import indicators as rules
from cospiral.grid.models import GridEntry
from cospiral.indicators import library
from cospiral.indicators.models import Indicator, IndicatorCriterion
from cospiral.syntheses.models import SharedCriterion


class IndicatorFrozen(ValidationError):
    """The indicator is frozen (a survey wave uses it): make a new version to change it."""


def _frozen_error(indicator) -> IndicatorFrozen:
    return IndicatorFrozen(
        _("Indicator %(code)s version %(version)s is frozen: a survey wave uses it, so its "
          "wording can no longer change. Make a new version to change it.")
        % {"code": indicator.code, "version": indicator.version}, code="frozen")


def _lock(indicator) -> Indicator:
    """The indicator, locked for this transaction, refused when frozen."""
    locked = (Indicator.objects.select_for_update(of=("self",))
              .select_related("territory", "component").get(pk=indicator.pk))
    if locked.is_frozen:
        raise _frozen_error(locked)
    return locked


def _component(territory, component) -> GridEntry:
    """A component of the territory's grid (shared or its own local one)."""
    pk = getattr(component, "pk", component)
    entry = (GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.COMPONENT, pk=pk).first()
             if str(pk).isdigit() else None)
    if entry is None:
        raise ValidationError({"component": _("Choose a component of this territory's grid.")})
    return entry


def _titles(titles: Mapping | None, *, required: bool = True) -> dict:
    cleaned = rules.clean_texts(titles)
    errors = {}
    for language, text in cleaned.items():
        if len(text) > rules.MAX_TITLE_CHARS:
            errors[f"title_{language}"] = _(
                "The title (%(language)s) has %(n)s characters; at most %(max)s are allowed."
            ) % {"language": language, "n": len(text), "max": rules.MAX_TITLE_CHARS}
    if required and not any(cleaned.values()):
        errors["title_fr"] = _("Give the indicator a title, in French or in English.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _levels(levels) -> list[dict]:
    try:
        cleaned = rules.clean_levels(levels)
    except ValueError:
        raise ValidationError(_("An indicator has exactly %(n)s level descriptors.")
                              % {"n": rules.LEVEL_COUNT}) from None
    errors = {}
    for number, level in enumerate(cleaned, start=1):
        for language, text in level.items():
            if len(text) > rules.MAX_LEVEL_CHARS:
                errors[f"level_{number}_{language}"] = _(
                    "Level %(level)s (%(language)s) has %(n)s characters; at most %(max)s are "
                    "allowed.") % {"level": number, "language": language, "n": len(text),
                                   "max": rules.MAX_LEVEL_CHARS}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _state(indicator) -> dict:
    return {"code": indicator.code, "version": indicator.version,
            "component": indicator.component.code, "title_fr": indicator.titles.get("fr", ""),
            "title_en": indicator.titles.get("en", ""), "status": indicator.status,
            **{f"level {n} {lang}": (indicator.levels[n - 1] or {}).get(lang, "")
               for n in range(1, len(indicator.levels) + 1) for lang in rules.LANGUAGES}}


def _name(indicator) -> str:
    return f"Indicator {indicator.code} v{indicator.version}"


@transaction.atomic
def create_indicator(territory, *, component, code: str | None = None, titles: Mapping,
                     user, library_key: str = "", levels=None) -> Indicator:
    """A new draft indicator (version 1) of ``component``; ``code`` defaults to the
    component's code and the next free number (``A03-1``, ``A03-2``...)."""
    w = writes.Write(territory, user=user, rule=WRITE_INDICATORS)
    component = _component(territory, component)
    titles = _titles(titles)
    levels = _levels(levels) if levels is not None else rules.empty_levels()
    # One writer at a time picks the next free code of a territory.
    from cospiral.territories.models import Territory

    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    existing = set(Indicator.objects.of(territory).values_list("code", flat=True))
    code = (code or "").strip()
    if not code:
        code = rules.next_code(component.code, existing)
    elif not rules.is_valid_code(code):
        raise ValidationError({"code": _(
            "The code “%(code)s” may hold only letters, digits, “.”, “_” and “-” (at most "
            "%(max)s characters), starting with a letter or a digit.")
            % {"code": code, "max": rules.MAX_CODE_CHARS}})
    elif code.lower() in {c.lower() for c in existing}:
        raise ValidationError({"code": _("The code “%(code)s” is already used by an indicator of "
                                         "this territory: choose another one, or make a new "
                                         "version of that indicator.") % {"code": code}})
    indicator = Indicator.objects.create(
        territory=territory, code=code, version=1, component=component, titles=titles,
        levels=levels, library_key=library_key or "", created_by=user)
    w.record("create", indicator, f"{_name(indicator)} created",
             audit.diff({}, _state(indicator)))
    return indicator


@transaction.atomic
def update_indicator(indicator: Indicator, *, user, titles: Mapping | None = None,
                     levels=None, component=None) -> Indicator:
    """Change the titles, level descriptors or component of a draft. A frozen indicator
    is refused with ``IndicatorFrozen``: make a new version instead."""
    indicator = _lock(indicator)
    territory = indicator.territory
    w = writes.Write(territory, user=user, rule=WRITE_INDICATORS)
    before = _state(indicator)
    if titles is not None:
        indicator.titles = _titles(titles)
    if levels is not None:
        indicator.levels = _levels(levels)
    if component is not None:
        indicator.component = _component(territory, component)
    indicator.save()
    changes = audit.diff(before, _state(indicator))
    if changes:
        w.record("update", indicator, f"{_name(indicator)} changed", changes)
    return indicator


def _latest(indicator) -> Indicator:
    return (Indicator.objects.of(indicator.territory).filter(code=indicator.code)
            .order_by("-version").first())


@transaction.atomic
def new_version(indicator: Indicator, *, user) -> Indicator:
    """A draft copy (titles, levels, component, criteria) of the latest version, as
    version + 1 pointing back to it. Only from the latest version, once it is frozen."""
    territory = indicator.territory
    w = writes.Write(territory, user=user, rule=WRITE_INDICATORS)
    # Lock every version of this code: two writers cannot both make version n + 1.
    versions = list(Indicator.objects.of(territory).select_for_update()
                    .filter(code=indicator.code).order_by("-version"))
    latest = versions[0]
    if latest.pk != indicator.pk:
        if not latest.is_frozen:
            raise ValidationError(_(
                "Version %(version)s of %(code)s is already a draft: change that draft instead "
                "of making another version.") % {"version": latest.version, "code": latest.code})
        raise ValidationError(_(
            "Version %(version)s is not the latest version of %(code)s (version %(latest)s is): "
            "make the new version from the latest one.")
            % {"version": indicator.version, "code": indicator.code, "latest": latest.version})
    if not latest.is_frozen:
        raise ValidationError(_("Version %(version)s of %(code)s is still a draft: change it "
                                "directly, no new version is needed.")
                              % {"version": latest.version, "code": latest.code})
    copy = Indicator.objects.create(
        territory=territory, code=latest.code, version=latest.version + 1,
        component=latest.component, titles=dict(latest.titles),
        levels=[dict(level) for level in latest.levels], previous=latest,
        library_key=latest.library_key, created_by=user)
    IndicatorCriterion.objects.bulk_create([
        IndicatorCriterion(territory=territory, indicator=copy, category=c.category, card=c.card,
                           shared_criterion=c.shared_criterion, text=c.text, position=c.position)
        for c in IndicatorCriterion.objects.of(territory).filter(indicator=latest).order_by("position", "id")
    ])
    w.record("create", copy,
             f"{_name(copy)} created as a new version of v{latest.version}",
             audit.diff({}, _state(copy)))
    return copy


def _criterion_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) > rules.MAX_CRITERION_CHARS:
        raise ValidationError({"text": _("The criterion has %(n)s characters; at most %(max)s are "
                                         "allowed.") % {"n": len(text), "max": rules.MAX_CRITERION_CHARS}})
    return text


def _category(category) -> str:
    category = category or ""
    if category and category not in IndicatorCriterion.Category.values:
        raise ValidationError({"category": _("“%(value)s” is not a category: choose possibility, "
                                             "obtaining, quality or sustainability.")
                               % {"value": category}})
    return category


def _pks(items: Iterable, model, what: str) -> list[int]:
    result = []
    for item in items or ():
        pk = item.pk if isinstance(item, model) else item
        try:
            result.append(int(pk))
        except (TypeError, ValueError):
            raise ValidationError({what: _("“%(value)s” is not a number.") % {"value": pk}}) from None
    return list(dict.fromkeys(result))


def _of_component(entry, component) -> bool:
    """``entry`` is ``component`` or one of its sub-objects."""
    return entry is not None and (entry.pk == component.pk or entry.parent_id == component.pk)


@transaction.atomic
def add_criteria(indicator: Indicator, *, cards: Iterable = (), shared_criteria: Iterable = (),
                 texts: Iterable = (), category: str = "", user) -> list[IndicatorCriterion]:
    """Add criteria to a draft: counted cards and shared criteria of the same territory
    coded with the indicator's component (or one of its sub-objects), their text copied;
    and typed texts (a string, or ``{"text": ..., "category": ...}``). Every new
    criterion takes ``category`` (empty: not sorted yet), a typed text its own category
    when it gives one."""
    indicator = _lock(indicator)
    territory, component = indicator.territory, indicator.component
    w = writes.Write(territory, user=user, rule=WRITE_INDICATORS)
    category = _category(category)
    card_ids = _pks(cards, Card, "cards")
    shared_ids = _pks(shared_criteria, SharedCriterion, "shared_criteria")
    present = IndicatorCriterion.objects.of(territory).filter(indicator=indicator)
    errors: dict[str, list[str]] = {}

    found_cards = {c.pk: c for c in Card.objects.of(territory).filter(pk__in=card_ids)
                   .select_related("component")}
    already = set(present.filter(card_id__in=card_ids).values_list("card_id", flat=True))
    for pk in card_ids:
        card = found_cards.get(pk)
        if card is None:
            errors.setdefault("cards", []).append(
                _("Card #%(id)s is not a card of this territory.") % {"id": pk})
        elif card.deleted_at or card.is_split or card.merged_into_id:
            errors.setdefault("cards", []).append(_(
                "Card #%(id)s no longer counts (deleted, split into ideas or merged into another "
                "card).") % {"id": pk})
        elif not _of_component(card.component, component):
            errors.setdefault("cards", []).append(_(
                "Card #%(id)s is coded %(code)s, not %(expected)s: choose cards of the "
                "indicator's component.") % {"id": pk, "code": card.component.code if card.component
                                              else _("(not coded)"), "expected": component.code})
        elif pk in already:
            errors.setdefault("cards", []).append(
                _("Card #%(id)s is already a criterion of this indicator.") % {"id": pk})

    found_shared = {s.pk: s for s in SharedCriterion.objects.of(territory)
                    .filter(pk__in=shared_ids).select_related("component")}
    already = set(present.filter(shared_criterion_id__in=shared_ids)
                  .values_list("shared_criterion_id", flat=True))
    for pk in shared_ids:
        shared = found_shared.get(pk)
        if shared is None:
            errors.setdefault("shared_criteria", []).append(
                _("Shared criterion #%(id)s is not a shared criterion of this territory.") % {"id": pk})
        elif not _of_component(shared.component, component):
            errors.setdefault("shared_criteria", []).append(_(
                "Shared criterion #%(id)s is about %(code)s, not %(expected)s: choose shared "
                "criteria of the indicator's component.")
                % {"id": pk, "code": shared.component.code, "expected": component.code})
        elif pk in already:
            errors.setdefault("shared_criteria", []).append(
                _("Shared criterion #%(id)s is already a criterion of this indicator.") % {"id": pk})

    typed: list[tuple[str, str]] = []
    for item in texts or ():
        text, own = (item.get("text"), item.get("category", "")) if isinstance(item, Mapping) \
            else (item, "")
        try:
            text, own = _criterion_text(text), _category(own)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            continue
        if text:
            typed.append((text, own or category))
    if errors:
        raise ValidationError(errors)
    if not (card_ids or shared_ids or typed):
        raise ValidationError(_("Choose a card or a shared criterion, or write a criterion."))

    position = (present.aggregate(m=Max("position"))["m"] or 0)
    rows = []
    for pk in card_ids:
        position += 1
        rows.append(IndicatorCriterion(territory=territory, indicator=indicator, card=found_cards[pk],
                                       text=found_cards[pk].text, category=category,
                                       position=position))
    for pk in shared_ids:
        position += 1
        rows.append(IndicatorCriterion(territory=territory, indicator=indicator,
                                       shared_criterion=found_shared[pk],
                                       text=found_shared[pk].text, category=category,
                                       position=position))
    for text, own in typed:
        position += 1
        rows.append(IndicatorCriterion(territory=territory, indicator=indicator, text=text,
                                       category=own, position=position))
    for row in rows:
        row.save()
    created = rows
    w.record("update", indicator,
             f"{_name(indicator)}: {len(created)} criteria added",
             {f"criterion #{c.pk}": ["", c.text[:200]] for c in created})
    _touch(indicator)
    return created


def _touch(indicator) -> None:
    Indicator.objects.filter(pk=indicator.pk).update(updated_at=timezone.now())


@transaction.atomic
def sort_criteria(indicator: Indicator, categories: Mapping, *, user) -> int:
    """Step one: put criteria of a draft into categories, ``{criterion id: category}``
    ("" = not sorted). Returns how many changed."""
    indicator = _lock(indicator)
    territory = indicator.territory
    w = writes.Write(territory, user=user, rule=WRITE_INDICATORS)
    wanted = {}
    for pk, category in categories.items():
        wanted[int(getattr(pk, "pk", pk))] = _category(category)
    criteria = {c.pk: c for c in IndicatorCriterion.objects.of(territory)
                .filter(indicator=indicator, pk__in=list(wanted))}
    unknown = [pk for pk in wanted if pk not in criteria]
    if unknown:
        raise ValidationError(_("Criterion #%(id)s is not a criterion of this indicator.")
                              % {"id": unknown[0]})
    changes = {}
    for pk, category in wanted.items():
        criterion = criteria[pk]
        if criterion.category != category:
            changes[f"criterion #{pk} category"] = [criterion.category, category]
            criterion.category = category
            criterion.save(update_fields=["category"])
    if changes:
        w.record("update", indicator,
                 f"{_name(indicator)}: {len(changes)} criteria sorted", changes)
        _touch(indicator)
    return len(changes)


def sort_criterion(criterion: IndicatorCriterion, category: str, *, user) -> IndicatorCriterion:
    sort_criteria(criterion.indicator, {criterion.pk: category}, user=user)
    criterion.refresh_from_db()
    return criterion


@transaction.atomic
def remove_criterion(criterion: IndicatorCriterion, *, user) -> None:
    indicator = _lock(criterion.indicator)
    territory = indicator.territory
    w = writes.Write(territory, user=user, rule=WRITE_INDICATORS)
    criterion = IndicatorCriterion.objects.of(territory).filter(indicator=indicator,
                                                                pk=criterion.pk).first()
    if criterion is None:
        raise ValidationError(_("This criterion is no longer part of the indicator."))
    w.record("update", indicator,
             f"{_name(indicator)}: criterion #{criterion.pk} removed",
             {f"criterion #{criterion.pk}": [criterion.text[:200], ""]})
    criterion.delete()
    _touch(indicator)


def is_used(indicator) -> bool:
    """A survey wave holds this version in its instrument."""
    return indicator.wave_items.exists()


@transaction.atomic
def delete_indicator(indicator: Indicator, *, user) -> None:
    """Delete a draft no survey wave has used (coordinators only)."""
    indicator = _lock(indicator)
    territory = indicator.territory
    w = writes.Write(territory, user=user, rule=DELETE_INDICATORS)
    if is_used(indicator):
        raise ValidationError(_("A survey wave uses %(code)s version %(version)s: it cannot be "
                                "deleted.") % {"code": indicator.code, "version": indicator.version})
    before = _state(indicator)
    w.erase(indicator, f"{_name(indicator)} deleted", {k: [v, ""] for k, v in before.items()})


@transaction.atomic
def freeze(indicators: Iterable[Indicator], *, at: dt.datetime | None = None,
           user=None) -> list[Indicator]:
    """Mark each indicator frozen (a survey wave uses it) at ``at`` (default: now).
    Idempotent: an indicator already frozen keeps its first ``frozen_at``. Runs inside
    the caller's transaction when there is one."""
    at = at or timezone.now()
    pks = [getattr(i, "pk", i) for i in indicators]
    result = []
    for indicator in (Indicator.objects.select_for_update(of=("self",))
                      .select_related("territory").filter(pk__in=pks).order_by("pk")):
        if not indicator.is_frozen:
            indicator.status, indicator.frozen_at = Indicator.Status.FROZEN, at
            indicator.save(update_fields=["status", "frozen_at", "updated_at"])
            audit.record(indicator.territory, user, "update", indicator,
                         f"{_name(indicator)} frozen (used by a survey wave)",
                         {"status": [Indicator.Status.DRAFT, Indicator.Status.FROZEN]})
        result.append(indicator)
    return result


@transaction.atomic
def start_from_library(territory, key: str, *, user, code: str | None = None) -> Indicator:
    """A draft copied from the library example ``key``: titles, levels and its example
    criteria (already sorted, in the territory's first language), on the component of
    the same code in the territory's grid."""
    example = library.example(key)
    if example is None:
        raise ValidationError(_("There is no example indicator “%(key)s” in the library.")
                              % {"key": key})
    component = (GridEntry.objects.of(territory)
                 .filter(kind=GridEntry.Kind.COMPONENT, code=example.component).first())
    if component is None:
        version = territory.grid_version
        raise ValidationError({"component": _(
            "The grid of this territory (%(grid)s) has no component %(code)s, which the example "
            "“%(key)s” is about: it cannot be used here. Create an indicator on one of your own "
            "components instead.") % {"grid": version.name if version else "—",
                                      "code": example.component, "key": key}})
    indicator = create_indicator(territory, component=component, code=code,
                                 titles=example.titles, user=user, library_key=key,
                                 levels=[dict(level) for level in example.levels])
    language = ((territory.languages or ["fr"])[0] or "fr")[:2]
    add_criteria(indicator, user=user, texts=[
        {"text": library._pick(texts, language), "category": category}
        for category, texts in example.criteria
    ])
    indicator.refresh_from_db()
    return indicator
