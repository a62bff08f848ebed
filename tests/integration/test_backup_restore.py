"""Backup and restore: the demo backed up, restored into an empty database, every row and
a download identical (SQLite's online backup API, or pg_dump / pg_restore)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cospiral.demo.demo import load_demo
from cospiral.packages import services as package_services


def table_hashes() -> dict[str, tuple[int, str]]:
    """Per table: its number of rows and a hash of every row (in a stable order)."""
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def empty_the_database() -> None:
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        blank = sqlite3.connect(":memory:")
        blank.backup(connection.connection)
        blank.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    assert connection.introspection.table_names() == []


@pytest.fixture
def frozen_package_clock(monkeypatch):
    moment = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(package_services.timezone, "now", lambda: moment)


def test_demo_backup_restores_every_row_and_download(transactional_db, tmp_path,
                                                     frozen_package_clock):
    territory = load_demo().territory
    package = package_services.export_package(territory)
    before = table_hashes()
    assert before["auth_user"][0] >= 5 and before["criteria_card"][0] >= 300

    file = tmp_path / "cospiral.backup"
    call_command("backup", str(file))
    assert file.stat().st_size > 0

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(file))  # the database is not empty

    empty_the_database()
    call_command("restore", str(file))

    after = table_hashes()
    assert after == before
    from cospiral.territories.models import Territory

    restored = Territory.objects.get(slug=territory.slug)
    assert package_services.export_package(restored) == package


def test_restore_refuses_what_is_not_a_backup(transactional_db, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(CommandError, match="not a cospiral backup"):
        call_command("restore", str(bad))
    with pytest.raises(CommandError, match="No such file"):
        call_command("restore", str(tmp_path / "missing.backup"))


def test_restore_force_replaces_a_database_with_data(transactional_db, tmp_path, world):
    from django.contrib.auth import get_user_model

    file = tmp_path / "small.backup"
    call_command("backup", str(file))
    users = get_user_model().objects.count()
    get_user_model().objects.create_user("added-after-the-backup")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(file))
    call_command("restore", str(file), force=True)
    assert get_user_model().objects.count() == users
    assert not get_user_model().objects.filter(username="added-after-the-backup").exists()
