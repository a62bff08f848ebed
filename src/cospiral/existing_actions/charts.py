"""The chart of the ranking: horizontal bars of each action's total (0–100), built with
Altair and rendered to SVG on the server by the statistics' renderer (cached per
specification). Complete and incomplete actions differ by colour and by the words
"incomplete" in their bar's name, so colour is never the only cue."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from cospiral.statistics.charts import (
    BAR,
    chart_html,
    ranked_bar_skeleton,
    ranked_bar_spec,
    short_label,
)

INCOMPLETE = "#8a5300"  # 5.9:1 against white


@lru_cache(maxsize=16)
def _skeleton(language: str) -> str:
    return ranked_bar_skeleton(
        alt.X("total:Q", title=_("Total (0–100)"), scale=alt.Scale(domain=[0, 100])), "total:Q",
        legend=_("Assessment"), states=(_("complete"), _("incomplete")), colours=(BAR, INCOMPLETE))


def totals_spec(rows) -> dict | None:
    """The spec of the ranking's bars (actions with a total only), or None."""
    values = []
    for n, row in enumerate(r for r in rows if r.total is not None):
        state = _("complete") if row.complete else _("incomplete")
        name = f"{row.rank}. {short_label(row.action.name)}"
        if not row.complete:
            name += f" ({_('incomplete')})"
        values.append({"name": name, "total": row.total, "state": state, "order": n})
    return ranked_bar_spec(_skeleton(translation.get_language() or "en"), values)


def totals_svg(rows, summary: str) -> str:
    spec = totals_spec(rows)
    if spec is None:
        return ""
    return chart_html(spec, summary)
