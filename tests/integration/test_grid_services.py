"""The grid's services and CLI: default grid, import/export, versions, local components."""

import io
import re
from importlib import resources

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableRejected
from cospiral.domain.codes import validate_full_code
from cospiral.grid import imports as grid_imports
from cospiral.grid import selectors, services
from cospiral.grid.models import GridEntry, GridVersion

PUBLISHED = ["A00", "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A09", "A10", "A11",
             "B00", "B01", "B02"]
HEADER = "code,label_fr,label_en,description_fr,description_en,source\n"


def shipped_bytes() -> bytes:
    return resources.files("cospiral.data").joinpath("grid", "spiral-default-2026.csv").read_bytes()


def small_grid(*extra: str) -> bytes:
    lines = [HEADER, "A,Accès,Access,,,published\n", "A00,Général,General,,,published\n",
             "A01,Alimentation,Food,,,draft\n", *extra]
    return "".join(lines).encode()


# Default grid ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_default_grid_loads_once_with_families_components_and_published_codes():
    version = services.default_version()
    assert version.slug == services.DEFAULT_GRID_SLUG
    assert services.default_version().pk == version.pk
    assert GridVersion.objects.filter(slug=services.DEFAULT_GRID_SLUG).count() == 1
    shared = version.entries.shared()
    families = list(shared.filter(kind="family").order_by("position").values_list("code", flat=True))
    assert families == list("ABCDEFGH")
    components = shared.filter(kind="component")
    assert 55 <= components.count() <= 70
    codes = set(components.values_list("code", flat=True))
    for family in families:
        assert f"{family}00" in codes  # every family has its general case
    for code in PUBLISHED:
        entry = components.get(code=code)
        assert entry.source == "published"
        assert entry.labels["fr"] and entry.labels["en"]
        assert entry.descriptions["fr"] and entry.descriptions["en"]
        assert entry.parent.code == code[0]
    assert "A08" not in codes
    assert set(shared.filter(kind="family").values_list("source", flat=True)) == {"published"}
    drafts = set(components.filter(source="draft").values_list("code", flat=True))
    assert drafts == codes - set(PUBLISHED)
    assert all(c[0] in "CDEFGH" or c in {"B03", "B04", "B05", "B06"} for c in drafts)
    assert components.get(code="A03").labels["en"].startswith("Housing")


@pytest.mark.django_db
def test_default_grid_export_is_the_shipped_file():
    version = services.default_version()
    assert services.export_grid_csv(version).encode("utf-8") == shipped_bytes()


# Import and export ----------------------------------------------------------------------

@pytest.mark.django_db
def test_import_export_round_trip_is_byte_identical(admin_user):
    data = small_grid('A01-11,"Pain, céréales",Bread,"Le pain, la farine",,imported\n',
                      'B,Cadre de vie,Living environment,,"The place, as a whole",published\n',
                      "B00,Général,,,,draft\n")
    version = grid_imports.import_grid(data, "mine.csv", slug="mine", name="Mine", user=admin_user)
    assert version.entries.count() == 6
    sub = version.entries.get(code="A01-11")
    assert (sub.kind, sub.parent.code) == ("sub_object", "A01")
    assert version.entries.get(code="B00").labels == {"fr": "Général"}
    assert services.export_grid_csv(version).encode() == data
    shipped = shipped_bytes()
    copy = grid_imports.import_grid(shipped, "default.csv", slug="copy", name="Copy")
    assert services.export_grid_csv(copy).encode() == shipped
    assert AuditEntry.objects.filter(model="gridversion", object_id=str(version.pk),
                                     action="import", user=admin_user).exists()


