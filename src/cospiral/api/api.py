"""The REST API: ``/api/openapi.json`` (OpenAPI 3), no docs page (its assets would come
from a CDN; the spec is enough for any OpenAPI viewer).

Every read goes through the selectors the pages use (each territory-scoped with
``Model.objects.of(territory)``); lists are filtered by ninja's ``FilterSchema``
(``schemas``) and paged by ninja's pagination (``pagination.Pages``); every write goes
through the services the pages use (``criteria.services.create_cards``,
``surveys.services.save_questionnaire``)."""

# No ``from __future__ import annotations``: ninja's ``paginate`` wraps the list operations,
# and their parameters' annotations must be objects, not names to look up in its module.
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import NinjaAPI, Path, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate
from ninja.security import HttpBearer

from cospiral.actions import selectors as action_selectors
from cospiral.api import schemas as s
from cospiral.api import services as key_services
from cospiral.api.pagination import Pages, Rows
from cospiral.cards import selectors as card_selectors
from cospiral.cards import services as card_services
from cospiral.core.clients import client_address
from cospiral.domain import api_keys as rules
from cospiral.domain import survey as survey_rules
from cospiral.grid import selectors as grid_selectors
from cospiral.grid.models import GridEntry
from cospiral.groups import selectors as group_selectors
from cospiral.indicators import selectors as indicator_selectors
from cospiral.surveys import selectors as survey_selectors
from cospiral.surveys import services as survey_services
from cospiral.surveys.models import Questionnaire
from cospiral.syntheses import selectors as synthesis_selectors
from cospiral.territories.models import Role

ERRORS = {401: s.Error, 404: s.Error, 422: s.Error, 429: s.Error}
WRITE_ERRORS = {**ERRORS, 400: s.Error, 403: s.Error, 409: s.Error}
SEE_UNPUBLISHED = {Role.COORDINATOR, Role.FACILITATOR}


class RateLimited(Exception):
    pass


def _rate() -> str:
    return settings.COSPIRAL_API_RATE


class KeyAuth(HttpBearer):
    openapi_description = "An API key of one territory: Authorization: Bearer csp_…"

    def authenticate(self, request, token):
        key, role = key_services.authenticate(token)  # KeyRefused → 401 with the reason
        if is_ratelimited(request, group="cospiral-api", key=lambda _g, _r: key.prefix,
                          rate=_rate(), increment=True):
            raise RateLimited(_rate())
        request.api_key, request.api_role = key, role
        return key


api = NinjaAPI(
    title="cospiral API",
    version="1",
    description=(
        "Read access to a territory's groups, grid, coded criteria, syntheses, shared "
        "criteria, indicators, survey results and actions; card and survey-answer writes. "
        "Authenticate with Authorization: Bearer <API key> (keys are created by the "
        "territory's coordinators in its settings)."
    ),
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
    auth=KeyAuth(),
)


def _error(request, status: int, detail: str, errors=()):
    return api.create_response(request, {"detail": str(detail), "errors": list(errors)},
                               status=status)


@api.exception_handler(key_services.KeyRefused)
def _refused(request, exc):
    return _error(request, 401, str(exc))


@api.exception_handler(AuthenticationError)
def _missing(request, exc):
    return _error(request, 401, _("Missing or malformed API key: send the header "
                                  "Authorization: Bearer <key>."))


@api.exception_handler(RateLimited)
def _limited(request, exc):
    response = _error(request, 429, _("Too many requests (limit %(rate)s): wait a minute "
                                      "and try again.") % {"rate": exc.args[0] if exc.args else _rate()})
    response["Retry-After"] = "60"
    return response


