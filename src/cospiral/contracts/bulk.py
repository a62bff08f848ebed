"""Writes of a contract at the scale of the seed (12 beneficiaries, METHOD.md §9): a
list of pseudonyms added in one go, one commitment applied to every beneficiary, every
party signing on one date. Each is one write of the contract's kernel
(``contracts.services``): who may, the status, everything checked before anything is
written, one transaction, an audit entry per row written."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.contracts import services
from cospiral.contracts.models import ContractCommitment, ContractParty
from cospiral.core import writes
from cospiral.core.writes import clean_text as _text
from cospiral.domain import contracts as rules

#: Directions of a commitment template.
FROM_EACH, TOWARDS_EACH = "from_each", "towards_each"


def lines_text(lines: list[int]) -> str:
    return ", ".join(str(n) for n in lines)


def pseudonym_problem(reason: rules.Reason) -> str:
    d = reason.data
    if reason.code == rules.NO_NAME:
        return _("Write at least one pseudonym, one per line.")
    if reason.code == rules.TOO_LONG:
        return _("Line %(line)s: the pseudonym has %(n)s characters; at most %(max)s are "
                 "allowed.") % d
    if reason.code == rules.DUPLICATE_LINE:
        return _("Line %(line)s: “%(name)s” is already on line %(first)s.") % d
    return _("Line %(line)s: “%(name)s” is already a beneficiary of this contract.") % d


@transaction.atomic
def add_beneficiaries(contract, *, user, text: str,
                      signed_on: dt.date | None = None) -> tuple[list[ContractParty], list[int]]:
    """Add one beneficiary per line of ``text`` (pseudonyms only). Returns the parties
    added and the empty lines skipped. A duplicate, a name already in the contract or a
    name too long refuses the whole list with every line named; nothing is added."""
    territory = contract.territory
    w, contract = services._changing(contract, user, services.EDITABLE, _("its parties"))
    existing = contract.parties.exclude(pseudonym="").values_list("pseudonym", flat=True)
    parsed = rules.parse_pseudonyms(text, existing, services.MAX_PSEUDONYM)
    errors = [pseudonym_problem(r) for r in parsed.problems]
    if signed_on is not None and signed_on > timezone.localdate():
        errors.append(_("The signature date (%(date)s) is in the future.") % {
            "date": services._date(signed_on)})
    if errors:
        raise ValidationError({"pseudonyms": errors})
    position = contract.parties.count()
    added = []
    for offset, (_line, name) in enumerate(parsed.names):
        party = ContractParty(territory=territory, contract=contract, kind=rules.BENEFICIARY,
                              pseudonym=name, signed_on=signed_on, position=position + offset)
        added.append(services._save(w, party, services.PARTY_FIELDS, None,
                                    f"{contract.title}: {name}"))
    return added, parsed.empty_lines


@transaction.atomic
def apply_commitment_template(contract, *, user, what: str, direction: str,
                              party: ContractParty | None = None,
                              due_on: dt.date | None = None) -> tuple[int, int]:
    """The same commitment for every beneficiary: each beneficiary commits to ``what``
    (towards ``party`` if given), or ``party`` commits to ``what`` towards each
    beneficiary. A beneficiary who already has this very commitment is skipped. Returns
    ``(added, skipped)``."""
    territory = contract.territory
    w, contract = services._changing(contract, user, services.EDITABLE, _("its commitments"))
    services._own(contract, party=party)
    errors: dict[str, str] = {}
    what = _text(errors, "what", what, required=True, limit=services.MAX_TEXT,
                          what=_("commitment"))
    beneficiaries = list(contract.parties.filter(kind=rules.BENEFICIARY).order_by("position", "id"))
    if direction not in (FROM_EACH, TOWARDS_EACH):
        errors["direction"] = _("Choose who commits.")
    elif party is not None and party.kind == rules.BENEFICIARY:
        errors["party"] = _("Choose a provider, the city or another partner, not a beneficiary.")
    elif direction == TOWARDS_EACH and party is None:
        errors["party"] = _("Choose the party that commits towards each beneficiary.")
    if not beneficiaries:
        errors["what"] = _("The contract has no beneficiary yet: add them first.")
    if errors:
        raise ValidationError(errors)
    existing = set(ContractCommitment.objects.of(territory).filter(contract=contract, what=what)
                   .values_list("party_id", "towards_id"))
    added = skipped = 0
    for b in beneficiaries:
        giver, receiver = (b, party) if direction == FROM_EACH else (party, b)
        key = (giver.pk, receiver.pk if receiver else None)
        if key in existing:
            skipped += 1
            continue
        c = ContractCommitment(territory=territory, contract=contract, party=giver, what=what,
                               towards=receiver, due_on=due_on)
        services._save(w, c, services.COMMITMENT_FIELDS, None,
                       f"{contract.title}: {giver.name}: {what}")
        added += 1
    return added, skipped


@transaction.atomic
def sign_all(contract, *, user, date: dt.date, overwrite: bool = False,
             mark_signed: bool = False):
    """Every party signs on ``date``: the parties without a signature date (or every
    party with ``overwrite``). With ``mark_signed`` the contract is then marked signed in
    the same transaction; if a condition of that step is not met, nothing is written and
    every reason is given. Returns ``(contract, parties dated)``."""
    w, contract = services._changing(contract, user, services.EDITABLE, _("its signatures"))
    if date is None:
        raise ValidationError({"date": _("Give the date of the signatures.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The signature date (%(date)s) is in the future.") % {
            "date": services._date(date)}})
    parties = contract.parties.all() if overwrite else contract.parties.filter(signed_on=None)
    dated = 0
    for party in parties:
        if party.signed_on == date:
            continue
        before = {"signed_on": party.signed_on}
        party.signed_on = date
        party.save(update_fields=["signed_on"])
        w.record("update", party, f"{contract.title}: {party.name}",
                 writes.changes(before, {"signed_on": date}))
        dated += 1
    if mark_signed:
        reasons = services.refusals(contract, rules.SIGNED)
        if reasons:
            raise ValidationError({"mark_signed": reasons})
        contract = services.change_status(contract, user=user, target=rules.SIGNED)
    return contract, dated


def sign_all_message(dated: int, contract) -> str:
    text = ngettext("%(n)s party now signed on this date.",
                    "%(n)s parties now signed on this date.", dated) % {"n": dated}
    if contract.status == rules.SIGNED:
        text += " " + _("The contract is now signed.")
    return text
