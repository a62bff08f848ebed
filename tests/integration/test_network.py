"""Networks of territories: members, charter and signatures, territories side by side,
the global synthesis and its drill-down; who may see and do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cospiral.coding.services import code_card
from cospiral.core.models import AuditEntry
from cospiral.network import selectors, services
from cospiral.network.models import CharterSignature, NetworkMembership
from cospiral.statistics import selectors as stats

TODAY = timezone.localdate()


@pytest.fixture
def net(world):
    """alpha and beta in one network (alpha's coordinator created it and coordinates
    beta too); a third territory, gamma, is not a member. Cards coded: alpha A01 ×2,
    B01 ×1; beta A01 ×1, A03 ×1."""
    from tests.conftest import _make_territory

    a, b = world.alpha, world.beta
    creator = a.users["coordinator"]
    network = services.create_network(user=creator, slug="net", name="Network of towns")
    services.add_member(network, a.territory, user=creator)
    from cospiral.territories.models import Membership

    Membership.objects.create(territory=b.territory, user=creator, role="coordinator")
    services.add_member(network, b.territory, user=creator)
    for t, codes in ((a, ["A01", "A01", "B01"]), (b, ["A01", "A03"])):
        for card, code in zip(t.cards, codes, strict=False):
            code_card(t.territory, card, code=code, user=t.users["coordinator"],
                      seen_updated_at=card.updated_at)
    charter = services.publish_charter(network, user=creator, text_fr="Nous nous engageons.",
                                       text_en="We commit ourselves.", published_on=TODAY)
    gamma = _make_territory("gamma", "Gammaburg", a.territory.grid_version)
    world.gamma = gamma
    return network, charter


def url(name, *args):
    return reverse(f"network:{name}", args=args)


def test_creation_membership_and_audit(world, net):
    network, charter = net
    assert {m.territory.slug for m in selectors.memberships(network)} == {"alpha", "beta"}
    assert charter.number == 1
    assert AuditEntry.objects.filter(territory=world.alpha.territory, model="networkmembership").exists()
    # A network coordinator cannot add a territory they do not coordinate.
    with pytest.raises(PermissionDenied):
        services.add_member(network, world.gamma.territory, user=world.alpha.users["coordinator"])
    # Nor can a territory's observer create a network.
    with pytest.raises(PermissionDenied):
        services.create_network(user=world.alpha.users["observer"], slug="x", name="X")
    with pytest.raises(ValidationError):
        services.add_member(network, world.alpha.territory, user=world.alpha.users["coordinator"])


def test_non_member_territory_gets_404(world, net, login):
    client = login(world.gamma.users["coordinator"])
    for name, args in (("detail", ["net"]), ("compare", ["net"]), ("synthesis", ["net"]),
                       ("component", ["net", "A01"])):
        assert client.get(url(name, *args)).status_code == 404
    assert client.post(url("sign", "net"), {"territory": "gamma"}).status_code == 404
    assert "Network of towns" not in client.get(url("list")).content.decode()


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "partner", "observer"])
def test_members_read_the_network_page(world, net, login, role):
    response = login(world.beta.users[role]).get(url("detail", "net"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alphaville" in page and "Betatown" in page and "Gammaburg" not in page


def test_charter_in_reader_language_with_the_other_available(world, net, login):
    client = login(world.alpha.users["observer"])
    page = client.get(url("detail", "net"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<blockquote lang="fr">' in page and "We commit ourselves." in page


def test_observer_cannot_sign(world, net, login):
    network, charter = net
    response = login(world.alpha.users["observer"]).post(url("sign", "net"), {
        "territory": "alpha", "charter": charter.pk, "signed_on": TODAY.isoformat(),
        "review_on": (TODAY + dt.timedelta(days=365)).isoformat(), "signed_by": "Mayor",
        "commitments": "Run two cycles."})
    assert response.status_code == 403
    assert not CharterSignature.objects.exists()


def test_sign_and_status(world, net, login):
    network, charter = net
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("sign", "net"), {
        "territory": "alpha", "charter": charter.pk, "signed_on": TODAY.isoformat(),
        "review_on": (TODAY + dt.timedelta(days=365)).isoformat(), "signed_by": "Mayor",
        "commitments": "Run two cycles."})
    assert response.status_code == 302
    # Every member is listed: alpha signed, beta not yet.
    rows = {r.territory.slug: r for r in selectors.signatories(network)}
    s = rows["alpha"]
    assert s.status == "signed" and rows["beta"].status == "not_signed"
    page = client.get(url("detail", "net")).content.decode()
    assert "Run two cycles." in page and "status-signed" in page
    services.publish_charter(network, user=world.alpha.users["coordinator"], text_fr="v2", text_en="")
    s = {r.territory.slug: r for r in selectors.signatories(network)}["alpha"]
    assert s.status == "older_version"
    # Beta's coordinator may not sign for alpha (not alpha's coordinator): 403.
    response = login(world.beta.users["coordinator"]).post(url("sign", "net"), {
        "territory": "alpha", "charter": charter.pk, "signed_on": TODAY.isoformat(),
        "review_on": (TODAY + dt.timedelta(days=365)).isoformat(), "signed_by": "X",
        "commitments": "Y"})
    assert response.status_code == 403


def test_signing_bad_dates_and_another_networks_version_refused(world, net, login):
    network, charter = net
    creator = world.alpha.users["coordinator"]
    other = services.create_network(user=creator, slug="other", name="Other")
    services.add_member(other, world.alpha.territory, user=creator)
    foreign = services.publish_charter(other, user=creator, text_fr="Autre", text_en="")
    client = login(creator)
    data = {"territory": "alpha", "charter": foreign.pk, "signed_on": TODAY.isoformat(),
            "review_on": (TODAY + dt.timedelta(days=365)).isoformat(), "signed_by": "Mayor",
            "commitments": "Run two cycles."}
    response = client.post(url("sign", "net"), data)
    assert response.status_code == 400
    assert "belongs to another network" in response.content.decode()
    response = client.post(url("sign", "net"), {
        **data, "charter": charter.pk, "signed_on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 400 and "is in the future" in response.content.decode()
    response = client.post(url("sign", "net"), {**data, "charter": charter.pk,
                                                "review_on": TODAY.isoformat()})
    assert response.status_code == 400 and "must come after the signature" in response.content.decode()
    assert not CharterSignature.objects.exists()


def test_comparison_side_by_side(world, net, login, make_wave):
    made = make_wave(world.alpha)
    from cospiral.surveys import services as survey_services

    survey_services.publish_results(made.wave, user=world.alpha.users["coordinator"])
    client = login(world.alpha.users["observer"])
    response = client.get(url("compare", "net"), {"territory": ["alpha", "beta"], "family": "A"})
    assert response.status_code == 200
    ctx = response.context
    families = {row["code"]: [c["count"] for c in row["cells"]] for row in ctx["profile"]["families"]}
    assert families == {"A": [2, 2], "B": [1, 0]}
    components = {row["code"]: [c["count"] for c in row["cells"]] for row in ctx["profile"]["components"]}
    assert components["A01"] == [2, 1] and components["A03"] == [0, 1]
    assert [r.code for r in ctx["indicator_rows"]] == sorted(i.code for i in made.indicators)
    assert all(r.cells[1] is None for r in ctx["indicator_rows"])  # beta has no wave


def test_comparison_refuses_duplicates_and_different_grid_versions(world, net, login):
    from cospiral.grid.models import GridVersion
    from tests.conftest import _make_territory

    network, _ = net
    other_grid = GridVersion.objects.create(slug="other-grid", name="Other grid")
    delta = _make_territory("delta", "Deltaville", other_grid)
    services.add_member(network, delta.territory, user=_superuser())
    client = login(world.alpha.users["coordinator"])
    response = client.get(url("compare", "net"), {"territory": ["alpha", "delta"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "different grid versions" in page and "import a mapping" in page
    assert "Test grid (test-grid): alpha" in page and "Other grid (other-grid): delta" in page
    response = client.get(url("compare", "net"), {"territory": ["alpha", "alpha"]})
    assert response.status_code == 400
    assert "chosen more than once: alpha" in response.content.decode()
    response = client.get(url("compare", "net"), {"territory": ["alpha", "gamma"]})
    assert response.status_code == 400
    assert "Not member territories of this network: gamma" in response.content.decode()


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root-net", password="x-2026-long-pass")


def test_global_synthesis_equals_sum_of_territories(world, net, login):
    client = login(world.beta.users["observer"])
    response = client.get(url("synthesis", "net"))
    assert response.status_code == 200
    report = response.context["report"]
    table = report.table("components")
    total = {row[0]: row[[c.key for c in table.columns].index("total_count")] for row in table.rows}
    expected = {}
    for t in (world.alpha.territory, world.beta.territory):
        own = stats.report([t], subject="", title="").table("components")
        at = [c.key for c in own.columns].index("total_count")
        for row in own.rows:
            expected[row[0]] = expected.get(row[0], 0) + row[at]
    assert total == {k: v for k, v in expected.items() if v} == {"A01": 3, "B01": 1, "A03": 1}
    assert report.coded == 5
    page = response.content.decode()
    for code in ("A01", "A03", "B01"):
        assert f'href="{url("component", "net", code)}"' in page
    # Filtered by group profile: the fixture's groups share one profile.
    response = client.get(url("synthesis", "net"), {"profile": "young people 15-25"})
    assert response.status_code == 200 and response.context["report"].coded == 5
    response = client.get(url("synthesis", "net"), {"profile": "nobody"})
    assert response.context["report"].coded == 0


def test_drill_down_and_example_cards(world, net, login):
    client = login(world.gamma.users["coordinator"])
    assert client.get(url("component", "net", "A01")).status_code == 404
    client = login(world.beta.users["observer"])
    response = client.get(url("component", "net", "A01"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(slug, n) for slug, _name, n, _share in rows] == [("alpha", 2), ("beta", 1)]
    page = response.content.decode()
    # Beta's observer sees beta's own card texts, not alpha's (alpha does not publish them).
    assert "Betatown secret card 0" in page and "Alphaville secret card" not in page
    assert response.context["withheld"] == 1
    world.alpha.territory.publish_card_texts = True
    world.alpha.territory.save()
    page = client.get(url("component", "net", "A01")).content.decode()
    assert "Alphaville secret card 0" in page and "Alphaville secret card 1" in page
    assert client.get(url("component", "net", "ZZZ")).status_code == 404


def test_leave_and_create_pages(world, net, login):
    network, _ = net
    client = login(world.beta.users["coordinator"])
    response = client.post(url("remove_member", "net"), {"territory": "beta"})
    assert response.status_code == 302
    assert not NetworkMembership.objects.filter(network=network, territory=world.beta.territory).exists()
    # An observer of beta cannot take alpha out.
    response = login(world.alpha.users["observer"]).post(url("remove_member", "net"), {"territory": "alpha"})
    assert response.status_code == 403
    response = login(world.gamma.users["coordinator"]).post(url("list"), {"slug": "net", "name": "Dup"})
    assert response.status_code == 400 and "already exists" in response.content.decode()
    response = login(world.gamma.users["observer"]).post(url("list"), {"slug": "g", "name": "G"})
    assert response.status_code == 403


def _other_grid_territory(network):
    """delta, a member on another grid version (family C: C01, C02), with cards coded
    C01 ×2 and C02 ×1."""
    from cospiral.grid.models import GridEntry, GridVersion
    from tests.conftest import _make_territory

    grid = GridVersion.objects.create(slug="other-grid", name="Other grid")
    family = GridEntry.objects.create(version=grid, code="C", kind="family",
                                      labels={"fr": "Famille C", "en": "Family C"}, position=0)
    for i, code in enumerate(["C01", "C02"], start=1):
        GridEntry.objects.create(version=grid, code=code, kind="component", parent=family,
                                 labels={"fr": code, "en": code}, position=i)
    delta = _make_territory("delta", "Deltaville", grid)
    services.add_member(network, delta.territory, user=_superuser())
    for card, code in zip(delta.cards, ["C01", "C01", "C02"], strict=True):
        code_card(delta.territory, card, code=code, user=delta.users["coordinator"],
                  seen_updated_at=card.updated_at)
    return delta, grid


def test_comparison_through_an_imported_mapping(world, net, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cospiral.network.models import GridMapping

    network, _ = net
    delta, grid = _other_grid_territory(network)
    test_grid = world.alpha.territory.grid_version
    client = login(world.alpha.users["coordinator"])
    response = client.get(url("compare", "net"), {"territory": ["alpha", "delta"]})
    assert response.status_code == 400
    assert "import a mapping from Other grid (other-grid) to Test grid (test-grid)" in \
        response.content.decode()
    # A bad file is refused whole, naming the line and the column.
    bad = SimpleUploadedFile("map.csv", b"from_code,to_code\nC01,A01\nC09,A01\nC02,Z99\n")
    response = client.post(url("mapping", "net"), {"from_version": grid.pk,
                                                   "to_version": test_grid.pk, "file": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "map.csv, line 3, column “from_code”" in page and "C09" in page
    assert "line 4, column “to_code”" in page and "Z99" in page
    assert not GridMapping.objects.exists()
    # Observers do not import mappings.
    good = b"from_code,to_code\nC01,A01\n"
    response = login(world.alpha.users["observer"]).post(url("mapping", "net"), {
        "from_version": grid.pk, "to_version": test_grid.pk,
        "file": SimpleUploadedFile("map.csv", good)})
    assert response.status_code == 403
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("mapping", "net"), {"from_version": grid.pk, "to_version": test_grid.pk,
                                                   "file": SimpleUploadedFile("map.csv", good)})
    assert response.status_code == 302
    assert GridMapping.objects.count() == 1
    response = client.get(url("compare", "net"), {"territory": ["alpha", "delta"], "family": "A"})
    assert response.status_code == 200
    profile = response.context["profile"]
    families = {row["code"]: [c["count"] for c in row["cells"]] for row in profile["families"]}
    assert families == {"A": [2, 2], "B": [1, 0]}
    assert profile["not_mapped"] == [0, 1]  # delta's C02 card
    components = {row["code"]: [c["count"] for c in row["cells"]] for row in profile["components"]}
    assert components["A01"] == [2, 2]


def test_closed_unpublished_results_only_for_the_territorys_coordinators(world, net, login, make_wave):
    made = make_wave(world.alpha)
    made.wave.closes_at = timezone.now() - dt.timedelta(days=1)
    made.wave.save()
    params = {"territory": ["alpha", "beta"]}
    own = login(world.alpha.users["coordinator"]).get(url("compare", "net"), params)
    assert own.status_code == 200 and own.context["waves"][0] == made.wave
    assert len(own.context["indicator_rows"]) == 3
    # Its observers see only published results (issue 13): none yet.
    observer = login(world.alpha.users["observer"]).get(url("compare", "net"), params)
    assert observer.status_code == 200 and observer.context["waves"][0] is None
    other = login(world.beta.users["coordinator"]).get(url("compare", "net"), params)
    assert other.status_code == 200 and other.context["waves"][0] is None
    assert other.context["indicator_rows"] == []
