"""Settings come from COSPIRAL_* variables; checked in a fresh interpreter each time."""

import json
import os
import stat
import subprocess
import sys

SNIPPET = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'debug': s.DEBUG, "
    "'hosts': s.ALLOWED_HOSTS, 'key': s.SECRET_KEY, "
    "'init': s.DATABASES['default'].get('OPTIONS', {}).get('init_command', '')}))"
)


def settings_with(env: dict) -> dict:
    full = {k: v for k, v in os.environ.items() if not k.startswith("COSPIRAL_")}
    full.update(env, DJANGO_SETTINGS_MODULE="cospiral.settings")
    out = subprocess.run([sys.executable, "-c", SNIPPET], env=full, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_defaults_sqlite_wal_in_data_dir_and_generated_secret_kept(tmp_path):
    first = settings_with({"COSPIRAL_DATA_DIR": str(tmp_path)})
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "cospiral.sqlite3")
    assert "journal_mode=WAL" in first["init"]
    assert first["debug"] is False
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first["key"] and len(first["key"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings_with({"COSPIRAL_DATA_DIR": str(tmp_path)})["key"] == first["key"]


def test_environment_overrides(tmp_path):
    got = settings_with({
        "COSPIRAL_DATA_DIR": str(tmp_path),
        "COSPIRAL_DATABASE_URL": "postgresql://someone@db.example:5433/cities",
        "COSPIRAL_SECRET_KEY": "k" * 60,
        "COSPIRAL_DEBUG": "yes",
        "COSPIRAL_ALLOWED_HOSTS": "cospiral.example, www.cospiral.example",
    })
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["name"] == "cities"
    assert got["key"] == "k" * 60
    assert got["debug"] is True
    assert got["hosts"] == ["cospiral.example", "www.cospiral.example"]
    assert not (tmp_path / "secret_key").exists()


def test_cli_entry_point_runs_django_commands(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSPIRAL_")}
    env["COSPIRAL_DATA_DIR"] = str(tmp_path)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-m", "cospiral", "check"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "no issues" in out.stdout
