"""Multipartite social contracts: services, state machine through the database, pages,
access for every role, two territories, the PDF for signature."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cospiral.contracts import selectors, services
from cospiral.contracts.models import Attendance, Contract, ContractParty, Workshop
from cospiral.core.models import AuditEntry
from cospiral.jobs.models import Job
from cospiral.territories.models import Membership, Organisation
from tests import pdfs

TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=60)


def url(name, t, *args):
    return reverse(f"contracts:{name}", args=[t.territory.slug, *args])


@pytest.fixture
def contract(world):
    """A draft in alpha with two beneficiaries, a provider (whose partner is alpha's
    partner) and the city; projects, commitments and signatures all done."""
    t = world.alpha
    user = t.users["coordinator"]
    social = Organisation.objects.create(territory=t.territory, name="Social service", kind="public")
    city = Organisation.objects.create(territory=t.territory, name="City hall", kind="public")
    Membership.objects.of(t.territory).filter(user=t.users["partner"]).update(organisation=social)
    c = services.save_contract(t.territory, user=user, title="Contrat Alphaville",
                               purpose="Budget et confiance", starts_on=PAST,
                               ends_on=PAST + dt.timedelta(days=300), review_every_months=3)
    amel = services.save_party(c, user=user, kind="beneficiary", pseudonym="Amel", signed_on=PAST)
    bruno = services.save_party(c, user=user, kind="beneficiary", pseudonym="Bruno", signed_on=PAST)
    provider = services.save_party(c, user=user, kind="provider", organisation=social,
                                   representative="Head of the social service", signed_on=PAST)
    town = services.save_party(c, user=user, kind="city", organisation=city, signed_on=PAST)
    for b in (amel, bruno):
        services.save_project(c, user=user, beneficiary=b, goals=f"Goals of {b.pseudonym}",
                              steps="Budget workshop")
        services.save_commitment(c, user=user, party=b, what="Come to the workshops", towards=provider)
    kept = services.save_commitment(c, user=user, party=provider, what="Run two workshops",
                                    towards=amel)
    return SimpleNamespace(c=c, t=t, user=user, amel=amel, bruno=bruno, provider=provider,
                           town=town, social=social, city=city, kept=kept)


def reload(c):
    return Contract.objects.get(pk=c.pk)


def run(k):
    """Sign and start the fixture's contract."""
    services.change_status(k.c, user=k.user, target="signed")
    return services.change_status(k.c, user=k.user, target="running")


def test_full_lifecycle_through_the_rules(contract):
    k = contract
    c = services.change_status(k.c, user=k.user, target="signed")
    assert c.status == "signed" and c.signed_on == PAST
    c = services.change_status(c, user=k.user, target="running")
    assert c.running_since == PAST  # the first period begins on the start date
    assert c.next_review_on == selectors.overview(c).schedule[0]
    services.add_review(c, user=k.user, date=TODAY, notes="Going well", decisions="Go on")
    c = services.change_status(c, user=k.user, target="reviewed")
    c = services.change_status(c, user=k.user, target="running")
    assert c.status == "running" and c.running_since == TODAY + dt.timedelta(days=1)
    # The new period needs its own review before it is marked reviewed again.
    with pytest.raises(ValidationError, match="Record the review first"):
        services.change_status(c, user=k.user, target="reviewed")
    for b in (k.amel, k.bruno):
        services.save_exit(c, user=k.user, beneficiary=b, date=TODAY, outcome="Training found",
                           goals_reached="partly")
    for commitment in selectors.commitments(c):
        services.record_outcome(commitment, user=k.user, outcome="kept")
    c = services.change_status(c, user=k.user, target="closed")
    assert c.status == "closed" and c.next_review_on is None
    steps = AuditEntry.objects.of(k.t.territory).filter(model="contract", action="update")
    assert steps.count() >= 5


def test_illegal_transition_is_refused_with_its_reason_and_nothing_changes(contract):
    k = contract
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.change_status(k.c, user=k.user, target="closed")
    assert error.value.messages == ["A contract that is draft cannot become closed."]
    assert reload(k.c).status == "draft" and AuditEntry.objects.count() == before
    run(k)
    with pytest.raises(ValidationError) as error:
        services.change_status(k.c, user=k.user, target="closed")
    messages = error.value.messages
    assert "These beneficiaries have no exit evaluation yet: Amel, Bruno." in messages
    assert "3 commitments have no outcome yet (kept, partly kept or not kept)." in messages
    assert reload(k.c).status == "running"
    with pytest.raises(ValidationError, match="Record the review first"):
        services.change_status(k.c, user=k.user, target="reviewed")


