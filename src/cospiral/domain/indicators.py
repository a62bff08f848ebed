"""Rules of indicators of progress (METHOD.md §7), on plain data: no Django import.

An indicator is built per grid component in two steps: its criteria are sorted into four
categories (possibility/access, obtaining, quality, sustainability), then five situation
levels are described, from 1 (very unsatisfactory) to 5 (ideal), in French and English.
``problems`` lists what is still missing before the indicator is ready for a survey.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

LANGUAGES = ("fr", "en")
CATEGORIES = ("possibility", "obtaining", "quality", "sustainability")
LEVEL_COUNT = 5

MAX_TITLE_CHARS = 200
MAX_LEVEL_CHARS = 1000
MAX_CRITERION_CHARS = 2000
MAX_CODE_CHARS = 20

# Message keys of ``problems``: the pages turn each into a translated sentence.
TITLE_MISSING = "title_missing"
LEVELS_COUNT = "levels_count"
LEVEL_MISSING = "level_missing"
NO_CRITERIA = "no_criteria"
CRITERIA_UNSORTED = "criteria_unsorted"
CATEGORY_UNKNOWN = "category_unknown"

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def used_languages(languages: Iterable[str] | None) -> tuple[str, ...]:
    """The languages (among French and English, in that order) a territory's content
    must be written in: those the territory declares, or both when it declares none."""
    wanted = set(languages or ())
    return tuple(lang for lang in LANGUAGES if lang in wanted) or LANGUAGES


def problems(titles: Mapping[str, Any] | None, levels: Sequence[Any] | None,
             categories: Iterable[str], *,
             languages: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """What an indicator still lacks, as ``(field, message key)`` pairs in page order.

    ``titles`` is ``{"fr": ..., "en": ...}``; ``levels`` the five descriptors, each
    ``{"fr": ..., "en": ...}``; ``categories`` the category of each of its criteria
    ("" while not sorted). Fields: ``titles.fr``, ``levels``, ``levels.3.en``,
    ``criteria``. An empty list means the indicator is ready for a survey.
    Only the territory's ``languages`` are asked for (a French-only territory never
    needs an English title or English levels); none given means both.
    """
    languages = used_languages(languages)
    found: list[tuple[str, str]] = []
    titles = titles if isinstance(titles, Mapping) else {}
    for language in languages:
        if not _text(titles.get(language)):
            found.append((f"titles.{language}", TITLE_MISSING))
    levels = list(levels) if isinstance(levels, Sequence) and not isinstance(levels, str) else []
    if len(levels) != LEVEL_COUNT:
        found.append(("levels", LEVELS_COUNT))
    for number in range(1, LEVEL_COUNT + 1):
        level = levels[number - 1] if number <= len(levels) else {}
        level = level if isinstance(level, Mapping) else {}
        for language in languages:
            if not _text(level.get(language)):
                found.append((f"levels.{number}.{language}", LEVEL_MISSING))
    categories = [c or "" for c in categories]
    if not categories:
        found.append(("criteria", NO_CRITERIA))
    if any(c == "" for c in categories):
        found.append(("criteria", CRITERIA_UNSORTED))
    if any(c and c not in CATEGORIES for c in categories):
        found.append(("criteria", CATEGORY_UNKNOWN))
    return found


def is_ready(titles: Mapping[str, Any] | None, levels: Sequence[Any] | None,
             categories: Iterable[str], *, languages: Iterable[str] | None = None) -> bool:
    return not problems(titles, levels, categories, languages=languages)


def empty_levels() -> list[dict[str, str]]:
    return [{language: "" for language in LANGUAGES} for _ in range(LEVEL_COUNT)]


def clean_texts(texts: Mapping[str, Any] | None) -> dict[str, str]:
    """``{"fr": ..., "en": ...}`` with both languages present, stripped (other keys dropped)."""
    texts = texts if isinstance(texts, Mapping) else {}
    return {language: _text(texts.get(language)) for language in LANGUAGES}


def clean_levels(levels: Sequence[Any] | None) -> list[dict[str, str]]:
    """Exactly five descriptors, each ``{"fr", "en"}`` stripped; missing ones empty.
    More than five is an error (``ValueError``): nothing is dropped silently."""
    levels = list(levels or [])
    if len(levels) > LEVEL_COUNT:
        raise ValueError(f"an indicator has {LEVEL_COUNT} levels, not {len(levels)}")
    levels += [{}] * (LEVEL_COUNT - len(levels))
    return [clean_texts(level) for level in levels]


def is_valid_code(code: str) -> bool:
    """Letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit."""
    return bool(code) and len(code) <= MAX_CODE_CHARS and bool(_CODE.match(code))


def next_code(component_code: str, existing: Iterable[str]) -> str:
    """The next free code of an indicator of ``component_code``: ``A03-1``, then
    ``A03-2``... (one more than the highest number already used, case-insensitive)."""
    pattern = re.compile(rf"^{re.escape(component_code)}-(\d+)$", re.IGNORECASE)
    numbers = [int(m.group(1)) for code in existing if (m := pattern.match(code or ""))]
    return f"{component_code}-{max(numbers, default=0) + 1}"


# --- the library of example indicators ------------------------------------------------------

def example_categories(example: Mapping[str, Any]) -> list[str]:
    """The category of each example criterion, in order (for ``problems``)."""
    criteria = example.get("criteria") or {}
    return [category for category in criteria for _ in criteria[category] or []]


def library_problems(document: Mapping[str, Any], component_codes: Iterable[str]) -> list[str]:
    """What is wrong with a library document (``data/indicators/library.json``), as plain
    English sentences for developers (the file ships with cospiral): keys unique,
    components known in ``component_codes``, two to four criteria per category in both
    languages, and ``problems`` empty for each example."""
    found: list[str] = []
    codes = set(component_codes)
    seen: set[str] = set()
    examples = document.get("examples")
    if not isinstance(examples, list) or not examples:
        return ["the document has no list of examples"]
    for number, example in enumerate(examples, start=1):
        key = example.get("key") or ""
        where = f"example {number} ({key or 'no key'})"
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", key) or len(key) > 40:
            found.append(f"{where}: the key must be lowercase letters, digits and hyphens, at most 40")
        if key in seen:
            found.append(f"{where}: the key is used twice")
        seen.add(key)
        if example.get("component") not in codes:
            found.append(f"{where}: component {example.get('component')!r} is not in the grid")
        criteria = example.get("criteria") or {}
        if set(criteria) != set(CATEGORIES):
            found.append(f"{where}: criteria must be given for exactly the categories {CATEGORIES}")
        for category, items in criteria.items():
            if not 2 <= len(items or []) <= 4:
                found.append(f"{where}: {category} has {len(items or [])} criteria, not 2 to 4")
            for i, item in enumerate(items or [], start=1):
                for language in LANGUAGES:
                    if not _text((item or {}).get(language)):
                        found.append(f"{where}: {category} criterion {i} has no {language} text")
        for field, key_ in problems(example.get("titles"), example.get("levels"),
                                    example_categories(example)):
            found.append(f"{where}: {field} {key_}")
    return found
