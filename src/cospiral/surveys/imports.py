"""Import of survey questionnaires from a CSV or XLSX file (the ``import`` channel).

One line per respondent: ``respondent_id``, one column per profile question the wave
asks (its choice keys, ``cospiral.surveys.profiles.choice_keys``), ``consent``, then one
column per indicator code of the wave's instrument, each cell a level as
``cospiral.domain.survey.parse_level`` reads it. The file is accepted whole or refused
whole with every error by file, line and column; each respondent is stored under the
key ``i:<respondent_id>``, so importing the same file again creates nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cospiral.core.tabular import TableError, TableRejected, read_table
from cospiral.domain import survey as rules
from cospiral.indicators.models import Indicator
from cospiral.surveys import profiles, services
from cospiral.surveys.models import Questionnaire, Wave

RESPONDENT = "respondent_id"
CONSENT = "consent"
MAX_RESPONDENT_ID = 70
#: French names accepted for the file's columns (indicator codes are the same in both).
COLUMN_ALIASES = {
    RESPONDENT: ("répondant", "id_répondant", "numéro_répondant"),
    CONSENT: ("consentement",),
    "age_band": ("tranche_d_âge", "âge"),
    "gender": ("genre",),
    "neighbourhood": ("quartier",),
    "group_profile": ("profil_du_groupe", "profil"),
}
YES = frozenset({"yes", "y", "oui", "o", "1", "true", "vrai", "x"})
NO = frozenset({"", "no", "n", "non", "0", "false", "faux", "-"})


@dataclass
class ImportResult:
    file: str
    created: int
    skipped: int
    read_as: str = ""   # how the file was read (encoding and separator, or sheet)


def columns(wave: Wave, items=None) -> tuple[list[str], list[str], list[str]]:
    """The file's columns: ``(profile keys, indicator codes, full header)``."""
    items = services.positions(wave) if items is None else items
    asked = [key for key in rules.PROFILE_KEYS if key in (wave.profile_questions or [])]
    codes = [item.indicator.code for item in items]
    header = [RESPONDENT, *asked, *([CONSENT] if asked else []), *codes]
    return asked, codes, header


def _choice_lookup(wave: Wave, key: str) -> dict[str, int]:
    """Accepted spellings (case-insensitive) of each choice: its key and its label."""
    lookup: dict[str, int] = {}
    for index, label in enumerate(profiles.choices(wave, key)):
        lookup.setdefault(str(label).strip().casefold(), index)
    for index, choice in enumerate(profiles.choice_keys(wave, key)):
        lookup[str(choice).strip().casefold()] = index
    return lookup


def _header_errors(wave: Wave, filename: str, rejected: TableRejected, codes: list[str]) -> list[TableError]:
    """Rewrite "unknown column" for a column that is one of the territory's indicator
    codes but not in this wave, which is the likely mistake."""
    known = {c.casefold() for c in Indicator.objects.of(wave.territory).values_list("code", flat=True)}
    wave_codes = {c.casefold() for c in codes}
    errors = []
    for error in rejected.errors:
        column = (error.column or "").casefold()
        if column and column in known and column not in wave_codes and error.line is not None:
            errors.append(TableError(filename, error.line, error.column, _(
                "indicator %(code)s is not in this wave's questionnaire: remove the column "
                "(the wave's indicators are %(codes)s).") % {"code": error.column.upper(),
                                                            "codes": ", ".join(codes)}))
        else:
            errors.append(error)
    return errors


