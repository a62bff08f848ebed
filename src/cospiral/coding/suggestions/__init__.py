"""Coding suggestions for a territory's cards: the top components with a confidence.

``suggest(territory, cards, k=3)`` returns ``{card id: [Suggestion, ...]}``. A request
never trains a model; it only reads what is in memory (or a small file on disk):

- **Base model**: the shipped examples (``cospiral/data/examples``, the demo's coded
  cards) and the words of the grid version's components. Trained once per grid version
  and kept under ``DATA_DIR/models`` (``base-<key>.joblib``, written atomically). Its key
  is a hash of what it is trained from (examples, grid words, the code of
  the ``domain.suggest`` package, scikit-learn's version): a stale or corrupt file is deleted and
  rebuilt in the background, never served. A restart loads it (a fraction of a second).
- **Territory layer** (``cospiral.domain.suggest_layer``): nearest neighbours, over the
  base model's features, among the territory's *confirmed* codings (cards whose component
  a person set, ``coded_by`` not empty) and the words of its local components. A
  confirmation adds its row in the same request (``card_changed``), so it counts for the
  very next card.
- **Full model**: base examples + grid words + confirmed codings, retrained off the
  request (a background thread, debounced: at most one at a time per territory and one
  per ``RETRAIN_SECONDS``) after ``retrain_after`` new confirmations. It is written to
  disk with the layer's rows and named in the database (``coding.SuggestionModel``), so
  every web process loads the newest one (in the background too) and swaps it in.

While nothing is loaded yet the board shows fewer suggestions, or none: it never waits.
Only codes the territory may use are suggested: the components of its grid version and
its own local components, never another territory's. What the models learn from and their
keys are in :mod:`.sources`, their files in :mod:`.files`, the work off the request in
:mod:`.background`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cospiral.cards.models import Card
from cospiral.coding.suggestions import sources
from cospiral.coding.suggestions.background import (
    _background,
    _deferred,
    _lock,
    _running,
)
from cospiral.coding.suggestions.background import (
    is_busy as is_busy,
)
from cospiral.coding.suggestions.background import (
    run_deferred as run_deferred,
)
from cospiral.coding.suggestions.files import (
    _base_path,
    _load_layer,
    _load_model,
    _save_layer,
    _save_model,
    models_dir,
)
from cospiral.coding.suggestions.sources import (
    GRID_KEY_SECONDS,
    _phrases,
    _version_entries,
    base_examples,
    base_key,
    confirmed_codings,
    grid_training,
)
from cospiral.domain import suggest as domain
from cospiral.domain import suggest_layer
from cospiral.grid.models import GridEntry

log = logging.getLogger(__name__)

RETRAIN_SECONDS = 60  # at most one retraining per territory in this time, across processes
RESYNC_SECONDS = 300  # a process re-reads the codings changed elsewhere at least this often
DELTA_LIMIT = 1000  # changed cards read in one go; more and the layer is rebuilt in the background
WARM_TERRITORIES = 20  # territories whose models a starting process loads before they are asked

_bases: OrderedDict[str, domain.Model] = OrderedDict()
_states: dict[int, _State] = {}
_shared_entries: dict[int, tuple[float, dict]] = {}


@dataclass(frozen=True)
class Suggestion:
    code: str
    label: str
    confidence: float  # 0..1


@dataclass
class _State:
    """What this process holds for one territory."""

    base_key: str
    layer: suggest_layer.Layer | None = None
    journal: list[tuple[int, str, str | None]] | None = None  # changes while the layer loads
    full: domain.Model | None = None
    full_file: str = ""
    trained_on: int = 0
    changes: int = 0  # confirmations since the full model
    generation: object = None
    watermark: dt.datetime | None = None
    synced_at: float = 0.0
    local_key: tuple = ()
    local: suggest_layer.Layer | None = None
    nothing_to_train: bool = False


def reset() -> None:
    """Forget every model held in memory (not the files)."""
    with _lock:
        _bases.clear()
        _states.clear()
        _shared_entries.clear()
        _running.clear()
        _deferred.clear()
        sources.forget()


clear_cache = reset


# --- the base model -----------------------------------------------------------------------

def _train_base(version_id: int) -> domain.Model:
    texts, codes = _phrases(_version_entries(version_id))
    examples = base_examples()
    return domain.train([e.text for e in examples] + texts, [e.code for e in examples] + codes,
                        questions=[e.question for e in examples] + [""] * len(texts), seed=0)


def build_base(version_id: int) -> domain.Model:
    """Train and store the base model of a grid version (not in a request)."""
    key = base_key(version_id)
    model = _load_model(_base_path(key), key)
    if model is None:
        model = _train_base(version_id)
        try:
            _save_model(_base_path(key), key, model)
        except OSError:
            log.warning("Could not save the base suggestion model.", exc_info=True)
    _remember_base(key, model)
    return model


def _remember_base(key: str, model: domain.Model) -> None:
    with _lock:
        _bases[key] = model
        _bases.move_to_end(key)
        while len(_bases) > 4:
            _bases.popitem(last=False)


def _base(version_id: int, key: str, territory=None) -> domain.Model | None:
    """The base model from memory or its file; when missing, None and its build starts
    off the request: as the territory's retraining job when the task engine takes it (the
    worker builds the base first, at its lower priority, once for every web process),
    else in a background thread."""
    with _lock:
        model = _bases.get(key)
    if model is not None:
        return model
    model = _load_model(_base_path(key), key)
    if model is not None:
        _remember_base(key, model)
        return model
    if territory is not None and _queue_retrain(territory):
        return None
    _background(f"base-{version_id}", build_base, version_id)
    with _lock:
        return _bases.get(key)  # built already when the work ran at once


def _features(model: domain.Model, texts: list[str]):
    return domain.features(model, texts)


# --- the territory's state ---------------------------------------------------------------

def _cache_key(name: str, territory_pk: int) -> str:
    """A key of Django's cache shared by the web processes (``COSPIRAL_SUGGEST_CACHE_PREFIX``
    sets its prefix; each test has its own)."""
    prefix = getattr(settings, "COSPIRAL_SUGGEST_CACHE_PREFIX", "cospiral:suggest")
    return f"{prefix}:{name}:{territory_pk}"


def _generation_key(territory_pk: int) -> str:
    return _cache_key("generation", territory_pk)


def _state(territory, key: str) -> _State:
    with _lock:
        state = _states.get(territory.pk)
        if state is None or state.base_key != key:
            state = _states[territory.pk] = _State(base_key=key)
        return state


def _stored(territory):
    from cospiral.coding.models import SuggestionModel

    return SuggestionModel.objects.of(territory).first()


def _apply(state: _State, base: domain.Model, changes: list[tuple[int, str, str | None]], *,
           shared: bool = True) -> None:
    """Put (code set) or drop (code None) each (card id, text, code) in the layer; under
    the lock only when the layer is the one requests read (``shared``)."""
    if state.layer is None or not changes:
        return
    put = [(i, t, c) for i, t, c in changes if c]
    rows = _features(base, [t for _, t, _ in put]) if put else None
    with _lock if shared else contextlib.nullcontext():
        position = 0
        for card_id, _text, code in changes:
            if code:
                state.layer.put(card_id, rows[position], code)
                position += 1
            else:
                state.layer.drop(card_id)


def _changed_since(territory, since: dt.datetime | None, limit: int = DELTA_LIMIT):
    """(card id, text, code or None) of the cards changed since ``since``, newest last;
    and whether there were more than ``limit``."""
    changed = Card.objects.of(territory)
    if since is not None:
        changed = changed.filter(updated_at__gt=since - dt.timedelta(seconds=1))
    ids = list(changed.order_by("-updated_at").values_list("id", flat=True)[:limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    confirmed = dict((i, (t, c)) for i, t, c in confirmed_codings(territory).filter(pk__in=ids)
                     .values_list("id", "text", "component__code"))
    return [(i, *confirmed[i]) if i in confirmed else (i, "", None) for i in reversed(ids)], more


def _sync(territory, state: _State, base: domain.Model) -> None:
    """Read the codings other processes changed since the layer's watermark."""
    now = timezone.now()
    changes, more = _changed_since(territory, state.watermark)
    _apply(state, base, changes)
    state.watermark = now
    state.synced_at = time.monotonic()
    if more:
        _background(f"layer-{territory.pk}", _build_layer, territory.pk, state.base_key, "")


