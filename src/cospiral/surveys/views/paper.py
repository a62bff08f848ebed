"""Paper channels of a survey wave: the printable questionnaire (PDF), the typed-in
entry of paper questionnaires (keyboard only, one character per indicator), the list
of typed questionnaires, and the CSV/XLSX import. Thin: reads through selectors, writes
through ``surveys.services`` and ``surveys.imports``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cospiral.core import exports, pdfs
from cospiral.core.access import ENTER_CARDS, MANAGE, can_manage, territory_view
from cospiral.domain import survey as rules
from cospiral.indicators.selectors import level_name
from cospiral.jobs.uploads import import_upload
from cospiral.surveys import imports, paper_selectors, profiles, services
from cospiral.surveys import paper_pdf as pdf_render
from cospiral.surveys.models import Questionnaire
from cospiral.surveys.paper_forms import EntryForm, ImportForm, PrintForm
from cospiral.surveys.views.common import language as page_language
from cospiral.surveys.views.common import wave_of

LAST_TYPED = 10
MAX_SHOWN_ERRORS = 200


def _wave_url(territory, wave) -> str:
    return reverse("surveys:detail", kwargs={"territory": territory.slug, "pk": wave.pk})


def _context(request, wave, **extra) -> dict:
    return {"territory": request.territory, "wave": wave, "can_manage": can_manage(request),
            "wave_url": _wave_url(request.territory, wave),
            "status": services.wave_status(wave), **extra}


def _profile_text(wave, questionnaire) -> str:
    parts = []
    for key, code in zip(rules.PROFILE_KEYS, questionnaire.profile, strict=True):
        if key in (wave.profile_questions or []) and code != rules.NOT_STATED:
            labels = profiles.choices(wave, key)
            parts.append(labels[code] if 0 <= code < len(labels) else str(code))
    return " · ".join(parts)


def _rows(wave, questionnaires, J) -> list[dict]:
    return [{"q": q, "typed": paper_selectors.typed_string(q, J), "profile": _profile_text(wave, q)}
            for q in questionnaires]


# --- the paper page of a wave ---------------------------------------------------------


@territory_view(ENTER_CARDS)
def paper(request, pk):
    wave = wave_of(request, pk)
    form = PrintForm(initial={"language": page_language(), "first": 1})
    return render(request, "surveys/paper_index.html", _context(
        request, wave, form=form, items=services.positions(wave),
        typed_count=paper_selectors.typed(wave).count()))


# --- printable questionnaire ----------------------------------------------------------


@require_safe
@territory_view(ENTER_CARDS)
def paper_pdf(request, pk):
    wave = wave_of(request, pk)
    form = PrintForm(request.GET or None)
    items = services.positions(wave)
    if not form.is_valid() or not items:
        if not items:
            messages.error(request, _("This wave has no indicators yet: choose them before printing."))
        return render(request, "surveys/paper_index.html", _context(
            request, wave, form=form, items=items,
            typed_count=paper_selectors.typed(wave).count()), status=400)
    language = form.cleaned_data["language"]
    copies, first = form.cleaned_data["copies"], form.cleaned_data["first"]
    suffix = f"-{first}-{first + copies - 1}" if copies else "-blank"
    return pdfs.respond(
        request, pdf_render.KIND,
        params={"wave_id": wave.pk, "print_language": language, "copies": copies, "first": first,
                "base_url": request.build_absolute_uri("/")},
        filename=f"cospiral-questionnaire-{request.territory.slug}-{wave.pk}-{language}{suffix}.pdf")


# --- typed-in entry -------------------------------------------------------------------


def _entry_initial(wave, request, J) -> tuple[dict, bool]:
    """Initial values: a correction (``?number=``) prefilled from what is stored, else the
    next number."""
    raw = request.GET.get("number", "")
    if raw.isdigit():
        stored = paper_selectors.typed_by_number(wave, int(raw))
        if stored is not None:
            initial = {"number": int(raw), "answers": paper_selectors.typed_string(stored, J),
                       "replace": True, "consent": stored.consent}
            for key, code in zip(rules.PROFILE_KEYS, stored.profile, strict=True):
                if code != rules.NOT_STATED:
                    initial[key] = str(code)
            return initial, True
        return {"number": int(raw)}, False
    following = request.GET.get("next", "")
    if following.isdigit() and int(following) >= 1:
        number = int(following)
        if paper_selectors.typed_by_number(wave, number) is not None:
            number = paper_selectors.next_number(wave)
        return {"number": number}, False
    return {"number": paper_selectors.next_number(wave)}, False


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def entry(request, pk):
    wave = wave_of(request, pk)
    items = services.positions(wave)
    codes = [item.indicator.code for item in items]
    J = len(items)
    correcting, conflict = False, None
    if request.method == "POST":
        form = EntryForm(request.POST, wave=wave, codes=codes)
        if form.is_valid():
            data = form.cleaned_data
            number = data["number"]
            try:
                saved = services.save_questionnaire(
                    wave, key=paper_selectors.paper_key(number), channel=Questionnaire.Channel.PAPER,
                    answers=data["answers"], profile=data["profile"],
                    consent=bool(data.get("consent")), replace=bool(data.get("replace")),
                    user=request.user, respondent_number=number)
            except services.AlreadySubmitted as exc:
                conflict = {"number": number, "typed": paper_selectors.typed_string(exc.questionnaire, J),
                            "channel": exc.questionnaire.get_channel_display()}
                form.add_error("number", _(
                    "Questionnaire number %(n)s is already stored. To correct it, tick “Replace "
                    "the questionnaire already typed with this number” and save again; otherwise "
                    "check the number.") % {"n": number})
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                if saved.created:
                    messages.success(request, _("Questionnaire %(n)s saved.") % {"n": number})
                else:
                    messages.success(request, _("Questionnaire %(n)s corrected.") % {"n": number})
                url = reverse("surveys:paper_entry", kwargs={"territory": request.territory.slug, "pk": wave.pk})
                return redirect(f"{url}?next={number + 1}")
    else:
        initial, correcting = _entry_initial(wave, request, J)
        form = EntryForm(initial=initial, wave=wave, codes=codes)
        if correcting:
            form.fields["answers"].widget.attrs.pop("autofocus", None)
    language = page_language()
    echo = [{"code": item.indicator.code, "title": item.indicator.title(language),
             "levels": [item.indicator.level_text(n, language) for n in range(1, 6)]}
            for item in items]
    return render(request, "surveys/paper_entry.html", _context(
        request, wave, form=form, items=items, echo=echo, correcting=correcting, conflict=conflict,
        level_names=[str(level_name(n)) for n in range(1, 6)],
        last=_rows(wave, paper_selectors.last_typed(wave, LAST_TYPED), J),
        profile_fields=[form[key] for key in form.asked],
    ), status=400 if request.method == "POST" else 200)


@territory_view(ENTER_CARDS)
def typed_list(request, pk):
    wave = wave_of(request, pk)
    J = len(services.positions(wave))
    page = Paginator(paper_selectors.typed(wave), 100).get_page(request.GET.get("page"))
    return render(request, "surveys/paper_typed.html", _context(
        request, wave, page=page, rows=_rows(wave, page.object_list, J),
        codes=[item.indicator.code for item in services.positions(wave)]))


# --- file import ----------------------------------------------------------------------


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def import_view(request, pk):
    wave = wave_of(request, pk)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    done, errors = import_upload(
        request, form, "surveys.import_responses",
        lambda upload: imports.import_responses(wave, upload.read(), upload.name,
                                                user=request.user),
        done=lambda result: _(
            "%(created)s questionnaires imported from %(file)s; %(skipped)s already "
            "imported, skipped.") % {"created": result.created, "file": result.file,
                                     "skipped": result.skipped},
        then=reverse("surveys:import", kwargs={"territory": request.territory.slug, "pk": wave.pk}),
        params=lambda _data: {"wave_id": wave.pk})
    if done is not None:
        return done
    asked, codes, header = imports.columns(wave)
    language = page_language()
    choices = [{"key": key, "label": profiles.QUESTION_LABELS[key],
                "choices": list(zip(profiles.choice_keys(wave, key), profiles.choices(wave, key), strict=True))}
               for key in asked]
    return render(request, "surveys/import_responses.html", _context(
        request, wave, form=form, errors=errors[:MAX_SHOWN_ERRORS], error_count=len(errors),
        header=header, codes=codes, asked=asked, profile_choices=choices,
        items=[{"code": item.indicator.code, "title": item.indicator.title(language)}
               for item in services.positions(wave)]),
        status=400 if errors or form.errors else 200)


@territory_view(MANAGE)
def import_template(request, pk, format):
    """The import template (the importer's column codes, in every format), with a sheet
    explaining the codes in the XLSX file."""
    wave = wave_of(request, pk)
    exports.check_format(format)
    with exports.language(format):
        header, *rows = imports.template_rows(wave)
        help_header, *help_rows = imports.help_rows(wave)
        return exports.response(f"cospiral-responses-{request.territory.slug}-{wave.pk}", [
            exports.Sheet("responses", header, rows),
            exports.Sheet("codes", help_header, help_rows)], format)
