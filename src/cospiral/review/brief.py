"""The parts of the review written for an elected official (issue 15, point 8): the first
page in plain words, the money committed per axis and action with its outcomes, the
timeline of the cycle, the responsible elected members, and each wave's breakdowns.
Everything is read from the assembled review (``selectors.assemble``) or through the
territory's scoped managers; the rules are ``cospiral.domain.review_brief``'s."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.actions.models import Axis, Commitment
from cospiral.domain import review_brief as rules
from cospiral.domain import verdict as verdicts
from cospiral.review.models import ElectedMember

PLAIN_TOP = 3


def elected_members(territory) -> list[ElectedMember]:
    """The territory's responsible elected members: the whole approach first, then by
    axis in the plan's order."""
    members = list(ElectedMember.objects.of(territory).select_related("axis"))
    return sorted(members, key=lambda m: (m.axis is not None,
                                          (m.axis.position, m.axis.code) if m.axis else (0, ""),
                                          m.name.casefold(), m.pk))


def _quoted(text: str) -> str:
    return _("“%(text)s”") % {"text": text}


def _list(items: list[str]) -> str:
    """« a, b and c » in the reader's language."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def amount_text(amount, unit: str) -> str:
    """« 40 000 € » (``cospiral.core.l10n.amount``)."""
    from cospiral.core import l10n

    return l10n.amount(amount, unit)


def money_text(tally: rules.Tally) -> str:
    return ", ".join(amount_text(tally.total(u), u) for u in tally.units)


# --- money per axis and action ----------------------------------------------------------


@dataclass
class MoneyRow:
    title: str
    depth: int
    tally: rules.Tally
    outcome_amounts: list[dict] = field(default_factory=list)  # unit, total, parts

    @property
    def outcomes(self) -> str:
        return outcomes_text(self.tally)


@dataclass
class MoneyBlock:
    title: str
    tally: rules.Tally
    elected: list[ElectedMember]
    rows: list[MoneyRow]
    amounts: list[dict] = field(default_factory=list)

    @property
    def outcomes(self) -> str:
        return outcomes_text(self.tally)


def _outcome_words(outcome: str, n: int) -> str:
    if outcome == "kept":
        return ngettext("%(n)s kept", "%(n)s kept", n) % {"n": n}
    if outcome == "partly":
        return ngettext("%(n)s partly kept", "%(n)s partly kept", n) % {"n": n}
    if outcome == "not_kept":
        return ngettext("%(n)s not kept", "%(n)s not kept", n) % {"n": n}
    return ngettext("%(n)s with no outcome yet", "%(n)s with no outcome yet", n) % {"n": n}


def _money_words(outcome: str, amount: str) -> str:
    return {
        "kept": _("%(amount)s of commitments kept"),
        "partly": _("%(amount)s of commitments partly kept"),
        "not_kept": _("%(amount)s of commitments not kept"),
        "pending": _("%(amount)s with no outcome yet"),
    }[outcome] % {"amount": amount}


def _amounts(tally: rules.Tally) -> list[dict]:
    """Per unit: the total, and the parts by outcome that are not nil, in words."""
    return [{"unit": u, "total": amount_text(tally.total(u), u),
             "parts": " · ".join(_money_words(o, amount_text(tally.money[u][o], u))
                                for o in rules.OUTCOMES if tally.money[u][o])}
            for u in tally.units]


def outcomes_text(tally: rules.Tally) -> str:
    return ", ".join(_outcome_words(o, tally.outcomes[o]) for o in rules.OUTCOMES
                     if tally.outcomes[o])


def money(territory, actions_section, elected: list[ElectedMember]) -> dict:
    """``MONEY_RULE`` per axis and action of the review's plan."""
    ids = [row.action.pk for block in actions_section.axes for row in block.actions]
    commitments = list(Commitment.objects.of(territory).alive().filter(action_id__in=ids)
                       .select_related("action"))
    rows_of: dict[int, list[rules.CommitmentRow]] = {}
    for c in commitments:
        rows_of.setdefault(c.action_id, []).append(rules.CommitmentRow(
            action=c.action_id, axis=c.action.axis_id,
            money=c.resource == Commitment.Resource.MONEY, amount=c.amount, unit=c.unit,
            outcome=c.outcome))
    whole = rules.tally(r for rows in rows_of.values() for r in rows).whole
    # A sub-action's commitments count in the block of its main action (as it is shown).
    blocks = []
    for block in actions_section.axes:
        rows, block_tally = [], rules.Tally()
        for row in block.actions:
            t = rules.Tally()
            for r in rows_of.get(row.action.pk, []):
                t.add(r)
                block_tally.add(r)
            rows.append(MoneyRow(row.action.title, row.depth, t, _amounts(t)))
        axis_id = block.axis.pk if block.axis else None
        blocks.append(MoneyBlock(block.title, block_tally,
                                 [m for m in elected if m.axis_id is not None and m.axis_id == axis_id],
                                 rows, _amounts(block_tally)))
    return {"blocks": blocks, "whole": whole, "whole_amounts": _amounts(whole),
            "whole_text": money_text(whole), "rule": money_rule()}


