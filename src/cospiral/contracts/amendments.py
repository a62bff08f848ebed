"""Amendments: the only way a signed contract's terms change (METHOD.md §9). An
amendment is a new version of the contract: the terms it changes (before → after), why,
the day the parties agreed it; recorded in the audit trail and shown on the contract's
page. A draft is edited instead; a closed contract is final."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.contracts import services
from cospiral.contracts.models import Amendment, Contract, Review
from cospiral.core import writes
from cospiral.core.rules import CHANGE_CONTRACTS
from cospiral.core.writes import clean_text as _text
from cospiral.domain import contracts as rules

#: The terms an amendment may change, as ``Contract`` fields.
TERMS = ("title", "purpose", "action_id", "starts_on", "ends_on", "review_every_months")
AMENDABLE = set(rules.AMENDABLE)


def _terms(contract: Contract) -> dict:
    return {k: getattr(contract, k) for k in TERMS}


def _check_dates(contract: Contract, *, date, starts_on, ends_on, errors: dict) -> None:
    today = timezone.localdate()
    if date is None:
        errors["date"] = _("Give the date the parties agreed the amendment.")
    elif date > today:
        errors["date"] = _("The amendment date (%(date)s) is in the future.") % {
            "date": services._date(date)}
    elif contract.signed_on and date < contract.signed_on:
        errors["date"] = _("The amendment date (%(date)s) is before the contract was signed "
                           "(%(signed)s).") % {"date": services._date(date),
                                                "signed": services._date(contract.signed_on)}
    if starts_on is None or ends_on is None:
        errors["starts_on"] = _("A signed contract keeps its start and end dates: give both.")
    elif ends_on <= starts_on:
        errors["ends_on"] = _("The end (%(end)s) must come after the start (%(start)s).") % {
            "end": services._date(ends_on), "start": services._date(starts_on)}
    elif contract.status != rules.SIGNED and starts_on > today:
        errors["starts_on"] = _("The contract is already running: its start (%(date)s) cannot "
                                "move into the future.") % {"date": services._date(starts_on)}


@transaction.atomic
def amend(contract: Contract, *, user, date: dt.date, reason: str, title: str,
          purpose: str = "", action=None, starts_on: dt.date | None = None,
          ends_on: dt.date | None = None, review_every_months: int = 3) -> Amendment:
    """Record an amendment that changes the contract's terms to those given. Refused,
    with nothing written, when nothing changes, when the reason is missing, or when the
    contract is a draft (edit it) or closed (final)."""
    territory = contract.territory
    w, contract = writes.lock(contract, user=user, rule=CHANGE_CONTRACTS)
    if contract.status not in AMENDABLE:
        raise ValidationError(_("Only a signed contract, running or reviewed, is amended: a "
                                "draft is edited and a closed contract is final."))
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, required=True, limit=services.MAX_TEXT,
                            what=_("reason of the amendment"))
    title = _text(errors, "title", title, required=True, limit=services.MAX_TITLE,
                           what=_("title"))
    purpose = _text(errors, "purpose", purpose, required=False,
                             limit=services.MAX_TEXT, what=_("purpose"))
    if action is not None and action.territory_id != territory.pk:
        errors["action"] = _("This action is not one of this territory's plan.")
    if not isinstance(review_every_months, int) or not 1 <= review_every_months <= 24:
        errors["review_every_months"] = _("Give a number of months from 1 to 24.")
    _check_dates(contract, date=date, starts_on=starts_on, ends_on=ends_on, errors=errors)
    before = _terms(contract)
    after = dict(title=title, purpose=purpose, action_id=action.pk if action else None,
                 starts_on=starts_on, ends_on=ends_on, review_every_months=review_every_months)
    changes = rules.amendment_changes(before, after)
    if not errors and not changes:
        errors["reason"] = _("The amendment changes none of the terms: change at least one.")
    if errors:
        raise ValidationError(errors)
    number = contract.amendments.count() + 1
    first_period = contract.running_since is not None and contract.running_since == before["starts_on"]
    contract.title, contract.purpose, contract.action = title, purpose, action
    contract.starts_on, contract.ends_on = starts_on, ends_on
    contract.review_every_months = review_every_months
    if contract.status in (rules.RUNNING, rules.REVIEWED):
        if first_period:  # the first period begins on the (amended) start date
            contract.running_since = starts_on
        latest = (Review.objects.of(territory).filter(contract=contract)
                  .order_by("-date").values_list("date", flat=True).first())
        contract.next_review_on = rules.next_review(latest or contract.running_since,
                                                    review_every_months, ends_on)
    contract.save()
    amendment = Amendment.objects.create(territory=territory, contract=contract, number=number,
                                         date=date, reason=reason, changes=changes,
                                         created_by=w.actor)
    w.record("update", contract,
             _("%(title)s: amendment %(n)s (version %(v)s): %(reason)s") % {
                     "title": contract.title, "n": number, "v": number + 1, "reason": reason},
             changes)
    w.record("create", amendment, f"{contract.title}: {number}",
             {"date": ["", str(date)], "reason": ["", reason]})
    return amendment


def shown_changes(amendment: Amendment) -> list[tuple[str, str, str]]:
    """``(field label, before, after)`` of an amendment, values as the pages show them."""
    from cospiral.actions.models import Action

    rows = []
    for name, (old, new) in (amendment.changes or {}).items():
        field = Contract._meta.get_field(name.removesuffix("_id"))
        label = str(field.verbose_name)
        if name in ("starts_on", "ends_on"):
            old, new = (services._date(dt.date.fromisoformat(v)) if v else "" for v in (old, new))
        elif name == "action_id":
            titles = dict(Action.objects.of(amendment.territory)
                          .filter(pk__in=[int(v) for v in (old, new) if v])
                          .values_list("pk", "title"))
            old, new = (titles.get(int(v), v) if v else "" for v in (old, new))
        rows.append((label, old or "—", new or "—"))
    return rows
