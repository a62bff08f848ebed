"""Writes about territories. Each function owns its transaction and writes the audit trail."""

from __future__ import annotations

import json
from importlib import resources

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cospiral.core import audit, writes
from cospiral.domain.phases import CYCLES, PHASES
from cospiral.domain.territory_rules import (
    creates_cycle,
    leaves_no_coordinator,
    question_code_problem,
)
from cospiral.territories.models import (
    CoordinationMember,
    Cycle,
    Membership,
    Organisation,
    Phase,
    Role,
    Territory,
)


def method_questions() -> list[dict]:
    text = resources.files("cospiral.data").joinpath("questions.json").read_text("utf-8")
    return json.loads(text)["questions"]


@transaction.atomic
def create_territory(*, slug: str, name: str, kind: str = Territory.Kind.CITY, user=None,
                     grid_version=None, parent=None, languages=None, description: str = "",
                     ) -> Territory:
    """A territory with its cycles 0–3 × phases 1–8 and the method's questions; ``user``
    becomes its first coordinator."""
    from cospiral.cards.models import Question
    from cospiral.grid import services as grid_services

    territory = Territory.objects.create(
        slug=slug, name=name, kind=kind, parent=parent,
        languages=list(languages or ["fr", "en"]), description=description,
        grid_version=grid_version or grid_services.default_version(),
    )
    cycles = [Cycle.objects.create(territory=territory, number=n) for n in CYCLES]
    Phase.objects.bulk_create(
        [Phase(territory=territory, cycle=c, number=p) for c in cycles for p in PHASES]
    )
    for position, q in enumerate(method_questions(), start=1):
        question = Question.objects.create(
            territory=territory, code=q["code"], texts=q["texts"], is_method_question=True,
            position=position,
        )
        if q.get("default_enabled"):
            question.enabled_cycles.set(cycles)
    if user is not None and user.is_authenticated:
        Membership.objects.create(territory=territory, user=user, role=Role.COORDINATOR)
    audit.record(territory, user, "create", territory, f"Territory {name}")
    return territory



# --- Territory -------------------------------------------------------------------------

TERRITORY_FIELDS = ("name", "kind", "parent_id", "languages", "description")


def check_parent(territory: Territory, parent: Territory | None) -> None:
    """Refuse a parent that is the territory itself or one of its descendants."""
    if parent is None or territory.pk is None:
        return
    parent_of = dict(Territory.objects.values_list("id", "parent_id"))
    if creates_cycle(territory.pk, parent.pk, parent_of):
        raise ValidationError({"parent": _(
            "“%(parent)s” cannot contain “%(territory)s”: it is this territory itself or "
            "one of the territories inside it. Choose another parent or none."
        ) % {"parent": parent.name, "territory": territory.name}})


@transaction.atomic
def update_territory(territory: Territory, *, user, name: str, kind: str,
                     parent: Territory | None, languages: list[str], description: str,
                     ) -> Territory:
    check_parent(territory, parent)
    before = writes.snapshot(territory, TERRITORY_FIELDS)
    territory.name, territory.kind, territory.parent = name, kind, parent
    territory.languages, territory.description = list(languages), description
    territory.save(update_fields=["name", "kind", "parent", "languages", "description"])
    changes = audit.diff(before, writes.snapshot(territory, TERRITORY_FIELDS))
    if changes:
        audit.record(territory, user, "update", territory, f"Territory {name}", changes)
    return territory


# --- Phases ----------------------------------------------------------------------------

PHASE_FIELDS = ("status", "starts_on", "ends_on", "notes")


@transaction.atomic
def update_phase(phase: Phase, *, user, status: str, starts_on, ends_on, notes: str) -> Phase:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _(
            "The end date (%(end)s) is before the start date (%(start)s)."
        ) % {"end": date_format(ends_on), "start": date_format(starts_on)}})
    before = writes.snapshot(phase, PHASE_FIELDS)
    phase.status, phase.starts_on, phase.ends_on, phase.notes = status, starts_on, ends_on, notes
    phase.save(update_fields=list(PHASE_FIELDS))
    changes = audit.diff(before, writes.snapshot(phase, PHASE_FIELDS))
    if changes:
        audit.record(phase.territory, user, "update", phase,
                     f"Cycle {phase.cycle.number}, phase {phase.number}", changes)
    return phase


# --- Memberships -----------------------------------------------------------------------

def _roles(territory) -> dict[int, str]:
    return dict(Membership.objects.of(territory).values_list("id", "role"))


@transaction.atomic
def add_member(territory: Territory, *, user, member, role: str) -> Membership:
    existing = Membership.objects.of(territory).filter(user=member).first()
    if existing is not None:
        raise ValidationError({"username": _(
            "“%(username)s” is already a member of this territory (%(role)s). "
            "Change their role in the list instead."
        ) % {"username": member.get_username(), "role": existing.get_role_display()}})
    membership = Membership.objects.create(territory=territory, user=member, role=role)
    audit.record(territory, user, "create", membership,
                 f"Member {member.get_username()} added as {role}")
    return membership