def _build_layer(territory_pk: int, key: str, layer_file: str) -> None:
    """Load the stored layer (and the codings changed since), or build it from the
    database, then swap it in."""
    from cospiral.territories.models import Territory

    territory = Territory.objects.get(pk=territory_pk)
    base = _base(territory.grid_version_id, key)
    if base is None:
        return
    state = _state(territory, key)
    with _lock:
        state.journal = []
    started = timezone.now()
    layer, watermark = None, None
    stored = _stored(territory)
    if layer_file and stored is not None and stored.layer_file == layer_file and stored.base_key == key:
        layer = _load_layer(models_dir() / layer_file, key)
        watermark = stored.watermark
    if layer is None:
        rows = list(confirmed_codings(territory).values_list("id", "text", "component__code")
                    .iterator(chunk_size=5000))
        matrix = _features(base, [t for _, t, _ in rows])
        layer = suggest_layer.Layer.from_rows(matrix, [i for i, _, _ in rows], [c for _, _, c in rows])
        watermark = started
    fresh = _State(base_key=key, layer=layer, watermark=watermark)
    changes, _more = _changed_since(territory, watermark, limit=200_000)
    _apply(fresh, base, changes, shared=False)  # not read by requests yet: no lock
    fresh.layer.compact()
    with _lock:
        journal = state.journal or []
        state.journal = None
        state.layer = fresh.layer
        state.watermark = started
        state.synced_at = time.monotonic()
    _apply(state, base, journal)


