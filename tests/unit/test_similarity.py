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
