"""Reads of multipartite social contracts, every query scoped by ``objects.of(territory)``.
Rates and shares come from ``cospiral.domain.contracts``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from cospiral.contracts.models import (
    Amendment,
    Attendance,
    Contract,
    ContractCommitment,
    ContractParty,
    ExitEvaluation,
    IndividualProject,
    Review,
    Workshop,
)
from cospiral.domain import contracts as rules
from cospiral.territories.models import Organisation


def contracts(territory):
    return (Contract.objects.of(territory).select_related("action")
            .annotate(n_beneficiaries=Count("parties", filter=Q(parties__kind=rules.BENEFICIARY),
                                            distinct=True),
                      n_workshops=Count("workshops", distinct=True)))


def contract(territory, pk) -> Contract | None:
    return Contract.objects.of(territory).select_related("action", "created_by").filter(pk=pk).first()


def parties(contract: Contract):
    return (ContractParty.objects.of(contract.territory).filter(contract=contract)
            .select_related("organisation"))


def party(contract: Contract, pk) -> ContractParty | None:
    return parties(contract).filter(pk=pk).first()


def amendments(contract: Contract):
    return (Amendment.objects.of(contract.territory).filter(contract=contract)
            .select_related("created_by").order_by("number"))


def organisations(territory):
    return Organisation.objects.of(territory)


def commitments(contract: Contract):
    return (ContractCommitment.objects.of(contract.territory).filter(contract=contract)
            .select_related("party__organisation", "towards__organisation"))


def workshops(contract: Contract):
    return (Workshop.objects.of(contract.territory).filter(contract=contract)
            .select_related("run_by__organisation", "beneficiary"))


def workshop(contract: Contract, pk) -> Workshop | None:
    return workshops(contract).filter(pk=pk).first()


def expected_parties(workshop: Workshop) -> list[ContractParty]:
    """Who is expected at a workshop: its beneficiary for an individual workshop, every
    beneficiary of the contract for a collective one."""
    qs = ContractParty.objects.of(workshop.territory).filter(contract_id=workshop.contract_id,
                                                             kind=rules.BENEFICIARY)
    if workshop.kind == Workshop.Kind.INDIVIDUAL:
        qs = qs.filter(pk=workshop.beneficiary_id)
    return list(qs.order_by("position", "id"))


def facts(contract: Contract) -> rules.ContractFacts:
    territory = contract.territory
    rows = (ContractParty.objects.of(territory).filter(contract=contract)
            .select_related("organisation")
            .annotate(n_commitments=Count("commitments", distinct=True)))
    with_project = set(IndividualProject.objects.of(territory).filter(contract=contract)
                       .exclude(goals="").values_list("beneficiary_id", flat=True))
    with_exit = set(ExitEvaluation.objects.of(territory).filter(contract=contract)
                    .values_list("beneficiary_id", flat=True))
    latest = Review.objects.of(territory).filter(contract=contract).aggregate(d=Max("date"))["d"]
    pending = ContractCommitment.objects.of(territory).filter(contract=contract, outcome="").count()
    return rules.ContractFacts(
        status=contract.status,
        parties=[rules.Party(id=p.pk, kind=p.kind, name=p.name, signed_on=p.signed_on,
                             has_project=p.pk in with_project, commitments=p.n_commitments,
                             has_exit=p.pk in with_exit) for p in rows],
        starts_on=contract.starts_on, ends_on=contract.ends_on,
        running_since=contract.running_since, latest_review_on=latest,
        pending_commitments=pending,
    )


@dataclass
class PartyRow:
    party: ContractParty
    project: IndividualProject | None = None
    commitments: list = field(default_factory=list)
    received: list = field(default_factory=list)
    exit: ExitEvaluation | None = None
    attendance: rules.Rate | None = None
    kept: rules.Kept | None = None


@dataclass
class WorkshopRow:
    workshop: Workshop
    expected: list
    present: set
    rate: rules.Rate | None


@dataclass
class Overview:
    contract: Contract
    parties: list[PartyRow]
    workshops: list[WorkshopRow]
    reviews: list
    commitments: list
    kept: rules.Kept
    attendance: rules.Rate
    schedule: list

    @property
    def beneficiaries(self) -> list[PartyRow]:
        return [r for r in self.parties if r.party.is_beneficiary]

    @property
    def others(self) -> list[PartyRow]:
        return [r for r in self.parties if not r.party.is_beneficiary]


def overview(contract: Contract) -> Overview:
    """Everything the contract page, the attendance summary and the PDF show."""
    territory = contract.territory
    party_list = list(parties(contract))
    rows = {p.pk: PartyRow(p) for p in party_list}
    for project in IndividualProject.objects.of(territory).filter(contract=contract):
        rows[project.beneficiary_id].project = project
    for evaluation in ExitEvaluation.objects.of(territory).filter(contract=contract):
        rows[evaluation.beneficiary_id].exit = evaluation
    commitment_list = list(commitments(contract))
    for c in commitment_list:
        rows[c.party_id].commitments.append(c)
        if c.towards_id:
            rows[c.towards_id].received.append(c)
    workshop_list = list(workshops(contract))
    marks = list(Attendance.objects.of(territory)
                 .filter(workshop__contract=contract, workshop__attendance_recorded_at__isnull=False)
                 .values_list("workshop_id", "party_id", "present")
                 .order_by("workshop__date", "workshop_id", "party__position", "party_id"))
    by_party, by_workshop, overall = rules.attendance_rates(marks)
    present = {}
    for w, p, here in marks:
        if here:
            present.setdefault(w, set()).add(p)
    beneficiaries = [p for p in party_list if p.is_beneficiary]
    workshop_rows = []
    for w in workshop_list:
        expected = ([p for p in beneficiaries if p.pk == w.beneficiary_id]
                    if w.kind == Workshop.Kind.INDIVIDUAL else beneficiaries)
        workshop_rows.append(WorkshopRow(w, expected, present.get(w.pk, set()),
                                         by_workshop.get(w.pk)))
    for row in rows.values():
        row.attendance = by_party.get(row.party.pk)
        row.kept = rules.kept_share(c.outcome for c in row.commitments)
    return Overview(
        contract=contract, parties=[rows[p.pk] for p in party_list], workshops=workshop_rows,
        reviews=list(Review.objects.of(territory).filter(contract=contract)),
        commitments=commitment_list,
        kept=rules.kept_share(c.outcome for c in commitment_list), attendance=overall,
        schedule=rules.review_schedule(contract.starts_on, contract.ends_on,
                                       contract.review_every_months),
    )

