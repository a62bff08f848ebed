"""Reads about questions and cards. Every function takes the territory it reads from."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from cospiral.cards.models import Card, Question
from cospiral.core import rules
from cospiral.core.access import role_in
from cospiral.core.models import AuditEntry
from cospiral.domain.cards import question_enabled
from cospiral.groups.models import Group, Session
from cospiral.territories.models import Role


def can_write_group(territory, user, group) -> bool:
    """Coordinators (and site administrators) write every group's cards; facilitators
    only those of the groups they facilitate."""
    return rules.WRITE_CARDS.test(user, group, territory)


def writable_groups(territory, user):
    """The groups whose cards ``user`` may enter or change."""
    role = role_in(user, territory)
    groups = Group.objects.of(territory)
    if role == Role.COORDINATOR:
        return groups
    if role == Role.FACILITATOR:
        return groups.filter(facilitators=user)
    return groups.none()


def enabled_cycle_ids(territory) -> dict[int, set[int]]:
    """``{question id: {cycle ids in which it is asked}}`` for the territory's questions."""
    result: dict[int, set[int]] = {q.pk: set() for q in Question.objects.of(territory)}
    through = Question.enabled_cycles.through.objects.filter(question__territory=territory)
    for question_id, cycle_id in through.values_list("question_id", "cycle_id"):
        result.setdefault(question_id, set()).add(cycle_id)
    return result


def enabled_questions(territory, group) -> list[Question]:
    """The questions a group answers (in its cycle), in order."""
    cycles = enabled_cycle_ids(territory)
    return [
        q for q in Question.objects.of(territory)
        if question_enabled(cycles.get(q.pk, set()), group.cycle_id)
    ]


def is_enabled(territory, question, group) -> bool:
    cycles = set(question.enabled_cycles.values_list("pk", flat=True))
    return question_enabled(cycles, group.cycle_id)


def allowed_languages(territory) -> list[str]:
    """Languages a card may be written in: the territory's, then the interface's."""
    result = [code for code in territory.languages or [] if code]
    for code, _name in settings.LANGUAGES:
        if code not in result:
            result.append(code)
    return result


def default_language(territory) -> str:
    return (territory.languages or [settings.LANGUAGE_CODE])[0]


def cards(territory, *, group=None, session=None, question=None, deleted: bool = False):
    """Cards of the territory, newest first; deleted ones only when ``deleted``."""
    qs = Card.objects.of(territory).select_related("group", "session", "question", "created_by")
    if not deleted:
        qs = qs.alive()
    if group is not None:
        qs = qs.filter(group=group)
    if session is not None:
        qs = qs.filter(session=session)
    if question is not None:
        qs = qs.filter(question=question)
    return qs.order_by("-created_at", "-id")


def batch_cards(territory, *, group, session, question):
    """The live list of a bulk-entry batch: alive cards of that group, session, question."""
    qs = Card.objects.of(territory).alive().filter(group=group, question=question)
    qs = qs.filter(session=session) if session is not None else qs.filter(session__isnull=True)
    return qs.order_by("-created_at", "-id")


def card_history(territory, card):
    return AuditEntry.objects.of(territory).filter(model="card", object_id=str(card.pk))


def sessions_for(territory, groups):
    return Session.objects.of(territory).filter(group__in=groups).select_related("group")


def next_session(territory, group):
    """The group's next session (today or later), else its latest one, else None."""
    sessions = Session.objects.of(territory).filter(group=group)
    today = timezone.localdate()
    upcoming = sessions.filter(date__gte=today).order_by("date").first()
    return upcoming or sessions.order_by("-date").first()


def online_cards(group, *, author_tag: str):
    """What a person writing online sees: their own cards until the group view is
    opened (``revealed_at``), then every card of the group."""
    qs = Card.objects.of(group.territory).alive().filter(group=group).select_related("question")
    if group.revealed_at is None:
        qs = qs.filter(author_tag=author_tag) if author_tag else qs.none()
    return qs.order_by("question__position", "created_at", "id")


def today() -> dt.date:
    return timezone.localdate()


def batch_defaults(territory, user, group_id: str, *, with_session: bool) -> dict | None:
    """A full batch (group, session, question) for a bulk-entry link that names only the
    group: the group's latest session that has taken place (else its next one) and the
    first question asked in its cycle. None when the group is not writable."""
    group = writable_groups(territory, user).filter(pk=group_id).first() if str(group_id).isdigit() else None
    if group is None:
        return None
    questions = enabled_questions(territory, group)
    if not questions:
        return None
    defaults = {"group": group.pk, "question": questions[0].pk, "session": ""}
    if with_session:
        sessions = Session.objects.of(territory).filter(group=group)
        held = sessions.filter(date__lte=timezone.localdate()).order_by("-date", "-id").first()
        session = held or sessions.order_by("date", "id").first()
        defaults["session"] = session.pk if session else ""
    return defaults


def counted_cards(territory):
    """The territory's counted cards with their question and component (the API's coded
    criteria), oldest first."""
    return (Card.objects.of(territory).counted().select_related("question", "component__parent")
            .order_by("created_at", "id"))


def question_by_code(territory, code: str) -> Question | None:
    return Question.objects.of(territory).filter(code=code).first()
