"""Writes of multipartite social contracts. Each function checks who may write, validates
everything before writing, owns its transaction and records the audit trail; a status
changes only through ``change_status``, by the rules of ``cospiral.domain.contracts``.

Who writes: coordinators and facilitators write everything. A partner whose membership
names an organisation records the outcome of that organisation's commitments and the
attendance at the workshops its party runs. Observers read.

What can change when: the contract, its parties, projects and commitments are written
while it is a draft (a signed contract changes only through an amendment,
``contracts.amendments``; lists and templates at the scale of the seed are in
``contracts.bulk``); workshops are planned until it
is closed; attendance and commitment outcomes are recorded once it is signed; reviews
and exit evaluations while it runs (running or reviewed). A closed contract is final.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cospiral.contracts import selectors
from cospiral.contracts.models import (
    Attendance,
    Contract,
    ContractCommitment,
    ContractParty,
    ExitEvaluation,
    IndividualProject,
    Review,
    Workshop,
)
from cospiral.core import writes
from cospiral.core.rules import CHANGE_CONTRACTS, RECORD_ATTENDANCE, RECORD_CONTRACT_OUTCOME
from cospiral.core.writes import clean_text as _text
from cospiral.domain import contracts as rules

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_PSEUDONYM = 60

S = Contract.Status
EDITABLE = {S.DRAFT}
WORKSHOPS_OPEN = {S.DRAFT, S.SIGNED, S.RUNNING, S.REVIEWED}
FOLLOW_UP = {S.SIGNED, S.RUNNING, S.REVIEWED}
UNDERWAY = {S.RUNNING, S.REVIEWED}


# --- who may write --------------------------------------------------------------------

def can_follow_up(territory, user, party: ContractParty | None) -> bool:
    """May ``user`` record outcomes or attendance for what ``party`` is responsible for?"""
    return RECORD_CONTRACT_OUTCOME.test(user, party or territory)


def _status_label(status: str) -> str:
    return str(S(status).label)


def _require_status(contract: Contract, allowed: set, what: str) -> None:
    if contract.status not in allowed:
        raise ValidationError(_(
            "The contract is %(status)s: %(what)s cannot be changed any more (only when it is "
            "%(allowed)s).") % {
            "status": _status_label(contract.status).lower(), "what": what,
            "allowed": " / ".join(_status_label(s).lower() for s in S.values if s in allowed)})



def _date(value) -> str:
    """A date in a message as the contract's pages show dates (« 16 sept. 2026 »,
    « 16 Sept 2026 »: cospiral/formats), never 09/16/2026, read as September or the 9th."""
    return date_format(value) if value else ""


def _save(w: writes.Write, obj, names, before: dict | None, summary: str):
    """A contract's rows record every value set but None and empty text."""
    return w.save(obj, names, before, summary, blank=(None, ""))


def _changing(contract: Contract, user, allowed: set, what: str) -> tuple[writes.Write, Contract]:
    """A write of the contract or a part of it: by its writers, the contract locked, its
    status one of ``allowed`` (else a ValidationError naming ``what``)."""
    w, contract = writes.lock(contract, user=user, rule=CHANGE_CONTRACTS)
    _require_status(contract, allowed, what)
    return w, contract


#: What ``_own`` calls a row of each kind in its refusal.
_ROW_NAMES = {ContractParty: gettext_lazy("party"), ContractCommitment: gettext_lazy("commitment"),
              Workshop: gettext_lazy("workshop")}


def _own(contract: Contract, **rows) -> None:
    """Refuse any of ``rows`` (by the field it was given as; None for none) that is not
    one of ``contract``'s."""
    for field, obj in rows.items():
        if obj is not None and (obj.territory_id != contract.territory_id or
                                getattr(obj, "contract_id", contract.pk) != contract.pk):
            raise ValidationError({field: _("This %(what)s is not one of this contract.") % {
                "what": _ROW_NAMES[type(obj)]}})


# --- the contract ---------------------------------------------------------------------

CONTRACT_FIELDS = ("title", "purpose", "action_id", "starts_on", "ends_on",
                   "review_every_months")


