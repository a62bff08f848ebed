"""A job: long work done off the request (PDFs, large imports, exports, the generator),
with its progress, its result file or its located errors. Rules of its states live in
``cospiral.domain.jobs``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Created, TerritoryQuerySet, user_link
from cospiral.domain import jobs as rules


class Job(Created):
    class State(models.TextChoices):
        QUEUED = rules.QUEUED, _("waiting")
        RUNNING = rules.RUNNING, _("running")
        SUCCEEDED = rules.SUCCEEDED, _("finished")
        FAILED = rules.FAILED, _("failed")
        CANCELLED = rules.CANCELLED, _("cancelled")

    # Nullable: site-wide jobs (package import, generator) belong to no territory.
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("territory"),
    )
    kind = models.CharField(_("kind"), max_length=80)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices,
                             default=State.QUEUED, db_index=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    result_name = models.CharField(_("result file name"), max_length=200, blank=True)
    result_type = models.CharField(_("result type"), max_length=100, blank=True)
    redirect_url = models.CharField(_("link to the result"), max_length=500, blank=True)
    input_name = models.CharField(_("uploaded file name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    task_id = models.CharField(_("task id"), max_length=100, blank=True)
    created_by = user_link(_("started by"))
    # Redeclared from ``Created`` to index it.
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta(Created.Meta):
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["territory", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    def get_absolute_url(self) -> str:
        return self._url("detail")

    @property
    def is_finished(self) -> bool:
        return rules.is_finished(self.state)

    @property
    def percent(self) -> int | None:
        return rules.percent(self.done, self.total)

    @property
    def directory(self) -> Path:
        return Path(settings.DATA_DIR) / "jobs" / str(self.pk)

    @property
    def result_path(self) -> Path | None:
        if not self.result_name:
            return None
        return self.directory / "result" / self.result_name

    @property
    def input_path(self) -> Path | None:
        if not self.input_name:
            return None
        return self.directory / "input" / self.input_name

    def _url(self, name: str) -> str:
        if self.territory_id:
            return reverse(f"jobs:{name}", kwargs={"territory": self.territory.slug, "pk": self.pk})
        return reverse(f"site_jobs:{name}", kwargs={"pk": self.pk})

    def progress_url(self) -> str:
        return self._url("progress")

    def download_url(self) -> str:
        return self._url("download")

    def cancel_url(self) -> str:
        return self._url("cancel")


class WorkerBeat(models.Model):
    """A worker process's last sign of life (``cospiral worker`` writes it periodically),
    read by /health/."""

    name = models.CharField(_("worker"), max_length=200, unique=True)
    backend = models.CharField(_("backend"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.name
