"""The attendance chart of a contract: each beneficiary's share of expected workshops
attended (horizontal bars, 0–100 %), built with Altair and rendered to SVG on the server
by the statistics' renderer. The page shows the same figures in tables, with a summary
sentence that is also the chart's accessible name."""

from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.core import l10n
from cospiral.statistics.charts import BAR, FONT, TEXT, chart_html

MAX_BARS = 60


@lru_cache(maxsize=8)
def _skeleton(language: str) -> str:
    chart = alt.Chart(alt.Data(values=[])).mark_bar(color=BAR).encode(
        x=alt.X("rate:Q", title=_("Workshops attended (%)"), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        tooltip=["name:N", "rate:Q", "attended:N"],
    ).properties(width=380, padding={"left": 48, "right": 8, "top": 8, "bottom": 8})
    chart = (chart.configure(font=FONT)
             .configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=12,
                             titleFontSize=12, labelLimit=300)
             .configure_view(stroke=None))
    return json.dumps(chart.to_dict())


def _pct(rate) -> str:
    return l10n.share(rate, 0) if rate is not None else "—"


def summary(o) -> str:
    """One sentence: how many workshops have their attendance recorded, the overall
    rate, the lowest and highest beneficiaries."""
    recorded = [w for w in o.workshops if w.rate is not None]
    if not o.workshops:
        return _("No workshop is planned yet.")
    if not recorded:
        return ngettext("%(n)s workshop is planned; its attendance is not recorded yet.",
                        "%(n)s workshops are planned; their attendance is not recorded yet.",
                        len(o.workshops)) % {"n": len(o.workshops)}
    rated = [r for r in o.beneficiaries if r.attendance is not None]
    text = ngettext(
        "Attendance is recorded for %(done)s workshop of %(n)s: %(present)s presences out of "
        "%(expected)s expected (%(rate)s).",
        "Attendance is recorded for %(done)s workshops of %(n)s: %(present)s presences out of "
        "%(expected)s expected (%(rate)s).", len(recorded)) % {
        "done": len(recorded), "n": len(o.workshops), "present": o.attendance.present,
        "expected": o.attendance.expected, "rate": _pct(o.attendance.rate)}
    if len(rated) > 1:
        low = min(rated, key=lambda r: r.attendance.rate)
        high = max(rated, key=lambda r: r.attendance.rate)
        if low.attendance.rate != high.attendance.rate:
            text += " " + _("Beneficiaries range from %(low)s (%(low_name)s) to %(high)s "
                            "(%(high_name)s).") % {
                "low": _pct(low.attendance.rate), "low_name": low.party.name,
                "high": _pct(high.attendance.rate), "high_name": high.party.name}
    return text


def attendance_spec(o) -> dict | None:
    values = [{"name": r.party.name, "rate": round(r.attendance.rate * 100, 1),
               "attended": f"{r.attendance.present}/{r.attendance.expected}", "order": n}
              for n, r in enumerate(r for r in o.beneficiaries if r.attendance is not None)]
    if len(values) < 2 or len(values) > MAX_BARS:
        return None  # one bar says no more than the sentence; too many, the table is clearer
    spec = json.loads(_skeleton(translation.get_language() or "en"))
    spec["data"] = {"values": values}
    return spec


def attendance_svg(o, text: str) -> str:
    spec = attendance_spec(o)
    return chart_html(spec, text) if spec else ""
