"""Import of survey questionnaires from CSV and XLSX files: atomic, every error by file,
line and column, re-import without duplicates; the page, the template and the command."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cospiral.core.tabular import TableRejected
from cospiral.domain.scoring import DONT_KNOW, MISSING, NOT_APPLICABLE
from cospiral.surveys import services
from cospiral.surveys.imports import import_responses
from cospiral.surveys.models import Questionnaire, WaveTally


def url(name, t, wave, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"territory": t.territory.slug, "pk": wave.pk, **kwargs})


def csv_file(made, lines: list[str], header: str | None = None) -> bytes:
    codes = ",".join(i.code for i in made.indicators)
    header = header or f"respondent_id,age_band,neighbourhood,consent,{codes}"
    return ("\n".join([header, *lines]) + "\n").encode()


def assert_tallies_exact(wave):
    from cospiral.domain import survey as rules

    J = wave.items.count()
    stored = {(r.age_band, r.gender, r.neighbourhood, r.group_profile): (rules.unpack_counts(r.counts, J), r.respondents)
              for r in WaveTally.objects.filter(wave=wave, respondents__gt=0)}
    recomputed = services.recount(wave)
    assert stored.keys() == recomputed.keys()
    for key, (counts, n) in recomputed.items():
        assert stored[key][1] == n and np.array_equal(stored[key][0], counts)


def test_import_stores_every_line_and_reimport_creates_nothing(world, make_wave):
    made = make_wave(world.alpha, indicators=3)
    data = csv_file(made, ["1,30_44,North,yes,3,d,n", "2,,,no,5,,1", "r-3,75_plus,centre,oui,2,2,?"])
    user = world.alpha.users["coordinator"]
    result = import_responses(made.wave, data, "wave.csv", user=user)
    assert (result.created, result.skipped) == (3, 0)
    stored = {q.key: q for q in Questionnaire.objects.filter(wave=made.wave)}
    assert set(stored) == {"i:1", "i:2", "i:r-3"}
    q1 = stored["i:1"]
    assert q1.channel == "import" and q1.respondent_number == 1
    assert list(np.frombuffer(bytes(q1.levels), dtype=np.int8)) == [3, DONT_KNOW, NOT_APPLICABLE]
    assert (q1.age_band, q1.neighbourhood, q1.consent) == (2, 1, True)
    assert list(np.frombuffer(bytes(stored["i:2"].levels), dtype=np.int8)) == [5, MISSING, 1]
    assert stored["i:r-3"].respondent_number is None and stored["i:r-3"].neighbourhood == 0
    assert_tallies_exact(made.wave)
    again = import_responses(made.wave, data, "wave.csv", user=user)
    assert (again.created, again.skipped) == (0, 3)
    assert Questionnaire.objects.filter(wave=made.wave).count() == 3
    assert sum(t.respondents for t in WaveTally.objects.filter(wave=made.wave)) == 3


def test_every_error_by_line_and_column_and_nothing_stored(world, make_wave):
    made = make_wave(world.alpha, indicators=3)
    c = [i.code for i in made.indicators]
    data = csv_file(made, [
        "1,30_44,North,yes,3,4,5",      # line 2: fine
        "2,,,no,6,4,5",                 # line 3: level out of range
        ",,,no,3,4,5",                  # line 4: no respondent id
        "1,,,no,3,4,5",                 # line 5: duplicate id
        "5,elderly,Moon,yes,3,abc,5",   # line 6: unknown choices, unreadable level
        "6,18_29,,no,3,4,5",            # line 7: profile without consent
        "7,,,,,,",                      # line 8: answers nothing
    ])
    with pytest.raises(TableRejected) as caught:
        import_responses(made.wave, data, "bad.csv", user=world.alpha.users["coordinator"])
    errors = {(e.line, e.column): e for e in caught.value.errors}
    assert (3, c[0]) in errors and "“6” is not a level" in errors[(3, c[0])].message
    assert (4, "respondent_id") in errors
    assert (5, "respondent_id") in errors and "line 2" in errors[(5, "respondent_id")].message
    assert (6, "age_band") in errors and "under_18" in errors[(6, "age_band")].message
    assert (6, "neighbourhood") in errors and "North" in errors[(6, "neighbourhood")].message
    assert (6, c[1]) in errors
    assert (7, "consent") in errors
    assert (8, None) in errors
    assert all(e.file == "bad.csv" for e in caught.value.errors)
    text = str(errors[(3, c[0])])
    assert text.startswith("bad.csv, line 3, column") and c[0].lower() in text.lower()
    assert not Questionnaire.objects.exists()
    assert not WaveTally.objects.filter(wave=made.wave, respondents__gt=0).exists()


def test_header_errors_unknown_column_and_indicator_not_in_wave(world, make_wave):
    made = make_wave(world.alpha, indicators=2)
    other = make_wave(world.alpha, indicators=4, title="Other wave")  # codes -3, -4 exist elsewhere
    extra = other.indicators[3].code
    codes = ",".join(i.code for i in made.indicators)
    data = csv_file(made, ["1,3,4,2"], header=f"respondent_id,{codes},{extra}")
    with pytest.raises(TableRejected) as caught:
        import_responses(made.wave, data, "x.csv", user=None)
    [error] = caught.value.errors
    assert error.line == 1 and error.column.upper() == extra
    assert "is not in this wave's questionnaire" in error.message
    data = csv_file(made, ["1,3,4"], header=f"respondent_id,{codes},colour")
    with pytest.raises(TableRejected) as caught:
        import_responses(made.wave, data, "x.csv", user=None)
    assert [(e.line, e.column) for e in caught.value.errors] == [(1, "colour")]
    data = csv_file(made, ["1,3"], header=f"respondent_id,{made.indicators[0].code}")
    with pytest.raises(TableRejected) as caught:
        import_responses(made.wave, data, "x.csv", user=None)
    assert caught.value.errors[0].column == made.indicators[1].code.lower()
    assert "missing" in caught.value.errors[0].message
    assert not Questionnaire.objects.exists()


def test_changed_reimport_is_refused_by_line(world, make_wave):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    codes = ",".join(i.code for i in made.indicators)
    header = f"respondent_id,{codes}"
    import_responses(made.wave, csv_file(made, ["1,3,4", "2,1,1"], header=header), "a.csv", user=None)
    with pytest.raises(TableRejected) as caught:
        import_responses(made.wave, csv_file(made, ["1,3,4", "2,5,5", "3,2,2"], header=header),
                         "a.csv", user=None)
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "respondent_id")]
    assert "already imported with other answers" in caught.value.errors[0].message
    assert Questionnaire.objects.filter(wave=made.wave).count() == 2  # line 4 not stored either


def test_import_refused_after_closing(world, make_wave):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    services.close_wave(made.wave, user=world.alpha.users["coordinator"])
    codes = ",".join(i.code for i in made.indicators)
    with pytest.raises(TableRejected) as caught:
        import_responses(made.wave, csv_file(made, ["1,3,4"], header=f"respondent_id,{codes}"),
                         "late.csv", user=None)
    assert "no longer accepted" in str(caught.value.errors[0])
    assert not Questionnaire.objects.exists()


def test_xlsx_template_round_trip_and_page(world, make_wave, login):
    from openpyxl import load_workbook

    made = make_wave(world.alpha, indicators=3, profile_questions=("age_band", "gender", "group_profile"))
    client = login(world.alpha.users["coordinator"])
    response = client.get(url("import_template", world.alpha, made.wave, format="xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book["responses"][1]]
    assert header == ["respondent_id", "age_band", "gender", "group_profile", "consent",
                      *[i.code for i in made.indicators]]
    codes_sheet = [[c.value for c in row] for row in book["codes"].iter_rows()]
    assert any(row[0] == "group_profile" and "Young people" in row[1] for row in codes_sheet)
    # The template's example lines import as they are.
    upload = SimpleUploadedFile("template.xlsx", response.content)
    response = client.post(url("import", world.alpha, made.wave), {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 questionnaires imported from template.xlsx; 0 already imported, skipped." in page
    upload = SimpleUploadedFile("template.xlsx", client.get(
        url("import_template", world.alpha, made.wave, format="xlsx")).content)
    response = client.post(url("import", world.alpha, made.wave), {"file": upload}, follow=True)
    assert "0 questionnaires imported from template.xlsx; 2 already imported, skipped." in response.content.decode()
    assert Questionnaire.objects.filter(wave=made.wave, channel="import").count() == 2
    csv_template = client.get(url("import_template", world.alpha, made.wave, format="csv"))
    assert csv_template.content.decode("utf-8-sig").splitlines()[0].startswith("respondent_id,age_band,gender")


def test_import_page_shows_every_error_and_stores_nothing(world, make_wave, login):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    codes = ",".join(i.code for i in made.indicators)
    client = login(world.alpha.users["coordinator"])
    data = csv_file(made, ["1,3,4", "2,9,4", "3,3,x y"], header=f"respondent_id,{codes}")
    response = client.post(url("import", world.alpha, made.wave),
                           {"file": SimpleUploadedFile("answers.csv", data)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "The file was refused: 2 problems. Nothing was stored." in text
    assert "answers.csv, line 3, column" in text and "answers.csv, line 4, column" in text
    assert not Questionnaire.objects.exists()


def test_import_access(world, make_wave, login):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    page = login(world.alpha.users["coordinator"]).get(url("import", world.alpha, made.wave))
    assert page.status_code == 200
    for indicator in made.indicators:
        assert f"<code>{indicator.code}</code>" in page.content.decode()
    for role in ("facilitator", "partner", "observer"):
        client = login(world.alpha.users[role])
        assert client.get(url("import", world.alpha, made.wave)).status_code == 403
        assert client.get(url("import_template", world.alpha, made.wave, format="csv")).status_code == 403
    client = login(world.beta.users["coordinator"])
    assert client.get(url("import", world.beta, made.wave)).status_code == 404
    assert client.get(url("import", world.alpha, made.wave)).status_code == 404
    data = csv_file(made, ["1,3,4"], header="respondent_id," + ",".join(i.code for i in made.indicators))
    response = client.post(url("import", world.beta, made.wave), {"file": SimpleUploadedFile("a.csv", data)})
    assert response.status_code == 404
    assert not Questionnaire.objects.exists()


def test_import_command(world, make_wave, tmp_path):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    codes = ",".join(i.code for i in made.indicators)
    path = tmp_path / "answers.csv"
    path.write_bytes(csv_file(made, ["1,3,4", "2,d,n"], header=f"respondent_id,{codes}"))
    out = io.StringIO()
    call_command("import-responses", "alpha", str(made.wave.pk), str(path),
                 "--user", "alpha-coordinator", stdout=out)
    assert "2 questionnaires imported from answers.csv; 0 already imported, skipped." in out.getvalue()
    out = io.StringIO()
    call_command("import-responses", "alpha", str(made.wave.pk), str(path),
                 "--user", "alpha-coordinator", stdout=out)
    assert "0 questionnaires imported" in out.getvalue() and "2 already imported" in out.getvalue()
    # Beta's slug does not reach alpha's wave; a facilitator may not import.
    with pytest.raises(CommandError, match="No survey wave"):
        call_command("import-responses", "beta", str(made.wave.pk), str(path), "--user", "beta-coordinator")
    with pytest.raises(CommandError, match="may not import.*coordinator"):
        call_command("import-responses", "alpha", str(made.wave.pk), str(path), "--user", "alpha-facilitator")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(made, ["3,3,4", "4,0,4"], header=f"respondent_id,{codes}"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused: 1 problem"):
        call_command("import-responses", "alpha", str(made.wave.pk), str(bad),
                     "--user", "alpha-coordinator", stderr=err)
    assert "bad.csv, line 3, column" in err.getvalue()
    assert Questionnaire.objects.filter(wave=made.wave).count() == 2
