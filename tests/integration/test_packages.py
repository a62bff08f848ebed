"""Open-data packages (issue 6): export, import read-only, round trip, refusals, anonymity."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cospiral.actions.models import Action, Axis, Commitment
from cospiral.cards.models import Card
from cospiral.coding import counts
from cospiral.core.tabular import TableRejected
from cospiral.domain import package as pkg
from cospiral.domain import survey as rules
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.jobs.models import Job
from cospiral.packages import services
from cospiral.surveys import selectors as survey_selectors
from cospiral.surveys import services as survey_services
from cospiral.syntheses.models import Synthesis, SynthesisSentence
from cospiral.territories.models import Membership, Organisation, Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(world, make_wave):
    """Alpha with coded cards (one on a local component, one with an author tag), a
    synthesis, indicators, a published wave with answers, an action with commitments."""
    a = world.alpha
    t = a.territory
    entries = {e.code: e for e in GridEntry.objects.of(t)}
    local = GridEntry.objects.create(version=t.grid_version, code="AL01", kind="component",
                                     parent=entries["A"], labels={"fr": "Local"},
                                     source="local", territory=t, position=9)
    Card.objects.filter(pk=a.cards[0].pk).update(component=entries["A01"], full_code="A01",
                                                 author_tag="tag-secret-42")
    Card.objects.filter(pk=a.cards[1].pk).update(component=local)
    Card.objects.create(territory=t, group=a.group, question=a.q1, text="split original",
                        is_split=True)
    counts.recompute(t)
    synthesis = Synthesis.objects.create(territory=t, group=a.group, status="validated",
                                         validated_on=dt.date(2026, 10, 5))
    SynthesisSentence.objects.create(territory=t, synthesis=synthesis, component=entries["A01"],
                                     text="People want to eat well.", language="en")
    w = make_wave(a, indicators=3, threshold=5)
    wave = w.wave
    choices = rules.choice_counts({"neighbourhood": wave.neighbourhoods, "group_profile": []})
    sheets = []
    for n in range(12):
        # the third indicator is answered by three people only: below the threshold
        levels = {0: 1 + n % 5, 1: 1 + (n * 2) % 5, 2: 3 if n < 3 else 0}
        sheet = rules.make_sheet(levels, 3, profile={"age_band": n % 3, "neighbourhood": n % 2},
                                 asked=wave.profile_questions, choices=choices, consent=True)
        sheets.append((f"p:{n + 1}", "paper", sheet, n + 1))
    survey_services.submit_many(wave, sheets, user=a.users["coordinator"])
    survey_services.close_wave(wave, user=a.users["coordinator"])
    survey_services.publish_results(wave, user=a.users["coordinator"])
    axis = Axis.objects.create(territory=t, code="1", title="Food for all")
    action = Action.objects.create(territory=t, axis=axis, title="Community garden",
                                   families=["A"], starts_on=dt.date(2027, 3, 1))
    org = Organisation.objects.create(territory=t, name="Food bank", kind="association")
    Commitment.objects.create(territory=t, action=action, party_kind="organisation",
                              organisation=org, what="Seeds", resource="money", amount="120.50",
                              unit="€")
    Commitment.objects.create(territory=t, action=action, party_kind="group", group=a.group,
                              what="Weekly watering")
    Commitment.objects.create(territory=t, action=action, party_kind="person",
                              person="Jeanne Secretname", what="Tools")
    t.publish_card_texts = True
    t.save(update_fields=["publish_card_texts"])
    return a


def unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files, **changes):
    files = {**files, **changes}
    body = json.loads(files[pkg.DESCRIPTOR])
    files[pkg.DESCRIPTOR] = pkg.descriptor(name=body["name"], title=body["title"],
                                           created=body["created"],
                                           territory=body["cospiral"]["territory"], files=files)
    return services.zip_files(files)


def rows(files, name):
    return files[f"{name}.csv"].decode().splitlines()


def test_round_trip_gives_identical_packages(alpha, world, django_user_model):
    t = alpha.territory
    first = services.export_package(t)
    files = unzip(first)
    assert len(rows(files, "cards")) == 1 + 3  # the split original is not counted
    t.slug = "alpha-source"
    t.save(update_fields=["slug"])
    viewer = world.beta.users["coordinator"]
    imported = services.import_package(first, "alpha.zip", user=viewer)
    assert imported.slug == "alpha" and imported.imported_at is not None
    assert imported.imported_package["created"] == json.loads(files[pkg.DESCRIPTOR])["created"]
    assert Membership.objects.get(territory=imported, user=viewer).role == "observer"
    assert counts.differences(imported) == {}
    assert Card.objects.of(imported).counted().count() == 3
    again = services.export_package(imported)
    second = unzip(again)
    for name in files:
        assert files[name] == second[name], name
    assert again == first
    # The imported results page figures equal the source's for published indicators.
    source_wave = survey_selectors.waves(t).get()
    copy_wave = survey_selectors.waves(imported).get()
    a = survey_selectors.results(source_wave, with_intervals=False).scores.overall
    b = survey_selectors.results(copy_wave, with_intervals=False).scores.overall
    assert list(a.n[:2]) == list(b.n[:2]) and bool(b.suppressed[2])


def test_round_trip_with_raw_responses(alpha, world):
    t = alpha.territory
    t.publish_raw_responses = True
    t.save(update_fields=["publish_raw_responses"])
    first = services.export_package(t)
    responses = rows(unzip(first), "responses")
    assert len(responses) == 1 + 12 * 5  # 12 respondents × (2 profile questions + 3 indicators)
    t.slug = "alpha-source"
    t.save(update_fields=["slug"])
    imported = services.import_package(first, user=world.beta.users["coordinator"])
    assert services.export_package(imported) == first
    wave = survey_selectors.waves(imported).get()
    recount = survey_services.recount(wave)
    tallies = {(r.age_band, r.gender, r.neighbourhood, r.group_profile): r for r in wave.tallies.all()}
    assert recount.keys() == tallies.keys() and len(tallies) > 1
    for key, (counts_, n) in recount.items():
        assert tallies[key].respondents == n
        assert (rules.unpack_counts(tallies[key].counts, 3) == counts_).all()
    # An answer outside the codes is refused.
    files = unzip(first)
    bad = files["responses.csv"].replace(b"\n1,1,#0,", b"\n1,1,#0,9", 1)
    assert bad != files["responses.csv"]
    imported.slug = "alpha-copy"
    imported.save(update_fields=["slug"])
    with pytest.raises(TableRejected) as info:
        services.import_package(rezip(files, **{"responses.csv": bad}), user=world.beta.users["coordinator"])
    assert [e.column for e in info.value.errors] == ["answer"]


def test_package_is_anonymised_and_suppressed(alpha):
    t = alpha.territory
    t.publish_card_texts = False
    t.save(update_fields=["publish_card_texts"])
    files = unzip(services.export_package(t))
    everything = b"".join(files.values()).decode()
    for user in alpha.users.values():
        assert user.username not in everything
    wave = survey_selectors.waves(t).get()
    for secret in ("tag-secret-42", "secret card", "Jeanne Secretname", "Tools", wave.public_token,
                   "p:1", "Town hall"):
        assert secret not in everything, secret
    assert rows(files, "responses") == [",".join(pkg.BY_NAME["responses"].columns)]
    results = rows(files, "wave_results")[1:]
    positions = {line.split(",")[1] for line in results}
    assert positions == {"0", "1"}  # the third indicator (3 answers < 5) is left out
    assert len(results) == 2 * 8
    assert rows(files, "commitments")[1].startswith("1,1,organisation,Food bank,,Seeds,money,120.5,€")
    assert len(rows(files, "commitments")) == 3  # the person's commitment is not published


def test_refused_packages_store_nothing(alpha, world, settings):
    t = alpha.territory
    files = unzip(services.export_package(t))
    user = world.beta.users["coordinator"]
    before = (Territory.objects.count(), GridVersion.objects.count(), Card.objects.count(),
              GridEntry.objects.count())

    def refused(data):
        with pytest.raises(TableRejected) as info:
            services.import_package(data, "p.zip", user=user)
        assert (Territory.objects.count(), GridVersion.objects.count(), Card.objects.count(),
                GridEntry.objects.count()) == before
        return [str(e) for e in info.value.errors]

    # the source territory still exists under the package's identifier
    assert "duplicate territory identifier" in refused(services.zip_files(files))[0]
    t.slug = "alpha-source"
    t.save(update_fields=["slug"])
    tampered = dict(files)
    tampered["cards.csv"] = files["cards.csv"].replace(b"secret", b"public")
    errors = refused(services.zip_files(tampered))
    assert errors == ["cards.csv: the file does not match its sha256 hash or size in "
                      "datapackage.json: it was changed after export."]
    errors = refused(services.zip_files({**files, pkg.DESCRIPTOR: b'{"profile": '}))
    assert errors[0].startswith("datapackage.json, line 1: datapackage.json is not valid JSON")
    bad_code = files["cards.csv"].replace(b",A01,A01,", b",Z99,A01,")
    errors = refused(rezip(files, **{"cards.csv": bad_code}))
    assert errors == ["cards.csv, line 2, column “component”: “Z99” is not in the resource “grid”."]
    # Same grid version, other codes, no mapping.
    grid = files["grid.csv"].decode().splitlines()
    other = "\n".join(line for line in grid if not line.startswith("B01,")) + "\n"
    errors = refused(rezip(files, **{"grid.csv": other.encode()}))
    assert "has other codes (not in the package: B01)" in errors[0]
    assert refused(b"not a zip") == ["p.zip: the file is not a ZIP archive."]
    settings.COSPIRAL_PACKAGE_MAX_BYTES = 1000
    assert refused(services.zip_files(files)) == [
        "p.zip: the files of the package are larger than 1000\xa0bytes once uncompressed "
        "(limit COSPIRAL_PACKAGE_MAX_BYTES)."]


def test_unknown_grid_version_is_created_from_the_package(alpha, world):
    t = alpha.territory
    files = unzip(services.export_package(t))
    body = json.loads(files[pkg.DESCRIPTOR])
    body["cospiral"]["territory"]["grid_version"] = "their-grid"
    files[pkg.DESCRIPTOR] = json.dumps(body).encode()
    t.slug = "alpha-source"
    t.save(update_fields=["slug"])
    imported = services.import_package(services.zip_files(files),
                                       user=world.beta.users["coordinator"])
    version = GridVersion.objects.get(slug="their-grid")
    assert imported.grid_version == version and version.is_frozen
    assert set(GridEntry.objects.shared().filter(version=version).values_list("code", flat=True)) == {
        "A", "A00", "A01", "A03", "B", "B00", "B01"}
    assert GridEntry.objects.of(imported).get(code="AL01").territory == imported


def test_download_is_for_coordinators_of_the_territory(alpha, world, login):
    url = reverse("packages:download", kwargs={"territory": "alpha"})
    page = reverse("packages:package", kwargs={"territory": "alpha"})
    assert login(world.beta.users["coordinator"]).get(url).status_code == 404
    assert login(alpha.users["facilitator"]).get(url).status_code == 403
    assert login(alpha.users["facilitator"]).post(url).status_code == 403
    client = login(alpha.users["coordinator"])
    assert client.get(url).status_code == 405  # the export is a job, started by a POST
    response = client.post(url)
    job = Job.objects.of(alpha.territory).get(kind="packages.export")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == "succeeded" and job.result_name == "cospiral-alpha.zip"
    assert job.download_url() in client.get(job.get_absolute_url()).content.decode()
    response = client.get(job.download_url())
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cospiral-alpha.zip"'
    assert pkg.validate(unzip(b"".join(response.streaming_content)))[1] == []
    # Only coordinators see the package job (facilitators get 404), beta's nobody.
    assert login(alpha.users["facilitator"]).get(job.get_absolute_url()).status_code == 404
    assert login(world.beta.users["coordinator"]).get(job.download_url()).status_code == 404
    client = login(alpha.users["coordinator"])
    html = client.get(page).content.decode()
    assert url in html and "cards.csv" in html and reverse("site_packages:import") in html
    assert page in client.get("/t/alpha/").content.decode()


def test_import_page_lists_errors_and_imported_territory_is_read_only(alpha, world, login,
                                                                      django_user_model):
    data = services.export_package(alpha.territory)
    url = reverse("site_packages:import")
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert login(nobody).get(url).status_code == 403
    client = login(world.beta.users["coordinator"])
    response = client.post(url, {"file": io.BytesIO(data)}, format="multipart")
    assert response.status_code == 400
    assert "duplicate territory identifier" in response.content.decode()
    alpha.territory.slug = "alpha-source"
    alpha.territory.save(update_fields=["slug"])
    upload = io.BytesIO(data)
    upload.name = "alpha.zip"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302 and response["Location"] == "/t/alpha/"
    home = client.get("/t/alpha/").content.decode()
    assert "Imported read-only on" in home and "cospiral-alpha" in home
    assert reverse("packages:package", kwargs={"territory": "alpha"}) not in home  # observer
    # Even a coordinator (or a site administrator) of an imported territory only reads it.
    imported = Territory.objects.get(slug="alpha")
    Membership.objects.filter(territory=imported).update(role="coordinator")
    assert client.post(reverse("packages:download", kwargs={"territory": "alpha"})).status_code == 403
    assert client.get(reverse("territories:edit", kwargs={"territory": "alpha"})).status_code == 403
    admin = django_user_model.objects.create_superuser("root-admin", password="x")
    assert login(admin).get(reverse("territories:edit", kwargs={"territory": "alpha"})).status_code == 403


def test_commands_export_and_import(alpha, world, tmp_path, capsys, monkeypatch):
    out = tmp_path / "alpha.zip"
    # the descriptor's "created" is the second of the export: two exports on a busy machine
    # may fall in different seconds, so the clock is held still
    now = timezone.now()
    monkeypatch.setattr(services.timezone, "now", lambda: now)
    call_command("export-package", "alpha", "-o", str(out))
    assert out.read_bytes() == services.export_package(alpha.territory)
    with pytest.raises(Exception, match="nothing was stored"):
        call_command("import-package", str(out), "--user", world.beta.users["coordinator"].username)
    assert "duplicate territory identifier" in capsys.readouterr().err
    alpha.territory.slug = "alpha-source"
    alpha.territory.save(update_fields=["slug"])
    call_command("import-package", str(out), "--user", world.beta.users["coordinator"].username)
    assert Territory.objects.get(slug="alpha").imported_at is not None


def test_imported_territory_pages_read_and_services_refuse_writes(alpha, world, login,
                                                                  django_user_model):
    from django.core.exceptions import PermissionDenied

    from cospiral.cards.services import import_cards
    from cospiral.core.access import role_in

    data = services.export_package(alpha.territory)
    alpha.territory.slug = "alpha-source"
    alpha.territory.save(update_fields=["slug"])
    viewer = world.beta.users["coordinator"]
    imported = services.import_package(data, user=viewer)
    client = login(viewer)
    wave = survey_selectors.waves(imported).get()
    page = client.get(reverse("surveys:results", kwargs={"territory": "alpha", "pk": wave.pk}))
    assert page.status_code == 200 and "Indicator 1" in page.content.decode()
    assert client.get(reverse("stats:territory", kwargs={"territory": "alpha"})).status_code == 200
    admin = django_user_model.objects.create_superuser("site-admin", password="x")
    assert role_in(admin, imported) == "observer"
    assert role_in(admin, alpha.territory) == "coordinator"
    with pytest.raises(PermissionDenied):
        import_cards(imported, b"group,question,text\nx,Q1,y\n", "cards.csv", user=admin)
