"""A territory's grid: its version, shared and local components, local additions."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cospiral.core.access import MANAGE, READ, can_manage, territory_view
from cospiral.grid import selectors, services
from cospiral.grid.forms import LocalComponentEditForm, LocalComponentForm
from cospiral.grid.models import GridEntry
from cospiral.grid.views import grid_response


@territory_view(READ)
def index(request):
    territory = request.territory
    version = territory.grid_version
    query = request.GET.get("q", "").strip()[:100]
    return render(request, "grid/territory_index.html", {
        "territory": territory,
        "version": version,
        "families": selectors.families_table(version, territory=territory, query=query),
        "local_count": selectors.local_components(territory).count(),
        "query": query,
        "can_manage": can_manage(request),
    })


@territory_view(READ)
def export(request):
    territory = request.territory
    rows = services.export_grid_rows(territory.grid_version, territory)
    return grid_response(request, rows, f"{territory.grid_version.slug}-{territory.slug}")


def _local_form(request, form, save, *, entry, done: str):
    """The form of a local component: on a valid POST ``save()`` (a refused change shows
    on the form), then the message ``done`` about the saved entry and the grid's page."""
    territory = request.territory
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except services.GridError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done % {"code": saved.code})
            return redirect("territory_grid:index", territory=territory.slug)
    return render(request, "grid/local_form.html", {
        "territory": territory, "form": form, "entry": entry,
    })


@territory_view(MANAGE)
def add_local(request):
    territory = request.territory
    families = GridEntry.objects.of(territory).shared().filter(kind=GridEntry.Kind.FAMILY)
    form = LocalComponentForm(request.POST or None, families=families)
    return _local_form(request, form, lambda: services.add_local_component(
        territory, family_code=form.cleaned_data["family"], labels=form.labels(),
        descriptions=form.descriptions(), user=request.user,
    ), entry=None, done=_("Local component %(code)s added."))


@territory_view(MANAGE)
def edit_local(request, pk):
    territory = request.territory
    entry = get_object_or_404(selectors.local_components(territory), pk=pk)
    initial = {
        "label_fr": entry.labels.get("fr", ""), "label_en": entry.labels.get("en", ""),
        "description_fr": entry.descriptions.get("fr", ""),
        "description_en": entry.descriptions.get("en", ""),
    }
    form = LocalComponentEditForm(request.POST or None, initial=initial)
    return _local_form(request, form, lambda: services.update_entry(
        entry, labels=form.labels(), descriptions=form.descriptions(), user=request.user,
        territory=territory), entry=entry, done=_("Local component %(code)s saved."))
