"""The open-data package export of a territory, and imports of large packages, as jobs,
through the same services as the pages and the commands."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.jobs.registry import job_kind


@job_kind("packages.export", title=gettext_lazy("Open-data package"), min_role="coordinator")
def export(ctx) -> None:
    from cospiral.packages import services

    ctx.set_total(2)
    files = services.export_files(ctx.territory)
    ctx.advance()
    ctx.raise_if_cancelled()
    data = services.zip_files(files)
    ctx.save_file(services.filename(ctx.territory), data, "application/zip")
    ctx.advance()
    ctx.succeed(message=_("The package is ready: %(count)s files.") % {"count": len(files)})


@job_kind("packages.import", title=gettext_lazy("Import of an open-data package"),
          min_role="coordinator")
def import_package(ctx, *, filename: str) -> None:
    from cospiral.packages import services

    ctx.set_total(1)
    data = ctx.input_path.read_bytes()
    territory = services.import_package(data, filename, user=ctx.user)
    ctx.advance()
    ctx.succeed(message=_("%(name)s was imported read-only.") % {"name": territory.name},
                redirect_url=reverse("territories:home", kwargs={"territory": territory.slug}))