@transaction.atomic
def create_account_and_member(territory: Territory, *, user, username: str, password: str,
                              role: str) -> Membership:
    """A new user account, member of ``territory`` with ``role``. The password goes
    through Django's password validators."""
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _(
            "The username “%(username)s” is taken. Add that person as an existing "
            "account, or choose another username."
        ) % {"username": username}})
    account = User(username=username)
    try:
        validate_password(password, account)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    account.set_password(password)
    account.save()
    audit.record(territory, user, "create", account, f"Account {username} created")
    return add_member(territory, user=user, member=account, role=role)


_UNCHANGED = object()


@transaction.atomic
def change_role(membership: Membership, *, user, role: str,
                organisation=_UNCHANGED) -> Membership:
    """The member's role and, when ``organisation`` is given (an organisation of the
    territory, or None), the organisation they speak for (a partner then records the
    outcomes of that organisation's commitments)."""
    roles = _roles(membership.territory)
    if leaves_no_coordinator(roles, membership.pk, role):
        raise ValidationError({"role": _(
            "%(username)s is the last coordinator of this territory: make someone else "
            "coordinator first."
        ) % {"username": membership.user.get_username()}})
    if (organisation is not _UNCHANGED and organisation is not None
            and organisation.territory_id != membership.territory_id):
        raise ValidationError({"organisation": _(
            "“%(name)s” is not an organisation of this territory.") % {"name": organisation.name}})
    old = membership.role
    changes = {}
    fields = []
    if old != role:
        membership.role = role
        changes["role"] = [old, role]
        fields.append("role")
    if organisation is not _UNCHANGED and membership.organisation_id != (
            organisation.pk if organisation is not None else None):
        before = membership.organisation.name if membership.organisation_id else ""
        membership.organisation = organisation
        changes["organisation"] = [before, organisation.name if organisation is not None else ""]
        fields.append("organisation")
    if fields:
        membership.save(update_fields=fields)
        audit.record(membership.territory, user, "update", membership,
                     f"Role of {membership.user.get_username()}", changes)
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, user) -> None:
    roles = _roles(membership.territory)
    if leaves_no_coordinator(roles, membership.pk, None):
        raise ValidationError(_(
            "%(username)s is the last coordinator of this territory and cannot be removed: "
            "make someone else coordinator first."
        ) % {"username": membership.user.get_username()})
    territory = membership.territory
    audit.record(territory, user, "delete", membership,
                 f"Member {membership.user.get_username()} ({membership.role}) removed")
    from cospiral.groups.models import Group

    # A removed person no longer facilitates this territory's groups.
    for group in Group.objects.of(territory).filter(facilitators=membership.user):
        group.facilitators.remove(membership.user)
    membership.delete()


# --- Coordination group ----------------------------------------------------------------

@transaction.atomic
def save_organisation(territory: Territory, *, user, organisation: Organisation | None = None,
                      name: str, kind: str) -> Organisation:
    clash = Organisation.objects.of(territory).filter(name__iexact=name)
    if organisation is not None:
        clash = clash.exclude(pk=organisation.pk)
    if clash.exists():
        raise ValidationError({"name": _(
            "An organisation named “%(name)s” is already in the coordination group."
        ) % {"name": name}})
    if organisation is None:
        organisation = Organisation.objects.create(territory=territory, name=name, kind=kind)
        audit.record(territory, user, "create", organisation, f"Organisation {name}")
        return organisation
    before = writes.snapshot(organisation, ("name", "kind"))
    organisation.name, organisation.kind = name, kind
    organisation.save(update_fields=["name", "kind"])
    changes = audit.diff(before, writes.snapshot(organisation, ("name", "kind")))
    if changes:
        audit.record(territory, user, "update", organisation, f"Organisation {name}", changes)
    return organisation


def _erase_unless_used(obj, *, user, in_use: str, summary: str) -> None:
    """Erase ``obj`` and record it; refused with ``in_use`` (what still needs it), when
    there is something."""
    if in_use:
        raise ValidationError(in_use)
    writes.Write(obj.territory, user=user).erase(obj, summary)


@transaction.atomic
def delete_organisation(organisation: Organisation, *, user) -> None:
    seats = organisation.seats.count()
    _erase_unless_used(organisation, user=user, summary=f"Organisation {organisation.name}",
                       in_use=_(
                           "“%(name)s” still has %(count)s seat(s) in the coordination group: "
                           "remove or change those seats first."
                       ) % {"name": organisation.name, "count": seats} if seats else "")


SEAT_FIELDS = ("person", "organisation_id", "role")


