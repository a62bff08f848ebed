"""Every CSV and XLSX download (issues 12 and 14): texts a spreadsheet would run as a
formula are neutralised in every format (never real numbers), and every export offers
« Excel (français) »: semicolons, UTF-8 with BOM, decimal comma, French headers."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cospiral.actions.models import Action, Commitment
from cospiral.cards.models import Card
from cospiral.core import exports
from cospiral.domain import survey as rules
from cospiral.domain.cells import is_formula_like
from cospiral.grid.models import GridEntry
from cospiral.territories.models import Organisation

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example/?x=1","Cliquez")'
SUM = "-2+3"
AT = "@SUM(A1:A9)"
EVIL = (LINK, SUM, AT)


def table(response, format: str) -> list[list]:
    """Every row of every sheet (XLSX) or of the CSV; no cell is ever a formula."""
    assert response.status_code == 200, response.content[:400]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if format == "xlsx":
        assert response["Content-Disposition"].endswith('.xlsx"')
        book = load_workbook(io.BytesIO(body))
        rows = []
        for sheet in book:
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row)
                rows.append([cell.value for cell in row])
        return rows
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    if format == "excel-fr":
        assert body.startswith(codecs.BOM_UTF8)
        assert response["Content-Disposition"].endswith('-excel-fr.csv"')
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if format == "excel-fr"
                           else ","))


def check_safe(rows: list[list], texts=EVIL) -> None:
    """No cell starts like a formula, and each text is there, neutralised."""
    cells = [c for row in rows for c in row if isinstance(c, str)]
    assert not [c for c in cells if is_formula_like(c)]
    for text in texts:
        assert "'" + text in cells, text


def every_format(client, url: str, texts=EVIL, *, query: dict | None = None,
                 path_format: bool = True) -> dict[str, list[list]]:
    """The export at ``url`` (a function of the format, or one address taking
    ``?format=``) in the three formats, each checked."""
    found = {}
    for format in exports.FORMATS:
        if path_format:
            response = client.get(url(format), query or {})
        else:
            response = client.get(url, {**(query or {}), "format": format})
        rows = table(response, format)
        check_safe(rows, texts)
        found[format] = rows
    return found


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [LINK, SUM, AT, "+33 6 12", "\t=1", "\r=1", "-", "=", "@",
                                   "-A1", "+SUM(1)", "-1e5x"])
def test_formula_like_texts_get_an_apostrophe(value):
    from cospiral.domain.cells import neutralise, restore

    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["-2", "+3.5", "-1,5", "-0.25e-3", "12", "Alpha", "'=x", "",
                                   " =1", 12, -3.5, Decimal("-12.50"), None, True])
def test_numbers_and_plain_texts_are_untouched(value):
    from cospiral.domain.cells import neutralise

    assert neutralise(value) == value


def test_excel_french_cells():
    sheet = exports.Sheet("t", ["code", "share"], [["A", 0.5], ["-2+3", Decimal("-12.50")],
                                                   ["B", -3], ["C", None]], ["Code", "Part"])
    text = exports.csv_bytes(sheet, exports.EXCEL_FR).decode("utf-8")
    assert text == "\ufeffCode;Part\r\nA;0,5\r\n'-2+3;-12,50\r\nB;-3\r\nC;\r\n"
    standard = exports.csv_bytes(sheet).decode("utf-8")
    assert standard == "\ufeffcode,share\r\nA,0.5\r\n'-2+3,-12.50\r\nB,-3\r\nC,\r\n"
    book = load_workbook(io.BytesIO(exports.xlsx_bytes([sheet])))
    assert [[c.value for c in row] for row in book["t"].iter_rows()] == [
        ["code", "share"], ["A", 0.5], ["'-2+3", -12.5], ["B", -3], ["C", None]]


def test_unknown_format_is_404(world, login):
    client = login(world.alpha.users["observer"])
    url = reverse("evaluations:export", args=["alpha", "pdf"])
    assert client.get(url).status_code == 404
    url = reverse("syntheses:territory_csv", args=["alpha"])
    assert client.get(url, {"format": "ods"}).status_code == 404


# --- every export -----------------------------------------------------------------------------


def test_actions_and_commitments(world, login):
    t = world.alpha.territory
    action = Action.objects.create(territory=t, title=LINK, description=SUM, origin=AT)
    org = Organisation.objects.create(territory=t, name=AT, kind="association")
    Commitment.objects.create(territory=t, action=action, party_kind="organisation",
                              organisation=org, what=LINK, resource=SUM, amount=Decimal("-12.50"),
                              unit="€")
    client = login(world.alpha.users["observer"])
    found = every_format(client, lambda f: reverse("actions:export", args=["alpha", "actions", f]))
    assert found["csv"][0][:4] == ["id", "parent_id", "axis", "title"]
    assert found["excel-fr"][0][:4] == ["id", "parent_id", "axis", "title"]  # import's codes
    found = every_format(client, lambda f: reverse("actions:export",
                                                   args=["alpha", "commitments", f]),
                         (LINK, SUM, AT))
    header = found["csv"][0]
    assert found["csv"][1][header.index("amount")] == "-12.50"
    assert found["excel-fr"][1][header.index("amount")] == "-12,50"
    assert found["xlsx"][1][header.index("amount")] == -12.5


def test_cards_import_template(world, login):
    world.alpha.group.name = LINK
    world.alpha.group.save(update_fields=["name"])
    client = login(world.alpha.users["observer"])
    every_format(client, lambda f: reverse("criteria:template", args=["alpha", f]), (LINK,))


def test_grid_exports(world, login, django_user_model):
    version = world.alpha.territory.grid_version
    GridEntry.objects.filter(version=version, code="A01").update(
        labels={"fr": LINK, "en": SUM}, descriptions={"fr": AT})
    client = login(world.alpha.users["observer"])
    found = every_format(client, reverse("grid:export", args=[version.slug]), path_format=False)
    assert not found["csv"][0][0].startswith("\ufeff")  # the import format, byte for byte
    every_format(client, reverse("territory_grid:export", args=["alpha"]), path_format=False)
    # the command writes the same neutralised text
    from cospiral.grid import services

    assert "'" + LINK.replace('"', '""') in services.export_grid_csv(version)


def test_statistics_tables(world, login):
    t = world.alpha
    GridEntry.objects.filter(version=t.territory.grid_version, code="A01").update(
        labels={"fr": LINK, "en": LINK})
    from cospiral.coding import counts
    from cospiral.coding.services import code_card

    for card in t.cards:
        code_card(t.territory, card, code="A01", user=t.users["coordinator"], seen_updated_at=None)
    counts.recompute(t.territory)
    client = login(t.users["observer"])
    found = every_format(client, lambda f: reverse("stats:export", args=["alpha", f]), (LINK,),
                         query={"table": "components", "scope": "territory"})
    assert found["excel-fr"][0] != found["csv"][0]  # French column names
    assert found["excel-fr"][0][0] == "Code"


def test_synthesis_sentences(world, login):
    from cospiral.coding.services import code_card
    from cospiral.syntheses import services

    a = world.alpha
    for card in a.cards:
        code_card(a.territory, card, code="A01", user=a.users["coordinator"], seen_updated_at=None)
    Card.objects.filter(pk=a.cards[0].pk).update(text=SUM)
    entry = GridEntry.objects.of(a.territory).get(code="A01")
    services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group, component=entry,
                          text=LINK, cards=[a.cards[0]])
    services.add_sentence(a.territory, user=a.users["facilitator"], group=a.group, component=entry,
                          text=AT, cards=[a.cards[1]])
    for text, card in ((LINK, a.cards[0]), (AT, a.cards[1])):  # the territory's synthesis
        services.add_sentence(a.territory, user=a.users["coordinator"], group=None, component=entry,
                              text=text, cards=[card])
    client = login(a.users["observer"])
    for url in (reverse("syntheses:group_csv", args=["alpha", a.group.pk]),
                reverse("syntheses:territory_csv", args=["alpha"])):
        found = every_format(client, url, path_format=False)
        assert found["csv"][0][-1] == "card_text"
        assert found["excel-fr"][0][-1] == "Texte de la carte"


def test_existing_actions_ranking(world, login):
    from cospiral.existing_actions import services
    from cospiral.existing_actions.models import QUESTIONS

    services.save_action(world.alpha.territory, user=world.alpha.users["coordinator"], name=LINK,
                         carried_by=SUM, families=["A"],
                         scores=dict(zip(QUESTIONS, (4, 4, 3, 3, 4), strict=True)))
    services.save_action(world.alpha.territory, user=world.alpha.users["coordinator"], name=AT,
                         families=["A"], scores=dict(zip(QUESTIONS, (1, 1, 1, 1, 1), strict=True)))
    client = login(world.alpha.users["observer"])
    found = every_format(client, lambda f: reverse("evaluations:export", args=["alpha", f]))
    header = found["csv"][0]
    assert header[0] == "rank" and found["excel-fr"][0][0] == "Rang"
    assert found["csv"][1][header.index("total")] == "90.0"
    assert found["excel-fr"][1][header.index("total")] == "90,0"


def test_vote_results_and_voter_links(world, login):
    from cospiral.votes import services

    t = world.alpha
    garden = Action.objects.create(territory=t.territory, title=LINK)
    bus = Action.objects.create(territory=t.territory, title=SUM)
    lunch = Action.objects.create(territory=t.territory, title=AT)
    coordinator = t.users["coordinator"]
    r = services.save_round(t.territory, user=coordinator, title="Round", method="dot",
                            electorate="citizens", candidates=[garden, bus, lunch],
                            dots_per_voter=3)
    r = services.open_round(r, user=coordinator)
    services.create_tokens(r, 2, user=coordinator, label=LINK)
    services.close_round(r, user=coordinator)
    client = login(coordinator)
    found = every_format(client, reverse("votes:results_csv", args=["alpha", r.pk]),
                         path_format=False)
    assert found["csv"][0][0] == "rank" and found["excel-fr"][0][0] == "Rang"
    every_format(client, reverse("votes:tokens_csv", args=["alpha", r.pk]), (LINK,),
                 path_format=False)


def test_survey_exports_templates_and_links(world, login, make_wave):
    from cospiral.indicators.models import Indicator
    from cospiral.surveys import services

    w = make_wave(neighbourhoods=[SUM, "North"])
    first = w.indicators[0]
    Indicator.objects.filter(pk=first.pk).update(
        titles={"fr": LINK, "en": LINK},
        levels=[{"fr": AT, "en": AT}] + list(first.levels[1:]))
    wave = w.wave
    choices = rules.choice_counts({"neighbourhood": wave.neighbourhoods,
                                   "group_profile": wave.group_profiles})
    sheets = [(f"p:{n}", "paper", rules.make_sheet({0: 1 + n % 5, 1: 2, 2: 3}, 3,
                                                   profile={"age_band": n % 3, "neighbourhood": 0},
                                                   asked=wave.profile_questions, choices=choices,
                                                   consent=True), n) for n in range(1, 13)]
    coordinator = w.t.users["coordinator"]
    services.submit_many(wave, sheets, user=coordinator)
    services.create_tokens(wave, 2, user=coordinator, label=AT)
    client = login(coordinator)

    def url(what):
        return lambda f: reverse("surveys:results_export", args=["alpha", wave.pk, what, f])

    found = every_format(client, url("results"), (LINK,))
    header = found["csv"][0]
    mean = header.index("mean")
    assert "." in found["csv"][1][mean] and "," in found["excel-fr"][1][mean]
    assert found["excel-fr"][0][mean] == "Niveau moyen"
    assert found["excel-fr"][0][mean + 1] == "Niveau moyen, borne basse de l’intervalle"
    assert found["xlsx"][0][mean] == "mean"
    every_format(client, url("breakdown"), (SUM,))
    every_format(client, url("codebook"), (SUM, AT))
    # The raw answers are released once the wave is closed (never while answers arrive).
    services.close_wave(wave, user=coordinator)
    raw = every_format(client, url("raw"), ())
    assert len(raw["excel-fr"]) == len(raw["csv"]) == 13
    assert raw["excel-fr"][1] == raw["csv"][1]
    assert raw["csv"][0][:2] == ["age_band", "neighbourhood"]
    assert raw["excel-fr"][0][2:] == raw["csv"][0][2:]  # indicator codes stay codes
    every_format(client, lambda f: reverse("surveys:import_template", args=["alpha", wave.pk, f]),
                 ())
    every_format(client, reverse("surveys:links_csv", args=["alpha", wave.pk]), (AT,),
                 path_format=False)
    response = client.get(reverse("surveys:links_csv", args=["alpha", wave.pk]),
                          {"format": "excel-fr"})
    assert response.content.decode("utf-8-sig").startswith("Code du lien;Adresse;")


@pytest.mark.parametrize("page,name", [
    ("actions:plan", "actions"), ("actions:import", "actions"), ("evaluations:index", "evaluations"),
    ("criteria:import", "criteria"), ("syntheses:territory", "syntheses")])
def test_pages_link_every_format(world, login, page, name):
    client = login(world.alpha.users["coordinator"])
    with translation.override("en"):  # the French request leaves French active: undo it
        response = client.get(reverse(page, args=["alpha"]), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert "excel-fr" in html and "Excel (français)" in html


def test_dates_and_times_are_written_plainly():
    sheet = exports.Sheet("t", ["on"], [[dt.date(2026, 12, 1)]])
    assert exports.csv_bytes(sheet, exports.EXCEL_FR).decode("utf-8-sig") == "on\r\n2026-12-01\r\n"
