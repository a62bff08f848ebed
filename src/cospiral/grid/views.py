"""Site-level grid pages: versions, a version's table, export and import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cospiral.core import exports
from cospiral.core.pages import or_404
from cospiral.core.tabular import TableRejected
from cospiral.domain.grid import GRID_COLUMNS
from cospiral.grid import imports, selectors, services
from cospiral.grid.forms import GridImportForm


def grid_response(request, rows: list[dict], name: str) -> HttpResponse:
    """The grid file in the format of ``?format=``: the standard CSV is the import format,
    byte for byte (UTF-8 without BOM, ``\\n`` line ends); every format keeps its column
    codes, the import's."""
    format = exports.requested_format(request)
    sheet = exports.Sheet("grid", GRID_COLUMNS,
                          [[row.get(c, "") or "" for c in GRID_COLUMNS] for row in rows])
    return exports.response(name, [sheet], format, bom=False, lineterminator="\n")


def is_site_admin(user) -> bool:
    return user.is_authenticated and (user.is_staff or user.is_superuser)


@login_required
def version_list(request):
    return render(request, "grid/list.html", {
        "versions": selectors.versions_overview(),
        "can_import": is_site_admin(request.user),
    })


@login_required
def version_detail(request, slug):
    version = or_404(selectors.version_by_slug(slug), "No such grid version.")
    query = request.GET.get("q", "").strip()[:100]
    return render(request, "grid/detail.html", {
        "version": version,
        "families": selectors.families_table(version, query=query),
        "query": query,
    })


@login_required
def version_export(request, slug):
    version = or_404(selectors.version_by_slug(slug), "No such grid version.")
    return grid_response(request, services.export_grid_rows(version), version.slug)


@login_required
def version_import(request):
    if not is_site_admin(request.user):
        raise PermissionDenied
    errors = []
    form = GridImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = imports.import_grid(
                upload.read(), upload.name, slug=form.cleaned_data["slug"],
                name=form.cleaned_data["name"], based_on=form.cleaned_data["based_on"],
                user=request.user,
            )
        except TableRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("Grid version “%(slug)s” imported: %(count)s entries.")
                             % {"slug": version.slug, "count": version.entries.count()})
            return redirect("grid:detail", slug=version.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "grid/import.html", {"form": form, "errors": errors}, status=status)
