from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cospiral.territories import selectors as territory_selectors


@login_required
def home(request):
    return render(
        request,
        "core/home.html",
        {"territories": territory_selectors.territories_for(request.user),
         "can_create_territory": territory_selectors.can_create_territory(request.user)},
    )
