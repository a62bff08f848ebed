"""The chart of a closed round's results: one horizontal bar per action, its result
(dots, mean score or Borda points), in ranking order; built with Altair and rendered to
SVG on the server by the statistics' renderer (cached per specification). Tied actions
differ by colour and by the word "tie" in their bar's name, so colour is never the only
cue."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from cospiral.domain import votes as rules
from cospiral.statistics.charts import (
    BAR,
    chart_html,
    ranked_bar_skeleton,
    ranked_bar_spec,
    short_label,
)

TIED = "#8a5300"  # 5.9:1 against white


def axis_title(method: str) -> str:
    return {rules.DOT: _("Dots received"), rules.SCORE: _("Mean score (0–5)"),
            rules.RANKED: _("Borda points")}[method]


@lru_cache(maxsize=16)
def _skeleton(language: str, method: str) -> str:
    scale = alt.Scale(domain=[0, rules.SCORE_MAX]) if method == rules.SCORE else alt.Scale(zero=True)
    return ranked_bar_skeleton(
        # Dots and Borda points are whole numbers: no tick at 0.5 of a dot.
        alt.X("result:Q", title=axis_title(method), scale=scale,
              axis=alt.Axis() if method == rules.SCORE else alt.Axis(tickMinStep=1, format="d")),
        "result:Q", legend=_("Rank"), states=(_("alone at its rank"), _("tie")),
        colours=(BAR, TIED))


def spec(results) -> dict | None:
    """The spec of the results' bars (ranked actions only), or None."""
    values = []
    for n, row in enumerate(r for r in results.rows if r.rank is not None):
        name = f"{row.rank}. {short_label(row.action.title)}"
        if row.tied:
            name += f" ({_('tie')})"
        values.append({"name": name, "result": round(row.value, 2),
                       "state": _("tie") if row.tied else _("alone at its rank"), "order": n})
    return ranked_bar_spec(_skeleton(translation.get_language() or "en", results.round.method),
                           values)


def results_svg(results, summary: str) -> str:
    chart = spec(results)
    if chart is None:
        return ""
    return chart_html(chart, summary)
