"""Writes for syntheses and shared criteria. Each function checks who may write, owns its
transaction and writes the audit trail.

Sentence changes are recorded on the synthesis itself (model ``synthesis``), so that the
synthesis' audit trail lists every change and those made after its validation are
shown as "changed after validation" (the validation stays; it is not reset to draft,
as with the coding board).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.cards.models import Card
from cospiral.core import audit, writes
from cospiral.core.rules import (
    VALIDATE_SYNTHESIS,
    WRITE_DEFINITION_INTRODUCTION,
    WRITE_GROUP_SYNTHESIS,
    WRITE_SHARED_CRITERIA,
    WRITE_TERRITORY_SYNTHESIS,
)
from cospiral.groups.models import Group
from cospiral.syntheses import selectors
from cospiral.syntheses.models import (
    SharedCriterion,
    SharedDefinition,
    Synthesis,
    SynthesisSentence,
)

MAX_TEXT_CHARS = 2000
MAX_INTRODUCTION_CHARS = 10000


def _ids(cards: Iterable) -> list[int]:
    result = []
    for card in cards:
        pk = card.pk if isinstance(card, Card) else card
        try:
            result.append(int(pk))
        except (TypeError, ValueError):
            raise ValidationError({"cards": _("“%(value)s” is not a card number.") % {"value": pk}}) from None
    return list(dict.fromkeys(result))


def _clean_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the %(what)s: it cannot be empty.") % {"what": what}})
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError({"text": _("The %(what)s has %(n)s characters; at most %(max)s are allowed.")
                               % {"what": what, "n": len(text), "max": MAX_TEXT_CHARS}})
    return text


def _check_cards(territory, ids: list[int], *, allowed, scope_label: str, component=None) -> list[Card]:
    """The cards ``ids`` if all are counted cards of ``allowed`` (a queryset of the scope);
    otherwise a ValidationError naming each wrong card and why."""
    if not ids:
        raise ValidationError({"cards": _("Choose at least one card: every sentence is traced "
                                          "to the cards it sums up.")})
    cards = {c.pk: c for c in Card.objects.of(territory).filter(pk__in=ids)
             .select_related("group", "component")}
    allowed_ids = set(allowed.filter(pk__in=ids).values_list("pk", flat=True))
    errors = []
    for pk in ids:
        card = cards.get(pk)
        if card is None:
            errors.append(_("Card #%(id)s is not a card of this territory.") % {"id": pk})
        elif card.deleted_at or card.is_split or card.merged_into_id:
            errors.append(_("Card #%(id)s no longer counts (deleted, split into ideas or merged "
                            "into another card).") % {"id": pk})
        elif card.component_id is None:
            errors.append(_("Card #%(id)s is not coded yet: code it on the grid first.") % {"id": pk})
        elif pk not in allowed_ids:
            errors.append(_("Card #%(id)s belongs to the group “%(group)s”, which is not in %(scope)s.")
                          % {"id": pk, "group": card.group.name, "scope": scope_label})
        elif component is not None and card.component_id != component.pk:
            errors.append(_("Card #%(id)s is coded %(code)s, not %(expected)s: choose cards of "
                            "this component.") % {"id": pk, "code": card.component.code,
                                                  "expected": component.code})
    if errors:
        raise ValidationError({"cards": errors})
    return [cards[pk] for pk in ids]


def _scope_label(group) -> str:
    return (_("the group “%(group)s”") % {"group": group.name}) if group is not None \
        else _("this territory")


def _writing(territory, user, group) -> writes.Write:
    """The write of a synthesis: the group's (its writers) or the territory's (coordinators)."""
    if group is None:
        return writes.Write(territory, user=user, rule=WRITE_TERRITORY_SYNTHESIS)
    return writes.Write(territory, user=user, rule=WRITE_GROUP_SYNTHESIS, obj=group)


def _get_or_create_synthesis(w: writes.Write, group) -> Synthesis:
    qs = Synthesis.objects.of(w.territory).select_for_update()
    synthesis = qs.filter(group=group).first() if group is not None else qs.filter(group__isnull=True).first()
    if synthesis is None:
        synthesis = Synthesis.objects.create(territory=w.territory, group=group)
        w.record("create", synthesis, _summary_name(synthesis))
    return synthesis


def _summary_name(synthesis) -> str:
    return f"Synthesis of group {synthesis.group.name}" if synthesis.group_id else "Synthesis of the territory"


def _sentence_state(sentence) -> dict:
    return {"component": sentence.component.code, "text": sentence.text,
            "language": sentence.language,
            "cards": " ".join(str(pk) for pk in sorted(sentence.cards.values_list("pk", flat=True)))}


@transaction.atomic
def add_sentence(territory, *, user, group: Group | None = None, component, text: str,
                 language: str = "fr", cards: Iterable = ()) -> SynthesisSentence:
    """Add a sentence to the synthesis of ``group`` (or of the territory when None),
    summing up ``cards``: counted cards of the scope coded with ``component``."""
    if group is not None and group.territory_id != territory.pk:
        raise PermissionDenied(_("This group belongs to another territory."))
    w = _writing(territory, user, group)
    component = selectors.component_in_territory(territory, getattr(component, "pk", component))
    text = _clean_text(text, _("sentence"))
    chosen = _check_cards(territory, _ids(cards), allowed=selectors.scope_cards(territory, group),
                          scope_label=_scope_label(group), component=component)
    synthesis = _get_or_create_synthesis(w, group)
    position = (SynthesisSentence.objects.of(territory).filter(synthesis=synthesis, component=component)
                .aggregate(m=Max("position"))["m"] or 0) + 1
    sentence = SynthesisSentence.objects.create(
        territory=territory, synthesis=synthesis, component=component, text=text,
        language=(language or "fr")[:8], position=position, created_by=user)
    sentence.cards.set(chosen)
    w.record("update", synthesis,
             f"{_summary_name(synthesis)}: sentence #{sentence.pk} added under {component.code}",
             {f"sentence #{sentence.pk} {k}": ["", v]
                  for k, v in _sentence_state(sentence).items()})
    _touch(synthesis)
    return sentence


def _touch(synthesis) -> None:
    Synthesis.objects.filter(pk=synthesis.pk).update(updated_at=timezone.now())


@transaction.atomic
def update_sentence(sentence: SynthesisSentence, *, user, text: str, language: str,
                    cards: Iterable, seen_updated_at: dt.datetime | None = None) -> SynthesisSentence:
    """Change a sentence's text, language or cards (its component stays: write a new
    sentence under another component instead). With ``seen_updated_at`` (when the
    editor opened it), a sentence changed since by someone else is never overwritten."""
    sentence = SynthesisSentence.objects.select_for_update(of=("self",)).select_related(
        "synthesis__group", "component", "territory").get(pk=sentence.pk)
    territory, synthesis = sentence.territory, sentence.synthesis
    group = synthesis.group
    w = _writing(territory, user, group)
    if seen_updated_at is not None and sentence.updated_at != seen_updated_at:
        raise ValidationError(_(
            "Someone else changed this sentence at %(time)s, after you opened it. Nothing was "
            "overwritten: read the current version and make your change again."
        ) % {"time": timezone.localtime(sentence.updated_at).strftime("%Y-%m-%d %H:%M:%S")})
    text = _clean_text(text, _("sentence"))
    ids = _ids(cards)
    already = set(sentence.cards.values_list("pk", flat=True))
    # Cards it already cites may have left the scope since (recoded, deleted): keeping
    # them is allowed; adding a card requires it to be in scope now.
    new = [pk for pk in ids if pk not in already]
    if not ids:
        _check_cards(territory, ids, allowed=selectors.scope_cards(territory, group),
                     scope_label=_scope_label(group))
    if new:
        _check_cards(territory, new, allowed=selectors.scope_cards(territory, group),
                     scope_label=_scope_label(group), component=sentence.component)
    before = _sentence_state(sentence)
    sentence.text, sentence.language = text, (language or sentence.language)[:8]
    sentence.save(update_fields=["text", "language", "updated_at"])
    sentence.cards.set(ids)
    changes = audit.diff(before, _sentence_state(sentence))
    if changes:
        w.record("update", synthesis,
                 f"{_summary_name(synthesis)}: sentence #{sentence.pk} changed",
                 {f"sentence #{sentence.pk} {k}": v for k, v in changes.items()})
        _touch(synthesis)
    return sentence


@transaction.atomic
def delete_sentence(sentence: SynthesisSentence, *, user) -> None:
    sentence = SynthesisSentence.objects.select_for_update(of=("self",)).select_related(
        "synthesis__group", "component", "territory").get(pk=sentence.pk)
    territory, synthesis = sentence.territory, sentence.synthesis
    w = _writing(territory, user, synthesis.group)
    before = _sentence_state(sentence)
    pk = sentence.pk
    sentence.delete()
    w.record("update", synthesis,
             f"{_summary_name(synthesis)}: sentence #{pk} deleted",
             {f"sentence #{pk} {k}": [v, ""] for k, v in before.items()})
    _touch(synthesis)


@transaction.atomic
def validate_synthesis(territory, *, user, group: Group | None = None,
                       validated_on: dt.date, uncited_note: str = "") -> Synthesis:
    """Record that the group (or, for the territory's synthesis, the coordination)
    validated the synthesis on ``validated_on``. Later changes keep the validation and
    are listed as changed after validation; recording a new validation clears that list.
    When some cards of the scope are cited by no sentence, ``uncited_note`` must say how
    the group handled them (kept for later, off the subject...): it is shown with the
    validation, with the number of such cards at that moment."""
    if group is not None and group.territory_id != territory.pk:
        raise PermissionDenied(_("This group belongs to another territory."))
    w = writes.Write(territory, user=user, rule=VALIDATE_SYNTHESIS)
    if validated_on > timezone.localdate():
        raise ValidationError({"validated_on": _("The validation date %(date)s is in the future.")
                               % {"date": date_format(validated_on)}})
    synthesis = _get_or_create_synthesis(w, group)
    if not synthesis.sentences.exists():
        raise ValidationError(_("Write at least one sentence before recording a validation."))
    uncited = selectors.board(territory, group).uncited_count
    note = (uncited_note or "").strip() if uncited else ""
    if uncited and not note:
        raise ValidationError({"uncited_note": ngettext(
            "%(n)s card is in no sentence of the synthesis: say how the group handled it "
            "(kept for the next meeting, off the subject, said by another sentence...).",
            "%(n)s cards are in no sentence of the synthesis: say how the group handled them "
            "(kept for the next meeting, off the subject, said by another sentence...).",
            uncited) % {"n": uncited}})
    if len(note) > MAX_TEXT_CHARS:
        raise ValidationError({"uncited_note": _(
            "The note has %(n)s characters; at most %(max)s are allowed.")
            % {"n": len(note), "max": MAX_TEXT_CHARS}})
    before = {"status": synthesis.status, "validated_on": synthesis.validated_on or "",
              "uncited_note": synthesis.uncited_note}
    synthesis.uncited_note, synthesis.uncited_at_validation = note, uncited
    synthesis.status = Synthesis.Status.VALIDATED
    synthesis.validated_on = validated_on
    synthesis.validated_by = user
    synthesis.validated_at = timezone.now()
    synthesis.save()
    w.record("update", synthesis,
             f"{_summary_name(synthesis)}: validated on {validated_on.isoformat()}",
             audit.diff(before, {"status": synthesis.status, "validated_on": validated_on,
                                     "uncited_note": note}))
    # The validation itself is not a change after validation.
    Synthesis.objects.filter(pk=synthesis.pk).update(validated_at=timezone.now())
    synthesis.refresh_from_db()
    return synthesis


# --- shared criteria of the territory's definition of well-being ------------------------------

def _criterion_state(criterion) -> dict:
    return {"component": criterion.component.code, "text": criterion.text,
            "language": criterion.language, "nature": criterion.nature,
            "cards": " ".join(str(pk) for pk in sorted(criterion.cards.values_list("pk", flat=True)))}


@transaction.atomic
def save_shared_criterion(territory, *, user, mixed_group: Group, component, text: str,
                          language: str = "fr", cards: Iterable = (),
                          criterion: SharedCriterion | None = None,
                          nature: str | None = None) -> SharedCriterion:
    """Create or change a shared criterion of a mixed group, traced to source cards:
    counted, coded cards of the group's source groups (its source groups follow from
    the cards). ``nature``: material, immaterial, or empty (not said yet); None keeps
    the criterion's current one."""
    if mixed_group.territory_id != territory.pk:
        raise PermissionDenied(_("This group belongs to another territory."))
    if mixed_group.kind != Group.Kind.MIXED:
        raise ValidationError(_("Only a mixed (rainbow) group writes shared criteria."))
    w = writes.Write(territory, user=user, rule=WRITE_SHARED_CRITERIA, obj=mixed_group)
    component = selectors.component_in_territory(territory, getattr(component, "pk", component))
    text = _clean_text(text, _("shared criterion"))
    if nature is not None and nature not in ("", *SharedCriterion.Nature.values):
        raise ValidationError({"nature": _("“%(value)s” is not a choice: say material, immaterial "
                                           "or leave it empty.") % {"value": nature}})
    ids = _ids(cards)
    already: set[int] = set()
    if criterion is not None:
        criterion = SharedCriterion.objects.select_for_update().get(pk=criterion.pk)
        if criterion.territory_id != territory.pk or criterion.mixed_group_id != mixed_group.pk:
            raise PermissionDenied(_("This shared criterion belongs to another group."))
        already = set(criterion.cards.values_list("pk", flat=True))
    scope = _("the source groups of “%(group)s”") % {"group": mixed_group.name}
    new = [pk for pk in ids if pk not in already]
    if not ids or new:
        _check_cards(territory, new if ids else ids,
                     allowed=selectors.crossing_cards(territory, mixed_group), scope_label=scope)
    creating = criterion is None
    if creating:
        position = (SharedCriterion.objects.of(territory).filter(mixed_group=mixed_group, component=component)
                    .aggregate(m=Max("position"))["m"] or 0) + 1
        criterion = SharedCriterion(territory=territory, mixed_group=mixed_group,
                                    position=position, created_by=user)
        before: dict = {}
    else:
        before = _criterion_state(criterion)
    criterion.component, criterion.text = component, text
    criterion.language = (language or "fr")[:8]
    if nature is not None:
        criterion.nature = nature
    criterion.save()
    criterion.cards.set(ids)
    changes = audit.diff(before, _criterion_state(criterion))
    if creating or changes:
        w.record("create" if creating else "update", criterion,
                 f"Shared criterion #{criterion.pk} of {mixed_group.name} under {component.code}",
                 changes)
    return criterion


