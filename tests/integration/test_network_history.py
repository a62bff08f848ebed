"""Networks with a history (issue 15, point 6): a lead territory, charter versions dated
when they were adopted (in the past too) and signatures dated as they happened, every
member in the signatories table with its state, an imported territory added to a
network by its importer, and "no data" never shown as 0. Two territories (and more)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cospiral.coding.services import code_card
from cospiral.core.models import AuditEntry
from cospiral.network import selectors, services
from cospiral.network.models import NetworkCoordinator, NetworkMembership
from cospiral.packages import services as packages
from cospiral.territories.models import Membership

TODAY = timezone.localdate()


def url(name, *args):
    return reverse(f"network:{name}", args=args)


@pytest.fixture
def together(world):
    """TOGETHER: alpha and beta members, created by alpha's coordinator (who coordinates
    beta too)."""
    a, b = world.alpha, world.beta
    creator = a.users["coordinator"]
    network = services.create_network(user=creator, slug="together", name="TOGETHER")
    Membership.objects.create(territory=b.territory, user=creator, role="coordinator")
    for t in (a, b):
        services.add_member(network, t.territory, user=creator)
    return network, creator


def test_a_lead_territory_one_at_a_time(world, together, login):
    network, creator = together
    client = login(creator)
    assert client.post(url("set_lead", "together"), {"territory": "alpha"}).status_code == 302
    assert selectors.lead(network) == world.alpha.territory
    page = client.get(url("detail", "together")).content.decode()
    assert "Lead territory (« chef de file »):" in page and "<strong>Alphaville</strong>" in page
    client.post(url("set_lead", "together"), {"territory": "beta"})
    leads = NetworkMembership.objects.filter(network=network, is_lead=True)
    assert [m.territory.slug for m in leads] == ["beta"]
    assert AuditEntry.objects.filter(territory=world.alpha.territory, model="networkmembership",
                                     changes__is_lead=["True", "False"]).exists()
    # The lead comes first in the signatories table.
    assert [s.territory.slug for s in selectors.signatories(network)] == ["beta", "alpha"]
    # Not a member: refused, the lead stays.
    from tests.conftest import _make_territory

    gamma = _make_territory("gamma", "Gammaburg", world.alpha.territory.grid_version)
    with pytest.raises(ValidationError, match="not a member"):
        services.set_lead(network, gamma.territory, user=creator)
    # A member territory's coordinator who does not coordinate the network: 403.
    other = login(world.beta.users["coordinator"])
    assert other.post(url("set_lead", "together"), {"territory": "beta"}).status_code == 403
    assert other.post(url("set_lead", "together"), {"territory": ""}).status_code == 403
    assert selectors.lead(network) == world.beta.territory
    # No lead at all.
    client = login(creator)
    client.post(url("set_lead", "together"), {"territory": ""})
    assert selectors.lead(network) is None


def test_charter_versions_and_signatures_dated_in_the_past(world, together, login):
    network, creator = together
    client = login(creator)
    r = client.post(url("publish_charter", "together"), {
        "text_fr": "Charte 2009", "text_en": "", "published_on": "2009-03-01"})
    assert r.status_code == 302
    v1 = selectors.current_charter(network)
    assert v1.published_on == dt.date(2009, 3, 1)
    # A version in the future, or before the previous one: refused, nothing written.
    r = client.post(url("publish_charter", "together"), {
        "text_fr": "Future", "published_on": (TODAY + dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 400 and "is in the future" in r.content.decode()
    r = client.post(url("publish_charter", "together"), {
        "text_fr": "Too early", "published_on": "2008-12-31"})
    assert r.status_code == 400
    assert "is before the date of the previous version" in r.content.decode()
    assert selectors.charters(network) == [v1]
    # Alpha signed version 1 in June 2009; a signature before the version is refused.
    common = {"signed_by": "Mayor", "commitments": "Run the method."}
    r = client.post(url("sign", "together"), {
        "territory": "alpha", "charter": v1.pk, "signed_on": "2009-02-01",
        "review_on": "2010-02-01", **common})
    assert r.status_code == 400 and "before this charter version was published" in r.content.decode()
    r = client.post(url("sign", "together"), {
        "territory": "alpha", "charter": v1.pk, "signed_on": "2009-06-01",
        "review_on": "2012-06-01", **common})
    assert r.status_code == 302
    v2 = services.publish_charter(network, user=creator, text_fr="", text_en="Charter 2012",
                                  published_on=dt.date(2012, 1, 10))
    services.sign(network, world.beta.territory, user=creator, charter=v2,
                  signed_on=dt.date(2012, 2, 1), review_on=TODAY + dt.timedelta(days=400),
                  **common)
    from tests.conftest import _make_territory

    gamma = _make_territory("gamma", "Gammaburg", world.alpha.territory.grid_version)
    Membership.objects.create(territory=gamma.territory, user=creator, role="coordinator")
    services.add_member(network, gamma.territory, user=creator)
    states = {s.territory.slug: s.status for s in selectors.signatories(network)}
    assert states == {"alpha": "older_version", "beta": "signed", "gamma": "not_signed"}
    # Review due when the date comes near.
    soon = TODAY + dt.timedelta(days=350)
    assert {s.territory.slug: s.status
            for s in selectors.signatories(network, today=soon)}["beta"] == "review_due"
    page = client.get(url("detail", "together")).content.decode()
    for text in ("Signed an older version", "Not signed", "no signature recorded", "Gammaburg"):
        assert text in page, text
    client.cookies["django_language"] = "fr"
    page = client.get(url("detail", "together"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Non signé" in page and "Chef de file" in page


def test_an_imported_territory_joins_the_network_of_its_importer(world, together, login):
    network, creator = together
    a, b = world.alpha, world.beta
    data = packages.export_package(a.territory)
    a.territory.slug = "alpha-source"
    a.territory.save(update_fields=["slug"])
    importer = b.users["coordinator"]
    NetworkCoordinator.objects.create(network=network, user=importer)
    imported = packages.import_package(data, "alpha.zip", user=importer)
    assert Membership.objects.get(territory=imported, user=importer).role == "observer"
    # Another network coordinator, who did not import it, may not add it.
    with pytest.raises(PermissionDenied):
        services.add_member(network, imported, user=creator)
    assert imported not in selectors.addable_territories(network, creator)
    # Its importer may: it is offered, and added through the page.
    client = login(importer)
    assert imported in selectors.addable_territories(network, importer)
    page = client.get(url("detail", "together")).content.decode()
    assert 'value="alpha"' in page and "Add a territory you coordinate or imported" in page
    r = client.post(url("add_member", "together"), {"territory": "alpha"})
    assert r.status_code == 302
    assert NetworkMembership.objects.filter(network=network, territory=imported).exists()
    assert AuditEntry.objects.filter(territory=imported, model="networkmembership",
                                     user=importer).exists()
    # It is listed among the signatories as not signed; it still cannot sign here.
    states = {s.territory.pk: s.status for s in selectors.signatories(network)}
    assert states[imported.pk] == "not_signed"
    # The importer's role in the imported copy gives nothing in the source territory.
    assert not Membership.objects.filter(territory=a.territory, user=importer).exists()


def test_a_territory_with_no_coded_card_has_no_data_not_zero(world, together, login):
    a = world.alpha
    for card, code in zip(a.cards, ["A01", "A01", "B01"], strict=False):
        code_card(a.territory, card, code=code, user=a.users["coordinator"],
                  seen_updated_at=card.updated_at)
    client = login(a.users["observer"])
    r = client.get(url("compare", "together"), {"territory": ["alpha", "beta"], "family": "A"})
    assert r.status_code == 200
    families = {row["code"]: row["cells"] for row in r.context["profile"]["families"]}
    assert families["A"][0]["count"] == 2 and families["A"][1] is None
    # Beta's column says "no data" on every row; alpha's real zeros stay counts.
    rows = len(families) + len(r.context["profile"]["components"])
    page = r.content.decode()
    assert page.count('<span class="muted">no data</span>') == rows
    assert "0 (0%)" in page  # alpha's A03: coded cards exist, none on A03
    client.cookies["django_language"] = "fr"
    page = client.get(url("compare", "together"), {"territory": ["alpha", "beta"]},
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert page.count("pas de données") == len(families)
