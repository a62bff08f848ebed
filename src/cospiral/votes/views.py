"""Prioritisation pages: the list of rounds, a round's page, its form, opening and
closing, the ballot of a coordination-group member signed in, voter links (with their
CSV for distribution), the results and their CSV. Thin: forms read, services write (and
check who may), selectors read. Results stay hidden, for everyone, until the round is
closed; only participation shows before."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cospiral.core import exports, pages
from cospiral.core.access import MANAGE, READ, territory_view
from cospiral.core.pages import or_404
from cospiral.core.pages import page as _page
from cospiral.domain import votes as rules
from cospiral.votes import charts, selectors, services
from cospiral.votes.forms import RoundForm, TokensForm
from cospiral.votes.models import Round, VoterToken

MAX_LINKS_LISTED = 200


def _round(request, pk) -> Round:
    return or_404(selectors.round(request.territory, pk), "No such round.")


def _detail_url(round: Round) -> str:
    return reverse("votes:detail", kwargs={"territory": round.territory.slug, "pk": round.pk})


def method_rule(round: Round) -> str:
    """How to vote in this round, in one sentence."""
    if round.method == rules.DOT:
        text = ngettext("Each voter has %(dots)s dot to place on the actions.",
                        "Each voter has %(dots)s dots to place on the actions; several may go "
                        "on the same action.", round.dots_per_voter) % {"dots": round.dots_per_voter}
        if round.cap_per_candidate:
            text += " " + ngettext("At most %(cap)s dot on one action.",
                                   "At most %(cap)s dots on one action.",
                                   round.cap_per_candidate) % {"cap": round.cap_per_candidate}
        return text
    if round.method == rules.SCORE:
        return _("Give each action a score from 0 (not a priority) to 5 (a top priority), or "
                 "leave it not scored.")
    return _("Rank the actions you wish, 1 for the first priority, without giving a rank "
             "twice; actions left unranked get no points.")


def counting_rule(method: str) -> str:
    return {
        rules.DOT: _("Each action's result is the total number of dots it received. Actions "
                     "with the same total share a rank (1, 2, 2, 4) and are marked as a tie."),
        rules.SCORE: _("Each action's result is the mean of the scores it received, over the "
                       "voters who scored it (an action left unscored is not counted as 0); "
                       "the table also gives how many scored it and the sum. Actions with the "
                       "same mean share a rank (1, 2, 2, 4) and are marked as a tie; an "
                       "action nobody scored comes last, without a rank."),
        rules.RANKED: _("Borda count: with n actions in the round, an action ranked r on a "
                        "ballot gets n − r points (the first gets n − 1, the last 0) and an "
                        "unranked action 0 points; its result is the total of its points. "
                        "Actions with the same total share a rank (1, 2, 2, 4) and are marked "
                        "as a tie. The table also gives how many ballots put each action "
                        "first."),
    }[method]


def electorate_rule(round: Round) -> str:
    if round.by_seats:
        return _("The coordination group votes: each seat recorded on the coordination-group "
                 "page gets a personal link when the round opens, printed on a voting slip; a "
                 "link votes once. Invited voters are the seats' links not revoked.")
    if round.by_tokens:
        return _("Citizens vote, each with a personal link, without an account; a link votes "
                 "once. Invited voters are the links made and not revoked.")
    return _("The territory's members with an account vote: its coordinators, facilitators "
             "and partners, each signed in, once. Observers do not vote.")


def status_label(round: Round) -> str:
    return {"draft": _("Being prepared"), "open": _("Open for voting"),
            "closed": _("Closed")}[round.status]


def format_result(method: str, value) -> str:
    if value is None:
        return ""
    if method == rules.SCORE:
        return f"{value:.2f}"
    return f"{int(value)}"


def participation_sentence(round: Round, p: selectors.Participation) -> str:
    if p.invited == 0 and round.by_tokens:
        return ngettext("%(voted)s ballot cast; no voter link is active.",
                        "%(voted)s ballots cast; no voter link is active.",
                        p.voted) % {"voted": p.voted}
    return ngettext(
        "%(voted)s of %(invited)s invited voter voted (%(percent)s%%).",
        "%(voted)s of %(invited)s invited voters voted (%(percent)s%%).",
        p.invited) % {"voted": p.voted, "invited": p.invited,
                      "percent": p.percent if p.percent is not None else 0}


def results_summary(results: selectors.RoundResults) -> str:
    round = results.round
    first = [r for r in results.rows if r.rank == 1]
    parts = [participation_sentence(round, results.participation)]
    if results.ballots == 0:
        parts.append(_("No ballot was cast, so no action comes first."))
    elif len(first) == 1:
        parts.append(_("“%(title)s” comes first with %(result)s.") % {
            "title": first[0].action.title, "result": result_with_unit(round.method, first[0])})
    elif first:
        parts.append(_("%(titles)s tie for first place with %(result)s each.") % {
            "titles": join_titles([r.action.title for r in first]),
            "result": result_with_unit(round.method, first[0])})
    other_ties = [group for rank, group in results.ties if rank != 1]
    if other_ties and results.ballots:
        parts.append(ngettext("%(n)s other tie is marked in the table.",
                              "%(n)s other ties are marked in the table.",
                              len(other_ties)) % {"n": len(other_ties)})
    return " ".join(parts)


def join_titles(titles: list[str]) -> str:
    quoted = [f"“{t}”" for t in titles]
    if len(quoted) < 2:
        return "".join(quoted)
    return _("%(first)s and %(last)s") % {"first": ", ".join(quoted[:-1]), "last": quoted[-1]}


def result_with_unit(method: str, row) -> str:
    if method == rules.DOT:
        return ngettext("%(n)s dot", "%(n)s dots", row.total) % {"n": row.total}
    if method == rules.SCORE:
        return _("a mean score of %(mean)s") % {"mean": format_result(method, row.value)}
    return ngettext("%(n)s point", "%(n)s points", row.total) % {"n": row.total}


def results_context(round: Round) -> dict:
    """What the results partial shows: hidden (participation only) until closed."""
    participation = selectors.participation(round)
    context = {"round": round, "participation": participation,
               "participation_text": participation_sentence(round, participation),
               "counting_rule": counting_rule(round.method), "results": None}
    if round.is_closed:
        results = selectors.results(round)
        summary = results_summary(results)
        for row in results.rows:
            row.display = format_result(round.method, row.value)
        context.update(results=results, summary=summary,
                       chart=charts.results_svg(results, summary),
                       axis_title=charts.axis_title(round.method))
    return context


# --- rounds ------------------------------------------------------------------------------


@territory_view(READ)
def index(request):
    rows = list(selectors.rounds(request.territory))
    for r in rows:
        r.status_label = status_label(r)
    return _page(request, "votes/index.html", rounds=rows)


@territory_view(READ)
def detail(request, pk):
    round = _round(request, pk)
    user = request.user
    return _page(request, "votes/detail.html", round=round,
                 candidates=selectors.candidates(round), status_label=status_label(round),
                 method_rule=method_rule(round), electorate_rule=electorate_rule(round),
                 counting_rule=counting_rule(round.method),
                 participation=selectors.participation(round),
                 can_vote=services.can_vote(round, user),
                 has_voted=selectors.has_voted(round, user),
                 token_counts=selectors.token_counts(round) if round.by_tokens else None)


def _form(request, round: Round | None = None):
    territory = request.territory
    initial = RoundForm.initial_of(round) if round is not None else {}
    form = RoundForm(request.POST or None, territory=territory, round=round, initial=initial)
    saved = pages.submit(request, form, lambda _d: services.save_round(
        territory, user=request.user, round=round, **form.service_kwargs()),
        done=_("Round saved."), then=_detail_url)
    return saved or _page(request, "votes/form.html", form=form, round=round,
                          has_actions=selectors.eligible_actions(territory).exists(),
                          status=pages.status_of(form))


create, edit = pages.form_views(_form, _round, roles=MANAGE)


def _confirm_then(request, pk, *, what: str, explain: str, write, done: str):
    round = _round(request, pk)
    return pages.confirm(request, round, write, "votes/confirm.html", done=done,
                         after=_detail_url(round), back=_detail_url(round), round=round,
                         what=what, explain=explain)


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def open_round(request, pk):
    return _confirm_then(
        request, pk, what=_("Open the round"),
        explain=_("Voters can vote as soon as the round is open. Its method, voters and "
                  "actions can no longer change; its title and description can."),
        write=services.open_round, done=_("The round is open: voters can vote."))


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def close_round(request, pk):
    return _confirm_then(
        request, pk, what=_("Close the round"),
        explain=_("Closing is final: no ballot is taken afterwards, and the results are "
                  "shown to the territory's members and to the citizens who have a link."),
        write=services.close_round, done=_("The round is closed: its results are shown."))


# --- ballot ------------------------------------------------------------------------------


def ballot_lines(round: Round, candidates, values: dict, errors: dict) -> list[dict]:
    """One line per candidate for the ballot partial: its field, value and error."""
    lines = []
    for action in candidates:
        name = services.field_name(action.pk)
        lines.append({"action": action, "name": name, "value": values.get(name, ""),
                      "error": errors.get(name, "")})
    return lines


def posted_entries(request, candidates) -> tuple[dict, dict]:
    """``({action id: value}, {field name: value})`` from the posted ballot."""
    values = {services.field_name(a.pk): request.POST.get(services.field_name(a.pk), "").strip()
              for a in candidates}
    return {a.pk: values[services.field_name(a.pk)] for a in candidates}, values


def ballot_context(round: Round, candidates, values=None, errors=None) -> dict:
    errors = errors or {}
    values = values or {}
    context = {"round": round, "lines": ballot_lines(round, candidates, values, errors),
               "ballot_errors": list(errors.values()),
               "method_rule": method_rule(round), "scores": rules.SCORES,
               "ranks": list(range(1, len(candidates) + 1))}
    if round.method == rules.DOT:
        context["remaining"] = rules.remaining_dots(values, round.dots_per_voter)
    return context


def ballot_error(error: ValidationError, context: dict) -> tuple[dict, int]:
    """``(errors by field, the page's status)`` of a refused ballot; the refusal of the
    whole ballot goes into ``context["refused"]``."""
    if getattr(error, "code", None) == "ballot" or hasattr(error, "error_dict"):
        return {k: v[0] for k, v in error.message_dict.items()}, 400
    context["refused"] = " ".join(error.messages)
    return {}, 409


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def ballot(request, pk):
    round = _round(request, pk)
    candidates = selectors.candidates(round)
    context = {"status_label": status_label(round)}
    status = 200
    values: dict = {}
    errors: dict = {}
    if request.method == "POST" and "count" in request.POST:
        _entries, values = posted_entries(request, candidates)  # recount only, no ballot
    elif request.method == "POST":
        entries, values = posted_entries(request, candidates)
        try:
            services.cast_ballot(round, entries=entries, user=request.user)
        except PermissionDenied as refused:
            context["refused"] = str(refused) or services.refusal("not_eligible")
            status = 403
        except ValidationError as error:
            errors, status = ballot_error(error, context)
        else:
            messages.success(request, _("Thank you: your ballot is recorded. It cannot be "
                                        "changed; the results show when the round closes."))
            return redirect(_detail_url(round))
        round.refresh_from_db()
    return _page(request, "votes/ballot.html", status=status,
                 can_vote=services.can_vote(round, request.user),
                 has_voted=selectors.has_voted(round, request.user),
                 **ballot_context(round, candidates, values, errors), **context)


# --- results -----------------------------------------------------------------------------


@territory_view(READ)
def results(request, pk):
    round = _round(request, pk)
    return _page(request, "votes/results.html", status_label=status_label(round),
                 **results_context(round))


RESULT_COLUMNS = ("rank", "tie", "action_id", "action", "method", "result", "voters", "total",
                  "first_preferences", "ballots", "invited")


def result_labels() -> list[str]:
    return [_("Rank"), _("Tie"), _("Action number"), _("Action"), _("Method"), _("Result"),
            _("Voters"), _("Total"), _("First preferences"), _("Ballots"), _("Invited")]


@territory_view(READ)
def results_csv(request, pk):
    """The ranking of a closed round: no voter identity, only counts per action, in the
    format of ``?format=``."""
    round = _round(request, pk)
    if not round.is_closed:
        raise Http404("Results are shown when the round closes.")
    format = exports.requested_format(request)
    with exports.language(format):
        results = selectors.results(round)
        rows = [[row.rank if row.rank is not None else "", "yes" if row.tied else "no",
                 row.action.pk, row.action.title, round.method,
                 format_result(round.method, row.value), row.voters, row.total,
                 row.first if round.method == rules.RANKED else "",
                 results.ballots, results.participation.invited] for row in results.rows]
        sheet = exports.Sheet("results", RESULT_COLUMNS, rows, result_labels())
        return exports.response(f"cospiral-round-{round.pk}-results-{request.territory.slug}",
                                [sheet], format)


# --- voter links -------------------------------------------------------------------------


def link_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("vote_public:ballot", kwargs={"token": token}))


def link_state_label(state: str) -> str:
    return {"unused": _("not used yet"), "used": _("voted"), "revoked": _("revoked")}[state]


def _tokens_round(request, pk) -> Round:
    round = _round(request, pk)
    if not round.by_tokens:
        raise Http404("This round's voters vote signed in.")
    return round


@territory_view(MANAGE)
@require_http_methods(["GET", "POST"])
def tokens(request, pk):
    """Citizens' voter links (coordinators only: each link votes once)."""
    round = _tokens_round(request, pk)
    form = TokensForm(request.POST or None)
    if request.method == "POST" and round.by_seats:
        return _seat_links(request, round)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_tokens(round, form.cleaned_data["count"], user=request.user,
                                          label=form.cleaned_data["label"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errs in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errs)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, ngettext("%(n)s voter link made.", "%(n)s voter links made.",
                                               len(made)) % {"n": len(made)})
            return redirect("votes:tokens", territory=request.territory.slug, pk=round.pk)
    rows = list(selectors.tokens(round).order_by("-id")[:MAX_LINKS_LISTED])
    for link in rows:
        link.url = link_url(request, link.token)
        link.state_label = link_state_label(link.state)
        link.revoke_url = (pages.url(request, "votes:revoke_token", pk=round.pk, link=link.pk)
                           if link.state == "unused" else None)
    return _page(request, "votes/tokens.html", round=round, form=form, rows=rows,
                 counts=selectors.token_counts(round), max_listed=MAX_LINKS_LISTED,
                 status=400 if form.errors else 200)


def _seat_links(request, round):
    try:
        made = services.add_seat_links(round, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, ngettext("%(n)s voter link made.", "%(n)s voter links made.",
                                           len(made)) % {"n": len(made)})
    return redirect("votes:tokens", territory=request.territory.slug, pk=round.pk)


@territory_view(MANAGE)
@require_http_methods(["GET"])
def slips(request, pk):
    """The printable voting slips (PDF, a job): one per link that can still vote."""
    from cospiral.core import pdfs
    from cospiral.votes import jobs

    round = _tokens_round(request, pk)
    return pdfs.respond(request, jobs.SLIPS,
                        params={"round_id": round.pk, "base_url": request.build_absolute_uri("/")},
                        filename=f"cospiral-voting-slips-{request.territory.slug}-{round.pk}.pdf")


@territory_view(MANAGE)
def tokens_csv(request, pk):
    """Every voter link of the round, for a mail merge or printing, in the format of
    ``?format=``."""
    round = _tokens_round(request, pk)
    return exports.links_response(
        f"round-{round.pk}-voter-links", selectors.tokens(round).iterator(chunk_size=2000),
        exports.requested_format(request), url=lambda token: link_url(request, token),
        state=lambda link: link.state)


@territory_view(MANAGE)
@require_POST
def revoke_token(request, pk, link):
    round = _tokens_round(request, pk)
    token = or_404(VoterToken.objects.of(request.territory).filter(round=round, pk=link).first(),
                   "No such voter link.")
    pages.act(request, lambda: services.revoke_token(token, user=request.user),
              done=_("Voter link revoked: it can no longer vote."), together=True)
    return redirect("votes:tokens", territory=request.territory.slug, pk=round.pk)
