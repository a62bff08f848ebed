from cospiral.domain.territory_rules import (
    creates_cycle,
    descendants,
    format_tags,
    leaves_no_coordinator,
    parse_tags,
    question_code_problem,
)

TREE = {1: None, 2: 1, 3: 2, 4: 1, 5: None}


def test_descendants_walks_the_whole_subtree():
    assert descendants(1, TREE) == {2, 3, 4}
    assert descendants(3, TREE) == set()


def test_creates_cycle_refuses_self_and_descendants():
    assert creates_cycle(1, 1, TREE)
    assert creates_cycle(1, 3, TREE)
    assert not creates_cycle(3, 4, TREE)
    assert not creates_cycle(1, 5, TREE)
    assert not creates_cycle(1, None, TREE)


def test_last_coordinator_cannot_go():
    roles = {1: "coordinator", 2: "observer"}
    assert leaves_no_coordinator(roles, 1, None)
    assert leaves_no_coordinator(roles, 1, "observer")
    assert not leaves_no_coordinator(roles, 2, None)
    assert not leaves_no_coordinator({1: "coordinator", 2: "coordinator"}, 1, None)
    assert not leaves_no_coordinator({2: "observer"}, 2, None)


def test_tags_are_parsed_and_deduplicated():
    assert parse_tags(" youth,  Quartier  Nord ,,youth, YOUTH ") == ["youth", "Quartier Nord"]
    assert parse_tags("") == []
    assert format_tags(["a", "b"]) == "a, b"


def test_question_codes():
    assert question_code_problem("Q5") is None
    assert question_code_problem("school-1") is None
    assert question_code_problem("q1") == "reserved"
    assert question_code_problem(" ") == "empty"
    assert question_code_problem("bad code") == "syntax"
    assert question_code_problem("X" * 13) == "syntax"


def test_identifier_from_transliterates_accents_and_joins_words_with_hyphens():
    from cospiral.domain.territory_rules import identifier_from

    assert identifier_from("Drouot-Barbanègre") == "drouot-barbanegre"
    assert identifier_from("  Quartier des Tilleuls (Montclair) ") == "quartier-des-tilleuls-montclair"
    assert identifier_from("Cœur de ville à Saint-Étienne") == "coeur-de-ville-a-saint-etienne"
    assert identifier_from("!!!") == ""
    assert len(identifier_from("a" * 100)) == 60


def test_free_identifier_adds_the_first_free_number():
    from cospiral.domain.territory_rules import free_identifier

    assert free_identifier("beta", []) == "beta"
    assert free_identifier("beta", ["beta", "beta-2"]) == "beta-3"