def test_signing_without_a_project_is_refused(contract):
    k = contract
    k.amel.project.delete()
    carla = services.save_party(k.c, user=k.user, kind="beneficiary", pseudonym="Carla")
    with pytest.raises(ValidationError) as error:
        services.change_status(k.c, user=k.user, target="signed")
    messages = error.value.messages
    assert "These beneficiaries have no individual project yet: Amel, Carla." in messages
    assert "This party has no signature date yet: Carla." in messages
    assert "This party commits to nothing yet: Carla." in messages
    c = reload(k.c)
    assert c.status == "draft" and c.signed_on is None
    assert carla.pk


def test_signed_contract_is_not_rewritten(contract):
    k = contract
    services.change_status(k.c, user=k.user, target="signed")
    with pytest.raises(ValidationError, match="cannot be changed any more"):
        services.save_party(k.c, user=k.user, kind="beneficiary", pseudonym="Late")
    with pytest.raises(ValidationError, match="cannot be changed any more"):
        services.save_commitment(k.c, user=k.user, party=k.amel, what="More")
    assert not ContractParty.objects.filter(pseudonym="Late").exists()


def test_organisation_of_beta_refused_as_party_of_alpha(contract, world):
    k = contract
    foreign = Organisation.objects.create(territory=world.beta.territory, name="Beta service")
    with pytest.raises(ValidationError) as error:
        services.save_party(k.c, user=k.user, kind="provider", organisation=foreign)
    assert "organisation" in error.value.message_dict
    assert "not an organisation of this territory" in error.value.message_dict["organisation"][0]
    assert not ContractParty.objects.filter(organisation=foreign).exists()


def test_party_rules_keep_beneficiaries_pseudonymous(contract):
    k = contract
    with pytest.raises(ValidationError) as error:
        services.save_party(k.c, user=k.user, kind="beneficiary", pseudonym="amel",
                            organisation=k.social, representative="Jeanne Dupont")
    errors = error.value.message_dict
    assert set(errors) == {"organisation", "representative", "pseudonym"}
    with pytest.raises(ValidationError) as error:
        services.save_party(k.c, user=k.user, kind="provider", pseudonym="X")
    assert set(error.value.message_dict) == {"pseudonym", "organisation"}


def test_attendance_recorded_and_rates(contract):
    k = contract
    run(k)
    collective = services.save_workshop(k.c, user=k.user, kind="collective", topic="Gérer son budget",
                                        date=TODAY, run_by=k.provider)
    single = services.save_workshop(k.c, user=k.user, kind="individual", topic="Confiance en soi",
                                    date=TODAY, beneficiary=k.bruno)
    services.record_attendance(collective, user=k.user, present=[k.amel.pk])
    services.record_attendance(single, user=k.user, present=[k.bruno.pk])
    rows = dict(Attendance.objects.filter(workshop=collective).values_list("party_id", "present"))
    assert rows == {k.amel.pk: True, k.bruno.pk: False}
    o = selectors.overview(reload(k.c))
    rates = {r.party.pseudonym: (r.attendance.present, r.attendance.expected)
             for r in o.beneficiaries}
    assert rates == {"Amel": (1, 1), "Bruno": (1, 2)}
    assert (o.attendance.present, o.attendance.expected) == (2, 3)
    # Someone not expected at the individual workshop cannot be marked present.
    with pytest.raises(ValidationError, match="Only the parties expected"):
        services.record_attendance(single, user=k.user, present=[k.amel.pk])
    assert Attendance.objects.filter(workshop=single).count() == 1


def test_partner_records_only_its_organisations_follow_up(contract):
    k = contract
    run(k)
    partner = k.t.users["partner"]
    mine = services.save_workshop(k.c, user=k.user, kind="collective", topic="Budget", date=TODAY,
                                  run_by=k.provider)
    theirs = services.save_workshop(k.c, user=k.user, kind="collective", topic="City tour",
                                    date=TODAY, run_by=k.town)
    services.record_attendance(mine, user=partner, present=[k.bruno.pk])
    with pytest.raises(PermissionDenied):
        services.record_attendance(theirs, user=partner, present=[])
    services.record_outcome(k.kept, user=partner, outcome="partly", evidence="One of two")
    amel_commitment = selectors.commitments(k.c).filter(party=k.amel).get()
    with pytest.raises(PermissionDenied):
        services.record_outcome(amel_commitment, user=partner, outcome="kept")
    o = selectors.overview(reload(k.c))
    assert o.kept.share == 50.0 and o.kept.pending == 2


