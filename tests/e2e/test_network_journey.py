"""Browser journey of networks and open-data packages (issue 6): sign the charter, export
a package, import it elsewhere, compare.

From the ORM (the ``world`` fixture): the territories alpha and beta, their users, alpha's
three cards coded (A01, A03, B01) and beta's one card coded (A00) through the coding
service; alpha's coordinator also coordinates beta; a site administrator. Every other step
goes through the pages:

* alpha's coordinator creates a network, adds alpha and beta, publishes version 1 of the
  charter (French and English), signs it for alpha; the network page lists alpha as a
  signatory whose status is "Signed";
* alpha's coordinator downloads alpha's package from its package page;
* "elsewhere": the live server has one database, so the other server is simulated by
  renaming alpha's identifier in the database (a server where "alpha" does not exist);
  the site administrator imports the downloaded bytes through the import page, lands on
  the imported territory's home with its read-only notice, adds it to the network and
  compares it with beta: the imported territory's cards by family (A: 2, B: 1 of 3) are
  the original's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from .conftest import axe_violations, shot, sign_in

NETWORK = "Réseau des territoires de l'Est"
CHARTER_FR = "Nous partageons nos résultats et comparons nos critères de bien-être."
CHARTER_EN = "We share our results and compare our criteria of well-being."
COMMITMENTS = "Publier le paquet de données ouvertes chaque année."
ALPHA_CODES = ("A01", "A03", "B01")


@pytest.fixture
def network_world(transactional_db, world):
    from cospiral.cards.models import Card
    from cospiral.coding.services import code_card
    from cospiral.territories.models import Membership

    a, b = world.alpha, world.beta
    for card, code in zip(a.cards, ALPHA_CODES, strict=True):
        card = Card.objects.get(pk=card.pk)
        code_card(a.territory, card, code=code, user=a.users["coordinator"],
                  seen_updated_at=card.updated_at)
    card = Card.objects.get(pk=b.cards[0].pk)
    code_card(b.territory, card, code="A00", user=b.users["coordinator"],
              seen_updated_at=card.updated_at)
    a.territory.publish_card_texts = True
    a.territory.save(update_fields=["publish_card_texts"])
    # Alpha's coordinator also coordinates beta: a network coordinator adds only the
    # territories they coordinate.
    Membership.objects.create(territory=b.territory, user=a.users["coordinator"],
                              role="coordinator")
    world.admin = get_user_model().objects.create_superuser("hj6-site-admin",
                                                            password=world.password)
    return world


def _page(browser, live_server, user, password):
    context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, user.username, password)
    return page


def _submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _no_axe(page) -> None:
    violations = axe_violations(page)
    assert not violations, violations


def _cells(row) -> list[str]:
    return [" ".join(c.split()) for c in row.locator("th, td").all_inner_texts()]


def _families(page) -> dict[str, list[str]]:
    """The criteria-by-family table: the row header → its cells, and the header row."""
    table = page.locator("section[aria-labelledby=profile-families] table").first
    rows = {"header": _cells(table.locator("thead tr"))}
    body = table.locator("tbody tr")
    for i in range(body.count()):
        cells = _cells(body.nth(i))
        rows[cells[0]] = cells[1:]
    return rows


def test_network_journey(browser, live_server, network_world):
    world = network_world
    a = world.alpha
    today = timezone.localdate()
    review = today + dt.timedelta(days=365)

    # 1. Alpha's coordinator creates the network and adds alpha and beta.
    coordinator = _page(browser, live_server, a.users["coordinator"], world.password)
    coordinator.goto("/networks/")
    coordinator.get_by_label("Identifier").fill("reseau-est")
    coordinator.get_by_label("Name").fill(NETWORK)
    coordinator.get_by_label("Description").fill("Territoires voisins qui comparent leurs critères.")
    _submit(coordinator, coordinator.get_by_role("button", name="Create the network"))
    assert f"Network “{NETWORK}” created." in _message(coordinator)
    assert coordinator.locator("h1").inner_text() == NETWORK
    network_url = coordinator.url
    assert network_url.endswith("/reseau-est/")
    for slug, name in (("alpha", "Alphaville"), ("beta", "Betatown")):
        coordinator.locator("#add-territory").select_option(slug)
        _submit(coordinator, coordinator.get_by_role("button", name="Add to the network"))
        assert f"{name} joined the network." in _message(coordinator)
    members = coordinator.locator("section[aria-labelledby=members] tbody tr")
    assert [_cells(members.nth(i))[:2] for i in range(members.count())] == [
        ["Alphaville", "alpha"], ["Betatown", "beta"]]
    # Every member is listed among the signatories, with its state: none signed yet.
    unsigned = coordinator.locator("section[aria-labelledby=signatories] tbody tr")
    assert [_cells(unsigned.nth(i))[-1] for i in range(unsigned.count())] == [
        "Not signed", "Not signed"]

    # 2. Version 1 of the charter, in French and English.
    coordinator.locator("summary", has_text="Publish a new version of the charter").click()
    coordinator.get_by_label("Text in French").fill(CHARTER_FR)
    coordinator.get_by_label("Text in English").fill(CHARTER_EN)
    _submit(coordinator, coordinator.get_by_role("button", name="Publish this version"))
    assert "Version 1 of the charter published." in _message(coordinator)
    charter = coordinator.locator("section[aria-labelledby=charter]")
    assert CHARTER_EN in charter.locator("blockquote[lang=en]").inner_text()
    charter.locator("summary", has_text="The charter in French").click()
    assert CHARTER_FR in charter.locator("blockquote[lang=fr]").inner_text()

    # 3. Alpha's coordinator signs it for alpha.
    form = charter.locator("form[action$='/sign/']")
    form.get_by_label("Territory").select_option("alpha")
    form.get_by_label("Charter version").select_option(label="Version 1")
    form.get_by_label("Signed on").fill(today.isoformat())
    form.get_by_label("Review on").fill(review.isoformat())
    form.get_by_label("Signed by").fill("Claire Martin, maire adjointe")
    form.get_by_label("Commitments").fill(COMMITMENTS)
    _submit(coordinator, form.get_by_role("button", name="Record the signature"))
    assert "Alphaville signed version 1 of the charter." in _message(coordinator)
    signed = coordinator.locator("section[aria-labelledby=signatories] tbody tr")
    assert signed.count() == 2 and _cells(signed.nth(1))[-1] == "Not signed"
    row = _cells(signed.first)
    assert row[0] == "Alphaville" and row[1] == "1" and row[3] == "Claire Martin, maire adjointe"
    assert row[4] == COMMITMENTS and row[6] == "Signed", row
    _no_axe(coordinator)
    shot(coordinator, "network-journey-charter")

    # 4. Alpha's package, downloaded from its package page.
    coordinator.goto("/t/alpha/package/")
    assert coordinator.locator("h1").inner_text() == "Open-data package"
    assert "The texts of the criteria are included." in coordinator.locator("main").inner_text()
    # The package is made as a job; its page offers the download once it is ready.
    _submit(coordinator, coordinator.get_by_role("button", name="Prepare the package (ZIP)"))
    assert "/jobs/" in coordinator.url
    assert coordinator.locator("#job-state").inner_text() == "Finished"
    with coordinator.expect_download() as info:
        coordinator.get_by_role("button", name="Download cospiral-alpha.zip").click()
    download = info.value
    filename = download.suggested_filename
    assert filename.endswith(".zip") and "alpha" in filename, filename
    with open(download.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"PK")
    coordinator.context.close()

    # 5. Elsewhere: the live server has one database, so the package travels to "another
    # server" by renaming the source territory: from here on no territory "alpha" exists
    # but the import creates one (the package keeps its identifier and its checksums).
    from cospiral.territories.models import Territory

    source = Territory.objects.get(pk=a.territory.pk)
    source.slug = "alpha-source"
    source.save(update_fields=["slug"])

    admin = _page(browser, live_server, world.admin, world.password)
    admin.goto("/packages/import/")
    assert admin.locator("h1").inner_text() == "Import an open-data package"
    _no_axe(admin)
    shot(admin, "network-journey-import")
    admin.get_by_label("Package (ZIP)").set_input_files(
        files=[{"name": filename, "mimeType": "application/zip", "buffer": data}])
    _submit(admin, admin.get_by_role("button", name="Import"))
    assert admin.url.endswith("/t/alpha/")
    notice = admin.locator("main p.notice").inner_text()
    assert (f"Imported read-only on {today.day} {today.strftime('%b')} {today.year} from the "
            "open-data package") in notice, notice
    assert "for comparison" in notice
    imported = Territory.objects.get(slug="alpha")
    assert imported.pk != source.pk and imported.imported_at is not None
    assert imported.grid_version_id == source.grid_version_id

    # 6. The site administrator adds the imported territory to the network.
    admin.goto(network_url)
    admin.locator("#add-territory").select_option("alpha")
    _submit(admin, admin.get_by_role("button", name="Add to the network"))
    assert "Alphaville joined the network." in _message(admin)
    members = admin.locator("section[aria-labelledby=members] tbody tr")
    listed = [_cells(members.nth(i))[:2] for i in range(members.count())]
    # Ordered by name, then by creation: the original first, then its imported copy.
    assert listed == [["Alphaville", "alpha-source"], ["Alphaville imported", "alpha"],
                      ["Betatown", "beta"]], listed
    # The original's signature is still listed; the imported copy has not signed.
    signed = admin.locator("section[aria-labelledby=signatories] tbody tr")
    assert signed.count() == 3 and _cells(signed.first)[6] == "Signed"
    assert [_cells(signed.nth(i))[-1] for i in (1, 2)] == ["Not signed", "Not signed"]
    _no_axe(admin)
    shot(admin, "network-journey-members")

    # 7. The imported territory and beta side by side, through the comparison form.
    admin.get_by_role("link", name="Territories side by side").click()
    admin.wait_for_load_state()
    admin.locator("#id_territory").select_option(["alpha", "beta"])
    _submit(admin, admin.get_by_role("button", name="Compare"))
    families = _families(admin)
    assert families["header"] == ["Family", "Alphaville imported", "Betatown"], families
    assert families["A · Access to means of living"][0].startswith("2 (")
    assert families["B · Living environment"][0].startswith("1 (")
    assert families["All coded cards"] == ["3", "1"], families
    assert families["A · Access to means of living"][1].startswith("1 (")
    assert families["B · Living environment"][1].startswith("0 (")
    _no_axe(admin)
    shot(admin, "network-journey-compare")

    # … and the imported copy against the original: the same counts and shares.
    admin.goto(f"{network_url}compare/?territory=alpha&territory=alpha-source")
    families = _families(admin)
    assert families["header"] == ["Family", "Alphaville imported", "Alphaville"], families
    for family in ("A · Access to means of living", "B · Living environment", "All coded cards"):
        copy, original = families[family]
        assert copy == original, (family, families)
    assert families["All coded cards"] == ["3", "3"]
    admin.context.close()