def _load_full(territory_pk: int, key: str, file: str, trained_on: int) -> None:
    model = _load_model(models_dir() / file, key)
    with _lock:
        state = _states.get(territory_pk)
        if model is not None and state is not None and state.base_key == key:
            state.full, state.full_file, state.trained_on = model, file, trained_on
            state.changes = 0
    if model is None:
        from cospiral.territories.models import Territory

        territory = Territory.objects.filter(pk=territory_pk).first()
        if territory is not None:
            _schedule_retrain(territory)


def retrain(territory_pk: int) -> None:
    """Train the territory's full model and its layer's rows, store both, name them in
    the database and swap them in (never called by a request)."""
    from cospiral.coding.models import SuggestionModel
    from cospiral.territories.models import Territory

    territory = Territory.objects.filter(pk=territory_pk).first()
    if territory is None:
        return
    key = base_key(territory.grid_version_id)
    base = build_base(territory.grid_version_id)
    started = timezone.now()
    coded = list(confirmed_codings(territory).values_list("id", "text", "component__code", "question__code")
                 .iterator(chunk_size=5000))
    if not coded:
        return
    rows = [(i, t, c) for i, t, c, _ in coded]
    examples = base_examples()
    grid_texts, grid_codes = grid_training(territory)
    model = domain.train([e.text for e in examples] + grid_texts + [t for _, t, _ in rows],
                         [e.code for e in examples] + grid_codes + [c for _, _, c in rows],
                         questions=([e.question for e in examples] + [""] * len(grid_texts)
                                    + [q or "" for _, _, _, q in coded]), seed=0)
    matrix = suggest_layer.prune(_features(base, [t for _, t, _ in rows]))
    token = f"{int(time.time())}-{secrets.token_hex(4)}"
    name, layer_name = f"full-t{territory.pk}-{token}.joblib", f"layer-t{territory.pk}-{token}.npz"
    _save_model(models_dir() / name, key, model)
    _save_layer(models_dir() / layer_name, key, matrix, [i for i, _, _ in rows], [c for _, _, c in rows])
    previous = _stored(territory)
    SuggestionModel.objects.update_or_create(
        territory=territory,
        defaults={"file": name, "layer_file": layer_name, "base_key": key,
                  "trained_on": len(rows), "watermark": started})
    if previous is not None:
        for old in (previous.file, previous.layer_file):
            if old and old not in (name, layer_name):
                (models_dir() / old).unlink(missing_ok=True)
    state = _state(territory, key)
    with _lock:
        state.full, state.full_file, state.trained_on = model, name, len(rows)
        state.changes = 0
        state.nothing_to_train = False


