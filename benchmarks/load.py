"""Benchmark: the demo served as the README deploys it (gunicorn, 3 web processes, 1
worker of the task engine) under a bounded closed-loop load of 50 concurrent clients for
60 s on 127.0.0.1, over a workshop's mix of pages.

Goals (issue 10), on 2 cores: 0 errors; p95 <= 1 s for every page; a PDF request answers
in <= 200 ms (its job started, or the kept file); the review PDF of the demo is ready in
<= 10 s.

    COSPIRAL_DATA_DIR=/tmp/bench python benchmarks/load.py [--clients 50] [--seconds 60]
    COSPIRAL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/load.py

Needs the ``bench`` extra (gunicorn). Database: ``<data dir>/bench-load.sqlite3`` or
``cospiral_bench_load`` on the PostgreSQL server of COSPIRAL_DATABASE_URL (never the
database the URL names; ``--pg-database NAME`` for another one, so that two people
measuring on one PostgreSQL server do not drop each other's), dropped and loaded again
with the demo (``cospiral demo --no-serve``) unless ``--reuse``. The benchmark opens a survey wave of the demo to the
web (a public link) so that clients can answer it.

Each client signs in as the demo's coordinator, then, until the time is up, picks a page
at random with the weights of ``MIX`` and waits for its answer before the next one
(closed loop): the territory's home, the coding board of one of the groups, the
statistics, a wave's results, with a breakdown, one step of a web questionnaire (start,
an answer, the profile, send: a client answers its questionnaire step by step), a card
typed on the entry page (POST: a citizen's text drawn from the shipped French examples,
for one of the groups that have a session, so that the boards grow as a workshop's do,
not one board by hundreds of near-identical cards), and the review's PDF (not followed: the job's page or the kept file). Before the load,
the review PDF is asked for once and its time to be ready measured (``review_pdf``).
The anonymous pages' rate limit (``COSPIRAL_ONLINE_RATE``) is raised for the run: every
client comes from 127.0.0.1.

Prints one JSON object: requests, throughput, per page count/errors/p50/p95/p99 (ms),
errors with their status, CPU seconds of the web processes and of the worker per
request (read from /proc: utime + stime of the gunicorn master, its workers and the
task worker, before and after the load) and of the load generator itself (``clients``:
this process, which shares the cores), the jobs run during the load, and the load
average at the start and at the end. ``cpu_ms_by_page``: the mean and median CPU ms each
kind of request cost its web process during the load, read from the request log lines
(``cpu_ms``, cospiral.requests), with the p50/p95 of the time each spent in its web
process (``duration_ms``: from the request reaching Django to its answer, without the
wait in gunicorn's listen queue); the results page with and without a breakdown share
one path, so they are one entry (``results_breakdown``).

What a client measures is that server time plus the wait for a free web process. In a
closed loop without pause, 50 clients keep 50 requests in the system, so the mean time a
client measures is 50 / throughput (Little's law) whatever the page: about 0.7 s at
75 requests/s. ``pdf_request_p95_under_200ms`` is therefore read from the server's time
(the request starts the job or sends the kept file); the client's figure is printed
beside it (``pages.pdf``)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import benchdb

LOG_LINE = re.compile(r"request method=(\w+) path=(\S+) status=\d+ duration_ms=(\d+) cpu_ms=([\d.]+)")

BENCH_DB = "cospiral_bench_load"
SRC = Path(__file__).resolve().parents[1] / "src"
PASSWORD = "cospiral-demo"  # the demo's accounts (cospiral demo)
USER = "coordination"
SLUG = "montclair-tilleuls"  # the demo's main territory

MIX = {"home": 20, "coding_board": 12, "statistics": 14, "results": 10, "breakdown": 8,
       "survey_answer": 14, "card_entry": 14, "pdf": 8}

SETUP = r"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
django.setup()
from django.contrib.auth import get_user_model
from cospiral.cards import selectors as card_selectors
from cospiral.groups.models import Group, Session
from cospiral.surveys import services
from cospiral.surveys.models import Wave
from cospiral.territories.models import Territory, Cycle

t = Territory.objects.get(slug=%(slug)r)
user = get_user_model().objects.get(username=%(user)r)
source = Wave.objects.of(t).order_by("-pk").first()
wave = Wave.objects.of(t).filter(title="Load benchmark").first()
if wave is None:
    copied = {f: getattr(source, f) for f in services.WAVE_FIELDS
              if f not in ("title", "baseline", "opens_at", "closes_at") and hasattr(source, f)}
    wave = services.create_wave(t, user=user, title="Load benchmark", **copied)
    services.set_indicators(wave, [p.indicator for p in services.positions(source)], user=user)
    services.open_wave(wave, user=user)
    wave = services.set_public_link(wave, user=user, enabled=True)
targets = []
for g in Group.objects.of(t).order_by("pk"):
    session = Session.objects.of(t).filter(group=g).order_by("pk").first()
    questions = card_selectors.enabled_questions(t, g)
    if session is not None and questions:
        targets.append({"group": g.pk, "session": session.pk, "questions": [q.pk for q in questions]})
first = targets[0]
print(json.dumps({"results_wave": source.pk, "public_token": wave.public_token,
                  "group": first["group"], "session": first["session"],
                  "question": first["questions"][0], "targets": targets,
                  "breakdown": (source.profile_questions or ["age_band"])[0],
                  "cycle": 2 if Cycle.objects.of(t).filter(number=2).exists() else 1}))
"""

