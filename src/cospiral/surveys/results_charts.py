"""Charts of a wave's results: Vega-Lite specifications built with Altair (one skeleton
per language, cached; the figures are put in afterwards) and rendered to SVG on the
server by the statistics' renderer (``cospiral.statistics.charts.svg``, cached per
specification). Each chart is shown with a one-sentence summary and a table holding the
same figures; colour is never the only cue (levels are named in the legend and the
tooltips, waves differ by shape as well as colour).

* ``levels_spec``: diverging stacked bars, one per indicator: levels 1–2 to the left of
  zero, level 3 split across zero, levels 4–5 to the right. Don't know and not
  applicable are never levels: they are listed apart in the table.
* ``indices_spec``: family indices and the synthetic index (0–100) as points with their
  bootstrap interval.
* ``comparison_spec``: share at levels 4–5 before → after per indicator (an arrow-like
  rule from the ex-ante point to the ex-post point)."""

from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from cospiral.statistics.charts import BAR, FONT, TEXT, chart_html

#: A diverging palette (red → grey → blue), levels 1..5; the level is also named.
LEVEL_COLOURS = ("#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac")
BEFORE = "#8a5300"
AFTER = BAR
MAX_ROWS = 120


def level_names() -> list[str]:
    return [_("1 very unsatisfactory"), _("2 unsatisfactory"), _("3 average"), _("4 good"),
            _("5 ideal")]


def _config(chart):
    # Text is measured with the font browsers draw first (see stats.charts.FONT); the
    # left padding leaves room should a browser draw it a little wider.
    return (chart.properties(padding={"left": 48, "right": 16, "top": 8, "bottom": 8})
            .configure(font=FONT)
            .configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=12,
                            titleFontSize=12, labelLimit=300)
            .configure_legend(labelColor=TEXT, titleColor=TEXT, orient="bottom", columns=5,
                              columnPadding=24, labelLimit=420)
            .configure_view(stroke=None))


def _language() -> str:
    return translation.get_language() or "en"


def _with_data(skeleton: str, values: list[dict]) -> dict:
    spec = json.loads(skeleton)
    spec["data"] = {"values": values}
    return spec


@lru_cache(maxsize=16)
def _levels_skeleton(language: str) -> str:
    names = level_names()
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("x0:Q", title=_("Share of the valid answers (levels 1–2 left, 4–5 right)"),
                axis=alt.Axis(labelExpr="format(abs(datum.value), '.0%')",
                              values=[-1, -0.5, 0, 0.5, 1]),
                scale=alt.Scale(domain=[-1, 1])),
        x2="x1:Q",
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        color=alt.Color("level:N", title=_("Level"),
                        scale=alt.Scale(domain=names, range=list(LEVEL_COLOURS)),
                        sort=names),
        order=alt.Order("level_order:Q"),
        tooltip=[alt.Tooltip("name:N", title=_("Indicator")), alt.Tooltip("level:N", title=_("Level")),
                 alt.Tooltip("share:Q", title=_("Share"), format=".0%")],
    )
    # The zero line is decoration: no ARIA role (an unnamed graphics-symbol fails axe).
    zero = alt.Chart().mark_rule(color=TEXT, aria=False).encode(x=alt.datum(0))
    chart = alt.layer(bars, zero, data=alt.Data(values=[])).properties(width=520)
    return json.dumps(_config(chart).to_dict())


def levels_spec(rows: list[dict]) -> dict | None:
    """``rows``: ``{"name", "shares": (5 floats) or None}`` per indicator, in order."""
    names = level_names()
    values = []
    for order, row in enumerate(rows):
        shares = row["shares"]
        if shares is None:
            continue
        s1, s2, s3, s4, s5 = shares
        start = -(s1 + s2 + s3 / 2)
        edges = [start]
        for s in shares:
            edges.append(edges[-1] + s)
        for level in range(5):
            values.append({"name": row["name"], "order": order, "level": names[level],
                           "level_order": level, "share": shares[level],
                           "x0": edges[level], "x1": edges[level + 1]})
    if not values or len(rows) > MAX_ROWS:
        return None
    return _with_data(_levels_skeleton(_language()), values)