def _where(loc) -> str:
    parts = [str(p) for p in loc if str(p) not in ("body", "query", "path")][-3:]
    if len(parts) > 1 and parts[0] in ("params", "payload", "filters", "page", "ninja_pagination"):
        parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = []
    for error in exc.errors:
        where = _where(error.get("loc", ()))
        message = error.get("msg", "")
        if where == "limit" and error.get("type") == "less_than_equal":
            message = _("at most %(max)s items per page: ask for the next page with offset.") % {
                "max": rules.MAX_LIMIT}
        errors.append({"field": where, "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or _("Invalid request.")
    return _error(request, 422, detail, errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, str(exc) or _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _unhandled(request, exc):
    """Anything else (a database that is down: 503) answers JSON too, never a page."""
    from cospiral.core.middleware import api_error_response

    return api_error_response(request, exc)


# --- helpers --------------------------------------------------------------------------


def _territory(request, slug: str):
    key = request.api_key
    if slug != key.territory.slug:
        raise Http404(_("No territory “%(slug)s” for this API key.") % {"slug": slug})
    return key.territory


def _family(entry: GridEntry | None) -> str | None:
    if entry is None:
        return None
    if entry.kind == "family":
        return entry.code
    return entry.parent.code if entry.parent_id else entry.code[:1]


# --- territories ----------------------------------------------------------------------

router = Router(tags=["territory"])


def _territory_out(t) -> dict:
    return {"slug": t.slug, "name": t.name, "kind": t.kind, "languages": list(t.languages or []),
            "description": t.description, "grid_version": t.grid_version.slug}


@router.get("/territories", response={200: list[s.TerritoryOut], **ERRORS},
            summary="The key's territory (a list of one)")
@paginate(Pages)
def territories(request):
    return Rows([request.api_key.territory], _territory_out)


@router.get("/territories/{slug}", response={200: s.TerritoryOut, **ERRORS})
def territory(request, slug: Path[s.Slug]):
    return _territory_out(_territory(request, slug))


@router.get("/territories/{slug}/groups", response={200: list[s.GroupOut], **ERRORS})
@paginate(Pages)
def groups(request, slug: Path[s.Slug], filters: Query[s.GroupFilters]):
    qs = filters.filter(group_selectors.group_list(_territory(request, slug)))
    return Rows(qs, lambda g: {
        "id": g.pk, "name": g.name, "kind": g.kind, "profile": g.profile,
        "tags": [str(t) for t in (g.tags or [])], "cycle": g.cycle.number if g.cycle else None,
        "source_groups": [x.pk for x in g.source_groups.all()]})


@router.get("/territories/{slug}/sessions", response={200: list[s.SessionOut], **ERRORS})
@paginate(Pages)
def sessions(request, slug: Path[s.Slug], filters: Query[s.SessionFilters]):
    qs = filters.filter(group_selectors.session_list(_territory(request, slug)))
    return Rows(qs, lambda x: {
        "id": x.pk, "group": x.group_id, "date": x.date, "place": x.place,
        "channel": x.channel, "attendee_count": x.attendee_count})


@router.get("/territories/{slug}/grid", response={200: list[s.GridEntryOut], **ERRORS},
            summary="The territory's grid: its version's entries and its local components")
@paginate(Pages)
def grid(request, slug: Path[s.Slug], filters: Query[s.GridFilters]):
    qs = filters.filter(grid_selectors.entry_list(_territory(request, slug)))
    return Rows(qs, lambda e: {
        "id": e.pk, "code": e.code, "kind": e.kind, "family": None if e.kind == "family"
        else _family(e), "labels": {k: str(v) for k, v in (e.labels or {}).items()},
        "local": e.territory_id is not None})


def _coarse_time(request, when):
    """Times of citizens' cards: to the minute for coordinator keys, to the day (midnight,
    the territory's time zone) for every other key; never seconds (issue 13)."""
    if when is None:
        return None
    local = timezone.localtime(when)
    if request.api_role == Role.COORDINATOR:
        return local.replace(second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@router.get("/territories/{slug}/criteria", response={200: list[s.CriterionOut], **ERRORS},
            summary="Counted cards with their code (coded criteria); created_at to the minute "
                    "for coordinator keys, to the day for other keys")
@paginate(Pages)
def criteria(request, slug: Path[s.Slug], filters: Query[s.CriterionFilters]):
    qs = filters.filter(card_selectors.counted_cards(_territory(request, slug)))
    return Rows(qs, lambda c: {
        "id": c.pk, "group": c.group_id, "session": c.session_id, "question": c.question.code,
        "language": c.language, "channel": c.channel, "text": c.text,
        "component": c.component.code if c.component_id else None,
        "family": _family(c.component), "full_code": c.full_code,
        "created_at": _coarse_time(request, c.created_at)})


@router.get("/territories/{slug}/syntheses", response={200: list[s.SynthesisOut], **ERRORS})
@paginate(Pages)
def syntheses(request, slug: Path[s.Slug], filters: Query[s.SynthesisFilters]):
    qs = filters.filter(synthesis_selectors.synthesis_list(_territory(request, slug)))
    return Rows(qs, lambda x: {
        "id": x.pk, "group": x.group_id, "status": x.status, "validated_on": x.validated_on,
        "sentences": [{"id": z.pk, "component": z.component.code, "language": z.language,
                       "text": z.text, "cards": sorted(c.pk for c in z.cards.all())}
                      for z in x.sentences.all()]})


@router.get("/territories/{slug}/shared-criteria",
            response={200: list[s.SharedCriterionOut], **ERRORS})
@paginate(Pages)
def shared_criteria(request, slug: Path[s.Slug], filters: Query[s.SharedCriterionFilters]):
    qs = filters.filter(synthesis_selectors.shared_criterion_list(_territory(request, slug)))
    return Rows(qs, lambda x: {
        "id": x.pk, "mixed_group": x.mixed_group_id, "component": x.component.code,
        "language": x.language, "text": x.text, "cards": sorted(c.pk for c in x.cards.all()),
        "nature": x.nature})


def _levels(levels) -> list[dict]:
    out = []
    for number, texts in enumerate(levels or [], start=1):
        texts = texts if isinstance(texts, dict) else {}
        out.append({"level": number, "fr": str(texts.get("fr", "")),
                    "en": str(texts.get("en", ""))})
    return out


@router.get("/territories/{slug}/indicators", response={200: list[s.IndicatorOut], **ERRORS})
@paginate(Pages)
def indicators(request, slug: Path[s.Slug], filters: Query[s.IndicatorFilters]):
    qs = filters.filter(indicator_selectors.indicator_list(_territory(request, slug)))
    return Rows(qs, lambda x: {
        "id": x.pk, "code": x.code, "version": x.version, "component": x.component.code,
        "family": _family(x.component), "status": x.status,
        "titles": {k: str(v) for k, v in (x.titles or {}).items()}, "levels": _levels(x.levels)})


@router.get("/territories/{slug}/waves", response={200: list[s.WaveOut], **ERRORS},
            summary="Survey waves (partner and observer keys: published waves only)")
@paginate(Pages)
def waves(request, slug: Path[s.Slug]):
    qs = survey_selectors.wave_list_with_items(
        _territory(request, slug), unpublished=request.api_role in SEE_UNPUBLISHED)
    return Rows(qs, lambda w: {
        "id": w.pk, "title": w.title, "kind": w.kind, "status": survey_services.wave_status(w),
        "opens_at": w.opens_at, "closes_at": w.closes_at, "published": w.published_at is not None,
        "threshold": w.threshold,
        "indicators": [i.indicator.code for i in sorted(w.items.all(), key=lambda i: i.position)]})


def _small(count, threshold):
    return None if count is None or 0 < count < threshold else count


@router.get("/territories/{slug}/waves/{wave_id}/results", response={200: s.ResultsOut, **ERRORS},
            summary="A wave's figures, small cells suppressed as on the public results page "
                    "(coordinator keys: live; other keys: the published results only)")
def wave_results(request, slug: Path[s.Slug], wave_id: Path[s.Id]):
    t = _territory(request, slug)
    wave = survey_selectors.visible_waves(
        t, unpublished=request.api_role in SEE_UNPUBLISHED).filter(pk=wave_id).first()
    if wave is None:
        raise Http404(_("No survey wave %(id)s here.") % {"id": wave_id})
    snapshot = None
    if request.api_role != Role.COORDINATOR:
        snapshot = survey_selectors.shown_snapshot(wave)
        if snapshot is None:
            raise Http404(_("The results of survey wave %(id)s are not published.") % {"id": wave_id})
    res = survey_selectors.results(wave, with_intervals=False, snapshot=snapshot)
    sc = res.scores
    threshold = sc.threshold
    rows = []
    for j, item in enumerate(res.items):
        f = sc.figures(j)
        hidden = f.suppressed
        rows.append({
            "indicator": item.indicator.code, "family": res.families[j], "suppressed": hidden,
            "n": None if hidden else _small(f.n, threshold),
            "dont_know": None if hidden else _small(f.dont_know, threshold),
            "not_applicable": None if hidden else _small(f.not_applicable, threshold),
            "shares": None if hidden or f.shares is None else list(f.shares),
            "median": None if hidden else f.median, "mean": None if hidden else f.mean,
            "score": None if hidden else f.score,
            "low_share": None if hidden else f.low_share,
            "high_share": None if hidden else f.high_share,
        })
    respondents = int(res.respondents)
    return {"wave": wave.pk, "threshold": threshold, "score_formula": sc.score_formula,
            "respondents": respondents if respondents >= threshold or respondents == 0 else None,
            "indicators": rows}


@router.get("/territories/{slug}/actions", response={200: list[s.ActionOut], **ERRORS})
@paginate(Pages)
def actions(request, slug: Path[s.Slug], filters: Query[s.ActionFilters]):
    qs = filters.filter(action_selectors.action_list(_territory(request, slug)))
    return Rows(qs, lambda a: {
        "id": a.pk, "title": a.title, "description": a.description,
        "axis": a.axis.code if a.axis_id else None, "parent": a.parent_id, "origin": a.origin,
        "status": a.status, "progress": a.progress, "starts_on": a.starts_on,
        "ends_on": a.ends_on, "cards": sorted(c.pk for c in a.cards.all()),
        "commitments": [{
            "id": c.pk, "party_kind": c.party_kind,
            "organisation": c.organisation.name if c.organisation_id else None,
            "group": c.group_id, "person": c.person, "what": c.what, "resource": c.resource,
            "due_on": c.due_on, "signed_on": c.signed_on, "outcome": c.outcome,
        } for c in a.commitments.all()]})


def _validation_errors(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [{"field": field, "message": str(m)}
                for field, messages in error.message_dict.items() for m in messages]
    return [{"field": "request", "message": str(m)} for m in error.messages]


@router.post("/territories/{slug}/cards", response={201: s.CardsOut, **WRITE_ERRORS},
             summary="Write cards (coordinator and facilitator keys), counted at once")
def create_cards(request, slug: Path[s.Slug], payload: s.CardsIn):
    t = _territory(request, slug)
    if request.api_role not in (Role.COORDINATOR, Role.FACILITATOR):
        return Status(403, {"detail": _("A key with the role %(role)s cannot write cards: only "
                                 "coordinator and facilitator keys can.")
                     % {"role": Role(request.api_role).label}, "errors": []})
    group = group_selectors.group_of(t, payload.group)
    if group is None:
        return Status(422, {"detail": _("group: no group %(id)s in this territory.") % {"id": payload.group},
                     "errors": [{"field": "group", "message": _("No such group.")}]})
    question = card_selectors.question_by_code(t, payload.question)
    if question is None:
        return Status(422, {"detail": _("question: no question %(code)s in this territory.")
                     % {"code": payload.question},
                     "errors": [{"field": "question", "message": _("No such question.")}]})
    session = None
    if payload.session is not None:
        session = group_selectors.session_of(t, payload.session)
        if session is None:
            return Status(422, {"detail": _("session: no session %(id)s in this territory.")
                         % {"id": payload.session},
                         "errors": [{"field": "session", "message": _("No such session.")}]})
    try:
        cards = card_services.create_cards(
            t, group=group, session=session, question=question, texts=payload.texts,
            user=request.api_key.user, channel=payload.channel, language=payload.language)
    except PermissionDenied as error:
        return Status(403, {"detail": str(error) or _("Not allowed."), "errors": []})
    except ValidationError as error:
        errors = _validation_errors(error)
        return Status(422, {"detail": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                     "errors": errors})
    return Status(201, {"ids": [c.pk for c in cards], "count": len(cards)})


api.add_router("", router)

# --- survey answers by personal token (the token is the credential) ------------------

public = Router(tags=["survey answers"])


@public.post("/surveys/answers/{token}", auth=None,
             response={201: s.AnswersOut, 400: s.Error, 404: s.Error, 409: s.Error, 410: s.Error,
                       422: s.Error, 429: s.Error},
             summary="Send one respondent's answers with their personal token (once)")
def answer(request, token: Path[s.Token], payload: s.AnswersIn):
    # Per token and client address (through the trusted proxies): a token is one person.
    if is_ratelimited(request, group="survey-api",
                      key=lambda _g, r: f"{token}|{client_address(r)}",
                      rate=settings.COSPIRAL_ONLINE_RATE, method="POST", increment=True):
        raise RateLimited(settings.COSPIRAL_ONLINE_RATE)
    link = survey_selectors.respondent_link(token)
    if link is None:
        return Status(404, {"detail": _("Unknown respondent token."), "errors": []})
    wave = link.wave
    if link.revoked_at is not None:
        return Status(410, {"detail": _("This personal link was withdrawn by the survey's organisers."),
                     "errors": []})
    status = survey_services.wave_status(wave)
    if status != "open":
        reason = (_("This survey is closed; answers are no longer accepted.") if status == "closed"
                  else _("This survey is not open yet."))
        return Status((410 if status == "closed" else 409), {"detail": reason, "errors": []})
    key = f"t:{token}"
    if survey_selectors.submitted(wave, key):
        return Status(409, {"detail": _("Answers were already sent with this token; nothing was "
                                 "changed."), "errors": []})
    items = survey_services.positions(wave)
    position = {item.indicator.code: n for n, item in enumerate(items)}
    answers, errors = {}, []
    for code, value in payload.answers.items():
        if code not in position:
            errors.append({"field": f"answers.{code}",
                           "message": _("%(code)s is not an indicator of this wave.")
                           % {"code": code}})
            continue
        try:
            level = survey_rules.parse_level(value)
        except survey_rules.AnswerError as error:
            error.field = position[code]
            errors.append({"field": f"answers.{code}",
                           "message": survey_services.answer_message(error, items)})
            continue
        if level != survey_rules.MISSING:
            answers[position[code]] = level
    if errors:
        return Status(422, {"detail": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                     "errors": errors})
    try:
        saved = survey_services.save_questionnaire(
            wave, key=key, channel=Questionnaire.Channel.WEB, answers=answers,
            profile=payload.profile or None, consent=payload.consent, submit=True)
    except survey_services.AlreadySubmitted:
        return Status(409, {"detail": _("Answers were already sent with this token; nothing was "
                                 "changed."), "errors": []})
    except ValidationError as error:
        errors = _validation_errors(error)
        return Status(422, {"detail": "; ".join(e["message"] for e in errors), "errors": errors})
    return Status(201, {"wave": wave.pk, "submitted_at": saved.questionnaire.submitted_at})


api.add_router("", public)
