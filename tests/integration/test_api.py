"""The REST API: keys scoped to one territory and role, clear errors, writes through the
services (exact counts, idempotent survey answers)."""

from __future__ import annotations

import pytest

from cospiral.api import services as key_services
from cospiral.api.models import ApiKey
from cospiral.cards.models import Card
from cospiral.coding import counts
from cospiral.surveys import services as survey_services
from cospiral.surveys.models import Questionnaire


def _key(t, role="observer", acts_for=None):
    coordinator = t.users["coordinator"]
    return key_services.create_key(t.territory, user=coordinator, name=f"{role} key",
                                   role=role, acts_for=acts_for).secret


def _get(client, url, key, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client, url, body, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post(url, body, content_type="application/json", **headers)


def test_spec_is_served_and_docs_page_is_not(client, db):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/territories/{slug}/criteria" in spec["paths"]
    assert client.get("/api/docs").status_code == 404  # no CDN-served docs page


def test_alpha_key_reads_alpha_and_never_beta(client, world):
    key = _key(world.alpha)
    alpha, beta = world.alpha, world.beta
    r = _get(client, "/api/territories", key)
    assert r.status_code == 200
    assert [t["slug"] for t in r.json()["items"]] == ["alpha"]
    r = _get(client, "/api/territories/alpha/criteria", key)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    assert {c["id"] for c in body["items"]} == {c.pk for c in alpha.cards}
    assert all("Alphaville" in c["text"] for c in body["items"])
    for path in ("", "/groups", "/criteria", "/grid", "/syntheses", "/indicators", "/waves",
                 "/actions", "/sessions", "/shared-criteria"):
        r = _get(client, f"/api/territories/beta{path}", key)
        assert r.status_code == 404, path
        assert "Betatown" not in r.content.decode()
        assert r.json()["detail"]
    groups = _get(client, "/api/territories/alpha/groups", key).json()
    assert [g["id"] for g in groups["items"]] == [alpha.group.pk]
    assert beta.group.pk not in [g["id"] for g in groups["items"]]
    # Filtering by another territory's group gives nothing, not its cards.
    r = _get(client, "/api/territories/alpha/criteria", key, group=beta.group.pk)
    assert r.json()["count"] == 0


def test_unknown_revoked_and_missing_keys_are_401_with_a_reason(client, world):
    key = _key(world.alpha)
    r = client.get("/api/territories")
    assert r.status_code == 401 and "Authorization: Bearer" in r.json()["detail"]
    r = _get(client, "/api/territories", "csp_AAAAAAAA.notarealsecretnotarealsecret")
    assert r.status_code == 401 and "Unknown API key" in r.json()["detail"]
    r = _get(client, "/api/territories", key[:-1] + ("x" if key[-1] != "x" else "y"))
    assert r.status_code == 401
    row = ApiKey.objects.get(territory=world.alpha.territory)
    assert row.hashed != key and key not in row.hashed  # only the hash is stored
    key_services.revoke_key(row, user=world.alpha.users["coordinator"])
    r = _get(client, "/api/territories", key)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_observer_and_partner_keys_cannot_write_cards(client, world):
    t = world.alpha
    before = Card.objects.of(t.territory).count()
    for role in ("observer", "partner"):
        r = _post(client, "/api/territories/alpha/cards",
                  {"group": t.group.pk, "question": "Q1", "texts": ["more benches"]}, _key(t, role))
        assert r.status_code == 403, role
        assert "cannot write cards" in r.json()["detail"]
    assert Card.objects.of(t.territory).count() == before


def test_cards_written_through_the_api_keep_exact_counts(client, world):
    t = world.alpha
    key = _key(t, "facilitator", acts_for=t.users["facilitator"])
    r = _post(client, "/api/territories/alpha/cards",
              {"group": t.group.pk, "session": t.session.pk, "question": "Q1",
               "texts": ["A park near the school", "Cheaper buses"]}, key)
    assert r.status_code == 201, r.content
    ids = r.json()["ids"]
    assert r.json()["count"] == 2
    cards = Card.objects.of(t.territory).filter(pk__in=ids)
    assert {c.text for c in cards} == {"A park near the school", "Cheaper buses"}
    assert all(c.created_by == t.users["facilitator"] for c in cards)
    assert counts.differences(t.territory) == {}
    table = dict(counts._from_table(t.territory))
    counts.recompute(t.territory)
    assert dict(counts._from_table(t.territory)) == table
    assert table[(t.group.pk, t.q1.pk, None)] == 5
    # Bad input: an empty text, another territory's group, an unknown question: 422 naming it.
    r = _post(client, "/api/territories/alpha/cards",
              {"group": t.group.pk, "question": "Q1", "texts": ["ok", "  "]}, key)
    assert r.status_code == 422 and "text" in r.json()["detail"]
    r = _post(client, "/api/territories/alpha/cards",
              {"group": world.beta.group.pk, "question": "Q1", "texts": ["x"]}, key)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "group"
    r = _post(client, "/api/territories/alpha/cards",
              {"group": t.group.pk, "question": "Q9", "texts": ["x"]}, key)
    assert r.status_code == 422 and "Q9" in r.json()["detail"]
    r = _post(client, "/api/territories/alpha/cards", {"group": t.group.pk}, key)
    assert r.status_code == 422 and "texts" in r.json()["detail"]
    assert Card.objects.of(t.territory).count() == 5
    # A beta key cannot write into alpha.
    r = _post(client, "/api/territories/alpha/cards",
              {"group": t.group.pk, "question": "Q1", "texts": ["x"]}, _key(world.beta, "coordinator"))
    assert r.status_code == 404


def test_facilitator_key_writes_only_the_groups_its_member_facilitates(client, world):
    from cospiral.groups.models import Group

    t = world.alpha
    other = Group.objects.create(territory=t.territory, name="Elderly")
    key = _key(t, "facilitator", acts_for=t.users["facilitator"])
    r = _post(client, "/api/territories/alpha/cards",
              {"group": other.pk, "question": "Q1", "texts": ["x"]}, key)
    assert r.status_code == 403 and "Elderly" in r.json()["detail"]


def test_key_role_never_exceeds_its_member(world):
    from django.core.exceptions import ValidationError

    t = world.alpha
    with pytest.raises(ValidationError) as error:
        key_services.create_key(t.territory, user=t.users["coordinator"], name="x",
                                role="coordinator", acts_for=t.users["observer"])
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError):
        key_services.create_key(t.territory, user=t.users["facilitator"], name="x",
                                role="observer")


