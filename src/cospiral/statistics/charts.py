"""Charts of statistics tables: Vega-Lite specifications built with Altair and rendered to
SVG on the server by vl-convert (no browser, no network), inlined in the page as an
image with its summary as accessible name.

Rendering takes about 0.2 s a chart, so SVGs are cached under a hash of the
specification, which holds the counts and labels it draws: a chart is rendered again
only when its numbers or words change. The cache lives in memory and on disk
(``<data dir>/cache/charts``).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from functools import lru_cache
from html import escape
from pathlib import Path

import altair as alt
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cospiral.core import pdfs
from cospiral.statistics.selectors import Report, Table

BAR = "#1f5f8b"  # 7.0:1 against white: bars and their labels stay readable
TEXT = "#1a1a1a"
#: Chart text is laid out on the server with this font's metrics (DejaVu Sans, installed
#: with the project's Debian packages) and drawn by browsers with the first of these they
#: have: DejaVu Sans is among the widest common sans-serif fonts, so labels measured with
#: it fit in browsers that draw them with Verdana, Arial or Helvetica instead.
FONT = "DejaVu Sans, Verdana, sans-serif"
MAX_UNITS = 40  # above this many groups or territories, the table alone is clearer
TOP_COMPONENTS = 15

_memory: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def _config(chart):
    return (chart.configure(font=FONT)
            .configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=12,
                                 titleFontSize=12, labelLimit=260)
            .configure_header(labelColor=TEXT, titleColor=TEXT, labelFontSize=12)
            .configure_legend(labelColor=TEXT, titleColor=TEXT)
            .configure_view(stroke=None))


def ranked_bars(chart) -> str:
    """The JSON skeleton of a ranked horizontal bar chart (one bar per named row), with
    the house configuration: the font of ``FONT``, a left padding should a browser draw
    labels a little wider, long labels allowed."""
    chart = (chart.properties(width=420, padding={"left": 48, "right": 8, "top": 8, "bottom": 8})
             .configure(font=FONT)
             .configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=12,
                             titleFontSize=12, labelLimit=360)
             .configure_legend(labelColor=TEXT, titleColor=TEXT)
             .configure_view(stroke=None))
    return json.dumps(chart.to_dict())


MAX_RANKED_BARS = 60  # above this many ranked bars, the table alone is clearer


def ranked_bar_skeleton(x: alt.X, value: str, *, legend: str, states: tuple[str, str],
                        colours: tuple[str, str]) -> str:
    """``ranked_bars`` of one bar per ranked row: its ``x`` (the field ``value``) against
    its name, in the rows' ``order``, coloured by which of the two ``states`` it is in."""
    return ranked_bars(alt.Chart(alt.Data(values=[])).mark_bar().encode(
        x=x,
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        color=alt.Color("state:N", title=legend,
                        scale=alt.Scale(domain=list(states), range=list(colours))),
        tooltip=["name:N", value, "state:N"],
    ))


def ranked_bar_spec(skeleton: str, values: list[dict]) -> dict | None:
    """The spec of a ``ranked_bar_skeleton`` with its rows ``values``; None when there
    is no row or too many to draw."""
    if not values or len(values) > MAX_RANKED_BARS:
        return None
    spec = json.loads(skeleton)
    spec["data"] = {"values": values}
    return spec


def short_label(name: str, limit: int = 36) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _name(code: str, label: str) -> str:
    return f"{code} · {label}" if label and label != code else code


def _with_data(skeleton: str, values: list[dict]) -> dict:
    spec = json.loads(skeleton)
    spec["data"] = {"values": values}
    return spec


@lru_cache(maxsize=64)
def _bars_skeleton(language: str, faceted: bool, x_title: str) -> str:
    """Bars of ``share`` by ``name`` (sorted by ``order``), one panel per ``question``
    when ``faceted``. Built with Altair once per language and shape (building and
    validating a spec costs ~0.1 s); the data are put in afterwards."""
    chart = alt.Chart().mark_bar(color=BAR).encode(
        x=alt.X("share:Q", title=x_title, axis=alt.Axis(format="%")),
        y=alt.Y("name:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        tooltip=["name:N", "count:Q", alt.Tooltip("share:Q", format=".0%")],
    ).properties(width=160 if faceted else 420)
    if faceted:
        chart = chart.facet(column=alt.Column("question:N", title=None,
                                              sort=alt.EncodingSortField("qorder")),
                            data=alt.Data(values=[]))
    else:
        chart.data = alt.Data(values=[])
    return json.dumps(_config(chart).to_dict())


@lru_cache(maxsize=64)
def _heat_skeleton(language: str, units_across: bool) -> str:
    """Cells shaded by ``share`` with the percentage written in them (white on the
    darker half), families × units."""
    unit = alt.X("unit:N", sort=alt.EncodingSortField("uorder"), title=None,
                 axis=alt.Axis(labelAngle=-30, orient="top"))
    family = alt.Y("family:N", sort=alt.EncodingSortField("forder"), title=None)
    if not units_across:
        unit = alt.Y("unit:N", sort=alt.EncodingSortField("uorder"), title=None)
        family = alt.X("family:N", sort=alt.EncodingSortField("forder"), title=None,
                       axis=alt.Axis(labelAngle=-30, orient="top"))
    base = alt.Chart().encode(x=unit if units_across else family,
                              y=family if units_across else unit)
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", zero=True),
                        legend=alt.Legend(format="%", title=_("Share"))))
    text = base.mark_text(fontSize=11).encode(
        text="text:N",
        color=alt.condition("datum.dark", alt.value("white"), alt.value(TEXT)))
    return json.dumps(_config(alt.layer(cells, text, data=alt.Data(values=[]))).to_dict())