def test_pages_for_each_role(contract, world, login):
    k = contract
    client = login(k.t.users["observer"])
    assert client.get(url("index", k.t)).status_code == 200
    page = client.get(url("detail", k.t, k.c.pk))
    assert page.status_code == 200 and "Amel" in page.content.decode()
    assert client.get(url("party_add", k.t, k.c.pk)).status_code == 403
    assert client.post(url("status", k.t, k.c.pk), {"to": "signed"}).status_code == 403
    assert reload(k.c).status == "draft"
    client = login(k.t.users["partner"])
    assert client.get(url("create", k.t)).status_code == 403
    # Beta's coordinator does not see alpha's contract, nor can change it.
    client = login(world.beta.users["coordinator"])
    beta_url = reverse("contracts:detail", args=[world.beta.territory.slug, k.c.pk])
    assert client.get(beta_url).status_code == 404
    assert client.get(url("detail", k.t, k.c.pk)).status_code == 404
    assert client.post(reverse("contracts:status", args=[world.beta.territory.slug, k.c.pk]),
                       {"to": "signed"}).status_code == 404
    assert reload(k.c).status == "draft"


def test_status_buttons_and_reasons_on_the_page(contract, login):
    k = contract
    client = login(k.t.users["facilitator"])
    page = client.get(url("detail", k.t, k.c.pk)).content.decode()
    assert "Mark as signed" in page and "Every condition is met." in page
    response = client.post(url("status", k.t, k.c.pk), {"to": "closed"}, follow=True)
    assert "A contract that is draft cannot become closed." in response.content.decode()
    assert reload(k.c).status == "draft"
    client.post(url("status", k.t, k.c.pk), {"to": "signed"})
    assert reload(k.c).status == "signed"


def test_forms_create_a_contract_and_refuse_a_foreign_organisation(world, login):
    t = world.alpha
    client = login(t.users["coordinator"])
    response = client.post(url("create", t), {"title": "New one", "review_every_months": "3",
                                              "starts_on": "2026-01-01", "ends_on": "2025-01-01"})
    assert response.status_code == 400
    assert "must come after the start" in response.content.decode()
    response = client.post(url("create", t), {"title": "New one", "review_every_months": "3"})
    c = Contract.objects.of(t.territory).get(title="New one")
    assert response.status_code == 302 and response["Location"].endswith(f"/contracts/{c.pk}/")
    foreign = Organisation.objects.create(territory=world.beta.territory, name="Beta service")
    response = client.post(url("party_add", t, c.pk), {"kind": "provider",
                                                       "organisation": foreign.pk})
    assert response.status_code == 400 and not c.parties.exists()


def test_attendance_page_by_keyboard_form(contract, login):
    k = contract
    run(k)
    w = services.save_workshop(k.c, user=k.user, kind="collective", topic="Budget", date=TODAY,
                               run_by=k.provider)
    client = login(k.t.users["partner"])
    page = client.get(url("attendance", k.t, k.c.pk, w.pk)).content.decode()
    assert f'id="present-{k.amel.pk}"' in page and f'for="present-{k.amel.pk}"' in page
    response = client.post(url("attendance", k.t, k.c.pk, w.pk),
                           {"present": [str(k.amel.pk), str(k.bruno.pk)]})
    assert response.status_code == 302
    assert Attendance.objects.filter(workshop=w, present=True).count() == 2
    summary = client.get(url("summary", k.t, k.c.pk)).content.decode()
    assert "Attendance is recorded for 1 workshop of 1: 2 presences out of 2 expected" in summary
    assert summary.count('<span class="visually-hidden">present</span>') == 2
    page = client.get(url("detail", k.t, k.c.pk)).content.decode()
    # The partner of the social service records its own outcome, not the beneficiaries'.
    assert page.count("Record the outcome") == 1 and "Amel Bruno" in page
    observer = login(k.t.users["observer"])
    assert observer.get(url("attendance", k.t, k.c.pk, w.pk)).status_code == 403
    assert "Record attendance" not in observer.get(url("detail", k.t, k.c.pk)).content.decode()


def test_pdf_names_beneficiaries_by_pseudonym_only(contract, login, world):
    from pypdf import PdfReader

    k = contract
    Workshop.objects.create(territory=k.t.territory, contract=k.c, kind="collective",
                            topic="Gérer son budget", date=TODAY)
    client = login(k.t.users["observer"])
    response, content = pdfs.download(client, url("pdf", k.t, k.c.pk))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    for expected in ("Contrat Alphaville", "Amel", "Bruno", "Social service", "City hall",
                     "Goals of Amel", "Run two workshops", "Gérer son budget", "Signature"):
        assert expected in text, expected
    # Nothing but pseudonyms for beneficiaries: no user name or real-name field exists.
    for secret in (k.user.username, k.t.users["partner"].username):
        assert secret not in text
    # Beta sees neither the contract's PDF nor its job.
    job = Job.objects.get(kind="contracts.contract_pdf")
    beta = login(world.beta.users["coordinator"])
    assert beta.get(url("pdf", world.beta, k.c.pk)).status_code == 404
    assert beta.get(job.get_absolute_url()).status_code == 404
    assert beta.get(job.download_url()).status_code == 404