@transaction.atomic
def save_contract(territory, *, user, contract: Contract | None = None, title: str,
                  purpose: str = "", action=None, starts_on: dt.date | None = None,
                  ends_on: dt.date | None = None, review_every_months: int = 3) -> Contract:
    w = writes.Write(territory, user=user, rule=CHANGE_CONTRACTS)
    if contract is not None:
        contract = w.lock(contract)
        _require_status(contract, EDITABLE, _("its terms"))
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, required=True, limit=MAX_TITLE, what=_("title"))
    purpose = _text(errors, "purpose", purpose, required=False, limit=MAX_TEXT, what=_("purpose"))
    if action is not None and action.territory_id != territory.pk:
        errors["action"] = _("This action is not one of this territory's plan.")
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = _("The end (%(end)s) must come after the start (%(start)s).") % {
            "end": _date(ends_on), "start": _date(starts_on)}
    if not isinstance(review_every_months, int) or not 1 <= review_every_months <= 24:
        errors["review_every_months"] = _("Give a number of months from 1 to 24.")
    if errors:
        raise ValidationError(errors)
    before = None if contract is None else writes.snapshot(contract, CONTRACT_FIELDS)
    if contract is None:
        contract = Contract(territory=territory, created_by=w.actor)
    contract.title, contract.purpose, contract.action = title, purpose, action
    contract.starts_on, contract.ends_on = starts_on, ends_on
    contract.review_every_months = review_every_months
    return _save(w, contract, CONTRACT_FIELDS, before, title)


# --- parties --------------------------------------------------------------------------

PARTY_FIELDS = ("kind", "pseudonym", "organisation_id", "representative", "signed_on")


@transaction.atomic
def save_party(contract: Contract, *, user, party: ContractParty | None = None, kind: str,
               pseudonym: str = "", organisation=None, representative: str = "",
               signed_on: dt.date | None = None) -> ContractParty:
    """Add or change a party. A beneficiary has a pseudonym and nothing else that could
    name them; a provider or the city is an organisation of the territory."""
    territory = contract.territory
    w, contract = _changing(contract, user, EDITABLE, _("its parties"))
    _own(contract, party=party)
    errors: dict[str, str] = {}
    if kind not in rules.PARTY_KINDS:
        raise ValidationError({"kind": _("Choose the kind of party.")})
    pseudonym = _text(errors, "pseudonym", pseudonym, required=kind == rules.BENEFICIARY,
                      limit=MAX_PSEUDONYM, what=_("pseudonym"))
    representative = _text(errors, "representative", representative, required=False,
                           limit=MAX_TITLE, what=_("representative"))
    if organisation is not None and organisation.territory_id != territory.pk:
        errors["organisation"] = _(
            "“%(name)s” is not an organisation of this territory: choose one of %(territory)s."
        ) % {"name": organisation.name, "territory": territory.name}
    elif kind == rules.BENEFICIARY:
        if organisation is not None:
            errors["organisation"] = _("A beneficiary takes part in their own name: leave the "
                                       "organisation empty.")
        if representative:
            errors["representative"] = _("A beneficiary is known only by a pseudonym: leave "
                                         "“represented by” empty.")
        clash = contract.parties.filter(pseudonym__iexact=pseudonym)
        if party is not None:
            clash = clash.exclude(pk=party.pk)
        if pseudonym and clash.exists():
            errors["pseudonym"] = _("Another beneficiary of this contract is already called "
                                    "“%(name)s”: choose another pseudonym.") % {"name": pseudonym}
    else:
        if pseudonym:
            errors["pseudonym"] = _("Only beneficiaries have a pseudonym: leave it empty.")
        if kind in (rules.PROVIDER, rules.CITY) and organisation is None:
            errors["organisation"] = _("Choose the organisation of this party.")
        if kind == rules.OTHER and organisation is None and not representative:
            errors["representative"] = _("Choose an organisation or say who this party is.")
    if signed_on is not None and signed_on > timezone.localdate():
        errors["signed_on"] = _("The signature date (%(date)s) is in the future.") % {
            "date": _date(signed_on)}
    if errors:
        raise ValidationError(errors)
    before = None if party is None else writes.snapshot(party, PARTY_FIELDS)
    if party is None:
        party = ContractParty(territory=territory, contract=contract,
                              position=contract.parties.count())
    party.kind, party.pseudonym, party.organisation = kind, pseudonym, organisation
    party.representative, party.signed_on = representative, signed_on
    party = _save(w, party, PARTY_FIELDS, before,
                  f"{contract.title}: {party.name}")
    return party


