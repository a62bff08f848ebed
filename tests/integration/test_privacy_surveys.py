"""The attacks of issue 13 on survey answers, each a test: the link-and-diff attack of a
coordinator, the inversion of the raw file's row order from the printed seed, and the
two-snapshot differencing of an observer (pages, exports, API, open-data package).
Two territories; every role."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest
from django.urls import reverse

from cospiral.api import services as key_services
from cospiral.domain import survey as rules
from cospiral.packages import services as package_services
from cospiral.surveys import services
from cospiral.surveys.models import RespondentToken, ResultSnapshot

pytestmark = pytest.mark.django_db


def submit(w, rows, prefix="p"):
    wave = w.wave
    J = len(w.indicators)
    choices = rules.choice_counts({"neighbourhood": wave.neighbourhoods,
                                   "group_profile": wave.group_profiles})
    sheets = []
    for n, (levels, profile) in enumerate(rows):
        sheet = rules.make_sheet(dict(enumerate(levels)), J, profile=profile,
                                 asked=wave.profile_questions, choices=choices, consent=True)
        sheets.append((f"{prefix}:{n + 1}", "paper", sheet, n + 1))
    services.submit_many(wave, sheets, user=w.t.users["coordinator"])


def rows_of(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def export(client, w, what, fmt="csv"):
    return client.get(reverse("surveys:results_export", args=[w.t.territory.slug, w.wave.pk, what, fmt]))


def links_csv(client, w):
    return client.get(reverse("surveys:links_csv", args=[w.t.territory.slug, w.wave.pk])).content


def test_link_and_diff_attack_finds_nothing(world, make_wave, login, client):
    """A coordinator downloads the personal links and the raw answers, one person
    answers, the coordinator downloads both again: nothing tells which link answered,
    and no raw file exists until the wave is closed."""
    w = make_wave(world.alpha)
    coordinator = world.alpha.users["coordinator"]
    tokens = services.create_tokens(w.wave, 6, user=coordinator)
    codes = [i.code for i in w.indicators]
    for n, token in enumerate(tokens[:4]):
        services.save_questionnaire(w.wave, key=f"t:{token.token}", channel="web",
                                    answers={0: 1 + n % 5, 1: 2, 2: 3})
    staff = login(coordinator)
    links_before = links_csv(staff, w)
    page_before = staff.get(reverse("surveys:links", args=[w.t.territory.slug, w.wave.pk])).content.decode()
    assert export(staff, w, "raw").status_code == 409
    # One person answers with their personal link (the public API of the link).
    staff.logout()
    response = client.post(f"/api/surveys/answers/{tokens[4].token}",
                           {"answers": {codes[0]: 5, codes[1]: 5, codes[2]: 5}},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    staff = login(coordinator)
    assert links_csv(staff, w) == links_before  # byte for byte: no "sent" flips
    page_after = staff.get(reverse("surveys:links", args=[w.t.territory.slug, w.wave.pk])).content.decode()
    rows_before = [line for line in page_before.splitlines() if "<tr class=\"link-" in line]
    rows_after = [line for line in page_after.splitlines() if "<tr class=\"link-" in line]
    assert rows_before == rows_after  # only the counts above the table changed
    assert "6 links: 5 used" in page_after
    assert export(staff, w, "raw").status_code == 409
    # Once closed: rows by content, no time, no key; the new row is one of five sorted rows.
    services.close_wave(w.wave, user=coordinator)
    data = rows_of(export(staff, w, "raw"))
    assert data[1:] == sorted(data[1:], key=lambda r: [int(v) for v in r]) and len(data) == 6
    text = "\n".join(",".join(r) for r in data)
    for token in tokens:
        assert token.token not in text
    assert RespondentToken.objects.filter(wave=w.wave).count() == 6


def test_seed_inversion_gives_back_nothing(world, make_wave, login):
    """The codebook prints the bootstrap seed; on the old code the raw rows were a
    permutation seeded with it, and inverting it gave the order of arrival back."""
    w = make_wave(world.alpha)
    rng = np.random.default_rng(5)
    arrival = [([int(v) for v in rng.integers(1, 6, size=3)],
                {"age_band": int(rng.integers(0, 6)), "neighbourhood": int(rng.integers(0, 3))})
               for _i in range(150)]
    submit(w, arrival)
    services.close_wave(w.wave, user=world.alpha.users["coordinator"])
    client = login(world.alpha.users["coordinator"])
    raw = [[int(v) for v in r] for r in rows_of(export(client, w, "raw"))[1:]]
    codebook = {r[0]: r[1] for r in rows_of(export(client, w, "codebook"))[1:] if r[2] == ""}
    seed = int(codebook["bootstrap_seed"])
    in_order = [[p["age_band"], p["neighbourhood"], *levels] for levels, p in arrival]
    order = np.random.default_rng(seed).permutation(len(raw))
    inverted = [None] * len(raw)
    for position, source in enumerate(order):
        inverted[source] = raw[position]
    assert sum(a == b for a, b in zip(inverted, in_order, strict=True)) < 15  # chance level
    assert raw == sorted(in_order)  # the order is the answers' own, nothing else
    assert "sorted by their content" in codebook["raw_row_order"]
    # The same answers arriving in another order give the very same file.
    other = make_wave(world.alpha, title="Same answers, other order")
    submit(other, list(reversed(arrival)), prefix="q")
    services.close_wave(other.wave, user=world.alpha.users["coordinator"])
    assert rows_of(export(client, other, "raw"))[1:] == rows_of(export(client, w, "raw"))[1:]


def _observer_downloads(client, w, key):
    """Everything an observer can download about the wave's results."""
    slug = w.t.territory.slug
    got = {
        "results": export(client, w, "results").content,
        "breakdown": export(client, w, "breakdown").content,
        "breakdown_xlsx_status": export(client, w, "breakdown", "xlsx").status_code,
        "page": client.get(reverse("surveys:results", args=[slug, w.wave.pk]),
                           {"breakdown": "neighbourhood"}).context.get("breakdown"),
        "api": client.get(f"/api/territories/{slug}/waves/{w.wave.pk}/results",
                          HTTP_AUTHORIZATION=f"Bearer {key}").content,
    }
    public = client.get(reverse("survey_public:results", kwargs={"public_token": w.wave.public_token}),
                        {"breakdown": "neighbourhood"})
    got["public"] = public.context.get("breakdown") if public.status_code == 200 else public.status_code
    with zipfile.ZipFile(io.BytesIO(package_services.export_package(w.t.territory))) as archive:
        got["package"] = {name: archive.read(name) for name in archive.namelist()
                          if "wave" in name or "responses" in name}
    return got


