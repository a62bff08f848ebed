"""Before → after of the 0–100 scores and of the family and synthetic indices, with the
interval of each difference (``cospiral.domain.score_change``), formatted for the
comparison page, the review and its PDF. Read by the one verdict rule
(``cospiral.domain.verdict``)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.domain import score_change, scoring
from cospiral.domain import verdict as verdicts
from cospiral.surveys import results as base
from cospiral.surveys import selectors


def signed(value) -> str:
    """A difference of scores (0–100 points) with its sign: « +5,2 », « −0,6 »."""
    if value is None:
        return ""
    text = base.num(value)
    if text.startswith("-"):
        return "−" + text[1:]
    return ("+" + text) if round(float(value), 1) > 0 else text


def _row(name: str, change: score_change.Change, *, code: str = "", kind: str = "indicator",
         members: int | None = None) -> dict:
    num, verdict_text = base.num, base.verdict_text
    return {
        "code": code, "name": name, "kind": kind, "members": members,
        "before": num(change.before), "after": num(change.after),
        "before_value": change.before, "after_value": change.after,
        "difference": signed(change.difference), "difference_value": change.difference,
        "interval": base.interval(change.low, change.high, signed),
        "low_value": change.low, "high_value": change.high,
        "verdict": change.verdict, "verdict_text": verdict_text(change.verdict),
        "verdict_short": verdict_text(change.verdict, short=True),
    }


def compute(result: selectors.Comparison) -> score_change.ScoreChanges:
    """The score changes of a comparison (its common indicators, in the ex-post wave's
    order, families and weights; both waves' seeds)."""
    after = result.after
    families = [selectors.family_of(item) for item in result.items]
    wanted = set(families)
    inputs = dict(
        families=families, indicators=list(result.codes),
        seeds=(int(result.before.bootstrap_seed), int(after.bootstrap_seed)),
        indicator_weights=[item.weight for item in result.items],
        family_weights={k: float(v) for k, v in (after.family_weights or {}).items() if k in wanted} or None,
        confidence=result.comparison.confidence)
    before_overall, after_overall = result.before_scores.overall, result.after_scores.overall
    # Its 2 × 2,000 replicates are drawn once per state of the two waves (per process).
    return base.memoised(
        ("score_changes", before_overall, after_overall, sorted(inputs.items(), key=str),
         scoring.DEFAULT_REPLICATES),
        lambda: score_change.score_changes(before_overall, after_overall, **inputs))


def context(result: selectors.Comparison, titles: dict[str, str]) -> dict:
    """The rows the pages show: ``score_rows`` (one per indicator), ``index_rows`` (the
    families, then the synthetic index), a summary and the rule in words."""
    changes = compute(result)
    labels = base._family_labels(result.after, base._language())
    score_rows = [_row(f"{code} · {titles.get(code, '')}".rstrip(" ·"), change, code=str(code))
                  for code, change in zip(changes.indicators, changes.scores, strict=True)]
    index_rows = [
        _row(_("Family %(code)s · %(label)s") % {"code": family, "label": labels.get(str(family), "")}
             if labels.get(str(family)) else _("Family %(code)s") % {"code": family},
             change, code=str(family), kind="family", members=members)
        for family, change, members in zip(changes.families, changes.family,
                                           changes.family_members, strict=True)]
    index_rows.append(_row(_("Synthetic index"), changes.synthetic, code="synthetic",
                           kind="synthetic", members=changes.basket))
    return {
        "score_rows": score_rows, "index_rows": index_rows,
        "score_summary": summary(changes, score_rows, index_rows[-1]),
        "basket_note": basket_note(changes, result),
        "score_method": method_text(changes),
        "score_confidence": base.pct(changes.confidence),
        "score_replicates": changes.replicates,
        "score_seeds": changes.seeds,
    }


def summary(changes: score_change.ScoreChanges, score_rows: list[dict], synthetic: dict) -> str:
    """The synthetic index before → after and the counts of verdicts of the scores."""
    counts = verdicts.count(r["verdict"] for r in score_rows)
    compared = sum(counts.values())
    if not compared:
        return _("No indicator has enough answers in both waves for its score to be compared.")
    text = ngettext(
        "The score rose clearly for %(up)s of %(n)s indicator, fell clearly for %(down)s and "
        "shows no clear change for %(unclear)s.",
        "The score rose clearly for %(up)s of %(n)s indicators, fell clearly for %(down)s and "
        "shows no clear change for %(unclear)s.", compared) % {
        "up": counts[verdicts.BETTER], "down": counts[verdicts.WORSE],
        "unclear": counts[verdicts.NO_CLEAR_CHANGE], "n": compared}
    if synthetic["verdict"] is not None:
        text = _("The synthetic index went from %(before)s to %(after)s out of 100 (difference "
                 "%(diff)s, interval %(interval)s): %(reading)s.") % {
            "before": synthetic["before"], "after": synthetic["after"],
            "diff": synthetic["difference"], "interval": synthetic["interval"],
            "reading": synthetic["verdict_short"]} + " " + text
    return text


def basket_note(changes: score_change.ScoreChanges, result: selectors.Comparison) -> str:
    """Said when the indices of the comparison are not those of each wave's own page."""
    before_items = selectors.instrument(result.before)
    after_count = len(selectors.instrument(result.after))
    before_weights = {i.indicator.code: float(i.weight) for i in before_items}
    same_weights = (all(before_weights.get(i.indicator.code) == float(i.weight) for i in result.items)
                    and (result.before.family_weights or {}) == (result.after.family_weights or {}))
    if changes.basket == len(before_items) == after_count and same_weights:
        return ""
    return ngettext(
        "The indices compared here are computed, in both waves, from the %(n)s indicator both "
        "waves share and show: they can differ from the indices on each wave's own page.",
        "The indices compared here are computed, in both waves, from the %(n)s indicators both "
        "waves share and show: they can differ from the indices on each wave's own page.",
        changes.basket) % {"n": changes.basket}


def method_text(changes: score_change.ScoreChanges) -> str:
    return _(
        "Score and index differences are after minus before, on the 0–100 scale, with a "
        "%(confidence)s percentile bootstrap interval of the difference: each wave is redrawn "
        "on its own %(replicates)s times (the counts per level of each indicator from its "
        "observed shares and number of answers), from two independent streams seeded by the "
        "two waves' stored seeds (%(before)s and %(after)s), so the figures can be reproduced. "
        "The indices of both waves use the same indicators (those both waves share and show) "
        "and the ex-post wave's weights. A higher score or index is better; an interval that "
        "includes 0 is no clear change.") % {
        "confidence": base.pct(changes.confidence),
        "replicates": formats.number_format(changes.replicates, force_grouping=True),
        "before": changes.seeds[0], "after": changes.seeds[1]}