@transaction.atomic
def remove_party(party: ContractParty, *, user) -> None:
    """Take a party off a draft contract (with its project and commitments)."""
    w, contract = _changing(party.contract, user, EDITABLE, _("its parties"))
    w.erase(party, f"{contract.title}: {party.name}",
            {"kind": [party.kind, ""], "name": [party.name, ""]})


# --- individual projects --------------------------------------------------------------

def _beneficiary_errors(contract: Contract, beneficiary: ContractParty, message: str) -> dict[str, str]:
    """The errors of a record about one beneficiary (its project, its exit evaluation) so
    far: the party must be the contract's (else refused at once) and a beneficiary (else
    ``message`` on the field ``beneficiary``)."""
    _own(contract, beneficiary=beneficiary)
    return {"beneficiary": message} if beneficiary.kind != rules.BENEFICIARY else {}


@transaction.atomic
def save_project(contract: Contract, *, user, beneficiary: ContractParty, goals: str,
                 steps: str = "") -> IndividualProject:
    territory = contract.territory
    w, contract = _changing(contract, user, EDITABLE, _("the individual projects"))
    errors = _beneficiary_errors(contract, beneficiary,
                                 _("Only a beneficiary has an individual project."))
    goals = _text(errors, "goals", goals, required=True, limit=MAX_TEXT, what=_("goals"))
    steps = _text(errors, "steps", steps, required=False, limit=MAX_TEXT, what=_("steps"))
    if errors:
        raise ValidationError(errors)
    project = IndividualProject.objects.of(territory).filter(beneficiary=beneficiary).first()
    before = None if project is None else writes.snapshot(project, ("goals", "steps"))
    if project is None:
        project = IndividualProject(territory=territory, contract=contract, beneficiary=beneficiary)
    project.goals, project.steps = goals, steps
    return _save(w, project, ("goals", "steps"), before,
                 f"{contract.title}: {beneficiary.name}")


# --- commitments ----------------------------------------------------------------------

COMMITMENT_FIELDS = ("party_id", "what", "towards_id", "due_on")


@transaction.atomic
def save_commitment(contract: Contract, *, user, commitment: ContractCommitment | None = None,
                    party: ContractParty, what: str, towards: ContractParty | None = None,
                    due_on: dt.date | None = None) -> ContractCommitment:
    territory = contract.territory
    w, contract = _changing(contract, user, EDITABLE, _("its commitments"))
    _own(contract, commitment=commitment, party=party, towards=towards)
    errors: dict[str, str] = {}
    what = _text(errors, "what", what, required=True, limit=MAX_TEXT, what=_("commitment"))
    if towards is not None and towards.pk == party.pk:
        errors["towards"] = _("A party commits towards another party, not towards itself.")
    if errors:
        raise ValidationError(errors)
    before = None if commitment is None else writes.snapshot(commitment, COMMITMENT_FIELDS)
    if commitment is None:
        commitment = ContractCommitment(territory=territory, contract=contract)
    commitment.party, commitment.what, commitment.towards = party, what, towards
    commitment.due_on = due_on
    return _save(w, commitment, COMMITMENT_FIELDS, before,
                 f"{contract.title}: {party.name}: {what}")


@transaction.atomic
def record_outcome(commitment: ContractCommitment, *, user, outcome: str,
                   evidence: str = "") -> ContractCommitment:
    """Kept, partly kept, not kept, or back to pending (empty); by a coordinator, a
    facilitator or a partner of the committed organisation."""
    territory = commitment.territory
    commitment = (ContractCommitment.objects.of(territory).select_related("party", "contract")
                  .get(pk=commitment.pk))
    w = writes.Write(territory, user=user, rule=RECORD_CONTRACT_OUTCOME,
                     obj=commitment.party or territory)
    contract = w.lock(commitment.contract)
    _require_status(contract, FOLLOW_UP, _("the outcomes of commitments"))
    errors: dict[str, str] = {}
    if outcome not in ("", *ContractCommitment.Outcome.values):
        errors["outcome"] = _("Choose kept, partly kept, not kept or not known yet.")
    evidence = _text(errors, "evidence", evidence, required=False, limit=MAX_TEXT,
                     what=_("evidence"))
    if errors:
        raise ValidationError(errors)
    before = writes.snapshot(commitment, ("outcome", "evidence"))
    commitment.outcome, commitment.evidence = outcome, evidence
    return _save(w, commitment, ("outcome", "evidence"), before,
                 f"{contract.title}: {commitment.party.name}: {commitment.what}")


