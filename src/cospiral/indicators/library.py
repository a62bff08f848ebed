"""The library of example indicators shipped with cospiral
(``cospiral/data/indicators/library.json``): our own examples, not official texts of the
Council of Europe, copied into a territory's draft as starting points."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cospiral.domain.indicators import CATEGORIES

LIBRARY_FILE = "library.json"


@dataclass(frozen=True)
class Example:
    key: str
    component: str
    titles: dict
    #: [(category, {"fr": ..., "en": ...}), ...] in category order
    criteria: tuple
    levels: tuple

    def title(self, language: str) -> str:
        return _pick(self.titles, language)

    def level_texts(self, language: str) -> list[str]:
        return [_pick(level, language) for level in self.levels]

    def criteria_by_category(self, language: str) -> list[tuple[str, list[str]]]:
        return [(category, [_pick(t, language) for c, t in self.criteria if c == category])
                for category in CATEGORIES]


def _pick(texts: dict, language: str) -> str:
    language = (language or "en")[:2]
    return texts.get(language) or texts.get("en") or texts.get("fr") or ""


def document() -> dict:
    text = resources.files("cospiral.data").joinpath("indicators", LIBRARY_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def examples() -> tuple[Example, ...]:
    return tuple(
        Example(
            key=e["key"], component=e["component"], titles=dict(e["titles"]),
            criteria=tuple((category, dict(t)) for category in CATEGORIES
                           for t in e["criteria"].get(category, [])),
            levels=tuple(dict(level) for level in e["levels"]),
        )
        for e in document()["examples"]
    )


def example(key: str) -> Example | None:
    return next((e for e in examples() if e.key == key), None)
