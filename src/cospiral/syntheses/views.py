"""Synthesis pages (a group's and the territory's), their PDF and CSV, the rainbow
crossing, the shared definition of well-being. Thin: forms validate, services write
(and check who may), selectors read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cospiral.cards.selectors import default_language
from cospiral.core import exports, pages
from cospiral.core.access import ENTER_CARDS, MANAGE, READ, territory_view
from cospiral.core.pages import or_404
from cospiral.groups.models import Group
from cospiral.syntheses import forms, selectors, services


def _page(request, template, **context):
    return pages.page(request, template, **{"minority_percent": selectors.MINORITY_PERCENT,
                                            **context})


def _apply_errors(form, error: ValidationError) -> list[str]:
    """Put a service's errors on the form; return those about the chosen cards."""
    card_errors: list[str] = []
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            if name == "cards":
                card_errors += [m for e in errors for m in e.messages]
            else:
                form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
    return card_errors


def _language(request) -> str:
    return (translation.get_language() or default_language(request.territory)).split("-")[0]


def _group(request, pk) -> Group:
    return get_object_or_404(Group.objects.of(request.territory), pk=pk)


def _scope_url(territory, group) -> str:
    if group is not None:
        return reverse("syntheses:group", kwargs={"territory": territory.slug, "pk": group.pk})
    return reverse("syntheses:territory", kwargs={"territory": territory.slug})


@territory_view(READ)
def index(request):
    return _page(request, "syntheses/index.html", **selectors.overview(request.territory))


# --- a synthesis ---------------------------------------------------------------------------

def _scoped(page, roles=READ):
    """The two views of a page ``page(request, group)`` that a group's synthesis and the
    territory's both have: for the group ``pk``, and for the territory (``group`` None)."""

    @territory_view(roles)
    def of_group(request, pk):
        return page(request, _group(request, pk))

    @territory_view(roles)
    def of_territory(request):
        return page(request, None)

    return of_group, of_territory


def _synthesis_page(request, group):
    territory = request.territory
    minority_only = request.GET.get("show") == "minority"
    return _page(
        request, "syntheses/synthesis.html", group=group,
        board=selectors.board(territory, group, minority_only=minority_only),
        minority_only=minority_only,
        can_write=selectors.can_write_synthesis(territory, request.user, group),
        can_validate=selectors.can_validate(territory, request.user),
    )


group_synthesis, territory_synthesis = _scoped(_synthesis_page)


def _pdf(request, group):
    from cospiral.core import pdfs
    from cospiral.syntheses import jobs

    territory = request.territory
    name = f"group-{group.pk}" if group is not None else "territory"
    return pdfs.respond(request, jobs.SYNTHESIS,
                        params={"group_id": group.pk if group else None,
                                "base_url": request.build_absolute_uri("/")},
                        filename=f"cospiral-synthesis-{territory.slug}-{name}.pdf",
                        extra=jobs.unaudited(territory))


group_pdf, territory_pdf = map(require_safe, _scoped(_pdf))


def csv_labels() -> list[str]:
    return [_("Component"), _("Component label"), _("Cards of the component"),
            _("Minority component"), _("Sentence number"), _("Sentence"), _("Language of the sentence"),
            _("Cards of the sentence"), _("Card number"), _("Card reference"), _("Question"),
            _("Group of the card"), _("Card text")]


def _csv(request, group):
    """The synthesis's sentences and the cards they sum up, in the format of ``?format=``."""
    territory = request.territory
    format = exports.requested_format(request)
    with exports.language(format):
        header, *rows = selectors.csv_rows(selectors.board(territory, group))
        name = f"group-{group.pk}" if group is not None else "territory"
        return exports.response(f"cospiral-synthesis-{territory.slug}-{name}",
                                [exports.Sheet("synthesis", header, rows, csv_labels())], format)


group_csv, territory_csv = _scoped(_csv)


# --- sentences -------------------------------------------------------------------------------

def _chosen_cards(request, cited) -> list[int]:
    """The cards ticked on a form of what cites cards (a sentence, a shared criterion): those
    posted, else those ``cited`` cites already (none for a new one)."""
    if request.method == "POST":
        return [int(v) for v in request.POST.getlist("cards") if v.isdigit()]
    return list(cited.cards.values_list("pk", flat=True)) if cited else []