@lru_cache(maxsize=16)
def _indices_skeleton(language: str) -> str:
    base = alt.Chart().encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None))
    rule = base.mark_rule(color=BAR, strokeWidth=2).encode(
        x=alt.X("low:Q", title=_("Index (0–100) with its bootstrap interval"),
                scale=alt.Scale(domain=[0, 100])),
        x2="high:Q")
    point = base.mark_point(filled=True, size=70, color=BAR).encode(
        x="value:Q",
        shape=alt.Shape("kind:N", title=None),
        tooltip=[alt.Tooltip("name:N", title=_("Index")), alt.Tooltip("value:Q", format=".1f"),
                 alt.Tooltip("low:Q", format=".1f"), alt.Tooltip("high:Q", format=".1f")])
    chart = alt.layer(rule, point, data=alt.Data(values=[])).properties(width=440)
    return json.dumps(_config(chart).to_dict())


def indices_spec(rows: list[dict]) -> dict | None:
    """``rows``: ``{"name", "kind", "value", "low", "high"}`` (None when undefined)."""
    values = [{"name": r["name"], "kind": r["kind"], "order": n, "value": r["value"],
               "low": r["low"] if r["low"] is not None else r["value"],
               "high": r["high"] if r["high"] is not None else r["value"]}
              for n, r in enumerate(rows) if r["value"] is not None]
    if not values or len(values) > MAX_ROWS:
        return None
    return _with_data(_indices_skeleton(_language()), values)


@lru_cache(maxsize=16)
def _comparison_skeleton(language: str, before: str, after: str) -> str:
    base = alt.Chart().encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None))
    rule = base.mark_rule(color=TEXT).encode(
        x=alt.X("before:Q", title=_("Share at levels 4–5"), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        x2="after:Q")
    points = alt.Chart().transform_fold(["before", "after"], as_=["wave_key", "share"]).transform_calculate(
        wave=f"datum.wave_key == 'before' ? {json.dumps(before)} : {json.dumps(after)}",
    ).mark_point(size=80, filled=True).encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        x="share:Q",
        color=alt.Color("wave:N", title=_("Wave"), scale=alt.Scale(domain=[before, after],
                                                                     range=[BEFORE, AFTER])),
        shape=alt.Shape("wave:N", title=_("Wave"), scale=alt.Scale(domain=[before, after],
                                                                     range=["circle", "triangle-right"])),
        tooltip=[alt.Tooltip("name:N", title=_("Indicator")), alt.Tooltip("wave:N", title=_("Wave")),
                 alt.Tooltip("share:Q", title=_("Share"), format=".0%")])
    chart = alt.layer(rule, points, data=alt.Data(values=[])).properties(width=440)
    return json.dumps(_config(chart).to_dict())


def comparison_spec(rows: list[dict], before: str, after: str) -> dict | None:
    """``rows``: ``{"name", "before", "after"}`` shares at levels 4–5 (None: undefined)."""
    values = [{"name": r["name"], "order": n, "before": r["before"], "after": r["after"]}
              for n, r in enumerate(rows) if r["before"] is not None and r["after"] is not None]
    if not values or len(values) > MAX_ROWS:
        return None
    return _with_data(_comparison_skeleton(_language(), before, after), values)


def warm_up() -> None:
    """Build the skeletons of the results' charts in the active language (once a
    process, see ``cospiral.warmup``); the comparison's depends on the waves' titles."""
    _levels_skeleton(_language())
    _indices_skeleton(_language())


def render(spec: dict | None, summary: str) -> str:
    """The accessible SVG of ``spec`` (named by its summary), or "" without a chart."""
    if spec is None:
        return ""
    return chart_html(spec, summary)
