"""Phase 8's last step, « Produce the review PDF », is done once a job has produced the
cycle's review PDF (issue 15): the job is its only trace, since downloading writes
nothing. Another cycle, and another territory, stay without it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.pdfs import download

pytestmark = pytest.mark.django_db


def _phase_8(client, territory):
    response = client.get(reverse("territories:home", args=[territory.slug]))
    assert response.status_code == 200
    return {c["cycle"]: c for row in response.context["matrix"]["rows"] if row["number"] == 8
            for c in row["cells"]}, response


def test_the_review_pdf_step_is_done_when_its_job_produced_the_pdf(world, login):
    alpha, beta = world.alpha.territory, world.beta.territory
    client = login(world.alpha.users["coordinator"])
    current = _phase_8(client, alpha)[1].context["matrix"]["current"]
    client.post(reverse("reports:edit", args=[alpha.slug, current]),
                {"lessons_learnt": "Les parents sont venus.", "what_next": "Un second groupe."})
    cells, _response = _phase_8(client, alpha)
    assert cells[current]["progress"].next_step == "review_pdf"
    assert cells[current]["next"]["url"] == reverse("reports:review", args=[alpha.slug, current])

    download(client, reverse("reports:pdf", args=[alpha.slug, current]))
    cells, response = _phase_8(client, alpha)
    progress = cells[current]["progress"]
    assert dict(progress.counts)["reviews_frozen"] == 1
    assert progress.next_step is None and progress.derived == "done"
    assert "1 review PDF produced" in response.content.decode()
    # The other cycles have no PDF of their own.
    assert all(dict(c["progress"].counts)["reviews_frozen"] == 0
               for number, c in cells.items() if number != current)
    # Beta's home is untouched by alpha's PDF.
    beta_cells, _response = _phase_8(login(world.beta.users["coordinator"]), beta)
    assert all(dict(c["progress"].counts)["reviews_frozen"] == 0 for c in beta_cells.values())