def _sentence_form(request, *, group, component, sentence=None):
    territory = request.territory
    if not selectors.can_write_synthesis(territory, request.user, group):
        raise PermissionDenied
    initial = ({"text": sentence.text, "language": sentence.language,
                "seen": sentence.updated_at.isoformat()} if sentence
               else {"language": _language(request)})
    form = forms.SentenceForm(request.POST or None, territory=territory, initial=initial)
    chosen = _chosen_cards(request, sentence)
    card_errors: list[str] = []

    def save(data):
        if sentence is None:
            return services.add_sentence(territory, user=request.user, group=group,
                                         component=component, text=data["text"],
                                         language=data["language"],
                                         cards=request.POST.getlist("cards"))
        return services.update_sentence(sentence, user=request.user, text=data["text"],
                                        language=data["language"],
                                        cards=request.POST.getlist("cards"),
                                        seen_updated_at=data.get("seen"))

    saved = pages.submit(request, form, save, done=_("Sentence saved."),
                         then=lambda _s: _scope_url(territory, group) + f"#component-{component.pk}",
                         refused=lambda form, error: card_errors.extend(_apply_errors(form, error)))
    if saved is not None:
        return saved
    choices = selectors.component_cards(territory, group, component)
    if sentence is not None:
        present = {c.pk for c in choices}
        choices += [c for c in sentence.cards.select_related("question", "group").order_by("id")
                    if c.pk not in present]
    failed = request.method == "POST" and (form.errors or card_errors)
    return _page(request, "syntheses/sentence_form.html", form=form, group=group,
                 component=component, sentence=sentence, choices=choices, chosen=set(chosen),
                 card_errors=card_errors, back=_scope_url(territory, group),
                 status=400 if failed else 200)


@territory_view(ENTER_CARDS)
def group_sentence_add(request, pk, component):
    group = _group(request, pk)
    entry = _component(request, component)
    return _sentence_form(request, group=group, component=entry)


@territory_view(MANAGE)
def territory_sentence_add(request, component):
    return _sentence_form(request, group=None, component=_component(request, component))


def _component(request, pk):
    try:
        return selectors.component_in_territory(request.territory, pk)
    except ValidationError:
        raise Http404("No such component.") from None


def _sentence(request, pk):
    return or_404(selectors.sentence(request.territory, pk), "No such sentence.")


@territory_view(ENTER_CARDS)
def sentence_edit(request, pk):
    sentence = _sentence(request, pk)
    return _sentence_form(request, group=sentence.synthesis.group, component=sentence.component,
                          sentence=sentence)


def _delete(request, obj, group, delete, *, back: str, what: str, done: str):
    """The page asking before a sentence or a shared criterion of ``group`` is deleted."""
    if not selectors.can_write_synthesis(request.territory, request.user, group):
        raise PermissionDenied
    return pages.confirm(request, obj, delete, "syntheses/confirm_delete.html", done=done,
                         after=back, back=back, obj=obj, group=group, what=what,
                         minority_percent=selectors.MINORITY_PERCENT)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def sentence_delete(request, pk):
    sentence = _sentence(request, pk)
    group = sentence.synthesis.group
    return _delete(request, sentence, group, services.delete_sentence,
                   back=_scope_url(request.territory, group), what=_("Delete the sentence"),
                   done=_("Sentence deleted."))


# --- validation ------------------------------------------------------------------------------

def _validate(request, group):
    territory = request.territory
    form = forms.ValidationForm(request.POST or None)
    saved = pages.submit(request, form, lambda d: services.validate_synthesis(
        territory, user=request.user, group=group, validated_on=d["validated_on"],
        uncited_note=d["uncited_note"]),
        done=_("The validation of the synthesis is recorded."), then=_scope_url(territory, group))
    return saved or _page(request, "syntheses/validate.html", form=form, group=group,
                 synthesis=selectors.synthesis_of(territory, group), back=_scope_url(territory, group),
                 uncited=selectors.board(territory, group).uncited_count,
                 status=400 if form.errors else 200)


