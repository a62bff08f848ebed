"""The pages every kind of object of a territory has, under the same addresses in every
app: its list, a form for a new one, and one object's page, form and delete."""

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


def object_pages(views, *names: str) -> list:
    """The routes ``names`` (all of ``OBJECT_PAGES`` when none is named), each to the
    view of the same name in the ``views`` module, which wraps it in ``territory_view``."""
    return [path(OBJECT_PAGES[name], getattr(views, name), name=name)
            for name in names or OBJECT_PAGES]
