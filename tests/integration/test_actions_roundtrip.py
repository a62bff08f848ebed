"""The plan in a spreadsheet (issue 5): export actions and commitments, edit, re-import by
id; atomic, every error by line and column, two territories."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cospiral.actions import services, tabular
from cospiral.actions.models import Action, Commitment
from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableRejected
from cospiral.territories.models import Organisation

pytestmark = pytest.mark.django_db


def url(name, t, **kwargs):
    return reverse(f"actions:{name}", kwargs={"territory": t.territory.slug, **kwargs})


def coordinator(t):
    return t.users["coordinator"]


@pytest.fixture
def plan_world(world):
    a, b = world.alpha, world.beta
    user = coordinator(a)
    a.town = Organisation.objects.create(territory=a.territory, name="Alpha town hall")
    a.club = Organisation.objects.create(territory=a.territory, name="Alpha youth club")
    b.org = Organisation.objects.create(territory=b.territory, name="Beta housing office")
    a.axis1 = services.save_axis(a.territory, user=user, code="1", title="Housing first")
    a.axis2 = services.save_axis(a.territory, user=user, code="2", title="Living together")
    a.main = services.create_action(
        a.territory, user=user, title="Alpha repair café", axis=a.axis1, lead=a.town,
        description="Fix things together.\nEvery Saturday.", families=["A", "B"],
        scores={"coverage": 3, "priority_to_disadvantaged": 4}, status="running", progress=40,
        starts_on=dt.date(2026, 2, 1), ends_on=dt.date(2026, 12, 31),
        review_on=dt.date(2026, 6, 1))
    a.sub = services.create_action(a.territory, user=user, title="Alpha tool library", parent=a.main)
    a.subsub = services.create_action(a.territory, user=user, title="=Alpha drills", parent=a.sub,
                                      status="done")
    a.other = services.create_action(
        a.territory, user=user, title="Alpha street party", axis=a.axis2, demonstrative=True,
        starts_at_once=True, quick_results=True, crosses_barriers=True, addresses_extreme=True)
    a.c1 = services.save_commitment(
        a.main, user=user, party_kind="organisation", organisation=a.club,
        what="Open the hall on Saturdays", resource="premises", amount="4", unit="days",
        accepted_on=dt.date(2026, 1, 5), signed_on=dt.date(2026, 1, 6), outcome="kept",
        evidence="Attendance sheets")
    a.c2 = services.save_commitment(
        a.main, user=user, party_kind="organisation", organisation=a.town, what="Pay the tools",
        resource="money", amount="1500", unit="€")
    a.c3 = services.save_commitment(a.other, user=user, party_kind="group", group=a.group,
                                    what="Cook for the party")
    a.c4 = services.save_commitment(a.other, user=user, party_kind="person", person="Léa Martin",
                                    what="-Play music", resource="skills")
    b.action = services.create_action(b.territory, user=coordinator(b), title="Beta garden")
    b.commitment = services.save_commitment(b.action, user=coordinator(b), party_kind="organisation",
                                            organisation=b.org, what="Lend the land")
    return world


def export(client, t, kind, format="csv"):
    response = client.get(url("export", t, kind=kind, format=format))
    assert response.status_code == 200
    return response.content


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def to_csv(rows: list[dict], columns=None) -> bytes:
    columns = columns or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def state() -> dict:
    """Every action and commitment of every territory, and the audit trail's length."""
    return {
        "actions": sorted(Action.objects.values_list(
            "pk", "territory_id", "parent_id", "axis_id", "title", "description", "status",
            "progress", "lead_id", "families", "coverage", "demonstrative", "starts_on",
            "review_on", "deleted_at")),
        "commitments": sorted(Commitment.objects.values_list(
            "pk", "territory_id", "action_id", "party_kind", "organisation_id", "group_id",
            "person", "what", "resource", "amount", "unit", "accepted_on", "outcome",
            "evidence")),
    }


