"""The demonstration territory (``cospiral demo``), loaded from ``data/demo/demo_fr.json``.

Montclair and its Quartier des Tilleuls are fictional. Territories, memberships, the
coordination group, groups, sessions and cards are written through the apps' services
(territories, groups, cards), so the demo passes the same checks and leaves
the same audit trail as a coordinator typing it. Loading is idempotent: when the demo
territory already exists it is kept as it is (only missing demo accounts and memberships
are added).
Each card of the data file carries a ``suggested_code``: the demo's facilitators code
with it (three groups fully, one half-way, per the file's ``coding`` section), the young
people's group validates its coding and its synthesis (``syntheses``). The same codes are
labelled examples for the suggestion model.
Three indicators of progress (``indicators``: A03-1 housing, A01-1 food, D00-1 social
relations) start from the library's examples, with coded cards added and sorted.
A multipartite social contract (``contracts``) modelled on the seed's: twelve
beneficiaries under pseudonyms, the CCAS, the social centre, the Mission locale and the
city; budget and self-confidence workshops with their attendance, a review, outcomes.
A co-responsibility plan (``plan``): three strategic axes, actions from Q3 cards, a pilot
idea and the housing indicator (targets from the ex-ante wave), sub-actions, milestones,
the organisations' commitments and outcomes, and a closed dot vote of the coordination
group; the partner account speaks for Logistique Vallon SAS.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from itertools import groupby

from django.contrib.auth import get_user_model
from django.db import transaction

from cospiral.cards.models import Card, Question
from cospiral.groups.models import Group, Session
from cospiral.territories import services as territory_services
from cospiral.territories.models import Cycle, Membership, Phase, Territory

DEMO_FILE = "demo/demo_fr.json"
DEMO_PASSWORD = "cospiral-demo"
ADMIN_USERNAME = "admin"


def demo_data() -> dict:
    text = resources.files("cospiral.data").joinpath(DEMO_FILE).read_text("utf-8")
    return json.loads(text)


@dataclass
class DemoResult:
    territory: Territory
    created: bool
    # (username, role label, created now?) for every demo account, admin first.
    accounts: list[tuple[str, str, bool]] = field(default_factory=list)
    card_count: int = 0


def _ensure_user(username: str, *, superuser: bool = False, first_name: str = "",
                 last_name: str = ""):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    if superuser:
        user = User.objects.create_superuser(username, email="", password=DEMO_PASSWORD)
    else:
        user = User.objects.create_user(username, password=DEMO_PASSWORD)
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    return user, True


@transaction.atomic
def load_demo(data: dict | None = None) -> DemoResult:
    """Create the demo territories, coordination group, groups, sessions, cards and
    accounts; keep them unchanged when they already exist."""
    from cospiral.grid import services as grid_services

    data = data or demo_data()
    admin, admin_created = _ensure_user(ADMIN_USERNAME, superuser=True)
    accounts = [(ADMIN_USERNAME, "superuser", admin_created)]
    users = {}
    for spec in data["users"]:
        user, created = _ensure_user(spec["username"], first_name=spec.get("first_name", ""),
                                     last_name=spec.get("last_name", ""))
        users[spec["username"]] = user
        accounts.append((spec["username"], spec["role"], created))
    coordinator = next(users[u["username"]] for u in data["users"] if u["role"] == "coordinator")

    main_slug = data["spiral_territory"]
    existing = Territory.objects.filter(slug=main_slug).first()
    territories: dict[str, Territory] = {}
    grid_version = None
    for spec in data["territories"]:
        territory = Territory.objects.filter(slug=spec["slug"]).first()
        if territory is None:
            grid_version = grid_version or grid_services.default_version()
            territory = territory_services.create_territory(
                slug=spec["slug"], name=spec["name"], kind=spec["kind"], user=coordinator,
                grid_version=grid_version,
                parent=territories.get(spec["parent"]) if spec.get("parent") else None,
                languages=spec.get("languages"), description=spec.get("description", ""),
            )
        territories[spec["slug"]] = territory

    for spec in data["users"]:
        for slug in spec["territories"]:
            territory = territories[slug]
            if not Membership.objects.of(territory).filter(user=users[spec["username"]]).exists():
                territory_services.add_member(territory, user=coordinator,
                                              member=users[spec["username"]], role=spec["role"])

    territory = territories[main_slug]
    result = DemoResult(territory=territory, created=existing is None, accounts=accounts)
    if existing is None:
        _load_content(territory, data, users, coordinator)
    result.card_count = Card.objects.of(territory).count()
    return result


def _load_content(territory: Territory, data: dict, users: dict, coordinator) -> None:
    """Everything goes through the apps' services, as if a coordinator and a facilitator
    had typed it: same checks, same audit trail."""
    from cospiral.cards import services as card_services
    from cospiral.groups import services as group_services

    organisations = {
        o["name"]: territory_services.save_organisation(territory, user=coordinator, name=o["name"],
                                                        kind=o["kind"])
        for o in data["organisations"]
    }
    for seat in data["coordination"]:
        territory_services.save_seat(
            territory, user=coordinator, person=seat["person"], role=seat["role"],
            organisation=organisations[seat["organisation"]] if seat.get("organisation") else None,
        )

    cycle = Cycle.objects.of(territory).get(number=data["cycle"])
    for spec in data.get("phases", []):
        phase = Phase.objects.of(territory).get(cycle__number=spec["cycle"], number=spec["number"])
        territory_services.update_phase(
            phase, user=coordinator, status=spec["status"],
            starts_on=dt.date.fromisoformat(spec["starts_on"]),
            ends_on=dt.date.fromisoformat(spec["ends_on"]), notes=spec["notes"],
        )
    questions = {q.code: q for q in Question.objects.of(territory)}
    groups: dict[str, Group] = {}
    for spec in data["groups"]:
        group = group_services.save_group(
            territory, user=coordinator, name=spec["name"], kind=spec["kind"],
            profile=spec["profile"], tags=spec.get("tags", []), cycle=cycle,
            facilitators=[users[u] for u in spec.get("facilitators", [])],
            source_groups=[groups[k] for k in spec.get("source_groups", [])],
        )
        groups[spec["key"]] = group
        sessions = {
            s["key"]: group_services.save_session(
                group, user=coordinator, date=dt.date.fromisoformat(s["date"]), place=s["place"],
                channel=s["channel"], attendee_count=s["attendee_count"], notes=s.get("notes", ""),
            )
            for s in spec["sessions"]
        }
        if not spec["cards"]:
            continue
        session = sessions[spec["cards_session"]]
        # The group's facilitator types the post-its after the session (else the coordinator).
        typist = users[spec["facilitators"][0]] if spec.get("facilitators") else coordinator
        channel = Card.Channel.ONLINE if session.channel == Session.Channel.ONLINE else Card.Channel.PAPER
        # One entry per run of consecutive post-its by the same person for the same question.
        for (question, author, language), run in groupby(
            spec["cards"],
            key=lambda c: (c["question"], c.get("author_tag", ""),
                           c.get("language", data.get("language", "fr"))),
        ):
            card_services.create_cards(
                territory, group=group, session=session, question=questions[question],
                texts=[c["text"] for c in run], user=typist, channel=channel,
                language=language, author_tag=author,
            )
    _load_coding(territory, data, groups, users, coordinator)
    _load_existing_actions(territory, data, users, organisations, cycle)
    _load_indicators(territory, data, users)
    _load_surveys(territory, data, users)
    _load_plan(territory, data, users, organisations, groups)
    _load_contracts(territory, data, users, organisations)


def _typist(spec: dict, users: dict, coordinator):
    return users[spec["facilitators"][0]] if spec.get("facilitators") else coordinator


def _load_coding(territory: Territory, data: dict, groups: dict, users: dict,
                 coordinator) -> None:
    """The facilitators' coding (each card's ``suggested_code``, for the share of each
    group's cards the data file gives), the group validations and the syntheses, all
    through the coding and syntheses services."""
    from cospiral.coding import services as coding_services
    from cospiral.grid.models import GridEntry
    from cospiral.syntheses import services as synthesis_services

    coding = data.get("coding", {})
    specs = {spec["key"]: spec for spec in data["groups"]}
    for key, share in coding.get("groups", {}).items():
        spec, group = specs[key], groups[key]
        codes = {c["text"]: c["suggested_code"] for c in spec["cards"]}
        cards = list(Card.objects.of(territory).filter(group=group).order_by("id"))
        for card in cards[: round(len(cards) * share)]:
            coding_services.code_card(territory, card, code=codes[card.text],
                                      user=_typist(spec, users, coordinator),
                                      seen_updated_at=None)
    for key, day in coding.get("validated", {}).items():
        coding_services.validate_group_coding(territory, groups[key],
                                              validated_on=dt.date.fromisoformat(day),
                                              user=coordinator)
    for synthesis in data.get("syntheses", []):
        group = groups[synthesis["group"]]
        writer = _typist(specs[synthesis["group"]], users, coordinator)
        for sentence in synthesis["sentences"]:
            component = GridEntry.objects.get(version=territory.grid_version,
                                              territory__isnull=True, code=sentence["code"])
            synthesis_services.add_sentence(
                territory, user=writer, group=group, component=component, text=sentence["text"],
                language="fr",
                cards=Card.objects.of(territory).counted().filter(group=group,
                                                                  component=component),
            )
        if synthesis.get("validated_on"):
            synthesis_services.validate_synthesis(
                territory, user=coordinator, group=group,
                validated_on=dt.date.fromisoformat(synthesis["validated_on"]),
                uncited_note=synthesis.get("uncited_note", ""),
            )


def _load_existing_actions(territory: Territory, data: dict, users: dict, organisations: dict,
                           cycle: Cycle) -> None:
    """The actions already running in the neighbourhood and their ex-ante evaluation
    (phase 3), through the evaluations service, by the person the data file names."""
    from cospiral.existing_actions import services as evaluation_services

    for spec in data.get("existing_actions", []):
        evaluation_services.save_action(
            territory, user=users[spec["evaluated_by"]], name=spec["name"],
            description=spec.get("description", ""), carried_by=spec.get("carried_by", ""),
            organisation=organisations[spec["organisation"]] if spec.get("organisation") else None,
            cycle=cycle, families=spec.get("families", []), scores=spec.get("scores", {}),
            notes=spec.get("notes", {}),
        )


def _load_indicators(territory: Territory, data: dict, users: dict) -> None:
    """Indicators of progress (``indicators``): each started from an example of the
    library, then the named coded cards added as criteria and sorted, all through the
    indicators services, by the person the data file names."""
    from cospiral.indicators import services as indicator_services

    section = data.get("indicators") or {}
    author = users[section["author"]] if section.get("author") else None
    for spec in section.get("items", []):
        indicator = indicator_services.start_from_library(territory, spec["library"], user=author)
        texts = [c["text"] for c in spec.get("cards", [])]
        cards = {card.text: card for card in Card.objects.of(territory).filter(text__in=texts)}
        added = indicator_services.add_criteria(indicator, cards=[cards[t] for t in texts],
                                                user=author)
        categories = {c["text"]: c["category"] for c in spec.get("cards", [])}
        indicator_services.sort_criteria(
            indicator, {criterion.pk: categories[criterion.text] for criterion in added},
            user=author)


def _load_surveys(territory: Territory, data: dict, users: dict) -> None:
    """Survey waves (``surveys``) on the demo indicators, with answers drawn at random
    (fixed seed) from the data file's distributions, stored through the survey services
    as typed-in paper questionnaires and web answers; then the dates and publication."""
    import numpy as np

    from cospiral.domain import survey as rules
    from cospiral.indicators.models import Indicator
    from cospiral.surveys import services as survey_services

    section = data.get("surveys") or {}
    if not section:
        return
    author = users[section["author"]]
    rng = np.random.default_rng(section["seed"])
    waves = {}
    for spec in section["waves"]:
        indicators = [Indicator.objects.of(territory).get(code=code, version=1)
                      for code in spec["indicators"]]
        wave = survey_services.create_wave(
            territory, user=author, title=spec["title"], kind=spec["kind"],
            cycle=Cycle.objects.of(territory).get(number=data["cycle"]),
            description=spec.get("description", ""),
            baseline=waves.get(spec.get("baseline")),
            profile_questions=spec["profile_questions"], neighbourhoods=spec.get("neighbourhoods", []),
            consent_text=spec.get("consent_text", ""),
            population_margins=spec.get("population_margins", {}),
        )
        survey_services.set_indicators(wave, indicators, user=author)
        survey_services.open_wave(wave, user=author)
        items = survey_services.positions(wave)
        sheets, number = [], 0
        for channel, count in spec["respondents"].items():
            for i in range(count):
                answers = {}
                for position, indicator in enumerate(indicators):
                    draw = rng.random()
                    if draw < spec["missing"]:
                        continue
                    if draw < spec["missing"] + spec["dont_know"]:
                        answers[position] = rules.DONT_KNOW
                    elif draw < spec["missing"] + spec["dont_know"] + spec["not_applicable"]:
                        answers[position] = rules.NOT_APPLICABLE
                    else:
                        answers[position] = int(rng.choice(5, p=spec["levels"][indicator.code])) + 1
                consent = bool(rng.random() < spec["consent"])
                profile = {key: int(rng.choice(len(spec[key]), p=spec[key]))
                           for key in ("age_band", "neighbourhood") if key in spec}
                sheet = survey_services.sheet_for(wave, items, answers, profile, consent)
                if channel == "paper":
                    number += 1
                    sheets.append((f"p:{number}", "paper", sheet, number))
                else:
                    sheets.append((f"w:demo-{spec['key']}-{i + 1}", "web", sheet, None))
        survey_services.submit_many(wave, sheets, user=author)
        opens = dt.datetime.fromisoformat(spec["opens_on"] + "T09:00:00+01:00")
        closes = (dt.datetime.fromisoformat(spec["closes_on"] + "T20:00:00+01:00")
                  if spec.get("closes_on") else None)
        survey_services.update_wave(wave, user=author, opens_at=opens, closes_at=closes)
        if spec.get("published"):
            survey_services.publish_results(wave, user=author)
        waves[spec["key"]] = wave


def _load_plan(territory: Territory, data: dict, users: dict, organisations: dict,
               groups: dict) -> None:
    """The co-responsibility plan (``plan``), through the actions services: strategic
    axes; actions from Q3 cards, a group's pilot idea, an indicator (with targets whose
    baseline is the ex-ante wave's figure) or with sub-actions; milestones; the
    organisations' commitments with the outcomes known so far. Then the partner account
    speaks for its organisation (``territories.services.change_role``), and the
    coordination group votes with dots on the candidate actions (``votes.services``:
    one ballot per member, signed in) in a round that is then closed."""
    from cospiral.actions import services as action_services
    from cospiral.indicators.models import Indicator
    from cospiral.surveys.models import Wave
    from cospiral.votes import services as vote_services

    section = data.get("plan") or {}
    if not section:
        return
    author = users[section["author"]]
    day = dt.date.fromisoformat
    waves = {w["key"]: Wave.objects.of(territory).get(title=w["title"])
             for w in (data.get("surveys") or {}).get("waves", [])}
    cycle = Cycle.objects.of(territory).get(number=data["cycle"])
    axes = {spec["code"]: action_services.save_axis(
        territory, user=author, code=spec["code"], title=spec["title"],
        description=spec.get("description", ""), position=n, cycle=cycle)
        for n, spec in enumerate(section["axes"])}
    actions: dict = {}

    def indicator(code):
        return Indicator.objects.of(territory).get(code=code, version=1)

    def add(spec, parent=None, position=0):
        fields = dict(
            description=spec.get("description", ""), position=position,
            axis=axes[spec["axis"]] if spec.get("axis") else None, parent=parent, cycle=cycle,
            lead=organisations[spec["lead"]] if spec.get("lead") else None,
            families=spec.get("families", []), scores=spec.get("scores", {}),
            demonstrative=spec.get("demonstrative", False), **spec.get("tests", {}),
            starts_on=day(spec["starts_on"]) if spec.get("starts_on") else None,
            ends_on=day(spec["ends_on"]) if spec.get("ends_on") else None,
            review_on=day(spec["review_on"]) if spec.get("review_on") else None)
        origin = spec.get("origin", "blank")
        if origin == "cards":
            fields["cards"] = [Card.objects.of(territory).get(
                group=groups[c["group"]], question__code="Q3", text=c["text"])
                for c in spec["cards"]]
        elif origin == "pilot_idea":
            fields["origin_group"] = groups[spec["group"]]
        elif origin == "indicator":
            fields["origin_indicator"] = indicator(spec["indicator"])
        action = action_services.create_action(
            territory, user=author, title=spec["title"], origin=origin, status=spec["status"],
            progress=spec.get("progress"), **fields)
        actions[spec["key"]] = action
        for t in spec.get("targets", []):
            action_services.save_target(
                action, user=author, indicator=indicator(t["indicator"]), measure=t["measure"],
                baseline_wave=waves[t["baseline_wave"]], target_value=t["target"],
                note=t.get("note", ""))
        for m in spec.get("milestones", []):
            action_services.add_milestone(action, user=author, on=day(m["on"]), title=m["title"],
                                          note=m.get("note", ""), reached=m["reached"])
        for c in spec.get("commitments", []):
            dates = {k: day(c[k]) if c.get(k) else None
                     for k in ("due_on", "accepted_on", "signed_on")}
            action_services.save_commitment(
                action, user=author, party_kind=c["party_kind"],
                organisation=organisations[c["organisation"]] if c.get("organisation") else None,
                group=groups[c["group"]] if c.get("group") else None,
                person=c.get("person", ""), what=c["what"], resource=c["resource"],
                amount=c.get("amount"), unit=c.get("unit", ""), outcome=c.get("outcome", ""),
                evidence=c.get("evidence", ""), **dates)
        for n, child in enumerate(spec.get("children", [])):
            add(child, parent=action, position=n)

    for n, spec in enumerate(section["actions"]):
        add(spec, position=n)

    partner = next(u for u in data["users"] if u["role"] == "partner")
    membership = Membership.objects.of(territory).get(user=users[partner["username"]])
    territory_services.change_role(membership, user=author, role=membership.role,
                                   organisation=organisations[section["partner_organisation"]])

    vote = section.get("vote")
    if vote:
        vote_round = vote_services.save_round(
            territory, user=author, title=vote["title"], description=vote.get("description", ""),
            method="dot", dots_per_voter=vote["dots_per_voter"],
            cap_per_candidate=vote.get("cap_per_candidate"),
            candidates=[actions[k] for k in vote["candidates"]])
        vote_services.open_round(vote_round, user=author)
        for username, dots in vote["ballots"].items():
            vote_services.cast_ballot(vote_round, user=users[username],
                                      entries={actions[k].pk: n for k, n in dots.items()})
        vote_services.close_round(vote_round, user=author)


def _load_contracts(territory: Territory, data: dict, users: dict, organisations: dict) -> None:
    """Multipartite social contracts (``contracts``), written through the contract
    services in the order people would: the draft with its parties, projects,
    commitments and planned workshops; signed and started; attendance of the past
    workshops; reviews with the steps they lead to; the outcomes known so far."""
    from cospiral.contracts import services as contract_services

    section = data.get("contracts") or {}
    if not section:
        return
    author = users[section["author"]]
    day = dt.date.fromisoformat
    for spec in section["items"]:
        action = None
        if spec.get("action"):
            from cospiral.actions.models import Action

            action = Action.objects.of(territory).get(title=spec["action"])
        contract = contract_services.save_contract(
            territory, user=author, title=spec["title"], purpose=spec.get("purpose", ""),
            action=action, starts_on=day(spec["starts_on"]), ends_on=day(spec["ends_on"]),
            review_every_months=spec["review_every_months"])
        parties = {}
        for p in spec["parties"]:
            party = contract_services.save_party(
                contract, user=author, kind=p["kind"], pseudonym=p.get("pseudonym", ""),
                organisation=organisations[p["organisation"]] if p.get("organisation") else None,
                representative=p.get("representative", ""),
                signed_on=day(p["signed_on"]) if p.get("signed_on") else None)
            parties[p.get("pseudonym") or p["organisation"]] = party
            if p.get("goals"):
                contract_services.save_project(contract, user=author, beneficiary=party,
                                               goals=p["goals"], steps=p.get("steps", ""))
        commitments = [
            (contract_services.save_commitment(
                contract, user=author, party=parties[c["party"]], what=c["what"],
                towards=parties[c["towards"]] if c.get("towards") else None,
                due_on=day(c["due_on"]) if c.get("due_on") else None), c)
            for c in spec["commitments"]]
        workshops = [
            (contract_services.save_workshop(
                contract, user=author, kind=w["kind"], topic=w["topic"], date=day(w["date"]),
                place=w.get("place", ""), facilitator=w.get("facilitator", ""),
                run_by=parties[w["run_by"]] if w.get("run_by") else None,
                beneficiary=parties[w["beneficiary"]] if w.get("beneficiary") else None), w)
            for w in spec["workshops"]]
        contract_services.change_status(contract, user=author, target="signed")
        contract_services.change_status(contract, user=author, target="running")
        for workshop, w in workshops:
            if "absent" in w:
                expected = [p for p in parties.values() if p.kind == "beneficiary"
                            and (w["kind"] == "collective" or p.pseudonym == w["beneficiary"])]
                contract_services.record_attendance(
                    workshop, user=author,
                    present=[p.pk for p in expected if p.pseudonym not in w["absent"]])
        for r in spec.get("reviews", []):
            contract_services.add_review(contract, user=author, date=day(r["date"]),
                                         notes=r.get("notes", ""), decisions=r.get("decisions", ""))
            for target in r.get("then", []):
                contract_services.change_status(contract, user=author, target=target)
        for commitment, c in commitments:
            if c.get("outcome"):
                contract_services.record_outcome(commitment, user=author, outcome=c["outcome"],
                                                 evidence=c.get("evidence", ""))
