"""The ex-post against ex-ante comparison of a survey wave (METHOD.md §8): each
indicator's shares at levels 1–2 and 4–5 before and after, their differences with
Newcombe's interval and a verdict, and the Brunner–Munzel test in words. The page is
``results.comparison``; the reports read ``comparison_context`` too."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cospiral.core import l10n
from cospiral.domain import verdict
from cospiral.surveys import results_charts, selectors
from cospiral.surveys.models import Wave
from cospiral.surveys.results_format import (
    _language,
    _scalar,
    fewer_than,
    interval,
    named,
    num,
    pct,
    points,
)


def reading(p_value, superiority, low=None, high=None) -> str:
    """The ordinal test in words: ``verdict`` on the Brunner–Munzel interval of the
    probability of superiority against ½ (it excludes ½ exactly when the p-value is below
    the level), so that this reading and the shares' intervals follow one rule."""
    if superiority is None:
        return _("not enough answers to compare")
    if p_value is None:
        if superiority >= 1:
            return _("every answer after is at a higher level than every answer before")
        if superiority <= 0:
            return _("every answer after is at a lower level than every answer before")
        return _("the test cannot be computed: the levels do not vary within the waves")
    v = verdict.verdict(superiority, low, high, null=0.5)
    if v is None or v not in READINGS:
        return _("not enough answers to compare")
    return str(READINGS[v])


#: The ordinal test's verdict in words (``reading``).
READINGS = {
    verdict.BETTER: gettext_lazy("situations tend to be better after (levels higher)"),
    verdict.WORSE: gettext_lazy("situations tend to be worse after (levels lower)"),
    verdict.NO_CLEAR_CHANGE: gettext_lazy("no clear change: the difference may be chance"),
}


VERDICT_TEXTS = {
    verdict.BETTER: gettext_lazy("better: the interval does not include 0"),
    verdict.WORSE: gettext_lazy("worse: the interval does not include 0"),
    verdict.NO_CLEAR_CHANGE: gettext_lazy("no clear change: the interval includes 0"),
}
VERDICT_SHORT = {
    verdict.BETTER: gettext_lazy("better"),
    verdict.WORSE: gettext_lazy("worse"),
    verdict.NO_CLEAR_CHANGE: gettext_lazy("no clear change"),
}


def verdict_text(v: str | None, *, short: bool = False) -> str:
    """The words of a ``cospiral.domain.verdict`` verdict ("" without one)."""
    if v is None:
        return ""
    return str((VERDICT_SHORT if short else VERDICT_TEXTS)[v])


def share_verdicts(difference, low, high, *, higher_is_better: bool) -> tuple[str | None, str]:
    """The verdict of a difference of shares with its interval, and its words."""
    v = verdict.verdict(difference, low, high, higher_is_better=higher_is_better)
    return v, verdict_text(v)


