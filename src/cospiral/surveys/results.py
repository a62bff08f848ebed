"""The figures of a survey wave's results pages (METHOD.md §8), built once for the
territory page, the public page, the exports and the review: ``compute`` and
``page_context``. The views are in ``surveys.views.results``.

``selectors.results`` reads the figures from the wave's exact tallies,
``cospiral.domain.scoring`` computes them (and the seeded bootstrap of the indicators
and of the indices, from the same replicates), ``results_charts`` draws. Small cells are
suppressed by the engine (threshold of the wave): a suppressed cell is shown as "fewer
than N answers", never with its count.

Only the wave's coordinators see the live tallies. Everyone else (facilitators,
partners, observers, the public page, the exports they download) sees the latest
published snapshot (``ResultSnapshot``), or nothing while the results are not
published: two downloads never differ by a few answers."""

from __future__ import annotations

import copy
import hashlib
import math
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.domain import scoring
from cospiral.domain import survey as rules
from cospiral.surveys import profiles, results_charts, selectors
from cospiral.surveys.models import Wave
from cospiral.surveys.results_compare import comparison_context as comparison_context  # re-exported
from cospiral.surveys.results_compare import verdict_text as verdict_text  # re-exported
from cospiral.surveys.results_format import (
    _language,
    _scalar,
    fewer_than,
    interval,
    named,
    num,
    pct,
    pct_interval,
)

# --- the figures of a wave ----------------------------------------------------------------


@dataclass
class Computed:
    """Every figure of a wave: ``selectors.Results`` and the bootstrap intervals of the
    indicators (``intervals``) and of the indices (``index_intervals``), from one seeded
    draw (the wave's ``bootstrap_seed``)."""

    res: selectors.Results
    intervals: scoring.BootstrapIntervals | None
    index_intervals: scoring.IndexIntervals | None
    titles: list[str] = field(default_factory=list)

    @property
    def scores(self) -> scoring.Scores:
        return self.res.scores

    @property
    def wave(self) -> Wave:
        return self.res.wave


#: The bootstraps of the figures a page shows, by a digest of their very inputs (pure
#: functions of them, so nothing can be stale): a results or comparison page asked again
#: and again while its answers do not change draws its 2,000 replicates once per process.
_BOOTSTRAPS: OrderedDict[str, object] = OrderedDict()
_BOOTSTRAPS_KEPT = 64
_BOOTSTRAPS_LOCK = threading.Lock()


def memoised(inputs: tuple, compute):
    """``compute()``, kept by a digest of ``inputs`` (everything it depends on, picklable);
    a copy is returned, callers may change what they get."""
    digest = hashlib.sha256(pickle.dumps(inputs)).hexdigest()
    with _BOOTSTRAPS_LOCK:
        found = _BOOTSTRAPS.get(digest)
        if found is not None:
            _BOOTSTRAPS.move_to_end(digest)
    if found is None:
        found = compute()
        with _BOOTSTRAPS_LOCK:
            _BOOTSTRAPS[digest] = found
            while len(_BOOTSTRAPS) > _BOOTSTRAPS_KEPT:
                _BOOTSTRAPS.popitem(last=False)
    return copy.deepcopy(found)


def _bootstrap(distribution, indices, seed: int):
    return memoised(("bootstrap", distribution, indices, seed, scoring.DEFAULT_REPLICATES),
                    lambda: scoring.bootstrap_with_indices(distribution, indices, seed=seed))


def compute(wave: Wave, *, breakdown: str | None = None, weighted: bool = False,
            snapshot=None) -> Computed:
    res = selectors.results(wave, breakdown=breakdown, weighted=weighted, with_intervals=False,
                            snapshot=snapshot)
    intervals = index_intervals = None
    if res.items and res.scores.indices is not None:
        intervals, index_intervals = _bootstrap(res.scores.overall, res.scores.indices,
                                                int(wave.bootstrap_seed))
    language = _language()
    titles = [item.indicator.title(language) for item in res.items]
    return Computed(res, intervals, index_intervals, titles)


def weighting_available(wave: Wave) -> bool:
    return any(k in wave.profile_questions for k in (wave.population_margins or {}))


def breakdown_choices(wave: Wave) -> list[tuple[str, str]]:
    return [(key, str(profiles.QUESTION_LABELS[key])) for key in rules.PROFILE_KEYS
            if key in wave.profile_questions]


