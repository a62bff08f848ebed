"""Writes about coding cards on the grid.

Each function owns its transaction, checks who may write (coordinators, or facilitators
of the card's group), writes the audit trail with a diff, and keeps ``CodingCount``
exact with ``counts.apply``. A suggestion never calls these by itself: a person does.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.cards.models import Card
from cospiral.coding import counts
from cospiral.coding.models import CodingValidation, IndependentCoding
from cospiral.core import rules, writes
from cospiral.core.models import AuditEntry
from cospiral.domain import cards as card_rules
from cospiral.domain.codes import CodeError, FullCode, validate_full_code
from cospiral.grid import selectors as grid_selectors
from cospiral.grid.models import GridEntry

MAX_REASON = 300


class CodingError(ValueError):
    """Bad input for a coding action; the message says what is wrong (translated)."""


class CodingConflict(CodingError):
    """The card changed since the person opened it; nothing was written."""

    def __init__(self, card: Card, by: str):
        self.card = card
        self.by = by
        super().__init__(
            _("This card was changed by %(user)s at %(time)s, after you opened it. Nothing "
              "was overwritten: reload the board to see the current coding.")
            % {"user": by, "time": timezone.localtime(card.updated_at).strftime("%H:%M:%S")}
        )


# --- helpers ----------------------------------------------------------------------------

def _same_territory(territory, obj) -> None:
    if obj.territory_id != territory.pk:
        raise PermissionDenied(_("This card is not in this territory."))


def _locked(territory, card: Card) -> Card:
    _same_territory(territory, card)
    return (Card.objects.of(territory).select_for_update(of=("self",))
            .select_related("group", "question", "component").get(pk=card.pk))


def _last_editor(territory, card: Card) -> str:
    entry = (AuditEntry.objects.of(territory).filter(model="card", object_id=str(card.pk))
             .order_by("-at", "-id").first())
    return entry.actor_label if entry else _("someone")


def _check_fresh(territory, card: Card, seen_updated_at: dt.datetime | None) -> None:
    if seen_updated_at is not None and card.updated_at != seen_updated_at:
        raise CodingConflict(card, _last_editor(territory, card))


def _check_codable_state(card: Card) -> None:
    if card.deleted_at is not None:
        raise CodingError(_("This card is deleted: restore it before coding it."))
    if card.is_split:
        raise CodingError(_("This card was split into several ideas: code its parts instead."))
    if card.merged_into_id is not None:
        raise CodingError(_("This card was merged into another card: code that card instead."))


def _snapshot(card: Card) -> dict:
    return {
        "code": card.full_code or (card.component.code if card.component_id else ""),
        "not_codable": card.not_codable_reason,
        "is_split": card.is_split,
        "merged_into": card.merged_into_id or "",
        "deleted": bool(card.deleted_at),
    }


def _save_and_record(w: writes.Write, card: Card, before_cell, before_snap, summary: str,
                     fields: list[str], action=AuditEntry.Action.UPDATE) -> Card:
    card.save(update_fields=[*fields, "updated_at"])
    counts.apply(w.territory, [(before_cell, counts.cell(card))])
    w.record(action, card, summary, writes.changes(before_snap, _snapshot(card)))
    return card


def parse_code(territory, code: str) -> tuple[FullCode, GridEntry]:
    """Validate a typed full code against the territory's grid (shared entries of its
    version and its own local components, never another territory's). Lower-case
    component codes (``a01``) are accepted. Returns the parsed code and the component."""
    raw = (code or "").strip()
    if "/" in raw:
        head, tail = raw.split("/", 1)
        raw = f"{head.upper()}/{tail}"
    else:
        raw = raw.upper()
    try:
        parsed = validate_full_code(raw, grid_selectors.known_codes(territory))
    except CodeError as exc:
        raise CodingError(_(exc.message) % exc.params) from exc
    entry = grid_selectors.components_for(territory).get(code=parsed.component)
    return parsed, entry


# --- coding -----------------------------------------------------------------------------

def _to_code(territory, card: Card, user, seen_updated_at) -> tuple[writes.Write, Card]:
    """The write of a coding of ``card`` and the card locked, once the person may code its
    group, nobody changed it since it was seen (``CodingConflict``) and it can be coded."""
    current = _locked(territory, card)
    w = writes.Write(territory, user=user, rule=rules.CODE_CARDS, obj=current.group)
    _check_fresh(territory, current, seen_updated_at)
    _check_codable_state(current)
    return w, current


@transaction.atomic
def code_card(territory, card: Card, *, code: str, user,
              seen_updated_at: dt.datetime | None) -> Card:
    """Give a card its agreed code (``A01``, ``A01-11/P15/k``). ``seen_updated_at`` is the
    card's ``updated_at`` when the person opened it: if it changed since, ``CodingConflict``
    is raised and nothing is written."""
    w, current = _to_code(territory, card, user, seen_updated_at)
    parsed, entry = parse_code(territory, code)
    if current.component_id == entry.pk and current.full_code == str(parsed) \
            and not current.not_codable_reason:
        return current
    before_cell, before = counts.cell(current), _snapshot(current)
    current.component = entry
    current.full_code = str(parsed)
    current.coded_by = user
    current.coded_at = timezone.now()
    current.not_codable_reason = ""
    return _save_and_record(
        w, current, before_cell, before,
        _("Coded %(code)s: %(text)s") % {"code": current.full_code, "text": current.text[:60]},
        ["component", "full_code", "coded_by", "coded_at", "not_codable_reason"],
    )


@transaction.atomic
def uncode_card(territory, card: Card, *, user, seen_updated_at: dt.datetime | None = None) -> Card:
    """Take the code off a card (it goes back to the uncoded ones)."""
    current = _locked(territory, card)
    w = writes.Write(territory, user=user, rule=rules.CODE_CARDS, obj=current.group)
    _check_fresh(territory, current, seen_updated_at)
    if current.component_id is None and not current.not_codable_reason:
        return current
    before_cell, before = counts.cell(current), _snapshot(current)
    current.component = None
    current.full_code = ""
    current.coded_by = None
    current.coded_at = None
    current.not_codable_reason = ""
    return _save_and_record(
        w, current, before_cell, before,
        _("Uncoded: %(text)s") % {"text": current.text[:60]},
        ["component", "full_code", "coded_by", "coded_at", "not_codable_reason"],
    )


@transaction.atomic
def mark_not_codable(territory, card: Card, *, reason: str, user,
                     seen_updated_at: dt.datetime | None = None) -> Card:
    """The card cannot be coded on the grid, for the reason given (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise CodingError(_("Say why this card cannot be coded: the reason is required."))
    if len(reason) > MAX_REASON:
        raise CodingError(_("The reason has %(length)s characters; at most %(limit)s are allowed.")
                          % {"length": len(reason), "limit": MAX_REASON})
    w, current = _to_code(territory, card, user, seen_updated_at)
    before_cell, before = counts.cell(current), _snapshot(current)
    current.component = None
    current.full_code = ""
    current.coded_by = user
    current.coded_at = timezone.now()
    current.not_codable_reason = reason
    return _save_and_record(
        w, current, before_cell, before,
        _("Not codable: %(text)s") % {"text": current.text[:60]},
        ["component", "full_code", "coded_by", "coded_at", "not_codable_reason"],
    )


# --- splitting and merging ----------------------------------------------------------------

@transaction.atomic
def split_card(territory, card: Card, *, texts: list[str], user,
               seen_updated_at: dt.datetime | None = None) -> list[Card]:
    """Split a post-it holding several ideas into one new card per idea. The original
    stays (never deleted), marked split and no longer counted; each part points to it."""
    parts = [t.strip() for t in texts if t and t.strip()]
    if len(parts) < 2:
        raise CodingError(_("Write at least two parts, one idea per line, to split a card."))
    for number, text in enumerate(parts, start=1):
        if len(text) > card_rules.MAX_CARD_CHARS:
            raise CodingError(_("Part %(number)s has %(length)s characters; a card holds at most %(limit)s.")
                              % {"number": number, "length": len(text),
                                 "limit": card_rules.MAX_CARD_CHARS})
    w, current = _to_code(territory, card, user, seen_updated_at)
    before_cell, before = counts.cell(current), _snapshot(current)
    current.is_split = True
    _save_and_record(w, current, before_cell, before,
                     _("Split into %(count)s ideas: %(text)s") % {"count": len(parts),
                                                                 "text": current.text[:60]},
                     ["is_split"])
    created = []
    for text in parts:
        part = Card.objects.create(
            territory=territory, group=current.group, session_id=current.session_id,
            question=current.question, text=text, language=current.language,
            channel=current.channel, author_tag=current.author_tag, ref=current.ref,
            split_from=current, created_by=user,
        )
        w.record(AuditEntry.Action.CREATE, part,
                 _("Part of split card: %(text)s") % {"text": text[:60]},
                 {"text": ["", text], "split_from": ["", str(current.pk)]})
        created.append(part)
    counts.apply(territory, [(None, counts.cell(part)) for part in created])
    return created


@transaction.atomic
def merge_cards(territory, keep: Card, duplicates: list[Card], *, user) -> Card:
    """Merge duplicates into ``keep``: they stay, point to ``keep`` and are no longer
    counted. All cards must be of the same group; ``unmerge_card`` undoes a merge."""
    if not duplicates:
        raise CodingError(_("Choose at least one duplicate to merge into this card."))
    kept = _locked(territory, keep)
    w = writes.Write(territory, user=user, rule=rules.CODE_CARDS, obj=kept.group)
    _check_codable_state(kept)
    changes = []
    for duplicate in duplicates:
        current = _locked(territory, duplicate)
        if current.pk == kept.pk:
            raise CodingError(_("A card cannot be merged into itself."))
        if current.group_id != kept.group_id:
            raise CodingError(_("Only cards of the same group can be merged: “%(text)s” is in another group.")
                              % {"text": current.text[:60]})
        _check_codable_state(current)
        before_cell, before = counts.cell(current), _snapshot(current)
        current.merged_into = kept
        current.save(update_fields=["merged_into", "updated_at"])
        changes.append((before_cell, counts.cell(current)))
        w.record(AuditEntry.Action.UPDATE, current,
                 _("Merged into “%(keep)s”: %(text)s") % {"keep": kept.text[:40],
                                                             "text": current.text[:40]},
                 writes.changes(before, _snapshot(current)))
    counts.apply(territory, changes)
    return kept


@transaction.atomic
def unmerge_card(territory, card: Card, *, user) -> Card:
    """Undo a merge: the card counts again on its own."""
    current = _locked(territory, card)
    w = writes.Write(territory, user=user, rule=rules.CODE_CARDS, obj=current.group)
    if current.merged_into_id is None:
        raise CodingError(_("This card is not merged into another card."))
    before_cell, before = counts.cell(current), _snapshot(current)
    current.merged_into = None
    return _save_and_record(w, current, before_cell, before,
                            _("Merge undone: %(text)s") % {"text": current.text[:60]},
                            ["merged_into"])


# --- double coding and validation ------------------------------------------------------------

@transaction.atomic
def record_blind_coding(territory, card: Card, *, user, code: str = "",
                        not_codable: bool = False) -> IndependentCoding:
    """A blind coding by ``user`` for the agreement report. Never touches the card."""
    _same_territory(territory, card)
    card = Card.objects.of(territory).select_related("group").get(pk=card.pk)
    w = writes.Write(territory, user=user, rule=rules.CODE_CARDS, obj=card.group)
    if card.deleted_at is not None or card.is_split or card.merged_into_id is not None:
        raise CodingError(_("This card is not counted (deleted, split or merged): it is not double coded."))
    if not_codable:
        component, full_code = None, ""
    else:
        if not (code or "").strip():
            raise CodingError(_("Type a code, or say the card is not codable."))
        parsed, component = parse_code(territory, code)
        full_code = str(parsed)
    blind, created = IndependentCoding.objects.select_for_update().get_or_create(
        territory=territory, card=card, coder=user,
        defaults={"component": component, "full_code": full_code, "not_codable": not_codable},
    )
    before = {"code": "" if created else (blind.full_code or ("-" if blind.not_codable else ""))}
    if not created:
        blind.component, blind.full_code, blind.not_codable = component, full_code, not_codable
        blind.save()
    w.record(AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
             blind, _("Blind coding of card %(id)s") % {"id": card.pk},
             writes.changes(before, {"code": full_code or "-"}))
    return blind


@transaction.atomic
def validate_group_coding(territory, group, *, validated_on: dt.date, note: str = "",
                          user) -> CodingValidation:
    """Record that the group validated the coding of its cards on ``validated_on``.
    Coordinators only."""
    if group.territory_id != territory.pk:
        raise PermissionDenied(_("This group is not in this territory."))
    w = writes.Write(territory, user=user, rule=rules.VALIDATE_CODING)
    if validated_on is None:
        raise CodingError(_("Give the date on which the group validated its coding."))
    if validated_on > timezone.localdate():
        raise CodingError(_("The validation date %(date)s is in the future.")
                          % {"date": validated_on.isoformat()})
    validation = CodingValidation.objects.create(territory=territory, group=group,
                                                 validated_on=validated_on,
                                                 note=(note or "").strip(), recorded_by=user)
    w.record(AuditEntry.Action.CREATE, validation,
             _("Group “%(group)s” validated its coding on %(date)s")
             % {"group": group.name, "date": validated_on.isoformat()},
             {"validated_on": ["", validated_on.isoformat()], "note": ["", validation.note]})
    return validation