def comparison_context(wave: Wave, *, live: bool = True) -> dict:
    """``live``: from the live tallies (coordinators), else from both waves' published
    snapshots (nothing while either is not published)."""
    snapshots = None
    if not live and wave.baseline_id is not None:
        snapshots = (selectors.shown_snapshot(wave), selectors.shown_snapshot(wave.baseline))
        if None in snapshots:
            return {"comparison": None,
                    "reason": _("The results of both waves must be published to be compared here.")}
    result = selectors.comparison(wave, snapshots=snapshots)
    if result is None:
        return {"comparison": None,
                "reason": _("This wave has no ex-ante wave to compare with.") if wave.baseline_id is None
                else _("The two waves have no indicator code in common.")}
    cmp = result.comparison
    b, a = result.before_scores, result.after_scores
    language = _language()
    changed = set(result.changed_versions)
    rows = []
    for j, item in enumerate(result.items):
        fb, fa = b.figures(j), a.figures(j)

        def val(array, j=j):
            return _scalar(array, j)

        p_value, superiority = val(cmp.p_value), val(cmp.superiority)
        low_verdict, low_verdict_text = share_verdicts(
            val(cmp.low_difference), val(cmp.low_diff_low), val(cmp.low_diff_high),
            higher_is_better=False)
        high_verdict, high_verdict_text = share_verdicts(
            val(cmp.high_difference), val(cmp.high_diff_low), val(cmp.high_diff_high),
            higher_is_better=True)
        rows.append({
            "code": item.indicator.code, "title": item.indicator.title(language),
            "changed_version": item.indicator.code in changed,
            "n_before": fb.n, "n_after": fa.n,
            "n_before_text": fewer_than(b.threshold) if fb.suppressed else formats.number_format(fb.n or 0, force_grouping=True),
            "n_after_text": fewer_than(a.threshold) if fa.suppressed else formats.number_format(fa.n or 0, force_grouping=True),
            "low_before": pct(fb.low_share), "low_after": pct(fa.low_share),
            "low_diff_value": val(cmp.low_difference),
            "low_diff": points(val(cmp.low_difference)),
            "low_diff_ci": interval(val(cmp.low_diff_low), val(cmp.low_diff_high), points),
            "high_before": pct(fb.high_share), "high_after": pct(fa.high_share),
            "high_before_value": fb.high_share, "high_after_value": fa.high_share,
            "high_diff_value": val(cmp.high_difference),
            "high_diff": points(val(cmp.high_difference)),
            "high_diff_ci": interval(val(cmp.high_diff_low), val(cmp.high_diff_high), points),
            "p_value_value": p_value, "superiority_value": superiority,
            "p_value": l10n.p_value(p_value),
            "superiority": num(superiority, 2) if superiority is not None else "",
            "low_verdict": low_verdict, "low_verdict_text": low_verdict_text,
            "high_verdict": high_verdict, "high_verdict_text": high_verdict_text,
            "reading": reading(p_value, superiority, val(cmp.superiority_low),
                               val(cmp.superiority_high)),
        })
    summary = comparison_summary(rows, result.before.title, result.after.title)
    names = {"before": result.before.title, "after": result.after.title}
    spec = results_charts.comparison_spec(
        [{"name": f"{r['code']} · {r['title']}", "before": r["high_before_value"],
          "after": r["high_after_value"]} for r in rows],
        _("Ex-ante: %(title)s") % {"title": names["before"]},
        _("Ex-post: %(title)s") % {"title": names["after"]})
    from cospiral.surveys import results_change  # it formats with this module's helpers

    return {"comparison": result, "rows": rows, "summary": summary,
            "chart": results_charts.render(spec, summary), "confidence": pct(cmp.confidence),
            "interval_method": cmp.interval_method, "test_method": cmp.test_method,
            "changed_versions": sorted(changed), "threshold": max(a.threshold, b.threshold),
            "scores": results_change.context(result, {r["code"]: r["title"] for r in rows})}


def comparison_summary(rows: list[dict], before: str, after: str) -> str:
    """Counts by ``verdict`` of the share at levels 4–5 (a rise that the interval does not
    confirm is no clear change, never "rose")."""
    defined = [r for r in rows if r["high_verdict"] is not None]
    if not defined:
        return _("No indicator has enough answers in both waves to be compared.")
    counts = verdict.count(r["high_verdict"] for r in defined)
    largest = max(defined, key=lambda r: abs(r["high_diff_value"]))
    return ngettext(
        "From “%(before)s” to “%(after)s”, the share at levels 4–5 clearly rose for "
        "%(up)s of %(n)s indicator, clearly fell for %(down)s and shows no clear change "
        "for %(unclear)s (its interval includes 0); the largest difference is on "
        "%(code)s (%(diff)s points).",
        "From “%(before)s” to “%(after)s”, the share at levels 4–5 clearly rose for "
        "%(up)s of %(n)s indicators, clearly fell for %(down)s and shows no clear change "
        "for %(unclear)s (their interval includes 0); the largest difference is on "
        "%(code)s (%(diff)s points).", len(defined)) % {
        "before": before, "after": after, "up": counts[verdict.BETTER],
        "down": counts[verdict.WORSE], "unclear": counts[verdict.NO_CLEAR_CHANGE],
        "n": len(defined), "code": named(largest), "diff": largest["high_diff"]}
