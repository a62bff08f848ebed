"""Reads about the grid. A territory sees the shared entries of its grid version and its
own local components (``GridEntry.objects.of(territory)``), never another territory's."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from cospiral.grid.models import GridEntry, GridVersion


def versions_overview() -> QuerySet:
    """Every grid version with its number of shared entries and components."""
    return (
        GridVersion.objects.select_related("based_on")
        .annotate(
            entry_count=Count("entries", filter=Q(entries__territory__isnull=True)),
            component_count=Count(
                "entries",
                filter=Q(entries__territory__isnull=True, entries__kind=GridEntry.Kind.COMPONENT),
            ),
        )
        .order_by("-created_at", "slug")
    )


def version_by_slug(slug: str) -> GridVersion | None:
    return GridVersion.objects.select_related("based_on").filter(slug=slug).first()


def entries_for(territory) -> QuerySet:
    """Every entry a territory may use: shared entries of its version + its local ones."""
    return GridEntry.objects.of(territory).order_by("position", "code")


def components_for(territory, *, include_sub_objects: bool = False) -> QuerySet:
    """Components (and optionally sub-objects) a territory codes cards with: the shared
    ones of its grid version and its own local ones, never another territory's."""
    kinds = [GridEntry.Kind.COMPONENT]
    if include_sub_objects:
        kinds.append(GridEntry.Kind.SUB_OBJECT)
    return entries_for(territory).filter(kind__in=kinds)


def local_components(territory) -> QuerySet:
    return GridEntry.objects.of(territory).filter(territory=territory).order_by("code")


def known_codes(territory) -> set[str]:
    """Component and sub-object codes valid for the territory's cards (for
    ``cospiral.domain.codes.validate_full_code``)."""
    return set(components_for(territory, include_sub_objects=True).values_list("code", flat=True))


def search(entries: QuerySet, query: str) -> QuerySet:
    """Entries whose code starts with ``query`` or whose French or English label or
    description contains it (case-insensitive)."""
    query = (query or "").strip()
    if not query:
        return entries
    return entries.filter(
        Q(code__istartswith=query)
        | Q(labels__fr__icontains=query)
        | Q(labels__en__icontains=query)
        | Q(descriptions__fr__icontains=query)
        | Q(descriptions__en__icontains=query)
    )


def search_components(territory, query: str) -> QuerySet:
    """Search among what a territory may code with."""
    return search(components_for(territory, include_sub_objects=True), query)


@dataclass
class FamilyBlock:
    family: GridEntry
    rows: list[GridEntry] = field(default_factory=list)  # components, each followed by its sub-objects
    matched: bool = True


def families_table(version: GridVersion, *, territory=None, query: str = "") -> list[FamilyBlock]:
    """The grid as families with their components (and sub-objects) in order, for pages.
    With ``territory``, its local components appear in their family; with ``query``, only
    matching entries (and the families that hold them) remain."""
    if territory is not None:
        entries = GridEntry.objects.of(territory)
    else:
        entries = version.entries.shared()
    entries = list(entries.order_by("position", "code"))
    matching = None
    if query.strip():
        base = GridEntry.objects.of(territory) if territory is not None else version.entries.shared()
        matching = set(search(base, query).values_list("id", flat=True))
    families = {e.code: FamilyBlock(family=e) for e in entries if e.kind == GridEntry.Kind.FAMILY}
    components = [e for e in entries if e.kind == GridEntry.Kind.COMPONENT]
    subs: dict[str, list[GridEntry]] = {}
    for e in entries:
        if e.kind == GridEntry.Kind.SUB_OBJECT:
            subs.setdefault(e.code.split("-", 1)[0], []).append(e)
    # Shared components in grid order, then local components of the family by code.
    components.sort(key=lambda e: (e.territory_id is not None, e.position if e.territory_id is None else 0, e.code))
    for component in components:
        block = families.get(component.code[0])
        if block is None:
            continue
        for row in [component, *subs.get(component.code, [])]:
            if matching is None or row.id in matching:
                block.rows.append(row)
    result = []
    for block in families.values():
        if matching is not None:
            block.matched = block.family.id in matching
            if not block.rows and not block.matched:
                continue
        result.append(block)
    return result


def entry_list(territory) -> QuerySet:
    """The territory's grid for the API: its version's entries and its local components,
    each with its parent, in grid order."""
    return GridEntry.objects.of(territory).select_related("parent").order_by("position", "code", "id")
