"""Every import above COSPIRAL_IMPORT_INLINE_BYTES runs as a job through the same
function as the page (cards, survey responses, actions, open-data packages); small files
stay immediate; with the task engine down a large file is refused, nothing imported;
two territories."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cospiral.actions.models import Action
from cospiral.cards.models import Card
from cospiral.jobs.models import Job
from cospiral.surveys.models import Questionnaire

HEADER = "group,question,text,session,language,channel,author,ref,code\n"


@pytest.fixture
def small_threshold(settings):
    settings.COSPIRAL_IMPORT_INLINE_BYTES = 300


def cards_file(world, n=20, t="alpha", bad_line=None):
    group = getattr(world, t).group.name
    lines = [f"{group},Q1,idea {i} with some words,,fr,paper,p{i},{i},\n" for i in range(n)]
    if bad_line is not None:
        lines[bad_line] = f"No such group,Q1,idea,,fr,paper,px,{bad_line},\n"
    return (HEADER + "".join(lines)).encode()


def cards_url(t):
    return reverse("criteria:import", kwargs={"territory": t})


def test_large_card_file_is_imported_by_a_job(world, login, small_threshold):
    client = login(world.alpha.users["facilitator"])
    data = cards_file(world)
    assert len(data) > 300
    response = client.post(cards_url("alpha"), {"file": SimpleUploadedFile("cards.csv", data)})
    job = Job.objects.get(kind="criteria.import_cards")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.territory == world.alpha.territory and job.created_by == world.alpha.users["facilitator"]
    assert job.state == "succeeded" and job.input_name == "cards.csv"
    assert job.message == "20 cards imported from cards.csv; 0 were already there and were skipped."
    assert Card.objects.of(world.alpha.territory).filter(text__startswith="idea ").count() == 20
    assert not Card.objects.of(world.beta.territory).filter(text__startswith="idea ").exists()
    html = client.get(job.get_absolute_url()).content.decode()
    assert "20 cards imported" in html and reverse("criteria:list", args=["alpha"]) in html
    # Facilitators see card imports; partners and observers do not; beta nobody.
    for role, expected in (("coordinator", 200), ("partner", 404), ("observer", 404)):
        assert login(world.alpha.users[role]).get(job.get_absolute_url()).status_code == expected
    assert login(world.beta.users["coordinator"]).get(job.get_absolute_url()).status_code == 404


def test_small_card_file_stays_immediate(world, login, small_threshold):
    client = login(world.alpha.users["coordinator"])
    data = cards_file(world, n=2)
    assert len(data) <= 300
    response = client.post(cards_url("alpha"), {"file": SimpleUploadedFile("cards.csv", data)})
    assert response.status_code == 302 and response["Location"] == cards_url("alpha")
    assert not Job.objects.exists()
    assert Card.objects.of(world.alpha.territory).filter(text__startswith="idea ").count() == 2


def test_refused_large_card_file_gives_located_errors_on_the_job_page(world, login,
                                                                      small_threshold):
    client = login(world.alpha.users["coordinator"])
    data = cards_file(world, bad_line=4)
    response = client.post(cards_url("alpha"), {"file": SimpleUploadedFile("cards.csv", data)})
    job = Job.objects.get(kind="criteria.import_cards")
    assert response["Location"] == job.get_absolute_url() and job.state == "failed"
    assert job.errors and job.errors[0]["file"] == "cards.csv" and job.errors[0]["line"] == 6
    assert job.errors[0]["column"] == "group"
    assert not Card.objects.filter(text__startswith="idea ").exists()
    html = client.get(job.get_absolute_url()).content.decode()
    assert "<td>cards.csv</td>" in html and "<td>6</td>" in html and "<td>group</td>" in html


def test_large_file_refused_when_the_task_engine_is_down(world, login, small_threshold,
                                                         monkeypatch):
    from cospiral.jobs import tasks

    def down(job_id):
        raise ConnectionError("Redis is not running")

    monkeypatch.setattr(tasks, "enqueue", down)
    client = login(world.alpha.users["coordinator"])
    response = client.post(cards_url("alpha"),
                           {"file": SimpleUploadedFile("cards.csv", cards_file(world))})
    assert response.status_code == 400  # a refused upload, as on every import page
    html = response.content.decode()
    assert "the task engine is not available now. Nothing was imported" in html
    assert not Card.objects.filter(text__startswith="idea ").exists()


def test_card_import_job_can_be_cancelled_and_writes_nothing(world, login, small_threshold,
                                                            monkeypatch):
    """Cancelled while the import runs (before its transaction commits): rolled back."""
    from cospiral.cards import services as card_services
    from cospiral.jobs import services

    real = card_services.import_cards

    def import_then_cancel(territory, data, filename, *, user):
        result = real(territory, data, filename, user=user)
        services.cancel_job(Job.objects.get(kind="criteria.import_cards"), user=user)
        return result

    monkeypatch.setattr(card_services, "import_cards", import_then_cancel)
    client = login(world.alpha.users["coordinator"])
    client.post(cards_url("alpha"), {"file": SimpleUploadedFile("cards.csv", cards_file(world))})
    job = Job.objects.get(kind="criteria.import_cards")
    assert job.state == "cancelled"
    assert not Card.objects.filter(text__startswith="idea ").exists()


def test_large_survey_response_file_is_imported_by_a_job(world, make_wave, login, settings):
    made = make_wave(world.alpha, indicators=2, profile_questions=())
    codes = ",".join(i.code for i in made.indicators)
    data = ("\n".join([f"respondent_id,{codes}"] + [f"{i},3,4" for i in range(1, 60)]) + "\n").encode()
    settings.COSPIRAL_IMPORT_INLINE_BYTES = len(data) - 1
    url = reverse("surveys:import", kwargs={"territory": "alpha", "pk": made.wave.pk})
    client = login(world.alpha.users["coordinator"])
    response = client.post(url, {"file": SimpleUploadedFile("answers.csv", data)})
    job = Job.objects.get(kind="surveys.import_responses")
    assert response["Location"] == job.get_absolute_url()
    assert job.state == "succeeded", job.message
    assert job.params == {"filename": "answers.csv", "wave_id": made.wave.pk}
    assert "59 questionnaires imported from answers.csv" in job.message
    assert Questionnaire.objects.filter(wave=made.wave).count() == 59
    # Only coordinators see it; beta's coordinator cannot, nor post to alpha's wave.
    assert login(world.alpha.users["facilitator"]).get(job.get_absolute_url()).status_code == 404
    beta = login(world.beta.users["coordinator"])
    assert beta.get(job.get_absolute_url()).status_code == 404
    assert beta.post(reverse("surveys:import", kwargs={"territory": "beta", "pk": made.wave.pk}),
                     {"file": SimpleUploadedFile("answers.csv", data)}).status_code == 404
    assert Job.objects.count() == 1


def test_large_actions_file_is_imported_by_a_job(world, login, settings):
    client = login(world.alpha.users["coordinator"])
    header = "id,title\n"
    data = (header + "".join(f",Alpha action {i}\n" for i in range(40))).encode()
    settings.COSPIRAL_IMPORT_INLINE_BYTES = len(data) - 1
    response = client.post(reverse("actions:import", kwargs={"territory": "alpha"}),
                           {"kind": "actions", "file": SimpleUploadedFile("plan.csv", data)})
    job = Job.objects.get(kind="actions.import_plan")
    assert response["Location"] == job.get_absolute_url()
    assert job.state == "succeeded", (job.message, job.errors)
    assert job.message == "40 actions created, 0 actions changed, 0 actions unchanged."
    assert Action.objects.of(world.alpha.territory).filter(title__startswith="Alpha action").count() == 40
    assert not Action.objects.of(world.beta.territory).exists()
    assert login(world.alpha.users["facilitator"]).get(job.get_absolute_url()).status_code == 404


def test_large_package_is_imported_by_a_site_wide_job(world, login, settings):
    from cospiral.packages import services as package_services
    from cospiral.territories.models import Territory

    data = package_services.export_package(world.alpha.territory)
    world.alpha.territory.slug = "alpha-source"
    world.alpha.territory.save(update_fields=["slug"])
    settings.COSPIRAL_IMPORT_INLINE_BYTES = len(data) - 1
    client = login(world.beta.users["coordinator"])
    upload = io.BytesIO(data)
    upload.name = "alpha.zip"
    response = client.post(reverse("site_packages:import"), {"file": upload})
    job = Job.objects.get(kind="packages.import")
    assert job.territory is None and response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == "succeeded", (job.message, job.errors)
    imported = Territory.objects.get(slug="alpha")
    assert imported.imported_at is not None
    html = client.get(job.get_absolute_url()).content.decode()
    assert "was imported read-only" in html and "/t/alpha/" in html
    # A site-wide job: only its creator (and site administrators) see it.
    assert login(world.beta.users["observer"]).get(job.get_absolute_url()).status_code == 404
