"""Headers and faults: a strict Content-Security-Policy, HSTS and SSL redirect behind
HTTPS (``check --deploy`` clean), and JSON for every error under /api/."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from cospiral.api import services as key_services

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "cospiral"


def test_csp_header_is_strict(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.get("/t/alpha/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy
    assert client.get("/accounts/login/")["Content-Security-Policy"] == policy


def test_no_inline_script_or_style_in_page_templates():
    """Every behaviour is in a static file: no <script> without src, no on…= handler,
    no style attribute in the templates served as pages (the PDF templates, rendered by
    WeasyPrint, are not pages)."""
    problems = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"_pdf|kit\.html|paper_questionnaire", path.name):
            continue
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                problems.append(f"{path}: inline {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            problems.append(f"{path}: handler {match.group(0).strip()}")
        for _match in re.finditer(r"\sstyle\s*=\s*[\"']", text):
            problems.append(f"{path}: style attribute")
        if "<style" in text:
            problems.append(f"{path}: <style> element")
    assert problems == []


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSPIRAL_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # The browser suite's conftest sets this for its own process (Playwright's loop);
    # a deployment never has it, and `check --deploy` rightly refuses it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(COSPIRAL_DATA_DIR=str(tmp_path), **extra)
    return env


def test_check_deploy_is_clean_behind_https(tmp_path):
    env = _env(tmp_path, COSPIRAL_HTTPS="1", COSPIRAL_ALLOWED_HOSTS="cospiral.example.org",
               COSPIRAL_SECRET_KEY="k3y-" + "x7Gq2pL9vR4mZ8wT1nB6cY0sD5fH3jK" * 2)
    out = subprocess.run([sys.executable, "-m", "cospiral", "check", "--deploy",
                          "--fail-level", "WARNING"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_https_settings(tmp_path):
    snippet = ("import json; from django.conf import settings as s; print(json.dumps("
               "[s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
               "s.CSRF_COOKIE_SECURE, list(s.SECURE_PROXY_SSL_HEADER or [])]))")
    env = _env(tmp_path, COSPIRAL_HTTPS="1", DJANGO_SETTINGS_MODULE="cospiral.settings")
    on = json.loads(subprocess.run([sys.executable, "-c", snippet], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    assert on == [True, 31536000, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]]
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="cospiral.settings")
    off = json.loads(subprocess.run([sys.executable, "-c", snippet], env=env, check=True,
                                    capture_output=True, text=True).stdout)
    assert off == [False, 0, False, False, []]


def test_https_redirect_and_hsts(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def _json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"] and body["errors"] == []
    return body


def test_api_404_and_405_are_json(client, db):
    _json_error(client.get("/api/no/such/thing"), 404)
    _json_error(client.get("/api/"), 404)
    response = client.delete("/api/territories")
    _json_error(response, 405)


def test_api_database_down_is_json(world, client, monkeypatch):
    key = key_services.create_key(world.alpha.territory, user=world.alpha.users["coordinator"],
                                  name="k", role="observer").secret

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("cospiral.api.api._territory_out", down)
    response = client.get("/api/territories/alpha", HTTP_AUTHORIZATION=f"Bearer {key}")
    body = _json_error(response, 503)
    assert "database" in body["detail"]
    assert "could not connect" not in body["detail"]  # nothing of the inside leaks


def test_api_unhandled_error_is_json(world, client, monkeypatch):
    key = key_services.create_key(world.alpha.territory, user=world.alpha.users["coordinator"],
                                  name="k", role="observer").secret
    monkeypatch.setattr("cospiral.api.api._territory_out",
                        lambda t: (_ for _ in ()).throw(ZeroDivisionError("boom")))
    response = client.get("/api/territories/alpha", HTTP_AUTHORIZATION=f"Bearer {key}")
    _json_error(response, 500)


def test_api_down_before_the_view_is_json(client, db, monkeypatch):
    """The key lookup itself fails (database down): still JSON."""
    def down(token):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(key_services, "authenticate", down)
    response = client.get("/api/territories", HTTP_AUTHORIZATION="Bearer whatever")
    assert response["Content-Type"].startswith("application/json")
    assert response.status_code in (500, 503)


@pytest.mark.parametrize("path", ["/t/alpha/", "/no/such/page/"])
def test_pages_outside_the_api_keep_html_errors(client, db, path):
    response = client.get(path)
    assert not response.get("Content-Type", "").startswith("application/json")
