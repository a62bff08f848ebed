"""Validation of grid files and local code numbering (pure domain, no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cospiral.domain.codes import CodeError, FullCode, parse_full_code
from cospiral.domain.grid import (
    GRID_COLUMNS,
    next_local_code,
    parse_grid_rows,
    validate_grid_rows,
    write_grid_csv,
)


def row(code, fr="libellé", en="label", source="", **extra):
    values = {"code": code, "label_fr": fr, "label_en": en, "description_fr": "",
              "description_en": "", "source": source}
    values.update(extra)
    return values


def lines(*values):
    return [(number, v) for number, v in enumerate(values, start=2)]


def test_valid_file_has_no_issue_and_parents_are_found_even_after_children():
    rows, issues = parse_grid_rows(lines(row("A01"), row("A01-11"), row("A"), row("A00")))
    assert issues == []
    assert [(r.code, r.kind, r.parent_code) for r in rows] == [
        ("A01", "component", "A"), ("A01-11", "sub_object", "A01"),
        ("A", "family", None), ("A00", "component", "A"),
    ]
    assert rows[0].labels == {"fr": "libellé", "en": "label"}
    assert rows[0].source == "imported"


def test_duplicate_code_names_both_lines():
    issues = validate_grid_rows(lines(row("A"), row("A01"), row("A02"), row("A01")))
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.line, issue.column) == (5, "code")
    assert issue.params == {"code": "A01", "first": 3, "line": 5}
    assert "line 3" in issue.render() and "line 5" in issue.render()


@pytest.mark.parametrize("bad", ["a01", "A1", "A001", "AA", "A01-1", "A01/P15", "1"])
def test_malformed_code(bad):
    issues = validate_grid_rows(lines(row("A"), row(bad)))
    assert [(i.line, i.column) for i in issues] == [(3, "code")]
    assert bad in issues[0].render()


def test_empty_code():
    issues = validate_grid_rows(lines(row("")))
    assert [(i.line, i.column, i.render()) for i in issues] == [(2, "code", "the code is empty.")]


def test_component_without_family_and_sub_object_without_component():
    issues = validate_grid_rows(lines(row("A"), row("B01"), row("A02-01")))
    found = {(i.line, i.params["parent"]) for i in issues}
    assert found == {(3, "B"), (4, "A02")}
    assert "family “B”" in issues[0].render()
    assert "component “A02”" in issues[1].render()


def test_every_row_needs_a_label_in_one_language():
    issues = validate_grid_rows(lines(row("A", fr="", en=""), row("A00", fr="", en="General")))
    assert [(i.line, i.column) for i in issues] == [(2, "label_fr")]


def test_local_codes_are_refused_in_a_shared_file():
    issues = validate_grid_rows(lines(row("A"), row("AL01"), row("AL01-02")))
    assert [(i.line, i.column) for i in issues] == [(3, "code"), (4, "code")]
    assert "local code" in issues[0].render()


def test_unknown_and_local_sources():
    issues = validate_grid_rows(lines(row("A", source="official"), row("A00", source="local"),
                                      row("A01", source="Draft")))
    assert [(i.line, i.column) for i in issues] == [(2, "source"), (3, "source")]
    assert "official" in issues[0].render()
    rows, _ = parse_grid_rows(lines(row("A", source="Draft")))
    assert rows[0].source == "draft"


def test_issues_are_sorted_and_all_reported():
    issues = validate_grid_rows(lines(row("Z01"), row("bad"), row("A", fr="", en="")))
    assert [i.line for i in issues] == [2, 3, 4]


def test_translation_hook_is_used():
    issue = validate_grid_rows(lines(row("x")))[0]
    assert issue.render(lambda s: "«%(code)s» est invalide") == "«x» est invalide"


def test_next_local_code():
    assert next_local_code("A", []) == "AL01"
    assert next_local_code("A", ["A00", "A01", "AL01", "BL05", "AL03"]) == "AL04"
    assert next_local_code("B", ["AL01", "AL02"]) == "BL01"
    # Never reuses a number below the highest, even after a removal.
    assert next_local_code("C", ["CL02"]) == "CL03"


def test_next_local_code_limits():
    with pytest.raises(CodeError):
        next_local_code("A", ["AL99"])
    with pytest.raises(CodeError):
        next_local_code("a", [])


def test_csv_writer_format():
    text = write_grid_csv([{"code": "A", "label_fr": "Accès, moyens", "label_en": "Access",
                            "source": "published"}])
    assert text == ",".join(GRID_COLUMNS) + '\nA,"Accès, moyens",Access,,,published\n'


# Property tests for codes.py ---------------------------------------------------------

families = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
two_digits = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")


@st.composite
def full_codes(draw):
    family = draw(families)
    local = draw(st.booleans())
    component = f"{family}{'L' if local else ''}{draw(two_digits)}"
    sub = draw(st.one_of(st.none(), two_digits))
    obj = f"{component}-{sub}" if sub else component
    sense = draw(st.one_of(st.none(), st.builds(
        lambda letter, n, width: f"{letter}{n:0{width}d}" if width == 2 else f"{letter}{n % 10}",
        families, st.integers(0, 99), st.sampled_from([1, 2]))))
    beneficiary = draw(st.one_of(st.none(), st.from_regex(r"\A[a-z]{1,2}\Z")))
    parts = [obj]
    if sense or beneficiary:
        parts.append(sense or "")
    if beneficiary:
        parts.append(beneficiary)
    return "/".join(parts), family, component, obj, sense, beneficiary, local


@given(full_codes())
def test_any_valid_full_code_parses_and_round_trips(generated):
    text, family, component, obj, sense, beneficiary, local = generated
    code = parse_full_code(text)
    assert str(code) == text
    assert (code.family, code.component, code.object_code) == (family, component, obj)
    assert (code.sense, code.beneficiary, code.is_local) == (sense, beneficiary, local)
    assert parse_full_code(str(code)) == code


@given(st.one_of(st.text(max_size=30), st.text(alphabet="ABLkp0123456789-/ ", max_size=16)))
def test_random_text_parses_or_raises_code_error(text):
    try:
        code = parse_full_code(text)
    except CodeError as exc:
        assert exc.message
    else:
        assert isinstance(code, FullCode)
        assert parse_full_code(str(code)) == code
