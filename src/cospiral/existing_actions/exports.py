"""The ranked table as CSV (standard or « Excel (français) ») or XLSX: one row per
action in ranking order, columns named by stable keys (question keys, family codes; in
« Excel (français) » by their French labels), with an "about" sheet (XLSX) giving each
column's label, the score formula and the ranking rule."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from cospiral.core import exports as files
from cospiral.domain import evaluation as ev
from cospiral.existing_actions.models import QUESTION_LABELS

FORMATS = files.FORMATS


def columns() -> list[tuple[str, str]]:
    return [
        ("rank", _("Rank")), ("name", _("Name")), ("carried_by", _("Carried by")),
        ("organisation", _("Organisation of the territory")), ("cycle", _("Cycle")),
        *((q, str(QUESTION_LABELS[q])) for q in ev.QUESTIONS),
        ("families", _("Families covered (codes)")),
        ("families_count", _("Number of families covered")),
        ("assessed", _("Questions assessed (of 5)")),
        ("complete", _("Complete (all 5 questions assessed)")),
        ("total", _("Total (0–100)")),
    ]


def rows(ranking) -> list[list]:
    result = []
    for row in ranking:
        a = row.action
        result.append([
            row.rank, a.name, a.carried_by, a.organisation.name if a.organisation else "",
            a.cycle.number if a.cycle else None, *row.scores,
            " ".join(a.families), row.families_count, row.assessed,
            "yes" if row.complete else "no", row.total,
        ])
    return result


def response(territory, ranking, format: str) -> HttpResponse:
    """The ranked table (CSV, « Excel (français) » or XLSX with its "about" sheet)."""
    with files.language(format):
        cols = columns()
        notes = [[_("Table"), _("Existing actions of %(territory)s, ranked") % {
                     "territory": territory.name}],
                 [_("Score"), score_rule()], [_("Ranking"), ranking_rule()],
                 [_("Scale"), scale_text()], *([key, label] for key, label in cols)]
        return files.response(f"cospiral-existing-actions-{territory.slug}", [
            files.Sheet("existing_actions", [k for k, _l in cols], rows(ranking),
                          [label for _k, label in cols]),
            files.Sheet("about", [_("Column"), _("Meaning")], notes),
        ], format)


def score_rule() -> str:
    return _("Total = mean of the scores of the questions assessed (0 to 4) ÷ 4 × 100, "
             "from 0 to 100, to one decimal. Questions not assessed are left out, never "
             "counted as 0; with no question assessed there is no total. The number of "
             "families covered is shown apart and does not enter the total.")


def ranking_rule() -> str:
    return _("Actions with all five questions assessed are ranked first, by total from "
             "highest to lowest; then the incomplete ones (fewer than five questions "
             "assessed), likewise. Equal totals share a rank (1, 2, 2, 4). Actions with no "
             "question assessed are listed last, without a rank.")


def scale_text() -> str:
    from cospiral.existing_actions.models import SCALE_LABELS

    return "; ".join(f"{v} = {SCALE_LABELS[v]}" for v in ev.SCALE) + "; " + _(
        "empty = not assessed")
