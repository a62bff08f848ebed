"""Charts that fit a phone (issue 12, point 5): every chart is drawn twice on the server,
as it is for a wide screen and narrower for a phone (side-by-side panels stacked, long
labels shortened, a legend in one column, no figures written in a heatmap's cells), and the page shows the one that fits (CSS
``.chart-wide`` / ``.chart-phone``). Both scale down with their container, never up: the
phone drawing is at most ``PHONE_WIDTH`` pixels wide, so that its 13 px text stays at
least 12 px on a 320 px screen (13 px on a 390 px one) instead of the chart scrolling
sideways or shrinking to 4 px labels.

Only one of the two drawings is shown (the other is ``display: none``, hidden from
screen readers too); each keeps its own ids, so a gradient of one never points into the
other.
"""

from __future__ import annotations

import copy
import hashlib
import re

#: The widest phone drawing: a 320 px screen leaves about 288 px inside the page's margins
#: (a 390 px one about 358), so it is drawn at 288/296 of its size there at the least.
PHONE_WIDTH = 296
PHONE_PLOT = 140  # px of plot beside a bar chart's labels
TITLE_CHARACTERS = 26  # an axis title longer than this is written on several lines
LABEL_LIMIT = 120  # px: longer labels end with « … » (the table beside holds them whole)
MIN_TEXT = 13  # px of every text of the phone drawing

_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"')
_ID = re.compile(r'\bid="([^"]+)"')


def drawn_width(svg_text: str) -> float:
    found = _WIDTH.search(svg_text)
    return float(found.group(1)) if found else 0.0


def _at_least(block: dict, key: str) -> None:
    if isinstance(block.get(key), int | float) and block[key] < MIN_TEXT:
        block[key] = MIN_TEXT


def _narrow_config(spec: dict) -> None:
    config = spec.setdefault("config", {})
    axis = config.setdefault("axis", {})
    axis.update({"labelLimit": LABEL_LIMIT, "labelFontSize": MIN_TEXT, "titleFontSize": MIN_TEXT,
                 "titleLimit": PHONE_WIDTH - 40})
    legend = config.setdefault("legend", {})
    # A legend under the plot starts where the plot starts, after the labels.
    legend.update({"orient": "bottom", "columns": 1, "labelLimit": PHONE_WIDTH - LABEL_LIMIT - 50,
                   "labelFontSize": MIN_TEXT, "titleFontSize": MIN_TEXT, "columnPadding": 8})
    header = config.setdefault("header", {})
    header.update({"labelAngle": 0, "labelOrient": "top", "labelAlign": "left",
                   "labelAnchor": "start", "labelFontSize": MIN_TEXT, "labelLimit": PHONE_WIDTH})


def _lines(title: str) -> str | list[str]:
    """A long axis or legend title as lines of about ``TITLE_CHARACTERS`` (Vega draws a
    list as lines): centred under a narrow plot, one line ran past both its sides."""
    if len(title) <= TITLE_CHARACTERS:
        return title
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= TITLE_CHARACTERS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _walk(block, plot: int) -> None:
    """Narrow every view of ``block``: its width, its slanted labels, its small texts."""
    if isinstance(block, list):
        for item in block:
            _walk(item, plot)
        return
    if not isinstance(block, dict):
        return
    if isinstance(block.get("width"), int | float):
        block["width"] = min(block["width"], plot)
    if "field" in block and isinstance(block.get("title"), str):
        block["title"] = _lines(block["title"])
    mark = block.get("mark")
    if isinstance(mark, dict):
        _at_least(mark, "fontSize")
    axis = block.get("axis")
    if isinstance(axis, dict) and axis.get("labelAngle"):
        axis["labelAngle"] = -90  # upright labels take no room sideways
    for key, value in block.items():
        if key not in ("data", "config") and isinstance(value, dict | list):
            _walk(value, plot)


def phone_spec(spec: dict, plot: int = PHONE_PLOT) -> dict:
    """The phone drawing of a Vega-Lite ``spec``: panels side by side become panels one
    above the other, widths at most ``plot``, shorter labels, one legend column."""
    narrow = copy.deepcopy(spec)
    narrow["padding"] = {"left": 4, "right": 8, "top": 4, "bottom": 4}
    facet = narrow.get("facet")
    if isinstance(facet, dict) and "column" in facet:
        facet["row"] = facet.pop("column")
    layers = narrow.get("layer")
    if isinstance(layers, list) and len(layers) > 1:
        # Figures written in narrow cells (a heatmap's) run into each other on a phone:
        # the shades stay, the figures are in the table beside the chart.
        kept = [layer for layer in layers if _mark(layer) != "text"]
        narrow["layer"] = kept or layers
    _narrow_config(narrow)
    _walk(narrow, plot)
    return narrow


def _mark(layer) -> str | None:
    mark = layer.get("mark") if isinstance(layer, dict) else None
    return mark.get("type") if isinstance(mark, dict) else mark


def unique_ids(svg_text: str, salt: str) -> str:
    """The SVG with its ids (gradients, clip paths) prefixed, so that two drawings on one
    page never share one."""
    ids = set(_ID.findall(svg_text))
    if not ids:
        return svg_text
    prefix = "c" + hashlib.sha1(f"{salt}\n{svg_text}".encode()).hexdigest()[:8] + "-"
    for name in sorted(ids, key=len, reverse=True):
        svg_text = (svg_text.replace(f'id="{name}"', f'id="{prefix}{name}"')
                    .replace(f"url(#{name})", f"url(#{prefix}{name})")
                    .replace(f'href="#{name}"', f'href="#{prefix}{name}"'))
    return svg_text


def both(spec: dict, render, name_it, *, for_phone: bool = True) -> str:
    """The HTML of a chart for every screen: ``render(spec)`` gives an SVG, ``name_it``
    names it for screen readers. A chart already narrow enough is drawn once, and so is
    every chart when ``for_phone`` is false (a PDF's)."""
    wide = render(spec)
    if not for_phone:
        return name_it(unique_ids(wide, "wide"))
    if drawn_width(wide) <= PHONE_WIDTH:
        return name_it(unique_ids(wide, "any"))
    plot, phone = PHONE_PLOT, ""
    for _attempt in range(3):  # labels and legends take what they need: narrow the plot
        phone = render(phone_spec(spec, plot))
        excess = drawn_width(phone) - PHONE_WIDTH
        if excess <= 0:
            break
        plot = max(100, int(plot - excess - 1))
    return (f'<div class="chart-wide">{name_it(unique_ids(wide, "wide"))}</div>'
            f'<div class="chart-phone">{name_it(unique_ids(phone, "phone"))}</div>')
