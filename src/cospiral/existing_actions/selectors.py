"""Reads of existing actions: every query scoped by ``objects.of(territory)``. The score
rule and the ranking come from ``cospiral.domain.evaluation``."""

from __future__ import annotations

from dataclasses import dataclass

from cospiral.domain import evaluation as ev
from cospiral.existing_actions.models import ExistingAction
from cospiral.grid.models import GridEntry
from cospiral.territories.models import Cycle, Organisation


@dataclass(frozen=True)
class Family:
    code: str
    label: str


@dataclass
class Row:
    """One ranked action, with what a table shows of it."""

    action: ExistingAction
    rank: int | None
    total: float | None
    assessed: int
    complete: bool
    scores: list[int | None]  # in the order of ``QUESTIONS``
    families: list[Family]
    unknown_families: list[str]  # codes no longer in the grid (kept, shown apart)

    @property
    def families_count(self) -> int:
        return len(self.families)

    @property
    def organisation_apart(self) -> str:
        """The organisation's name when ``carried_by`` does not already say it."""
        return self.action.organisation_apart


def families(territory) -> list[Family]:
    """The families of the territory's grid version, in the grid's order, labelled in
    the reader's language."""
    entries = GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.FAMILY).order_by(
        "position", "code")
    return [Family(e.code, e.label()) for e in entries]


def family_codes(territory) -> list[str]:
    return list(GridEntry.objects.of(territory).filter(kind=GridEntry.Kind.FAMILY)
                .order_by("position", "code").values_list("code", flat=True))


def actions(territory, *, deleted: bool = False):
    """The territory's existing actions by name; the deleted ones only when ``deleted``."""
    qs = ExistingAction.objects.of(territory).select_related("organisation", "cycle",
                                                             "evaluated_by")
    return qs.deleted() if deleted else qs.alive()


def action(territory, pk) -> ExistingAction | None:
    """One action of the territory (deleted or not), or None."""
    return (ExistingAction.objects.of(territory)
            .select_related("organisation", "cycle", "evaluated_by", "deleted_by")
            .one(pk))


def organisations(territory):
    return Organisation.objects.of(territory).order_by("name")


def cycles(territory):
    return Cycle.objects.of(territory).order_by("number")


def ranking(territory, *, grid_families: list[Family] | None = None) -> list[Row]:
    """The alive actions of the territory in ranking order (``RANKING_RULE``)."""
    grid_families = families(territory) if grid_families is None else grid_families
    by_code = {f.code: f for f in grid_families}
    items = [(a, a.scores, a.families) for a in actions(territory).order_by("name", "id")]
    rows = []
    for r in ev.rank(items):
        a = r.key
        rows.append(Row(
            action=a, rank=r.rank, total=r.total, assessed=r.assessed, complete=r.complete,
            scores=[r.scores[q] for q in ev.QUESTIONS],
            families=[by_code[c] for c in a.families if c in by_code],
            unknown_families=[c for c in a.families if c not in by_code],
        ))
    return rows


@dataclass(frozen=True)
class CoverageRow(ev.FamilyCoverage):
    """A family of the grid and the actions that cover it (``count``, ``uncovered``)."""

    family: Family


def coverage(territory) -> tuple[list[CoverageRow], list[ExistingAction]]:
    """Families × alive actions: which actions cover each family (families covered by
    none included), and the actions in name order (the matrix's columns)."""
    grid_families = families(territory)
    columns = list(actions(territory).order_by("name", "id"))
    matrix = ev.coverage([f.code for f in grid_families], [(a, a.families) for a in columns])
    rows = [CoverageRow(code=cell.code, actions=cell.actions, family=f)
            for f, cell in zip(grid_families, matrix, strict=True)]
    return rows, columns


def history(territory, action_obj):
    from cospiral.core.models import AuditEntry

    return (AuditEntry.objects.of(territory)
            .filter(model=ExistingAction._meta.model_name, object_id=str(action_obj.pk))
            .order_by("-at", "-id"))