def _language() -> str:
    return translation.get_language() or "en"


def bars_by_question(table: Table, questions: list[str], *, top: int | None = None) -> dict | None:
    """Horizontal bars of each row's share, one panel per question (or one panel of the
    total share when ``top`` is set: the largest rows only)."""
    values = []
    total_count, total_share = _index(table, "total_count"), _index(table, "total_share")
    if top is not None:
        rows = sorted((r for r in table.rows if r[total_count]), key=lambda r: -r[total_count])[:top]
        for n, r in enumerate(rows):
            values.append({"name": _name(r[0], r[1]), "share": r[total_share],
                           "count": r[total_count], "order": n})
        if not values:
            return None
        return _with_data(_bars_skeleton(_language(), False, _("Share of the coded cards")), values)
    for n, r in enumerate(table.rows):
        name = _name(r[0], r[1])
        for qn, q in enumerate(questions):
            values.append({"name": name, "question": q, "share": r[_index(table, f"{q}_share")],
                           "count": r[_index(table, f"{q}_count")], "order": n, "qorder": qn})
    if not values or not any(v["count"] for v in values):
        return None
    faceted = len(questions) > 1
    # Side by side panels have no room for a long axis title: each panel says "Share".
    title = _("Share") if faceted else _("Share of the question's coded cards")
    return _with_data(_bars_skeleton(_language(), faceted, title), values)


def _heat_values(values: list[dict]) -> list[dict]:
    top = max((v["share"] for v in values), default=0) or 1.0
    for v in values:
        v["text"] = _("%(value)s%%") % {"value": round(v["share"] * 100)}
        v["dark"] = bool(v["share"] > top * 0.55)
    return values


def heatmap(table: Table, unit_columns: int, *, families: list[tuple[str, str]]) -> dict | None:
    """Units (rows of ``table``) × families: the share of each family in each unit, as
    shaded cells with the percentage written in them."""
    if not table.rows or len(table.rows) > MAX_UNITS:
        return None
    values = []
    for n, r in enumerate(table.rows):
        unit = " · ".join(str(v) for v in r[:unit_columns] if v)
        for fn, (code, label) in enumerate(families):
            values.append({"unit": unit, "family": _name(code, label), "uorder": n, "forder": fn,
                           "share": r[_index(table, f"{code}_share")]})
    if not any(v["share"] for v in values):
        return None  # nothing coded yet: the page says so in words, no empty grid
    return _with_data(_heat_skeleton(_language(), False), _heat_values(values))


def heatmap_side_by_side(table: Table, units: list[str]) -> dict | None:
    """Families (rows of ``table``) × units (its count/share column pairs)."""
    if not table.rows or not units or len(units) > MAX_UNITS:
        return None
    shares = [(i, c) for i, c in enumerate(table.columns) if c.kind == "share"]
    values = []
    for fn, r in enumerate(table.rows):
        for un, (i, col) in enumerate(shares):
            values.append({"unit": col.group, "family": _name(r[0], r[1]), "uorder": un,
                           "forder": fn, "share": r[i]})
    if not any(v["share"] for v in values):
        return None  # nothing coded yet: the page says so in words, no empty grid
    return _with_data(_heat_skeleton(_language(), True), _heat_values(values))


def _index(table: Table, key: str) -> int:
    for i, c in enumerate(table.columns):
        if c.key == key:
            return i
    raise KeyError(key)


def _cache_dir() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "charts"


#: Numbers on the axes as the page writes them (d3-format locales): « 50 % » with a
#: narrow no-break space and a decimal comma in French, « 50% » in English.
NUMBER_LOCALES = {
    "fr": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0€"],
           "percent": "\u202f%"},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
}


