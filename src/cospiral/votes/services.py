"""Writes of prioritisation rounds. Each function checks who may write, validates
everything before writing, owns its transaction and records the audit trail.

- Coordinators create and change rounds, open and close them, make and revoke voter
  links. Once a round is open its method, voters and actions are frozen (only its
  title and description may change); a closed round never reopens.
- ``cast_ballot`` takes one ballot from a member of the coordination group signed in
  (role coordinator, facilitator or partner) or from a citizen's link. A ballot is
  immutable: a second ballot by the same person or link is refused and changes nothing
  (unique constraints back the check when two arrive at once); so is a ballot in a round
  that is not open, by a revoked link, or that breaks the method's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cospiral.actions.models import Action
from cospiral.core import audit, writes
from cospiral.core.models import AuditEntry
from cospiral.core.rules import MANAGE_ROUNDS, is_coordination
from cospiral.core.writes import clean_text as _text
from cospiral.domain import votes as rules
from cospiral.votes import selectors
from cospiral.votes.models import Ballot, BallotEntry, Round, VoterToken

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 5000
MAX_TOKENS_AT_ONCE = 2000
MAX_LABEL_CHARS = 100

_FIELDS = ("title", "description", "method", "dots_per_voter", "cap_per_candidate",
           "electorate")
_FROZEN = ("method", "dots_per_voter", "cap_per_candidate", "electorate")


def can_vote(round: Round, user) -> bool:
    """Whether ``user`` votes signed in in this round (coordination-group rounds only)."""
    return not round.by_tokens and is_coordination.test(user, round.territory)


# --- rounds ------------------------------------------------------------------------------


def _config_message(error: rules.ConfigError) -> tuple[str, str]:
    p = error.params
    if error.code == "candidates":
        return "candidates", ngettext(
            "Choose at least two actions to prioritise (%(n)s chosen).",
            "Choose at least two actions to prioritise (%(n)s chosen).", p["n"]) % p
    if error.code == "dots":
        return "dots_per_voter", _("Give each voter from 1 to %(max)s dots.") % p
    if error.code == "cap":
        return "cap_per_candidate", _(
            "The most dots on one action must be from 1 to the dots per voter (%(dots)s), or "
            "left empty.") % p
    return "method", _("Choose a method: dot vote, score from 0 to 5 or ranked choice.")


def clean_candidates(territory, ids: Iterable) -> list[Action]:
    """The actions of ``ids`` (ids or Action objects), each an action of this territory
    that is not deleted; a ValidationError on ``candidates`` names the others."""
    wanted = []
    bad = []
    for item in ids:
        pk = item.pk if isinstance(item, Action) else item
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            bad.append(str(pk))
            continue
        if pk not in wanted:
            wanted.append(pk)
    found = {a.pk: a for a in selectors.eligible_actions(territory).filter(pk__in=wanted)}
    bad += [f"#{pk}" for pk in wanted if pk not in found]
    if bad:
        raise ValidationError({"candidates": _(
            "%(ids)s: not an action of this territory, or a deleted one. Choose among the "
            "territory's actions.") % {"ids": ", ".join(bad)}})
    return [found[pk] for pk in wanted]


def _ids(items: Iterable) -> set:
    result = set()
    for item in items:
        pk = item.pk if isinstance(item, Action) else item
        try:
            result.add(int(pk))
        except (TypeError, ValueError):
            result.add(str(pk))
    return result



@transaction.atomic
def save_round(territory, *, user, round: Round | None = None, title: str,
               description: str = "", method: str = rules.DOT,
               dots_per_voter: int | None = None, cap_per_candidate: int | None = None,
               electorate: str = Round.Electorate.COORDINATION,
               candidates: Iterable = ()) -> Round:
    """Create (``round`` None) or change a round. Raises ValidationError naming each wrong
    field; nothing is written then."""
    w = writes.Write(territory, user=user, rule=MANAGE_ROUNDS)
    if round is not None:
        round = w.lock(round)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, required=True, limit=MAX_TITLE_CHARS, what=_("title"))
    description = _text(errors, "description", description, required=False,
                        limit=MAX_TEXT_CHARS, what=_("description"))
    if method not in rules.METHODS:
        errors["method"] = _("Choose a method: dot vote, score from 0 to 5 or ranked choice.")
    if electorate not in Round.Electorate.values:
        errors["electorate"] = _("Choose who votes: the coordination group (its seats), citizens, "
                                 "or the members with an account.")
    if method != rules.DOT:
        dots_per_voter = cap_per_candidate = None
    chosen: list[Action] = []
    if round is not None and round.opened_at is not None:
        # Open or closed: the method, voters and actions are frozen (checked at opening).
        existing = selectors.candidates(round)
        wanted = {"method": method, "dots_per_voter": dots_per_voter,
                  "cap_per_candidate": cap_per_candidate, "electorate": electorate}
        if (any(getattr(round, f) != wanted[f] for f in _FROZEN)
                or _ids(candidates) != {a.pk for a in existing}):
            errors["__all__"] = _(
                "This round is open or closed: its method, voters and actions can no longer "
                "change (only its title and description).")
        chosen = existing
    else:
        try:
            chosen = clean_candidates(territory, candidates)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
        if not errors:
            try:
                rules.check_config(method, n_candidates=len(chosen), dots=dots_per_voter,
                                   cap=cap_per_candidate)
            except rules.ConfigError as error:
                field, message = _config_message(error)
                errors[field] = message
    if errors:
        raise ValidationError(errors)

    creating = round is None
    before = {} if creating else writes.snapshot(round, _FIELDS)
    before_candidates = [] if creating else sorted(a.pk for a in selectors.candidates(round))
    if creating:
        round = Round(territory=territory, created_by=w.actor)
    round.title, round.description, round.method = title, description, method
    round.dots_per_voter, round.cap_per_candidate = dots_per_voter, cap_per_candidate
    round.electorate = electorate
    after = writes.snapshot(round, _FIELDS)
    changes = audit.diff(before, after)
    after_candidates = sorted(a.pk for a in chosen)
    if after_candidates != before_candidates:
        changes["candidates"] = [" ".join(map(str, before_candidates)),
                                 " ".join(map(str, after_candidates))]
    if not creating and not changes:
        return round
    round.save()
    round.candidates.set(chosen)
    w.record(AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
             round, round.title, changes)
    return round


@transaction.atomic
def open_round(round: Round, *, user) -> Round:
    w, round = writes.lock(round, user=user, rule=MANAGE_ROUNDS)
    if round.opened_at is not None:
        raise ValidationError(_("This round is already open or closed."), code="not_draft")
    try:
        rules.check_config(round.method, n_candidates=len(selectors.candidates(round)),
                           dots=round.dots_per_voter, cap=round.cap_per_candidate)
    except rules.ConfigError as error:
        raise ValidationError(_config_message(error)[1], code="config") from None
    changes = {}
    if round.by_seats:
        made = _seat_links(round)
        if not made:
            raise ValidationError(_("The coordination group has no seat yet: record its members "
                                    "on the coordination-group page, then open the round."),
                                  code="no_seats")
        changes["voter_links"] = ["", str(len(made))]
    round.opened_at = timezone.now()
    round.save(update_fields=["opened_at", "updated_at"])
    w.record(AuditEntry.Action.UPDATE, round, round.title,
             {"opened_at": ["", round.opened_at.isoformat()], **changes})
    return round


def _seat_links(round: Round) -> list[VoterToken]:
    """One link for each seat of the coordination group that has none in this round."""
    from cospiral.territories.models import CoordinationMember

    have = set(VoterToken.objects.of(round.territory).filter(round=round, seat__isnull=False)
               .values_list("seat_id", flat=True))
    seats = [m for m in CoordinationMember.objects.of(round.territory).select_related("organisation")
             .order_by("organisation__name", "person", "id") if m.pk not in have]
    return VoterToken.objects.bulk_create([
        VoterToken(territory=round.territory, round=round, seat=m, label=str(m)[:MAX_LABEL_CHARS])
        for m in seats])


@transaction.atomic
def add_seat_links(round: Round, *, user) -> list[VoterToken]:
    """While a coordination-group round is open: links for the seats added since it opened."""
    w, round = writes.lock(round, user=user, rule=MANAGE_ROUNDS)
    if not round.by_seats or not round.is_open:
        raise ValidationError(_("Links per seat are made for an open round of the coordination "
                                "group only."), code="electorate")
    made = _seat_links(round)
    if made:
        w.record(AuditEntry.Action.CREATE, round, round.title,
                 {"voter_links": ["", str(len(made))]})
    return made


@transaction.atomic
def close_round(round: Round, *, user) -> Round:
    """Close the vote for good: no ballot is taken afterwards and the results show."""
    w, round = writes.lock(round, user=user, rule=MANAGE_ROUNDS)
    if round.opened_at is None:
        raise ValidationError(_("This round is not open yet: open it before closing it."),
                              code="not_open")
    if round.closed_at is not None:
        raise ValidationError(_("This round is already closed."), code="closed")
    round.closed_at = timezone.now()
    round.save(update_fields=["closed_at", "updated_at"])
    w.record(AuditEntry.Action.UPDATE, round, round.title,
             {"closed_at": ["", round.closed_at.isoformat()]})
    return round


# --- voter links -------------------------------------------------------------------------


@transaction.atomic
def create_tokens(round: Round, count: int, *, user, label: str = "") -> list[VoterToken]:
    w, round = writes.lock(round, user=user, rule=MANAGE_ROUNDS)
    if not round.by_tokens:
        raise ValidationError(_("Voters of this round are the coordination group, who vote "
                                "signed in: it has no personal links."), code="electorate")
    if round.by_seats:
        raise ValidationError(_("This round's voters are the seats of the coordination group: "
                                "their links are made when the round opens, one per seat."),
                              code="electorate")
    if round.closed_at is not None:
        raise ValidationError(_("This round is closed: no more links can be made."),
                              code="closed")
    if not isinstance(count, int) or not 1 <= count <= MAX_TOKENS_AT_ONCE:
        raise ValidationError({"count": _("Make from 1 to %(max)s links at a time.") % {
            "max": MAX_TOKENS_AT_ONCE}})
    label = (label or "").strip()
    if len(label) > MAX_LABEL_CHARS:
        raise ValidationError({"label": _("The note has %(n)s characters; at most %(max)s are "
                                          "allowed.") % {"n": len(label), "max": MAX_LABEL_CHARS}})
    made = VoterToken.objects.bulk_create(
        [VoterToken(territory=round.territory, round=round, label=label) for _i in range(count)])
    w.record(AuditEntry.Action.CREATE, round, round.title,
             {"voter_links": ["", str(count)]})
    return made


@transaction.atomic
def revoke_token(token: VoterToken, *, user) -> VoterToken:
    w, token = writes.lock(token, user=user, rule=MANAGE_ROUNDS)
    if token.revoked_at is not None:
        return token
    if token.used_at is not None:
        raise ValidationError(_("This link has already been used: its ballot is counted and "
                                "cannot be withdrawn."), code="used")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    w.record(AuditEntry.Action.DELETE, token.round, token.round.title,
             {"voter_link_revoked": ["", str(token.pk)]})
    return token


# --- ballots -----------------------------------------------------------------------------


def field_name(action_id) -> str:
    """The form field of a candidate on the ballot page."""
    return f"c-{action_id}"


#: The message of a ballot's error, by its code (``cospiral.domain.votes``).
_BALLOT_MESSAGES = {
    "not_whole": gettext_lazy("“%(action)s”: “%(value)s” is not a whole number."),
    "negative": gettext_lazy("“%(action)s”: the number of dots cannot be below 0."),
    "over_cap": gettext_lazy("“%(action)s”: %(value)s dots; at most %(cap)s dots may go to one "
                             "action."),
    "too_many_dots": gettext_lazy("You placed %(used)s dots but have %(dots)s: take %(over)s "
                                  "away."),
    "score_range": gettext_lazy("“%(action)s”: %(value)s is not a score: give a whole number "
                                "from %(min)s to %(max)s, or leave it blank."),
    "rank_range": gettext_lazy("“%(action)s”: rank %(value)s does not exist: ranks go from 1 to "
                               "%(max)s."),
    "duplicate_rank": gettext_lazy("“%(other)s” and “%(action)s” both have rank %(value)s: give "
                                   "each rank once."),
    "rank_gap": gettext_lazy("Rank %(missing)s is missing: ranks follow on from 1 without gaps "
                             "(1, 2, 3…)."),
}
#: The message of an empty ballot, by the round's method.
_EMPTY_BALLOT = {
    rules.DOT: gettext_lazy("Place at least one dot before you send your ballot."),
    rules.SCORE: gettext_lazy("Score at least one action before you send your ballot."),
    rules.RANKED: gettext_lazy("Rank at least one action before you send your ballot."),
}


def _ballot_message(error: rules.BallotError, round: Round, names: Mapping) -> tuple[str, str]:
    p = dict(error.params)
    p["action"] = names.get(error.candidate, "")
    if "other" in p:
        p["other"] = names.get(p["other"], "")
    field = field_name(error.candidate) if error.candidate in names else "__all__"
    code = error.code
    if code == "unknown_candidate":
        return "__all__", _("This ballot names an action that is not one of this round's; "
                            "nothing was recorded. Reload the page and vote again.")
    if code == "too_many_dots":
        p["over"] = p["used"] - p["dots"]
    message = _BALLOT_MESSAGES.get(code)
    if message is None:  # an empty ballot
        message = _EMPTY_BALLOT[round.method]
    return field, message % p


def refusal(code: str) -> str:
    """The message of a ballot refused for a reason other than its content."""
    return {
        "closed": _("Voting in this round has closed: your ballot was not recorded."),
        "not_open": _("This round is not open yet: your ballot was not recorded."),
        "already_voted": _("A ballot has already been cast with this link or by you in this "
                           "round. A ballot cannot be changed or cast twice: nothing was "
                           "changed."),
        "revoked": _("This voting link was withdrawn by the coordinators: it cannot vote."),
        "wrong_round": _("This voting link belongs to another round."),
        "not_eligible": _("In this round the voters are the coordination group (coordinators, "
                          "facilitators and partners of the territory) voting signed in, or "
                          "citizens with a personal link: you are not among them."),
    }[code]


def _refuse(code: str):
    raise ValidationError(refusal(code), code=code)


@transaction.atomic
def cast_ballot(round: Round, *, entries: Mapping, user=None,
                token: VoterToken | None = None) -> Ballot:
    """Record one immutable ballot ``{action id: value}`` (blank values are left out) by
    the signed-in ``user`` (coordination-group rounds) or with ``token`` (citizens'
    rounds). Raises ValidationError (``code`` says why; for the ballot's own content
    the error is keyed by the candidate's field) and writes nothing otherwise."""
    round = Round.objects.of(round.territory).select_for_update().get(pk=round.pk)
    if round.closed_at is not None:
        _refuse("closed")
    if round.opened_at is None:
        _refuse("not_open")
    if token is not None:
        token = VoterToken.objects.select_for_update().filter(pk=token.pk).first()
        if token is None or token.round_id != round.pk:
            _refuse("wrong_round")
        if token.revoked_at is not None:
            _refuse("revoked")
        if token.used_at is not None:
            _refuse("already_voted")
        voter = None
    else:
        if user is None or not can_vote(round, user):
            raise PermissionDenied(refusal("not_eligible"))
        if Ballot.objects.of(round.territory).filter(round=round, voter=user).exists():
            _refuse("already_voted")
        voter = user
    actions = selectors.candidates(round)
    names = {a.pk: a.title for a in actions}
    keyed = {}
    for key, value in entries.items():
        try:
            keyed[int(key)] = value
        except (TypeError, ValueError):
            keyed[key] = value
    try:
        clean = rules.validate(round.method, keyed, list(names), dots=round.dots_per_voter,
                               cap=round.cap_per_candidate)
    except rules.BallotError as error:
        field, message = _ballot_message(error, round, names)
        raise ValidationError({field: message}, code="ballot") from None
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(territory=round.territory, round=round, voter=voter,
                                           token=token)
    except IntegrityError:
        _refuse("already_voted")
    BallotEntry.objects.bulk_create([
        BallotEntry(territory=round.territory, ballot=ballot, action_id=pk, value=value)
        for pk, value in clean.items()])
    if token is not None:
        token.used_at = ballot.created_at
        token.save(update_fields=["used_at"])
    audit.record(round.territory, voter, AuditEntry.Action.CREATE, ballot,
                 _("Ballot in “%(title)s”") % {"title": round.title})
    return ballot
