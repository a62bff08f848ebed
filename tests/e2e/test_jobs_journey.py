"""Browser journey of issue 10: a coordinator imports a card file above the inline
threshold; the answer is the job's page with its progress bar; the result is read there
(the count imported, or the located errors of a refused file)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cospiral.cards.models import Card
from cospiral.jobs.models import Job

from .conftest import axe_violations, shot, sign_in

PASSWORD = "correct horse battery staple"
HEADER = "group,question,text,session,language,channel,author,ref,code\n"


@pytest.fixture
def alpha(transactional_db, grid_version, settings):
    from cospiral.groups.models import Group
    from cospiral.territories.services import create_territory

    settings.COSPIRAL_IMPORT_INLINE_BYTES = 2_000  # so a small test file is "large"
    user = get_user_model().objects.create_user("camille", password=PASSWORD)
    territory = create_territory(slug="alpha", name="Alphaville", user=user,
                                 grid_version=grid_version)
    Group.objects.create(territory=territory, name="Young people")
    return territory


def _upload(page, name: str, data: bytes) -> None:
    page.goto("/t/alpha/cards/import/")
    page.get_by_label("File").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()


def test_large_card_import_runs_as_a_job_with_a_progress_page(page, alpha):
    page.set_default_timeout(60_000)  # the first requests of a live server on a busy machine
    sign_in(page, "camille", PASSWORD)
    lines = "".join(f"Young people,Q1,idea number {i},,fr,paper,p{i},{i},\n" for i in range(200))
    data = (HEADER + lines).encode()
    assert len(data) > 2_000
    _upload(page, "many-cards.csv", data)
    job = Job.objects.get(kind="criteria.import_cards")
    assert page.url.endswith(f"/t/alpha/jobs/{job.pk}/")
    assert page.locator("h1").inner_text() == "Import of cards"
    progress = page.locator("progress#job-progress")
    assert progress.get_attribute("max") == "1" and progress.get_attribute("value") == "1"
    assert page.locator("#job-state").inner_text() == "Finished"
    status = page.locator("#job-status").inner_text()
    assert "1 / 1 (100%)" in status
    assert "200 cards imported from many-cards.csv; 0 were already there" in status
    assert Card.objects.filter(territory=alpha).count() == 200
    assert not axe_violations(page), axe_violations(page)
    shot(page, "jobs-import-finished")
    page.get_by_role("link", name="See the result").click()
    page.wait_for_url("**/t/alpha/cards/")

    # A refused large file: the job page lists each error with its line and column.
    bad = (HEADER + "Nobody,Q1,an idea,,fr,paper,p1,1,\n" + lines.replace("idea number 5,", ",")).encode()
    _upload(page, "bad-cards.csv", bad)
    failed = Job.objects.filter(kind="criteria.import_cards").latest("pk")
    assert failed.state == "failed" and page.url.endswith(f"/jobs/{failed.pk}/")
    assert page.locator("#job-state").inner_text() == "Failed"
    table = page.locator("table.job-errors")
    assert "nothing was stored" in table.locator("caption").inner_text()
    rows = table.locator("tbody tr")
    assert rows.count() >= 2
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] == "bad-cards.csv" and first[1] == "2" and first[2] == "group", first
    assert Card.objects.filter(territory=alpha).count() == 200  # nothing half-written
    assert not axe_violations(page), axe_violations(page)
    shot(page, "jobs-import-refused")

    page.goto("/t/alpha/jobs/")
    assert page.locator("tbody tr").count() == 2
    assert not axe_violations(page), axe_violations(page)
