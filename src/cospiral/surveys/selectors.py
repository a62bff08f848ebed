"""Reads of survey waves. Results come from the exact tallies (one row per profile
combination), never from a pass over the questionnaires: a wave of a million
questionnaires reads a few thousand rows at most.

Live tallies are for the wave's coordinators only; everyone else reads the latest
published snapshot (``shown_snapshot``), whose hidden cells stay hidden in every later
snapshot (``cospiral.domain.snapshots``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Q

from cospiral.domain import scoring
from cospiral.domain import snapshots as snapshot_rules
from cospiral.domain import survey as rules
from cospiral.surveys import profiles
from cospiral.surveys.models import Questionnaire, ResultSnapshot, Wave, WaveIndicator, WaveTally


def waves(territory):
    return (Wave.objects.of(territory).select_related("baseline", "cycle")
            .annotate(indicator_count=Count("items", distinct=True)))


def wave(territory, pk) -> Wave:
    return Wave.objects.of(territory).select_related("baseline", "cycle").get(pk=pk)


def instrument(wave: Wave) -> list[WaveIndicator]:
    """The wave's indicators in the order of the frozen instrument."""
    return list(WaveIndicator.objects.filter(wave=wave)
                .select_related("indicator", "indicator__component", "indicator__component__parent")
                .order_by("position"))


def family_of(item: WaveIndicator) -> str:
    component = item.indicator.component
    parent = component.parent
    return parent.code if parent is not None else component.code[:1]


@dataclass
class Cells:
    """The wave's tallies as arrays: ``counts`` (C, J, 8), ``sizes`` (C,), ``profiles`` (C, 4)."""

    counts: np.ndarray
    sizes: np.ndarray
    profiles: np.ndarray

    @property
    def respondents(self) -> int:
        return int(self.sizes.sum())


def cells(wave: Wave, J: int | None = None) -> Cells:
    if J is None:
        J = WaveIndicator.objects.filter(wave=wave).count()
    rows = list(WaveTally.objects.filter(wave=wave, respondents__gt=0).values_list(
        "age_band", "gender", "neighbourhood", "group_profile", "respondents", "counts"))
    if not rows:
        return Cells(np.zeros((0, J, rules.N_CODES), dtype=np.int64), np.zeros(0, dtype=np.int64),
                     np.zeros((0, 4), dtype=np.int64))
    blob = b"".join(bytes(r[5]) for r in rows)
    counts = np.frombuffer(blob, dtype="<i4").reshape(len(rows), J, rules.N_CODES).astype(np.int64)
    sizes = np.array([r[4] for r in rows], dtype=np.int64)
    prof = np.array([r[:4] for r in rows], dtype=np.int64)
    return Cells(counts, sizes, prof)


# --- published snapshots ------------------------------------------------------------------


def snapshot_keys(wave: Wave) -> list[tuple[str, int, int]]:
    """``(key, column, K)`` of every profile question the wave asks."""
    return [(key, rules.PROFILE_KEYS.index(key), len(profiles.choices(wave, key)))
            for key in rules.PROFILE_KEYS if key in wave.profile_questions]


def latest_snapshot(wave: Wave) -> ResultSnapshot | None:
    return ResultSnapshot.objects.filter(wave=wave).order_by("-taken_at", "-id").first()


def shown_snapshot(wave: Wave) -> ResultSnapshot | None:
    """The snapshot everyone but the coordinators sees: the latest one of a wave whose
    results are published, else None."""
    return latest_snapshot(wave) if wave.published_at is not None else None


def snapshot_cells(snapshot: ResultSnapshot) -> Cells:
    J = snapshot.indicator_count
    rows = snapshot.cell_profiles or []
    if not rows:
        return Cells(np.zeros((0, J, rules.N_CODES), dtype=np.int64), np.zeros(0, dtype=np.int64),
                     np.zeros((0, 4), dtype=np.int64))
    counts = np.frombuffer(bytes(snapshot.counts), dtype="<i4").reshape(
        len(rows), J, rules.N_CODES).astype(np.int64)
    sizes = np.array([r[4] for r in rows], dtype=np.int64)
    prof = np.array([r[:4] for r in rows], dtype=np.int64)
    return Cells(counts, sizes, prof)


def snapshot_hidden(snapshot: ResultSnapshot, wave: Wave) -> snapshot_rules.Hidden:
    return snapshot_rules.Hidden.from_json(snapshot.hidden or {}, snapshot.indicator_count,
                                           {key: k for key, _c, k in snapshot_keys(wave)})