def retrain_after(trained_on: int) -> int:
    """New confirmations after which the full model is retrained: 20, or 2 % of what it
    was trained on if more (a large territory's layer carries the new ones meanwhile)."""
    return max(20, trained_on // 50)


def _schedule_retrain(territory) -> None:
    """Retrain the territory's full model off the request: as a job of the task engine
    when it is installed (``cospiral.jobs``; at most one queued per territory), else (or
    if the engine refuses it) in a background thread."""
    if not _claim_retrain(territory):
        return
    if _queue_retrain(territory, added=True):
        return
    _background(f"retrain-{territory.pk}", retrain, territory.pk)


def _queue_retrain(territory, *, added: bool = False) -> bool:
    """True when the territory's retraining is queued as a job (now, or within the last
    ``RETRAIN_SECONDS`` when ``added`` is false), so nothing needs to run here."""
    if getattr(settings, "COSPIRAL_SUGGEST_BACKGROUND", "thread") != "thread":
        return False
    if not added and not _claim_retrain(territory):
        return True
    return _start_job(territory)


def _claim_retrain(territory) -> bool:
    """True for the one caller that may start the territory's retraining now. Read
    first: every board view asks while a retraining is under way, and the database
    cache's ``add`` is a write transaction (on SQLite it takes the write lock that card
    entries and questionnaires wait for)."""
    key = _cache_key("retrain", territory.pk)
    return cache.get(key) is None and cache.add(key, 1, timeout=RETRAIN_SECONDS)


def _start_job(territory) -> bool:
    """Queue ``coding.retrain_suggestions`` unless one is queued; False when the task
    engine is not installed or cannot take it."""
    from django.apps import apps

    if not apps.is_installed("cospiral.jobs"):
        return False
    try:
        from cospiral.coding.jobs import RETRAIN_KIND
        from cospiral.jobs.models import Job
        from cospiral.jobs.services import start_job

        if Job.objects.filter(territory=territory, kind=RETRAIN_KIND, state="queued").exists():
            return True
        start_job(RETRAIN_KIND, territory=territory, user=None, params={"territory_id": territory.pk})
        return True
    except Exception:  # noqa: BLE001 - the engine is down: train in a thread instead
        log.warning("Could not queue the retraining of suggestions; training in a thread.",
                    exc_info=True)
        return False


def _ready(territory, allowed: dict[str, GridEntry]) -> tuple[_State, domain.Model] | None:
    """The territory's state with its models as loaded now, starting in the background
    whatever is missing. None when not even the base model is loaded yet."""
    key = base_key(territory.grid_version_id)
    base = _base(territory.grid_version_id, key, territory)
    if base is None:
        return None
    state = _state(territory, key)
    stored = _stored(territory)
    if stored is not None and stored.base_key == key:
        if stored.file != state.full_file:
            _background(f"full-{territory.pk}", _load_full, territory.pk, key, stored.file,
                        stored.trained_on)
    elif not state.nothing_to_train:
        if confirmed_codings(territory).exists():
            _schedule_retrain(territory)
        else:
            state.nothing_to_train = True
    if state.layer is None:
        layer_file = stored.layer_file if stored is not None and stored.base_key == key else ""
        _background(f"layer-{territory.pk}", _build_layer, territory.pk, key, layer_file)
    elif state.layer is not None:
        generation = cache.get(_generation_key(territory.pk))
        if generation != state.generation or time.monotonic() - state.synced_at > RESYNC_SECONDS:
            state.generation = generation
            _sync(territory, state, base)
    local = tuple(sorted((e.pk, e.code, repr(e.labels), repr(e.descriptions))
                         for e in allowed.values() if e.territory_id == territory.pk))
    if local != state.local_key:
        texts, codes = _phrases([e for e in allowed.values() if e.territory_id == territory.pk])
        state.local = (suggest_layer.Layer.from_rows(_features(base, texts), range(-1, -len(texts) - 1, -1),
                                                     codes) if texts else None)
        state.local_key = local
    return state, base


# --- the request side -----------------------------------------------------------------

def allowed_components(territory) -> dict[str, GridEntry]:
    """Codes a suggestion may name: components of the territory's grid version (kept a
    few seconds in memory: shared by every territory of the version) and its own local
    components (read each time)."""
    now = time.monotonic()
    version_id = territory.grid_version_id
    with _lock:
        cached = _shared_entries.get(version_id)
    if cached is None or now - cached[0] >= GRID_KEY_SECONDS:
        cached = (now, {e.code: e for e in _version_entries(version_id)})
        with _lock:
            _shared_entries[version_id] = cached
    entries = dict(cached[1])
    entries.update((e.code, e) for e in GridEntry.objects.of(territory).filter(
        kind=GridEntry.Kind.COMPONENT, territory=territory))
    return entries


def suggest(territory, cards: Iterable, k: int = 3, *,
            language: str | None = None) -> dict[int, list[Suggestion]]:
    """Top ``k`` components for each card (``card.id``, ``card.text``, ``card.question`` when it has one), most confident
    first. Labels are in ``language`` (default: the active language). Cards whose text
    gives nothing to go on (no letters, only emoji) get none."""
    cards = list(cards)
    empty = {c.id: [] for c in cards}
    if not cards or k <= 0:
        return empty
    allowed = allowed_components(territory)
    if not allowed:
        return empty
    ready = _ready(territory, allowed)
    if ready is None:
        return empty
    state, base = ready
    texts = [(c.text or "")[:domain_text_limit()] for c in cards]
    features = _features(base, texts)
    model = state.full or base
    # The question a card answers is a feature of the models (Q1 well-being, Q2
    # ill-being...): about 6 points of top-1 family on the held-out criteria.
    proba = domain.probabilities(model, texts, questions=[_question(c) for c in cards])
    with _lock:
        near = (state.layer.neighbours(features, exclude=[c.id for c in cards])
                if state.layer is not None else [[] for _ in cards])
        if state.local is not None:
            local = state.local.neighbours(features)
            near = [sorted(a + b, key=lambda pair: -pair[1]) for a, b in zip(near, local, strict=True)]
    blended, codes = suggest_layer.blend(proba, model.codes, near, allowed=allowed.keys())
    ranked = suggest_layer.top_k(blended, codes, k)
    empty_rows = np.diff(features.indptr) == 0
    return {
        card.id: ([] if nothing else
                  [Suggestion(code=code, label=allowed[code].label(language), confidence=conf)
                   for code, conf in row])
        for card, row, nothing in zip(cards, ranked, empty_rows, strict=True)
    }


def _question(card) -> str:
    """The code of the question the card answers ("" when unknown)."""
    if not getattr(card, "question_id", None):
        return ""
    question = getattr(card, "question", None)
    return (question.code or "") if question is not None else ""


def domain_text_limit() -> int:
    """Characters of a card read for its suggestions (a card is a short idea; a pasted
    page is read up to here)."""
    return 2000


def card_changed(territory, card) -> None:
    """A person coded, recoded, uncoded or split ``card``: update the territory layer now
    (same request), tell the other processes, and retrain the full model in the
    background when enough has changed. Never raises."""
    try:
        _card_changed(territory, card)
    except Exception:  # noqa: BLE001 - the coding is saved; suggestions catch up later
        log.exception("Could not update the suggestions after coding card %s.", card.pk)


def _card_changed(territory, card) -> None:
    row = confirmed_codings(territory).filter(pk=card.pk).values_list("text", "component__code").first()
    change = (card.pk, row[0], row[1]) if row else (card.pk, "", None)
    with _lock:
        state = _states.get(territory.pk)
        base = _bases.get(state.base_key) if state is not None else None
        if state is not None and state.journal is not None:
            state.journal.append(change)
    if state is not None and base is not None:
        _apply(state, base, [change])
    key = _generation_key(territory.pk)
    if cache.add(key, 1, timeout=None):
        generation = 1
    else:
        try:
            generation = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=None)
            generation = 1
    if state is None:
        return
    with _lock:
        if state.generation is None or state.generation == generation - 1:
            state.generation = generation
        state.changes += 1
        state.nothing_to_train = False
        due = state.changes >= retrain_after(state.trained_on)
    if due:
        _schedule_retrain(territory)


def model_for(territory) -> domain.Model | None:
    """The model that ranks the territory's cards now: its full model when loaded, else
    the base model; None while neither is (their build runs in the background)."""
    ready = _ready(territory, allowed_components(territory))
    if ready is None:
        return None
    state, base = ready
    return state.full or base


# What a starting process loads (warm.py); imported last, as it reads this module.
from cospiral.coding.suggestions.warm import warm_up as warm_up  # noqa: E402
