"""Import of cards from CSV and XLSX: atomic, every error by file, line and column,
re-import without duplicates; templates; the ``import-cards`` command."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cospiral.cards.models import Card
from cospiral.cards.services import import_cards
from cospiral.coding import counts
from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableRejected

HEADER = "group,question,text,session,language,channel,author,ref,code\n"


def csv_of(world, *lines, header=HEADER):
    return (header + "".join(line + "\n" for line in lines)).encode()


def good(world, text="un parc", **kw):
    g = world.alpha.group.name
    values = {"group": g, "question": "Q1", "text": text, "session": "2026-10-01",
              "language": "fr", "channel": "paper", "author": "p1", "ref": "", "code": ""}
    values.update(kw)
    return ",".join(values[c] for c in HEADER.strip().split(","))


def run(world, data, name="cards.csv", role="coordinator"):
    return import_cards(world.alpha.territory, data, name, user=world.alpha.users[role])


def rejected(world, data, name="cards.csv", role="coordinator"):
    before = Card.objects.count()
    with pytest.raises(TableRejected) as exc:
        run(world, data, name, role)
    assert Card.objects.count() == before
    return exc.value.errors


def test_import_creates_cards_and_one_audit_entry(world):
    data = csv_of(world, good(world, "un parc"), good(world, "des bancs", ref="7", code="A01/P15/k"),
                  good(world, "moins de bruit", session="", language="", channel="", author=""))
    result = run(world, data)
    assert (result.created, result.skipped_existing) == (3, 0)
    cards = Card.objects.of(world.alpha.territory).filter(import_key__isnull=False).order_by("id")
    assert [c.text for c in cards] == ["un parc", "des bancs", "moins de bruit"]
    first, coded, bare = cards
    assert (first.session, first.question, first.author_tag) == (world.alpha.session, world.alpha.q1, "p1")
    assert coded.ref == "7" and coded.full_code == "A01/P15/k" and coded.component.code == "A01"
    assert bare.session is None and bare.language == "fr" and bare.channel == "paper"
    assert first.created_by == world.alpha.users["coordinator"] and first.created_at
    entry = AuditEntry.objects.of(world.alpha.territory).get(action="import")
    assert entry.changes["created"] == 3 and entry.changes["file"] == "cards.csv"
    world.alpha.territory.grid_version.refresh_from_db()
    assert world.alpha.territory.grid_version.is_frozen  # cards are coded against it
    assert counts.differences(world.alpha.territory) == {}  # coded and uncoded rows counted


def test_reimport_creates_no_duplicates_and_ref_keeps_identity(world):
    data = csv_of(world, good(world, "un parc"), good(world, "des bancs", ref="7"))
    assert run(world, data).created == 2
    result = run(world, data)
    assert (result.created, result.skipped_existing) == (0, 2)
    # Same ref with a corrected text is still the same card: skipped.
    again = run(world, csv_of(world, good(world, "des bancs publics", ref="7"),
                              good(world, "Un  PARC")))
    assert (again.created, again.skipped_existing) == (0, 2)
    assert Card.objects.of(world.alpha.territory).count() == 5
    assert counts.differences(world.alpha.territory) == {}


def test_duplicate_rows_in_the_file_are_reported_with_both_lines(world):
    errors = rejected(world, csv_of(world, good(world, "x"), good(world, "y"), good(world, "x")))
    assert [(e.line, str(e.message)) for e in errors] == [
        (4, "line 4 repeats line 2; give each card its own ref to keep both.")]
    # With their own refs both are kept.
    assert run(world, csv_of(world, good(world, "x", ref="1"), good(world, "x", ref="2"))).created == 2


def test_every_bad_row_is_reported_by_line_and_column(world):
    from cospiral.groups.models import Session

    Session.objects.create(territory=world.beta.territory, group=world.beta.group,
                           date="2026-12-24")
    data = csv_of(
        world,
        good(world, group="Nobody"),                                 # 2 unknown group
        good(world, group=world.beta.group.name),                    # 3 other territory's group
        good(world, question="Q9"),                                  # 4 unknown question
        good(world, question="Q4"),                                  # 5 not enabled
        good(world, text=""),                                        # 6 empty text
        good(world, text="x" * 2001),                                # 7 too long
        good(world, session="2026-12-24"),                           # 8 no such session
        good(world, channel="pigeon"),                               # 9 bad channel
        good(world, language="xx"),                                  # 10 bad language
        good(world, code="Z99"),                                     # 11 unknown code
        good(world, code="banana"),                                  # 12 malformed code
        good(world, "fine"),                                         # 13 fine
    )
    errors = rejected(world, data)
    found = [(e.file, e.line, e.column) for e in errors]
    assert found == [("cards.csv", 2, "group"), ("cards.csv", 3, "group"),
                     ("cards.csv", 4, "question"), ("cards.csv", 5, "question"),
                     ("cards.csv", 6, "text"), ("cards.csv", 7, "text"),
                     ("cards.csv", 8, "session"), ("cards.csv", 9, "channel"),
                     ("cards.csv", 10, "language"), ("cards.csv", 11, "code"),
                     ("cards.csv", 12, "code")]
    text = [str(e) for e in errors]
    assert "unknown group “Nobody”" in text[0]
    assert "Betatown young people" in text[1]
    assert "Q9" in text[2] and "Q4" in text[3] and "2001 characters" in text[5]
    assert "Z99" in text[9]


def test_empty_lines_are_ignored_and_missing_or_extra_columns_rejected(world):
    data = csv_of(world, "", good(world, "a"), ",,,,,,,,", good(world, "b"))
    assert run(world, data).created == 2
    errors = rejected(world, b"group,text,colour\nx,y,z\n")
    assert {(e.line, e.column) for e in errors} == {(1, "colour"), (1, "question")}
    errors = rejected(world, csv_of(world, good(world) + ",extra"))
    assert errors[0].line == 2 and "cells" in errors[0].message


def test_wrong_encoding_and_very_long_cell(world):
    errors = rejected(world, b"\x00\x81\x8d\x8f" * 100)
    assert "encoding" in errors[0].message
    errors = rejected(world, csv_of(world, good(world, "y" * 20_000)))
    assert (errors[0].line, errors[0].column) == (2, "text")


def test_a_10_mb_file_over_the_limit_is_refused(world, login, settings):
    settings.COSPIRAL_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    big = csv_of(world, good(world, "z" * 100)) + b"#" * (10 * 1024 * 1024)
    errors = rejected(world, big)
    assert "limit is 5 MB" in errors[0].message
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("criteria:import", args=["alpha"]),
                           {"file": SimpleUploadedFile("big.csv", big)})
    assert response.status_code == 400
    assert "the limit is 5 MB" in response.content.decode()
    assert Card.objects.count() == 6


def test_xlsx_import(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["Group", "Question", "Text", "Session", "Ref"])
    ws.append([world.alpha.group.name, "q2", "le bruit", "2026-10-01", 12])
    import datetime as dt

    ws.append([world.alpha.group.name, "Q1", "la fête", dt.datetime(2026, 10, 1), None])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = run(world, buffer.getvalue(), "cards.xlsx")
    assert result.created == 2
    card = Card.objects.get(text="le bruit")
    assert card.question.code == "Q2" and card.ref == "12" and card.session == world.alpha.session
    assert Card.objects.get(text="la fête").session == world.alpha.session
    assert counts.differences(world.alpha.territory) == {}


def test_facilitator_imports_only_for_their_groups_and_readers_not_at_all(world):
    from cospiral.groups.models import Group

    Group.objects.create(territory=world.alpha.territory, name="Shopkeepers")
    errors = rejected(world, csv_of(world, good(world, "mine"), good(world, group="Shopkeepers", session="")),
                      role="facilitator")
    assert [(e.line, e.column) for e in errors] == [(3, "group")]
    assert run(world, csv_of(world, good(world, "mine")), role="facilitator").created == 1
    for role in ("partner", "observer"):
        with pytest.raises(PermissionDenied):
            run(world, csv_of(world, good(world, "no")), role=role)


def test_import_page_lists_errors_and_columns(world, login):
    client = login(world.alpha.users["facilitator"])
    page = client.get(reverse("criteria:import", args=["alpha"]))
    html = page.content.decode()
    assert page.status_code == 200
    for column in ("group", "question", "text", "session", "language", "channel", "author",
                   "ref", "code"):
        assert f"<code>{column}</code>" in html
    bad = csv_of(world, good(world, question="Q9"))
    response = client.post(reverse("criteria:import", args=["alpha"]),
                           {"file": SimpleUploadedFile("bad.csv", bad)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "bad.csv, line 2, column “question”" in html and "Nothing was stored" in html
    response = client.post(reverse("criteria:import", args=["alpha"]),
                           {"file": SimpleUploadedFile("ok.csv", csv_of(world, good(world)))},
                           follow=True)
    assert "1 cards imported from ok.csv" in response.content.decode()
    assert Card.objects.of(world.alpha.territory).count() == 4
    assert Card.objects.of(world.beta.territory).count() == 3


@pytest.mark.parametrize("role", ["partner", "observer"])
def test_readers_cannot_open_import(world, login, role):
    client = login(world.alpha.users[role])
    assert client.get(reverse("criteria:import", args=["alpha"])).status_code == 403


def test_templates_download_and_import_back(world, login):
    client = login(world.alpha.users["observer"])
    response = client.get(reverse("criteria:template", args=["alpha", "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.startswith("group,question,text,session,language,channel,author,ref,code")
    assert "Alphaville young people" in text and "Betatown" not in text
    response = client.get(reverse("criteria:template", args=["alpha", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("group", "question", "text") and rows[1][0] == "Alphaville young people"
    assert client.get(reverse("criteria:template", args=["alpha", "pdf"])).status_code == 404
    # The example row of the template imports as it is.
    assert run(world, text.encode()).created == 1


def test_import_cards_command(world, tmp_path, capsys):
    path = tmp_path / "cards.csv"
    path.write_bytes(csv_of(world, good(world, "from the command line")))
    call_command("import-cards", str(path), "--territory", "alpha", "--user", "alpha-coordinator")
    assert "1 cards imported" in capsys.readouterr().out
    assert Card.objects.filter(text="from the command line").count() == 1
    path.write_bytes(csv_of(world, good(world, question="Q9")))
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import-cards", str(path), "--territory", "alpha", "--user",
                     "alpha-coordinator")
    assert "line 2" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("import-cards", str(path), "--territory", "alpha", "--user", "alpha-observer")