def snapshot_is_current(wave: Wave, snapshot: ResultSnapshot | None) -> bool:
    """True when the wave is closed and ``snapshot`` holds exactly its live tallies."""
    from cospiral.surveys import services

    if snapshot is None or services.wave_status(wave) != "closed":
        return False
    live = snapshot_tables(wave, cells(wave, snapshot.indicator_count))
    frozen = snapshot_tables(wave, snapshot_cells(snapshot))
    return np.array_equal(live.overall, frozen.overall) and all(
        np.array_equal(live.by_key[k], frozen.by_key[k]) for k in live.by_key)


def snapshot_tables(wave: Wave, c: Cells) -> snapshot_rules.Tables:
    return snapshot_rules.tables(c.counts, c.profiles, snapshot_keys(wave))


def progress(wave: Wave) -> dict:
    """Questionnaires per channel: sent, and saved but not sent."""
    rows = (Questionnaire.objects.filter(wave=wave).values("channel")
            .annotate(sent=Count("id", filter=Q(submitted_at__isnull=False)),
                      saved=Count("id", filter=Q(submitted_at__isnull=True))))
    by_channel = {r["channel"]: r for r in rows}
    return {
        "channels": [{"channel": c, "label": label, "sent": by_channel.get(c, {}).get("sent", 0),
                      "saved": by_channel.get(c, {}).get("saved", 0)}
                     for c, label in Questionnaire.Channel.choices],
        "sent": sum(r["sent"] for r in rows),
        "saved": sum(r["saved"] for r in rows),
    }


@dataclass
class WeightingInfo:
    method: str  # "none", "post-stratification", "raking"
    variables: list[str] = field(default_factory=list)
    n_eff: float | None = None
    converged: bool = True
    iterations: int = 0
    min_weight: float | None = None
    max_weight: float | None = None
    error: str = ""


def _cell_weights(wave: Wave, c: Cells) -> tuple[np.ndarray | None, WeightingInfo]:
    margins = {k: v for k, v in (wave.population_margins or {}).items()
               if k in rules.PROFILE_KEYS and k in wave.profile_questions}
    if not margins or c.respondents == 0:
        return None, WeightingInfo("none")
    keys = [k for k in rules.PROFILE_KEYS if k in margins]
    columns = [rules.PROFILE_KEYS.index(k) for k in keys]
    per_respondent = [np.repeat(c.profiles[:, col], c.sizes) for col in columns]
    try:
        if len(keys) == 1:
            w = scoring.poststratify(per_respondent[0], margins[keys[0]], name=keys[0])
        else:
            w = scoring.rake(per_respondent, [margins[k] for k in keys], names=keys)
    except ValueError as error:
        return None, WeightingInfo("none", keys, error=str(error))
    first = np.cumsum(c.sizes) - c.sizes
    return w.weights[first], WeightingInfo(w.method, keys, w.n_eff, w.converged, w.iterations,
                                           w.min_weight, w.max_weight)


@dataclass
class Results:
    wave: Wave
    items: list[WaveIndicator]
    scores: scoring.Scores
    intervals: scoring.BootstrapIntervals | None
    breakdown_key: str | None
    breakdown_labels: list[str]
    weighting: WeightingInfo
    families: list[str]

    @property
    def respondents(self) -> int:
        return self.scores.respondents


def results(wave: Wave, *, breakdown: str | None = None, weighted: bool = False,
            threshold: int | None = None, with_intervals: bool = True,
            items: list[WaveIndicator] | None = None, tally: Cells | None = None,
            snapshot: ResultSnapshot | None = None) -> Results:
    """Every figure of the wave (``cospiral.domain.scoring``) from its tallies.

    ``breakdown``: a profile key the wave asks. ``weighted``: weight to the wave's
    population margins (post-stratification for one variable, raking for several).
    ``threshold`` defaults to the wave's. Bootstrap intervals use the wave's stored seed.
    ``snapshot``: read that published snapshot instead of the live tallies (its cells,
    its threshold, its hidden cells)."""
    items = instrument(wave) if items is None else items
    J = len(items)
    forced = None
    if snapshot is not None:
        c = snapshot_cells(snapshot)
        threshold = max(threshold or 0, snapshot.threshold)
        forced = snapshot_hidden(snapshot, wave)
    else:
        c = cells(wave, J) if tally is None else tally
    threshold = threshold or wave.threshold
    families = [family_of(item) for item in items]
    weights, info = _cell_weights(wave, c) if weighted else (None, WeightingInfo("none"))
    labels: list[str] = []
    cell_profile = None
    if breakdown:
        if breakdown not in wave.profile_questions:
            raise ValueError(f"The wave does not ask {breakdown!r}.")
        labels = profiles.choices(wave, breakdown)
        cell_profile = c.profiles[:, rules.PROFILE_KEYS.index(breakdown)]
    result = scoring.score_cells(
        c.counts, c.sizes, indicators=[item.indicator.code for item in items],
        cell_profile=cell_profile, profile_labels=labels if breakdown else None,
        not_stated_label=str(profiles.NOT_STATED_LABEL), cell_weights=weights,
        families=families if J else None, indicator_weights=[item.weight for item in items] if J else None,
        family_weights={k: float(v) for k, v in (wave.family_weights or {}).items() if k in set(families)} or None,
        threshold=threshold,
        forced_overall=forced.overall if forced is not None else None,
        forced_cells=forced.by_key.get(breakdown) if forced is not None and breakdown else None)
    intervals = None
    if with_intervals and J:
        intervals = scoring.bootstrap(result.overall, seed=int(wave.bootstrap_seed))
    return Results(wave, items, result, intervals, breakdown, list(result.breakdown.groups) if result.breakdown else [],
                   info, families)