def test_page_limit_too_large_and_pagination(client, world):
    key = _key(world.alpha)
    r = _get(client, "/api/territories/alpha/criteria", key, limit=501)
    assert r.status_code == 422
    assert "at most 500" in r.json()["detail"] and r.json()["errors"][0]["field"] == "limit"
    r = _get(client, "/api/territories/alpha/criteria", key, limit=0)
    assert r.status_code == 422
    r = _get(client, "/api/territories/alpha/criteria", key, offset=-1)
    assert r.status_code == 422
    first = _get(client, "/api/territories/alpha/criteria", key, limit=2).json()
    second = _get(client, "/api/territories/alpha/criteria", key, limit=2, offset=2).json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert sorted(ids) == sorted(c.pk for c in world.alpha.cards)


def test_rate_limit_is_a_429(client, world, settings):
    from django.core.cache import cache

    cache.clear()
    settings.COSPIRAL_API_RATE = "3/h"
    key = _key(world.alpha)
    codes = [_get(client, "/api/territories", key).status_code for _i in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = _get(client, "/api/territories", key)
    assert "Too many requests" in r.json()["detail"] and r["Retry-After"] == "60"
    cache.clear()


def test_survey_answers_by_token_are_idempotent(client, world, make_wave):
    made = make_wave(indicators=2)
    wave = made.wave
    coordinator = world.alpha.users["coordinator"]
    token = survey_services.create_tokens(wave, 1, user=coordinator)[0].token
    codes = [i.code for i in made.indicators]
    url = f"/api/surveys/answers/{token}"
    r = _post(client, url, {"answers": {codes[0]: 7}})
    assert r.status_code == 422 and codes[0] in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == f"answers.{codes[0]}"
    r = _post(client, url, {"answers": {"ZZZ-9": 3}})
    assert r.status_code == 422 and "ZZZ-9" in r.json()["detail"]
    assert not Questionnaire.objects.filter(wave=wave).exists()
    r = _post(client, url, {"answers": {codes[0]: 4, codes[1]: "d"}})
    assert r.status_code == 201, r.content
    q = Questionnaire.objects.get(wave=wave)
    assert q.key == f"t:{token}" and q.submitted_at is not None
    levels = bytes(q.levels)
    r = _post(client, url, {"answers": {codes[0]: 1, codes[1]: 1}})
    assert r.status_code == 409 and "already sent" in r.json()["detail"]
    q.refresh_from_db()
    assert bytes(q.levels) == levels and Questionnaire.objects.filter(wave=wave).count() == 1
    assert _post(client, "/api/surveys/answers/nope", {"answers": {}}).status_code == 404
    other = survey_services.create_tokens(wave, 1, user=coordinator)[0]
    survey_services.close_wave(wave, user=coordinator)
    r = _post(client, f"/api/surveys/answers/{other.token}", {"answers": {codes[0]: 3}})
    assert r.status_code == 410 and "closed" in r.json()["detail"]


def test_waves_and_results_published_only_for_partner_and_observer(client, world, make_wave):
    made = make_wave(indicators=2)
    wave = made.wave
    observer, coordinator = _key(world.alpha, "observer"), _key(world.alpha, "coordinator")
    assert _get(client, "/api/territories/alpha/waves", observer).json()["count"] == 0
    assert _get(client, f"/api/territories/alpha/waves/{wave.pk}/results",
                observer).status_code == 404
    assert _get(client, "/api/territories/alpha/waves", coordinator).json()["count"] == 1
    for n in range(3):
        survey_services.save_questionnaire(wave, key=f"k{n}", channel="web",
                                           answers={0: 4, 1: 2})
    survey_services.publish_results(wave, user=world.alpha.users["coordinator"])
    r = _get(client, f"/api/territories/alpha/waves/{wave.pk}/results", observer)
    assert r.status_code == 200
    body = r.json()
    # Fewer respondents than the threshold: every figure suppressed, no count revealed.
    assert body["threshold"] > 3 and body["respondents"] is None
    assert all(f["suppressed"] and f["mean"] is None and f["n"] is None
               for f in body["indicators"])
    beta = _key(world.beta, "coordinator")
    assert _get(client, f"/api/territories/beta/waves/{wave.pk}/results", beta).status_code == 404


def test_keys_page_shows_the_secret_once_and_revokes(client, world):
    t = world.alpha
    client.force_login(t.users["coordinator"])
    url = "/api/keys/alpha/"
    r = client.post(url, {"name": "Portal", "role": "observer", "acts_for": ""})
    assert r.status_code == 201
    key = ApiKey.objects.get(territory=t.territory, name="Portal")
    secret = r.context["new"].secret
    assert secret.startswith(f"csp_{key.prefix}.") and secret in r.content.decode()
    page = client.get(url).content.decode()
    assert secret not in page and key.prefix in page
    assert _get(client, "/api/territories", secret).status_code == 200
    r = client.post(f"/api/keys/alpha/{key.pk}/revoke/")
    assert r.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    client.force_login(world.beta.users["coordinator"])
    assert client.get(url).status_code == 404
    assert client.post(f"/api/keys/beta/{key.pk}/revoke/").status_code == 404
    client.force_login(t.users["facilitator"])
    assert client.get(url).status_code == 403


def test_key_of_a_removed_member_stops_working(client, world):
    from cospiral.territories.models import Membership

    t = world.alpha
    key = _key(t, "facilitator", acts_for=t.users["facilitator"])
    assert _get(client, "/api/territories/alpha/groups", key).status_code == 200
    Membership.objects.of(t.territory).filter(user=t.users["facilitator"]).delete()
    r = _get(client, "/api/territories/alpha/groups", key)
    assert r.status_code == 401 and "no longer a member" in r.json()["detail"]


def test_key_acts_with_its_members_current_role(client, world):
    from cospiral.territories.models import Membership

    t = world.alpha
    key = _key(t, "facilitator", acts_for=t.users["facilitator"])
    Membership.objects.of(t.territory).filter(user=t.users["facilitator"]).update(role="observer")
    r = _post(client, "/api/territories/alpha/cards",
              {"group": t.group.pk, "question": "Q1", "texts": ["x"]}, key)
    assert r.status_code == 403


def test_keys_page_names_a_role_above_the_member(client, world):
    t = world.alpha
    client.force_login(t.users["coordinator"])
    r = client.post("/api/keys/alpha/", {"name": "Too strong", "role": "coordinator",
                                         "acts_for": t.users["partner"].pk})
    assert r.status_code == 200
    assert "no higher than theirs" in r.content.decode()
    assert not ApiKey.objects.filter(name="Too strong").exists()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert client.get("/api/keys/alpha/").status_code == 200
    assert "/api/keys/alpha/" in client.get("/t/alpha/edit/").content.decode()
