"""The open-data package's rules: deterministic writing and validation (no database)."""

from __future__ import annotations

import json

from cospiral.domain import package as pkg

TERRITORY = {"identifier": "alpha", "name": "Alpha", "kind": "city", "languages": ["fr"],
             "grid_version": "v1", "publish_card_texts": True, "publish_raw_responses": False}

ROWS = {
    "grid": [["A", "family", "", 0, False, {"en": "Access"}],
             ["A01", "component", "A", 1, False, {"en": "Food", "fr": "Alimentation"}],
             ["AL01", "component", "A", 2, True, {"fr": "Local"}]],
    "groups": [[1, "Seniors", "homogeneous", 2, "seniors"]],
    "sessions": [[1, 1, "2026-01-12", "in_person", 9]],
    "questions": [["Q1", True, 1, {"en": "What is well-being?"}]],
    "cards": [[1, 1, "Q1", "A01", "", "fr", "paper", "Manger à sa faim", 1],
              [2, 1, "Q1", "", "", "fr", "online", "", None]],
}


def files(rows=None, **changes):
    rows = {**ROWS, **(rows or {})}
    out = {r.path: pkg.write_csv(r, rows.get(r.name, [])) for r in pkg.RESOURCES}
    out.update(changes)
    out[pkg.DESCRIPTOR] = pkg.descriptor(name="cospiral-alpha", title="Alpha",
                                         created="2026-01-01T00:00:00+00:00",
                                         territory=TERRITORY, files=out)
    return out


def whats(errors):
    return [(e.file, e.line, e.column, e.what) for e in errors]


def test_a_written_package_validates_and_reads_typed_rows():
    package, errors = pkg.validate(files())
    assert errors == []
    assert package.territory["identifier"] == "alpha"
    assert package.tables["cards"][0] == {
        "id": 1, "group": 1, "question": "Q1", "component": "A01", "full_code": "",
        "language": "fr", "channel": "paper", "text": "Manger à sa faim", "session": 1}
    assert package.tables["groups"][0]["cycle"] == 2 and package.tables["groups"][0]["profile"] == "seniors"
    import datetime as dt

    assert package.tables["sessions"][0]["date"] == dt.date(2026, 1, 12)
    assert package.tables["grid"][1]["labels"] == {"en": "Food", "fr": "Alimentation"}
    assert package.tables["grid"][2]["local"] is True


def test_writing_is_deterministic_with_lf_and_sorted_json():
    first, second = files(), files()
    assert first == second
    data = first["grid.csv"].decode()
    assert "\r" not in data
    assert '"{""en"":""Food"",""fr"":""Alimentation""}"' in data
    descriptor = json.loads(first[pkg.DESCRIPTOR])
    assert list(descriptor) == sorted(descriptor)
    assert descriptor["resources"][0]["hash"] == pkg.sha256(first["grid.csv"])
    codebook = descriptor["cospiral"]["codebook"]
    assert codebook["responses.answer"]["age_band"]["0"] == "under_18"
    assert codebook["wave_results.answer"]["-1"] == "don't know"
    cards = descriptor["resources"][3]
    assert cards["schema"]["fields"][6] == {
        "name": "channel", "type": "string", "description": "Paper or online.",
        "constraints": {"required": True, "enum": ["paper", "online"]}}


def test_a_tampered_file_is_refused_by_its_hash():
    good = files()
    tampered = dict(good)
    tampered["cards.csv"] = good["cards.csv"].replace(b"Manger", b"Boire")
    package, errors = pkg.validate(tampered)
    assert package is None
    assert whats(errors) == [("cards.csv", None, None, "bad_hash")]


def test_malformed_json_is_refused_with_its_line():
    broken = files()
    broken[pkg.DESCRIPTOR] = b'{\n "profile": "data-package",\n oops\n}'
    package, errors = pkg.validate(broken)
    assert package is None
    assert whats(errors) == [(pkg.DESCRIPTOR, 3, None, "bad_json")]