@dataclass
class Comparison:
    before: Wave
    after: Wave
    codes: list[str]
    items: list[WaveIndicator]  # of the ex-post wave, in its order, for the common codes
    changed_versions: list[str]  # codes whose indicator version differs between the waves
    before_scores: scoring.Scores
    after_scores: scoring.Scores
    comparison: scoring.Comparison


def comparison(after: Wave, before: Wave | None = None, *, threshold: int | None = None,
               snapshots: tuple[ResultSnapshot, ResultSnapshot] | None = None) -> Comparison | None:
    """Ex-post against ex-ante for the indicators both waves share (joined on codes).
    ``snapshots``: (after's, before's) published snapshots to read instead of the live
    tallies (their hidden overall figures stay hidden)."""
    before = before or after.baseline
    if before is None:
        return None
    after_items, before_items = instrument(after), instrument(before)
    before_pos = {item.indicator.code: item for item in before_items}
    common = [item for item in after_items if item.indicator.code in before_pos]
    if not common:
        return None
    threshold = threshold or max(after.threshold, before.threshold)
    a_cols = [item.position for item in common]
    b_cols = [before_pos[item.indicator.code].position for item in common]
    codes = [item.indicator.code for item in common]
    a_forced = b_forced = None
    if snapshots is not None:
        a_snap, b_snap = snapshots
        a_cells, b_cells = snapshot_cells(a_snap), snapshot_cells(b_snap)
        threshold = max(threshold, a_snap.threshold, b_snap.threshold)
        a_forced = snapshot_hidden(a_snap, after).overall[a_cols]
        b_forced = snapshot_hidden(b_snap, before).overall[b_cols]
    else:
        a_cells, b_cells = cells(after, len(after_items)), cells(before, len(before_items))
    a = scoring.score_cells(a_cells.counts[:, a_cols, :], a_cells.sizes, indicators=codes,
                            threshold=threshold, forced_overall=a_forced)
    b = scoring.score_cells(b_cells.counts[:, b_cols, :], b_cells.sizes, indicators=codes,
                            threshold=threshold, forced_overall=b_forced)
    changed = [item.indicator.code for item in common
               if before_pos[item.indicator.code].indicator.version != item.indicator.version]
    return Comparison(before, after, codes, common, changed, b, a, scoring.compare(b, a))


def published_results(wave: Wave, **options) -> Results | None:
    """``results`` of the wave's published snapshot (what everyone but its coordinators
    sees), or None while the results are not published."""
    snapshot = shown_snapshot(wave)
    return None if snapshot is None else results(wave, snapshot=snapshot, **options)


def published_comparison(after: Wave) -> Comparison | None:
    """``comparison`` of the published snapshots of the ex-post wave and of its ex-ante
    wave, or None unless both are published."""
    before = after.baseline
    if before is None:
        return None
    snapshots = (shown_snapshot(after), shown_snapshot(before))
    if None in snapshots:
        return None
    return comparison(after, before, snapshots=snapshots)