# --- workshops and attendance ---------------------------------------------------------

WORKSHOP_FIELDS = ("kind", "topic", "date", "place", "facilitator", "run_by_id",
                   "beneficiary_id", "notes")


@transaction.atomic
def save_workshop(contract: Contract, *, user, workshop: Workshop | None = None, kind: str,
                  topic: str, date: dt.date, place: str = "", facilitator: str = "",
                  run_by: ContractParty | None = None,
                  beneficiary: ContractParty | None = None, notes: str = "") -> Workshop:
    territory = contract.territory
    w, contract = _changing(contract, user, WORKSHOPS_OPEN, _("its workshops"))
    _own(contract, workshop=workshop, run_by=run_by, beneficiary=beneficiary)
    errors: dict[str, str] = {}
    if kind not in Workshop.Kind.values:
        errors["kind"] = _("Choose collective or individual.")
    topic = _text(errors, "topic", topic, required=True, limit=MAX_TITLE, what=_("topic"))
    place = _text(errors, "place", place, required=False, limit=MAX_TITLE, what=_("place"))
    facilitator = _text(errors, "facilitator", facilitator, required=False, limit=MAX_TITLE,
                        what=_("facilitator"))
    notes = _text(errors, "notes", notes, required=False, limit=MAX_TEXT, what=_("notes"))
    if date is None:
        errors["date"] = _("Give the date of the workshop.")
    if run_by is not None and run_by.kind == rules.BENEFICIARY:
        errors["run_by"] = _("A workshop is run by a provider, the city or another partner, "
                             "not by a beneficiary.")
    if kind == Workshop.Kind.INDIVIDUAL:
        if beneficiary is None or beneficiary.kind != rules.BENEFICIARY:
            errors["beneficiary"] = _("An individual workshop is with one beneficiary: choose "
                                      "them.")
    elif beneficiary is not None:
        errors["beneficiary"] = _("A collective workshop is for every beneficiary: leave the "
                                  "beneficiary empty.")
    if workshop is not None and workshop.attendance_recorded_at and (
            kind != workshop.kind or (beneficiary and beneficiary.pk) != workshop.beneficiary_id):
        errors["kind"] = _("The attendance of this workshop is recorded: its kind and "
                           "beneficiary can no longer change.")
    if errors:
        raise ValidationError(errors)
    before = None if workshop is None else writes.snapshot(workshop, WORKSHOP_FIELDS)
    if workshop is None:
        workshop = Workshop(territory=territory, contract=contract)
    workshop.kind, workshop.topic, workshop.date, workshop.place = kind, topic, date, place
    workshop.facilitator, workshop.run_by, workshop.beneficiary = facilitator, run_by, beneficiary
    workshop.notes = notes
    return _save(w, workshop, WORKSHOP_FIELDS, before,
                 f"{contract.title}: {topic} ({date})")


@transaction.atomic
def record_attendance(workshop: Workshop, *, user, present: Iterable[int]) -> list[Attendance]:
    """Who came: ``present`` are the ids of the parties present; every other party
    expected at the workshop (every beneficiary for a collective workshop, its
    beneficiary for an individual one) is recorded absent."""
    territory = workshop.territory
    workshop = Workshop.objects.of(territory).select_related("run_by", "contract").get(pk=workshop.pk)
    w = writes.Write(territory, user=user, rule=RECORD_ATTENDANCE, obj=workshop.run_by or territory)
    contract = w.lock(workshop.contract)
    _require_status(contract, FOLLOW_UP, _("attendance"))
    expected = selectors.expected_parties(workshop)
    ids = {p.pk for p in expected}
    present = {int(p) for p in present}
    unknown = present - ids
    if unknown:
        raise ValidationError({"present": _(
            "Only the parties expected at this workshop can be marked present.")})
    if workshop.date > timezone.localdate():
        raise ValidationError({"present": _(
            "This workshop is on %(date)s: its attendance is recorded once it has taken place."
        ) % {"date": _date(workshop.date)}})
    existing = {a.party_id: a for a in Attendance.objects.of(territory).filter(workshop=workshop)}
    changes, rows = {}, []
    for party in expected:
        row = existing.pop(party.pk, None)
        now = party.pk in present
        if row is None:
            row = Attendance.objects.create(territory=territory, workshop=workshop, party=party,
                                            present=now)
            changes[party.name] = ["", "present" if now else "absent"]
        elif row.present != now:
            changes[party.name] = ["present" if row.present else "absent",
                                   "present" if now else "absent"]
            row.present = now
            row.save(update_fields=["present"])
        rows.append(row)
    for row in existing.values():  # no longer expected (should not happen on a fixed contract)
        row.delete()
    first = workshop.attendance_recorded_at is None
    workshop.attendance_recorded_at = timezone.now()
    workshop.save(update_fields=["attendance_recorded_at"])
    if changes or first:
        w.record("update", workshop,
                 ngettext("%(topic)s: attendance, %(n)s present",
                              "%(topic)s: attendance, %(n)s present", len(present))
                 % {"topic": workshop.topic, "n": len(present)}, changes)
    return rows


