"""The one mechanism that scopes every page, download and form to a territory.

A view decorated with ``territory_view(...)`` receives ``request.territory`` and
``request.role``; a user without a membership gets a 404 (the territory's existence is
not revealed), a member whose role is not allowed gets a 403. Selectors then read with
``Model.objects.of(request.territory)``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cospiral.core.models import Role, territory_models

READ = (Role.COORDINATOR, Role.FACILITATOR, Role.PARTNER, Role.OBSERVER)
ENTER_CARDS = (Role.COORDINATOR, Role.FACILITATOR)
MANAGE = (Role.COORDINATOR,)


def role_in(user, territory) -> str | None:
    """The user's role in the territory; only observer in a territory imported from an
    open-data package (read-only for everyone, site administrators included)."""
    if not user.is_authenticated:
        return None
    known = getattr(user, "_cospiral_roles", None)  # set by territory_view for its request
    if known is not None and territory.pk in known:
        return known[territory.pk]
    if user.is_superuser:
        role = Role.COORDINATOR
    else:
        Membership = territory_models()[1]
        role = (Membership.objects.of(territory).filter(user=user)
                .values_list("role", flat=True).first())
    if role is not None and getattr(territory, "imported_at", None) is not None:
        return Role.OBSERVER
    return role


def partner_organisation_id(territory, user) -> int | None:
    """The organisation a partner member speaks for in ``territory``, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    Membership = territory_models()[1]
    return (Membership.objects.of(territory).filter(user=user, role=Role.PARTNER)
            .values_list("organisation_id", flat=True).first())


def territory_view(roles=READ):
    allowed = {str(r) for r in roles}

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, territory: str, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            Territory = territory_models()[0]
            obj = Territory.objects.filter(slug=territory).select_related("grid_version").first()
            role = role_in(request.user, obj) if obj else None
            if role is None:
                raise Http404("No such territory.")
            if role not in allowed:
                raise PermissionDenied
            request.territory = obj
            request.role = role
            # The request's user object lives for this request only: the rule checks of
            # the view (``core.rules``) read the role looked up here, not once more each.
            request.user._cospiral_roles = {obj.pk: role}
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_manage(request) -> bool:
    return getattr(request, "role", None) == Role.COORDINATOR


def can_enter_cards(request) -> bool:
    return getattr(request, "role", None) in {str(r) for r in ENTER_CARDS}
