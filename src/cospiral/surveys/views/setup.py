"""Survey wave pages of a territory: the list of waves, the wave's form, the choice of its
indicators, its page (status, progress, opening and closing, public link, publication)
and its respondent links. Everyone in the territory reads; coordinators write. Thin:
forms read, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.core import exports, pages
from cospiral.core.access import MANAGE, READ, can_manage, territory_view
from cospiral.core.pages import form_views, or_404
from cospiral.surveys import profiles, selectors, services
from cospiral.surveys.forms import IndicatorChoice, TokensForm, WaveForm
from cospiral.surveys.models import RespondentToken, Wave
from cospiral.surveys.views.common import language as page_language
from cospiral.surveys.views.common import public_results_url, wave_of
from cospiral.territories.views import form_error

MAX_LINKS_LISTED = 500

#: Pages of the other parts of a wave (paper, typed entry, import, results): linked from
#: the wave's page when their URL name exists. ``(URL name, label)``.
OTHER_PARTS = (
    ("surveys:paper", gettext_lazy("Paper questionnaire (printable PDF)")),
    ("surveys:paper_entry", gettext_lazy("Type in paper questionnaires")),
    ("surveys:import", gettext_lazy("Import questionnaires (CSV, XLSX)")),
    ("surveys:results", gettext_lazy("Results")),
    ("surveys:results_comparison", gettext_lazy("Comparison with the ex-ante wave")),
)


def _page(request, template, **context):
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    return render(request, template, context, status=context.pop("status", 200))


def _detail(wave):
    return redirect("surveys:detail", territory=wave.territory.slug, pk=wave.pk)


def status_label(status: str) -> str:
    return {"draft": _("draft"), "scheduled": _("scheduled"), "open": _("open"),
            "closed": _("closed")}[status]


def other_parts(wave) -> list[tuple[str, str]]:
    """``(url, label)`` of the other pages of the wave."""
    kwargs = {"territory": wave.territory.slug, "pk": wave.pk}
    return [(reverse(name, kwargs=kwargs), str(label)) for name, label in OTHER_PARTS
            if name != "surveys:results_comparison" or wave.baseline_id is not None]


# --- list and form -----------------------------------------------------------------------


@territory_view(READ)
def index(request):
    now = timezone.now()
    rows = list(selectors.wave_list(request.territory))
    for row in rows:
        row.status = services.wave_status(row, now)
        row.status_label = status_label(row.status)
    return _page(request, "surveys/index.html", waves=rows)


def _families(territory, wave=None) -> list[tuple[str, str]]:
    """Families whose weight the form asks: those of the wave's indicators once chosen,
    otherwise every family of the territory's grid."""
    grid = selectors.families_of_territory(territory)
    items = selectors.instrument(wave) if wave is not None else []
    if not items:
        return grid
    labels = dict(grid)
    codes = list(dict.fromkeys(selectors.family_of(item) for item in items))
    return [(code, labels.get(code, code)) for code in codes]


def _form(request, wave=None):
    territory = request.territory
    form = WaveForm(request.POST or None, territory=territory, wave=wave,
                    families=_families(territory, wave),
                    initial=WaveForm.initial_of(wave))
    if request.method == "POST" and form.is_valid():
        try:
            if wave is None:
                kwargs = form.service_kwargs()
                saved = services.create_wave(territory, user=request.user,
                                             title=kwargs.pop("title"), **kwargs)
            else:
                saved = services.update_wave(wave, user=request.user, **form.service_kwargs())
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Survey wave saved."))
            if wave is None:
                return redirect("surveys:indicators", territory=territory.slug, pk=saved.pk)
            return _detail(saved)
    return _page(request, "surveys/form.html", form=form, wave=wave,
                 status=400 if form.errors else 200)


create, edit = form_views(_form, wave_of, roles=MANAGE)


# --- the instrument ----------------------------------------------------------------------


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def indicators(request, pk):
    wave = wave_of(request, pk)
    current = selectors.instrument(wave)
    language = page_language()
    if wave.is_frozen:
        return _page(request, "surveys/indicators.html", wave=wave, frozen=True,
                     items=[(item, item.indicator.title(language)) for item in current],
                     status=409 if request.method == "POST" else 200)
    choice = IndicatorChoice(selectors.candidate_indicators(wave), current,
                             request.POST if request.method == "POST" else None)
    if request.method == "POST" and choice.is_valid():
        try:
            services.set_indicators(wave, choice.chosen, user=request.user, weights=choice.weights)
        except ValidationError as error:
            choice.errors = list(error.messages)
        else:
            messages.success(request, ngettext(
                "The wave has %(n)s indicator.", "The wave has %(n)s indicators.",
                len(choice.chosen)) % {"n": len(choice.chosen)})
            return _detail(wave)
    for row in choice.rows:
        row["title"] = row["indicator"].title(language)
    return _page(request, "surveys/indicators.html", wave=wave, frozen=False, choice=choice,
                 status=400 if choice.errors else 200)


# --- the wave's page ---------------------------------------------------------------------


