"""PDFs kept once per content (``cospiral.core.pdfs``): what changes a content key, one
job at a time per document, and the process's warm-up."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cospiral.core import audit, pdfs
from cospiral.core.models import AuditEntry
from cospiral.jobs.models import Job
from cospiral.syntheses import jobs as synthesis_jobs
from tests import pdfs as download

from .test_syntheses_pages import add_card

pytestmark = pytest.mark.django_db


def _key(t, **params):
    return pdfs.content_key(synthesis_jobs.SYNTHESIS, t.territory, role="observer", language="en",
                            params={"group_id": None, **params},
                            extra=synthesis_jobs.unaudited(t.territory))


def test_the_key_follows_what_a_document_shows_and_nothing_else(world):
    a, b = world.alpha, world.beta
    first = _key(a)
    assert _key(a) == first  # reading changes nothing
    assert _key(a, group_id=a.group.pk) != first  # another document
    assert pdfs.content_key(synthesis_jobs.SYNTHESIS, a.territory, role="observer", language="fr",
                            params={"group_id": None},
                            extra=synthesis_jobs.unaudited(a.territory)) != first  # another language
    # A write in beta leaves alpha's documents as they were.
    audit.record(b.territory, b.users["coordinator"], AuditEntry.Action.UPDATE, b.territory, "beta")
    add_card(b, "Beta's card")
    assert _key(a) == first
    # An anonymous card (no audit entry) and any audited write in alpha change them.
    add_card(a, "An online card")
    second = _key(a)
    assert second != first
    audit.record(a.territory, a.users["coordinator"], AuditEntry.Action.UPDATE, a.territory, "alpha")
    assert _key(a) != second


def test_one_job_at_a_time_per_document(world, monkeypatch):
    a = world.alpha
    client = Client()
    client.force_login(a.users["observer"])
    url = reverse("syntheses:territory_pdf", args=["alpha"])
    queued = []  # a queue no worker takes from: the job waits
    monkeypatch.setattr("cospiral.jobs.tasks.enqueue", lambda job_id: queued.append(job_id) or "t")
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]  # the second joins the waiting job
    assert Job.objects.count() == 1 and len(queued) == 1
    # A change while it waits does not start a second job: the job takes the figures
    # of the moment it runs.
    add_card(a, "An online card")
    assert client.get(url)["Location"] == first["Location"] and len(queued) == 1
    # Another territory's reader gets a job of its own.
    other = Client()
    other.force_login(world.beta.users["observer"])
    assert other.get(reverse("syntheses:territory_pdf", args=["beta"]))["Location"] != first["Location"]
    assert len(queued) == 2 and not pdfs.kept(_key(a))


def test_kept_pdf_served_to_the_same_content_only(world):
    a = world.alpha
    client = Client()
    client.force_login(a.users["observer"])
    url = reverse("syntheses:territory_pdf", args=["alpha"])
    _response, content = download.download(client, url)
    assert client.get(url).status_code == 200
    add_card(a, "A new online card")
    assert client.get(url).status_code == 302  # changed: a new job
    assert Job.objects.filter(kind=synthesis_jobs.SYNTHESIS).count() == 2
    assert content.startswith(b"%PDF")
    # The document's folder keeps its latest content only.
    folders = [p for p in pdfs.cache_dir().iterdir() if p.is_dir()]
    assert len(folders) == 1 and sorted(p.suffix for p in folders[0].iterdir()) == [".json", ".pdf"]


def test_warm_up_builds_what_a_first_visitor_would_wait_for():
    from cospiral import warmup
    from cospiral.statistics import charts
    from cospiral.surveys import results_charts

    done = warmup.warm_up()
    assert done["templates"] > 100
    assert charts._bars_skeleton.cache_info().currsize >= 3
    assert charts._heat_skeleton.cache_info().currsize >= 2
    assert results_charts._levels_skeleton.cache_info().currsize >= 1
    assert pdfs.code_version.cache_info().currsize == 1