group_validate, territory_validate = _scoped(_validate, MANAGE)


# --- rainbow crossing and shared definition ----------------------------------------------------

def _mixed_group(request, pk) -> Group:
    return or_404(selectors.mixed_group(request.territory, pk), "No such mixed group.")


@territory_view(READ)
def crossing(request, pk):
    territory = request.territory
    group = _mixed_group(request, pk)
    return _page(request, "syntheses/crossing.html", group=group,
                 crossing=selectors.crossing(territory, group),
                 can_write=selectors.can_write_synthesis(territory, request.user, group))


def _criterion_form(request, group, component, criterion=None):
    territory = request.territory
    if not selectors.can_write_synthesis(territory, request.user, group):
        raise PermissionDenied
    initial = ({"component": str(criterion.component_id), "text": criterion.text,
                "language": criterion.language, "nature": criterion.nature} if criterion
               else {"component": str(component.pk), "language": _language(request)})
    form = forms.CriterionForm(request.POST or None, territory=territory, initial=initial)
    chosen = _chosen_cards(request, criterion)
    card_errors: list[str] = []
    saved = pages.submit(
        request, form, lambda data: services.save_shared_criterion(
            territory, user=request.user, mixed_group=group, criterion=criterion,
            component=data["component"], text=data["text"], language=data["language"],
            cards=request.POST.getlist("cards"), nature=data["nature"]),
        done=_("Shared criterion saved."),
        then=lambda _s: pages.url(request, "syntheses:crossing", pk=group.pk)
        + f"#component-{component.pk}",
        refused=lambda form, error: card_errors.extend(_apply_errors(form, error)))
    if saved is not None:
        return saved
    keep = list(criterion.cards.all()) if criterion else []
    failed = request.method == "POST" and (form.errors or card_errors)
    return _page(request, "syntheses/criterion_form.html", form=form, group=group,
                 component=component, criterion=criterion, card_errors=card_errors,
                 choices=selectors.criterion_choices(territory, group, component, keep=keep),
                 chosen=set(chosen), status=400 if failed else 200)


@territory_view(ENTER_CARDS)
def criterion_add(request, pk, component):
    return _criterion_form(request, _mixed_group(request, pk), _component(request, component))


def _criterion(request, pk):
    return or_404(selectors.criterion(request.territory, pk), "No such shared criterion.")


@territory_view(ENTER_CARDS)
def criterion_edit(request, pk):
    criterion = _criterion(request, pk)
    return _criterion_form(request, criterion.mixed_group, criterion.component, criterion)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def criterion_delete(request, pk):
    criterion = _criterion(request, pk)
    group = criterion.mixed_group
    return _delete(request, criterion, group, services.delete_shared_criterion,
                   back=pages.url(request, "syntheses:crossing", pk=group.pk),
                   what=_("Delete the shared criterion"), done=_("Shared criterion deleted."))


@territory_view(READ)
def definition(request):
    territory = request.territory
    return _page(request, "syntheses/definition.html", definition=selectors.definition_page(territory),
                 can_write_introduction=selectors.can_validate(territory, request.user))


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def definition_introduction(request):
    territory = request.territory
    current = selectors.definition_page(territory).introduction
    initial = ({"introduction": current.introduction, "language": current.language} if current
               else {"language": _language(request)})
    form = forms.IntroductionForm(request.POST or None, territory=territory, initial=initial)
    back = pages.url(request, "syntheses:definition")
    return pages.form_page(request, form, lambda d: services.save_definition_introduction(
        territory, user=request.user, **d), "syntheses/introduction_form.html",
        done=_("Introduction saved."), then=back, back=back)


@require_safe
@territory_view(READ)
def definition_pdf(request):
    from cospiral.core import pdfs
    from cospiral.syntheses import jobs

    territory = request.territory
    return pdfs.respond(request, jobs.DEFINITION, params={"base_url": request.build_absolute_uri("/")},
                        filename=f"cospiral-definition-{territory.slug}.pdf",
                        extra=jobs.unaudited(territory))