def score_formula() -> str:
    """``scoring.SCORE_FORMULA`` in the reader's language."""
    return _("score = (mean − 1) / 4 × 100")


def score_rule() -> str:
    return _("Score of an indicator = (mean level − 1) ÷ 4 × 100, from 0 (everyone at level 1) "
             "to 100 (everyone at level 5). The mean is over the valid answers (levels 1 to 5).")


def rules_text(threshold: int) -> list[str]:
    return [
        _("“Don't know” and “not applicable” are never counted as a level: they are listed "
          "apart, and shares, medians, means and scores are of the valid answers (levels 1 to 5) only."),
        _("Shares at levels 1–2 and at 4–5 come with a Wilson interval; the median, the mean and "
          "the score with a percentile bootstrap interval (2,000 replicates, seeded: the seed is "
          "stored with the wave so every figure can be reproduced)."),
        _("A family index is the weighted mean of the scores of its indicators; the synthetic "
          "index is the weighted mean of the family indices. Their intervals come from the same "
          "bootstrap replicates, with the same weights."),
        ngettext(
            "Small-cell suppression: a figure based on fewer than %(n)s answer is not shown, "
            "and a few more cells of a breakdown are hidden so that no small count can be "
            "worked out from the totals.",
            "Small-cell suppression: a figure based on fewer than %(n)s answers is not shown, "
            "and a few more cells of a breakdown are hidden so that no small count can be "
            "worked out from the totals.", threshold) % {"n": threshold},
    ]


def indicator_rows(c: Computed, *, public: bool = False) -> list[dict]:
    """One row per indicator, every figure formatted (blank when undefined)."""
    s = c.scores
    threshold = s.threshold
    ci = c.intervals
    rows = []
    for j, item in enumerate(c.res.items):
        f = s.figures(j)

        def small(count):
            # The public page never shows a count under the threshold, even of
            # "don't know" answers of the whole wave.
            if count is None:
                return fewer_than(threshold)
            if public and 0 < count < threshold:
                return fewer_than(threshold)
            return formats.number_format(count, use_l10n=True, force_grouping=True)

        def boot(low, high, formatter=num, j=j):
            if ci is None:
                return ""
            return interval(_scalar(low, j), _scalar(high, j), formatter)

        rows.append({
            "code": item.indicator.code,
            "version": item.indicator.version,
            "title": c.titles[j],
            "family": c.res.families[j],
            "weight": item.weight,
            "name": f"{item.indicator.code} · {c.titles[j]}",
            "suppressed": f.suppressed,
            "defined": f.mean is not None,
            "n": small(f.n) if not f.suppressed else fewer_than(threshold),
            "n_value": f.n,
            "dont_know": small(f.dont_know) if not f.suppressed else "",
            "not_applicable": small(f.not_applicable) if not f.suppressed else "",
            "shares": [pct(v) for v in f.shares] if f.shares else ["" for _i in range(5)],
            "share_values": f.shares,
            "median": num(f.median),
            "median_ci": boot(ci.median_low, ci.median_high) if ci else "",
            "low": pct(f.low_share),
            "low_ci": pct_interval(f.low_interval),
            "high": pct(f.high_share),
            "high_ci": pct_interval(f.high_interval),
            "mean": num(f.mean, 2),
            "mean_ci": interval(_scalar(ci.mean_low, j), _scalar(ci.mean_high, j),
                                lambda v: num(v, 2)) if ci else "",
            "score": num(f.score),
            "score_ci": boot(ci.score_low, ci.score_high) if ci else "",
            "n_eff": num(f.n_eff, 0) if s.weighted and f.n_eff is not None else "",
            "figures": f,
        })
    return rows


