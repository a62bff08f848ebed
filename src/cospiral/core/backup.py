"""Backup and restore of the whole database (``cospiral backup`` / ``cospiral restore``).

SQLite: SQLite's online backup API, page by page, consistent while the server runs and
writes. PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (postgresql-client).
A restore refuses a database that already holds accounts or territories unless told
``force``: it replaces everything."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason a person can act on."""


def _connection(alias: str = DEFAULT_DB_ALIAS):
    return connections[alias]


def _pg_env(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("%(tool)s is not installed: install PostgreSQL's client tools "
                            "(on Debian: apt-get install postgresql-client).") % {"tool": name})
    return path


def backup(path: Path, alias: str = DEFAULT_DB_ALIAS) -> str:
    """Write a backup of the database to ``path`` (written aside, then moved into place:
    never a half-written file). Returns the engine's name."""
    connection = _connection(alias)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(tmp)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            result = subprocess.run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={tmp}"], env=_pg_env(connection.settings_dict), capture_output=True,
                text=True)
            if result.returncode != 0:
                raise BackupError(_("pg_dump failed: %(error)s") % {"error": result.stderr.strip()})
        else:
            raise BackupError(_("Backups of %(engine)s databases are not supported.")
                              % {"engine": connection.vendor})
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return connection.vendor


def kind_of(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(_("%(file)s is not a cospiral backup (neither an SQLite database nor a "
                        "pg_dump archive).") % {"file": path})


def holds_data(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the database holds any account or territory."""
    connection = _connection(alias)
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in ("auth_user", "territories_territory"):
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    return True
    return False


def restore(path: Path, *, force: bool = False, alias: str = DEFAULT_DB_ALIAS) -> str:
    """Replace the database by the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No such file: %(file)s") % {"file": path})
    kind = kind_of(path)
    connection = _connection(alias)
    if kind != connection.vendor:
        raise BackupError(_("%(file)s is a %(kind)s backup; this server's database is "
                            "%(engine)s.") % {"file": path, "kind": kind,
                                              "engine": connection.vendor})
    if not force and holds_data(alias):
        raise BackupError(_("The database is not empty (it holds accounts or territories): "
                            "a restore would replace all of it. Restore into an empty "
                            "database, or add --force to replace it."))
    if kind == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problem = source.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise BackupError(_("%(file)s is damaged: %(error)s")
                                  % {"file": path, "error": problem})
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connections[alias].close()
        result = subprocess.run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error",
             f"--dbname={connection.settings_dict['NAME']}", str(path)],
            env=_pg_env(connection.settings_dict), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(_("pg_restore failed, nothing was changed: %(error)s")
                              % {"error": result.stderr.strip()})
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return kind
