from cospiral.domain.similarity import near_duplicate_groups, normalise, similarity


def test_normalise_folds_case_accents_punctuation_function_words_and_plurals():
    assert normalise("L'Écoute des voisins !") == "ecoute voisin"
    assert normalise("Des logements décents") == normalise("un logement décent")


def test_similarity_bounds_and_symmetry():
    a, b = "avoir un travail stable", "un travail stable pour vivre"
    assert 0 <= similarity(a, b) <= 1
    assert similarity(a, b) == similarity(b, a)
    assert similarity("la santé", "LA SANTE !") == 1.0
    assert similarity("la santé", "le bruit des voitures") < 0.2


def test_groups_near_duplicates_in_french_and_english_with_spelling_slips():
    items = [
        (1, "Avoir un logement décent"),
        (2, "le bruit des voitures la nuit"),
        (3, "avoir un logement decent et pas cher"),
        (4, "Having decent housing"),
        (5, "having a decent house"),
        (6, "du bruit de voiture la nuit"),
        (7, "des amis"),
    ]
    groups = near_duplicate_groups(items)
    assert [1, 3] in groups
    assert [2, 6] in groups
    assert [4, 5] in groups
    assert all(7 not in g for g in groups)


def test_identical_once_normalised_always_group_and_order_is_stable():
    items = [("b", "La santé."), ("a", "la sante"), ("c", "autre chose")]
    assert near_duplicate_groups(items, threshold=0.99) == [["b", "a"]]
    assert near_duplicate_groups([]) == []


# --- the same idea in other words ----------------------------------------------------

from cospiral.domain import similarity as sim  # noqa: E402


def test_paraphrases_of_one_idea_group_with_the_reason():
    items = [
        (1, "la solitude des personnes âgées", "G04"),
        (2, "l'isolement", "G04"),
        (3, "se sentir seul", "G04"),
        (4, "le bruit des voitures", "G04"),
    ]
    groups = sim.same_idea_groups(items)
    assert [g.keys for g in groups] == [[1, 2, 3]]
    assert ("solitude", "isolement") in groups[0].words()
    housing = sim.pair("logement trop cher", "les loyers sont hors de prix", "A03", "A03")
    assert housing.same_idea() and housing.relation == "same"
    assert {w for pair in housing.words for w in pair} >= {"logement", "loyers"}
    assert sim.pair("Loneliness", "Feeling alone", "G04", "G04").same_idea()


def test_related_words_are_not_the_same_idea():
    assert not sim.pair("le bruit des voisins", "le bruit des voitures", "D04", "B01").same_idea()
    assert not sim.pair("le prix des loyers", "le prix du pain", "A03", "A01").same_idea()
    assert not sim.pair("la solitude", "la solidarité", "G04", "E02").same_idea()
    assert not sim.pair("Isolation", "Insulation of homes", "G04", "A03").same_idea()


def test_what_the_coding_knows_moves_the_score():
    text_only = sim.pair("le stress des examens", "l'angoisse")
    assert text_only.relation is None and 0 < text_only.score < 1
    assert sim.pair("le stress des examens", "l'angoisse", "G02", "G02").score > text_only.score
    assert sim.pair("le stress des examens", "l'angoisse", "G02", "A10").score < text_only.score
    assert sim.relation("G04", "D00") == "neighbour"
    assert sim.relation("G04", "G01") == "neighbour"
    assert sim.relation("A03", "H04") == "other"
    assert sim.relation("A03-11", "A03") == "same"


def test_meaning_handles_odd_input():
    assert sim.pair("", "").score == 1.0
    assert sim.pair("!!!", "🙂").score <= 1.0
    assert sim.same_idea_groups([]) == []
    assert 0 <= sim.similarity("x" * 10_000, "la solitude") <= 1


def _pairwise_groups(items):
    """The groups by scoring each pair on its own with :func:`pair` (the reference)."""
    links = [(i, j) for i in range(len(items)) for j in range(i + 1, len(items))
             if sim.pair(items[i][1], items[j][1], items[i][2], items[j][2]).same_idea()]
    groups = sim._groups(len(items), links)
    return [[items[i][0] for i in members] for _, members in sorted(groups.items()) if len(members) > 1]


def test_groups_scored_all_at_once_equal_the_pairwise_groups():
    import csv
    import random

    from cospiral.domain.suggest import EXAMPLES_DIR

    rows = []
    for name in ("criteria_fr.csv", "criteria_en.csv"):
        with (EXAMPLES_DIR / name).open(encoding="utf-8") as handle:
            rows += [(r["text"], r["code"]) for r in csv.DictReader(handle)]
    rng = random.Random(11)
    for _ in range(8):
        sample = rng.sample(rows, 80)
        items = [(k, text, code if rng.random() < 0.5 else None) for k, (text, code) in enumerate(sample)]
        # Same text once normalised, spelling slips, cards of another family.
        items += [(100 + k, text.upper() + " !", code) for k, text, code in items[:6]]
        items += [(200 + k, text[:-1], "H04") for k, text, _ in items[6:12]]
        assert [g.keys for g in sim.same_idea_groups(items)] == _pairwise_groups(items)
    many = [(k, f"Load test card client-{k % 7} {k * 7919}", None) for k in range(60)]
    groups = sim.same_idea_groups(many)
    assert [g.keys for g in groups] == _pairwise_groups(many)
    assert all(len(g.links) <= sim.LINKS_KEPT for g in groups)
