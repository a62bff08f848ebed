"""Rules of a survey wave's answers, without Django: the profile questions, the packing
of one questionnaire's levels, and the validation of an answer sheet.

A questionnaire's levels are one signed byte per indicator, in the order of the wave's
frozen instrument, with the codes of ``cospiral.domain.scoring``: 1–5 a level,
``MISSING`` (0) no answer, ``DONT_KNOW`` (−1), ``NOT_APPLICABLE`` (−2). Profile answers
are small integer codes, ``NOT_STATED`` (−1) when not given or not asked."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cospiral.domain.scoring import (
    DONT_KNOW,
    HIGHEST_CODE,
    LOWEST_CODE,
    MISSING,
    N_CODES,
    NOT_APPLICABLE,
)

NOT_STATED = -1

#: The optional profile questions, in a fixed order (the order of the tally key).
PROFILE_KEYS = ("age_band", "gender", "neighbourhood", "group_profile")
#: Fixed answer keys of the two questions whose choices are the same everywhere; the
#: other two take their choices from the wave (territory-defined lists).
AGE_BANDS = ("under_18", "18_29", "30_44", "45_59", "60_74", "75_plus")
GENDERS = ("woman", "man", "other")

#: Letters accepted for the two non-level answers in typed entry and files.
DONT_KNOW_TOKENS = ("d", "dk", "?", "nsp", "ne sait pas", "don't know", "dont know")
NOT_APPLICABLE_TOKENS = ("n", "na", "n/a", "x", "nc", "non concerné", "non concernée", "not applicable")
MISSING_TOKENS = ("", "-", ".")


class AnswerError(ValueError):
    """An answer that cannot be stored. ``field`` names where (an indicator position or a
    profile key), ``code`` says what, ``value`` is what was given."""

    def __init__(self, code: str, field: str | int | None = None, value: object = None) -> None:
        super().__init__(f"{code}: {field!r} = {value!r}")
        self.code = code
        self.field = field
        self.value = value


@dataclass(frozen=True)
class Sheet:
    """One respondent's answers, checked: ``levels`` (J,) int8 codes, ``profile`` codes
    in the order of ``PROFILE_KEYS``."""

    levels: bytes
    profile: tuple[int, ...]  # one code per PROFILE_KEYS

    @property
    def answered(self) -> int:
        return sum(1 for b in np.frombuffer(self.levels, dtype=np.int8) if b != MISSING)


def parse_level(text: object) -> int:
    """A level or a non-level answer as typed by a person or found in a file: "1".."5",
    "d"/"?" don't know, "n"/"x" not applicable, "" or "-" no answer. ``AnswerError``
    ("level_out_of_range" or "level_unreadable") otherwise."""
    if text is None:
        return MISSING
    if isinstance(text, bool):
        raise AnswerError("level_unreadable", value=text)
    if isinstance(text, int | float | np.integer | np.floating):
        if isinstance(text, float | np.floating) and not math.isfinite(text):
            raise AnswerError("level_unreadable", value=text)
        if float(text) != int(text):
            raise AnswerError("level_unreadable", value=text)
        value = int(text)
        if 1 <= value <= 5:
            return value
        raise AnswerError("level_out_of_range", value=text)
    token = str(text).strip().lower()
    if token in MISSING_TOKENS:
        return MISSING
    if token in DONT_KNOW_TOKENS:
        return DONT_KNOW
    if token in NOT_APPLICABLE_TOKENS:
        return NOT_APPLICABLE
    try:
        number = float(token.replace(",", "."))
    except ValueError:
        raise AnswerError("level_unreadable", value=text) from None
    if not math.isfinite(number):  # "inf", "nan", "1e999"
        raise AnswerError("level_unreadable", value=text)
    if number != int(number):
        raise AnswerError("level_unreadable", value=text)
    if 1 <= number <= 5:
        return int(number)
    raise AnswerError("level_out_of_range", value=text)


def choice_counts(wave_choices: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Number of answer choices of each profile question."""
    return {
        "age_band": len(AGE_BANDS),
        "gender": len(GENDERS),
        "neighbourhood": len(wave_choices.get("neighbourhood", ())),
        "group_profile": len(wave_choices.get("group_profile", ())),
    }