def index_rows(c: Computed) -> list[dict]:
    """The family indices, then the synthetic index, with intervals and weights."""
    idx = c.scores.indices
    if idx is None:
        return []
    ii = c.index_intervals
    language = _language()
    labels = _family_labels(c.wave, language)
    rows = []
    for k, family in enumerate(idx.families):
        members = [c.res.items[j].indicator.code for j, f in enumerate(idx.family_of) if f == k]
        value = _scalar(idx.family, k)
        rows.append({
            "kind": "family", "kind_label": _("family"), "code": family,
            "name": f"{family} · {labels.get(family, '')}".rstrip(" ·"),
            "value": value, "text": num(value),
            "low": _scalar(ii.family_low, k) if ii else None,
            "high": _scalar(ii.family_high, k) if ii else None,
            "weight": num(float(idx.family_weights[k]), 2),
            "weight_value": float(idx.family_weights[k]),
            "complete": bool(idx.family_complete[k]),
            "members": ", ".join(members),
        })
    value = _scalar(idx.synthetic)
    rows.append({
        "kind": "synthetic", "kind_label": _("synthetic"), "code": "synthetic",
        "name": _("Synthetic index"), "value": value, "text": num(value),
        "low": _scalar(ii.synthetic_low) if ii else None,
        "high": _scalar(ii.synthetic_high) if ii else None,
        "weight": "", "weight_value": None, "complete": bool(np.all(idx.synthetic_complete)),
        "members": ", ".join(str(f) for f in idx.families),
    })
    for row in rows:
        row["interval"] = interval(row["low"], row["high"])
    return rows


def _family_labels(wave: Wave, language: str) -> dict[str, str]:
    from cospiral.grid.models import GridEntry

    entries = GridEntry.objects.of(wave.territory).filter(kind="family").only("code", "labels")
    result = {}
    for e in entries:
        labels = e.labels if isinstance(e.labels, dict) else {}
        result[e.code] = labels.get(language) or labels.get("fr") or labels.get("en") or ""
    return result


def levels_summary(rows: list[dict], respondents: int) -> str:
    defined = [r for r in rows if r["figures"].low_share is not None]
    if not defined:
        return _("No indicator has enough valid answers to be shown.")
    worst = max(defined, key=lambda r: r["figures"].low_share)
    best = max(defined, key=lambda r: r["figures"].high_share)
    return _("Of %(n)s indicators answered by %(respondents)s respondents, %(worst)s has the "
             "largest share at levels 1–2 (%(low)s) and %(best)s the largest share at levels "
             "4–5 (%(high)s).") % {
        "n": len(defined), "respondents": formats.number_format(respondents, force_grouping=True),
        "worst": named(worst), "low": worst["low"], "best": named(best), "high": best["high"]}


def indices_summary(rows: list[dict]) -> str:
    synthetic = next((r for r in rows if r["kind"] == "synthetic"), None)
    families = [r for r in rows if r["kind"] == "family" and r["value"] is not None]
    if synthetic is None or synthetic["value"] is None:
        return _("The indices cannot be computed: no indicator has enough valid answers.")
    text = _("The synthetic index is %(value)s out of 100 (interval %(interval)s).") % {
        "value": synthetic["text"], "interval": synthetic["interval"]}
    if len(families) > 1:
        low = min(families, key=lambda r: r["value"])
        high = max(families, key=lambda r: r["value"])
        text += " " + _("The lowest family index is %(low)s (%(low_value)s), the highest %(high)s "
                        "(%(high_value)s).") % {"low": low["code"], "low_value": low["text"],
                                                 "high": high["code"], "high_value": high["text"]}
    return text


def breakdown_table(c: Computed, rows: list[dict]) -> dict | None:
    """Indicators × profile groups: share at levels 1–2 and score, suppressed cells as
    "fewer than N answers" (never the count); then the indices of each group."""
    b = c.scores.breakdown
    if b is None:
        return None
    d = b.distribution
    threshold = b.threshold
    low = np.ma.filled(d.low_share, np.nan)
    score = np.ma.filled(d.score, np.nan)
    n = np.ma.filled(d.n, 0)
    hidden = fewer_than(threshold)
    protecting = _("hidden to protect another cell (complementary suppression)")
    nobody = _("nobody")
    body = []
    for j, row in enumerate(rows):
        cells = []
        for g in range(len(b.groups)):
            if d.empty[g, j]:
                cells.append({"text": nobody, "muted": True})
            elif d.suppressed[g, j]:
                reason = b.hidden_reason(g, j)
                cells.append({"text": hidden if reason == "small" else protecting,
                              "muted": True, "reason": reason})
            elif math.isnan(low[g, j]):
                cells.append({"text": _("no valid answer"), "muted": True})
            else:
                cells.append({"text": _("%(low)s at 1–2 · score %(score)s") % {
                    "low": pct(low[g, j]), "score": num(score[g, j])}, "muted": False,
                    "n": int(n[g, j])})
        body.append({"code": row["code"], "title": row["title"], "cells": cells})
    indices = []
    if b.indices is not None:
        fam = np.ma.filled(b.indices.family, np.nan)
        for k, family in enumerate(b.indices.families):
            indices.append({"label": _("Family index %(code)s") % {"code": family},
                            "cells": [num(v) if not math.isnan(v) else "—" for v in fam[:, k]]})
        syn = np.ma.filled(b.indices.synthetic, np.nan)
        indices.append({"label": _("Synthetic index"),
                        "cells": [num(v) if not math.isnan(v) else "—" for v in np.atleast_1d(syn)]})
    return {"key": c.res.breakdown_key, "label": str(profiles.QUESTION_LABELS[c.res.breakdown_key]),
            "groups": [str(g) for g in b.groups], "rows": body, "indices": indices,
            "all_suppressed": b.all_suppressed, "threshold": threshold}


