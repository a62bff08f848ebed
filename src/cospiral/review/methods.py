"""The methods appendix of the review of a cycle: when the figures were taken, the
survey waves' thresholds and seeds, and every rule the review's figures follow."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

import cospiral
from cospiral.domain import scoring
from cospiral.existing_actions import exports as evaluation_exports
from cospiral.review import brief
from cospiral.surveys import results as survey_results


@dataclass
class Methods:
    generated_at: object
    snapshot_at: object
    waves: list[dict]
    score_formula: str
    score_rule: str
    survey_rules: list[str]
    evaluation_formula: str
    ranking_rule: str
    kept_share_rule: str
    scope_rule: str
    roll_up_rule: str
    grid_version: str
    software_version: str
    money_rule: str = ""
    timeline_rule: str = ""
    change_rules: list[str] = field(default_factory=list)



def methods_of(territory, waves: list, *, now, snapshot: bool) -> Methods:
    """The methods appendix of a review: when, the thresholds and seeds, every rule used."""
    threshold = min((w.threshold for w in waves), default=scoring.DEFAULT_THRESHOLD)
    grid = territory.grid_version
    return Methods(
        generated_at=now,
        snapshot_at=now if snapshot else None,  # the page shows its kept PDF's (views)
        waves=[{"title": w.wave.title, "threshold": w.threshold, "seed": w.seed,
                "replicates": w.replicates, "confidence": w.confidence,
                "respondents": w.respondents} for w in waves],
        score_formula=survey_results.score_formula(), score_rule=survey_results.score_rule(),
        survey_rules=survey_results.rules_text(threshold),
        evaluation_formula=evaluation_exports.score_rule(),
        ranking_rule=evaluation_exports.ranking_rule(),
        kept_share_rule=_(
            "Share kept by a party = (commitments kept + half of those partly kept) ÷ its "
            "commitments whose outcome is recorded. Commitments without an outcome yet are "
            "left out and counted apart; a party with no outcome recorded has no share (shown "
            "“—”, never 0 %)."),
        scope_rule=_("The rows given this cycle and the rows given no cycle (groups, survey "
                     "waves, existing actions, strategic axes and actions). Indicators and the "
                     "grid belong to the whole territory."),
        roll_up_rule=_(
            "The progress of an action with sub-actions is the mean of its sub-actions' "
            "progress, each counting once; abandoned sub-actions are left out; sub-actions not "
            "measured are left out of the mean and counted apart; when none is measured, the "
            "action is not measured (never 0 %). An axis rolls up its actions the same way, "
            "and the cycle's plan rolls up every main action. A planned action counts 0 %, a "
            "done one 100 %."),
        grid_version=f"{grid.name} ({grid.slug})", software_version=cospiral.__version__,
        money_rule=brief.money_rule(),
        timeline_rule=_("Every dated event of the cycle's rows (phases, group sessions, syntheses "
                        "validated, survey waves, actions, milestones, commitments signed, "
                        "contracts), in date order."),
        change_rules=[w.comparison["scores"]["score_method"] for w in waves
                      if w.comparison and w.comparison.get("scores")])
