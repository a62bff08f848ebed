"""Open-data package import under attack (issue 14): every hostile archive is refused
whole with a located, translated message naming the limit, nothing is stored, the page
answers 400 (never 500) and the command prints the errors (never a traceback). The zip
bombs and damaged archives are made at test time (``tests/zipcraft.py``)."""

from __future__ import annotations

import csv
import functools
import io
import json
import tracemalloc
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cospiral.cards.models import Card
from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableRejected
from cospiral.domain import package as pkg
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.packages import services
from cospiral.territories.models import Membership, Territory
from tests import zipcraft

pytestmark = pytest.mark.django_db

GIB = 1024 ** 3


@functools.cache
def big_bomb() -> bytes:
    """1.5 GiB of zeros in 1.5 MB (made once per run, never stored)."""
    return zipcraft.bomb(3 * GIB // 2)


@pytest.fixture
def package(world):
    """Alpha's package; alpha is then renamed, so the package itself imports."""
    t = world.alpha.territory
    t.publish_card_texts = True
    t.save(update_fields=["publish_card_texts"])
    data = services.export_package(t)
    t.slug = "alpha-source"
    t.save(update_fields=["slug"])
    return data


def files_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rehashed(files: dict[str, bytes], **changes) -> bytes:
    """The package with files changed and datapackage.json's hashes made to match."""
    files = {**files, **changes}
    body = json.loads(files[pkg.DESCRIPTOR])
    files[pkg.DESCRIPTOR] = pkg.descriptor(name=body["name"], title=body["title"],
                                           created=body["created"],
                                           territory=body["cospiral"]["territory"], files=files)
    return services.zip_files(files)


def plain_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


def state():
    return (Territory.objects.count(), GridVersion.objects.count(), GridEntry.objects.count(),
            Card.objects.count(), Membership.objects.count(), AuditEntry.objects.count())


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever an earlier request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def refused(world):
    user = world.beta.users["coordinator"]

    def check(data: bytes) -> list[str]:
        """The messages, in the active language (English unless a test overrides it)."""
        before = state()
        with pytest.raises(TableRejected) as info:
            services.import_package(data, "p.zip", user=user)
        assert state() == before
        assert info.value.errors
        return [str(e) for e in info.value.errors]

    return check


def test_the_untouched_package_imports(package, world):
    territory = services.import_package(package, "p.zip", user=world.beta.users["coordinator"])
    assert territory.slug == "alpha" and territory.imported_at is not None


def test_encrypted_entry(package, refused):
    errors = refused(zipcraft.patched(package, "cards.csv", flags=0x1))
    assert errors == ["cards.csv: the file is encrypted (protected by a password): a package is "
                      "never encrypted."]


def test_unknown_compression_method(package, refused):
    errors = refused(zipcraft.patched(package, "groups.csv", method=99))
    assert errors == ["groups.csv: the file is compressed with a method this server does not "
                      "read (method 99)."]


def test_corrupt_deflate_data(package, refused):
    entry = next(e for e in zipcraft.entries_of(package) if e["name"] == "grid.csv")
    data = bytearray(entry["data"])
    for i in range(2, len(data) - 2, 7):
        data[i] ^= 0xA5
    errors = refused(zipcraft.patched(package, "grid.csv", data=bytes(data)))
    assert errors == ["grid.csv: the file cannot be unpacked: the archive is damaged."]


def test_directory_that_lies_about_the_size_is_read_no_further(package, refused):
    # 64 MB of zeros declared as 1,000 bytes: the read stops at 1,000 bytes (bad CRC).
    data, crc = zipcraft.deflate_zeros(64 * 1024 ** 2)
    errors = refused(zipcraft.patched(package, "cards.csv", data=data, crc=crc, size=1000))
    assert errors == ["cards.csv: the file cannot be unpacked: the archive is damaged."]


def test_deeply_nested_descriptor(package, refused):
    deep = b"[" * 100_000 + b"]" * 100_000
    errors = refused(services.zip_files({**files_of(package), pkg.DESCRIPTOR: deep}))
    assert errors == ["datapackage.json: the JSON is nested deeper than 32 levels "
                      "(limit COSPIRAL_PACKAGE_MAX_DEPTH)."]


def test_deeply_nested_json_cell(package, refused):
    files = files_of(package)
    lines = files["grid.csv"].decode().split("\n")
    header = lines[0].split(",")
    cells = next(csv.reader([lines[1]]))
    cells[header.index("labels")] = "[" * 50_000 + "]" * 50_000
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    lines[1] = out.getvalue().rstrip("\n")
    errors = refused(rehashed(files, **{"grid.csv": "\n".join(lines).encode()}))
    assert len(errors) == 1 and errors[0].startswith("grid.csv, line 2, column “labels”:")


def test_a_cell_of_200000_characters(package, refused):
    files = files_of(package)
    text = files["cards.csv"].decode()
    header, first, rest = text.split("\n", 2)
    cells = next(csv.reader([first]))
    cells[header.split(",").index("text")] = "x" * 200_000
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    errors = refused(rehashed(files, **{"cards.csv": f"{header}\n{out.getvalue()}{rest}".encode()}))
    assert errors == ["cards.csv, line 2, column “text”: a cell is longer than 100000 "
                      "characters (limit COSPIRAL_PACKAGE_MAX_CELL)."]


def test_unclosed_quote_is_located(package, refused):
    files = files_of(package)
    broken = files["groups.csv"].replace(b"\n", b'\n"', 1)
    errors = refused(rehashed(files, **{"groups.csv": broken}))
    assert errors[0].startswith("groups.csv, line ")


def test_zip_bomb_is_refused_from_the_directory_without_unpacking(refused):
    bomb = big_bomb()
    assert len(bomb) < 2 * 1024 ** 2
    tracemalloc.start()
    try:
        errors = refused(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert errors == ["p.zip: the files of the package are larger than 256.0\xa0MB once "
                      "uncompressed (limit COSPIRAL_PACKAGE_MAX_BYTES)."]
    assert peak < 20 * 1024 ** 2  # the archive is never unpacked


def test_per_file_limit_and_files_count(package, refused, settings):
    settings.COSPIRAL_PACKAGE_MAX_FILE_BYTES = 2048
    errors = refused(package)
    assert errors and all(e.endswith("(limit COSPIRAL_PACKAGE_MAX_FILE_BYTES).") for e in errors)
    assert any(e.startswith("datapackage.json: the file is larger than 2.0\xa0KB") for e in errors)
    settings.COSPIRAL_PACKAGE_MAX_FILE_BYTES = 128 * 1024 ** 2
    many = plain_zip({**files_of(package), **{f"x{n}.csv": b"" for n in range(80)}})
    assert refused(many) == ["p.zip: the archive holds 102 files; a package has at most 64 "
                             "(limit COSPIRAL_PACKAGE_MAX_FILES)."]


def test_bomb_under_the_size_limits_is_refused_by_its_ratio(package, refused):
    data, crc = zipcraft.deflate_zeros(100 * 1024 ** 2)  # 100 MB of zeros in 100 KB
    errors = refused(zipcraft.patched(package, "cards.csv", data=data, crc=crc,
                                      size=100 * 1024 ** 2))
    assert errors == ["cards.csv: the file is compressed more than 200 times, as zip bombs are "
                      "(limit COSPIRAL_PACKAGE_MAX_RATIO)."]


def test_entry_named_twice(package, refused):
    entries = zipcraft.entries_of(package)
    twice = zipcraft.raw_zip(entries + [e for e in entries if e["name"] == "cards.csv"])
    assert refused(twice) == ["cards.csv: the file appears more than once in the archive."]


def test_messages_in_french(package, refused):
    with translation.override("fr"):
        errors = refused(big_bomb())
    assert "COSPIRAL_PACKAGE_MAX_BYTES" in errors[0] and "une fois décompressés" in errors[0]


def test_page_answers_400_and_the_command_prints_the_errors(package, world, login, tmp_path,
                                                            capsys):
    bomb = big_bomb()
    client = login(world.beta.users["coordinator"])
    upload = io.BytesIO(bomb)
    upload.name = "bomb.zip"
    before = state()
    response = client.post(reverse("site_packages:import"), {"file": upload})
    # A file this size is imported by a job: its page gives the refusal and the limit.
    assert response.status_code == 302
    assert "COSPIRAL_PACKAGE_MAX_BYTES" in client.get(response["Location"]).content.decode()
    files = files_of(package)
    for hostile, says in [
            (zipcraft.patched(package, "cards.csv", flags=0x1), "encrypted"),
            (zipcraft.patched(package, "groups.csv", method=99), "method 99"),
            (services.zip_files({**files, pkg.DESCRIPTOR: b"{" * 100_000}), "nested deeper"),
            (package[: len(package) // 2], "not a ZIP archive"),
            (b"", "empty")]:
        upload = io.BytesIO(hostile)
        upload.name = "hostile.zip"
        response = client.post(reverse("site_packages:import"), {"file": upload})
        assert response.status_code == 400 and says in response.content.decode(), says
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb)
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import-package", str(path), "--user", world.beta.users["coordinator"].username)
    assert "COSPIRAL_PACKAGE_MAX_BYTES" in capsys.readouterr().err
    encrypted = tmp_path / "encrypted.zip"
    encrypted.write_bytes(zipcraft.patched(package, "cards.csv", flags=1))
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import-package", str(encrypted), "--user",
                     world.beta.users["coordinator"].username)
    assert state() == before


# --- fuzz: mutations of a valid package -------------------------------------------------------

MUTATIONS = ("truncate", "flip", "rename", "drop", "duplicate", "method", "flags", "lie",
             "huge_cell", "cell", "descriptor")


def mutate(data: bytes, files: dict[str, bytes], draw) -> bytes:
    kind = draw(st.sampled_from(MUTATIONS))
    names = sorted(files)
    name = draw(st.sampled_from(names))
    if kind == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= draw(st.integers(1, 255))
        return bytes(out)
    if kind == "rename":
        new = draw(st.sampled_from(["../" + name, name.upper(), "x/" + name, name + " ", "é.csv"]))
        return zipcraft.patched(data, name, name=new)
    if kind == "drop":
        return plain_zip({k: v for k, v in files.items() if k != name})
    if kind == "duplicate":
        entries = zipcraft.entries_of(data)
        return zipcraft.raw_zip(entries + [e for e in entries if e["name"] == name])
    if kind == "method":
        return zipcraft.patched(data, name, method=draw(st.sampled_from([0, 1, 12, 14, 99])))
    if kind == "flags":
        return zipcraft.patched(data, name, flags=draw(st.sampled_from([1, 8, 0x41])))
    if kind == "lie":
        entry = next(e for e in zipcraft.entries_of(data) if e["name"] == name)
        return zipcraft.patched(data, name, size=draw(st.integers(0, 3 * entry["size"] + 10)))
    text = files[name]
    if kind == "descriptor":
        body = draw(st.sampled_from([b"", b"[]", b"{}", b"{" * 5000, b"null", b'{"a":1}',
                                     files[pkg.DESCRIPTOR][: len(files[pkg.DESCRIPTOR]) // 2]]))
        return services.zip_files({**files, pkg.DESCRIPTOR: body})
    if name == pkg.DESCRIPTOR:
        return data
    value = ("x" * 200_000 if kind == "huge_cell" else
             draw(st.sampled_from(['"', '=HYPERLINK("x")', "1e999", "nan", "-1", "\x00", "é" * 3,
                                   "[" * 100, '{"fr": 1}', "", "\r\n", "999999999999999999999"])))
    lines = text.decode("utf-8").split("\n")
    line = draw(st.integers(0, max(0, len(lines) - 2)))
    cells = lines[line].split(",")
    column = draw(st.integers(0, max(0, len(cells) - 1)))
    cells[column] = value
    lines[line] = ",".join(cells)
    return rehashed(files, **{name: "\n".join(lines).encode("utf-8")})


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_fuzz_accepted_whole_or_refused_whole(package, world, data):
    from django.db import transaction

    user = world.beta.users["coordinator"]
    files = files_of(package)
    mutated = mutate(package, files, data.draw)
    before = state()
    sid = transaction.savepoint()
    try:
        territory = services.import_package(mutated, "p.zip", user=user)
    except TableRejected as exc:
        assert exc.errors and all(str(e) for e in exc.errors)
        assert state() == before
    else:
        assert territory.imported_at is not None and state() != before
    finally:
        transaction.savepoint_rollback(sid)
