"""Indicator pages: the list, the library of examples, creation and the two-step editor
(sort the criteria into four categories, then describe five levels). Thin: forms
validate, services write and check who may, selectors read."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.core import pages
from cospiral.core.access import (
    ENTER_CARDS,
    MANAGE,
    READ,
    can_enter_cards,
    can_manage,
    territory_view,
)
from cospiral.core.pages import or_404
from cospiral.domain import indicators as rules
from cospiral.indicators import forms, library, selectors, services
from cospiral.indicators.models import IndicatorCriterion


def _languages() -> tuple[str, str]:
    """The reader's language among French and English, and the other one."""
    current = (translation.get_language() or "en").split("-")[0]
    current = current if current in rules.LANGUAGES else "en"
    return current, next(lang for lang in rules.LANGUAGES if lang != current)


def _page(request, template, **context):
    language, other = _languages()
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    context.setdefault("can_edit", can_enter_cards(request))
    context.setdefault("language", language)
    context.setdefault("other_language", other)
    return render(request, template, context, status=context.pop("status", 200))


def _errors(form, error: ValidationError) -> list[str]:
    """Put a service's errors on the form's fields; return the others as sentences."""
    others: list[str] = []
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            if form is not None and name in form.fields:
                form.add_error(name, errors)
            else:
                others += [m for e in errors for m in e.messages]
    else:
        others += error.messages
    return others


def _indicator(request, pk):
    return or_404(selectors.indicator(request.territory, pk), "No such indicator.")


def _detail_url(indicator, anchor: str = "") -> str:
    url = reverse("indicators:detail", kwargs={"territory": indicator.territory.slug, "pk": indicator.pk})
    return url + (f"#{anchor}" if anchor else "")


@territory_view(READ)
def index(request):
    return _page(request, "indicators/index.html",
                 indicators=selectors.latest_versions(request.territory))


@territory_view(READ)
def library_page(request):
    return _page(request, "indicators/library.html",
                 examples=selectors.library_examples(request.territory),
                 categories=IndicatorCriterion.Category.choices)


@territory_view(ENTER_CARDS)
@require_POST
def library_start(request, key):
    if library.example(key) is None:
        raise Http404("No such example.")
    try:
        indicator = services.start_from_library(request.territory, key, user=request.user)
    except ValidationError as error:
        pages.report(request, error)
        return redirect(reverse("indicators:library", kwargs={"territory": request.territory.slug})
                        + f"#example-{key}")
    messages.success(request, _("Indicator %(code)s started from the example. Now rewrite it from "
                                "your citizens' criteria.") % {"code": indicator.code})
    return redirect(_detail_url(indicator))


@territory_view(ENTER_CARDS)
def create(request):
    territory = request.territory
    initial = {}
    if request.GET.get("component", "").isdigit():
        initial["component"] = request.GET["component"]
    form = forms.IndicatorForm(request.POST or None, territory=territory, with_code=True,
                               initial=initial)
    others: list[str] = []
    saved = pages.submit(request, form, lambda d: services.create_indicator(
        territory, component=d["component"], code=d.get("code") or None, titles=form.titles,
        user=request.user),
        done=lambda indicator: _("Indicator %(code)s created.") % {"code": indicator.code},
        then=_detail_url, refused=lambda form, error: others.extend(_errors(form, error)))
    return saved or _page(request, "indicators/form.html", form=form, others=others,
                          indicator=None, status=400 if request.method == "POST" else 200)


def _detail(request, indicator, *, status=200, **context):
    language, _other = _languages()
    found = selectors.problems(indicator)
    writable = can_enter_cards(request) and not indicator.is_frozen
    if writable:
        context.setdefault("levels_form", forms.LevelsForm(
            initial=forms.LevelsForm.initial_from(indicator.levels),
            languages=indicator.territory.languages, existing=indicator.levels))
        context.setdefault("typed_form", forms.TypedCriterionForm())
        context.setdefault("card_choices", selectors.card_choices(indicator))
        context.setdefault("shared_choices", selectors.shared_choices(indicator))
    levels = [{"number": n, "name": selectors.level_name(n),
               "text": indicator.level_text(n, language),
               "own": (indicator.levels[n - 1] if n <= len(indicator.levels) else {}).get(language, ""),
               "texts": indicator.levels[n - 1] if n <= len(indicator.levels) else {}}
              for n in range(1, rules.LEVEL_COUNT + 1)]
    is_latest = selectors.is_latest(indicator)
    return _page(
        request, "indicators/detail.html", indicator=indicator, status=status,
        problems=[selectors.problem_message(f, k) for f, k in found], ready=not found,
        checklist=selectors.checklist(indicator, found), writable=writable,
        blocks=selectors.criteria_by_category(indicator), levels=levels,
        categories=IndicatorCriterion.Category.choices, history=selectors.history(indicator),
        is_latest=is_latest,
        can_new_version=can_enter_cards(request) and indicator.is_frozen and is_latest,
        can_delete=can_manage(request) and not indicator.is_frozen and not services.is_used(indicator),
        **context)