def _number_locale() -> dict:
    return NUMBER_LOCALES.get(_language()[:2], NUMBER_LOCALES["en"])


def svg(spec: dict) -> str:
    """The SVG of a Vega-Lite spec, rendered once per distinct spec and language."""
    import vl_convert

    locale = _number_locale()
    text = json.dumps([spec, locale], sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(f"{vl_convert.__version__}\n{text}".encode()).hexdigest()
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key]
    path = _cache_dir() / f"{key}.svg"
    try:
        result = path.read_text(encoding="utf-8")
    except OSError:
        result = vl_convert.vegalite_to_svg(spec, format_locale=locale)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_text(result, encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only data directory: the memory cache still helps
    with _lock:
        _memory[key] = result
        while len(_memory) > 500:
            _memory.popitem(last=False)
    return result


def warm_up() -> None:
    """Build the skeletons of the statistics' charts in the active language (once a
    process, see ``cospiral.warmup``)."""
    language = _language()
    _bars_skeleton(language, False, _("Share of the coded cards"))
    _bars_skeleton(language, True, _("Share"))
    _bars_skeleton(language, False, _("Share of the question's coded cards"))
    _heat_skeleton(language, False)
    _heat_skeleton(language, True)


def start_engine() -> None:
    """Start vl-convert's engine (its first chart of a process costs about a second)."""
    import vl_convert

    vl_convert.vegalite_to_svg({"data": {"values": [{"n": 1}]}, "mark": "point",
                                "encoding": {"x": {"field": "n", "type": "quantitative"}}})


_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


# Vega writes its own descriptions of axes and marks, in English whatever the page's
# language ("X-axis titled 'Share' for a linear scale…"): the image is named by our
# translated summary and the data table beside it, so they go.
_VEGA_ARIA = re.compile(r'\s(?:aria-label|aria-roledescription|aria-hidden|role)="[^"]*"')


def accessible(svg_text: str, name: str) -> str:
    """The SVG as an image named by ``name`` (role, aria-label and a title element), with
    none of Vega's English descriptions inside."""
    label = escape(name, quote=True)
    svg_text = _VEGA_ARIA.sub("", svg_text)
    return _SVG_OPEN.sub(
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}" focusable="false">'
                  f"<title>{label}</title>",
        svg_text, count=1)


_HTML_KEPT = 500
_html_memory: OrderedDict[str, str] = OrderedDict()


def chart_html(spec: dict, name: str) -> str:
    """The chart of ``spec`` for a wide screen and for a phone, each named ``name``
    (see ``cospiral.statistics.phone_charts``). Kept in memory by a digest of what it is
    made of: narrowing the spec for a phone and renaming the SVGs' ids cost a page
    several milliseconds per chart, each time it was shown."""
    import vl_convert

    from cospiral.statistics.phone_charts import both

    for_phone = not pdfs.printing()  # a PDF has no phone screen: its charts are drawn once
    text = json.dumps([spec, _number_locale(), name, for_phone], sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(f"{vl_convert.__version__}\n{text}".encode()).hexdigest()
    with _lock:
        if key in _html_memory:
            _html_memory.move_to_end(key)
            return _html_memory[key]
    result = both(spec, svg, lambda svg_text: accessible(svg_text, name), for_phone=for_phone)
    with _lock:
        _html_memory[key] = result
        while len(_html_memory) > _HTML_KEPT:
            _html_memory.popitem(last=False)
    return result


def attach(report: Report) -> Report:
    """Build and render the chart of each table of ``report`` that has one."""
    for table in report.tables:
        spec = None
        if table.name == "families":
            spec = bars_by_question(table, report.questions)
        elif table.name == "components":
            spec = bars_by_question(table, report.questions, top=TOP_COMPONENTS)
        elif table.name in ("groups", "profiles", "territories"):
            families = [(c.key[:-6], c.group.split(" · ", 1)[-1]) for c in table.columns
                        if c.kind == "count" and c.key.endswith("_count")
                        and c.key not in ("coded", "counted")]
            unit_columns = {"groups": 2, "profiles": 1, "territories": 1}[table.name]
            if len(table.rows) > MAX_UNITS:
                spec = None  # the table alone is clearer (see heatmap)
            elif table.name == "territories":
                table_view = Table(table.name, table.caption, table.columns,
                                   [r[1:] for r in table.rows])
                table_view.columns = table.columns[1:]
                spec = heatmap(table_view, 1, families=families)
            else:
                spec = heatmap(table, unit_columns, families=families)
        elif table.name == "compare_families":
            units = [c.group for c in table.columns if c.kind == "share"]
            spec = heatmap_side_by_side(table, units)
        if spec is not None:
            table.chart = spec
            table.svg = chart_html(spec, table.summary or table.caption)
    return report
