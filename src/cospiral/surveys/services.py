"""Writes of survey waves: the wave and its instrument, respondent links, and every way a
questionnaire arrives (web, typed-in paper, file import). Each submission updates the
wave's exact tallies (``WaveTally``) in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cospiral.core import audit
from cospiral.core.models import AuditEntry
from cospiral.domain import survey as rules
from cospiral.surveys.models import Questionnaire, RespondentToken, Wave, WaveIndicator, WaveTally
from cospiral.surveys.publication import (  # noqa: F401  (services of the wave, re-exported)
    SnapshotRefused,
    publish_results,
    take_snapshot,
)


class AlreadySubmitted(Exception):
    """The questionnaire with this key was already sent: nothing was changed."""

    def __init__(self, questionnaire: Questionnaire):
        super().__init__(questionnaire.key)
        self.questionnaire = questionnaire


# --- the wave and its instrument --------------------------------------------------------


WAVE_FIELDS = ("title", "kind", "cycle", "baseline", "description", "opens_at", "closes_at",
               "profile_questions", "neighbourhoods", "group_profiles", "consent_text",
               "threshold", "population_margins", "family_weights")
#: Fields that define what respondents answer: fixed once the first answer arrives.
INSTRUMENT_FIELDS = ("profile_questions", "neighbourhoods", "group_profiles")


def _clean_wave(territory, fields: dict, wave: Wave | None = None) -> dict:
    errors = {}
    questions = list(fields.get("profile_questions") or [])
    unknown = [q for q in questions if q not in rules.PROFILE_KEYS]
    if unknown:
        errors["profile_questions"] = _("Unknown profile question: %(keys)s.") % {
            "keys": ", ".join(map(str, unknown))}
    for key in ("neighbourhoods", "group_profiles"):
        if key in fields:
            values = [str(v).strip() for v in (fields.get(key) or []) if str(v).strip()]
            if len(set(v.casefold() for v in values)) != len(values):
                errors[key] = _("Each choice must appear only once.")
            if len(values) > 100:
                errors[key] = _("At most 100 choices.")
            fields[key] = values
    if "neighbourhood" in questions and not fields.get("neighbourhoods"):
        errors["neighbourhoods"] = _("List the neighbourhoods respondents can choose from.")
    if "group_profile" in questions and not fields.get("group_profiles"):
        errors["group_profiles"] = _("List the profiles respondents can choose from.")
    if questions and not (fields.get("consent_text") or "").strip():
        errors["consent_text"] = _("Profile questions need a consent text telling respondents why they are asked and that they are optional.")
    opens, closes = fields.get("opens_at"), fields.get("closes_at")
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("The closing date must come after the opening date.")
    threshold = fields.get("threshold", 5)
    if threshold is None or int(threshold) < 1:
        errors["threshold"] = _("The suppression threshold must be at least 1.")
    family_weights = fields.get("family_weights") or {}
    if not isinstance(family_weights, dict) or any(
            not isinstance(v, int | float) or not np.isfinite(v) or v < 0 for v in family_weights.values()):
        errors["family_weights"] = _("Each family weight must be a number of 0 or more.")
    margins = fields.get("population_margins") or {}
    sizes = rules.choice_counts({"neighbourhood": fields.get("neighbourhoods") or [],
                                 "group_profile": fields.get("group_profiles") or []})
    for key, margin in (margins.items() if isinstance(margins, dict) else [("?", None)]):
        if key not in questions:
            errors["population_margins"] = _("Population figures are given for “%(key)s”, which the wave does not ask.") % {"key": key}
        elif (not isinstance(margin, list) or len(margin) != sizes[key]
              or any(not isinstance(v, int | float) or v < 0 for v in margin) or sum(margin) <= 0):
            errors["population_margins"] = _("Population figures for “%(key)s”: give one number of 0 or more per choice (%(n)s), not all 0.") % {"key": key, "n": sizes[key]}
    baseline = fields.get("baseline")
    if baseline is not None:
        if baseline.territory_id != territory.pk:
            errors["baseline"] = _("The ex-ante wave must belong to this territory.")
        elif wave is not None and baseline.pk == wave.pk:
            errors["baseline"] = _("A wave cannot be compared with itself.")
    cycle = fields.get("cycle")
    if cycle is not None and cycle.territory_id != territory.pk:
        errors["cycle"] = _("The cycle must belong to this territory.")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def create_wave(territory, *, user, title: str, **fields) -> Wave:
    fields = {k: v for k, v in fields.items() if k in WAVE_FIELDS}
    fields["title"] = title.strip()
    if not fields["title"]:
        raise ValidationError({"title": _("A wave needs a title.")})
    _clean_wave(territory, fields)
    wave = Wave.objects.create(territory=territory, created_by=user, **fields)
    copied = []
    if wave.kind == Wave.Kind.EX_POST and wave.baseline_id is not None:
        # An ex-post wave starts with its baseline's instrument (same indicator versions,
        # order and weights): the comparison joins on codes, so any change is deliberate.
        baseline = list(WaveIndicator.objects.of(territory).filter(wave_id=wave.baseline_id)
                        .select_related("indicator").order_by("position"))
        WaveIndicator.objects.bulk_create([
            WaveIndicator(territory_id=wave.territory_id, wave=wave, indicator=item.indicator,
                          position=item.position, weight=item.weight) for item in baseline])
        copied = [item.indicator.code for item in baseline]
    audit.record(territory, user, AuditEntry.Action.CREATE, wave, summary=wave.title,
                 changes={"indicators": copied} if copied else None)
    return wave


@transaction.atomic
def update_wave(wave: Wave, *, user, **fields) -> Wave:
    if wave.anonymised_at is not None and ("opens_at" in fields or "closes_at" in fields) and (
            fields.get("opens_at", wave.opens_at) != wave.opens_at
            or fields.get("closes_at", wave.closes_at) != wave.closes_at):
        raise ValidationError(_("This wave was anonymised for good: its dates can no longer change."))
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    fields = {k: v for k, v in fields.items() if k in WAVE_FIELDS}
    if wave.is_frozen:
        changed = [k for k in INSTRUMENT_FIELDS if k in fields and fields[k] != getattr(wave, k)]
        if changed:
            raise ValidationError({changed[0]: _(
                "The questionnaire is frozen since its first answer: the profile questions "
                "and their choices can no longer change.")})
    merged = {k: getattr(wave, k) for k in WAVE_FIELDS}
    merged.update(fields)
    if "title" in fields:
        merged["title"] = (fields["title"] or "").strip()
        if not merged["title"]:
            raise ValidationError({"title": _("A wave needs a title.")})
    _clean_wave(wave.territory, merged, wave)
    before = {k: str(getattr(wave, k)) for k in fields}
    for key in fields:
        setattr(wave, key, merged[key])
    wave.save()
    audit.record(wave.territory, user, AuditEntry.Action.UPDATE, wave, summary=wave.title,
                 changes={k: [before[k], str(getattr(wave, k))] for k in fields
                          if before[k] != str(getattr(wave, k))})
    return wave


@transaction.atomic
def set_indicators(wave: Wave, indicators: Sequence, *, user, weights: Sequence[float] | None = None) -> None:
    """The wave's instrument: these indicator versions, in this order. Only before the
    first answer; every indicator must belong to the territory and be complete."""
    from cospiral.indicators import selectors as indicator_selectors

    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.is_frozen:
        raise ValidationError(_("The questionnaire is frozen since its first answer: its indicators can no longer change."))
    indicators = list(indicators)
    if len({i.pk for i in indicators}) != len(indicators):
        raise ValidationError(_("An indicator is listed twice."))
    if len({i.code for i in indicators}) != len(indicators):
        raise ValidationError(_("Two versions of the same indicator cannot be in one wave."))
    if len(indicators) > 120:
        raise ValidationError(_("A wave can have at most 120 indicators."))
    for indicator in indicators:
        if indicator.territory_id != wave.territory_id:
            raise ValidationError(_("Indicator %(code)s does not belong to this territory.") % {"code": indicator.code})
        if not indicator_selectors.ready(indicator):
            raise ValidationError(_("Indicator %(code)s is not complete yet (title and five levels in French and English, every criterion sorted).") % {"code": indicator.code})
    weights = list(weights) if weights is not None else [1.0] * len(indicators)
    if len(weights) != len(indicators) or any(not np.isfinite(w) or w < 0 for w in weights):
        raise ValidationError(_("Give one non-negative weight per indicator."))
    WaveIndicator.objects.filter(wave=wave).delete()
    WaveIndicator.objects.bulk_create([
        WaveIndicator(territory_id=wave.territory_id, wave=wave, indicator=indicator,
                      position=position, weight=float(weight))
        for position, (indicator, weight) in enumerate(zip(indicators, weights, strict=True))
    ])
    WaveTally.objects.filter(wave=wave).delete()  # nothing submitted yet; shape changes
    audit.record(wave.territory, user, AuditEntry.Action.UPDATE, wave, summary=wave.title,
                 changes={"indicators": [i.code for i in indicators]})


def wave_status(wave: Wave, now=None) -> str:
    """"draft" (no indicator or no opening date), "scheduled", "open" or "closed"."""
    now = now or timezone.now()
    if wave.closes_at is not None and now >= wave.closes_at:
        return "closed"
    if wave.opens_at is None:
        return "draft"
    if now < wave.opens_at:
        return "scheduled"
    return "open"


@transaction.atomic
def anonymise_wave(wave: Wave, *, user) -> dict:
    """Anonymise a closed wave for good: its personal links are deleted, questionnaires
    saved but never sent (reached by a resume link) are deleted, and every sent one loses
    its key (which held the personal or resume link), its respondent number, who typed it
    in and its times (set to the closing time). The tallies, snapshots and results do not
    change. The wave cannot be opened again. Returns what was removed."""
    import secrets

    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.anonymised_at is not None:
        raise ValidationError(_("This wave is already anonymised."))
    if wave_status(wave) != "closed":
        raise ValidationError(_("Close the wave before anonymising it: answers may still arrive."))
    links = RespondentToken.objects.filter(wave=wave).delete()[0]
    unsent = Questionnaire.objects.filter(wave=wave, submitted_at__isnull=True).delete()[0]
    closed = wave.closes_at
    sent = 0
    batch = []
    for q in Questionnaire.objects.filter(wave=wave).only("pk").iterator(chunk_size=2000):
        q.key = "a:" + secrets.token_hex(10)
        batch.append(q)
        if len(batch) == 2000:
            Questionnaire.objects.bulk_update(batch, ["key"])
            sent += len(batch)
            batch = []
    if batch:
        Questionnaire.objects.bulk_update(batch, ["key"])
        sent += len(batch)
    Questionnaire.objects.filter(wave=wave).update(
        entered_by=None, respondent_number=None, submitted_at=closed, created_at=closed,
        updated_at=closed)
    wave.anonymised_at = timezone.now()
    wave.save(update_fields=["anonymised_at", "updated_at"])
    done = {"personal_links_deleted": links, "unsent_questionnaires_deleted": unsent,
            "questionnaires_anonymised": sent}
    audit.record(wave.territory, user, AuditEntry.Action.UPDATE, wave, summary=wave.title,
                 changes={"anonymised": [None, done]})
    return done


@transaction.atomic
def open_wave(wave: Wave, *, user) -> Wave:
    if wave.anonymised_at is not None:
        raise ValidationError(_("This wave was anonymised for good: it cannot be opened again."))
    if not WaveIndicator.objects.filter(wave=wave).exists():
        raise ValidationError(_("Choose the wave's indicators before opening it."))
    now = timezone.now()
    fields = {"opens_at": wave.opens_at if wave.opens_at and wave.opens_at <= now else now}
    if wave.closes_at is not None and wave.closes_at <= now:
        fields["closes_at"] = None
    return update_wave(wave, user=user, **fields)


@transaction.atomic
def close_wave(wave: Wave, *, user) -> Wave:
    now = timezone.now()
    fields = {"closes_at": now}
    if wave.opens_at is None or wave.opens_at > now:
        fields["opens_at"] = now - timezone.timedelta(seconds=1)
    return update_wave(wave, user=user, **fields)


@transaction.atomic
def set_public_link(wave: Wave, *, user, enabled: bool, new_token: bool = False) -> Wave:
    from cospiral.surveys.models import new_token as make_token

    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    wave.public_link_enabled = enabled
    if new_token:
        wave.public_token = make_token()
    wave.save(update_fields=["public_link_enabled", "public_token", "updated_at"])
    audit.record(wave.territory, user, AuditEntry.Action.UPDATE, wave, summary=wave.title,
                 changes={"public_link_enabled": enabled, "new_token": new_token})
    return wave


@transaction.atomic
def create_tokens(wave: Wave, count: int, *, user, label: str = "") -> list[RespondentToken]:
    if not 1 <= count <= 5000:
        raise ValidationError({"count": _("Create between 1 and 5,000 links at a time.")})
    tokens = RespondentToken.objects.bulk_create(
        [RespondentToken(territory=wave.territory, wave=wave, label=label) for _i in range(count)])
    audit.record(wave.territory, user, AuditEntry.Action.CREATE, wave, summary=wave.title,
                 changes={"respondent_links": count})
    return tokens


@transaction.atomic
def revoke_token(token: RespondentToken, *, user) -> RespondentToken:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(token.territory, user, AuditEntry.Action.DELETE, token.wave, summary=token.wave.title,
                 changes={"respondent_link_revoked": token.pk})
    return token


# --- answers ----------------------------------------------------------------------------


def positions(wave: Wave) -> list[WaveIndicator]:
    return list(WaveIndicator.objects.filter(wave=wave).select_related("indicator").order_by("position"))


def answer_message(error: rules.AnswerError, items: Sequence[WaveIndicator]) -> str:
    """A translated sentence for an answer that cannot be stored, naming where."""
    field = error.field
    if isinstance(field, int) and 0 <= field < len(items):
        where = _("indicator %(code)s") % {"code": items[field].indicator.code}
    elif isinstance(field, int):
        where = _("indicator number %(n)s") % {"n": field + 1}
    else:
        where = str(field or "")
    messages = {
        "level_out_of_range": _("%(where)s: “%(value)s” is not a level; levels go from 1 to 5 (or don't know, not applicable)."),
        "level_unreadable": _("%(where)s: “%(value)s” is not a level; write 1 to 5, d for don't know, n for not applicable, or leave empty."),
        "indicator_not_in_wave": _("%(where)s is not an indicator of this wave."),
        "unknown_profile_question": _("“%(where)s” is not a profile question."),
        "profile_question_not_asked": _("This wave does not ask the question “%(where)s”."),
        "profile_choice_out_of_range": _("%(where)s: “%(value)s” is not one of the choices."),
    }
    template = messages.get(error.code, _("%(where)s: answer not accepted."))
    return (template % {"where": where, "value": error.value}).strip(": ")


def _check_open(wave: Wave, now) -> None:
    status = wave_status(wave, now)
    if status == "closed":
        raise ValidationError(_("This survey closed on %(date)s; answers are no longer accepted.") % {
            "date": date_format(timezone.localtime(wave.closes_at), "DATETIME_FORMAT")})
    if status in ("draft", "scheduled"):
        raise ValidationError(_("This survey is not open yet."))


def _freeze(wave: Wave, items: Sequence[WaveIndicator], now) -> None:
    if wave.frozen_at is not None:
        return
    from cospiral.indicators import services as indicator_services

    Wave.objects.filter(pk=wave.pk, frozen_at__isnull=True).update(frozen_at=now)
    wave.frozen_at = now
    indicator_services.freeze([item.indicator for item in items], at=now)


def _apply(wave: Wave, J: int, cells: Mapping[tuple, tuple[np.ndarray, int]]) -> None:
    """Add counts (J, 8) and respondents to the tally rows of these profile cells."""
    if not cells:
        return
    WaveTally.objects.bulk_create(
        [WaveTally(territory_id=wave.territory_id, wave=wave, age_band=key[0], gender=key[1],
                   neighbourhood=key[2], group_profile=key[3], respondents=0,
                   counts=rules.pack_counts(np.zeros((J, rules.N_CODES), dtype=np.int32)))
         for key in cells],
        ignore_conflicts=True,
    )
    rows = WaveTally.objects.select_for_update().filter(wave=wave)
    if len(cells) == 1:
        key = next(iter(cells))
        rows = rows.filter(age_band=key[0], gender=key[1], neighbourhood=key[2], group_profile=key[3])
    for row in rows:
        key = (row.age_band, row.gender, row.neighbourhood, row.group_profile)
        if key not in cells:
            continue
        delta, respondents = cells[key]
        counts = rules.unpack_counts(row.counts, J).astype(np.int64) + delta
        if counts.min() < 0 or row.respondents + respondents < 0:
            raise RuntimeError(f"Tally of wave {wave.pk} would go negative: recompute it.")
        row.counts = rules.pack_counts(counts)
        row.respondents += respondents
        row.save(update_fields=["counts", "respondents"])


def _add_cells(cells: dict, sheet_profile, levels: bytes, J: int, sign: int) -> None:
    delta = rules.tally_delta(levels, J).astype(np.int64) * sign
    if sheet_profile in cells:
        counts, respondents = cells[sheet_profile]
        cells[sheet_profile] = (counts + delta, respondents + sign)
    else:
        cells[sheet_profile] = (delta, sign)


@dataclass
class Saved:
    questionnaire: Questionnaire
    created: bool
    submitted_now: bool


def sheet_for(wave: Wave, items, answers: Mapping[int, int], profile: Mapping[str, int] | None,
              consent: bool) -> rules.Sheet:
    try:
        return rules.make_sheet(
            answers, len(items), profile=profile, asked=wave.profile_questions,
            choices=rules.choice_counts({"neighbourhood": wave.neighbourhoods,
                                         "group_profile": wave.group_profiles}),
            consent=consent)
    except rules.AnswerError as error:
        raise ValidationError(answer_message(error, items)) from error


@transaction.atomic
def save_questionnaire(
    wave: Wave,
    *,
    key: str,
    channel: str,
    answers: Mapping[int, int],
    profile: Mapping[str, int] | None = None,
    consent: bool = False,
    submit: bool = True,
    replace: bool = False,
    user=None,
    respondent_number: int | None = None,
    now=None,
) -> Saved:
    """Store one respondent's answers under an idempotency ``key`` (unique per wave).

    A key already submitted raises ``AlreadySubmitted`` (nothing changes) unless
    ``replace`` (a facilitator correcting a typed-in questionnaire). ``submit=False``
    saves without counting (save and resume); the tallies count submitted
    questionnaires only, updated here in the same transaction."""
    now = now or timezone.now()
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    _check_open(wave, now)
    items = positions(wave)
    if not items:
        raise ValidationError(_("This wave has no indicators."))
    sheet = sheet_for(wave, items, answers, profile, consent)
    J = len(items)
    existing = Questionnaire.objects.select_for_update().filter(wave=wave, key=key).first()
    cells: dict = {}
    if existing is not None and existing.submitted_at is not None:
        if not replace:
            raise AlreadySubmitted(existing)
        _add_cells(cells, existing.profile, bytes(existing.levels), J, -1)
    _freeze(wave, items, now)
    fields = dict(
        channel=channel, levels=sheet.levels, age_band=sheet.profile[0], gender=sheet.profile[1],
        neighbourhood=sheet.profile[2], group_profile=sheet.profile[3],
        consent=bool(consent and any(code != rules.NOT_STATED for code in sheet.profile)),
        respondent_number=respondent_number,
    )
    if user is not None and getattr(user, "is_authenticated", False):
        fields["entered_by"] = user
    submitted_now = False
    if submit:
        fields["submitted_at"] = existing.submitted_at if (existing and existing.submitted_at) else now
        submitted_now = existing is None or existing.submitted_at is None
        _add_cells(cells, sheet.profile, sheet.levels, J, +1)
    if existing is None:
        questionnaire = Questionnaire.objects.create(territory_id=wave.territory_id, wave=wave, key=key, **fields)
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        questionnaire = existing
    _apply(wave, J, cells)
    if user is not None and getattr(user, "is_authenticated", False):
        audit.record(wave.territory, user,
                     AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
                     questionnaire, summary=f"{wave.title} — {key}")
    return Saved(questionnaire, existing is None, submitted_now)


@dataclass
class BulkResult:
    created: int
    skipped: int  # identical to what was already stored (re-import)


@transaction.atomic
def submit_many(wave: Wave, sheets: Iterable[tuple[str, str, rules.Sheet, int | None]], *, user,
                now=None) -> BulkResult:
    """Store many already-checked questionnaires at once (a file import): each
    ``(key, channel, sheet, respondent_number)``. A key already stored with the same
    answers is skipped; with different answers, the whole batch is refused (the caller
    reports the line). Tallies are updated once per profile cell."""
    now = now or timezone.now()
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    _check_open(wave, now)
    items = positions(wave)
    J = len(items)
    sheets = list(sheets)
    keys = [s[0] for s in sheets]
    existing = {}
    for start in range(0, len(keys), 900):  # stay under SQLite's limit of query variables
        existing.update((q.key, q) for q in Questionnaire.objects.filter(
            wave=wave, key__in=keys[start:start + 900]))
    if len(set(keys)) != len(keys):
        raise ValidationError(_("A respondent appears twice in the same file."))
    fresh, skipped = [], 0
    for key, channel, sheet, number in sheets:
        old = existing.get(key)
        if old is not None:
            if old.submitted_at is not None and bytes(old.levels) == sheet.levels and old.profile == sheet.profile:
                skipped += 1
                continue
            raise ValidationError(_("Respondent %(key)s is already stored with other answers.") % {"key": key.split(":", 1)[-1]})
        fresh.append(Questionnaire(
            territory_id=wave.territory_id, wave=wave, key=key, channel=channel,
            respondent_number=number, levels=sheet.levels, age_band=sheet.profile[0],
            gender=sheet.profile[1], neighbourhood=sheet.profile[2], group_profile=sheet.profile[3],
            consent=any(code != rules.NOT_STATED for code in sheet.profile), submitted_at=now,
            entered_by=user if getattr(user, "is_authenticated", False) else None))
    if fresh:
        _freeze(wave, items, now)
        Questionnaire.objects.bulk_create(fresh, batch_size=2000)
        # Vectorised tally of the new questionnaires, per profile cell.
        levels = rules.matrix([q.levels for q in fresh], J).astype(np.int64) - rules.LOWEST_CODE
        profiles = np.array([q.profile for q in fresh], dtype=np.int64)
        unique, inverse = np.unique(profiles, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        flat = (inverse[:, None] * J + np.arange(J)[None, :]) * rules.N_CODES + levels
        counts = np.bincount(flat.ravel(), minlength=len(unique) * J * rules.N_CODES)
        counts = counts.reshape(len(unique), J, rules.N_CODES)
        sizes = np.bincount(inverse, minlength=len(unique))
        _apply(wave, J, {tuple(int(v) for v in unique[c]): (counts[c], int(sizes[c]))
                         for c in range(len(unique))})
    audit.record(wave.territory, user, AuditEntry.Action.IMPORT, wave, summary=wave.title,
                 changes={"questionnaires": len(fresh), "skipped": skipped})
    return BulkResult(created=len(fresh), skipped=skipped)


def recount(wave: Wave) -> dict[tuple, tuple[np.ndarray, int]]:
    """The tallies a recomputation from the submitted questionnaires gives (tests, repair)."""
    J = WaveIndicator.objects.filter(wave=wave).count()
    cells: dict = {}
    for profile_levels in (Questionnaire.objects.filter(wave=wave, submitted_at__isnull=False)
                           .values_list("age_band", "gender", "neighbourhood", "group_profile", "levels")
                           .iterator(chunk_size=5000)):
        _add_cells(cells, tuple(profile_levels[:4]), bytes(profile_levels[4]), J, +1)
    return cells


@transaction.atomic
def rebuild_tallies(wave: Wave) -> int:
    """Replace the wave's tallies by a recomputation; returns the number of cells."""
    Wave.objects.select_for_update().get(pk=wave.pk)
    cells = recount(wave)
    WaveTally.objects.filter(wave=wave).delete()
    WaveTally.objects.bulk_create([
        WaveTally(territory_id=wave.territory_id, wave=wave, age_band=k[0], gender=k[1],
                  neighbourhood=k[2], group_profile=k[3], respondents=n,
                  counts=rules.pack_counts(c)) for k, (c, n) in cells.items()])
    return len(cells)