class _ResponseFile:
    """The checks of an imported questionnaire file, line by line."""

    def __init__(self, wave: Wave, filename: str, asked: list[str], codes: list[str]):
        self.wave, self.filename, self.asked, self.codes = wave, filename, asked, codes
        self.errors: list[TableError] = []
        self.lower_codes = [code.lower() for code in codes]
        self.lookups = {key: _choice_lookup(wave, key) for key in asked}
        self.choice_lists = {key: ", ".join(profiles.choice_keys(wave, key)) for key in asked}
        self.counts = rules.choice_counts({"neighbourhood": wave.neighbourhoods,
                                           "group_profile": wave.group_profiles})
        self.seen: dict[str, int] = {}

    def err(self, line, column, message) -> None:
        self.errors.append(TableError(self.filename, line, column, message))

    def respondent(self, line, respondent: str) -> bool:
        if not respondent:
            self.err(line, RESPONDENT, _("the respondent id is empty: give each line its own id "
                                         "(the number written on the paper questionnaire, for "
                                         "example)."))
        elif len(respondent) > MAX_RESPONDENT_ID:
            self.err(line, RESPONDENT, _("the respondent id has %(n)s characters; at most "
                                         "%(max)s.") % {"n": len(respondent),
                                                        "max": MAX_RESPONDENT_ID})
        elif respondent.casefold() in self.seen:
            self.err(line, RESPONDENT, _("respondent “%(id)s” already appears on line %(line)s "
                                         "of this file.")
                     % {"id": respondent, "line": self.seen[respondent.casefold()]})
        else:
            self.seen[respondent.casefold()] = line
            return True
        return False

    def answers(self, line, values) -> dict[int, int] | None:
        answers: dict[int, int] = {}
        ok = True
        for position, column in enumerate(self.lower_codes):
            try:
                answers[position] = rules.parse_level(values.get(column, ""))
            except rules.AnswerError as error:
                ok = False
                if error.code == "level_out_of_range":
                    message = _("“%(value)s” is not a level; levels go from 1 to 5 (or d for "
                                "don't know, n for not applicable).")
                else:
                    message = _("“%(value)s” is not a level; write 1 to 5, d for don't know, n "
                                "for not applicable, or leave empty.")
                self.err(line, self.codes[position], message % {"value": values.get(column)})
        return answers if ok else None

    def profile(self, line, values) -> dict[str, int] | None:
        profile: dict[str, int] = {}
        ok = True
        for key in self.asked:
            raw = values.get(key, "")
            if not raw:
                continue
            index = self.lookups[key].get(raw.casefold())
            if index is None or index >= self.counts.get(key, 0):
                self.err(line, key, _("“%(value)s” is not one of the choices: %(choices)s (or "
                                      "leave empty).")
                         % {"value": raw, "choices": self.choice_lists[key]})
                ok = False
            else:
                profile[key] = index
        return profile if ok else None

    def consent(self, line, values, profile) -> bool | None:
        if not (self.asked and CONSENT in values):
            return False
        raw = values[CONSENT].casefold()
        if raw in YES:
            return True
        if raw not in NO:
            self.err(line, CONSENT, _("“%(value)s”: write yes or no.") % {"value": values[CONSENT]})
            return None
        if profile:
            self.err(line, CONSENT, _("profile answers are given but consent is not: without the "
                                      "respondent's consent, leave the profile columns empty."))
            return None
        return False

    def check(self, row, items):
        """``(line, key, sheet, number)`` of a valid line, else None (errors recorded)."""
        values, line = row.values, row.line
        respondent = values.get(RESPONDENT, "")
        respondent_ok = self.respondent(line, respondent)
        answers = self.answers(line, values)
        if respondent_ok and answers is not None and all(
                code == rules.MISSING for code in answers.values()):
            self.err(line, None, _("this line answers no indicator."))
            answers = None
        profile = self.profile(line, values)
        consent = self.consent(line, values, profile or {})
        if not respondent_ok or answers is None or profile is None or consent is None:
            return None
        try:
            sheet = services.sheet_for(self.wave, items, answers, profile, consent)
        except ValidationError as error:  # pragma: no cover - every rule was checked above
            self.err(line, None, " ".join(error.messages))
            return None
        number = int(respondent) if respondent.isdigit() and len(respondent) < 10 else None
        return (line, f"i:{respondent}", sheet, number)

    def already_imported(self, prepared) -> None:
        """A respondent already stored with other answers: name its line."""
        existing = {}
        keys = [key for _line, key, _sheet, _number in prepared]
        for start in range(0, len(keys), 900):
            existing.update((q.key, q) for q in Questionnaire.objects.filter(
                wave=self.wave, key__in=keys[start:start + 900]).only(
                    "key", "levels", "age_band", "gender", "neighbourhood", "group_profile",
                    "submitted_at"))
        for line, key, sheet, _number in prepared:
            old = existing.get(key)
            if old is not None and not (old.submitted_at is not None
                                        and bytes(old.levels) == sheet.levels
                                        and old.profile == sheet.profile):
                self.err(line, RESPONDENT, _("respondent “%(id)s” was already imported with "
                                             "other answers; the file cannot change them "
                                             "(correct the questionnaire instead).")
                         % {"id": key[2:]})


