"""The open-data package page (what it contains, and the download button for
coordinators) and the import page (coordinators of a territory or site administrators),
which lists every error of a refused package. Thin: the services export and import."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cospiral.core.access import MANAGE, territory_view
from cospiral.core.tabular import TableRejected
from cospiral.domain import package as pkg
from cospiral.packages import services
from cospiral.territories.models import Membership, Role

MAX_UPLOAD = 500 * 1024 * 1024


@territory_view(MANAGE)
def package(request):
    return render(request, "packages/package.html", {
        "territory": request.territory, "resources": pkg.RESOURCES,
        "can_manage": True,
    })


@territory_view(MANAGE)
def download(request):
    data = services.export_package(request.territory)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{services.filename(request.territory)}"'
    return response


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Package (ZIP)"),
                           help_text=gettext_lazy("A cospiral open-data package exported by "
                                                  "another server."))


def may_import(user) -> bool:
    """Site administrators and coordinators of a territory of this server (not of an
    imported one) may import a package."""
    return user.is_superuser or Membership.objects.filter(
        user=user, role=Role.COORDINATOR, territory__imported_at__isnull=True).exists()


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    if not may_import(request.user):
        raise PermissionDenied
    errors = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("The file is larger than 500 MB."))
        else:
            try:
                territory = services.import_package(upload.read(), upload.name, user=request.user)
            except TableRejected as exc:
                errors = [str(e) for e in exc.errors]
            else:
                return redirect(reverse("territories:home", kwargs={"territory": territory.slug}))
    return render(request, "packages/import.html", {"form": form, "errors": errors},
                  status=400 if errors or form.errors else 200)
