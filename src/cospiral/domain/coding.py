"""Rules of coding that pages, imports and statistics share."""

from __future__ import annotations


def is_counted(*, deleted: bool, is_split: bool, merged: bool) -> bool:
    """A card counts in statistics when it is alive, not split into parts (its parts
    count instead) and not merged into another card (that card counts)."""
    return not deleted and not is_split and not merged
