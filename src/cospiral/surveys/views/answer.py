"""The web channel of a survey wave: no account, one indicator per screen, then the
optional questions about the respondent, a review and the sending.

Answers are saved (not sent) at every screen under the questionnaire's key, so a
respondent can stop and come back: by their personal link (key ``t:<token>``) or by the
resume link given when they started from the wave's public link (key ``w:<resume>``, also
kept in the browser session). A key already sent shows "already sent" and changes
nothing. Every page works without JavaScript."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cospiral.core.clients import public_post_limited
from cospiral.domain import survey as rules
from cospiral.surveys import profiles, selectors, services
from cospiral.surveys.models import Questionnaire, RespondentToken, Wave
from cospiral.surveys.views.common import public_results_url

SESSION_KEY = "cospiral_survey_resume"
RESUME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
LEVEL_FIELD = re.compile(r"^level-(.+)$")
#: Radio values of the two answers that are not a level.
DONT_KNOW_VALUE = "dk"
NOT_APPLICABLE_VALUE = "na"
#: Above this many choices a profile question is a drop-down list instead of radios.
MAX_RADIO_CHOICES = 12


@dataclass
class Access:
    """Who answers what: the wave, the questionnaire key and the URL's keyword arguments
    (``{"token": ...}`` or ``{"wave": ..., "resume": ...}``)."""

    wave: Wave
    key: str
    kwargs: dict
    personal: bool

    def url(self, name: str, **extra) -> str:
        return reverse(f"survey_public:{name}", kwargs={**self.kwargs, **extra})


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def _text(texts, language: str) -> tuple[str, str]:
    """A text in the page's language, else in another one: ``(text, its language)``."""
    if not isinstance(texts, dict):
        return "", language
    for lang in (language, "fr", "en", *texts.keys()):
        if texts.get(lang):
            return texts[lang], lang
    return "", language


def _limited(request) -> bool:
    """Per link and browser, and per link and client address (``core.clients``)."""
    kwargs = request.resolver_match.kwargs
    who = kwargs.get("token") or kwargs.get("resume") or kwargs.get("public_token") or ""
    return public_post_limited(request, "survey-public", str(who))


def _render(request, template, status=200, **context):
    return render(request, f"surveys/{template}", context, status=status)


def _closed_page(request, wave: Wave, status: str | None = None):
    """The page of a wave that does not take answers now, or None if it does."""
    status = status or services.wave_status(wave)
    if status == "open" and wave.items.exists():
        return None
    return _render(request, "public_closed.html", status=403 if status != "closed" else 410,
                   wave=wave, wave_status=status, results_url=public_results_url(wave))


# --- resolving the link ------------------------------------------------------------------


def _personal_access(request, token: str):
    link = (RespondentToken.objects.filter(token=token).select_related("wave", "wave__territory")
            .first())
    if link is None:
        return None, _render(request, "public_unknown.html", status=404)
    if link.revoked_at is not None:
        return None, _render(request, "public_revoked.html", status=410, wave=link.wave)
    return Access(link.wave, f"t:{token}", {"token": token}, personal=True), None


def _resume_access(request, wave: int, resume: str):
    found = Wave.objects.filter(pk=wave).select_related("territory").first()
    if found is None or not RESUME_PATTERN.match(resume or ""):
        return None, _render(request, "public_unknown.html", status=404)
    access = Access(found, f"w:{resume}", {"wave": found.pk, "resume": resume}, personal=False)
    if not found.public_link_enabled and not Questionnaire.objects.filter(
            wave=found, key=access.key).exists():
        # Nothing saved yet under this key: it counts as a new start by the public link.
        return None, _render(request, "public_link_closed.html", status=403, wave=found)
    _remember(request, found, resume)
    return access, None


def _remember(request, wave: Wave, resume: str) -> None:
    keys = request.session.get(SESSION_KEY, {})
    if keys.get(str(wave.pk)) != resume:
        keys[str(wave.pk)] = resume
        request.session[SESSION_KEY] = keys


def _access(request, kwargs):
    if "token" in kwargs:
        return _personal_access(request, kwargs["token"])
    return _resume_access(request, kwargs["wave"], kwargs["resume"])


