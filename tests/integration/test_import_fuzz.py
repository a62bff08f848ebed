"""Fuzzed imports (issue 14): for every table importer, files generated from its columns
and then mutated — encodings, delimiters, quotes, BOM, NUL, huge and odd cells, wrong
types, formulas, truncation — are either accepted whole or refused whole with at least
one error naming the file, the database unchanged; never an exception; and through the
page never a server error. ``max_examples`` is kept small so the whole module runs in
well under a minute per database."""

from __future__ import annotations

import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cospiral.actions import services as plan_services
from cospiral.actions import tabular
from cospiral.actions.models import Action, Commitment
from cospiral.cards.models import Card
from cospiral.cards.services import import_cards
from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableRejected
from cospiral.grid import imports as grid_imports
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.network import imports as network_imports
from cospiral.network.models import GridMapping
from cospiral.surveys.imports import import_responses
from cospiral.surveys.models import Questionnaire
from cospiral.territories.models import Organisation

FUZZ = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
PAGES = settings(FUZZ, max_examples=4)

ODD = st.sampled_from([
    "", " ", "é", "«\u00a0»", '"', '""', "'", ";", ",", "\t", "\r\n", "\n", "\x00", "=1+1",
    "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "inf", "nan", "1e999", "-0",
    "1" + "0" * 310 + ".0", "9" * 40, "3,5", "1 234,50", "2026-02-30", "2026-13-01",
    "x" * 20_000, "\ufeff", "\u202e", "NULL", "true", "0x1F",
])


def cell(valid):
    return st.one_of(st.sampled_from(valid), ODD, st.text(max_size=12))


@st.composite
def table_file(draw, header, valid_by_column):
    """``(bytes, filename)``: a table built from the columns' values, then mutated."""
    columns = list(header)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 9)) == 0:
        columns = columns[: draw(st.integers(0, len(columns)))]
    if draw(st.integers(0, 9)) == 0:
        columns.append(draw(st.sampled_from(["extra", columns[0] if columns else "x"])))
    rows = draw(st.lists(st.tuples(*[cell(valid_by_column.get(c, [""])) for c in columns]),
                         min_size=0, max_size=6))
    lines = [columns, *[list(r) for r in rows]]
    if draw(st.booleans()):
        return xlsx(draw, lines)
    return csv_bytes(draw, lines)


