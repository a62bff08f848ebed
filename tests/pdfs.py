"""Downloading a PDF the way a reader does: the PDF route answers with the page of the
job that builds it (the immediate backend of the tests has already run it), then, asked
again, serves the kept file at once."""

from __future__ import annotations

from cospiral.jobs.models import Job


def download(client, url: str, **extra):
    """``(response, content)``: the kept PDF's response and bytes, after its job ran."""
    started = client.get(url, **extra)
    assert started.status_code == 302, (started.status_code, url)
    job = Job.objects.order_by("-pk").first()
    assert started["Location"] == job.get_absolute_url()
    assert job.state == Job.State.SUCCEEDED, (job.state, job.message)
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content)