class _State:
    """The questionnaire as stored so far under the access's key."""

    def __init__(self, access: Access):
        self.access = access
        self.items = services.positions(access.wave)
        self.J = len(self.items)
        self.stored = selectors.questionnaire(access.wave, access.key)
        self.answers = selectors.answers_of(self.stored, self.J)
        self.profile = selectors.profile_of(self.stored)
        self.consent = bool(self.stored and self.stored.consent)

    @property
    def sent(self) -> bool:
        return self.stored is not None and self.stored.submitted_at is not None

    def first_unanswered_url(self) -> str:
        for position in range(self.J):
            if position not in self.answers:
                return self.access.url("question", number=position + 1)
        if self.access.wave.profile_questions and not self.profile and not (
                self.stored and self.stored.consent):
            return self.access.url("profile")
        return self.access.url("review")

    def after_questions_url(self) -> str:
        if self.access.wave.profile_questions:
            return self.access.url("profile")
        return self.access.url("review")

    def save(self, answers, profile=None, consent=None):
        return services.save_questionnaire(
            self.access.wave, key=self.access.key, channel=Questionnaire.Channel.WEB,
            answers=answers, profile=self.profile if profile is None else profile,
            consent=self.consent if consent is None else consent, submit=False)


def _answering(request, access: Access | None, refused):
    """``(access, state, None)`` when the link may answer now, else ``(…, page)`` with the page
    that stops here: unknown or revoked link, questionnaire already sent, wave not open."""
    if refused is not None:
        return access, None, refused
    assert access is not None
    state = _State(access)
    if state.sent:
        return access, state, _already(request, access)
    return access, state, _closed_page(request, access.wave)


def _screen(view):
    """Resolve the link, refuse closed waves, sent questionnaires and too many sendings,
    then call ``view(request, access, state, **rest)``."""

    def wrapper(request, **kwargs):
        access, state, stop = _answering(request, *_access(request, kwargs))
        if stop is not None:
            return stop
        if _limited(request):
            return _render(request, "public_rate_limited.html", status=429, wave=access.wave)
        rest = {k: v for k, v in kwargs.items() if k not in ("token", "wave", "resume")}
        return view(request, access, state, **rest)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return require_http_methods(["GET", "POST"])(wrapper)


def _already(request, access: Access):
    return _render(request, "public_thanks.html", wave=access.wave, already=True,
                   results_url=public_results_url(access.wave))


def _base_context(request, access: Access, state: _State, **context):
    context.update(
        wave=access.wave, access=access, total=state.J,
        resume_url=None if access.personal else request.build_absolute_uri(access.url("resume")),
    )
    return context


# --- start pages -------------------------------------------------------------------------


def _intro_context(wave: Wave) -> dict:
    return {
        "wave": wave, "total": len(services.positions(wave)),
        "profile_labels": [profiles.QUESTION_LABELS[k] for k in wave.profile_questions],
    }


@require_http_methods(["GET", "POST"])
def start(request, public_token):
    """The wave's public link: its introduction and a Start button, which gives the
    respondent a personal resume key."""
    wave = Wave.objects.filter(public_token=public_token).select_related("territory").first()
    if wave is None:
        return _render(request, "public_unknown.html", status=404)
    if not wave.public_link_enabled:
        return _render(request, "public_link_closed.html", status=403, wave=wave)
    closed = _closed_page(request, wave)
    if closed is not None:
        return closed
    resume = request.session.get(SESSION_KEY, {}).get(str(wave.pk))
    earlier = None
    if resume:
        q = selectors.questionnaire(wave, f"w:{resume}")
        if q is not None and q.submitted_at is None:
            earlier = reverse("survey_public:resume", kwargs={"wave": wave.pk, "resume": resume})
    if request.method == "POST":
        if _limited(request):
            return _render(request, "public_rate_limited.html", status=429, wave=wave)
        resume = secrets.token_urlsafe(18)
        _remember(request, wave, resume)
        return redirect("survey_public:question", wave=wave.pk, resume=resume, number=1)
    return _render(request, "public_start.html", **_intro_context(wave), earlier=earlier,
                   personal=False)


