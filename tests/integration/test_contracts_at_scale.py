"""Contracts at the scale of the seed (issue 15, point 5): a list of pseudonyms, one
commitment for every beneficiary, every party signing on one date, amendments after
signing, a contract recorded after the fact (started in the past), and the edit forms of
a signed contract replaced by the way to amend it. Two territories throughout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cospiral.contracts import amendments, bulk, services
from cospiral.contracts.models import Amendment, Contract, ContractCommitment, ContractParty
from cospiral.core.models import AuditEntry
from cospiral.territories.models import Organisation

TODAY = timezone.localdate()
NAMES = ["Amel", "Bruno", "Chloé", "Dario", "Eva", "Farid", "Gina", "Hugo", "Inès", "Jules",
         "Karim", "Léa"]


def url(name, t, *args):
    return reverse(f"contracts:{name}", args=[t.territory.slug, *args])


def draft(t, *, starts_on=None, ends_on=None, title="Contrat des douze"):
    user = t.users["coordinator"]
    starts_on = starts_on or TODAY - dt.timedelta(days=30)
    c = services.save_contract(t.territory, user=user, title=title, starts_on=starts_on,
                               ends_on=ends_on or starts_on + dt.timedelta(days=300))
    org = Organisation.objects.create(territory=t.territory, name=f"Social {t.territory.slug}")
    provider = services.save_party(c, user=user, kind="provider", organisation=org)
    return c, provider, user


def twelve(client, t, c, provider):
    """The seed's contract through the pages: 12 beneficiaries, 2 commitment templates,
    12 projects, one signature form."""
    text = "\n".join(NAMES[:6]) + "\n\n" + "\n".join(NAMES[6:]) + "\n"
    r = client.post(url("beneficiaries_add", t, c.pk), {"pseudonyms": text}, follow=True)
    page = r.content.decode()
    assert "12 beneficiaries added." in page and "Line 7 was empty and was skipped." in page
    r = client.post(url("commitment_template", t, c.pk), {
        "direction": "from_each", "what": "Come to the workshops", "party": provider.pk})
    assert r.status_code == 302
    r = client.post(url("commitment_template", t, c.pk), {
        "direction": "towards_each", "what": "A monthly interview", "party": provider.pk})
    assert r.status_code == 302
    for p in c.parties.filter(kind="beneficiary"):
        services.save_project(c, user=t.users["coordinator"], beneficiary=p, goals="Budget")


def test_the_twelve_beneficiary_contract_in_a_few_forms(world, login):
    a, b = world.alpha, world.beta
    c, provider, _user = draft(a)
    other, other_provider, _ = draft(b, title="Beta contract")
    client = login(a.users["coordinator"])
    form = client.get(url("commitment_template", a, c.pk)).content.decode()
    assert "<fieldset><legend>Who commits" in form  # the radio buttons under one legend
    twelve(client, a, c, provider)
    assert list(c.parties.filter(kind="beneficiary").values_list("pseudonym", flat=True)) == NAMES
    assert ContractCommitment.objects.filter(contract=c).count() == 24
    assert ContractCommitment.objects.filter(contract=c, party=provider).count() == 12
    # The same template again adds nothing and says so.
    r = client.post(url("commitment_template", a, c.pk), {
        "direction": "from_each", "what": "Come to the workshops", "party": provider.pk},
        follow=True)
    assert "0 commitments added. 12 beneficiaries already had it" in r.content.decode()
    day = TODAY - dt.timedelta(days=40)
    r = client.post(url("sign_all", a, c.pk), {"date": day.isoformat(), "mark_signed": "on"},
                    follow=True)
    assert "13 parties now signed on this date. The contract is now signed." in r.content.decode()
    c.refresh_from_db()
    assert c.status == "signed" and c.signed_on == day
    assert set(c.parties.values_list("signed_on", flat=True)) == {day}
    # Beta is neither seen nor touched: its pages refuse alpha's contract, its own is bare.
    assert not other.parties.filter(kind="beneficiary").exists()
    assert other.status == "draft" and not other_provider.signed_on
    beta = login(b.users["coordinator"])
    for name in ("beneficiaries_add", "commitment_template", "sign_all", "amend"):
        assert beta.get(reverse(f"contracts:{name}", args=[b.territory.slug, c.pk])).status_code == 404
        assert beta.post(url(name, a, c.pk), {"pseudonyms": "X"}).status_code == 404
    assert c.parties.count() == 13


def test_a_list_with_duplicates_is_refused_whole_with_each_line(world, login):
    t = world.alpha
    c, _provider, user = draft(t)
    services.save_party(c, user=user, kind="beneficiary", pseudonym="Amel")
    client = login(t.users["facilitator"])
    r = client.post(url("beneficiaries_add", t, c.pk),
                    {"pseudonyms": "Bruno\n\n amel \nChloé\nbruno\n" + "x" * 61})
    page = r.content.decode()
    assert r.status_code == 400
    assert "Line 3: “amel” is already a beneficiary of this contract." not in page
    assert "Line 3: “Amel” is already a beneficiary of this contract." in page
    assert "Line 5: “bruno” is already on line 1." in page
    assert "Line 6: the pseudonym has 61 characters; at most 60 are allowed." in page
    assert list(c.parties.filter(kind="beneficiary").values_list("pseudonym", flat=True)) == ["Amel"]
    r = client.post(url("beneficiaries_add", t, c.pk), {"pseudonyms": "\n \n"})
    assert r.status_code == 400
    # The form's own "required" or the service's sentence: both say what is missing.
    assert c.parties.count() == 2
    # An observer may not add anyone.
    observer = login(t.users["observer"])
    assert observer.post(url("beneficiaries_add", t, c.pk), {"pseudonyms": "Zoé"}).status_code == 403
    assert not c.parties.filter(pseudonym="Zoé").exists()


def test_signing_all_refused_whole_when_the_contract_cannot_be_signed(world):
    t = world.alpha
    c, provider, user = draft(t)
    bulk.add_beneficiaries(c, user=user, text="Amel\nBruno")
    with pytest.raises(ValidationError) as error:
        bulk.sign_all(c, user=user, date=TODAY, mark_signed=True)
    assert "no individual project" in str(error.value)
    assert not c.parties.exclude(signed_on=None).exists()  # nothing half-written
    with pytest.raises(ValidationError, match="in the future"):
        bulk.sign_all(c, user=user, date=TODAY + dt.timedelta(days=1))
    services.save_party(c, user=user, party=provider, kind="provider",
                        organisation=provider.organisation, signed_on=TODAY - dt.timedelta(days=9))
    _, dated = bulk.sign_all(c, user=user, date=TODAY)
    assert dated == 2  # the provider keeps its own date
    assert ContractParty.objects.get(pk=provider.pk).signed_on == TODAY - dt.timedelta(days=9)
    assert Contract.objects.get(pk=c.pk).status == "draft"


def _signed(t, **kwargs):
    c, provider, user = draft(t, **kwargs)
    amel, = bulk.add_beneficiaries(c, user=user, text="Amel", signed_on=TODAY - dt.timedelta(days=50))[0]
    services.save_project(c, user=user, beneficiary=amel, goals="Budget")
    bulk.apply_commitment_template(c, user=user, what="Come", direction="from_each", party=provider)
    bulk.apply_commitment_template(c, user=user, what="Help", direction="towards_each", party=provider)
    c, _ = bulk.sign_all(c, user=user, date=TODAY - dt.timedelta(days=50), mark_signed=True)
    return c, amel, provider, user


def test_an_amendment_is_a_new_version_with_what_changed_and_why(world, login):
    a, b = world.alpha, world.beta
    start = TODAY + dt.timedelta(days=30)
    c, _amel, _provider, user = _signed(a, starts_on=start)
    other, *_ = _signed(b, starts_on=start)
    # Signed with a start in the future: it cannot run yet...
    assert any("through an amendment" in r for r in services.refusals(c, "running"))
    client = login(a.users["coordinator"])
    # ... and its edit forms do not open: the page says why and offers the amendment.
    for name, args in (("edit", []), ("party_add", []), ("beneficiaries_add", []),
                       ("commitment_add", []), ("commitment_template", []), ("sign_all", [])):
        r = client.get(url(name, a, c.pk, *args))
        page = r.content.decode()
        assert r.status_code == 409 and "This contract can no longer be edited" in page
        assert url("amend", a, c.pk) in page and "<form" not in page.split("<main")[-1]
    r = client.post(url("edit", a, c.pk), {"title": "Changed", "review_every_months": "3"})
    assert r.status_code == 409 and Contract.objects.get(pk=c.pk).title == "Contrat des douze"
    # The amendment moves the start to the past: the work began earlier than written.
    started = TODAY - dt.timedelta(days=20)
    r = client.post(url("amend", a, c.pk), {
        "date": TODAY.isoformat(), "reason": "The workshops began on the 1st.",
        "title": "Contrat des douze", "starts_on": started.isoformat(),
        "ends_on": c.ends_on.isoformat(), "review_every_months": "2"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.starts_on == started and c.review_every_months == 2 and c.status == "signed"
    amendment = Amendment.objects.get(contract=c)
    assert amendment.number == 1 and amendment.version == 2
    assert amendment.changes == {"starts_on": [str(start), str(started)],
                                 "review_every_months": ["3", "2"]}
    entry = AuditEntry.objects.filter(territory=a.territory, model="contract",
                                      object_id=str(c.pk)).latest("id")
    assert "amendment 1 (version 2): The workshops began on the 1st." in entry.summary
    assert entry.changes["starts_on"] == [str(start), str(started)]
    page = client.get(url("detail", a, c.pk)).content.decode()
    assert "Amendment 1 (version 2)" in page and "The workshops began on the 1st." in page
    assert "Review every (months)" in page or "review every (months)" in page.lower()
    # Now it starts: the first period begins on the amended (past) start date.
    c = services.change_status(c, user=user, target="running")
    assert c.running_since == started
    # Nothing that changes nothing, no reason, a date in the future: refused, nothing written.
    same = dict(title=c.title, starts_on=c.starts_on, ends_on=c.ends_on, review_every_months=2)
    with pytest.raises(ValidationError, match="changes none of the terms"):
        amendments.amend(c, user=user, date=TODAY, reason="Nothing", **same)
    with pytest.raises(ValidationError, match="cannot be empty"):
        amendments.amend(c, user=user, date=TODAY, reason=" ", **{**same, "title": "New"})
    with pytest.raises(ValidationError, match="cannot move into the future"):
        amendments.amend(c, user=user, date=TODAY, reason="Later",
                         **{**same, "starts_on": TODAY + dt.timedelta(days=2)})
    with pytest.raises(ValidationError, match="in the future"):
        amendments.amend(c, user=user, date=TODAY + dt.timedelta(days=1), reason="x",
                         **{**same, "title": "New"})
    assert Amendment.objects.filter(contract=c).count() == 1
    # Beta's contract was not touched; beta cannot amend alpha's.
    other.refresh_from_db()
    assert other.starts_on == start and not other.amendments.exists()
    beta = login(b.users["coordinator"])
    assert beta.post(url("amend", a, c.pk), {"reason": "x"}).status_code == 404
    # The observer reads the amendment, cannot make one.
    observer = login(a.users["observer"])
    assert "Amendment 1 (version 2)" in observer.get(url("detail", a, c.pk)).content.decode()
    assert observer.get(url("amend", a, c.pk)).status_code == 403
    # In French too (last: the language of the page stays active in this thread).
    client = login(a.users["coordinator"])
    client.cookies["django_language"] = "fr"
    page = client.get(url("detail", a, c.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Avenant 1 (version 2)" in page and "Faire un avenant au contrat" in page
    locked = client.get(url("edit", a, c.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ce contrat ne peut plus être modifié" in locked


def test_a_contract_recorded_after_the_fact_runs_from_its_past_start(world):
    """TOGETHER's contract ran years ago: signed, started, reviewed, attended, evaluated
    and closed, every date in the past."""
    t = world.alpha
    start = dt.date(2010, 1, 4)
    c, provider, user = draft(t, starts_on=start, ends_on=dt.date(2010, 12, 17))
    amel, bruno = bulk.add_beneficiaries(c, user=user, text="Amel\nBruno")[0]
    for p in (amel, bruno):
        services.save_project(c, user=user, beneficiary=p, goals="Budget")
    bulk.apply_commitment_template(c, user=user, what="Come", direction="from_each", party=provider)
    bulk.apply_commitment_template(c, user=user, what="Run", direction="towards_each", party=provider)
    c, _ = bulk.sign_all(c, user=user, date=dt.date(2009, 12, 15), mark_signed=True)
    c = services.change_status(c, user=user, target="running")
    assert c.running_since == start and c.signed_on == dt.date(2009, 12, 15)
    w = services.save_workshop(c, user=user, kind="collective", topic="Budget", date=dt.date(2010, 2, 1))
    services.record_attendance(w, user=user, present=[amel.pk])
    services.add_review(c, user=user, date=dt.date(2010, 4, 6), notes="On track")
    c = services.change_status(c, user=user, target="reviewed")
    for p in (amel, bruno):
        services.save_exit(c, user=user, beneficiary=p, date=dt.date(2010, 12, 17), outcome="Job",
                           goals_reached="all")
    for commitment in ContractCommitment.objects.filter(contract=c):
        services.record_outcome(commitment, user=user, outcome="kept")
    c = services.change_status(c, user=user, target="closed")
    assert c.status == "closed"
    # A closed contract is final: neither edited nor amended.
    with pytest.raises(ValidationError, match="closed contract is final"):
        amendments.amend(c, user=user, date=TODAY, reason="x", title="Other", starts_on=start,
                         ends_on=c.ends_on)
    assert not ContractParty.objects.filter(territory=world.beta.territory).exists()


def test_the_printed_contract_names_its_amendments(world):
    import io

    from pypdf import PdfReader

    from cospiral.contracts.jobs import render_contract

    t = world.alpha
    c, _amel, _provider, user = _signed(t)
    amendments.amend(c, user=user, date=TODAY, reason="Longer by a month", title=c.title,
                     starts_on=c.starts_on, ends_on=c.ends_on + dt.timedelta(days=30))
    c.refresh_from_db()
    content = render_contract(t.territory, c, now=timezone.now(), base_url=None)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Amendment 1 (version 2)" in text and "Longer by a month" in text
