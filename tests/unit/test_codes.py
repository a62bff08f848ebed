import pytest

from cospiral.domain.codes import CodeError, general_component, kind_of, parse_full_code


def test_full_code_with_all_parts():
    code = parse_full_code("A01-11/P15/k")
    assert (code.family, code.component, code.sub_object) == ("A", "A01", "A01-11")
    assert (code.sense, code.beneficiary) == ("P15", "k")
    assert str(code) == "A01-11/P15/k"


def test_object_only_and_local():
    assert str(parse_full_code(" B02 ")) == "B02"
    assert parse_full_code("AL03").is_local
    assert not parse_full_code("A03").is_local


@pytest.mark.parametrize("bad", ["", "A1", "a01", "A01/p15", "A01/P15/K", "A01/P/k", "A01-1", "A01/P1/k/x", "AX01"])
def test_bad_codes_are_rejected(bad):
    with pytest.raises(CodeError):
        parse_full_code(bad)


def test_kinds_and_general_component():
    assert kind_of("A") == "family"
    assert kind_of("A01") == "component"
    assert kind_of("A01-11") == "sub_object"
    assert general_component("C") == "C00"
