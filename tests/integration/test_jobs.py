"""Jobs: started through start_job (the immediate backend in tests), their pages with
progress, result and located errors, cancellation, recovery of dead workers, access with
two territories and every role, /health/."""

import datetime as dt
import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cospiral.core.models import AuditEntry
from cospiral.jobs import services
from cospiral.jobs.models import Job, WorkerBeat
from cospiral.jobs.registry import job_kind
from tests.conftest import ROLES


@job_kind("tests.count", title="Counting for tests", min_role="observer")
def count_job(ctx, *, upto: int, name: str = "count.txt") -> None:
    ctx.set_total(upto)
    for _ in range(upto):
        ctx.raise_if_cancelled()
        ctx.advance()
    ctx.save_file(name, b"1\n2\n3\n", "text/plain")
    ctx.succeed(message="counted")


@job_kind("tests.manage_only", title="Coordinators only", min_role="coordinator")
def manage_only(ctx) -> None:
    ctx.save_file("secret.txt", b"secret", "text/plain")


@job_kind("tests.refused", title="A refused import", min_role="facilitator")
def refused(ctx) -> None:
    ctx.fail(message="The file was refused.", errors=[
        {"file": "cards.xlsx", "sheet": "cards", "line": 7, "column": "text",
         "field": "text", "message": "the text is empty"}])


@job_kind("tests.crash", title="A crash", min_role="observer")
def crash(ctx) -> None:
    raise RuntimeError("boom")


@job_kind("tests.cancel_midway", title="Cancelled midway", min_role="observer")
def cancel_midway(ctx) -> None:
    with transaction.atomic():
        AuditEntry.objects.create(territory=ctx.territory, action="import", model="test",
                                  object_id="1", summary="half-written")
        services.cancel_job(ctx.job, user=ctx.user)  # as if the user pressed Cancel now
        ctx.raise_if_cancelled()


def start(world, kind="tests.count", t="alpha", role="coordinator", **params):
    ns = getattr(world, t)
    return services.start_job(kind, territory=ns.territory, user=ns.users[role], params=params)


def test_immediate_backend_runs_the_job_inside_start_job(world):
    job = start(world, upto=4)
    assert job.state == "succeeded"
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.message == "counted" and job.result_name == "count.txt"
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.result_path.read_bytes() == b"1\n2\n3\n"
    assert job.territory == world.alpha.territory and job.created_by == world.alpha.users["coordinator"]