@pytest.mark.django_db
def test_import_reads_semicolons_and_empty_source_as_imported():
    data = "code;label_fr;label_en\nA;Accès;Access\nA00;Général;\n".encode()
    version = grid_imports.import_grid(data, "excel.csv", slug="excel", name="Excel")
    assert set(version.entries.values_list("source", flat=True)) == {"imported"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (small_grid("A01,Encore,Again,,,draft\n"), [(5, "code", "line 4")]),
        (small_grid("A1,Mauvais,Bad,,,draft\n"), [(5, "code", "“A1”")]),
        (small_grid("B01,Sans famille,No family,,,draft\n"), [(5, "code", "family “B”")]),
        (small_grid("AL01,Local,Local,,,local\n"), [(5, "code", "local code")]),
        (small_grid("A02,Source,Source,,,official\n"), [(5, "source", "official")]),
        (small_grid("A02,,,,,draft\n"), [(5, "label_fr", "no label")]),
        (b"code,label_fr,label_en\nA,Acc\x00s,Acc\x00s\n",
         [(2, None, "NUL")]),
        (b"code,label_fr\nA,Acces\n", [(1, "label_en", "missing")]),
        (HEADER.encode(), [(None, None, "no data lines")]),
    ],
    ids=["duplicate", "malformed", "no-family", "local", "source", "label", "encoding",
         "missing-column", "header-only"],
)
def test_rejected_import_stores_nothing_and_says_where(data, expected):
    before = (GridVersion.objects.count(), GridEntry.objects.count(), AuditEntry.objects.count())
    with pytest.raises(TableRejected) as exc:
        grid_imports.import_grid(data, "bad.csv", slug="bad", name="Bad")
    found = [(e.line, e.column) for e in exc.value.errors]
    assert found == [(line, column) for line, column, _ in expected]
    for error, (_, _, text) in zip(exc.value.errors, expected, strict=True):
        assert error.file == "bad.csv"
        assert text in error.message
    assert (GridVersion.objects.count(), GridEntry.objects.count(),
            AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_rejected_import_reports_every_error_at_once():
    data = small_grid("A01,Encore,Again,,,draft\n", "x9,Mauvais,Bad,,,\n",
                      "C02,Orphelin,Orphan,,,nope\n")
    with pytest.raises(TableRejected) as exc:
        grid_imports.import_grid(data, "bad.csv", slug="bad", name="Bad")
    assert [(e.line, e.column) for e in exc.value.errors] == [
        (5, "code"), (6, "code"), (7, "code"), (7, "source")]
    assert str(exc.value.errors[0]).startswith("bad.csv, line 5, column “code”: ")
    assert not GridVersion.objects.filter(slug="bad").exists()


@pytest.mark.django_db
def test_import_refuses_existing_slug_and_bad_slug(grid_version):
    for slug in ("test-grid", "import", "no spaces"):
        with pytest.raises(TableRejected) as exc:
            grid_imports.import_grid(small_grid(), "g.csv", slug=slug, name="X")
        assert exc.value.errors[0].line is None
        assert slug in exc.value.errors[0].message
    assert GridVersion.objects.count() == 1
    assert grid_version.entries.count() == 7


# Frozen versions and derivation ---------------------------------------------------------

@pytest.mark.django_db
def test_unused_version_can_be_edited_and_the_code_never_changes(grid_version):
    entry = grid_version.entries.get(code="A01")
    services.update_entry(entry, labels={"fr": "Nourriture", "en": "Food"},
                          descriptions={"en": "Eating"})
    entry.refresh_from_db()
    assert (entry.code, entry.labels, entry.descriptions) == (
        "A01", {"fr": "Nourriture", "en": "Food"}, {"en": "Eating"})
    with pytest.raises(services.GridError):
        services.update_entry(entry, labels={"fr": " ", "en": ""})


@pytest.mark.django_db
def test_coding_a_card_freezes_the_version_and_edits_are_refused(world):
    version = world.alpha.territory.grid_version
    assert not version.is_frozen
    assert services.freeze_if_used(version) is False
    card = world.alpha.cards[0]
    card.component = version.entries.get(code="A01")
    card.save()
    version.refresh_from_db()
    assert version.is_frozen
    entry = version.entries.get(code="A03")
    with pytest.raises(services.GridFrozen) as exc:
        services.update_entry(entry, labels={"fr": "Habitat", "en": "Housing"})
    assert "frozen" in str(exc.value) and version.slug in str(exc.value)
    entry.refresh_from_db()
    assert entry.labels["fr"] == "Logement"


@pytest.mark.django_db
def test_freeze_if_used_catches_cards_written_without_signals(world):
    from cospiral.cards.models import Card

    version = world.alpha.territory.grid_version
    Card.objects.filter(pk=world.beta.cards[0].pk).update(
        component=version.entries.get(code="B01"))
    assert not GridVersion.objects.get(pk=version.pk).is_frozen
    with pytest.raises(services.GridFrozen):
        services.update_entry(version.entries.get(code="B01"), labels={"en": "Noise"})
    assert GridVersion.objects.get(pk=version.pk).is_frozen
    assert services.freeze_if_used(version) is True


@pytest.mark.django_db
def test_derive_version_copies_shared_entries_into_an_open_version(world):
    version = world.alpha.territory.grid_version
    services.add_local_component(world.alpha.territory, family_code="A",
                                 labels={"fr": "Jardins partagés"})
    services.add_local_component(world.alpha.territory, family_code="A",
                                 labels={"fr": "Jardins partagés"})
    services.freeze(version)
    new = services.derive_version(version, slug="test-grid-2", name="Test grid 2")
    assert (new.based_on, new.is_frozen) == (version, False)
    assert services.export_grid_csv(new) == services.export_grid_csv(version)
    assert not new.entries.filter(territory__isnull=False).exists()
    assert new.entries.get(code="A01").parent == new.entries.get(code="A")
    services.update_entry(new.entries.get(code="A01"), labels={"fr": "Repas", "en": "Meals"})
    assert version.entries.get(code="A01").labels["en"] == "Food and drink"
    with pytest.raises(services.GridError):
        services.derive_version(version, slug="test-grid-2", name="Again")


# Local components -----------------------------------------------------------------------

@pytest.mark.django_db
def test_local_components_are_numbered_scoped_and_audited(world):
    alpha, beta = world.alpha.territory, world.beta.territory
    coordinator = world.alpha.users["coordinator"]
    first = services.add_local_component(alpha, family_code="A", user=coordinator,
                                         labels={"fr": "Jardins partagés", "en": "Shared gardens"},
                                         descriptions={"fr": "Potagers collectifs"})
    second = services.add_local_component(alpha, family_code="A", labels={"en": "Bikes"})
    other_family = services.add_local_component(alpha, family_code="B", labels={"en": "Fountains"})
    theirs = services.add_local_component(beta, family_code="A", labels={"en": "Beta thing"})
    assert (first.code, second.code, other_family.code, theirs.code) == ("AL01", "AL02", "BL01", "AL01")
    assert (first.territory, first.source, first.parent.code) == (alpha, "local", "A")
    shared_codes = set(alpha.grid_version.entries.shared().values_list("code", flat=True))
    assert not {first.code, second.code, other_family.code} & shared_codes
    assert AuditEntry.objects.of(alpha).filter(model="gridentry", object_id=str(first.pk),
                                                action="create", user=coordinator).exists()
    # Each territory sees its own local components, never the other's.
    alpha_codes = selectors.known_codes(alpha)
    assert {"AL01", "AL02", "BL01", "A01"} <= alpha_codes
    assert list(selectors.components_for(beta).filter(territory__isnull=False)) == [theirs]
    assert first not in selectors.components_for(beta)
    assert validate_full_code("AL02/P15/k", alpha_codes).component == "AL02"
    assert "BL01" not in selectors.known_codes(beta)
    assert list(selectors.search_components(beta, "Bikes")) == []
    assert list(selectors.search_components(alpha, "bikes")) == [second]
    assert list(selectors.search_components(alpha, "potagers")) == [first]
    assert set(selectors.search_components(alpha, "A0").values_list("code", flat=True)) == {"A00", "A01", "A03"}


@pytest.mark.django_db
def test_local_component_refusals(world):
    alpha = world.alpha.territory
    with pytest.raises(services.GridError):
        services.add_local_component(alpha, family_code="H", labels={"en": "No such family"})
    with pytest.raises(services.GridError):
        services.add_local_component(alpha, family_code="A", labels={"fr": "", "en": "  "})
    assert not GridEntry.objects.filter(territory__isnull=False).exists()


@pytest.mark.django_db
def test_local_labels_stay_editable_when_frozen_but_not_by_another_territory(world):
    alpha, beta = world.alpha.territory, world.beta.territory
    local = services.add_local_component(alpha, family_code="A", labels={"en": "Gardens"})
    services.freeze(alpha.grid_version)
    services.update_entry(local, labels={"en": "Shared gardens", "fr": "Jardins partagés"},
                          territory=alpha)
    local.refresh_from_db()
    assert (local.code, local.labels["en"]) == ("AL01", "Shared gardens")
    with pytest.raises(services.GridError):
        services.update_entry(local, labels={"en": "Stolen"}, territory=beta)
    local.refresh_from_db()
    assert local.labels["en"] == "Shared gardens"


@pytest.mark.django_db
def test_export_with_territory_adds_its_local_components_only(world):
    alpha, beta = world.alpha.territory, world.beta.territory
    services.add_local_component(alpha, family_code="B", labels={"fr": "Fontaines", "en": "Fountains"})
    services.add_local_component(beta, family_code="A", labels={"en": "Beta secret"})
    text = services.export_grid_csv(alpha.grid_version, alpha)
    assert text.endswith("BL01,Fontaines,Fountains,,,local\n")
    assert "Beta secret" not in text
    assert text.startswith(services.export_grid_csv(alpha.grid_version))
    other = services.derive_version(alpha.grid_version, slug="other", name="Other")
    with pytest.raises(services.GridError):
        services.export_grid_csv(other, alpha)
    # A territory export cannot be imported back as a shared grid: local rows are refused.
    with pytest.raises(TableRejected) as exc:
        grid_imports.import_grid(text.encode(), "alpha.csv", slug="again", name="Again")
    assert [e.column for e in exc.value.errors] == ["code"]


# CLI ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_cli_import_and_export(tmp_path, world):
    path = tmp_path / "grid.csv"
    path.write_bytes(small_grid())
    out = io.StringIO()
    call_command("import-grid", str(path), "--slug", "cli", "--name", "CLI grid",
                 "--based-on", "test-grid", stdout=out)
    assert "cli" in out.getvalue()
    version = GridVersion.objects.get(slug="cli")
    assert version.based_on.slug == "test-grid"
    target = tmp_path / "out.csv"
    call_command("export-grid", "cli", "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes() == small_grid()
    services.add_local_component(world.alpha.territory, family_code="A", labels={"en": "Gardens"})
    out = io.StringIO()
    call_command("export-grid", "test-grid", "--territory", "alpha", stdout=out)
    assert out.getvalue().endswith("AL01,,Gardens,,,local\n")


@pytest.mark.django_db
def test_cli_import_rejected_prints_every_error_and_fails(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(small_grid("A01,Encore,Again,,,\n", "Q9,Bad,Bad,,,\n"))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import-grid", str(path), "--slug", "bad", "--name", "Bad", stderr=err)
    printed = err.getvalue().strip().splitlines()
    assert len(printed) == 2
    assert re.match(r"bad\.csv, line 5, column “code”: .*line 4", printed[0])
    assert printed[1].startswith("bad.csv, line 6, column “code”")
    assert "nothing was stored" in str(exc.value)
    assert not GridVersion.objects.filter(slug="bad").exists()
    with pytest.raises(CommandError):
        call_command("export-grid", "nope")


@pytest.mark.django_db(transaction=True)
def test_default_grid_is_loaded_once_under_concurrency():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("threads need a server database; SQLite serialises writers anyway")
    results, errors = [], []
    barrier = threading.Barrier(4)

    def load():
        try:
            barrier.wait()
            results.append(services.default_version().pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    version = GridVersion.objects.get(slug=services.DEFAULT_GRID_SLUG)
    assert version.entries.count() == 68
