"""A file saved by French Excel as « CSV (séparateur : point-virgule) » — semicolons,
Windows-1252, CRLF line ends, « é », decimal commas, French column names — is read by
every table importer (issue 12, deliverable 4; issue 14), and the importer says which
encoding it read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from cospiral.actions import services as plan_services
from cospiral.actions import tabular
from cospiral.actions.models import Commitment
from cospiral.cards.models import Card
from cospiral.cards.services import import_cards
from cospiral.grid import imports as grid_imports
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.network import imports as network_imports
from cospiral.network.models import GridMapping
from cospiral.surveys.imports import import_responses
from cospiral.surveys.models import Questionnaire
from cospiral.territories.models import Organisation


def french_excel(lines: list[list[str]]) -> bytes:
    """What French Excel writes: ``;`` between cells, CRLF, Windows-1252."""
    return "".join(";".join(cells) + "\r\n" for cells in lines).encode("cp1252")


def test_cards(world):
    t = world.alpha
    data = french_excel([
        ["Groupe", "Question", "Texte", "Séance", "Langue", "Canal"],
        [t.group.name, "Q1", "Un café où l’on se retrouve, à 2,5 km", "2026-10-01", "fr", "paper"],
        [t.group.name, "Q2", "« Être écouté » par la mairie", "", "fr", "paper"],
    ])
    result = import_cards(t.territory, data, "cartes.csv", user=t.users["coordinator"])
    assert result.created == 2
    assert "Windows-1252" in result.read_as and "semicolon" in result.read_as
    texts = set(Card.objects.of(t.territory).values_list("text", flat=True))
    assert {"Un café où l’on se retrouve, à 2,5 km", "« Être écouté » par la mairie"} <= texts


def test_grid(db):
    data = french_excel([
        ["code", "libellé_fr", "libellé_en", "source"],
        ["A", "Accès aux moyens de vie", "Access to means of living", "draft"],
        ["A01", "Santé, bien-être", "Health", "draft"],
    ])
    version = grid_imports.import_grid(data, "grille.csv", slug="grille-fr", name="Grille")
    labels = dict(GridEntry.objects.filter(version=version).values_list("code", "labels"))
    assert labels["A01"]["fr"] == "Santé, bien-être"


def test_survey_responses(world, make_wave):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    codes = [i.code for i in made.indicators]
    data = french_excel([["Répondant", *codes], ["1", "3,0", "5"], ["é-2", "d", "2"]])
    result = import_responses(made.wave, data, "réponses.csv",
                              user=world.alpha.users["coordinator"])
    assert result.created == 2 and "Windows-1252" in result.read_as
    assert set(Questionnaire.objects.filter(wave=made.wave).values_list("key", flat=True)) == {
        "i:1", "i:é-2"}


def test_actions_and_commitments(world):
    t = world.alpha
    user = t.users["coordinator"]
    org = Organisation.objects.create(territory=t.territory, name="Mairie d’Alphaville")
    action = plan_services.create_action(t.territory, user=user, title="Café réparation")
    data = french_excel([
        ["id", "Titre", "Statut", "Avancement", "Début"],
        [str(action.pk), "Café réparation élargi", "running", "40,0", "2026-02-01"],
        ["", "Fête de quartier", "proposed", "", ""],
    ])
    result = tabular.import_file(t.territory, "actions", data, "actions.csv", user=user)
    assert (result.created, result.updated) == (1, 1)
    assert "Windows-1252" in result.read_as
    action.refresh_from_db()
    assert (action.title, action.progress, action.starts_on) == (
        "Café réparation élargi", 40, dt.date(2026, 2, 1))
    data = french_excel([
        ["id", "id_action", "type_de_partie", "organisation", "Engagement", "Ressource",
         "Montant", "Unité"],
        ["", str(action.pk), "organisation", "Mairie d’Alphaville", "Prêter la salle",
         "money", "1 234,50", "€"],
    ])
    result = tabular.import_file(t.territory, "commitments", data, "engagements.csv", user=user)
    assert result.created == 1
    commitment = Commitment.objects.of(t.territory).get(organisation=org)
    assert str(commitment.amount) == "1234.50" and commitment.what == "Prêter la salle"


def test_grid_mapping(world):
    admin = get_user_model().objects.create_superuser("admin-fr", password="x" * 20)
    other = GridVersion.objects.create(slug="autre-grille", name="Autre grille")
    family = GridEntry.objects.create(version=other, code="C", kind="family",
                                      labels={"fr": "Famille C", "en": "C"}, position=0)
    GridEntry.objects.create(version=other, code="C01", kind="component", parent=family,
                             labels={"fr": "Été", "en": "Summer"}, position=1)
    data = french_excel([["Code_source", "Code_cible"], ["C01", "A01"]])
    count = network_imports.import_mapping(user=admin, from_version=other,
                                            to_version=world.alpha.territory.grid_version,
                                            data=data, filename="correspondance.csv")
    assert count == 1 and GridMapping.objects.get().to_code == "A01"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_the_same_file_in_every_encoding(world, encoding):
    t = world.alpha
    text = f"groupe\tquestion\ttexte\r\n{t.group.name}\tQ1\tÉcole à côté\r\n"
    result = import_cards(t.territory, text.encode(encoding), "c.csv", user=t.users["coordinator"])
    assert result.created == 1
    assert Card.objects.of(t.territory).filter(text="École à côté").exists()
