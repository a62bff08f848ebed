"""The territory's API keys page (coordinators): create (the key is shown once), revoke."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cospiral.api import forms, services
from cospiral.api.models import ApiKey
from cospiral.core import pages
from cospiral.core.access import MANAGE, can_manage, territory_view
from cospiral.territories.views import form_error


@territory_view(MANAGE)
def keys(request):
    territory = request.territory
    form = forms.KeyForm(territory=territory)
    secret = None
    if request.method == "POST":
        form = forms.KeyForm(request.POST, territory=territory)
        if form.is_valid():
            try:
                created = services.create_key(territory, user=request.user,
                                              **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                secret = created
                form = forms.KeyForm(territory=territory)
    rows = ApiKey.objects.of(territory).select_related("user", "created_by")
    return render(request, "api/keys.html", {
        "territory": territory, "can_manage": can_manage(request), "role": request.role,
        "form": form, "rows": rows, "new": secret,
        "spec_url": request.build_absolute_uri("/api/openapi.json"),
    }, status=201 if secret else 200)


@require_POST
@territory_view(MANAGE)
def revoke(request, pk: int):
    key = get_object_or_404(ApiKey.objects.of(request.territory), pk=pk)
    pages.act(request, lambda: services.revoke_key(key, user=request.user),
              done=_("The key “%(name)s” was revoked: it no longer works.") % {"name": key.name},
              together=True)
    return redirect("api_keys:list", territory=request.territory.slug)
