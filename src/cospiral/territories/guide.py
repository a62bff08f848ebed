"""The territory home as a guide: the words and the page of each next step of
``cospiral.domain.phases.phase_progress``, and the words of each count a phase shows."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

#: next step → (words, URL name, whether the URL takes the cycle)
NEXT_STEPS = {
    "coordination": (_("Fill the seats of the coordination group"), "territories:coordination", False),
    "create_group": (_("Create the first citizens' group"), "groups:create", False),
    "add_session": (_("Plan the groups' sessions (on each group's page)"), "groups:list", False),
    "enter_cards": (_("Enter the cards the groups wrote"), "criteria:bulk", False),
    "code_cards": (_("Code every card on the grid (from each group's page)"), "groups:list", False),
    "write_synthesis": (_("Write each group's synthesis"), "syntheses:index", False),
    "shared_definition": (_("Write the shared definition with a mixed group"), "syntheses:index", False),
    "create_indicators": (_("Build the indicators of progress"), "indicators:index", False),
    "create_ex_ante_wave": (_("Create the ex-ante survey wave"), "surveys:create", False),
    "collect_ex_ante": (_("Collect the answers of the ex-ante wave"), "surveys:index", False),
    "evaluate_existing": (_("Evaluate the actions already running"), "evaluations:index", False),
    "create_axes": (_("Set the strategic axes"), "actions:axes", False),
    "propose_actions": (_("Propose candidate actions"), "actions:create", False),
    "set_targets": (_("Give the actions progress targets (on each action's page)"), "actions:plan", False),
    "vote": (_("Prioritise the actions with a vote"), "votes:create", False),
    "commit": (_("Record the partners' commitments"), "actions:commitments", False),
    "draft_contract": (_("Draft a co-responsibility contract"), "contracts:create", False),
    "carry_out": (_("Follow the actions as they are carried out"), "actions:plan", False),
    "sign_contract": (_("Sign the contracts"), "contracts:index", False),
    "create_ex_post_wave": (_("Measure again: create the ex-post survey wave"), "surveys:create", False),
    "collect_ex_post": (_("Collect the answers of the ex-post wave"), "surveys:index", False),
    "record_outcomes": (_("Record whether each commitment was kept"), "actions:commitments", False),
    "write_review": (_("Write the review's lessons and what comes next"), "reports:edit", True),
    "review_pdf": (_("Produce the review PDF for the elected officials"), "reports:review", True),
}


def next_step(key: str | None, territory, cycle: int) -> dict | None:
    """``{"text", "url"}`` of a next step (None without one)."""
    if key is None:
        return None
    text, name, with_cycle = NEXT_STEPS[key]
    kwargs = {"territory": territory.slug}
    if with_cycle:
        kwargs["cycle"] = cycle
    try:
        url = reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # pragma: no cover - every name above is tested
        url = ""
    return {"key": key, "text": str(text), "url": url}


_COUNTS = {
    "seats": lambda n: ngettext("coordination group: %(n)s seat", "coordination group: %(n)s seats", n),
    "groups": lambda n: ngettext("%(n)s group", "%(n)s groups", n),
    "sessions": lambda n: ngettext("%(n)s session", "%(n)s sessions", n),
    "cards": lambda n: ngettext("%(n)s card counted", "%(n)s cards counted", n),
    "coded": lambda n: ngettext("%(n)s coded", "%(n)s coded", n),
    "not_codable": lambda n: ngettext("%(n)s not codable", "%(n)s not codable", n),
    "syntheses": lambda n: ngettext("%(n)s group synthesis", "%(n)s group syntheses", n),
    "validated_syntheses": lambda n: ngettext("%(n)s validated", "%(n)s validated", n),
    "shared_criteria": lambda n: ngettext("%(n)s shared criterion", "%(n)s shared criteria", n),
    "indicators": lambda n: ngettext("%(n)s indicator in the territory", "%(n)s indicators in the territory", n),
    "ex_ante_waves": lambda n: ngettext("%(n)s ex-ante survey wave", "%(n)s ex-ante survey waves", n),
    "ex_ante_answers": lambda n: ngettext("%(n)s questionnaire answered", "%(n)s questionnaires answered", n),
    "existing_actions": lambda n: ngettext("%(n)s existing action", "%(n)s existing actions", n),
    "existing_assessed": lambda n: ngettext("%(n)s existing action evaluated", "%(n)s existing actions evaluated", n),
    "axes": lambda n: ngettext("%(n)s strategic axis", "%(n)s strategic axes", n),
    "actions": lambda n: ngettext("%(n)s action", "%(n)s actions", n),
    "targets": lambda n: ngettext("%(n)s progress target", "%(n)s progress targets", n),
    "rounds": lambda n: ngettext("%(n)s vote round", "%(n)s vote rounds", n),
    "ballots": lambda n: ngettext("%(n)s ballot", "%(n)s ballots", n),
    "commitments": lambda n: ngettext("%(n)s commitment", "%(n)s commitments", n),
    "contracts": lambda n: ngettext("%(n)s contract", "%(n)s contracts", n),
    "actions_under_way": lambda n: ngettext("%(n)s action running or done", "%(n)s actions running or done", n),
    "actions_done": lambda n: ngettext("%(n)s done", "%(n)s done", n),
    "contracts_signed": lambda n: ngettext("%(n)s contract signed", "%(n)s contracts signed", n),
    "ex_post_waves": lambda n: ngettext("%(n)s ex-post survey wave", "%(n)s ex-post survey waves", n),
    "ex_post_answers": lambda n: ngettext("%(n)s questionnaire answered", "%(n)s questionnaires answered", n),
    "outcomes": lambda n: ngettext("%(n)s commitment outcome recorded", "%(n)s commitment outcomes recorded", n),
    "reviews": lambda n: ngettext("%(n)s review written", "%(n)s reviews written", n),
    "reviews_frozen": lambda n: ngettext("%(n)s review PDF produced", "%(n)s review PDFs produced", n),
}


def count_text(key: str, n: int) -> str:
    """The words of one count of ``phase_progress`` (« 3 groupes », « 150 questionnaires »)."""
    return _COUNTS[key](n) % {"n": formats.number_format(n, force_grouping=True)}


def progress_rule() -> str:
    """``phases.PROGRESS_RULE`` in the reader's language."""
    return str(_("A phase is started as soon as something of its own is recorded in the "
                 "cycle, and done when each of its steps has something recorded; a status "
                 "the coordinator sets (in progress, done, skipped) takes precedence; the "
                 "next step is the first step with nothing recorded."))
