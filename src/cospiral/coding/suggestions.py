"""Coding suggestions for a territory's cards: the top components with a confidence.

``suggest(territory, cards, k=3)`` returns ``{card id: [Suggestion, ...]}``. The model is
trained on the labelled examples that cospiral ships (``cospiral/data/examples``, plus the
demo's coded cards) and on the territory's own *confirmed* codings: cards whose component
a person set (``coded_by`` not empty). Suggestions never train the model and never code a
card: a person confirms them through the coding services.

Only codes the territory may use are suggested: the components of its grid version and
its own local components, never another territory's.

The grid's own words (labels and descriptions of the territory's components) are added as
short examples. Trained models are cached in process memory, keyed by (territory, grid
version, number of confirmed codings, latest coding time, number of local components), so a new confirmation retrains on the next
request and nothing else does. They are also kept on disk with joblib under
``DATA_DIR/models`` so that a restart does not retrain.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max

from cospiral.criteria.models import Card
from cospiral.domain import suggest as domain
from cospiral.grid.models import GridEntry

log = logging.getLogger(__name__)

_CACHE_SIZE = 32
_cache: OrderedDict[tuple, domain.Model] = OrderedDict()
_lock = threading.Lock()
_base_examples: list[domain.Example] | None = None


@dataclass(frozen=True)
class Suggestion:
    code: str
    label: str
    confidence: float  # 0..1


def base_examples() -> list[domain.Example]:
    """The shipped examples, read once per process."""
    global _base_examples
    if _base_examples is None:
        _base_examples = domain.shipped_examples()
    return _base_examples


def confirmed_codings(territory):
    """(text, component code) of the territory's cards coded by a person, counted ones."""
    return (
        Card.objects.of(territory).counted()
        .filter(coded_by__isnull=False, component__isnull=False)
        .exclude(text="")
    )


def cache_key(territory) -> tuple:
    stats = confirmed_codings(territory).aggregate(n=Count("id"), latest=Max("coded_at"))
    latest = stats["latest"].isoformat() if stats["latest"] else ""
    local = GridEntry.objects.of(territory).filter(territory=territory).aggregate(
        n=Count("id"), last=Max("id"))
    return (territory.pk, territory.grid_version_id, stats["n"], latest,
            local["n"], local["last"] or 0)


def _disk_path(key: tuple):
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    return settings.DATA_DIR / "models" / f"suggest-t{key[0]}-v{key[1]}-{digest}.joblib"


def grid_training(territory) -> tuple[list[str], list[str]]:
    """Phrases of the labels and descriptions (every language) of the components the
    territory may use, its local ones included: a new local component is suggested for
    cards that use its words before anyone has coded a card with it."""
    texts, codes = [], []
    for entry in GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.COMPONENT):
        for language in sorted(set(entry.labels) | set(entry.descriptions or {})):
            for phrase in domain.grid_phrases(entry.labels.get(language, ""),
                                              (entry.descriptions or {}).get(language, "")):
                texts.append(phrase)
                codes.append(entry.code)
    return texts, codes


def _train_for(territory) -> domain.Model:
    texts = [e.text for e in base_examples()]
    codes = [e.code for e in base_examples()]
    grid_texts, grid_codes = grid_training(territory)
    texts += grid_texts
    codes += grid_codes
    for text, code in confirmed_codings(territory).values_list("text", "component__code").iterator():
        texts.append(text)
        codes.append(code)
    return domain.train(texts, codes, seed=0)


def model_for(territory) -> domain.Model:
    """The territory's trained model, from memory, disk, or trained now."""
    key = cache_key(territory)
    with _lock:
        model = _cache.get(key)
        if model is not None:
            _cache.move_to_end(key)
            return model
    path = _disk_path(key)
    model = None
    if path.exists():
        try:
            import joblib

            model = joblib.load(path)
        except Exception:  # a corrupt or incompatible file: retrain
            log.warning("Could not read the suggestion model %s; retraining.", path, exc_info=True)
            model = None
    if model is None:
        model = _train_for(territory)
        try:
            import joblib

            path.parent.mkdir(parents=True, exist_ok=True)
            # Remove this territory's older models before writing the new one.
            for old in path.parent.glob(f"suggest-t{key[0]}-*.joblib"):
                old.unlink(missing_ok=True)
            tmp = path.with_suffix(".tmp")
            joblib.dump(model, tmp)
            tmp.replace(path)
        except OSError:
            log.warning("Could not save the suggestion model to %s.", path, exc_info=True)
    with _lock:
        _cache[key] = model
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def allowed_components(territory) -> dict[str, GridEntry]:
    """Codes a suggestion may name: components of the territory's grid version and its
    own local components."""
    entries = GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.COMPONENT)
    return {e.code: e for e in entries}


def suggest(territory, cards: Iterable, k: int = 3, *,
            language: str | None = None) -> dict[int, list[Suggestion]]:
    """Top ``k`` components for each card (``card.id``, ``card.text``), most confident
    first. Labels are in ``language`` (default: the active language)."""
    cards = [c for c in cards]
    if not cards or k <= 0:
        return {c.id: [] for c in cards}
    allowed = allowed_components(territory)
    if not allowed:
        return {c.id: [] for c in cards}
    model = model_for(territory)
    ranked = domain.top_k(model, [c.text or "" for c in cards], k, allowed=allowed.keys())
    return {
        card.id: [Suggestion(code=code, label=allowed[code].label(language), confidence=conf)
                  for code, conf in row]
        for card, row in zip(cards, ranked, strict=True)
    }
