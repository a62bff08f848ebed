"""Jobs and shared state across real processes, each against its own SQLite file in a
temporary data directory: a worker of the database queue, a worker through Redis
(django-tasks-rq), a worker killed with SIGKILL in the middle of a job, ``cospiral demo``
stopped by SIGTERM, and two web processes sharing one rate limit."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

TIMEOUT = 240  # seconds: a busy 2-core machine is slow to start Django processes


def _env(tmp_path: Path, backend: str = "database", **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSPIRAL_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({
        "COSPIRAL_DATA_DIR": str(tmp_path),
        "COSPIRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'cospiral.sqlite3'}",
        "COSPIRAL_TASKS_BACKEND": backend,
        "COSPIRAL_TASKS_QUEUE": f"cospiral-test-{uuid.uuid4().hex[:12]}",
        "COSPIRAL_JOB_HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def _cospiral(env, *args, check=True, timeout=TIMEOUT) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cospiral", *args], env=env, text=True,
                          capture_output=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"cospiral {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A database migrated once for the module (``cospiral migrate`` takes 10–20 s): each
    test starts from a copy of it."""
    directory = tmp_path_factory.mktemp("migrated")
    _cospiral(_env(directory), "migrate", "-v0")
    return directory / "cospiral.sqlite3"


def _migrated(tmp_path: Path, template: Path) -> None:
    shutil.copyfile(template, tmp_path / "cospiral.sqlite3")


def _shell(env, code: str) -> str:
    return _cospiral(env, "shell", "-c", code).stdout


def _job(tmp_path: Path, pk: int) -> dict:
    with sqlite3.connect(tmp_path / "cospiral.sqlite3", timeout=30) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM jobs_job WHERE id = ?", (pk,)).fetchone()
    return dict(row)


def _count(tmp_path: Path, sql: str) -> int:
    with sqlite3.connect(tmp_path / "cospiral.sqlite3", timeout=30) as db:
        return db.execute(sql).fetchone()[0]


START = ("from cospiral.jobs.services import start_job; "
         "job = start_job('core.generate', params=dict(territories={t}, "
         "groups_per_territory={g}, cards_per_group={c}, seed={seed})); "
         "print('JOB', job.pk, job.state)")


def _start_generate(env, *, t=1, g=2, c=5, seed=1) -> int:
    out = _shell(env, START.format(t=t, g=g, c=c, seed=seed))
    pk, state = re.search(r"JOB (\d+) (\w+)", out).groups()
    assert state == "queued"  # a real queue: nothing ran in this process
    return int(pk)


