"""The grid and grid-mapping importers read and check their file, then hand the rows to
one public service each (``grid.services.create_version``, ``network.services.
replace_mapping``), the same the rest of the application uses: the service is the guard
(it refuses bad rows itself) and the only writer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableRejected
from cospiral.domain.grid import GridRow
from cospiral.grid import imports as grid_imports
from cospiral.grid import services as grid_services
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.network import imports as network_imports
from cospiral.network import services as network_services
from cospiral.network.models import GridMapping


def _rows():
    return [GridRow(line=2, code="Z", kind="family", parent_code=None,
                    labels={"fr": "Zèbre", "en": "Zebra"}, descriptions={}, source="draft"),
            GridRow(line=3, code="Z01", kind="component", parent_code="Z",
                    labels={"fr": "Rayures", "en": "Stripes"}, descriptions={}, source="draft")]


def test_create_version_is_the_grid_importers_write_path(db, admin_user):
    version = grid_services.create_version(slug="zebre", name="Zèbre", rows=_rows(),
                                           user=admin_user, origin="zebre.csv")
    assert list(version.entries.order_by("position").values_list("code", flat=True)) == ["Z", "Z01"]
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.user) == ("import", admin_user) and "zebre.csv" in entry.summary
    with pytest.raises(grid_services.GridError):
        grid_services.create_version(slug="zebre", name="Again", rows=_rows())
    with pytest.raises(grid_services.GridError):
        grid_services.create_version(slug="sans-nom", name=" ", rows=_rows())
    assert not GridVersion.objects.filter(slug="sans-nom").exists()
    # The importer gives the service's refusal as a located error of the file.
    exported = grid_services.export_grid_csv(version).encode()
    with pytest.raises(TableRejected) as refused:
        grid_imports.import_grid(exported, "copie.csv", slug="zebre", name="Copie")
    assert refused.value.errors[0].file == "copie.csv"
    copy = grid_imports.import_grid(exported, "copie.csv", slug="zebre-2", name="Copie",
                                    user=admin_user)
    assert copy.entries.count() == 2


def _versions():
    source = grid_services.create_version(slug="source", name="Source", rows=_rows())
    target = grid_services.default_version()
    return source, target


def test_replace_mapping_refuses_bad_rows_and_keeps_the_old_mapping(db, admin_user):
    source, target = _versions()
    assert network_services.replace_mapping(user=admin_user, from_version=source,
                                            to_version=target, rows=[(2, "Z01", "A01")]) == 1
    with pytest.raises(network_services.MappingRejected) as refused:
        network_services.replace_mapping(user=admin_user, from_version=source, to_version=target,
                                         rows=[(2, "Z01", "A01"), (3, "Z01", "NOPE")])
    problems = {(p.line, p.column, p.code) for p in refused.value.problems}
    assert (3, "to_code", "unknown_to") in problems
    assert list(GridMapping.objects.values_list("from_code", "to_code")) == [("Z01", "A01")]


def test_only_a_network_coordinator_replaces_a_mapping(db):
    source, target = _versions()
    someone = get_user_model().objects.create_user("someone", password="x" * 20)
    with pytest.raises(PermissionDenied):
        network_services.replace_mapping(user=someone, from_version=source, to_version=target,
                                         rows=[(2, "Z01", "A01")])
    with pytest.raises(PermissionDenied):
        network_imports.import_mapping(user=someone, from_version=source, to_version=target,
                                       data=b"from_code,to_code\nZ01,A01\n", filename="m.csv")
    assert not GridMapping.objects.exists()


def test_the_mapping_importer_locates_the_services_refusals(db, admin_user):
    source, target = _versions()
    data = "code_source;code_cible\r\nZ01;A01\r\nZ01;A02\r\n".encode("cp1252")
    with pytest.raises(TableRejected) as refused:
        network_imports.import_mapping(user=admin_user, from_version=source, to_version=target,
                                       data=data, filename="correspondance.csv")
    error = refused.value.errors[0]
    assert (error.file, error.line, error.column) == ("correspondance.csv", 3, "from_code")
    assert not GridMapping.objects.exists() and GridEntry.objects.filter(version=source).count() == 2