@territory_view(READ)
def detail(request, pk):
    return _detail(request, _indicator(request, pk))


def _refuse_frozen(request, indicator):
    messages.error(request, str(services._frozen_error(indicator).messages[0]))
    return redirect(_detail_url(indicator))


def _unfrozen(view):
    """A view that changes an indicator: called with it while it is not frozen; a frozen
    one goes back to its page with the reason."""
    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        indicator = _indicator(request, pk)
        if indicator.is_frozen:
            return _refuse_frozen(request, indicator)
        return view(request, indicator, *args, **kwargs)
    return wrapper


@territory_view(ENTER_CARDS)
@_unfrozen
def edit(request, indicator):
    territory = request.territory
    form = forms.IndicatorForm(request.POST or None, territory=territory,
                               existing=indicator.titles, initial={
        "component": str(indicator.component_id), "title_fr": indicator.titles.get("fr", ""),
        "title_en": indicator.titles.get("en", "")})
    others: list[str] = []
    saved = pages.submit(request, form, lambda d: services.update_indicator(
        indicator, user=request.user, titles=form.titles, component=d["component"]),
        done=_("Indicator %(code)s saved.") % {"code": indicator.code}, then=_detail_url,
        refused=lambda form, error: others.extend(_errors(form, error)))
    return saved or _page(request, "indicators/form.html", form=form, others=others, indicator=indicator,
                 status=400 if request.method == "POST" else 200)


@territory_view(ENTER_CARDS)
@require_POST
@_unfrozen
def levels(request, indicator):
    form = forms.LevelsForm(request.POST, languages=indicator.territory.languages,
                            existing=indicator.levels)
    others: list[str] = []
    saved = pages.submit(request, form, lambda d: services.update_indicator(
        indicator, user=request.user, levels=form.levels),
        done=_("Level descriptors saved."), then=_detail_url(indicator, "step-two"),
        refused=lambda form, error: others.extend(_errors(form, error)))
    return saved or _detail(request, indicator, levels_form=form, levels_errors=others, status=400)


@territory_view(ENTER_CARDS)
@require_POST
@_unfrozen
def criteria_add(request, indicator):
    form = forms.TypedCriterionForm(request.POST)
    add_errors: list[str] = []
    saved = pages.submit(request, form, lambda d: services.add_criteria(
        indicator, user=request.user, cards=request.POST.getlist("cards"),
        shared_criteria=request.POST.getlist("shared"),
        texts=[d["text"].strip()] if d["text"].strip() else [], category=d["category"]),
        done=_("Criteria added."), then=_detail_url(indicator, "step-one"),
        refused=lambda form, error: add_errors.extend(_errors(form, error)))
    return saved or _detail(request, indicator, typed_form=form, add_errors=add_errors,
                   chosen_cards=set(request.POST.getlist("cards")),
                   chosen_shared=set(request.POST.getlist("shared")), status=400)


@territory_view(ENTER_CARDS)
@require_POST
@_unfrozen
def criteria_sort(request, indicator):
    wanted = {key.removeprefix("category-"): value for key, value in request.POST.items()
              if key.startswith("category-") and key.removeprefix("category-").isdigit()}
    try:
        changed = services.sort_criteria(indicator, wanted, user=request.user)
    except ValidationError as error:
        return _detail(request, indicator, sort_errors=_errors(None, error), status=400)
    messages.success(request, ngettext("Criteria sorted (%(n)s changed).", "Criteria sorted (%(n)s changed).",
                                              changed) % {"n": changed})
    return redirect(_detail_url(indicator, "step-one"))


@territory_view(ENTER_CARDS)
@require_POST
@_unfrozen
def criterion_remove(request, indicator, criterion):
    found = or_404(IndicatorCriterion.objects.of(request.territory)
                   .filter(indicator=indicator, pk=criterion).first(), "No such criterion.")
    services.remove_criterion(found, user=request.user)
    messages.success(request, _("Criterion removed."))
    return redirect(_detail_url(indicator, "step-one"))


@territory_view(ENTER_CARDS)
@require_POST
def version_new(request, pk):
    indicator = _indicator(request, pk)
    try:
        copy = services.new_version(indicator, user=request.user)
    except ValidationError as error:
        pages.report(request, error)
        return redirect(_detail_url(indicator))
    messages.success(request, _("Version %(version)s of %(code)s is a new draft: change it here.")
                     % {"version": copy.version, "code": copy.code})
    return redirect(_detail_url(copy))


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    indicator = _indicator(request, pk)
    back = reverse("indicators:index", kwargs={"territory": request.territory.slug})
    if request.method == "POST":
        if pages.act(request, lambda: services.delete_indicator(indicator, user=request.user),
                     done=_("Indicator %(code)s version %(version)s deleted.")
                     % {"code": indicator.code, "version": indicator.version}):
            return redirect(back)
        return redirect(_detail_url(indicator))
    return _page(request, "indicators/confirm_delete.html", indicator=indicator,
                 back=_detail_url(indicator))