def test_job_page_progress_and_download(world, login):
    job = start(world, upto=3)
    client = login(world.alpha.users["observer"])
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Counting for tests" in html and "Finished" in html
    assert '<progress id="job-progress" max="3" value="3">' in html and "3 / 3 (100%)" in html
    assert "seconds elapsed" in html or "second elapsed" in html
    assert job.download_url() in html and "http-equiv" not in html and "hx-get" not in html
    response = client.get(job.download_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"1\n2\n3\n"
    assert "attachment" in response["Content-Disposition"] and "count.txt" in response["Content-Disposition"]


def test_running_job_page_polls_with_htmx_and_refreshes_without_js(world, login):
    job = Job.objects.create(territory=world.alpha.territory, kind="tests.count",
                             state="running", done=2, total=8, started_at=timezone.now(),
                             heartbeat_at=timezone.now(),
                             created_by=world.alpha.users["coordinator"])
    client = login(world.alpha.users["coordinator"])
    html = client.get(job.get_absolute_url()).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'hx-get="{job.progress_url()}" hx-trigger="every 1s"' in html
    assert "vendor/htmx-2.0.7.min.js" in html
    assert '<progress id="job-progress" max="8" value="2">' in html and "2 / 8 (25%)" in html
    assert "Cancel this job" in html
    partial = client.get(job.progress_url()).content.decode()
    assert partial.lstrip().startswith('<section id="job-status"') and "<html" not in partial
    Job.objects.filter(pk=job.pk).update(state="succeeded", done=8, finished_at=timezone.now())
    partial = client.get(job.progress_url()).content.decode()
    assert "hx-get" not in partial and "Finished" in partial


def test_refused_import_shows_located_errors(world, login):
    job = start(world, "tests.refused")
    assert job.state == "failed" and job.errors[0]["line"] == 7
    html = login(world.alpha.users["facilitator"]).get(job.get_absolute_url()).content.decode()
    assert "The file was refused." in html and "Failed" in html
    for header in ("File", "Sheet", "Line", "Column", "Field", "Problem"):
        assert f'<th scope="col">{header}</th>' in html
    assert "<td>cards.xlsx</td><td>cards</td><td>7</td><td>text</td><td>text</td><td>the text is empty</td>" in html


def test_a_crash_fails_the_job_with_a_generic_message_never_a_500(world, login, caplog):
    job = start(world, "tests.crash")
    assert job.state == "failed" and "error on the server" in job.message
    assert "boom" not in job.message
    assert any("failed" in r.getMessage() and r.exc_info for r in caplog.records)
    assert login(world.alpha.users["observer"]).get(job.get_absolute_url()).status_code == 200


def test_job_log_line(world, caplog):
    caplog.set_level("INFO", logger="cospiral.jobs")
    job = start(world, upto=1)
    lines = [r.getMessage() for r in caplog.records if r.name == "cospiral.jobs"]
    assert any(f"job kind=tests.count id={job.pk} territory=alpha state=succeeded duration_ms="
               in line for line in lines)


def test_cancel_while_running_rolls_back_what_the_job_wrote(world):
    job = start(world, "tests.cancel_midway")
    assert job.state == "cancelled" and "nothing was changed" in job.message
    assert not AuditEntry.objects.filter(summary="half-written").exists()


def test_cancel_a_waiting_job(world, login):
    job = Job.objects.create(territory=world.alpha.territory, kind="tests.count",
                             created_by=world.alpha.users["facilitator"])
    # An observer may see it but not cancel someone else's job.
    observer = login(world.alpha.users["observer"])
    observer.post(job.cancel_url())
    job.refresh_from_db()
    assert job.state == "queued"
    client = login(world.alpha.users["facilitator"])
    assert client.get(job.cancel_url()).status_code == 405
    response = client.post(job.cancel_url())
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == "cancelled" and job.finished_at
    # The worker that takes it later does nothing.
    assert services.execute(job.pk) is None
    job.refresh_from_db()
    assert job.state == "cancelled"


def test_stale_running_job_is_recovered_when_its_page_is_viewed(world, login, settings):
    settings.COSPIRAL_JOB_STALE_SECONDS = 60
    old = timezone.now() - dt.timedelta(minutes=10)
    job = Job.objects.create(territory=world.alpha.territory, kind="tests.count",
                             state="running", started_at=old, heartbeat_at=old,
                             worker="another-host:1")
    alive = Job.objects.create(territory=world.alpha.territory, kind="tests.count",
                               state="running", started_at=old, heartbeat_at=timezone.now(),
                               worker="another-host:2")
    html = login(world.alpha.users["coordinator"]).get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at and "stopped before the end" in job.message
    assert "Failed" in html and "stopped before the end" in html
    alive.refresh_from_db()
    assert alive.state == "running"
    assert services.recover_stale() == 0


def test_job_of_a_dead_process_on_this_host_is_recovered_at_once(world):
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job = Job.objects.create(territory=world.alpha.territory, kind="tests.count",
                             state="running", started_at=timezone.now(),
                             heartbeat_at=timezone.now(),
                             worker=f"{socket.gethostname()}:{gone.pid}")
    assert services.recover_stale() == 1
    job.refresh_from_db()
    assert job.state == "failed"


@pytest.mark.parametrize("role", ROLES)
def test_access_by_role_follows_the_kinds_lowest_role(world, login, role):
    everyone = start(world, upto=1)
    coordinators = start(world, "tests.manage_only")
    client = login(world.alpha.users[role])
    assert client.get(everyone.get_absolute_url()).status_code == 200
    assert client.get(everyone.download_url()).status_code == 200
    expected = 200 if role == "coordinator" else 404
    assert client.get(coordinators.get_absolute_url()).status_code == expected
    assert client.get(coordinators.progress_url()).status_code == expected
    assert client.get(coordinators.download_url()).status_code == expected
    listing = client.get(reverse("jobs:list", kwargs={"territory": "alpha"})).content.decode()
    assert everyone.get_absolute_url() in listing
    assert (coordinators.get_absolute_url() in listing) == (role == "coordinator")


@pytest.mark.parametrize("role", ROLES)
def test_other_territorys_jobs_answer_404(world, login, role):
    job = start(world, upto=1, t="beta")
    client = login(world.alpha.users[role])
    for url in (job.get_absolute_url(), job.progress_url(), job.download_url()):
        assert client.get(url).status_code == 404
    assert client.post(job.cancel_url()).status_code == 404
    # Through alpha's address, beta's job does not exist either.
    url = reverse("jobs:detail", kwargs={"territory": "alpha", "pk": job.pk})
    assert client.get(url).status_code == 404
    listing = client.get(reverse("jobs:list", kwargs={"territory": "alpha"})).content.decode()
    assert job.get_absolute_url() not in listing


def test_anonymous_is_sent_to_login(world):
    job = start(world, upto=1)
    client = Client()
    for url in (job.get_absolute_url(), job.progress_url(), job.download_url(),
                reverse("jobs:list", kwargs={"territory": "alpha"})):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_site_wide_job_is_seen_by_its_creator_and_site_admins_only(world, login,
                                                                   django_user_model):
    creator = world.alpha.users["coordinator"]
    job = services.start_job("tests.count", territory=None, user=creator, params={"upto": 2})
    assert job.get_absolute_url() == f"/jobs/{job.pk}/"
    assert login(creator).get(job.get_absolute_url()).status_code == 200
    admin = django_user_model.objects.create_superuser("root", password="x")
    assert login(admin).get(job.download_url()).status_code == 200
    for other in (world.alpha.users["facilitator"], world.beta.users["coordinator"]):
        assert login(other).get(job.get_absolute_url()).status_code == 404
        assert login(other).get(job.download_url()).status_code == 404
    assert Client().get(job.get_absolute_url()).status_code == 302


def test_territory_navigation_links_to_jobs(world, login):
    html = login(world.alpha.users["observer"]).get(
        reverse("territories:home", kwargs={"territory": "alpha"})).content.decode()
    assert reverse("jobs:list", kwargs={"territory": "alpha"}) in html


def test_start_job_refuses_unknown_kinds_and_unserialisable_params(world):
    from cospiral.jobs.registry import UnknownJobKind

    with pytest.raises(UnknownJobKind):
        services.start_job("tests.nope", territory=world.alpha.territory)
    with pytest.raises(TypeError):
        services.start_job("tests.count", territory=world.alpha.territory,
                           params={"upto": object()})
    assert not Job.objects.filter(kind="tests.nope").exists()


def test_unavailable_engine_marks_the_job_failed_and_raises(world, monkeypatch):
    from cospiral.jobs import tasks

    def down(job_id):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "enqueue", down)
    with pytest.raises(services.JobsUnavailable):
        start(world, upto=1)
    job = Job.objects.latest("pk")
    assert job.state == "failed" and "not available" in job.message


