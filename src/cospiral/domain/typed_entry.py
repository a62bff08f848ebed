"""Typed-in paper questionnaires: one character per indicator, in the order of the
wave's instrument, so that a questionnaire of 20 indicators is 20 keystrokes.

Characters: ``1``–``5`` a level; ``d`` or ``?`` don't know; ``n`` or ``x`` not
applicable; space, ``.`` or ``-`` no answer (upper or lower case). Pure functions, no
Django: the pages turn ``AnswerError`` into a translated sentence naming the character
and the indicator."""

from __future__ import annotations

from collections.abc import Iterable

from cospiral.domain.scoring import DONT_KNOW, MISSING, NOT_APPLICABLE
from cospiral.domain.survey import AnswerError

DONT_KNOW_CHARS = frozenset("d?")
NOT_APPLICABLE_CHARS = frozenset("nx")
MISSING_CHARS = frozenset(" .-")
#: The character written back for each stored code (corrections prefill the string).
CHAR_OF_CODE = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5", DONT_KNOW: "d", NOT_APPLICABLE: "n",
                MISSING: "."}


def _clean(text: str) -> str:
    return text.replace("\r", "").replace("\n", "").replace("\t", " ")


def parse_char(char: str) -> int:
    """The answer code of one typed character; ``AnswerError`` otherwise
    (``level_out_of_range`` for a digit other than 1–5, ``level_unreadable`` else)."""
    lowered = char.lower()
    if lowered in ("1", "2", "3", "4", "5"):
        return int(lowered)
    if lowered in DONT_KNOW_CHARS:
        return DONT_KNOW
    if lowered in NOT_APPLICABLE_CHARS:
        return NOT_APPLICABLE
    if lowered in MISSING_CHARS:
        return MISSING
    if lowered.isdigit():
        raise AnswerError("level_out_of_range", value=char)
    raise AnswerError("level_unreadable", value=char)


def parse_typed(text: str, indicators: int) -> dict[int, int]:
    """Position (0-based) → code for every indicator, from a typed string of exactly
    ``indicators`` characters.

    Raises ``AnswerError``: ``wrong_length`` (``field`` = characters typed, ``value`` =
    characters expected), ``level_out_of_range`` / ``level_unreadable`` (``field`` = the
    0-based position of the first wrong character), or ``no_answer`` when every
    character means "no answer"."""
    problems = errors_of(text, indicators)
    if problems:
        raise problems[0]
    return {position: parse_char(char) for position, char in enumerate(_clean(text))}


def errors_of(text: str, indicators: int) -> list[AnswerError]:
    """Every problem of a typed string (not only the first), for the live echo and the
    form: a wrong length, then each unreadable character by position."""
    text = _clean(text)
    found = []
    if len(text) != indicators:
        found.append(AnswerError("wrong_length", len(text), indicators))
    for position, char in enumerate(text[:indicators]):
        try:
            parse_char(char)
        except AnswerError as error:
            found.append(AnswerError(error.code, position, char))
    if not found and all(c in MISSING_CHARS for c in text):
        found.append(AnswerError("no_answer"))
    return found


def format_typed(codes: Iterable[int]) -> str:
    """The typed string of stored codes (the inverse of ``parse_typed``)."""
    return "".join(CHAR_OF_CODE.get(int(code), ".") for code in codes)