def xlsx(draw, lines):
    book = Workbook()
    for cells in lines:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in cells])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if draw(st.integers(0, 5)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data, "fuzz.xlsx"


def csv_bytes(draw, lines):
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    quote = draw(st.booleans())

    def one(value: str) -> str:
        if quote or any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "".join(delimiter.join(one(c) for c in cells) + newline for cells in lines)
    mutation = draw(st.integers(0, 7))
    if mutation == 0 and text:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "\x00", "\ufeff", "\r", delimiter])) + text[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if mutation == 1:
        data = data[: draw(st.integers(0, len(data)))]
    if mutation == 2:
        data = draw(st.binary(max_size=64)) + data
    return data, "fuzz.csv"


def state():
    return (Card.objects.count(), GridEntry.objects.count(), GridVersion.objects.count(),
            Questionnaire.objects.count(), Action.objects.count(), Commitment.objects.count(),
            GridMapping.objects.count(), AuditEntry.objects.count())


def accepted_or_refused_whole(run, data, filename):
    before = state()
    try:
        run(data, filename)
    except TableRejected as rejected:
        assert rejected.errors, "a refusal names at least one error"
        assert all(e.file == filename and e.message for e in rejected.errors)
        assert state() == before, "a refused file changed the database"


def page_never_fails(client, url, data, filename, extra=None):
    response = client.post(url, {"file": SimpleUploadedFile(filename, data), **(extra or {})})
    assert response.status_code in (200, 302, 400), response.status_code


# --- Cards -------------------------------------------------------------------------------

def card_columns(world):
    t = world.alpha
    return (["group", "question", "text", "session", "language", "channel", "author", "ref", "code"],
            {"group": [t.group.name, "Nobody"], "question": ["Q1", "Q2", "Q9"],
             "text": ["un parc", "la santé"], "session": ["2026-10-01", ""],
             "language": ["fr", "en"], "channel": ["paper", "online"], "author": ["p1"],
             "ref": ["1", "2"], "code": ["A01", "B01", ""]})


@pytest.mark.django_db
def test_cards_fuzz(world):
    header, valid = card_columns(world)
    user = world.alpha.users["coordinator"]

    @FUZZ
    @given(table_file(header, valid))
    def run(made):
        accepted_or_refused_whole(
            lambda d, f: import_cards(world.alpha.territory, d, f, user=user), *made)

    run()


@pytest.mark.django_db
def test_cards_page_fuzz(world, login):
    header, valid = card_columns(world)
    client = login(world.alpha.users["coordinator"])
    url = reverse("criteria:import", args=["alpha"])

    @PAGES
    @given(table_file(header, valid))
    def run(made):
        page_never_fails(client, url, *made)

    run()


# --- Grid --------------------------------------------------------------------------------

GRID = (["code", "label_fr", "label_en", "description_fr", "description_en", "source"],
        {"code": ["A", "A01", "A02", "B", "B01", "AL01"], "label_fr": ["Accès", "Santé"],
         "label_en": ["Access", "Health"], "source": ["draft", "published", "local"]})


@pytest.mark.django_db
def test_grid_fuzz():
    slugs = (f"fuzz-{n}" for n in itertools.count())

    @FUZZ
    @given(table_file(*GRID))
    def run(made):
        accepted_or_refused_whole(
            lambda d, f: grid_imports.import_grid(d, f, slug=next(slugs), name="Fuzz"), *made)

    run()


# --- Survey responses ---------------------------------------------------------------------

@pytest.mark.django_db
def test_survey_responses_fuzz(world, make_wave, login):
    made_wave = make_wave(world.alpha, indicators=3)
    codes = [i.code for i in made_wave.indicators]
    header = ["respondent_id", "age_band", "neighbourhood", "consent", *codes]
    valid = {"respondent_id": ["1", "2", "r-3"], "age_band": ["30_44", ""],
             "neighbourhood": ["North", ""], "consent": ["yes", "no"],
             **{c: ["1", "3", "5", "d", "n", "", "3,0"] for c in codes}}
    user = world.alpha.users["coordinator"]
    client = login(user)
    url = reverse("surveys:import", kwargs={"territory": "alpha", "pk": made_wave.wave.pk})

    @FUZZ
    @given(table_file(header, valid))
    def run(made):
        accepted_or_refused_whole(
            lambda d, f: import_responses(made_wave.wave, d, f, user=user), *made)

    @PAGES
    @given(table_file(header, valid))
    def page(made):
        page_never_fails(client, url, *made)

    run()
    page()


# --- Actions and commitments --------------------------------------------------------------

@pytest.fixture
def plan(world):
    t = world.alpha
    user = t.users["coordinator"]
    t.org = Organisation.objects.create(territory=t.territory, name="Alpha town hall")
    t.action = plan_services.create_action(t.territory, user=user, title="Repair café")
    t.sub = plan_services.create_action(t.territory, user=user, title="Tools", parent=t.action)
    t.commitment = plan_services.save_commitment(t.action, user=user, party_kind="organisation",
                                                 organisation=t.org, what="Open the hall")
    return world


def plan_columns(t, kind):
    if kind == "actions":
        return (["id", "parent_id", "title", "status", "progress", "lead", "families",
                 "demonstrative", "starts_on", "ends_on"],
                {"id": [str(t.action.pk), str(t.sub.pk), "", "999999"],
                 "parent_id": [str(t.action.pk), str(t.sub.pk), ""], "title": ["Fête", "Café"],
                 "status": ["proposed", "running", "done", "bogus"],
                 "progress": ["", "40", "100", "101", "40,0"], "lead": ["Alpha town hall", ""],
                 "families": ["A", "A B", "Z"], "demonstrative": ["yes", "no", ""],
                 "starts_on": ["2026-02-01", ""], "ends_on": ["2026-01-01", "2026-12-31"]})
    return (["id", "action_id", "party_kind", "organisation", "person", "what", "resource",
             "amount", "unit", "accepted_on", "outcome", "evidence"],
            {"id": [str(t.commitment.pk), ""], "action_id": [str(t.action.pk), "0", ""],
             "party_kind": ["organisation", "person", "group"],
             "organisation": ["Alpha town hall", "Nobody"], "person": ["Léa", ""],
             "what": ["Prêter la salle", ""], "resource": ["money", "time", "gold"],
             "amount": ["1 234,50", "12.5", "-3", ""], "unit": ["€", ""],
             "accepted_on": ["2026-01-05", ""], "outcome": ["kept", "", "maybe"],
             "evidence": ["Sheets", ""]})


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["actions", "commitments"])
def test_plan_fuzz(plan, login, kind):
    t = plan.alpha
    user = t.users["coordinator"]
    header, valid = plan_columns(t, kind)
    client = login(user)
    url = reverse("actions:import", kwargs={"territory": "alpha"})

    @FUZZ
    @given(table_file(header, valid))
    def run(made):
        accepted_or_refused_whole(
            lambda d, f: tabular.import_file(t.territory, kind, d, f, user=user), *made)

    @PAGES
    @given(table_file(header, valid))
    def page(made):
        page_never_fails(client, url, *made, extra={"kind": kind})

    run()
    page()


# --- Grid mapping -------------------------------------------------------------------------

@pytest.mark.django_db
def test_grid_mapping_fuzz(world):
    admin = get_user_model().objects.create_superuser("fuzz-admin", password="x" * 20)
    other = GridVersion.objects.create(slug="other", name="Other")
    family = GridEntry.objects.create(version=other, code="C", kind="family",
                                      labels={"fr": "C", "en": "C"}, position=0)
    for n, code in enumerate(["C01", "C02"], start=1):
        GridEntry.objects.create(version=other, code=code, kind="component", parent=family,
                                 labels={"fr": code, "en": code}, position=n)
    target = world.alpha.territory.grid_version

    @FUZZ
    @given(table_file(["from_code", "to_code"],
                      {"from_code": ["C01", "C02", "C09"], "to_code": ["A01", "B01", "Z99"]}))
    def run(made):
        accepted_or_refused_whole(
            lambda d, f: network_imports.import_mapping(
                user=admin, from_version=other, to_version=target, data=d, filename=f), *made)

    run()
