"""What the suggestion models learn from, and the keys that say when a model file is
stale: the shipped examples, a territory's confirmed codings, the words of its grid."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from cospiral.cards.models import Card
from cospiral.domain import suggest as domain
from cospiral.grid.models import GridEntry

# Of the files on disk; a file of another format is rebuilt. 3: models learn the question
# a card answers (Q1 well-being, Q2 ill-being, ...) as a feature; 4: and guess it from the
# text when it is unknown (the domain package's modules are hashed one by one); 5: the
# classifier is a linear model blended with a complement naive Bayes (``_Blended``).
FORMAT = 5
GRID_KEY_SECONDS = 30

_grid_keys: dict[int, tuple[float, str]] = {}
_source_key: str | None = None
_base_examples: list[domain.Example] | None = None


def base_examples() -> list[domain.Example]:
    """The shipped examples, read once per process."""
    global _base_examples
    if _base_examples is None:
        _base_examples = domain.shipped_examples()
    return _base_examples


def confirmed_codings(territory):
    """The territory's counted cards coded by a person, with a text."""
    return (
        Card.objects.of(territory).counted()
        .filter(coded_by__isnull=False, component__isnull=False)
        .exclude(text="")
    )


def _phrases(entries) -> tuple[list[str], list[str]]:
    texts, codes = [], []
    for entry in entries:
        for language in sorted(set(entry.labels) | set(entry.descriptions or {})):
            for phrase in domain.grid_phrases(entry.labels.get(language, ""),
                                              (entry.descriptions or {}).get(language, "")):
                texts.append(phrase)
                codes.append(entry.code)
    return texts, codes


def grid_training(territory) -> tuple[list[str], list[str]]:
    """Phrases of the labels and descriptions (every language) of the components the
    territory may use, its local ones included."""
    return _phrases(GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.COMPONENT)
                    .order_by("code"))


def _version_entries(version_id: int):
    return (GridEntry.objects.filter(version_id=version_id, territory__isnull=True,
                                     kind=GridEntry.Kind.COMPONENT).order_by("code"))


def _code_key() -> str:
    """Hash of what every model depends on besides the grid: the shipped examples, the
    code of the features and the classifier, the library versions."""
    global _source_key
    if _source_key is None:
        import sklearn

        digest = hashlib.sha256(f"{FORMAT}|{sklearn.__version__}|{np.__version__}".encode())
        for path in [*sorted(Path(domain.__file__).parent.glob("*.py")), *sorted(domain.EXAMPLES_DIR.glob("*")),
                     domain.EXAMPLES_DIR.parent / "demo" / "demo_fr.json"]:
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        _source_key = digest.hexdigest()
    return _source_key


def base_key(version_id: int) -> str:
    """Content key of the base model of a grid version (cached a few seconds)."""
    now = time.monotonic()
    cached = _grid_keys.get(version_id)
    if cached and now - cached[0] < GRID_KEY_SECONDS:
        return cached[1]
    digest = hashlib.sha256(_code_key().encode())
    for code, labels, descriptions in _version_entries(version_id).values_list(
            "code", "labels", "descriptions"):
        digest.update(repr((code, sorted(labels.items()), sorted((descriptions or {}).items()))).encode())
    key = digest.hexdigest()
    _grid_keys[version_id] = (now, key)
    return key


def forget() -> None:
    """Forget the keys computed in this process (the files' contents may have changed)."""
    global _source_key
    _grid_keys.clear()
    _source_key = None
