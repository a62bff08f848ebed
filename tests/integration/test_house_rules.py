"""The house rules of DESIGN.md that a structure can show, checked on the running project:
every row of a territory is scoped by the one mechanism (``TerritoryOwned`` and its
``.of()``), and every page under ``/t/<territory>/`` goes through ``territory_view``.
No database needed: these read the app registry and the URL configuration."""

from __future__ import annotations

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from cospiral.core.access import territory_view
from cospiral.core.models import TerritoryOwned

# Models with a territory column that do not inherit TerritoryOwned, each with its reason.
# A new one fails the test until it inherits TerritoryOwned or gets a reason here.
NOT_TERRITORY_OWNED = {
    "core.AuditEntry": "site-wide entries too (accounts, networks): the territory may be empty",
    "jobs.Job": "site-wide jobs too (package imports, generation): the territory may be empty",
    "grid.GridEntry": "shared grid entries have no territory; only local components have one",
    "stats.CountsStamp": "one row per territory, the territory is its primary key (OneToOne)",
    "network.NetworkMembership": "belongs to a network, read by network coordinators across "
                                 "territories; the territory is what it links",
    "network.CharterSignature": "belongs to a network: a territory's signature of its charter",
}

TERRITORY_PREFIX = "t/<slug:territory>/"
# The code object of the wrapper that territory_view puts around a view.
_WRAPPER_CODE = territory_view()(lambda request: None).__code__


def _cospiral_models():
    return [m for m in apps.get_models() if m.__module__.startswith("cospiral.")]


def _has_territory_column(model) -> bool:
    return any(field.concrete and field.is_relation and field.related_model is not None
               and field.related_model._meta.label == "territories.Territory"
               and field.name == "territory"
               for field in model._meta.get_fields())


def test_every_model_with_a_territory_inherits_territory_owned_or_says_why():
    owned, unexplained = [], []
    for model in _cospiral_models():
        if not _has_territory_column(model):
            continue
        label = model._meta.label
        if issubclass(model, TerritoryOwned):
            owned.append(label)
            assert label not in NOT_TERRITORY_OWNED, f"{label} inherits TerritoryOwned now: drop its reason"
        elif label not in NOT_TERRITORY_OWNED:
            unexplained.append(label)
    assert unexplained == [], (
        f"{unexplained} carry a territory but do not inherit core.models.TerritoryOwned "
        "(scoped reads with .of()); inherit it, or write the reason in NOT_TERRITORY_OWNED")
    assert len(owned) >= 40, owned  # the check looks at the real models, not an empty list
    missing = set(NOT_TERRITORY_OWNED) - {m._meta.label for m in _cospiral_models()}
    assert not missing, f"{missing} no longer exist: drop them from NOT_TERRITORY_OWNED"


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _wrapped_by_territory_view(callback) -> bool:
    """True when territory_view's wrapper is the view or under its other decorators
    (each functools.wraps layer points to the next with ``__wrapped__``)."""
    seen = callback
    while seen is not None:
        if getattr(seen, "__code__", None) is _WRAPPER_CODE:
            return True
        seen = getattr(seen, "__wrapped__", None)
    return False


def test_every_territory_route_goes_through_territory_view():
    routes = [(route, callback) for route, callback in _routes(get_resolver().url_patterns)
              if route.startswith(TERRITORY_PREFIX)]
    assert len(routes) >= 100, len(routes)
    unwrapped = [f"/{route} ({callback.__module__}.{callback.__qualname__})"
                 for route, callback in routes if not _wrapped_by_territory_view(callback)]
    assert unwrapped == [], unwrapped


def test_the_route_check_tells_a_wrapped_view_from_a_bare_one():
    def bare(request, territory):
        return None

    assert _wrapped_by_territory_view(territory_view()(bare))
    assert not _wrapped_by_territory_view(bare)
