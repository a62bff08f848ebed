"""The chart of a closed round's results: one horizontal bar per action, its result
(dots, mean score or Borda points), in ranking order; built with Altair and rendered to
SVG on the server by the statistics' renderer (cached per specification). Tied actions
differ by colour and by the word "tie" in their bar's name, so colour is never the only
cue."""

from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from cospiral.domain import votes as rules
from cospiral.statistics.charts import BAR, chart_html, ranked_bars, short_label

TIED = "#8a5300"  # 5.9:1 against white
MAX_BARS = 60  # above this, the table alone is clearer


def axis_title(method: str) -> str:
    return {rules.DOT: _("Dots received"), rules.SCORE: _("Mean score (0–5)"),
            rules.RANKED: _("Borda points")}[method]


@lru_cache(maxsize=16)
def _skeleton(language: str, method: str) -> str:
    alone, tied = _("alone at its rank"), _("tie")
    scale = alt.Scale(domain=[0, rules.SCORE_MAX]) if method == rules.SCORE else alt.Scale(zero=True)
    chart = alt.Chart(alt.Data(values=[])).mark_bar().encode(
        # Dots and Borda points are whole numbers: no tick at 0.5 of a dot.
        x=alt.X("result:Q", title=axis_title(method), scale=scale,
                axis=alt.Axis() if method == rules.SCORE else alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        color=alt.Color("state:N", title=_("Rank"),
                        scale=alt.Scale(domain=[alone, tied], range=[BAR, TIED])),
        tooltip=["name:N", "result:Q", "state:N"],
    )
    return ranked_bars(chart)


def spec(results) -> dict | None:
    """The spec of the results' bars (ranked actions only), or None."""
    values = []
    for n, row in enumerate(r for r in results.rows if r.rank is not None):
        name = f"{row.rank}. {short_label(row.action.title)}"
        if row.tied:
            name += f" ({_('tie')})"
        values.append({"name": name, "result": round(row.value, 2),
                       "state": _("tie") if row.tied else _("alone at its rank"), "order": n})
    if not values or len(values) > MAX_BARS:
        return None
    result = json.loads(_skeleton(translation.get_language() or "en", results.round.method))
    result["data"] = {"values": values}
    return result


def results_svg(results, summary: str) -> str:
    chart = spec(results)
    if chart is None:
        return ""
    return chart_html(chart, summary)
