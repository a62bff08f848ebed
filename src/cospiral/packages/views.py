"""The open-data package page (what it contains, and the download button for
coordinators) and the import page (coordinators of a territory or site administrators),
which lists every error of a refused package. Thin: the services export and import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.core.access import MANAGE, territory_view
from cospiral.core.tabular import TableRejected
from cospiral.domain import package as pkg
from cospiral.jobs.services import JobsUnavailable, start_job
from cospiral.jobs.uploads import runs_as_job, start_import
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
@require_POST
def download(request):
    """Start the package's export as a job; its page offers the ZIP when it is ready."""
    try:
        job = start_job("packages.export", territory=request.territory, user=request.user)
    except JobsUnavailable:
        messages.error(request, _("The task engine is not available now: the package "
                                  "could not be prepared. Try again later."))
        return redirect("packages:package", territory=request.territory.slug)
    return redirect(job.get_absolute_url())


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
        elif runs_as_job(upload):
            job, refused = start_import("packages.import", upload=upload, territory=None,
                                        user=request.user)
            if job is not None:
                return redirect(job.get_absolute_url())
            form.add_error("file", refused)
        else:
            try:
                territory = services.import_package(upload.read(), upload.name, user=request.user)
            except TableRejected as exc:
                errors = [str(e) for e in exc.errors]
            else:
                return redirect(reverse("territories:home", kwargs={"territory": territory.slug}))
    return render(request, "packages/import.html", {"form": form, "errors": errors},
                  status=400 if errors or form.errors else 200)