def test_a_changed_schema_or_missing_descriptor_is_refused():
    good = files()
    body = json.loads(good[pkg.DESCRIPTOR])
    body["resources"][3]["schema"]["fields"][6]["constraints"]["enum"].append("fax")
    changed = {**good, pkg.DESCRIPTOR: json.dumps(body).encode()}
    assert whats(pkg.validate(changed)[1]) == [(pkg.DESCRIPTOR, None, "cards.schema", "bad_schema")]
    missing = {k: v for k, v in good.items() if k != pkg.DESCRIPTOR}
    assert whats(pkg.validate(missing)[1]) == [(pkg.DESCRIPTOR, None, None, "missing_file")]


def test_bad_territory_identifier_is_refused():
    good = files()
    body = json.loads(good[pkg.DESCRIPTOR])
    body["cospiral"]["territory"]["identifier"] = "no spaces"
    _, errors = pkg.validate({**good, pkg.DESCRIPTOR: json.dumps(body).encode()})
    assert ("bad_identifier" in {e.what for e in errors})


def test_unknown_codes_types_and_required_values_are_named_by_line_and_column():
    rows = {"cards": [[1, 1, "Q1", "Z99", "", "fr", "fax", "x", None],
                      [2, "one", "Q9", "", "", "", "paper", "", None]]}
    package, errors = pkg.validate(files(rows))
    assert package is None
    assert set(whats(errors)) == {
        ("cards.csv", 2, "channel", "unknown_code"),
        ("cards.csv", 3, "group", "bad_value"),
        ("cards.csv", 3, "language", "required"),
    }
    # Once the cells are valid, references are checked: unknown component and question.
    rows = {"cards": [[1, 1, "Q1", "Z99", "", "fr", "paper", "x", None],
                      [2, 1, "Q9", "", "", "fr", "paper", "", None]]}
    _, errors = pkg.validate(files(rows))
    assert set(whats(errors)) == {
        ("cards.csv", 2, "component", "unknown_reference"),
        ("cards.csv", 3, "question", "unknown_reference"),
    }
    assert errors[0].params["target"] in {"grid", "questions"}


def test_duplicate_primary_keys_are_refused():
    rows = {"groups": [[1, "Seniors", "homogeneous", None, ""], [1, "Youth", "homogeneous", None, ""]]}
    _, errors = pkg.validate(files(rows))
    assert whats(errors) == [("groups.csv", 3, "id", "duplicate_key")]
    assert errors[0].params == {"key": "1", "first": 2}


def test_a_wrong_header_or_width_and_extra_files_are_refused():
    bad = files()
    bad["groups.csv"] = b"id,title,kind\n1,x,y\n"
    bad[pkg.DESCRIPTOR] = pkg.descriptor(name="n", title="t", created="c", territory=TERRITORY,
                                         files=bad)
    assert whats(pkg.validate(bad)[1]) == [("groups.csv", 1, None, "bad_header")]
    bad["groups.csv"] = b"id,name,kind,cycle,profile\n1,x\n"
    bad["notes.txt"] = b"hello"
    bad[pkg.DESCRIPTOR] = pkg.descriptor(name="n", title="t", created="c", territory=TERRITORY,
                                         files=bad)
    assert set(whats(pkg.validate(bad)[1])) == {("notes.txt", None, None, "unexpected_file"),
                                                ("groups.csv", 2, None, "bad_width")}


def test_no_timestamps_are_written():
    import datetime as dt

    import pytest

    assert pkg.cell(dt.date(2026, 3, 1)) == "2026-03-01"
    with pytest.raises(TypeError):
        pkg.cell(dt.datetime(2026, 3, 1, 12))


def test_a_card_in_a_session_of_another_group_is_refused():
    rows = {"groups": [[1, "Seniors", "homogeneous", 2, ""], [2, "Youth", "homogeneous", 5, ""]],
            "sessions": [[1, 2, "2026-01-12", "fax", None]],
            "cards": [[1, 1, "Q1", "A01", "", "fr", "paper", "x", 1]]}
    _, errors = pkg.validate(files(rows))
    assert set(whats(errors)) == {("groups.csv", 3, "cycle", "unknown_code"),
                                  ("sessions.csv", 2, "channel", "unknown_code")}
    rows["groups"][1][3] = 1
    rows["sessions"][0][3] = "online"
    _, errors = pkg.validate(files(rows))
    assert whats(errors) == [("cards.csv", 2, "session", "session_of_another_group")]