def refused(t, kind, data, filename="plan.csv") -> list:
    before = state()
    audit = AuditEntry.objects.count()
    with pytest.raises(TableRejected) as error:
        tabular.import_file(t.territory, kind, data, filename, user=coordinator(t))
    assert state() == before and AuditEntry.objects.count() == audit  # nothing half-written
    return error.value.errors


def where(errors) -> set:
    return {(e.line, e.column) for e in errors}


# --- Export -------------------------------------------------------------------------------------

def test_export_lists_this_territorys_plan_with_every_column(plan_world, login):
    a = plan_world.alpha
    client = login(a.users["observer"])
    rows = rows_of(export(client, a, "actions"))
    assert [r["title"] for r in rows] == ["Alpha repair café", "Alpha tool library",
                                          "'=Alpha drills", "Alpha street party"]
    main = rows[0]
    assert main["id"] == str(a.main.pk) and main["parent_id"] == "" and main["axis"] == "1"
    assert main["lead"] == "Alpha town hall" and main["families"] == "A B"
    assert main["status"] == "running" and main["progress"] == "40"
    assert main["coverage"] == "3" and main["sober_resources"] == ""
    assert main["starts_on"] == "2026-02-01" and main["origin"] == "blank"
    assert rows[1]["parent_id"] == str(a.main.pk) and rows[1]["axis"] == "1"
    assert rows[1]["progress"] == ""  # not measured, never 0
    assert rows[3]["demonstrative"] == "yes" and rows[3]["addresses_extreme"] == "yes"
    commitments = rows_of(export(client, a, "commitments"))
    assert [c["id"] for c in commitments] == [str(c.pk) for c in (a.c1, a.c2, a.c3, a.c4)]
    assert commitments[0]["organisation"] == "Alpha youth club"
    assert commitments[0]["amount"] == "4.00" and commitments[0]["outcome"] == "kept"
    assert commitments[2]["group"] == a.group.name and commitments[3]["person"] == "Léa Martin"
    for data in (export(client, a, "actions"), export(client, a, "commitments"),
                 export(client, a, "actions", "xlsx")):
        assert b"Beta" not in data
    workbook = load_workbook(io.BytesIO(export(client, a, "actions", "xlsx")), read_only=True)
    assert workbook.sheetnames == ["actions", "about"]


def test_beta_and_strangers_cannot_export_or_import_alpha(plan_world, login):
    a, b = plan_world.alpha, plan_world.beta
    client = login(coordinator(b))
    assert client.get(url("export", a, kind="actions", format="csv")).status_code == 404
    assert client.get(url("import", a)).status_code == 404
    assert client.get(url("export", b, kind="nothing", format="csv")).status_code == 404
    client = login(coordinator(a))
    page = client.get(url("import", a))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Columns of an action file" in html and "Columns of a commitment file" in html
    assert url("export", a, kind="commitments", format="xlsx") in html
    assert url("import", a) in client.get(url("plan", a)).content.decode()
    for role in ("facilitator", "partner", "observer"):
        client = login(a.users[role])
        assert url("import", a) not in client.get(url("plan", a)).content.decode()
        assert client.get(url("import", a)).status_code == 403
        assert client.post(url("import", a), {"kind": "actions"}).status_code == 403


# --- Round trip -----------------------------------------------------------------------------------

@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_unchanged_export_reimports_to_nothing_and_says_so(plan_world, login, format):
    a = plan_world.alpha
    client = login(coordinator(a))
    before = state()
    for kind, n in (("actions", 4), ("commitments", 4)):
        data = export(client, a, kind, format)
        result = tabular.import_file(a.territory, kind, data, f"plan.{format}",
                                     user=coordinator(a))
        assert (result.created, result.updated, result.unchanged) == (0, 0, n)
    assert state() == before
    page = client.post(url("import", a), {
        "kind": "actions",
        "file": _upload(export(client, a, "actions", format), f"plan.{format}")}, follow=True)
    assert "Nothing changed: the 4 lines of the file match the plan." in page.content.decode()
    assert state() == before
    imports = AuditEntry.objects.filter(action="import", territory=a.territory)
    assert imports.count() == 3 and all(e.changes["unchanged"] == 4 for e in imports)