@require_http_methods(["GET", "POST"])
def personal(request, token):
    """A personal link: the introduction the first time, else back to the first screen
    not yet answered."""
    access, state, stop = _answering(request, *_personal_access(request, token))
    if stop is not None:
        return stop
    if request.method == "POST":
        if _limited(request):
            return _render(request, "public_rate_limited.html", status=429, wave=access.wave)
        return redirect(access.url("question", number=1))
    if state.stored is not None:
        return redirect(state.first_unanswered_url())
    return _render(request, "public_start.html", **_intro_context(access.wave), personal=True,
                   start_url=access.url("personal"))


@require_http_methods(["GET"])
def resume(request, wave, resume):
    """The resume link: back to the first screen not yet answered."""
    access, state, stop = _answering(request, *_resume_access(request, wave, resume))
    if stop is not None:
        return stop
    return redirect(state.first_unanswered_url())


# --- the screens ---------------------------------------------------------------------------


def _answer_label(code: int, item, language: str) -> str:
    if code == rules.DONT_KNOW:
        return _("Don't know")
    if code == rules.NOT_APPLICABLE:
        return _("Not applicable to me")
    if 1 <= code <= 5:
        return _("Level %(n)s: %(text)s") % {"n": code, "text": item.indicator.level_text(code, language)}
    return _("No answer")


def _value_of(code: int | None) -> str:
    if code is None or code == rules.MISSING:
        return ""
    if code == rules.DONT_KNOW:
        return DONT_KNOW_VALUE
    if code == rules.NOT_APPLICABLE:
        return NOT_APPLICABLE_VALUE
    return str(code)


def _posted_answers(post, items) -> dict[int, int]:
    """``{position: code}`` of the ``level-<position>`` fields posted; raises
    ValidationError naming the question for anything that is not an answer."""
    found = {}
    for name in post:
        match = LEVEL_FIELD.match(name)
        if not match:
            continue
        raw = match.group(1)
        try:
            position = int(raw)
        except ValueError:
            raise ValidationError(_("“%(name)s” is not a question of this survey.") % {"name": raw}) from None
        value = post.get(name, "")
        try:
            code = rules.parse_level(value)
        except rules.AnswerError as error:
            error.field = position
            raise ValidationError(services.answer_message(error, items)) from None
        found[position] = code
    return found


@_screen
def question(request, access: Access, state: _State, number: int):
    """One indicator: its title and five levels as large radio options, don't know,
    not applicable; Previous and Next both save (not send)."""
    if not 1 <= number <= state.J:
        raise Http404("No such question.")
    position = number - 1
    item = state.items[position]
    error = None
    if request.method == "POST":
        try:
            posted = _posted_answers(request.POST, state.items)
            answers = dict(state.answers)
            for pos, code in posted.items():
                if code == rules.MISSING:
                    answers.pop(pos, None)
                else:
                    answers[pos] = code
            if answers != state.answers or (state.stored is None and answers):
                state.save(answers)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if request.POST.get("go") == "previous":
                return redirect(access.url("question", number=max(number - 1, 1)))
            if number < state.J:
                return redirect(access.url("question", number=number + 1))
            return redirect(state.after_questions_url())
    language = _language()
    title, title_lang = _text(item.indicator.titles, language)
    levels = []
    for n in range(1, 6):
        texts = item.indicator.levels[n - 1] if n <= len(item.indicator.levels) else {}
        text, lang = _text(texts, language)
        levels.append({"value": str(n), "number": n, "text": text, "lang": lang})
    current = _value_of(state.answers.get(position))
    if request.method == "POST" and error:
        current = request.POST.get(f"level-{position}", current)
    return _render(request, "public_question.html", status=400 if error else 200,
                   **_base_context(request, access, state), item=item, number=number,
                   position=position, title=title, title_lang=title_lang, levels=levels,
                   current=current, error=error, page_lang=language,
                   dont_know=DONT_KNOW_VALUE, not_applicable=NOT_APPLICABLE_VALUE,
                   previous_url=access.url("question", number=number - 1) if number > 1 else None)


