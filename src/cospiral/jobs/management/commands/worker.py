"""``cospiral worker``: run the jobs of the configured task backend (django-tasks-db's
``db_worker`` for the database queue, an RQ worker for Redis), write the worker's
heartbeat for /health/ and mark failed the jobs of workers that died."""

from __future__ import annotations

import os
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.jobs import services


class Command(BaseCommand):
    help = _(
        "Run background jobs (PDFs, large imports, exports) from the queue of "
        "COSPIRAL_TASKS_BACKEND: the database (default) or Redis (rq). Start as many as you "
        "need, on any machine that reaches the database. Stops cleanly on SIGTERM or Ctrl+C "
        "after the job it is running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true",
                            help=_("Run the jobs waiting now, then exit."))
        parser.add_argument("--interval", type=float, default=1.0,
                            help=_("Seconds between two looks at an empty queue (database "
                                   "backend; default 1)."))
        parser.add_argument("--nice", type=int, default=10,
                            help=_("Scheduling priority added to the worker's process (0 to "
                                   "19; default 10), so that pages answer first when jobs "
                                   "and requests share the machine's cores."))

    def handle(self, *args, batch: bool = False, interval: float = 1.0, nice: int = 10,
               **options):
        backend = settings.COSPIRAL_TASKS_BACKEND
        if backend == "immediate":
            raise CommandError(_(
                "COSPIRAL_TASKS_BACKEND is “immediate”: jobs run inside the web request, "
                "there is nothing for a worker to do. Set it to “database” or “rq”."))
        verbosity = options.get("verbosity", 1)
        if not 0 <= nice <= 19:
            raise CommandError(_("--nice must be between 0 and 19."))
        if nice:
            os.nice(nice)  # a PDF or a retraining never slows the pages of a workshop
        if not batch:
            from cospiral import warmup

            if warmup.enabled():
                # Beside the loop, niced with it: the first PDF after a start does not pay
                # for the imports, templates, chart skeletons and fonts (cospiral.warmup).
                warmup.start(for_jobs=True)
        recovered = services.recover_stale()
        if recovered and verbosity:
            self.stderr.write(ngettext("%(n)s job of a stopped worker marked failed.",
                                       "%(n)s jobs of a stopped worker marked failed.",
                                       recovered) % {"n": recovered})
        stop = threading.Event()
        beats = threading.Thread(target=services.worker_loop_beats, name="worker-heartbeat",
                                 kwargs={"backend": backend, "stop": stop}, daemon=True)
        beats.start()
        queue = settings.COSPIRAL_TASKS_QUEUE
        try:
            if backend == "database":
                call_command("db_worker", queue_name=queue, interval=interval, batch=batch,
                             reload=False, startup_delay=False, verbosity=verbosity,
                             worker_id=services.worker_name().replace(":", "-")[:64])
            else:
                # SimpleWorker runs each job in this process, as db_worker does: no fork
                # while the heartbeat thread holds a database connection (unsafe with
                # SQLite), and the job's worker is this process for the recovery rule.
                call_command("rqworker", queue, job_class="django_tasks_rq.Job", burst=batch,
                             worker_class="rq.worker.SimpleWorker", verbosity=verbosity)
        finally:
            stop.set()
            beats.join(timeout=5)