def test_health(world, client):
    response = client.get("/health/")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["status"] == "ok" and body["database"] is True
    assert body["oldest_queued_job_age_s"] is None and body["worker_last_seen"] is None
    Job.objects.create(kind="tests.count", territory=None)
    Job.objects.filter(kind="tests.count").update(created_at=timezone.now() - dt.timedelta(seconds=90))
    services.beat(backend="database", started_at=timezone.now())
    body = json.loads(client.get("/health/").content)
    assert body["oldest_queued_job_age_s"] >= 90
    assert body["worker_last_seen"] and body["worker_last_seen_age_s"] < 60
    assert WorkerBeat.objects.count() == 1


def test_health_answers_503_when_the_database_does_not(db, client, monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken)
        response = client.get("/health/")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] is False


def test_request_log_line(world, login, caplog):
    caplog.set_level("INFO", logger="cospiral.requests")
    user = world.alpha.users["coordinator"]
    login(user).get(reverse("jobs:list", kwargs={"territory": "alpha"}))
    lines = [r.getMessage() for r in caplog.records if r.name == "cospiral.requests"]
    assert any(re.fullmatch(r"request method=GET path=/t/alpha/jobs/ status=200 duration_ms=\d+ "
                            rf"cpu_ms=\d+\.\d user={user.pk}", line) for line in lines), lines
