"""Writes about the grid (import, versions, local components, freezing)."""

from __future__ import annotations

from cospiral.grid.models import GridVersion

DEFAULT_GRID_SLUG = "spiral-default-2026"


def default_version() -> GridVersion:
    """The shipped default grid, loaded from ``cospiral/data/grid/`` on first use."""
    version = GridVersion.objects.filter(slug=DEFAULT_GRID_SLUG).first()
    if version is None:
        raise NotImplementedError("default grid loading: to be written")
    return version
