"""Grid pages through the Django test client: site pages, import, territory grid pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cospiral.grid import services
from cospiral.grid.models import GridEntry, GridVersion

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "facilitator", "partner", "observer")
GRID = ("code,label_fr,label_en,description_fr,description_en,source\n"
        "A,Accès,Access,,,published\nA00,Général,General,,,draft\n").encode()


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("grid-admin", password="x", is_staff=True)


# Site pages -----------------------------------------------------------------------------

def test_grid_pages_need_sign_in(client, grid_version):
    for url in (reverse("grid:list"), reverse("grid:detail", args=["test-grid"]),
                reverse("grid:export", args=["test-grid"]), reverse("grid:import")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_shows_versions_status_counts_and_based_on(world, login):
    version = world.alpha.territory.grid_version
    services.freeze(version)
    services.derive_version(version, slug="test-grid-2", name="Test grid, second edition")
    services.add_local_component(world.alpha.territory, family_code="A", labels={"en": "Gardens"})
    client = login(world.beta.users["observer"])
    page = client.get(reverse("grid:list")).content.decode()
    assert "Test grid, second edition" in page and "test-grid-2" in page
    assert "Frozen since" in page and "Open for changes" in page
    assert "7 (5 components)" in page  # local components are not counted in the shared grid
    assert reverse("grid:detail", args=["test-grid"]) in page
    assert reverse("grid:import") not in page


def test_detail_shows_families_components_both_languages_and_draft_badge(world, login):
    version = services.default_version()
    client = login(world.alpha.users["partner"])
    response = client.get(reverse("grid:detail", args=[version.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="grid-family"') == 8
    assert "A03" in page and "Housing, furnishing, urban planning of housing" in page
    assert 'lang="fr">Logement, équipement, urbanisme de l&#x27;habitat' in page
    assert "badge-draft" in page and "H06" in page
    assert '<th scope="row"><code>A01</code></th>' in page
    # Search by code or label, in either language.
    page = client.get(reverse("grid:detail", args=[version.slug]), {"q": "logement"}).content.decode()
    assert "<code>A03</code>" in page and "<code>A01</code>" not in page and page.count('class="grid-family"') == 1
    page = client.get(reverse("grid:detail", args=[version.slug]), {"q": "g0"}).content.decode()
    assert "<code>G06</code>" in page and "<code>A03</code>" not in page
    page = client.get(reverse("grid:detail", args=[version.slug]), {"q": "zzzz"}).content.decode()
    assert "Nothing matches" in page
    # In French, the French label comes first and the English one stays visible.
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("grid:detail", args=[version.slug]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span lang="fr">Alimentation et boissons</span><br><small class="muted other-lang" lang="en">Food and drink</small>' in page


def test_detail_never_shows_local_components(world, login):
    services.add_local_component(world.alpha.territory, family_code="A", labels={"en": "Alpha secret garden"})
    page = login(world.beta.users["coordinator"]).get(reverse("grid:detail", args=["test-grid"])).content.decode()
    assert "Alpha secret garden" not in page and "AL01" not in page


def test_unknown_version_is_404(world, login):
    client = login(world.alpha.users["observer"])
    assert client.get(reverse("grid:detail", args=["nope"])).status_code == 404
    assert client.get(reverse("grid:export", args=["nope"])).status_code == 404


def test_export_downloads_the_shared_grid_csv(world, login):
    services.add_local_component(world.alpha.territory, family_code="A", labels={"en": "Alpha secret"})
    response = login(world.alpha.users["coordinator"]).get(reverse("grid:export", args=["test-grid"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="test-grid.csv"' in response["Content-Disposition"]
    assert response.content == services.export_grid_csv(world.alpha.territory.grid_version).encode()
    assert b"Alpha secret" not in response.content


# Import ---------------------------------------------------------------------------------

def test_import_is_for_site_administrators_only(world, login):
    for role in ROLES:
        client = login(world.alpha.users[role])
        assert client.get(reverse("grid:import")).status_code == 403
        response = client.post(reverse("grid:import"), {
            "file": SimpleUploadedFile("g.csv", GRID), "slug": "x", "name": "X"})
        assert response.status_code == 403
    assert not GridVersion.objects.filter(slug="x").exists()


def test_staff_imports_a_grid(staff, login, grid_version):
    client = login(staff)
    page = client.get(reverse("grid:list")).content.decode()
    assert reverse("grid:import") in page
    response = client.post(reverse("grid:import"), {
        "file": SimpleUploadedFile("g.csv", GRID), "slug": "mine", "name": "Mine",
        "based_on": "test-grid"})
    assert response.status_code == 302
    assert response["Location"] == reverse("grid:detail", args=["mine"])
    version = GridVersion.objects.get(slug="mine")
    assert (version.name, version.based_on, version.entries.count()) == ("Mine", grid_version, 2)


def test_rejected_import_lists_every_error_and_stores_nothing(staff, login, grid_version):
    data = GRID + b"A00,Encore,Again,,,\nB01,Orphelin,Orphan,,,\nZZ,Mauvais,Bad,,,\n"
    response = login(staff).post(reverse("grid:import"), {
        "file": SimpleUploadedFile("bad.csv", data), "slug": "test-grid", "name": "Bad"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "4 problems" in page and "Nothing was stored" in page
    assert "bad.csv: a grid version “test-grid” already exists" in page
    assert "bad.csv, line 4, column “code”: the code “A00” appears twice, on line 3 and on line 4" in page
    assert "bad.csv, line 5, column “code”" in page and "family “B”" in page
    assert "bad.csv, line 6, column “code”: “ZZ” is not a grid code" in page
    assert GridVersion.objects.count() == 1 and GridEntry.objects.count() == 7


def test_import_form_errors_without_file(staff, login):
    response = login(staff).post(reverse("grid:import"), {"slug": "", "name": ""})
    assert response.status_code == 400
    assert response.content.decode().count('class="errorlist"') >= 3


# Territory grid pages -------------------------------------------------------------------

def test_territory_grid_index_for_every_member(world, login):
    services.add_local_component(world.alpha.territory, family_code="B",
                                 labels={"fr": "Fontaines", "en": "Alpha fountains"})
    services.add_local_component(world.beta.territory, family_code="A",
                                 labels={"en": "Beta secret garden"})
    url = reverse("territory_grid:index", kwargs={"territory": "alpha"})
    for role in ROLES:
        response = login(world.alpha.users[role]).get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Alpha fountains" in page and "BL01" in page and "badge-local" in page
        assert "Food and drink" in page
        assert "Beta secret garden" not in page and "AL01" not in page
        assert reverse("territory_grid:export", kwargs={"territory": "alpha"}) in page
        add_url = reverse("territory_grid:add_local", kwargs={"territory": "alpha"})
        assert (add_url in page) == (role == "coordinator")
    page = login(world.alpha.users["observer"]).get(url, {"q": "fontaines"}).content.decode()
    assert "<code>BL01</code>" in page and "<code>A01</code>" not in page


def test_territory_grid_is_404_for_the_other_territory(world, login):
    local = services.add_local_component(world.alpha.territory, family_code="A", labels={"en": "Gardens"})
    for role in ROLES:
        client = login(world.beta.users[role])
        for name, kwargs in [("index", {}), ("export", {}), ("add_local", {}),
                             ("edit_local", {"pk": local.pk})]:
            url = reverse(f"territory_grid:{name}", kwargs={"territory": "alpha", **kwargs})
            assert client.get(url).status_code == 404, (role, name)
        response = client.post(reverse("territory_grid:add_local", kwargs={"territory": "alpha"}),
                               {"family": "A", "label_en": "Intruder"})
        assert response.status_code == 404
    assert list(GridEntry.objects.filter(territory__isnull=False)) == [local]


def test_territory_export_includes_own_local_components(world, login):
    services.add_local_component(world.alpha.territory, family_code="A", labels={"en": "Gardens"})
    services.add_local_component(world.beta.territory, family_code="B", labels={"en": "Beta secret"})
    response = login(world.alpha.users["partner"]).get(
        reverse("territory_grid:export", kwargs={"territory": "alpha"}))
    assert response.status_code == 200
    assert 'filename="test-grid-alpha.csv"' in response["Content-Disposition"]
    assert response.content.endswith(b"AL01,,Gardens,,,local\n")
    assert b"Beta secret" not in response.content


def test_only_coordinators_add_local_components(world, login):
    url = reverse("territory_grid:add_local", kwargs={"territory": "alpha"})
    for role in ("facilitator", "partner", "observer"):
        client = login(world.alpha.users[role])
        assert client.get(url).status_code == 403
        assert client.post(url, {"family": "A", "label_en": "Nope"}).status_code == 403
    assert not GridEntry.objects.filter(territory__isnull=False).exists()
    client = login(world.alpha.users["coordinator"])
    page = client.get(url).content.decode()
    assert '<option value="A">A · Access to means of living</option>' in page
    response = client.post(url, {"family": "A", "label_fr": "Jardins partagés",
                                 "label_en": "Shared gardens", "description_fr": "",
                                 "description_en": "Gardens tended together"})
    assert response.status_code == 302
    entry = GridEntry.objects.get(territory=world.alpha.territory)
    assert (entry.code, entry.labels["en"], entry.descriptions) == (
        "AL01", "Shared gardens", {"en": "Gardens tended together"})
    client.post(url, {"family": "A", "label_en": "Bikes"})
    assert set(GridEntry.objects.filter(territory=world.alpha.territory)
               .values_list("code", flat=True)) == {"AL01", "AL02"}


def test_add_local_refuses_bad_input(world, login):
    url = reverse("territory_grid:add_local", kwargs={"territory": "alpha"})
    client = login(world.alpha.users["coordinator"])
    response = client.post(url, {"family": "A", "label_fr": " ", "label_en": ""})
    assert response.status_code == 200 and "Give a label in French or in English." in response.content.decode()
    response = client.post(url, {"family": "H", "label_en": "Unknown family"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not GridEntry.objects.filter(territory__isnull=False).exists()


def test_coordinator_edits_labels_of_a_local_component_never_its_code(world, login):
    alpha = world.alpha.territory
    local = services.add_local_component(alpha, family_code="A", labels={"en": "Gardens"})
    services.freeze(alpha.grid_version)
    url = reverse("territory_grid:edit_local", kwargs={"territory": "alpha", "pk": local.pk})
    assert login(world.alpha.users["facilitator"]).post(url, {"label_en": "X"}).status_code == 403
    client = login(world.alpha.users["coordinator"])
    response = client.post(url, {"label_fr": "Jardins", "label_en": "Shared gardens",
                                 "code": "A99"})
    assert response.status_code == 302
    local.refresh_from_db()
    assert (local.code, local.labels) == ("AL01", {"fr": "Jardins", "en": "Shared gardens"})
    # A shared entry cannot be reached through the local edit page.
    shared = alpha.grid_version.entries.get(code="A01")
    url = reverse("territory_grid:edit_local", kwargs={"territory": "alpha", "pk": shared.pk})
    assert client.get(url).status_code == 404


# Django admin ---------------------------------------------------------------------------

def test_admin_shows_frozen_entries_read_only(admin_client, grid_version):
    entry = grid_version.entries.get(code="A01")
    url = reverse("admin:grid_gridentry_change", args=[entry.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="labels"' in page and 'name="code"' not in page  # code never editable
    services.freeze(grid_version)
    page = admin_client.get(url).content.decode()
    assert 'name="labels"' not in page and "Food and drink" in page
    admin_client.post(url, {"labels": '{"en": "Changed"}', "descriptions": "{}",
                            "source": "draft", "position": 0})
    entry.refresh_from_db()
    assert entry.labels["en"] == "Food and drink" and entry.source == "published"
    version_page = admin_client.get(reverse("admin:grid_gridversion_change", args=[grid_version.pk]))
    assert 'name="name"' not in version_page.content.decode()