def _profile_questions(wave: Wave, chosen: dict[str, str]) -> list[dict]:
    result = []
    for key in wave.profile_questions:
        labels = profiles.choices(wave, key)
        result.append({
            "key": key, "label": profiles.QUESTION_LABELS[key],
            "choices": [(str(i), label) for i, label in enumerate(labels)],
            "current": chosen.get(key, ""), "select": len(labels) > MAX_RADIO_CHOICES,
        })
    return result


@_screen
def profile(request, access: Access, state: _State):
    """The optional questions about the respondent, with the consent text."""
    wave = access.wave
    if not wave.profile_questions:
        return redirect(access.url("review"))
    chosen = {k: str(v) for k, v in state.profile.items()}
    consent = state.consent
    error = None
    if request.method == "POST":
        chosen = {key: (request.POST.get(f"profile-{key}") or "").strip() for key in wave.profile_questions}
        consent = request.POST.get("consent") == "on"
        try:
            given = {}
            for key, value in chosen.items():
                if value == "":
                    continue
                try:
                    given[key] = int(value)
                except ValueError:
                    raise ValidationError(_("%(question)s: “%(value)s” is not one of the choices.") % {
                        "question": profiles.QUESTION_LABELS[key], "value": value}) from None
            for key in request.POST:
                if key.startswith("profile-") and key[len("profile-"):] not in wave.profile_questions:
                    raise ValidationError(_("This survey does not ask the question “%(key)s”.") % {
                        "key": key[len("profile-"):]})
            if given and not consent:
                raise ValidationError(_(
                    "To keep your answers to these questions, tick the consent box; or choose "
                    "“I prefer not to say” for each question."))
            if given != state.profile or consent != state.consent or state.stored is None:
                state.save(state.answers, profile=given, consent=consent)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if request.POST.get("go") == "previous":
                return redirect(access.url("question", number=state.J))
            return redirect(access.url("review"))
    return _render(request, "public_profile.html", status=400 if error else 200,
                   **_base_context(request, access, state), questions=_profile_questions(wave, chosen),
                   consent=consent, error=error, previous_url=access.url("question", number=state.J))


@_screen
def review(request, access: Access, state: _State):
    """Every answer with a link to change it; Send stores the questionnaire for good."""
    wave = access.wave
    error = None
    if request.method == "POST":
        if not state.answers:
            error = _("Answer at least one question before sending (“don't know” counts as an answer).")
        else:
            try:
                services.save_questionnaire(
                    wave, key=access.key, channel=Questionnaire.Channel.WEB, answers=state.answers,
                    profile=state.profile, consent=state.consent, submit=True)
            except services.AlreadySubmitted:
                return _already(request, access)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect(access.url("thanks"))
    language = _language()
    rows = []
    for item in state.items:
        code = state.answers.get(item.position, rules.MISSING)
        title, lang = _text(item.indicator.titles, language)
        rows.append({"number": item.position + 1, "title": title, "lang": lang,
                     "answer": _answer_label(code, item, language), "missing": code == rules.MISSING,
                     "url": access.url("question", number=item.position + 1)})
    profile_rows = []
    for key in wave.profile_questions:
        code = state.profile.get(key)
        labels = profiles.choices(wave, key)
        profile_rows.append({"label": profiles.QUESTION_LABELS[key],
                             "answer": labels[code] if code is not None and 0 <= code < len(labels)
                             else _("Not stated")})
    previous = state.after_questions_url() if wave.profile_questions else access.url("question", number=state.J)
    return _render(request, "public_review.html", status=400 if error else 200,
                   **_base_context(request, access, state), rows=rows, profile_rows=profile_rows,
                   unanswered=sum(1 for r in rows if r["missing"]), error=error,
                   profile_url=access.url("profile") if wave.profile_questions else None,
                   previous_url=previous)


@require_http_methods(["GET"])
def thanks(request, **kwargs):
    """After sending: thanks, and the published results if there are any."""
    access, refused = _access(request, kwargs)
    if refused is not None:
        return refused
    state = _State(access)
    if not state.sent:
        closed = _closed_page(request, access.wave)
        if closed is not None:
            return closed
        return redirect(state.first_unanswered_url())
    return _render(request, "public_thanks.html", wave=access.wave, already=False,
                   results_url=public_results_url(access.wave))