def _read(wave: Wave, data: bytes, filename: str):
    """``(rows, items, asked, codes)`` of an open wave's file; raises ``TableRejected``."""
    try:
        services._check_open(wave, timezone.now())
    except ValidationError as error:
        raise TableRejected([TableError(filename, None, None, " ".join(error.messages))]) from error
    items = services.positions(wave)
    if not items:
        raise TableRejected([TableError(filename, None, None, _("This wave has no indicators."))])
    asked, codes, _header = columns(wave, items)
    try:
        rows = read_table(data, filename, required=[RESPONDENT, *codes],
                          optional=[*asked, *([CONSENT] if asked else [])],
                          aliases=COLUMN_ALIASES)
    except TableRejected as rejected:
        raise TableRejected(_header_errors(wave, filename, rejected, codes)) from rejected
    if any(key in rows[0].values for key in asked) and CONSENT not in rows[0].values:
        raise TableRejected([TableError(filename, None, CONSENT, _(
            "this column is required with the profile columns: write yes when the respondent "
            "agreed to answer the profile questions, no otherwise."))])
    return rows, items, asked, codes


def import_responses(wave: Wave, data: bytes, filename: str, *, user, progress=None) -> ImportResult:
    """Read, check and store every questionnaire of the file, or none.

    Raises ``TableRejected`` with every problem found (file, line, column, reason),
    including a wave that is not open. Lines already imported with the same answers are
    skipped; a respondent already imported with different answers is an error of its
    line (correct it by typing the questionnaire, not by a second import).
    ``progress(done, total)``, when given, is called as the lines are checked."""
    rows, items, asked, codes = _read(wave, data, filename)
    checker = _ResponseFile(wave, filename, asked, codes)
    prepared = []
    for number, row in enumerate(rows, start=1):
        if progress is not None and number % 2000 == 0:
            progress(number, len(rows))
        checked = checker.check(row, items)
        if checked is not None:
            prepared.append(checked)
    checker.already_imported(prepared)
    if checker.errors:
        checker.errors.sort(key=lambda e: (e.line or 0))
        raise TableRejected(checker.errors)
    try:
        result = services.submit_many(
            wave, [(key, Questionnaire.Channel.IMPORT, sheet, number)
                   for _line, key, sheet, number in prepared], user=user)
    except ValidationError as error:
        raise TableRejected([TableError(filename, None, None, " ".join(error.messages))]) from error
    return ImportResult(filename, result.created, result.skipped, rows.described())


def template_rows(wave: Wave) -> list[list[str]]:
    """Header and two example lines of an import file for this wave."""
    asked, codes, header = columns(wave)
    examples = []
    for n, pattern in ((1, "34d2n5"), (2, "2 3 45")):
        row = [str(n)]
        for key in asked:
            keys = profiles.choice_keys(wave, key)
            row.append(keys[(n - 1) % len(keys)] if keys and n == 1 else "")
        if asked:
            row.append("yes" if n == 1 else "no")
        for position in range(len(codes)):
            char = pattern[position % len(pattern)]
            row.append("" if char == " " else char)
        examples.append(row)
    return [header, *examples]


def help_rows(wave: Wave) -> list[list[str]]:
    """What to write in each column (the second sheet of the Excel template)."""
    asked, codes, _header = columns(wave)
    rows = [[_("Column"), _("What to write")],
            [RESPONDENT, _("the respondent's own id, unique in the wave: the number written on "
                           "the paper questionnaire, for example. Importing a file again skips "
                           "the ids already imported.")]]
    for key in asked:
        rows.append([key, _("%(question)s, optional: one of %(choices)s") % {
            "question": profiles.QUESTION_LABELS[key],
            "choices": ", ".join(f"{k} ({label})" if k != label else k for k, label in zip(
                profiles.choice_keys(wave, key), profiles.choices(wave, key), strict=True))}])
    if asked:
        rows.append([CONSENT, _("yes if the respondent agreed to answer the profile questions, "
                                "no otherwise (then leave the profile columns empty)")])
    for item in services.positions(wave):
        rows.append([item.indicator.code, _("%(title)s: 1 to 5, d (don't know), n (not applicable), "
                                            "or empty (no answer)") % {
            "title": item.indicator.title(translation.get_language() or "fr")}])
    return rows