@transaction.atomic
def save_seat(territory: Territory, *, user, seat: CoordinationMember | None = None,
              person: str, organisation: Organisation | None, role: str) -> CoordinationMember:
    if not person and organisation is None:
        raise ValidationError(_("A seat needs a person, an organisation, or both."))
    if organisation is not None and organisation.territory_id != territory.pk:
        raise ValidationError({"organisation": _("This organisation is not in this territory.")})
    if seat is None:
        seat = CoordinationMember.objects.create(territory=territory, person=person,
                                                 organisation=organisation, role=role)
        audit.record(territory, user, "create", seat, f"Coordination seat {seat}")
        return seat
    before = writes.snapshot(seat, SEAT_FIELDS)
    seat.person, seat.organisation, seat.role = person, organisation, role
    seat.save(update_fields=["person", "organisation", "role"])
    changes = audit.diff(before, writes.snapshot(seat, SEAT_FIELDS))
    if changes:
        audit.record(territory, user, "update", seat, f"Coordination seat {seat}", changes)
    return seat


@transaction.atomic
def delete_seat(seat: CoordinationMember, *, user) -> None:
    writes.Write(seat.territory, user=user).erase(seat, f"Coordination seat {seat}")


# --- Questions -------------------------------------------------------------------------

def _check_question(territory, *, code: str, texts: dict, question=None) -> dict:
    from cospiral.cards.models import Question

    texts = {lang: (text or "").strip() for lang, text in texts.items() if (text or "").strip()}
    if not texts:
        raise ValidationError(_("Write the question in at least one language (French or English)."))
    if question is None or not question.is_method_question:
        problem = question_code_problem(code)
        messages = {
            "empty": _("Give the question a code, e.g. Q5."),
            "reserved": _("Q1–Q4 are the method's own questions; choose another code, e.g. Q5."),
            "syntax": _("A code has at most 12 letters, digits, - or _ (no spaces)."),
        }
        if problem:
            raise ValidationError({"code": messages[problem]})
        clash = Question.objects.of(territory).filter(code__iexact=code.strip())
        if question is not None:
            clash = clash.exclude(pk=question.pk)
        if clash.exists():
            raise ValidationError({"code": _(
                "This territory already has a question with the code “%(code)s”."
            ) % {"code": code.strip()}})
    return texts


@transaction.atomic
def create_question(territory: Territory, *, user, code: str, texts: dict, cycles=()):
    from django.db.models import Max

    from cospiral.cards.models import Question

    texts = _check_question(territory, code=code, texts=texts)
    position = (Question.objects.of(territory).aggregate(m=Max("position"))["m"] or 0) + 1
    question = Question.objects.create(territory=territory, code=code.strip(), texts=texts,
                                       position=position)
    cycles = [c for c in cycles if c.territory_id == territory.pk]
    question.enabled_cycles.set(cycles)
    audit.record(territory, user, "create", question, f"Question {question.code}",
                 {"texts": ["", str(texts)], "cycles": ["", str(sorted(c.number for c in cycles))]})
    return question


@transaction.atomic
def update_question(question, *, user, code: str, texts: dict):
    texts = _check_question(question.territory, code=code, texts=texts, question=question)
    before = {"code": question.code, "texts": question.texts}
    if not question.is_method_question:
        question.code = code.strip()
    question.texts = texts
    question.save(update_fields=["code", "texts"])
    changes = audit.diff(before, {"code": question.code, "texts": question.texts})
    if changes:
        audit.record(question.territory, user, "update", question, f"Question {question.code}",
                     changes)
    return question


@transaction.atomic
def delete_question(question, *, user) -> None:
    if question.is_method_question:
        raise ValidationError(_("Q1–Q4 belong to the method and cannot be deleted; "
                                "untick their cycles instead."))
    count = question.cards.count()
    _erase_unless_used(question, user=user, summary=f"Question {question.code}",
                       in_use=_(
                           "Question %(code)s has %(count)s card(s): it cannot be deleted; "
                           "untick its cycles instead."
                       ) % {"code": question.code, "count": count} if count else "")


@transaction.atomic
def set_question_cycles(territory: Territory, *, user, enabled: set[tuple[int, int]]) -> int:
    """Set which questions are asked in which cycles. ``enabled`` holds (question id,
    cycle id) pairs; pairs of another territory are ignored. Returns how many questions
    changed."""
    from cospiral.cards.models import Question

    cycles = {c.pk: c for c in Cycle.objects.of(territory)}
    changed = 0
    for question in Question.objects.of(territory).prefetch_related("enabled_cycles"):
        before = sorted(c.number for c in question.enabled_cycles.all())
        wanted = [cycles[cid] for (qid, cid) in enabled if qid == question.pk and cid in cycles]
        after = sorted(c.number for c in wanted)
        if before != after:
            question.enabled_cycles.set(wanted)
            audit.record(territory, user, "update", question,
                         f"Question {question.code}: cycles", {"cycles": [str(before), str(after)]})
            changed += 1
    return changed