def make_sheet(
    answers: Mapping[int, int],
    indicators: int,
    *,
    profile: Mapping[str, int] | None = None,
    asked: Iterable[str] = (),
    choices: Mapping[str, int] | None = None,
    consent: bool = False,
) -> Sheet:
    """Check an answer sheet and pack it. ``answers``: position (0..J-1) → code (already
    parsed). ``profile``: key → choice index; kept only for questions the wave asks and
    only with the respondent's consent (otherwise every profile code is NOT_STATED)."""
    levels = np.zeros(indicators, dtype=np.int8)
    for position, code in answers.items():
        if not isinstance(position, int) or not 0 <= position < indicators:
            raise AnswerError("indicator_not_in_wave", position, code)
        if not isinstance(code, int) or not LOWEST_CODE <= code <= HIGHEST_CODE:
            raise AnswerError("level_out_of_range", position, code)
        levels[position] = code
    asked = set(asked)
    counts = dict(choices or {})
    coded = [NOT_STATED] * len(PROFILE_KEYS)
    for key, value in (profile or {}).items():
        if key not in PROFILE_KEYS:
            raise AnswerError("unknown_profile_question", key, value)
        if value is None or value == NOT_STATED:
            continue
        if key not in asked:
            raise AnswerError("profile_question_not_asked", key, value)
        if not isinstance(value, int) or not 0 <= value < counts.get(key, 0):
            raise AnswerError("profile_choice_out_of_range", key, value)
        if consent:
            coded[PROFILE_KEYS.index(key)] = value
    return Sheet(levels=levels.tobytes(), profile=tuple(coded))


def unpack(levels: bytes, indicators: int) -> np.ndarray:
    """The int8 codes of a packed questionnaire (padded with MISSING if the packing is
    shorter, which it never is for a frozen instrument)."""
    array = np.frombuffer(levels, dtype=np.int8)
    if len(array) == indicators:
        return array
    out = np.zeros(indicators, dtype=np.int8)
    out[: min(len(array), indicators)] = array[:indicators]
    return out


def tally_delta(levels: bytes, indicators: int) -> np.ndarray:
    """(J, 8) int32 counts one questionnaire adds to its tally cell."""
    codes = unpack(levels, indicators).astype(np.int64) - LOWEST_CODE
    delta = np.zeros((indicators, N_CODES), dtype=np.int32)
    delta[np.arange(indicators), codes] = 1
    return delta


def pack_counts(counts: np.ndarray) -> bytes:
    return np.ascontiguousarray(counts, dtype="<i4").tobytes()


def unpack_counts(blob: bytes, indicators: int) -> np.ndarray:
    array = np.frombuffer(bytes(blob), dtype="<i4")
    if array.size == 0:
        return np.zeros((indicators, N_CODES), dtype=np.int32)
    return array.reshape(indicators, N_CODES)


def matrix(packed: Sequence[bytes], indicators: int) -> np.ndarray:
    """The level matrix (respondents × indicators, int8) of packed questionnaires."""
    if not packed:
        return np.zeros((0, indicators), dtype=np.int8)
    blob = b"".join(bytes(p) for p in packed)
    if len(blob) == len(packed) * indicators:
        return np.frombuffer(blob, dtype=np.int8).reshape(len(packed), indicators)
    return np.stack([unpack(bytes(p), indicators) for p in packed])


__all__ = [
    "AGE_BANDS",
    "AnswerError",
    "DONT_KNOW",
    "GENDERS",
    "MISSING",
    "NOT_APPLICABLE",
    "NOT_STATED",
    "PROFILE_KEYS",
    "Sheet",
    "choice_counts",
    "make_sheet",
    "matrix",
    "pack_counts",
    "parse_level",
    "tally_delta",
    "unpack",
    "unpack_counts",
]
