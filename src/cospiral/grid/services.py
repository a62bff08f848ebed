"""Writes about the grid (import, versions, local components, freezing).

Every function owns its transaction and records the change in the audit trail. Shared
grid versions are reference data (audit entries without a territory); a territory's
local components are recorded under that territory.
"""

from __future__ import annotations

from importlib import resources

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import audit
from cospiral.domain.codes import CodeError
from cospiral.domain.grid import (
    LANGUAGES,
    LOCAL_SOURCE,
    GridRow,
    next_local_code,
    write_grid_csv,
)
from cospiral.grid.models import GridEntry, GridVersion

DEFAULT_GRID_SLUG = "spiral-default-2026"
DEFAULT_GRID_NAME = "SPIRAL default grid 2026 (cospiral)"
DEFAULT_GRID_FILE = "spiral-default-2026.csv"


class GridError(Exception):
    """A refused grid change; ``str(error)`` is a translated message for the user."""


class GridFrozen(GridError):
    """The grid version is frozen: cards are coded against it."""


def _default_grid_bytes() -> bytes:
    return resources.files("cospiral.data").joinpath("grid", DEFAULT_GRID_FILE).read_bytes()


def _clean_texts(texts: dict | None) -> dict:
    texts = texts or {}
    return {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES
            if (texts.get(lang) or "").strip()}


def _store_rows(version: GridVersion, rows: list[GridRow]) -> int:
    """Create the entries of ``rows`` (already validated) in ``version``, parents first."""
    ids: dict[str, int] = {}
    for kind in (GridEntry.Kind.FAMILY, GridEntry.Kind.COMPONENT, GridEntry.Kind.SUB_OBJECT):
        batch = [
            GridEntry(
                version=version, code=row.code, kind=kind,
                parent_id=ids.get(row.parent_code) if row.parent_code else None,
                labels=row.labels, descriptions=row.descriptions, source=row.source,
                position=position,
            )
            for position, row in enumerate(rows)
            if row.kind == kind
        ]
        GridEntry.objects.bulk_create(batch)
        ids.update(
            GridEntry.objects.filter(version=version, kind=kind, territory__isnull=True)
            .values_list("code", "id")
        )
    return len(rows)


RESERVED_SLUGS = {"import"}  # taken by the grid pages' own address


def slug_problem(slug: str) -> str | None:
    try:
        validate_slug(slug)
    except ValidationError:
        return _("“%(slug)s” cannot identify a grid version: use letters, digits, hyphens or "
                 "underscores.") % {"slug": slug}
    if slug in RESERVED_SLUGS or GridVersion.objects.filter(slug=slug).exists():
        return _("a grid version “%(slug)s” already exists; choose another identifier (a "
                 "version never changes once others use it).") % {"slug": slug}
    return None


def default_version() -> GridVersion:
    """The shipped default grid, loaded from ``cospiral/data/grid/`` on first use.

    Idempotent and safe when several processes ask at once: the version row is created
    with ``get_or_create`` in the same transaction as its entries, so others either see
    nothing yet (and wait on the unique slug) or the whole grid."""
    version = GridVersion.objects.filter(slug=DEFAULT_GRID_SLUG).first()
    if version is not None:
        return version
    from cospiral.grid.imports import read_grid  # the file format lives with the importer

    rows = read_grid(_default_grid_bytes(), DEFAULT_GRID_FILE)
    with transaction.atomic():
        version, created = GridVersion.objects.get_or_create(
            slug=DEFAULT_GRID_SLUG,
            defaults={
                "name": DEFAULT_GRID_NAME,
                "notes": "Shipped with cospiral. Families A–H; codes marked “published” "
                         "come from public sources on the SPIRAL method, codes marked "
                         "“draft” are cospiral's own completion.",
            },
        )
        if created:
            count = _store_rows(version, rows)
            audit.record(None, None, "import", version,
                         f"Default grid {DEFAULT_GRID_SLUG} loaded ({count} entries)")
    return version


def create_version(*, slug: str, name: str, rows: list[GridRow],
                   based_on: GridVersion | None = None, notes: str = "", user=None,
                   origin: str = "") -> GridVersion:
    """A new grid version holding ``rows`` (validated by ``domain.grid.parse_grid_rows``):
    the one write path of the grid importer and of ``derive_version``. Raises
    ``GridError`` for an identifier that is taken or invalid, or a missing name."""
    slug, name = (slug or "").strip(), (name or "").strip()
    problem = slug_problem(slug)
    if problem:
        raise GridError(problem)
    if not name:
        raise GridError(_("The grid version needs a name."))
    try:
        with transaction.atomic():
            version = GridVersion.objects.create(slug=slug, name=name, based_on=based_on,
                                                 notes=notes)
            count = _store_rows(version, rows)
            if based_on is not None and not origin:
                audit.record(None, user, "create", version,
                             f"Grid {slug} derived from {based_on.slug}")
            else:
                audit.record(None, user, "import", version,
                             f"Grid {slug} imported from {origin} ({count} entries)")
    except IntegrityError as exc:  # the same identifier taken at the same instant
        raise GridError(_("A grid version “%(slug)s” already exists.") % {"slug": slug}) from exc
    return version


def _csv_row(entry: GridEntry, source: str | None = None) -> dict:
    return {
        "code": entry.code,
        "label_fr": entry.labels.get("fr", ""),
        "label_en": entry.labels.get("en", ""),
        "description_fr": (entry.descriptions or {}).get("fr", ""),
        "description_en": (entry.descriptions or {}).get("en", ""),
        "source": source or entry.source,
    }


