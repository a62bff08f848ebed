"""Coding suggestions for two territories: only a territory's own codes, retraining from
confirmed codings, never coding a card, and the ``suggest-eval`` command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cospiral.coding import counts, suggestions
from cospiral.criteria.models import Card
from cospiral.grid.models import GridEntry
from cospiral.grid.services import add_local_component

PETANQUE = ["Jouer à la pétanque au boulodrome le dimanche",
            "Un concours de pétanque avec les anciens",
            "Le boulodrome éclairé le soir pour la pétanque",
            "Des boules de pétanque prêtées au boulodrome",
            "Pétanque entre voisins au boulodrome",
            "La pétanque l'été sous les platanes",
            "Refaire le terrain du boulodrome",
            "Un club de pétanque pour les jeunes aussi"]


@pytest.fixture(autouse=True)
def _fresh_models(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    suggestions.clear_cache()
    yield
    suggestions.clear_cache()


def _cards(t, texts):
    cards = [Card.objects.create(territory=t.territory, group=t.group, session=t.session,
                                 question=t.q1, text=text, language="fr") for text in texts]
    counts.recompute(t.territory)  # written directly: count them as the services would
    return cards


def _confirm(t, cards, component, user):
    """Code cards as a person would (coded_by set), keeping the exact counts right."""
    befores = {c.pk: counts.cell(c) for c in cards}
    Card.objects.filter(pk__in=[c.pk for c in cards]).update(
        component=component, coded_by=user, coded_at=timezone.now())
    after = {c.pk: counts.cell(c) for c in Card.objects.filter(pk__in=befores)}
    counts.apply(t.territory, [(befores[pk], after[pk]) for pk in befores])


def _codes(result):
    return {s.code for row in result.values() for s in row}


def test_suggestions_name_only_the_territorys_codes(world):
    local = add_local_component(world.alpha.territory, family_code="A",
                                labels={"fr": "Pétanque et boulodrome", "en": "Petanque"})
    beta_cards = _cards(world.beta, PETANQUE[:3])
    result = suggestions.suggest(world.beta.territory, beta_cards, k=5)
    assert set(result) == {c.id for c in beta_cards}
    beta_codes = set(GridEntry.objects.of(world.beta.territory)
                     .filter(kind="component").values_list("code", flat=True))
    assert _codes(result) <= beta_codes
    assert local.code not in _codes(result)
    for row in result.values():
        assert len(row) == 5
        assert [s.confidence for s in row] == sorted((s.confidence for s in row), reverse=True)
        assert all(0 <= s.confidence <= 1 for s in row)
        assert all(s.label for s in row)
    # In alpha the local component's own words already point to it.
    alpha_result = suggestions.suggest(world.alpha.territory, _cards(world.alpha, PETANQUE[:3]))
    assert local.code in _codes(alpha_result)
    assert _codes(alpha_result) <= beta_codes | {local.code}


def test_labels_follow_the_language(world):
    card = _cards(world.alpha, ["Un logement social plus grand"])[0]
    fr = suggestions.suggest(world.alpha.territory, [card], language="fr")[card.id]
    en = suggestions.suggest(world.alpha.territory, [card], language="en")[card.id]
    assert [s.code for s in fr] == [s.code for s in en]
    fr_labels = {s.code: s.label for s in fr}
    en_labels = {s.code: s.label for s in en}
    assert fr_labels["A03"] == "Logement" and en_labels["A03"] == "Housing"


def test_retraining_picks_up_confirmed_codings(world):
    alpha = world.alpha
    # A local component whose label shares no word with the cards below.
    local = add_local_component(alpha.territory, family_code="A",
                                labels={"fr": "Tradition du Midi", "en": "Southern tradition"})
    probe = _cards(alpha, ["Une partie de pétanque au boulodrome avec mon voisin"])
    before = suggestions.suggest(alpha.territory, probe)[probe[0].id]
    assert local.code not in [s.code for s in before]
    key_before = suggestions.cache_key(alpha.territory)

    coded = _cards(alpha, PETANQUE)
    _confirm(alpha, coded, local, alpha.users["facilitator"])
    assert counts.differences(alpha.territory) == {}
    assert suggestions.cache_key(alpha.territory) != key_before

    after = suggestions.suggest(alpha.territory, probe)[probe[0].id]
    assert local.code in [s.code for s in after]
    # Beta never learns alpha's codings or codes.
    beta_probe = _cards(world.beta, ["Une partie de pétanque au boulodrome"])
    assert local.code not in _codes(suggestions.suggest(world.beta.territory, beta_probe))


def test_suggestions_never_code_cards_and_do_not_train_the_model(world):
    alpha = world.alpha
    key = suggestions.cache_key(alpha.territory)
    suggestions.suggest(alpha.territory, alpha.cards)
    for card in Card.objects.filter(pk__in=[c.pk for c in alpha.cards]):
        assert card.component_id is None and card.coded_by_id is None and card.coded_at is None
    # A card coded without a person (e.g. imported) is not a confirmed coding.
    Card.objects.filter(pk=alpha.cards[0].pk).update(
        component=GridEntry.objects.of(alpha.territory).get(code="A01"))
    assert suggestions.cache_key(alpha.territory) == key


def test_model_is_cached_in_memory_and_on_disk(world, settings):
    alpha = world.alpha
    first = suggestions.model_for(alpha.territory)
    assert suggestions.model_for(alpha.territory) is first
    files = list((settings.DATA_DIR / "models").glob("suggest-*.joblib"))
    assert len(files) == 1
    suggestions.clear_cache()
    reloaded = suggestions.model_for(alpha.territory)
    assert reloaded is not first and reloaded.codes == first.codes
    # A new confirmed coding gives a new model and replaces the old file.
    _confirm(alpha, alpha.cards[:1], GridEntry.objects.of(alpha.territory).get(code="A01"),
             alpha.users["coordinator"])
    assert suggestions.model_for(alpha.territory) is not reloaded
    assert len(list((settings.DATA_DIR / "models").glob("suggest-*.joblib"))) == 1


def test_suggest_eval_command(world):
    alpha = world.alpha
    housing = GridEntry.objects.of(alpha.territory).get(code="A03")
    food = GridEntry.objects.of(alpha.territory).get(code="A01")
    _confirm(alpha, _cards(alpha, ["Le loyer trop cher", "Un logement trop petit",
                                   "Attendre un HLM depuis 3 ans"]), housing, alpha.users["facilitator"])
    _confirm(alpha, _cards(alpha, ["Manger à sa faim", "Le prix des courses",
                                   "Des repas chauds à la cantine"]), food, alpha.users["facilitator"])
    out = StringIO()
    call_command("suggest-eval", "--territory", "alpha", "--folds", "3", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["folds"] == 3
    assert report["shipped_examples"]["all"]["n"] >= 780
    assert set(report["shipped_examples"]) == {"all", "fr", "en", "reliability"}
    assert report["shipped_examples"]["reliability"]["bins"]
    assert report["territory"]["slug"] == "alpha"
    assert report["territory"]["confirmed_codings"] == 6
    assert report["territory"]["results"]["all"]["n"] == 6
    assert 0 <= report["territory"]["results"]["all"]["top3_component"] <= 1

    table = StringIO()
    call_command("suggest-eval", "--folds", "2", stdout=table)
    assert "top-3 component" in table.getvalue() and "shipped examples" in table.getvalue()


def test_suggest_eval_refuses_unknown_territory(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nowhere"):
        call_command("suggest-eval", "--territory", "nowhere")


def test_suggest_eval_territory_never_scores_a_text_it_trained_on(world):
    """The demo territory's cards are shipped examples: they are left out of the training
    data when that territory is cross-validated (the leak of earlier versions)."""
    from cospiral.domain import suggest as domain

    alpha = world.alpha
    housing = GridEntry.objects.of(alpha.territory).get(code="A03")
    shipped = [e.text for e in domain.load_examples(["fr"]) if e.code == "A03"][:4]
    _confirm(alpha, _cards(alpha, shipped), housing, alpha.users["facilitator"])
    out = StringIO()
    call_command("suggest-eval", "--territory", "alpha", "--folds", "2", "--no-cv", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert "shipped_examples" not in report
    assert report["territory"]["shipped_examples_left_out"] == 4
    assert report["territory"]["results"]["all"]["n"] == 4


def test_suggest_eval_heldout_and_pairs_files(db, tmp_path):
    heldout = tmp_path / "mine.tsv"
    heldout.write_text("text\tlang\tfamily\nIl n'y a plus de bus après 20h\tfr\tA\n"
                       "My GP never has appointments\ten\tA\nLe racisme au travail\tfr\tE\n",
                       encoding="utf-8")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("lang,text_a,code_a,text_b,code_b,same\nfr,la solitude,G04,l'isolement,G04,1\n"
                     "fr,le loyer,A03,le bruit,B01,0\n", encoding="utf-8")
    out = StringIO()
    call_command("suggest-eval", "--heldout", str(heldout), "--pairs", str(pairs), "--no-cv", "--json",
                 stdout=out)
    report = json.loads(out.getvalue())
    results = report["heldout"]["without_question"]["results"]
    assert results["all"]["n"] == 3 and results["fr"]["n"] == 2 and results["*:E"]["n"] == 1
    assert "with_question" not in report["heldout"]
    assert report["pairs"]["all"]["pairs"] == 2 and report["pairs"]["all"]["f1"] == 1.0
    table = StringIO()
    call_command("suggest-eval", "--heldout", str(heldout), "--no-cv", stdout=table)
    assert "Held-out criteria" in table.getvalue() and "Expected calibration error" in table.getvalue()


def test_suggest_eval_says_what_is_wrong_in_a_file(db, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text("text,lang\nx,fr\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: the columns must include text, lang and family or code"):
        call_command("suggest-eval", "--heldout", str(bad), "--no-cv")
    bad.write_text("text,lang,code\nun texte,fr,A0\n,fr,A01\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 2, column code: “A0”.*\n.*line 3, column text: empty"):
        call_command("suggest-eval", "--heldout", str(bad), "--no-cv")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("suggest-eval", "--heldout", str(tmp_path / "missing.csv"), "--no-cv")
    bad.write_text("lang,text_a,code_a,text_b,code_b,same\nfr,a,A01,b,A01,yes\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2, column same"):
        call_command("suggest-eval", "--pairs", str(bad), "--no-cv")
