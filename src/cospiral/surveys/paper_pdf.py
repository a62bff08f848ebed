"""The printed questionnaire as a PDF, fast for many numbered copies.

WeasyPrint lays out the questionnaire once, with empty respondent number boxes; for
numbered copies, the pages of that one layout are repeated and each copy's digits are
drawn into its boxes (positions read from the layout, Helvetica Bold, a standard PDF
font that needs no embedding). Laying out every copy again took about 0.8 s per copy
of 20 indicators; stamping takes a few milliseconds."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cospiral.core import pdfs
from cospiral.jobs.registry import job_kind

#: The job that builds a printed questionnaire, once per content (``cospiral.core.pdfs``).
KIND = "surveys.paper_pdf"
MIN_NUMBER_BOXES = 4

DIGIT_CLASS = "digit"
FONT_NAME = "/CospiralDigits"
FONT_SIZE = 13.0  # pt, as the boxes' CSS
HELVETICA_DIGIT_WIDTH = 0.556  # em, every digit of Helvetica Bold
PX_TO_PT = 0.75


def _digit_boxes(page) -> list[tuple[float, float, float, float]]:
    """Border boxes (x, y, width, height in CSS px, from the top left) of the number
    boxes of a laid-out WeasyPrint page, left to right."""
    found = []

    def walk(box):
        element = getattr(box, "element", None)
        if (element is not None and type(box).__name__ == "InlineBlockBox"
                and DIGIT_CLASS in (element.get("class") or "").split()):
            found.append((box.position_x, box.position_y, box.border_width(), box.border_height()))
            return
        for child in getattr(box, "children", None) or []:
            walk(child)

    walk(page._page_box)
    return sorted(found)


def render(html: str, base_url: str | None, numbers: Sequence[int] | None, boxes: int) -> bytes:
    """The PDF of ``html`` (one blank copy); with ``numbers``, one copy per number with
    its digits (zero-padded to ``boxes``) in the number boxes of every page."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url).render()
    blank = document.write_pdf()
    if not numbers:
        return blank
    layout = [(page.height, _digit_boxes(page)) for page in document.pages]
    return _stamp(blank, layout, numbers, boxes)


def _stamp(blank: bytes, layout, numbers: Sequence[int], boxes: int) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    reader = PdfReader(io.BytesIO(blank))
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica-Bold"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    save = DecodedStreamObject()
    save.set_data(b"q\n")
    save_ref = writer._add_object(save)
    half_width = FONT_SIZE * HELVETICA_DIGIT_WIDTH / 2
    for number in numbers:
        digits = str(number).zfill(boxes)
        for index, source in enumerate(reader.pages):
            page = writer.add_page(source)
            height_px, rects = layout[index]
            height_pt = height_px * PX_TO_PT
            ops = [b"Q\nq\nBT", FONT_NAME.encode() + b" %.2f Tf" % FONT_SIZE, b"0 0 0 rg"]
            for digit, (x, y, w, h) in zip(digits[-len(rects):] if rects else "", rects, strict=False):
                cx = (x + w / 2) * PX_TO_PT - half_width
                cy = height_pt - (y + h / 2) * PX_TO_PT - FONT_SIZE * 0.35
                ops.append(b"1 0 0 1 %.2f %.2f Tm (%s) Tj" % (cx, cy, digit.encode()))
            ops.append(b"ET\nQ\n")
            stamp = DecodedStreamObject()
            stamp.set_data(b"\n".join(ops))
            contents = page.get("/Contents")
            old = list(contents) if isinstance(contents, ArrayObject) else ([contents] if contents else [])
            page[NameObject("/Contents")] = ArrayObject([save_ref, *old, writer._add_object(stamp)])
            resources = page.get("/Resources")
            resources = resources.get_object() if resources is not None else DictionaryObject()
            fonts = resources.get("/Font")
            fonts = fonts.get_object() if fonts is not None else DictionaryObject()
            fonts[NameObject(FONT_NAME)] = font
            resources[NameObject("/Font")] = fonts
            page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _digits(number: int | None, boxes: int) -> list[str]:
    if number is None:
        return [""] * boxes
    return list(str(number).zfill(boxes))


def render_questionnaire(territory, wave, *, language: str, copies: int, first: int, now,
                         base_url: str | None) -> bytes:
    """The printed questionnaire of ``wave`` in ``language``: one blank copy, or ``copies``
    numbered from ``first``."""
    from cospiral.domain import survey as rules
    from cospiral.indicators.selectors import level_name
    from cospiral.surveys import profiles, services

    items = services.positions(wave)
    numbers = list(range(first, first + copies)) if copies else [None]
    boxes = max(MIN_NUMBER_BOXES, len(str(numbers[-1] or 0)))
    asked = [key for key in rules.PROFILE_KEYS if key in (wave.profile_questions or [])]
    with translation.override(language):
        indicators = [{
            "position": item.position + 1,
            "code": item.indicator.code,
            "title": item.indicator.title(language),
            "levels": [(n, level_name(n), item.indicator.level_text(n, language)) for n in range(1, 6)],
        } for item in items]
        questions = [{"key": key, "label": str(profiles.QUESTION_LABELS[key]),
                      "choices": profiles.choices(wave, key)} for key in asked]
        html = render_to_string("surveys/paper_questionnaire.html", {
            "territory": territory, "wave": wave, "indicators": indicators,
            "questions": questions, "language": language,
            "copies": [{"number": None, "digits": _digits(None, boxes)}],
            "boxes": range(boxes), "printed": timezone.localdate(now),
        })
    # Laid out once; numbered copies get their digits stamped into the boxes.
    return render(html, base_url, numbers if copies else None, boxes)


@job_kind(KIND, title=_("Paper questionnaires (PDF)"), min_role="facilitator")
def paper_pdf(ctx, *, wave_id: int, print_language: str, copies: int, first: int,
              base_url: str | None = None, **_kept) -> None:
    from cospiral.surveys.models import Wave

    territory = ctx.territory
    wave = get_object_or_404(Wave.objects.of(territory), pk=wave_id)
    pdfs.build(ctx, lambda now: render_questionnaire(
        territory, wave, language=print_language, copies=copies, first=first, now=now,
        base_url=base_url))