def _upload(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_edited_file_updates_and_creates(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    rows[0].update(status="done", progress="", title="Alpha repair café (weekly)", axis="2",
                   lead="alpha YOUTH club", families="B", sober_resources="2")
    rows[1].update(parent_id="", axis="1", review_on="2026-09-01")
    rows.append({**{k: "" for k in rows[0]}, "title": "Alpha bike workshop", "parent_id":
                 str(a.other.pk), "status": "planned", "demonstrative": "no"})
    result = tabular.import_file(a.territory, "actions", to_csv(rows), "plan.csv",
                                 user=coordinator(a))
    assert (result.created, result.updated, result.unchanged) == (1, 2, 2)
    a.main.refresh_from_db()
    a.sub.refresh_from_db()
    a.subsub.refresh_from_db()
    assert a.main.status == "done" and a.main.progress == 100  # the status fixes it
    assert a.main.axis == a.axis2 and a.main.lead == a.club and a.main.families == ["B"]
    assert a.main.sober_resources == 2 and a.main.title == "Alpha repair café (weekly)"
    assert a.sub.parent is None and a.sub.axis == a.axis1 and a.sub.review_on == dt.date(2026, 9, 1)
    assert a.subsub.axis == a.axis1  # follows its new main action's axis
    assert a.subsub.title == "=Alpha drills"  # the export's protective quote is read back off
    new = Action.objects.of(a.territory).get(title="Alpha bike workshop")
    assert new.parent == a.other and new.axis == a.axis2 and new.progress == 0
    assert new.origin == "blank" and new.created_by == coordinator(a)
    change = AuditEntry.objects.get(model="action", object_id=str(a.main.pk), action="update")
    assert set(change.changes) >= {"status", "progress", "axis_id", "lead_id", "title"}
    assert AuditEntry.objects.filter(model="action", object_id=str(new.pk), action="create").exists()

    commitments = rows_of(export(client, a, "commitments"))
    commitments[1].update(accepted_on="2026-03-01", outcome="partly", evidence="Invoice 12",
                          amount="1200,5")
    commitments.append({**{k: "" for k in commitments[0]}, "action_id": str(new.pk),
                        "party_kind": "organisation", "organisation": "Alpha town hall",
                        "what": "Lend a room"})
    result = tabular.import_file(a.territory, "commitments", to_csv(commitments), "c.csv",
                                 user=coordinator(a))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 3)
    a.c2.refresh_from_db()
    assert a.c2.outcome == "partly" and str(a.c2.amount) == "1200.50"
    added = Commitment.objects.of(a.territory).get(what="Lend a room")
    assert added.action == new and added.organisation == a.town and added.resource == "time"


def test_a_file_with_only_some_columns_keeps_the_others(plan_world):
    a = plan_world.alpha
    data = to_csv([{"id": str(a.main.pk), "title": "Alpha repair café", "progress": "55"}])
    result = tabular.import_file(a.territory, "actions", data, "p.csv", user=coordinator(a))
    assert (result.updated, result.unchanged) == (1, 0)
    a.main.refresh_from_db()
    assert a.main.progress == 55 and a.main.lead == a.town and a.main.coverage == 3


# --- Refusals: nothing stored, each error at its line and column ---------------------------------

def test_unknown_id_refused_at_its_line_and_column_nothing_stored(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    rows[0]["title"] = "Changed title that must not be stored"
    rows[2]["id"] = "999999"
    errors = refused(a, "actions", to_csv(rows))
    # The first action's description runs over two lines of the file: lines say where
    # each record starts.
    assert where(errors) == {(5, "id")}
    assert "999999" in str(errors[0]) and "plan.csv" in str(errors[0])
    assert "line 5" in str(errors[0]) and "“id”" in str(errors[0])
    # Through the page: 400, the problem listed, nothing stored.
    before = state()
    response = client.post(url("import", a), {"kind": "actions",
                                              "file": _upload(to_csv(rows), "plan.csv")})
    assert response.status_code == 400
    assert "999999" in response.content.decode() and "Nothing was stored" in response.content.decode()
    assert state() == before


def test_betas_ids_and_organisations_are_refused(plan_world, login):
    a, b = plan_world.alpha, plan_world.beta
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    rows[1]["id"] = str(b.action.pk)
    rows[2]["parent_id"] = str(b.action.pk)
    rows[3]["lead"] = "Beta housing office"
    errors = refused(a, "actions", to_csv(rows))
    assert where(errors) == {(4, "id"), (5, "parent_id"), (6, "lead")}
    commitments = rows_of(export(client, a, "commitments"))
    commitments[0]["organisation"] = "Beta housing office"
    commitments[1]["id"] = str(b.commitment.pk)
    commitments[2]["action_id"] = str(b.action.pk)
    errors = refused(a, "commitments", to_csv(commitments))
    assert where(errors) == {(2, "organisation"), (3, "id"), (4, "action_id")}
    assert "Beta housing office" in str(errors[0])
    b.action.refresh_from_db()
    assert b.action.title == "Beta garden"


def test_a_cycle_in_the_resulting_hierarchy_is_refused(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    rows[0]["parent_id"] = str(a.subsub.pk)  # main under its own grandchild
    errors = refused(a, "actions", to_csv(rows))
    assert where(errors) == {(2, "parent_id")}
    assert "own ancestor" in str(errors[0]) and "Alpha tool library" in str(errors[0])
    rows = rows_of(export(client, a, "actions"))
    rows[3]["parent_id"] = rows[3]["id"]
    assert where(refused(a, "actions", to_csv(rows))) == {(6, "parent_id")}
    # A swap that ends acyclic is accepted: the sub-action becomes the main action.
    rows = rows_of(export(client, a, "actions"))
    rows[0].update(parent_id=str(a.sub.pk), axis="")
    rows[1].update(parent_id="", axis="1")
    result = tabular.import_file(a.territory, "actions", to_csv(rows), "p.csv",
                                 user=coordinator(a))
    assert result.updated == 2
    a.main.refresh_from_db()
    assert a.main.parent == a.sub and a.main.axis == a.axis1


def test_every_bad_value_is_named_in_one_refusal(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    rows[0].update(status="paused", progress="140", coverage="5", starts_on="31/12/2026")
    rows[1].update(axis="9", families="A Z", demonstrative="yes")
    rows[2].update(title="", ends_on="2026-01-01", starts_on="2026-02-01")
    rows[3].update(demonstrative="maybe", origin="cards")
    rows.append({**{k: "" for k in rows[0]}, "id": "12x", "title": "Bad"})
    rows.append({**{k: "" for k in rows[0]}, "id": rows[0]["id"], "title": "Twice"})
    errors = refused(a, "actions", to_csv(rows))
    assert where(errors) >= {
        (2, "status"), (2, "progress"), (2, "coverage"), (2, "starts_on"), (4, "axis"),
        (4, "families"), (4, "demonstrative"), (5, "title"), (5, "ends_on"),
        (6, "demonstrative"), (6, "origin"), (7, "id"), (8, "id")}
    text = "\n".join(str(e) for e in errors)
    for needle in ("paused", "140", "“5”", "31/12/2026", "“9”", "Z", "maybe", "line 8"):
        assert needle in text


def test_bad_commitments_are_refused_by_the_services_rules(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "commitments"))
    rows[0].update(accepted_on="", signed_on="")  # an outcome without acceptance
    rows[1].update(party_kind="club", amount="-3")
    rows[2].update(group="Nobody's group")
    rows[3].update(action_id=str(a.main.pk), outcome="kept")
    errors = refused(a, "commitments", to_csv(rows))
    assert where(errors) == {(2, "outcome"), (3, "party_kind"), (3, "amount"), (4, "group"),
                             (5, "action_id"), (5, "outcome")}


def test_a_deleted_action_cannot_be_changed_by_file(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    services.delete_action(a.other, user=coordinator(a))
    assert where(refused(a, "actions", to_csv(rows))) == {(6, "id")}


def test_unknown_column_and_missing_title_refused(plan_world):
    a = plan_world.alpha
    errors = refused(a, "actions", b"id,name\n,Alpha\n")
    assert where(errors) == {(1, "name"), (1, "title")}


def test_import_is_atomic_when_the_database_refuses_late(plan_world, login, monkeypatch):
    """A failure while writing (after validation) leaves nothing half-written."""
    a = plan_world.alpha
    client = login(coordinator(a))
    rows = rows_of(export(client, a, "actions"))
    rows[0]["title"] = "First line written"
    rows[3]["title"] = "Second line fails"
    from cospiral.core import audit

    real = audit.record

    def failing(territory, user, action, obj, summary="", changes=None):
        if obj.title == "Second line fails":
            raise RuntimeError("disk full")
        return real(territory, user, action, obj, summary, changes)

    monkeypatch.setattr(audit, "record", failing)
    before = state()
    with pytest.raises(RuntimeError):
        tabular.import_file(a.territory, "actions", to_csv(rows), "p.csv", user=coordinator(a))
    assert state() == before


def test_only_coordinators_import(plan_world):
    from django.core.exceptions import PermissionDenied

    a = plan_world.alpha
    for role in ("facilitator", "partner", "observer"):
        with pytest.raises(PermissionDenied):
            tabular.import_file(a.territory, "actions", b"id,title\n,x\n", "p.csv",
                                user=a.users[role])
    with pytest.raises(PermissionDenied):
        tabular.import_file(a.territory, "actions", b"id,title\n,x\n", "p.csv",
                            user=coordinator(plan_world.beta))


def test_xlsx_edits_are_read_like_csv(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    workbook = load_workbook(io.BytesIO(export(client, a, "actions", "xlsx")))
    sheet = workbook["actions"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("review_on") + 1, value=dt.datetime(2026, 7, 1))
    sheet.cell(row=2, column=header.index("progress") + 1, value=60.0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = tabular.import_file(a.territory, "actions", buffer.getvalue(), "plan.xlsx",
                                 user=coordinator(a))
    assert (result.updated, result.unchanged) == (1, 3)
    a.main.refresh_from_db()
    assert a.main.review_on == dt.date(2026, 7, 1) and a.main.progress == 60
    empty = Workbook()
    empty.active.append(["id", "title"])
    empty.active.append(["", "From Excel"])
    buffer = io.BytesIO()
    empty.save(buffer)
    assert tabular.import_file(a.territory, "actions", buffer.getvalue(), "new.xlsx",
                               user=coordinator(a)).created == 1


def test_command_imports_and_refuses(plan_world, login, tmp_path):
    a = plan_world.alpha
    client = login(coordinator(a))
    path = tmp_path / "actions.csv"
    rows = rows_of(export(client, a, "actions"))
    path.write_bytes(to_csv(rows))
    out = io.StringIO()
    call_command("import-actions", "alpha", str(path), stdout=out)
    assert "0 actions created, 0 changed, 4 unchanged" in out.getvalue()
    rows[0]["progress"] = "70"
    path.write_bytes(to_csv(rows))
    call_command("import-actions", "alpha", str(path), stdout=out)
    a.main.refresh_from_db()
    assert a.main.progress == 70
    commitments = tmp_path / "commitments.csv"
    commitments.write_bytes(export(client, a, "commitments"))
    out = io.StringIO()
    call_command("import-actions", "alpha", str(commitments), "--commitments", stdout=out)
    assert "4 unchanged" in out.getvalue()
    rows[1]["id"] = "999999"
    path.write_bytes(to_csv(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import-actions", "alpha", str(path), stderr=err)
    assert "line 4" in err.getvalue() and "999999" in err.getvalue()