# --- reviews and exit evaluations -----------------------------------------------------

@transaction.atomic
def add_review(contract: Contract, *, user, date: dt.date, notes: str = "",
               decisions: str = "") -> Review:
    territory = contract.territory
    w, contract = _changing(contract, user, UNDERWAY, _("its reviews"))
    errors: dict[str, str] = {}
    notes = _text(errors, "notes", notes, required=False, limit=MAX_TEXT, what=_("notes"))
    decisions = _text(errors, "decisions", decisions, required=False, limit=MAX_TEXT,
                      what=_("decisions"))
    if not notes and not decisions:
        errors["notes"] = _("Write what was said or decided at the review.")
    if date is None:
        errors["date"] = _("Give the date of the review.")
    elif date > timezone.localdate():
        errors["date"] = _("The review date (%(date)s) is in the future: record a review once "
                           "it has taken place.") % {"date": _date(date)}
    elif contract.signed_on and date < contract.signed_on:
        errors["date"] = _("The review date (%(date)s) is before the contract was signed "
                           "(%(signed)s).") % {"date": _date(date), "signed": _date(contract.signed_on)}
    if errors:
        raise ValidationError(errors)
    review = _save(w, Review(territory=territory, contract=contract, date=date,
                                           notes=notes, decisions=decisions),
                   ("date", "notes", "decisions"), None, contract.title)  # the date: in the changes
    before = contract.next_review_on
    contract.next_review_on = rules.next_review(date, contract.review_every_months,
                                                contract.ends_on)
    if before != contract.next_review_on:
        contract.save(update_fields=["next_review_on", "updated_at"])
        w.record("update", contract, contract.title,
                 {"next_review_on": [str(before or ""), str(contract.next_review_on or "")]})
    return review


EXIT_FIELDS = ("date", "outcome", "goals_reached", "notes")


@transaction.atomic
def save_exit(contract: Contract, *, user, beneficiary: ContractParty, date: dt.date,
              outcome: str, goals_reached: str, notes: str = "") -> ExitEvaluation:
    territory = contract.territory
    w, contract = _changing(contract, user, UNDERWAY, _("the exit evaluations"))
    errors = _beneficiary_errors(contract, beneficiary,
                                 _("Only a beneficiary has an exit evaluation."))
    outcome = _text(errors, "outcome", outcome, required=True, limit=MAX_TEXT,
                    what=_("evaluation"))
    notes = _text(errors, "notes", notes, required=False, limit=MAX_TEXT, what=_("notes"))
    if goals_reached not in ExitEvaluation.Goals.values:
        errors["goals_reached"] = _("Say whether the goals were reached: all, partly or not.")
    if date is None:
        errors["date"] = _("Give the date of the exit evaluation.")
    elif date > timezone.localdate():
        errors["date"] = _("The date (%(date)s) is in the future.") % {"date": _date(date)}
    if errors:
        raise ValidationError(errors)
    evaluation = ExitEvaluation.objects.of(territory).filter(beneficiary=beneficiary).first()
    before = None if evaluation is None else writes.snapshot(evaluation, EXIT_FIELDS)
    if evaluation is None:
        evaluation = ExitEvaluation(territory=territory, contract=contract, beneficiary=beneficiary)
    evaluation.date, evaluation.outcome = date, outcome
    evaluation.goals_reached, evaluation.notes = goals_reached, notes
    return _save(w, evaluation, EXIT_FIELDS, before,
                 f"{contract.title}: {beneficiary.name}")


# --- status ---------------------------------------------------------------------------