def extreme_rows(c: Computed) -> list[dict]:
    codes = {item.indicator.code: c.titles[j] for j, item in enumerate(c.res.items)}
    return [{"code": e.indicator, "title": codes.get(e.indicator, ""),
             "group": str(e.group) if e.group is not None else "",
             "low": pct(e.low_share), "interval": pct_interval(e.low_interval),
             "n": formats.number_format(e.n, force_grouping=True)} for e in c.scores.extremes]


def weighting_info(c: Computed) -> dict | None:
    w = c.res.weighting
    if not w.variables and w.method == "none":
        return None
    methods = {"post-stratification": _("post-stratification"), "raking": _("raking"),
               "none": _("none")}
    return {
        "method": methods.get(w.method, w.method),
        "variables": ", ".join(str(profiles.QUESTION_LABELS.get(v, v)) for v in w.variables),
        "n_eff": num(w.n_eff, 0) if w.n_eff is not None else "",
        "min_weight": num(w.min_weight, 3) if w.min_weight is not None else "",
        "max_weight": num(w.max_weight, 3) if w.max_weight is not None else "",
        "converged": w.converged, "iterations": w.iterations,
        "error": _("The weights could not be made, so the figures are not weighted: %(error)s")
        % {"error": w.error} if w.error else "",
    }


def page_context(wave: Wave, *, breakdown: str | None, weighted: bool, public: bool,
                 snapshot=None) -> dict:
    """Everything the results page shows (the private and the public page alike);
    ``snapshot``: the published snapshot to show instead of the live tallies."""
    c = compute(wave, breakdown=breakdown, weighted=weighted, snapshot=snapshot)
    s = c.scores
    context = {
        "wave": wave, "computed": c, "threshold": s.threshold, "seed": wave.bootstrap_seed,
        "replicates": c.intervals.replicates if c.intervals else scoring.DEFAULT_REPLICATES,
        "confidence": pct(s.confidence), "respondents": s.respondents,
        "respondents_text": (fewer_than(s.threshold) if public and 0 < s.respondents < s.threshold
                             else formats.number_format(s.respondents, force_grouping=True)),
        "score_formula": score_formula(), "score_rule": score_rule(),
        "rules": rules_text(s.threshold), "level_names": results_charts.level_names(),
        "no_indicators": not c.res.items, "no_answers": s.respondents == 0,
        "weighted": s.weighted, "n_eff": num(s.n_eff, 0) if s.weighted else "",
        "weighting": weighting_info(c) if weighted else None,
        "can_weight": weighting_available(wave),
        "breakdown_choices": breakdown_choices(wave), "breakdown_key": breakdown or "",
        "public": public, "snapshot": snapshot,
    }
    if not c.res.items or s.respondents == 0:
        return context
    rows = indicator_rows(c, public=public)
    summary = levels_summary(rows, s.respondents)
    indices = index_rows(c)
    index_summary = indices_summary(indices)
    context.update({
        "rows": rows, "levels_summary": summary,
        "levels_chart": results_charts.render(
            results_charts.levels_spec([{"name": r["name"], "shares": r["share_values"]} for r in rows]),
            summary),
        "indices": indices, "indices_summary": index_summary,
        "indices_chart": results_charts.render(
            results_charts.indices_spec([{"name": r["name"], "kind": r["kind_label"],
                                          "value": r["value"], "low": r["low"], "high": r["high"]}
                                         for r in indices]), index_summary),
        "extremes": extreme_rows(c),
        "breakdown": breakdown_table(c, rows),
    })
    return context