def test_two_snapshot_differencing_reveals_nothing(world, make_wave, login):
    """The issue's attack: an observer downloads results and breakdowns of an open wave,
    one answer arrives, they download again and subtract. Now both downloads come from
    the same published snapshot; publishing again after one answer is refused."""
    w = make_wave(world.alpha)
    coordinator = world.alpha.users["coordinator"]
    base = ([([3, 3, 3], {"age_band": 1, "neighbourhood": 0})] * 8
            + [([4, 4, 4], {"age_band": 2, "neighbourhood": 1})] * 8
            + [([2, 2, 2], {"age_band": 3, "neighbourhood": 2})] * 3)
    submit(w, base)
    key = key_services.create_key(w.t.territory, user=coordinator, name="observer key",
                                  role="observer").secret
    client = login(world.alpha.users["observer"])
    # Not published: observers see no figure at all, the API and the public page neither.
    page = client.get(reverse("surveys:results", args=[w.t.territory.slug, w.wave.pk]))
    assert page.status_code == 200 and page.context["not_published"]
    assert export(client, w, "breakdown").status_code == 409
    assert client.get(f"/api/territories/{w.t.territory.slug}/waves/{w.wave.pk}/results",
                      HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 404
    services.publish_results(w.wave, user=coordinator)
    first = _observer_downloads(client, w, key)
    assert first["page"] is not None and first["package"]
    # One answer arrives in the small neighbourhood.
    submit(w, [([1, 5, 1], {"age_band": 3, "neighbourhood": 2})], prefix="late")
    assert _observer_downloads(client, w, key) == first
    # The coordinator sees it live, and publishing again is refused with the reason.
    staff = login(coordinator)
    live = staff.get(reverse("surveys:results", args=[w.t.territory.slug, w.wave.pk]))
    assert live.context["respondents"] == 20 and live.context["live_differs"]
    response = staff.post(reverse("surveys:publish", args=[w.t.territory.slug, w.wave.pk]),
                          {"published": "1"}, follow=True)
    text = response.content.decode()
    assert "were not published again" in text and "fewer than the threshold" in text
    assert ResultSnapshot.objects.filter(wave=w.wave).count() == 1
    client = login(world.alpha.users["observer"])
    assert _observer_downloads(client, w, key) == first
    # Five more answers in every changed cell: published; the small cell stays hidden.
    submit(w, [([1, 5, 1], {"age_band": 3, "neighbourhood": 2})] * 4
           + [([3, 3, 3], {"age_band": 1, "neighbourhood": 0})] * 5, prefix="more")
    services.publish_results(w.wave, user=coordinator)
    assert ResultSnapshot.objects.filter(wave=w.wave).count() == 2
    second = _observer_downloads(client, w, key)
    assert second["results"] != first["results"]
    cells = second["page"]["rows"][0]["cells"]
    assert cells[2]["muted"]  # hidden in the first publication: hidden for good


def test_snapshot_pages_by_role_and_territory(world, make_wave, login, client):
    w = make_wave(world.alpha)
    submit(w, [([3, 3, 3], {"age_band": 1, "neighbourhood": 0})] * 6)
    url = reverse("surveys:results", args=[w.t.territory.slug, w.wave.pk])
    for role in ("facilitator", "partner", "observer"):
        assert login(world.alpha.users[role]).get(url).context["not_published"], role
    assert login(world.alpha.users["coordinator"]).get(url).context["respondents"] == 6
    assert login(world.beta.users["coordinator"]).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    services.publish_results(w.wave, user=world.alpha.users["coordinator"])
    for role in ("facilitator", "partner", "observer"):
        response = login(world.alpha.users[role]).get(url)
        assert response.context["snapshot"] is not None and response.context["respondents"] == 6


def test_waves_published_before_snapshots_get_one_from_the_migration(world, make_wave, login):
    """The data migration gives every wave already published a first snapshot, so that
    its observers, public page, API and package keep showing its results."""
    import importlib

    from django.apps import apps
    from django.utils import timezone

    migration = importlib.import_module("cospiral.surveys.migrations.0002_result_snapshots")
    w = make_wave(world.alpha)
    submit(w, [([3, 3, 3], {"age_band": 1, "neighbourhood": 0})] * 6
           + [([4, 2, 1], {"age_band": 2, "neighbourhood": 1})] * 2)
    w.wave.published_at = timezone.now()
    w.wave.save(update_fields=["published_at"])
    unpublished = make_wave(world.alpha, title="Not published")
    migration.snapshot_published_waves(apps, None)
    assert not ResultSnapshot.objects.filter(wave=unpublished.wave).exists()
    snapshot = ResultSnapshot.objects.get(wave=w.wave)
    assert snapshot.respondents == 8 and snapshot.territory_id == w.wave.territory_id
    page = login(world.alpha.users["observer"]).get(
        reverse("surveys:results", args=[w.t.territory.slug, w.wave.pk]), {"breakdown": "neighbourhood"})
    assert page.context["snapshot"] == snapshot and page.context["respondents"] == 8
    cells = page.context["breakdown"]["rows"][0]["cells"]
    assert cells[1]["muted"] and cells[0]["muted"]  # 2 answers hidden, and its complement
