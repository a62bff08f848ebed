"""Evaluation of existing actions (phase 3): pages, services, exports, two territories."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cospiral.core.models import AuditEntry
from cospiral.domain.evaluation import QUESTIONS
from cospiral.existing_actions import services
from cospiral.existing_actions.models import ExistingAction
from cospiral.territories.models import Organisation

pytestmark = pytest.mark.django_db


def base(territory):
    return f"/t/{territory.slug}/existing-actions/"


def make(world_t, name, scores, families=("A",), **kwargs):
    return services.save_action(
        world_t.territory, user=world_t.users["coordinator"], name=name, families=list(families),
        scores=dict(zip(QUESTIONS, scores, strict=True)), **kwargs)


def form_data(**overrides):
    data = {"name": "Repair café", "description": "Monthly repairs", "carried_by": "Centre social",
            "families": ["A", "B"]}
    for q in QUESTIONS:
        data[f"{q}_score"] = "3"
        data[f"{q}_note"] = ""
    data.update(overrides)
    return data


@pytest.fixture
def actions(world):
    a = world.alpha
    return {
        "garden": make(a, "Alpha shared garden", (4, 4, 3, 3, 4), ("A", "B")),
        "bus": make(a, "Alpha night bus", (2, 2, 2, 2, 2), ("B",)),
        "lunch": make(a, "Alpha lunch club", (2, 2, 2, 2, 2), ("A",)),
        "survey": make(a, "Alpha partial survey", (4, 4, None, None, None), ()),
        "idea": make(a, "Alpha unassessed idea", (None,) * 5, ()),
        "beta": make(world.beta, "Beta secret scheme", (4, 4, 4, 4, 4), ("A", "B")),
    }


def test_ranked_page_shows_ranks_ties_incomplete_and_rules(world, actions, login):
    response = login(world.alpha.users["observer"]).get(base(world.alpha.territory))
    assert response.status_code == 200
    html = response.content.decode()
    # Ranking order: complete by total, ties share rank 2, incomplete after, unassessed last.
    order = [html.index(n) for n in ("Alpha shared garden", "Alpha lunch club", "Alpha night bus",
                                     "Alpha partial survey", "Alpha unassessed idea")]
    assert order == sorted(order)
    rows = {r.action.name: r for r in response.context["rows"]}
    assert [rows[n].rank for n in ("Alpha shared garden", "Alpha lunch club", "Alpha night bus",
                                   "Alpha partial survey", "Alpha unassessed idea")] == [1, 2, 2, 4, None]
    assert rows["Alpha shared garden"].total == 90.0
    assert rows["Alpha partial survey"].total == 100.0 and not rows["Alpha partial survey"].complete
    assert rows["Alpha unassessed idea"].total is None
    assert "not assessed" in html and "incomplete" in html
    # Families as codes with their labels in the reader's language, count apart.
    assert "Access to means of living" in html and "Living environment" in html
    assert rows["Alpha shared garden"].families_count == 2
    # The published rules and the chart with its summary.
    assert "÷ 4 × 100" in html and "(1, 2, 2, 4)" in html
    assert "<svg" in html and 'role="img"' in html
    assert "the first is “Alpha shared garden” with 90 out of 100" in html
    assert "Beta secret scheme" not in html


def test_beta_cannot_see_or_change_alpha_actions(world, actions, login):
    garden = actions["garden"]
    client = login(world.beta.users["coordinator"])
    beta = base(world.beta.territory)
    for suffix in ("", "edit/", "delete/", "restore/"):
        assert client.get(f"{beta}{garden.pk}/{suffix}").status_code == 404
    assert client.post(f"{beta}{garden.pk}/edit/", form_data()).status_code == 404
    assert client.post(f"{beta}{garden.pk}/delete/").status_code == 404
    # Nor through alpha's addresses: not a member there.
    assert client.get(f"{base(world.alpha.territory)}{garden.pk}/").status_code == 404
    assert client.get(base(world.alpha.territory) + "export/csv/").status_code == 404
    garden.refresh_from_db()
    assert garden.deleted_at is None and garden.name == "Alpha shared garden"
    # Beta's own page lists only beta's action.
    html = client.get(beta).content.decode()
    assert "Beta secret scheme" in html and "Alpha" not in html
    # The service refuses an alpha action written with beta's user.
    with pytest.raises(PermissionDenied):
        services.delete_action(garden, user=world.beta.users["coordinator"])


def test_one_row_by_its_pk_within_its_territory_only(world, actions):
    """``.of(territory).one(pk)``: the row, None for another territory's pk, and None for
    a pk that is not a number (as a tampered address gives)."""
    garden, theirs = actions["garden"], actions["beta"]
    alpha = ExistingAction.objects.of(world.alpha.territory)
    assert alpha.one(garden.pk) == garden and alpha.one(str(garden.pk)) == garden
    assert alpha.one(theirs.pk) is None
    for bad in ("abc", "", None, "1; DROP TABLE"):
        assert alpha.one(bad) is None


@pytest.mark.parametrize("role", ["observer", "partner"])
def test_observers_and_partners_read_but_cannot_write(world, actions, login, role):
    garden = actions["garden"]
    client = login(world.alpha.users[role])
    url = base(world.alpha.territory)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{garden.pk}/").status_code == 200
    assert client.get(f"{url}coverage/").status_code == 200
    assert client.get(f"{url}new/").status_code == 403
    assert client.post(f"{url}new/", form_data()).status_code == 403
    assert client.post(f"{url}{garden.pk}/edit/", form_data(name="Hacked")).status_code == 403
    assert client.post(f"{url}{garden.pk}/delete/").status_code == 403
    garden.refresh_from_db()
    assert garden.name == "Alpha shared garden" and garden.deleted_at is None
    assert not ExistingAction.objects.filter(name="Repair café").exists()
    assert "Add an existing action" not in client.get(url).content.decode()
    with pytest.raises(PermissionDenied):
        services.save_action(world.alpha.territory, user=world.alpha.users[role], name="Nope")


def test_facilitator_creates_and_edits_with_audit(world, login):
    client = login(world.alpha.users["facilitator"])
    url = base(world.alpha.territory)
    organisation = Organisation.objects.create(territory=world.alpha.territory, name="Centre social")
    data = form_data(organisation=str(organisation.pk), sober_resources_score="",
                     coverage_note="Covers food and the street.")
    response = client.post(f"{url}new/", data)
    assert response.status_code == 302
    action = ExistingAction.objects.of(world.alpha.territory).get(name="Repair café")
    assert action.families == ["A", "B"] and action.organisation == organisation
    # "Carried by" already names the organisation: it is not repeated beside it.
    assert action.carried_by == "Centre social" and action.organisation_apart == ""
    assert action.scores == {"coverage": 3, "priority_to_disadvantaged": 3, "sober_resources": None,
                             "multiplier_effect": 3, "co_responsibility": 3}
    assert action.coverage_note == "Covers food and the street."
    assert action.evaluated_by == world.alpha.users["facilitator"] and action.evaluated_at
    assert response["Location"] == f"{url}{action.pk}/"
    page = client.get(f"{url}{action.pk}/").content.decode()
    assert "Covers food and the street." in page and "incomplete: 4 of 5 questions assessed" in page
    # Edit: the families come back in the grid's order whatever the order sent.
    response = client.post(f"{url}{action.pk}/edit/", form_data(families=["B", "A"],
                                                                 sober_resources_score="0"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.sober_resources_score == 0 and action.families == ["A", "B"]
    entries = AuditEntry.objects.of(world.alpha.territory).filter(model="existingaction",
                                                                 object_id=str(action.pk))
    assert list(entries.order_by("id").values_list("action", flat=True)) == ["create", "update"]
    assert entries.get(action="update").changes["sober_resources_score"] == ["None", "0"]


def test_invalid_family_code_is_rejected_on_its_field(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(f"{base(world.alpha.territory)}new/", form_data(families=["A", "Z9"]))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["families"]
    assert "“Z9” is not a family of this territory's grid" in errors["families"][0]
    assert "The families are A, B." in errors["families"][0]
    assert "Z9” is not a family" in response.content.decode()
    assert not ExistingAction.objects.exists()
    # The service (used by the demo and any import) says the same on the same field.
    with pytest.raises(ValidationError) as info:
        services.save_action(world.alpha.territory, user=world.alpha.users["coordinator"],
                             name="X", families=["A", "C", "A01"])
    message = info.value.message_dict["families"][0]
    assert "“C”, “A01”: not a family of this territory's grid (test-grid)" in message
    assert not ExistingAction.objects.exists()


@pytest.mark.parametrize("value", ["5", "-1", "2.5", "many"])
def test_score_outside_0_4_is_rejected(world, login, value):
    client = login(world.alpha.users["coordinator"])
    response = client.post(f"{base(world.alpha.territory)}new/",
                           form_data(multiplier_effect_score=value))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["multiplier_effect_score"]
    assert f"“{value}” is not on the scale" in errors["multiplier_effect_score"][0]
    assert not ExistingAction.objects.exists()


@pytest.mark.parametrize("value", [5, -1, 2.5, True])
def test_service_rejects_scores_off_the_scale_atomically(world, value):
    with pytest.raises(ValidationError) as info:
        services.save_action(world.alpha.territory, user=world.alpha.users["coordinator"], name="X",
                             scores={"co_responsibility": value, "coverage": 9})
    assert set(info.value.message_dict) == {"co_responsibility_score", "coverage_score"}
    assert not ExistingAction.objects.exists()
    assert not AuditEntry.objects.filter(model="existingaction").exists()


def test_database_refuses_a_score_off_the_scale(world, actions):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ExistingAction.objects.filter(pk=actions["bus"].pk).update(multiplier_effect_score=7)


def test_delete_hides_and_restore_brings_back(world, actions, login):
    bus = actions["bus"]
    client = login(world.alpha.users["facilitator"])
    url = base(world.alpha.territory)
    assert "Delete the existing action" in client.get(f"{url}{bus.pk}/delete/").content.decode()
    assert client.post(f"{url}{bus.pk}/delete/").status_code == 302
    bus.refresh_from_db()
    assert bus.deleted_at is not None and ExistingAction.objects.filter(pk=bus.pk).exists()
    page = client.get(url)
    names = [r.action.name for r in page.context["rows"]]
    assert "Alpha night bus" not in names
    assert "Deleted actions" in page.content.decode()
    # The lunch club no longer shares rank 2.
    assert {r.action.name: r.rank for r in page.context["rows"]}["Alpha lunch club"] == 2
    # Observers do not see deleted actions at all.
    observer = login(world.alpha.users["observer"])
    assert observer.get(f"{url}{bus.pk}/").status_code == 404
    assert "Deleted actions" not in observer.get(url).content.decode()
    # A deleted action cannot be edited until restored.
    client = login(world.alpha.users["facilitator"])
    assert client.post(f"{url}{bus.pk}/edit/", form_data()).status_code == 302
    bus.refresh_from_db()
    assert bus.name == "Alpha night bus"
    assert client.post(f"{url}{bus.pk}/restore/").status_code == 302
    bus.refresh_from_db()
    assert bus.deleted_at is None
    assert list(AuditEntry.objects.of(world.alpha.territory)
                .filter(model="existingaction", object_id=str(bus.pk))
                .order_by("id").values_list("action", flat=True)) == ["create", "delete", "restore"]


def test_coverage_matrix_highlights_families_covered_by_none(world, login):
    make(world.alpha, "Alpha food bank", (3, 3, 3, 3, 3), ("A",))
    make(world.beta, "Beta streets", (3, 3, 3, 3, 3), ("B",))
    response = login(world.alpha.users["partner"]).get(base(world.alpha.territory) + "coverage/")
    assert response.status_code == 200
    rows = {r.family.code: r for r in response.context["rows"]}
    assert rows["A"].count == 1 and not rows["A"].uncovered
    assert rows["B"].count == 0 and rows["B"].uncovered
    html = response.content.decode()
    assert "1 family of 2 is covered by no existing action" in html
    assert 'class="uncovered"' in html and "Beta streets" not in html


def test_exports_hold_the_ranked_rows_of_alpha_only(world, actions, login):
    client = login(world.alpha.users["observer"])
    response = client.get(base(world.alpha.territory) + "export/csv/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cospiral-existing-actions-alpha.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Alpha shared garden", "Alpha lunch club", "Alpha night bus",
                                         "Alpha partial survey", "Alpha unassessed idea"]
    assert [r["rank"] for r in rows] == ["1", "2", "2", "4", ""]
    garden = rows[0]
    assert garden["coverage"] == "4" and garden["sober_resources"] == "3"
    assert garden["families"] == "A B" and garden["families_count"] == "2"
    assert garden["total"] == "90.0" and garden["complete"] == "yes"
    assert rows[3]["sober_resources"] == "" and rows[3]["complete"] == "no"
    assert rows[4]["total"] == ""

    from openpyxl import load_workbook

    response = client.get(base(world.alpha.territory) + "export/xlsx/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    values = list(book["existing_actions"].values)
    assert values[0][:2] == ("rank", "name")
    assert [v[1] for v in values[1:]] == [r["name"] for r in rows]
    assert not any("Beta" in str(cell) for row in values for cell in row)
    about = {r[0]: r[1] for r in book["about"].values}
    assert "÷ 4 × 100" in about["Score"]
    assert client.get(base(world.alpha.territory) + "export/pdf/").status_code == 404


def test_export_neutralises_formula_like_texts(world, login):
    make(world.alpha, "=HYPERLINK(\"http://x\")", (1, 1, 1, 1, 1), carried_by="+cmd")
    response = login(world.alpha.users["coordinator"]).get(base(world.alpha.territory) + "export/csv/")
    row = next(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["name"].startswith("'=") and row["carried_by"] == "'+cmd"


def test_empty_territory_pages_say_so(world, login):
    client = login(world.alpha.users["coordinator"])
    html = client.get(base(world.alpha.territory)).content.decode()
    assert "No existing action is recorded yet." in html and "<svg" not in html
    html = client.get(base(world.alpha.territory) + "coverage/").content.decode()
    assert "no family is covered" in html


def test_nav_links_to_existing_actions(world, login):
    html = login(world.alpha.users["observer"]).get("/t/alpha/").content.decode()
    assert 'href="/t/alpha/existing-actions/"' in html


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(base(world.alpha.territory))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