JOBS = r"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cospiral.settings")
django.setup()
from cospiral.jobs.models import Job
rows = list(Job.objects.filter(pk__gt=%(after)d).values_list("kind", "state", "started_at", "finished_at"))
out = {}
for kind, state, started, finished in rows:
    k = out.setdefault(kind, {"states": {}, "build_s": []})
    k["states"][state] = k["states"].get(state, 0) + 1
    if started and finished:
        k["build_s"].append((finished - started).total_seconds())
last = Job.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
print(json.dumps({"jobs": out, "last": last}))
"""


def card_texts() -> list[str]:
    """The shipped French examples' texts: what citizens write, varied as in a workshop."""
    import csv

    path = SRC / "cospiral" / "data" / "examples" / "criteria_fr.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


CARD_TEXTS = card_texts()


def card_data(setup: dict, chooser: random.Random) -> dict:
    """A card typed on the entry page: one of the groups that have a session, one of its
    questions, a citizen's text."""
    target = chooser.choice(setup["targets"])
    return {"group": target["group"], "session": target["session"],
            "question": chooser.choice(target["questions"]), "text": chooser.choice(CARD_TEXTS)}


class Browser:
    """One client: its cookies, over a new connection per request (gunicorn's sync
    workers close each connection)."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout, self.cookies = port, timeout, {}

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        head = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            head["Content-Type"] = "application/x-www-form-urlencoded"
            head["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        try:
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            content = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, dict((k.lower(), v) for k, v in response.getheaders()), content
        finally:
            conn.close()

    def login(self) -> None:
        status, _h, content = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()
        status, headers, _c = self.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": USER, "password": PASSWORD})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login refused ({status})")


class Client(threading.Thread):
    def __init__(self, n: int, port: int, setup: dict, deadline: float, timeout: float, record):
        super().__init__(daemon=True, name=f"client-{n}")
        self.browser = Browser(port, timeout)
        self.setup, self.deadline, self.record = setup, deadline, record
        self.random = random.Random(n)
        self.survey_next: str | None = None
        base = f"/t/{SLUG}"
        self.urls = {
            "home": f"{base}/", "coding_board": f"{base}/coding/groups/{setup['group']}/",
            "statistics": f"{base}/statistics/",
            "results": f"{base}/surveys/{setup['results_wave']}/results/",
            "breakdown": f"{base}/surveys/{setup['results_wave']}/results/?breakdown={setup['breakdown']}",
            "pdf": f"{base}/review/{setup['cycle']}/pdf/",
        }

    def _card(self):
        return ("POST", f"/t/{SLUG}/cards/entry/", card_data(self.setup, self.random),
                {"Accept": "application/json"}, (201,))

    def _survey(self):
        if self.survey_next is None:
            return ("POST", f"/s/{self.setup['public_token']}/", {}, None, (302,))
        path = self.survey_next
        if "/q/" in path:
            number = int(path.rstrip("/").rsplit("/", 1)[1])
            return ("POST", path, {f"level-{number - 1}": str(self.random.randint(1, 5))}, None, (302,))
        if path.endswith("/about-you/"):
            return ("POST", path, {}, None, (302,))
        if path.endswith("/review/"):
            return ("POST", path, {"send": "1"}, None, (302,))
        self.survey_next = None  # thanks: the next one starts a new questionnaire
        return self._survey()

    def run(self):
        pages, weights = list(MIX), list(MIX.values())
        while time.monotonic() < self.deadline:
            page = self.random.choices(pages, weights)[0]
            if page == "card_entry":
                method, path, data, headers, ok = self._card()
            elif page == "survey_answer":
                method, path, data, headers, ok = self._survey()
            else:
                path = self.urls[page]
                if page == "coding_board":  # the board of one of the groups cards go to
                    group = self.random.choice(self.setup["targets"])["group"]
                    path = f"/t/{SLUG}/coding/groups/{group}/"
                method, data, headers = "GET", None, None
                ok = (200, 302) if page == "pdf" else (200,)
            started = time.perf_counter()
            try:
                status, response_headers, _content = self.browser.request(method, path, data, headers)
            except Exception as error:  # a refused or timed-out connection is an error
                self.record(page, time.perf_counter() - started, f"{type(error).__name__}")
                continue
            elapsed = time.perf_counter() - started
            self.record(page, elapsed, None if status in ok else str(status))
            if page == "survey_answer":
                location = response_headers.get("location", "")
                self.survey_next = urlsplit(location).path if status == 302 and location else None


def _cpu_seconds(pids) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _page_of(method: str, path: str) -> str:
    if method == "POST" and path.startswith("/s/"):
        return "survey_answer"
    if method == "POST" and path.endswith("/cards/entry/"):
        return "card_entry"
    for part, page in (("/coding/groups/", "coding_board"), ("/statistics/", "statistics"),
                       ("/results/", "results_breakdown"), ("/pdf/", "pdf")):
        if part in path:
            return page
    return "home" if path == f"/t/{SLUG}/" else "other"


def _cpu_by_page(log: Path, offset: int) -> dict:
    """Per kind of request in the log lines after ``offset``: mean and median CPU ms, and
    the p50/p95 of the time spent in the web process (``server_p50_ms``/``server_p95_ms``)."""
    spent: dict[str, list[float]] = {}
    took: dict[str, list[float]] = {}
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        for line in handle:
            found = LOG_LINE.search(line)
            if found:
                page = _page_of(found[1], found[2])
                took.setdefault(page, []).append(float(found[3]))
                spent.setdefault(page, []).append(float(found[4]))
    return {page: {"count": len(v), "mean_ms": round(statistics.mean(v), 1),
                   "median_ms": round(statistics.median(v), 1),
                   "server_p50_ms": round(statistics.median(took[page]), 1),
                   "server_p95_ms": round(_percentile(sorted(took[page]), 0.95), 1)}
            for page, v in sorted(spent.items())}


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered))) - 1))]


def _wait_ready(port: int, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            status, _h, _c = Browser(port, 5).request("GET", "/accounts/login/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer")


def _review_pdf(port: int, url: str, limit: float) -> dict:
    browser = Browser(port, 30)
    browser.login()
    started = time.perf_counter()
    status, headers, _c = browser.request("GET", url)
    first = time.perf_counter() - started
    result = {"first_status": status, "first_answer_ms": round(first * 1000, 1)}
    while status != 200 and time.perf_counter() - started < limit:
        time.sleep(0.25)
        status, headers, content = browser.request("GET", url)
    result["ready_s"] = round(time.perf_counter() - started, 2) if status == 200 else None
    again = time.perf_counter()
    status, headers, content = browser.request("GET", url)
    result.update(kept_status=status, kept_answer_ms=round((time.perf_counter() - again) * 1000, 1),
                  bytes=len(content), content_type=headers.get("content-type"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=18200)
    parser.add_argument("--web", type=int, default=3, help="gunicorn web processes")
    parser.add_argument("--timeout", type=float, default=30, help="a client's timeout per request (s)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its demo")
    parser.add_argument("--pg-database", default=BENCH_DB,
                        help="the benchmark's database on a PostgreSQL server")
    args = parser.parse_args()

    vendor, where = benchdb.database(args.pg_database, "bench-load.sqlite3", reuse=args.reuse)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(SRC), "DJANGO_SETTINGS_MODULE": "cospiral.settings",
           "COSPIRAL_ONLINE_RATE": "100000/m", "COSPIRAL_TASKS_BACKEND": "database"}
    env.pop("COSPIRAL_DEBUG", None)
    cospiral = [sys.executable, "-m", "cospiral"]
    subprocess.run([*cospiral, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*cospiral, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    setup = json.loads(subprocess.run([sys.executable, "-c", SETUP % {"slug": SLUG, "user": USER}],
                                      env=env, check=True, capture_output=True, text=True).stdout)
    jobs_before = json.loads(subprocess.run([sys.executable, "-c", JOBS % {"after": 0}], env=env,
                                            check=True, capture_output=True, text=True).stdout)["last"]
    commands = subprocess.run([*cospiral, "help", "--commands"], env=env, capture_output=True,
                              text=True).stdout.split()
    worker_cmd = ([*cospiral, "worker"] if "worker" in commands else
                  [*cospiral, "db_worker", "--queue-name", "*", "--interval", "0.2", "--no-reload",
                   "--no-startup-delay"])
    logs = Path(os.environ.get("COSPIRAL_DATA_DIR") or "/tmp") / "bench-load-logs"
    logs.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--workers", str(args.web), "--bind", f"127.0.0.1:{args.port}",
         "cospiral.wsgi:application"],
        env={**env, "COSPIRAL_LOG_LEVEL": "WARNING", "COSPIRAL_APP_LOG_LEVEL": "INFO"},
        stdout=open(logs / "gunicorn.out", "w"),
        stderr=subprocess.STDOUT)
    worker = subprocess.Popen(worker_cmd, env={**env, "COSPIRAL_LOG_LEVEL": "WARNING"},
                              stdout=open(logs / "worker.out", "w"), stderr=subprocess.STDOUT)
    result = {"benchmark": "load", "database": vendor, "where": where, "clients": args.clients,
              "seconds": args.seconds, "web_processes": args.web, "worker": " ".join(worker_cmd[2:]),
              "load_average_start": list(os.getloadavg())}
    try:
        boot = time.perf_counter()
        _wait_ready(args.port, 120)
        result["server_ready_s"] = round(time.perf_counter() - boot, 2)
        time.sleep(2)  # let the three web processes finish warming up
        try:
            result["review_pdf"] = _review_pdf(args.port, f"/t/{SLUG}/review/{setup['cycle']}/pdf/", 120)
        except OSError as error:  # a timed-out answer on a busy machine: say so, carry on
            result["review_pdf"] = {"error": f"{type(error).__name__}: {error}", "ready_s": None}

        samples: dict[str, list[float]] = {page: [] for page in MIX}
        errors: dict[str, dict[str, int]] = {}
        lock = threading.Lock()

        def record(page, seconds, error):
            with lock:
                samples[page].append(seconds)
                if error is not None:
                    errors.setdefault(page, {})[error] = errors.setdefault(page, {}).get(error, 0) + 1

        clients = []
        for n in range(args.clients):
            client = Client(n, args.port, setup, 0, args.timeout, record)
            client.browser.login()
            clients.append(client)
        log_offset = (logs / "gunicorn.out").stat().st_size
        pids = [server.pid, *_children(server.pid)]
        cpu_web, cpu_worker = _cpu_seconds(pids), _cpu_seconds([worker.pid, *_children(worker.pid)])
        cpu_clients = time.process_time()
        started = time.monotonic()
        for client in clients:
            client.deadline = started + args.seconds
            client.start()
        for client in clients:
            client.join(args.seconds + args.timeout + 10)
        elapsed = time.monotonic() - started
        cpu_web = _cpu_seconds(pids) - cpu_web
        cpu_worker = _cpu_seconds([worker.pid, *_children(worker.pid)]) - cpu_worker
        cpu_clients = time.process_time() - cpu_clients
        total = sum(len(v) for v in samples.values())
        result.update(
            requests=total, elapsed_s=round(elapsed, 2), throughput_rps=round(total / elapsed, 1),
            errors=sum(sum(e.values()) for e in errors.values()), errors_by_page=errors,
            cpu_seconds={"web": round(cpu_web, 2), "worker": round(cpu_worker, 2),
                         "clients": round(cpu_clients, 2),
                         "web_per_request_ms": round(cpu_web / total * 1000, 2) if total else None,
                         "clients_per_request_ms": round(cpu_clients / total * 1000, 2) if total else None,
                         "cores_used": round((cpu_web + cpu_worker) / elapsed, 2),
                         "cores_used_with_clients": round((cpu_web + cpu_worker + cpu_clients) / elapsed, 2)},
            pages={page: {"count": len(v), "errors": sum(errors.get(page, {}).values()),
                          "p50_ms": round(statistics.median(v) * 1000, 1) if v else None,
                          "p95_ms": round(_percentile(sorted(v), 0.95) * 1000, 1) if v else None,
                          "p99_ms": round(_percentile(sorted(v), 0.99) * 1000, 1) if v else None,
                          "max_ms": round(max(v) * 1000, 1) if v else None}
                   for page, v in samples.items()},
            load_average_end=list(os.getloadavg()))
        time.sleep(0.5)  # the last log lines
        result["cpu_ms_by_page"] = _cpu_by_page(logs / "gunicorn.out", log_offset)
        result["goals"] = {
            "no_error": result["errors"] == 0,
            "p95_under_1s": all(p["p95_ms"] is not None and p["p95_ms"] <= 1000
                                for p in result["pages"].values()),
            "pdf_request_p95_under_200ms":
                result["cpu_ms_by_page"].get("pdf", {}).get("server_p95_ms", 1e9) <= 200,
            "pdf_request_alone_under_200ms": result["review_pdf"].get("first_answer_ms", 1e9) <= 200,
            "review_pdf_ready_under_10s": (result["review_pdf"]["ready_s"] or 1e9) <= 10}
        time.sleep(1)
        result["jobs_during_load"] = json.loads(subprocess.run(
            [sys.executable, "-c", JOBS % {"after": jobs_before}], env=env, check=True,
            capture_output=True, text=True).stdout)["jobs"]
        for kind in result["jobs_during_load"].values():
            built = kind.pop("build_s")
            kind["builds"] = len(built)
            kind["median_build_s"] = round(statistics.median(built), 2) if built else None
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
