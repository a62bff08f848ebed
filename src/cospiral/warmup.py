"""Work a web process does once when it starts, so that its first visitor does not wait:
import every view (Altair comes with the chart modules, ~2 s), compile the templates,
build the chart skeletons of each language (Altair validates a spec against the
Vega-Lite schema, ~1 s the first time), start vl-convert's engine (~1 s) and load the
coding suggestions' base models (``coding.suggestions.warm_up``). Charts
themselves are kept on disk (``stats.charts``), so after a restart a page draws none of
those it drew before.

Started by ``cospiral.wsgi`` when a process loads the application (each gunicorn
worker, after its fork: vl-convert's engine must not be started before a fork), in a
thread beside the process's first requests: a process that took long to load would be
stopped by gunicorn's timeout on a busy machine. ``COSPIRAL_WARM_UP=0`` turns it off.
``cospiral worker`` warms up the same way (``for_jobs``: WeasyPrint and its fonts too),
so that the first PDF after a worker starts does not pay for it.

Once warmed up, the process's objects (about 300,000: modules, templates, Altair's
schema, the suggestion models) are frozen out of the garbage collector (``gc.freeze``):
they live as long as the process, and each full collection walked them all again, about
1 ms of every request on average and a 100–200 ms pause every few hundred."""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path

logger = logging.getLogger("cospiral.warmup")


def _templates() -> int:
    from django.apps import apps
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template

    count = 0
    for config in apps.get_app_configs():
        if not config.name.startswith("cospiral"):
            continue
        root = Path(config.path) / "templates"
        for path in sorted(root.rglob("*.html")) if root.is_dir() else []:
            try:
                get_template(str(path.relative_to(root)))
            except (TemplateDoesNotExist, TemplateSyntaxError) as error:  # shown at its first use
                logger.warning("template %s not compiled: %s", path, error)
            else:
                count += 1
    return count


def warm_up(*, for_jobs: bool = False) -> dict:
    """Do the once-a-process work; returns what it did and how long each part took (s).
    ``for_jobs``: also what a worker's jobs need first (WeasyPrint, its fonts)."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    timings = {}
    started = time.perf_counter()
    len(get_resolver().url_patterns)  # imports every app's views (and Altair with them)
    timings["views_s"] = time.perf_counter() - started

    step = time.perf_counter()
    timings["templates"] = _templates()
    timings["templates_s"] = time.perf_counter() - step

    step = time.perf_counter()
    from cospiral.statistics import charts
    from cospiral.surveys import results_charts

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            charts.warm_up()
            results_charts.warm_up()
    timings["skeletons_s"] = time.perf_counter() - step

    step = time.perf_counter()
    from cospiral.core import pdfs

    pdfs.code_version()  # hashes the package's files once: part of every PDF's content key
    timings["pdf_code_version_s"] = time.perf_counter() - step

    step = time.perf_counter()
    charts.start_engine()
    timings["engine_s"] = time.perf_counter() - step

    step = time.perf_counter()
    from cospiral.coding.suggestions import warm_up as warm_up_suggestions

    warm_up_suggestions()  # the suggestion libraries and base models (never trains)
    timings["suggestions_s"] = time.perf_counter() - step

    if for_jobs:
        step = time.perf_counter()
        from weasyprint import HTML

        # Its modules, and Pango's and fontconfig's fonts loaded with a first document.
        HTML(string='<p style="font-family: \'DejaVu Sans\', sans-serif">cospiral <b>1</b></p>'
             ).write_pdf()
        timings["weasyprint_s"] = time.perf_counter() - step
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()}


def enabled() -> bool:
    """``COSPIRAL_WARM_UP`` (default on)."""
    import os

    return os.environ.get("COSPIRAL_WARM_UP", "1").strip().lower() not in ("0", "false", "no", "off")


def settle() -> int:
    """Freeze what the process holds now out of the garbage collector (see the module's
    docstring): collected once, then never walked again. Returns how many objects."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _run(for_jobs: bool = False) -> None:
    from django.db import connection

    try:
        logger.info("warm-up done: %s", warm_up(for_jobs=for_jobs))
        settle()
    except Exception:  # never stop a web process: its pages warm up at first use instead
        logger.exception("warm-up failed")
    finally:
        connection.close()


_thread: threading.Thread | None = None


def start(*, for_jobs: bool = False) -> threading.Thread:
    """Warm up in a thread of its own (see the module's docstring)."""
    global _thread
    _thread = threading.Thread(target=_run, kwargs={"for_jobs": for_jobs},
                               name="cospiral-warm-up", daemon=True)
    _thread.start()
    return _thread


def wait(timeout: float | None = None) -> None:
    """Wait for this process's warm-up to end (benchmarks)."""
    if _thread is not None:
        _thread.join(timeout)