def reason_text(reason: rules.Reason) -> str:
    """The translated sentence of a refusal."""
    data = reason.data
    n = data.get("n", 1)
    names = data.get("names", "")
    sentences = {
        rules.NO_BENEFICIARY: lambda: _("Add at least one beneficiary (under a pseudonym)."),
        rules.NO_PROVIDER: lambda: _("Add at least one service provider."),
        rules.UNSIGNED_PARTY: lambda: ngettext(
            "This party has no signature date yet: %(names)s.",
            "These parties have no signature date yet: %(names)s.", n) % {"names": names},
        rules.NO_PROJECT: lambda: ngettext(
            "This beneficiary has no individual project yet: %(names)s.",
            "These beneficiaries have no individual project yet: %(names)s.", n) % {"names": names},
        rules.NO_COMMITMENT: lambda: ngettext(
            "This party commits to nothing yet: %(names)s.",
            "These parties commit to nothing yet: %(names)s.", n) % {"names": names},
        rules.NO_PERIOD: lambda: _("Set the start and end dates of the contract."),
        rules.PERIOD_ORDER: lambda: _("The end (%(end)s) must come after the start "
                                      "(%(start)s).") % {"end": _date(data.get("ends_on")),
                                                         "start": _date(data.get("starts_on"))},
        rules.NOT_STARTED: lambda: _("The contract starts on %(date)s: it can run from that "
                                     "day, or sooner through an amendment of its start "
                                     "date.") % {"date": _date(data.get("starts_on"))},
        rules.NO_REVIEW: lambda: (_("Record the review first (a review dated on or after "
                                    "%(date)s, when this period began).")
                                  % {"date": _date(data["since"])} if data.get("since")
                                  else _("Record the review first.")),
        rules.PERIOD_OVER: lambda: _("The contract ended on %(date)s: close it instead of "
                                     "starting a new period.") % {"date": _date(data.get("ends_on"))},
        rules.NO_EXIT: lambda: ngettext(
            "This beneficiary has no exit evaluation yet: %(names)s.",
            "These beneficiaries have no exit evaluation yet: %(names)s.", n) % {"names": names},
        rules.PENDING_OUTCOME: lambda: ngettext(
            "%(n)s commitment has no outcome yet (kept, partly kept or not kept).",
            "%(n)s commitments have no outcome yet (kept, partly kept or not kept).", n) % {"n": n},
    }
    if reason.code == rules.NOT_ALLOWED:
        target = data.get("target")
        target_label = _status_label(target) if target in S.values else str(target)
        return _("A contract that is %(status)s cannot become %(target)s.") % {
            "status": _status_label(data["status"]).lower(), "target": target_label.lower()}
    return sentences[reason.code]()


def refusals(contract: Contract, target: str, today: dt.date | None = None) -> list[str]:
    """The translated reasons why ``contract`` may not move to ``target`` now."""
    today = today or timezone.localdate()
    return [reason_text(r) for r in rules.refusals(selectors.facts(contract), target, today)]


@transaction.atomic
def change_status(contract: Contract, *, user, target: str) -> Contract:
    """Take one step of the state machine. A step that is not allowed, or whose
    conditions are not met, raises ValidationError with every reason; nothing changes."""
    w, contract = writes.lock(contract, user=user, rule=CHANGE_CONTRACTS)
    today = timezone.localdate()
    reasons = refusals(contract, target, today)
    if reasons:
        raise ValidationError(reasons)
    before = writes.snapshot(contract, ("status", "signed_on", "running_since", "next_review_on"))
    if target == S.SIGNED:
        dates = [d for d in contract.parties.values_list("signed_on", flat=True) if d]
        contract.signed_on = max(dates)
    elif target == S.RUNNING:
        if contract.status == S.SIGNED:
            # The first period begins on the contract's start date (reached: a condition).
            contract.running_since = contract.starts_on
            contract.next_review_on = rules.next_review(contract.starts_on,
                                                        contract.review_every_months,
                                                        contract.ends_on)
        else:
            # A new period begins the day after the review that closed the last one.
            latest = selectors.facts(contract).latest_review_on
            contract.running_since = latest + dt.timedelta(days=1)
    elif target == S.CLOSED:
        contract.next_review_on = None
    contract.status = target
    contract.save()
    w.record("update", contract, contract.title,  # the status: in the changes
             writes.changes(before, writes.snapshot(contract, before.keys())))
    return contract