def _wait(predicate, timeout=TIMEOUT, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def _free_port(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _unused_port() -> int:
    """A port nobody listens on now, chosen by the system: fixed ports would collide
    with another run of the suite on the same machine (or another xdist worker)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, opener=None, timeout=10):
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _serving(url: str):
    def check():
        try:
            return _get(url, timeout=5)[0] < 500
        except OSError:
            return False
    return check


def test_database_queue_runs_a_job_in_a_real_worker(tmp_path, template):
    env = _env(tmp_path, "database")
    _migrated(tmp_path, template)
    pk = _start_generate(env, seed=11)
    worker = _cospiral(env, "worker", "--batch")
    job = _job(tmp_path, pk)
    assert job["state"] == "succeeded", (job, worker.stderr)
    assert (job["done"], job["total"]) == (2, 2)
    assert re.fullmatch(r".+:\d+", job["worker"])  # host:pid of the worker process
    assert _count(tmp_path, "SELECT count(*) FROM territories_territory "
                            "WHERE slug LIKE 'gen-11-%'") == 1
    assert f"job kind=core.generate id={pk} territory=- state=succeeded" in worker.stderr


@pytest.mark.skipif(os.environ.get("COSPIRAL_NO_REDIS") == "1",
                    reason="COSPIRAL_NO_REDIS=1: no Redis server on this machine")
def test_redis_queue_runs_a_job_through_rq(tmp_path, template):
    """Fails (never skips) when Redis is absent, unless COSPIRAL_NO_REDIS=1."""
    url = os.environ.get("COSPIRAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    env = _env(tmp_path, "rq", COSPIRAL_REDIS_URL=url)
    _migrated(tmp_path, template)
    pk = _start_generate(env, seed=12)
    worker = _cospiral(env, "worker", "--batch")
    job = _job(tmp_path, pk)
    assert job["state"] == "succeeded", (job, worker.stdout, worker.stderr)
    assert job["task_id"]
    assert _count(tmp_path, "SELECT count(*) FROM territories_territory "
                            "WHERE slug LIKE 'gen-12-%'") == 1


def test_a_worker_killed_mid_job_leaves_it_failed_and_nothing_written(tmp_path, template):
    env = _env(tmp_path, "database")
    _migrated(tmp_path, template)
    # Large enough to be still running when it is killed (one transaction).
    pk = _start_generate(env, t=1, g=4000, c=40, seed=13)
    worker = subprocess.Popen([sys.executable, "-m", "cospiral", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _job(tmp_path, pk)["state"] == "running")
        time.sleep(1)
        assert _job(tmp_path, pk)["state"] == "running"
        # The worker gives way to the web processes: 10 niceness levels below us.
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(
            19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _job(tmp_path, pk)["state"] == "running"  # nobody has noticed yet
    # The next worker to start (or a look at the job's page) marks it failed.
    restarted = _cospiral(env, "worker", "--batch")
    job = _job(tmp_path, pk)
    assert job["state"] == "failed", (job, restarted.stderr)
    assert "stopped before the end" in job["message"] and job["finished_at"]
    assert "marked failed" in restarted.stderr
    assert _count(tmp_path, "SELECT count(*) FROM territories_territory "
                            "WHERE slug LIKE 'gen-13-%'") == 0
    assert _count(tmp_path, "SELECT count(*) FROM criteria_card") == 0


def test_demo_serves_with_a_worker_and_stops_cleanly_on_sigterm(tmp_path):
    port = _unused_port()
    assert _free_port(port)
    env = _env(tmp_path, "database")
    demo = subprocess.Popen([sys.executable, "-m", "cospiral", "demo", "--addrport",
                             f"127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        # Migrating and loading the demo first takes a while on a busy machine.
        _wait(_serving(f"http://127.0.0.1:{port}/health/"), timeout=900)
        status, body = _get(f"http://127.0.0.1:{port}/health/")
        assert status == 200 and '"database": true' in body
        # The demo's worker runs a job started now.
        pk = _start_generate(env, seed=14)
        _wait(lambda: _job(tmp_path, pk)["state"] == "succeeded")
        children = subprocess.run(["pgrep", "-P", str(demo.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) == 2, children  # the server and the worker
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    output = demo.stdout.read()
    assert demo.returncode == 0, output
    assert "A worker runs the background jobs" in output
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
            f"/proc/{pid}/status").read_text().lower(), f"child {pid} still running"
    _wait(lambda: _free_port(port), timeout=10)


def test_two_web_processes_share_the_online_entry_rate_limit(tmp_path, template):
    env = _env(tmp_path, "database", COSPIRAL_ONLINE_RATE="2/h")
    _migrated(tmp_path, template)
    out = _shell(env, (
        "from django.contrib.auth import get_user_model; "
        "from cospiral.grid.services import default_version; "
        "from cospiral.territories.services import create_territory; "
        "from cospiral.groups.models import Group; "
        "from cospiral.groups import services as gs; "
        "from cospiral.cards.models import Question; "
        "u = get_user_model().objects.create_superuser('root', password='x'); "
        "t = create_territory(slug='alpha', name='Alphaville', grid_version=default_version()); "
        "g = Group.objects.create(territory=t, name='Young people'); "
        "token = gs.create_entry_token(g, user=u); gs.set_entry_open(g, user=u, is_open=True); "
        "q = Question.objects.of(t).get(code='Q1'); "
        "print('SETUP', token, q.pk)"))
    token, question = re.search(r"SETUP (\S+) (\d+)", out).groups()
    ports = (_unused_port(), _unused_port())
    while ports[1] == ports[0]:
        ports = (ports[0], _unused_port())
    servers = [subprocess.Popen([sys.executable, "-m", "cospiral", "runserver", "--noreload",
                                 f"127.0.0.1:{p}"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for p in ports]
    try:
        for p in ports:
            _wait(_serving(f"http://127.0.0.1:{p}/health/"))
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.addheaders = [("Accept-Language", "en")]

        def post(port, text):
            url = f"http://127.0.0.1:{port}/p/{token}/"
            status, html = _get(url, opener)
            assert status == 200, html[:500]
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf,
                                           f"q-{question}": text}).encode()
            request = urllib.request.Request(url, data=data, headers={"Referer": url})
            no_redirect = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
            try:
                with no_redirect.open(request, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert post(ports[0], "one idea") == 302
        assert post(ports[1], "two ideas") == 302
        # The third sending within the hour is refused, whichever process answers.
        assert post(ports[0], "three ideas") == 429
        assert post(ports[1], "four ideas") == 429
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    assert _count(tmp_path, "SELECT count(*) FROM criteria_card WHERE channel = 'online'") == 2


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
