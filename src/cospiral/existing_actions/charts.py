"""The chart of the ranking: horizontal bars of each action's total (0–100), built with
Altair and rendered to SVG on the server by the statistics' renderer (cached per
specification). Complete and incomplete actions differ by colour and by the words
"incomplete" in their bar's name, so colour is never the only cue."""

from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from cospiral.statistics.charts import BAR, chart_html, ranked_bars, short_label

INCOMPLETE = "#8a5300"  # 5.9:1 against white
MAX_BARS = 60  # above this, the table alone is clearer


@lru_cache(maxsize=16)
def _skeleton(language: str) -> str:
    complete, incomplete = _("complete"), _("incomplete")
    chart = alt.Chart(alt.Data(values=[])).mark_bar().encode(
        x=alt.X("total:Q", title=_("Total (0–100)"), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        color=alt.Color("state:N", title=_("Assessment"),
                        scale=alt.Scale(domain=[complete, incomplete], range=[BAR, INCOMPLETE])),
        tooltip=["name:N", "total:Q", "state:N"],
    )
    return ranked_bars(chart)


def totals_spec(rows) -> dict | None:
    """The spec of the ranking's bars (actions with a total only), or None."""
    values = []
    for n, row in enumerate(r for r in rows if r.total is not None):
        state = _("complete") if row.complete else _("incomplete")
        name = f"{row.rank}. {short_label(row.action.name)}"
        if not row.complete:
            name += f" ({_('incomplete')})"
        values.append({"name": name, "total": row.total, "state": state, "order": n})
    if not values or len(values) > MAX_BARS:
        return None
    spec = json.loads(_skeleton(translation.get_language() or "en"))
    spec["data"] = {"values": values}
    return spec


def totals_svg(rows, summary: str) -> str:
    spec = totals_spec(rows)
    if spec is None:
        return ""
    return chart_html(spec, summary)