def export_grid_rows(version: GridVersion, territory=None) -> list[dict]:
    """The rows of the version's grid CSV (the import format). With ``territory`` (which
    must use this version), its local components follow, with source ``local``."""
    entries = version.entries.shared().order_by("position", "code")
    rows = [_csv_row(entry) for entry in entries]
    if territory is not None:
        if territory.grid_version_id != version.pk:
            raise GridError(_("The territory “%(territory)s” does not use the grid version "
                              "“%(slug)s”.") % {"territory": territory.name, "slug": version.slug})
        local = GridEntry.objects.of(territory).filter(territory=territory).order_by("code")
        rows.extend(_csv_row(entry, LOCAL_SOURCE) for entry in local)
    return rows


def export_grid_csv(version: GridVersion, territory=None) -> str:
    """The version as a grid CSV (the import format; see ``export_grid_rows``)."""
    return write_grid_csv(export_grid_rows(version, territory))


def derive_version(version: GridVersion, *, slug: str, name: str, user=None) -> GridVersion:
    """A new, unfrozen version with a copy of every shared entry of ``version``: the way
    to change a frozen grid. Territories' local components are not copied."""
    rows = [
        GridRow(line=entry.position, code=entry.code, kind=entry.kind,
                parent_code=entry.parent.code if entry.parent_id else None,
                labels=dict(entry.labels), descriptions=dict(entry.descriptions or {}),
                source=entry.source)
        for entry in version.entries.shared().select_related("parent").order_by("position", "code")
    ]
    return create_version(slug=slug, name=name, rows=rows, based_on=version,
                          notes=version.notes, user=user)


def add_local_component(territory, *, family_code: str, labels: dict,
                        descriptions: dict | None = None, user=None) -> GridEntry:
    """A component of the territory's own, numbered ``<family>L01``, ``<family>L02``...
    Local codes carry an ``L`` that no shared code has, so they never collide."""
    from cospiral.territories.models import Territory

    labels = _clean_texts(labels)
    if not labels:
        raise GridError(_("Give the component a label in French or in English."))
    with transaction.atomic():
        # One writer at a time per territory, so two coordinators never get the same code.
        territory = Territory.objects.select_for_update().get(pk=territory.pk)
        family = (GridEntry.objects.of(territory).shared()
                  .filter(code=family_code, kind=GridEntry.Kind.FAMILY).first())
        if family is None:
            raise GridError(_("There is no family “%(code)s” in the grid version "
                              "“%(slug)s”.") % {"code": family_code,
                                                 "slug": territory.grid_version.slug})
        existing = GridEntry.objects.filter(version_id=territory.grid_version_id,
                                            territory=territory).values_list("code", flat=True)
        try:
            code = next_local_code(family.code, existing)
        except CodeError as exc:
            raise GridError(_("Family “%(code)s” has no free local code left.")
                            % {"code": family.code}) from exc
        entry = GridEntry.objects.create(
            version_id=territory.grid_version_id, code=code, kind=GridEntry.Kind.COMPONENT,
            parent=family, labels=labels, descriptions=_clean_texts(descriptions),
            source=GridEntry.Source.LOCAL, territory=territory, position=family.position,
        )
        audit.record(territory, user, "create", entry,
                     f"Local component {code} {entry.label('en') or entry.label('fr')}")
    return entry


def update_entry(entry: GridEntry, *, labels: dict | None = None,
                 descriptions: dict | None = None, user=None, territory=None) -> GridEntry:
    """Change the labels and descriptions of an entry; its code never changes (codes are
    the join key between territories). Shared entries of a frozen version are refused
    with ``GridFrozen``; a territory's local components stay editable by that territory."""
    def refuse(version):
        return GridFrozen(_(
            "The grid version “%(slug)s” is frozen because cards are coded against it; its "
            "entries can no longer change. Derive a new version to make changes.")
            % {"slug": version.slug})

    if entry.territory_id is None:
        # Freezing is kept even though the edit is refused (its own transaction).
        version = GridVersion.objects.get(pk=entry.version_id)
        if freeze_if_used(version):
            raise refuse(version)
    with transaction.atomic():
        entry = GridEntry.objects.select_for_update(of=("self",)).select_related("version").get(pk=entry.pk)
        if entry.territory_id is None:
            if entry.version.is_frozen:
                raise refuse(entry.version)
        elif territory is not None and territory.pk != entry.territory_id:
            raise GridError(_("This local component belongs to another territory."))
        before = {"labels": entry.labels, "descriptions": entry.descriptions}
        if labels is not None:
            cleaned = _clean_texts(labels)
            if not cleaned:
                raise GridError(_("Give the entry a label in French or in English."))
            entry.labels = cleaned
        if descriptions is not None:
            entry.descriptions = _clean_texts(descriptions)
        entry.save(update_fields=["labels", "descriptions"])
        after = {"labels": entry.labels, "descriptions": entry.descriptions}
        changes = audit.diff(before, after)
        if changes:
            territory_of_entry = entry.territory if entry.territory_id else None
            audit.record(territory_of_entry, user, "update", entry,
                         f"Grid entry {entry.code} ({entry.version.slug})", changes)
    return entry


def freeze(version: GridVersion, *, user=None) -> GridVersion:
    """Make ``version`` read-only (idempotent)."""
    with transaction.atomic():
        updated = GridVersion.objects.filter(pk=version.pk, frozen_at__isnull=True).update(
            frozen_at=timezone.now()
        )
        version.refresh_from_db(fields=["frozen_at"])
        if updated:
            audit.record(None, user, "update", version, f"Grid {version.slug} frozen")
    return version


def freeze_if_used(version: GridVersion, *, user=None) -> bool:
    """Freeze ``version`` when any card is coded against one of its entries; returns
    whether the version is frozen afterwards."""
    from cospiral.cards.models import Card

    if version.is_frozen:
        return True
    if Card.objects.filter(component__version=version).exists():
        freeze(version, user=user)
        return True
    return False
