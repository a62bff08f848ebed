"""Charts on a phone (issue 12, point 5): a chart wider than a phone is also drawn narrow
(panels stacked, 12 px text, at most 340 px), each drawing with its own ids; the axes
write numbers as the page does (« 50 % » in French, « 50% » in English)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from cospiral.statistics import charts, phone_charts
from cospiral.statistics.selectors import Column, Table

NAMES = ["Accès aux moyens de vie et à la santé pour tous", "Cadre de vie, logement et quartier",
         "Relations avec les institutions et les services publics", "Équilibres personnels"]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path  # the disk cache of SVGs
    language = translation.get_language()
    yield
    translation.activate(language)


def _families(questions=("Q1", "Q2", "Q3")) -> Table:
    columns = [Column("code", "Code", "text"), Column("label", "Label", "text")]
    for q in questions:
        columns += [Column(f"{q}_count", q, "count"), Column(f"{q}_share", q, "share")]
    columns += [Column("total_count", "Total", "count"), Column("total_share", "Total", "share")]
    rows = [[chr(65 + n), name] + [v for q in questions for v in (5 + n, (5 + n) / 400)]
            + [15 + 3 * n, (15 + 3 * n) / 120] for n, name in enumerate(NAMES)]
    return Table("families", "Cards by family", columns, rows)


def _parts(html: str) -> tuple[str, str]:
    wide = re.search(r'<div class="chart-wide">(.*?)</div><div', html, re.S)
    phone = re.search(r'<div class="chart-phone">(.*?)</div>$', html, re.S)
    assert wide and phone, html[:300]
    return wide.group(1), phone.group(1)


def _font_sizes(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'font-size="([\d.]+)px"', svg)] + [
        float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]


def test_a_pdf_draws_the_wide_chart_only():
    """A PDF has no phone screen: drawn inside ``pdfs.printed()`` (what a PDF job does), a
    chart is the wide drawing alone, named as on the page, and the page's HTML is kept
    apart from it."""
    from cospiral.core import pdfs

    translation.activate("fr")
    spec = charts.bars_by_question(_families(), ["Q1", "Q2", "Q3"])
    with pdfs.printed():
        printed = charts.chart_html(spec, "summary")
    assert not pdfs.printing()
    assert "chart-phone" not in printed and "chart-wide" not in printed
    assert printed.count("<svg") == 1 and printed.count('aria-label="summary"') == 1
    assert phone_charts.drawn_width(printed) > phone_charts.PHONE_WIDTH
    wide, _phone = _parts(charts.chart_html(spec, "summary"))  # the page's: both drawings
    assert phone_charts.drawn_width(wide) == phone_charts.drawn_width(printed)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_wide_chart_has_a_phone_drawing(language):
    translation.activate(language)
    spec = charts.bars_by_question(_families(), ["Q1", "Q2", "Q3"])
    html = charts.chart_html(spec, "summary")
    wide, phone = _parts(html)
    assert phone_charts.drawn_width(wide) > phone_charts.PHONE_WIDTH
    assert phone_charts.drawn_width(phone) <= phone_charts.PHONE_WIDTH
    assert min(_font_sizes(phone)) >= 12
    # Both are named for screen readers, the phone one by the same summary.
    assert wide.count('aria-label="summary"') == phone.count('aria-label="summary"') == 1
    # The three panels are stacked: the phone drawing is taller than wide.
    height = float(re.search(r'<svg\b[^>]*?\bheight="([\d.]+)"', phone).group(1))
    assert height > phone_charts.drawn_width(phone)
    ticks = re.findall(r">([\d.,]+)(\u202f?)%<", phone)
    assert ticks, phone[:500]
    assert all(space == ("\u202f" if language == "fr" else "") for _n, space in ticks), ticks
    if language == "fr":
        assert any("," in n for n, _s in ticks), ticks  # « 2,5 % », a decimal comma


def test_a_narrow_chart_is_drawn_once():
    translation.activate("fr")
    spec = charts.bars_by_question(_families(("Q1",)), ["Q1"], top=2)
    spec["width"] = 120
    spec["config"]["axis"]["labelLimit"] = 120
    html = charts.chart_html(spec, "summary")
    assert "chart-phone" not in html and html.count("<svg") == 1


def test_the_drawings_ids_never_meet():
    svg = '<svg width="10"><linearGradient id="gradient_0"/><rect fill="url(#gradient_0)"/></svg>'
    one, two = phone_charts.unique_ids(svg, "wide"), phone_charts.unique_ids(svg, "phone")
    ids = re.findall(r'id="([^"]+)"', one) + re.findall(r'id="([^"]+)"', two)
    assert len(set(ids)) == 2 and 'id="gradient_0"' not in one + two
    assert re.search(r'url\(#(c[0-9a-f]{8}-gradient_0)\)', one).group(1) in ids


def test_side_by_side_panels_are_stacked_in_the_phone_spec():
    translation.activate("en")
    spec = charts.bars_by_question(_families(), ["Q1", "Q2", "Q3"])
    phone = phone_charts.phone_spec(spec)
    assert "row" in phone["facet"] and "column" not in phone["facet"]
    assert "column" in spec["facet"]  # the wide spec is left as it was
    assert phone["spec"]["width"] <= phone_charts.PHONE_PLOT


def test_a_heatmaps_phone_drawing_keeps_the_shades_without_the_figures():
    translation.activate("fr")
    table = _families(("Q1",))
    spec = charts.heatmap_side_by_side(table, ["Q1"])
    phone = phone_charts.phone_spec(spec)
    assert [layer["mark"]["type"] for layer in phone["layer"]] == ["rect"]
    assert len(spec["layer"]) == 2  # the wide drawing writes them
