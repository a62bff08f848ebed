"""Routes to views of the same name: ``pages`` for an app's own list of addresses, and
``object_pages`` for the pages every kind of object of a territory has, under the same
addresses in every app: its list, a form for a new one, and one object's page, form and
delete."""

from __future__ import annotations

from django.urls import path

#: Page name (also the name of its view) → address, relative to the app's prefix.
OBJECT_PAGES = {
    "index": "",
    "create": "new/",
    "detail": "<int:pk>/",
    "edit": "<int:pk>/edit/",
    "delete": "<int:pk>/delete/",
}


def pages(views, addresses: dict[str, str]) -> list:
    """A route for each ``name: address`` of ``addresses``, in that order, to the view of
    the same name in the ``views`` module (the route's name is the view's)."""
    return [path(address, getattr(views, name), name=name) for name, address in addresses.items()]


def object_pages(views, *names: str) -> list:
    """The routes ``names`` (all of ``OBJECT_PAGES`` when none is named), each to the
    view of the same name in the ``views`` module, which wraps it in ``territory_view``."""
    return pages(views, {name: OBJECT_PAGES[name] for name in names or OBJECT_PAGES})