def raw_matrix(wave: Wave, J: int | None = None) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The submitted questionnaires as a level matrix (respondents × indicators), their
    profile codes (respondents × 4) and ids, in id order: for exports."""
    if J is None:
        J = WaveIndicator.objects.filter(wave=wave).count()
    rows = list(Questionnaire.objects.filter(wave=wave, submitted_at__isnull=False).order_by("id")
                .values_list("id", "age_band", "gender", "neighbourhood", "group_profile", "levels"))
    matrix = rules.matrix([bytes(r[5]) for r in rows], J)
    prof = np.array([r[1:5] for r in rows], dtype=np.int64).reshape(-1, 4)
    return matrix, prof, [r[0] for r in rows]


# --- wave pages and the web channel -------------------------------------------------------


def wave_list(territory):
    """The territory's waves, newest first, with ``indicator_count`` and ``sent`` (submitted
    questionnaires, every channel)."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    sent = (Questionnaire.objects.filter(wave=OuterRef("pk"), submitted_at__isnull=False)
            .order_by().values("wave").annotate(n=Count("id")).values("n"))
    return waves(territory).annotate(
        sent=Coalesce(Subquery(sent, output_field=IntegerField()), 0))


def questionnaire(wave: Wave, key: str) -> Questionnaire | None:
    """The questionnaire stored under ``key`` in ``wave`` (saved or sent), or None."""
    return Questionnaire.objects.filter(wave=wave, key=key).first()


def answers_of(q: Questionnaire | None, J: int) -> dict[int, int]:
    """The stored answers of a questionnaire as ``{position: code}`` (missing left out)."""
    if q is None:
        return {}
    codes = rules.unpack(bytes(q.levels), J)
    return {position: int(code) for position, code in enumerate(codes) if code != rules.MISSING}


def profile_of(q: Questionnaire | None) -> dict[str, int]:
    """The stored profile answers as ``{key: choice index}`` (not stated left out)."""
    if q is None:
        return {}
    return {key: code for key, code in zip(rules.PROFILE_KEYS, q.profile, strict=True)
            if code != rules.NOT_STATED}


def tokens(wave: Wave):
    """The wave's respondent links, each with ``sent`` and ``saved`` (a questionnaire under
    its key, sent or only saved)."""
    from django.db.models import Exists, OuterRef, Value
    from django.db.models.functions import Concat

    from cospiral.surveys.models import RespondentToken

    key = Concat(Value("t:"), OuterRef("token"))
    mine = Questionnaire.objects.filter(wave=OuterRef("wave"), key=key)
    return (RespondentToken.objects.filter(wave=wave)
            .annotate(sent=Exists(mine.filter(submitted_at__isnull=False)),
                      saved=Exists(mine.filter(submitted_at__isnull=True)))
            .order_by("id"))


def token_counts(wave: Wave) -> dict:
    rows = list(tokens(wave).values_list("sent", "saved", "revoked_at"))
    return {
        "total": len(rows),
        "sent": sum(1 for s, _v, _r in rows if s),
        "saved": sum(1 for s, v, _r in rows if v and not s),
        "revoked": sum(1 for _s, _v, r in rows if r is not None),
    }


def candidate_indicators(wave: Wave) -> list:
    """Indicators that may be chosen for the wave: the latest version of each ready
    indicator of the territory, and the versions already in the wave (a newer version of
    one of these is listed beside it: a wave takes one version per code)."""
    from cospiral.indicators import selectors as indicator_selectors

    current = {item.indicator_id: item.indicator for item in instrument(wave)}
    result = [i for i in indicator_selectors.latest_versions(wave.territory)
              if i.is_ready and i.pk not in current]
    return sorted(list(current.values()) + result, key=lambda i: (i.code, i.version))


def families_of_territory(territory) -> list[tuple[str, str]]:
    """``(code, label)`` of the families of the territory's grid, in the grid's order."""
    from cospiral.grid.models import GridEntry

    return [(e.code, e.label()) for e in GridEntry.objects.of(territory)
            .filter(kind=GridEntry.Kind.FAMILY).order_by("position", "code")]


def visible_waves(territory, *, unpublished: bool):
    """The territory's waves (only the published ones unless ``unpublished``)."""
    qs = Wave.objects.of(territory)
    return qs if unpublished else qs.filter(published_at__isnull=False)


def wave_list_with_items(territory, *, unpublished: bool):
    """``visible_waves`` with their indicators, oldest first (the API's list)."""
    return (visible_waves(territory, unpublished=unpublished)
            .prefetch_related("items__indicator").order_by("created_at", "id"))


def respondent_link(token: str):
    """The personal link of ``token`` with its wave, or None."""
    from cospiral.surveys.models import RespondentToken

    return RespondentToken.objects.filter(token=token).select_related("wave").first()


def submitted(wave: Wave, key: str) -> bool:
    """Whether the questionnaire under ``key`` in ``wave`` was sent."""
    return Questionnaire.objects.filter(wave=wave, key=key, submitted_at__isnull=False).exists()
