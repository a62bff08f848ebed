"""A person's own data: the download for the signed-in member, and the erasure page of
site administrators. Thin: ``services`` read and write."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cospiral.privacy import services


@login_required
def mine(request):
    return render(request, "privacy/mine.html", {"data": services.own_data(request.user)})


@login_required
def download(request):
    body = json.dumps(services.own_data(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cospiral-my-data.json"'
    return response


def _admin(request):
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only a site administrator can erase a person."))


@login_required
def people(request):
    _admin(request)
    query = (request.GET.get("q") or "").strip()
    found = []
    if query:
        found = list(get_user_model().objects.filter(username__icontains=query).order_by("username")[:50])
    return render(request, "privacy/people.html", {"query": query, "found": found})


@login_required
@require_http_methods(["GET", "POST"])
def erase(request, pk: int):
    _admin(request)
    person = get_object_or_404(get_user_model(), pk=pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            messages.error(request, _("Tick the box to confirm the erasure."))
        else:
            try:
                pseudonym = services.erase_person(person, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The person is erased: their account is now %(pseudonym)s.")
                                 % {"pseudonym": pseudonym})
                return redirect("privacy:people")
    return render(request, "privacy/erase.html", {"person": person,
                                                  "data": services.own_data(person)},
                  status=400 if request.method == "POST" else 200)