@transaction.atomic
def delete_shared_criterion(criterion: SharedCriterion, *, user) -> None:
    criterion = SharedCriterion.objects.select_for_update(of=("self",)).select_related(
        "mixed_group", "component", "territory").get(pk=criterion.pk)
    territory = criterion.territory
    w = writes.Write(territory, user=user, rule=WRITE_SHARED_CRITERIA, obj=criterion.mixed_group)
    before = _criterion_state(criterion)
    w.erase(criterion, f"Shared criterion #{criterion.pk} of {criterion.mixed_group.name} deleted",
            {k: [v, ""] for k, v in before.items()})


# --- the shared definition as a whole -----------------------------------------------------------

@transaction.atomic
def save_definition_introduction(territory, *, user, introduction: str,
                                 language: str = "fr") -> SharedDefinition:
    """Write the introduction of the territory's shared definition of well-being
    (coordinators; empty clears it)."""
    w = writes.Write(territory, user=user, rule=WRITE_DEFINITION_INTRODUCTION)
    introduction = (introduction or "").strip()
    if len(introduction) > MAX_INTRODUCTION_CHARS:
        raise ValidationError({"introduction": _(
            "The introduction has %(n)s characters; at most %(max)s are allowed.")
            % {"n": len(introduction), "max": MAX_INTRODUCTION_CHARS}})
    definition = SharedDefinition.objects.of(territory).select_for_update().first()
    creating = definition is None
    if creating:
        definition = SharedDefinition(territory=territory)
    before = {} if creating else {"introduction": definition.introduction,
                                  "language": definition.language}
    definition.introduction = introduction
    definition.language = (language or "fr")[:8]
    definition.updated_by = user
    definition.save()
    changes = audit.diff(before, {"introduction": introduction, "language": definition.language})
    if creating or changes:
        w.record("create" if creating else "update", definition,
                 "Introduction of the shared definition", changes)
    return definition