@territory_view(READ)
def detail(request, pk):
    wave = wave_of(request, pk)
    language = page_language()
    status = services.wave_status(wave)
    items = selectors.instrument(wave)
    public_path = reverse("survey_public:start", kwargs={"public_token": wave.public_token})
    return _page(
        request, "surveys/detail.html", wave=wave, wave_status=status,
        status_label=status_label(status),
        items=[(item, item.indicator.title(language), selectors.family_of(item)) for item in items],
        progress=selectors.progress(wave), links=selectors.token_counts(wave),
        public_url=request.build_absolute_uri(public_path),
        profile_questions=[profiles.QUESTION_LABELS[k] for k in wave.profile_questions],
        other_parts=other_parts(wave), public_results=public_results_url(wave),
        follow_ups=list(Wave.objects.of(request.territory).filter(baseline=wave)),
    )


def _write(request, pk, action, done):
    wave = wave_of(request, pk)
    try:
        action(wave)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return _detail(wave)


@territory_view(MANAGE)
@require_POST
def open_wave(request, pk):
    return _write(request, pk, lambda w: services.open_wave(w, user=request.user),
                  _("The wave is open: answers are accepted."))


@territory_view(MANAGE)
@require_POST
def close_wave(request, pk):
    return _write(request, pk, lambda w: services.close_wave(w, user=request.user),
                  _("The wave is closed: no more answers are accepted."))


@territory_view(MANAGE)
@require_POST
def publish(request, pk):
    published = request.POST.get("published") == "1"
    return _write(request, pk,
                  lambda w: services.publish_results(w, user=request.user, published=published),
                  _("Results published.") if published else _("Results no longer published."))


@territory_view(MANAGE)
@require_POST
def anonymise(request, pk):
    """Anonymise a closed wave for good (``services.anonymise_wave``), once confirmed."""
    wave = wave_of(request, pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm: the personal and resume links are "
                                  "deleted for good."))
        return _detail(wave)
    return _write(request, pk, lambda w: services.anonymise_wave(w, user=request.user),
                  _("The wave is anonymised for good: its personal and resume links are deleted."))


@territory_view(MANAGE)
@require_POST
def public_link(request, pk):
    action = request.POST.get("action")
    if action not in ("enable", "disable", "regenerate"):
        wave = wave_of(request, pk)
        messages.error(request, _("Unknown action on the public link."))
        return _detail(wave)
    done = {"enable": _("The public link is open."),
            "disable": _("The public link is closed: nobody can start the questionnaire with it."),
            "regenerate": _("A new public link replaces the old one, which no longer works.")}[action]

    def write(wave):
        enabled = wave.public_link_enabled if action == "regenerate" else action == "enable"
        services.set_public_link(wave, user=request.user, enabled=enabled,
                                 new_token=action == "regenerate")

    return _write(request, pk, write, done)


# --- respondent links --------------------------------------------------------------------


def _link_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("survey_public:personal", kwargs={"token": token}))


def _link_state(link) -> str:
    """Only "revoked" or "active": whether a link was used is never shown link by link
    (only how many were), so that no download or page tells which person sent which
    questionnaire, even by comparing two downloads."""
    return "revoked" if link.revoked_at is not None else "active"


def link_state_label(state: str) -> str:
    return {"revoked": _("revoked"), "active": _("active")}[state]


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def links(request, pk):
    """Respondent links (coordinators only: each link lets one person answer)."""
    wave = wave_of(request, pk)
    form = TokensForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.create_tokens(wave, form.cleaned_data["count"], user=request.user,
                                              label=form.cleaned_data["label"])
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, ngettext(
                    "%(n)s respondent link created.", "%(n)s respondent links created.",
                    len(made)) % {"n": len(made)})
                return redirect("surveys:links", territory=request.territory.slug, pk=wave.pk)
    rows = list(RespondentToken.objects.filter(wave=wave).order_by("-id")[:MAX_LINKS_LISTED])
    for link in rows:
        link.state = _link_state(link)
        link.state_label = link_state_label(link.state)
        link.url = _link_url(request, link.token)
        link.revoke_url = (None if link.state == "revoked" else
                           pages.url(request, "surveys:revoke_link", pk=wave.pk, link=link.pk))
    return _page(request, "surveys/links.html", wave=wave, form=form, rows=rows,
                 counts=selectors.token_counts(wave), max_listed=MAX_LINKS_LISTED,
                 status=400 if form.errors else 200)


@territory_view(MANAGE)
def links_csv(request, pk):
    """Every respondent link of the wave, for a mail merge (coordinators only: each link
    lets one person answer), in the format of ``?format=``."""
    wave = wave_of(request, pk)
    links = RespondentToken.objects.filter(wave=wave).order_by("id").iterator(chunk_size=2000)
    return exports.links_response(f"wave-{wave.pk}-links", links, exports.requested_format(request),
                                  url=lambda token: _link_url(request, token), state=_link_state)


@territory_view(MANAGE)
@require_POST
def revoke_link(request, pk, link):
    wave = wave_of(request, pk)
    token = or_404(RespondentToken.objects.of(request.territory).filter(wave=wave, pk=link).first(),
                   "No such respondent link.")
    if token.revoked_at is None:
        services.revoke_token(token, user=request.user)
        messages.success(request, _("The respondent link is revoked: it can no longer be used."))
    return redirect("surveys:links", territory=request.territory.slug, pk=wave.pk)