def money_rule() -> str:
    return _("Money is the commitments whose resource is money and whose amount is given, added "
             "up per unit as written (no conversion); each amount is counted once, under the "
             "outcome of its commitment (kept, partly kept, not kept, no outcome yet). A partly "
             "kept commitment is not split.")


# --- timeline ---------------------------------------------------------------------------


def _day(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _kind_labels() -> dict[str, str]:
    return {
        "phase_started": _("Phase starts"), "session": _("Group session"),
        "synthesis": _("Synthesis validated"), "wave_opened": _("Survey opens"),
        "wave_closed": _("Survey closes"), "wave_published": _("Survey results published"),
        "action_started": _("Action starts"), "commitment_signed": _("Commitment signed"),
        "contract_started": _("Contract starts"), "milestone": _("Milestone"),
        "action_ended": _("Action ends"), "contract_ended": _("Contract ends"),
    }


def _today(review) -> dt.date:
    """The day the review's figures are taken (a PDF's moment of freezing), so that
    "planned" and "next dates" read as of the document's own date."""
    return timezone.localdate(review.methods.generated_at)


def timeline(territory, review) -> list[dict]:
    """``TIMELINE_RULE`` over the review's rows, month by month."""
    from cospiral.groups.models import Session
    from cospiral.territories.labels import phase_label
    from cospiral.territories.models import Phase

    events: list[rules.Event] = []

    def add(on, kind, title, detail=""):
        day = _day(on)
        if day is not None:
            events.append(rules.Event(day, kind, title, detail))

    for p in Phase.objects.of(territory).filter(cycle=review.cycle):
        add(p.starts_on, "phase_started", phase_label(p.number))
    names = {g.pk: g.name for g in review.groups}
    for s in Session.objects.of(territory).filter(group_id__in=list(names)):
        add(s.date, "session", names[s.group_id], s.place)
    for s in review.syntheses.rows:
        add(s.validated_on, "synthesis", s.name)
    for w in review.waves:
        add(w.wave.opens_at, "wave_opened", w.wave.title)
        add(w.wave.closes_at, "wave_closed", w.wave.title)
        add(w.wave.published_at, "wave_published", w.wave.title)
    for block in review.actions.axes:
        for row in block.actions:
            a = row.action
            add(a.starts_on, "action_started", a.title)
            add(a.ends_on, "action_ended", a.title)
            for m in row.milestones:
                add(m.on, "milestone", m.title, a.title)
            for c in row.commitments:
                add(c.signed_on, "commitment_signed", c.party_name, a.title)
    for c in review.contracts:
        add(c.contract.starts_on, "contract_started", c.contract.title)
        add(c.contract.ends_on, "contract_ended", c.contract.title)
    labels = _kind_labels()
    today = _today(review)
    return [{"month": dt.date(year, month, 1),
             "events": [{"on": e.on, "kind": e.kind, "label": labels[e.kind], "title": e.title,
                         "detail": e.detail, "future": e.on > today} for e in month_events]}
            for (year, month), month_events in rules.timeline(events)]


# --- breakdowns of a wave ---------------------------------------------------------------


def breakdowns(wave, snapshot, rows: list[dict]) -> list[dict]:
    """The wave's breakdown by each profile question it asks (published figures)."""
    from cospiral.domain import survey as survey_rules
    from cospiral.surveys import results as survey_results

    tables = []
    for key in wave.profile_questions:
        if key not in survey_rules.PROFILE_KEYS:
            continue
        c = survey_results.compute(wave, breakdown=key, snapshot=snapshot)
        table = survey_results.breakdown_table(c, rows)
        if table is not None:
            tables.append(table)
    return tables


# --- the first page, in plain words -----------------------------------------------------


def _name(row: dict) -> str:
    return _quoted(row.get("title") or row["code"])


def _said(review) -> str:
    if not review.groups:
        return _("No citizen group has met in this cycle yet.")
    text = ngettext("%(n)s citizen group met in this cycle.",
                    "%(n)s citizen groups met in this cycle.", len(review.groups)) % {
        "n": len(review.groups)}
    text += " " + ngettext(
        "In %(n)s session, they were %(attendees)s participants in all (someone who came twice "
        "counts twice) and wrote %(cards)s ideas on post-its.",
        "In %(n)s sessions, they were %(attendees)s participants in all (someone who came twice "
        "counts twice) and wrote %(cards)s ideas on post-its.", review.sessions) % {
        "n": review.sessions, "attendees": review.attendees,
        "cards": review.stats.report.totals["counted"]}
    top = review.stats.top[:PLAIN_TOP]
    if top:
        text += " " + _("What they spoke of most: %(list)s.") % {"list": _list([
            ngettext("%(label)s (%(n)s idea)", "%(label)s (%(n)s ideas)", t["count"])
            % {"label": _quoted(t["label"] or t["code"]), "n": t["count"]}
            for t in top])}
    if review.syntheses.criteria:
        text += " " + ngettext(
            "Together, the groups' delegates wrote %(n)s shared criterion of well-being.",
            "Together, the groups' delegates wrote %(n)s shared criteria of well-being.",
            len(review.syntheses.criteria)) % {"n": len(review.syntheses.criteria)}
    return text


def _latest_measured(review):
    measured = [w for w in review.waves if w.rows]
    return measured[-1] if measured else None


def _where(review) -> str:
    w = _latest_measured(review)
    if w is None:
        return _("No survey result is published for this cycle yet: where people are is not "
                 "measured.")
    defined = [r for r in w.rows if r["figures"].low_share is not None]
    text = ngettext("%(n)s person answered the survey %(title)s.",
                    "%(n)s people answered the survey %(title)s.", w.respondents) % {
        "n": formats.number_format(w.respondents, force_grouping=True), "title": _quoted(w.wave.title)}
    if defined:
        worst = max(defined, key=lambda r: r["figures"].low_share)
        best = max(defined, key=lambda r: r["figures"].high_share)
        text += " " + _("The hardest situation is %(worst)s: %(low)s of those who answered are at "
                        "level 1 or 2 (very unsatisfactory or unsatisfactory). The best is "
                        "%(best)s: %(high)s are at level 4 or 5 (good or ideal).") % {
            "worst": _name(worst), "low": worst["low"], "best": _name(best), "high": best["high"]}
    if w.synthetic and w.synthetic["value"] is not None:
        text += " " + _("On a scale of 0 to 100, the synthetic index is %(value)s (between %(low)s "
                        "and %(high)s, given the sample).") % {
            "value": w.synthetic["text"], "low": _num(w.synthetic["low"]), "high": _num(w.synthetic["high"])}
    group = next((e for e in w.extremes if e["group"]), None)
    if group is not None:
        text += " " + _("The group in the hardest situation: %(group)s on %(indicator)s, "
                        "%(low)s at level 1 or 2.") % {
            "group": group["group"], "indicator": _quoted(group["title"] or group["code"]),
            "low": group["low"]}
    return text


def _num(value) -> str:
    from cospiral.surveys.results import num

    return num(value)


def _done(review) -> str:
    a = review.actions
    if not a.count:
        return _("No action is planned for this cycle yet.")
    statuses = ", ".join(f"{n} {label.lower()}" for label, n in a.by_status)
    text = ngettext("%(n)s action was planned (%(statuses)s).",
                    "%(n)s actions were planned (%(statuses)s).", a.count) % {
        "n": a.count, "statuses": statuses}
    if a.commitments:
        text += " " + ngettext("The parties took %(n)s commitment.",
                               "The parties took %(n)s commitments.", a.commitments) % {"n": a.commitments}
        kept = [p.tally for p in a.parties]
        recorded = sum(t.with_outcome for t in kept)
        if recorded:
            text += " " + ngettext(
                "Of the %(n)s whose outcome is recorded, %(kept)s was kept and %(partly)s partly kept.",
                "Of the %(n)s whose outcome is recorded, %(kept)s were kept and %(partly)s partly kept.",
                recorded) % {"n": recorded, "kept": sum(t.kept for t in kept),
                             "partly": sum(t.partly for t in kept)}
    if review.money["whole_text"]:
        text += " " + _("Money committed: %(amounts)s.") % {"amounts": review.money["whole_text"]}
    if review.contracts:
        beneficiaries = sum(c.beneficiaries for c in review.contracts)
        text += " " + ngettext(
            "%(n)s multipartite social contract brings together %(b)s beneficiaries and their partners.",
            "%(n)s multipartite social contracts bring together %(b)s beneficiaries and their partners.",
            len(review.contracts)) % {"n": len(review.contracts), "b": beneficiaries}
    return text


def _changed(review) -> str:
    w = next((w for w in reversed(review.waves) if w.comparison and w.comparison.get("scores")), None)
    if w is None:
        waiting = next((w for w in review.waves if w.wave.baseline_id is not None), None)
        if waiting is not None:
            return _("A second survey, %(title)s, is under way or not yet published: what changed "
                     "will be told once both surveys' results are published.") % {
                "title": _quoted(waiting.wave.title)}
        return _("Not measured yet: a second survey after the actions (ex-post), compared with the "
                 "first, will tell what changed.")
    scores = w.comparison["scores"]
    synthetic = scores["index_rows"][-1]
    reading = rules.change_reading(synthetic["verdict"], [r["verdict"] for r in scores["score_rows"]])
    from cospiral.surveys.results_change import signed

    values = {"before": synthetic["before"], "after": synthetic["after"],
              "low": signed(synthetic["low_value"]), "high": signed(synthetic["high_value"])}
    texts = {
        verdicts.BETTER: _("Between the two surveys, situations improved overall: the synthetic "
                           "index went from %(before)s to %(after)s out of 100, and the margin of "
                           "error of the difference (%(low)s to %(high)s) does not include 0."),
        verdicts.WORSE: _("Between the two surveys, situations worsened overall: the synthetic "
                          "index went from %(before)s to %(after)s out of 100, and the margin of "
                          "error of the difference (%(low)s to %(high)s) does not include 0."),
        verdicts.NO_CLEAR_CHANGE: _("Between the two surveys, there is no clear change overall: "
                                    "the synthetic index went from %(before)s to %(after)s out of "
                                    "100, but the margin of error of the difference (%(low)s to "
                                    "%(high)s) includes 0, so the difference may be chance."),
    }
    if synthetic["verdict"] is not None:
        text = texts[synthetic["verdict"]] % values
    elif reading == "not_measured":
        return _("Too few answers in one of the two surveys to say what changed.")
    else:
        text = _("The overall index cannot be compared; indicator by indicator:")
    better = [_quoted(r["name"].split(" · ", 1)[-1]) for r in scores["score_rows"] if r["verdict"] == verdicts.BETTER]
    worse = [_quoted(r["name"].split(" · ", 1)[-1]) for r in scores["score_rows"] if r["verdict"] == verdicts.WORSE]
    unclear = sum(1 for r in scores["score_rows"] if r["verdict"] == verdicts.NO_CLEAR_CHANGE)
    if better:
        text += " " + _("Clearly better: %(list)s.") % {"list": _list(better)}
    if worse:
        text += " " + _("Clearly worse: %(list)s.") % {"list": _list(worse)}
    if unclear:
        text += " " + ngettext("%(n)s indicator shows no clear change.",
                               "%(n)s indicators show no clear change.", unclear) % {"n": unclear}
    return text


def _next(review) -> tuple[str, list[dict]]:
    today = _today(review)
    upcoming = sorted(({"on": m.on, "title": m.title, "action": row.action.title}
                       for block in review.actions.axes for row in block.actions
                       for m in row.milestones if not m.reached and m.on >= today),
                      key=lambda m: (m["on"], m["title"]))[:PLAIN_TOP]
    if review.review and review.review.what_next:
        return review.review.what_next, upcoming
    return _("The coordinators have not written the plan for the next cycle yet."), upcoming


def plain(review) -> dict:
    """The first page: five short paragraphs generated from the figures, each honest
    about what is not measured yet."""
    what_next, upcoming = _next(review)
    return {"said": _said(review), "where": _where(review), "done": _done(review),
            "changed": _changed(review), "next": what_next,
            "next_written": bool(review.review and review.review.what_next), "upcoming": upcoming}


def axes_of(territory) -> list[Axis]:
    return list(Axis.objects.of(territory).order_by("position", "code", "id"))
