"""The demonstration territory (``cospiral demo``), loaded from ``data/demo/demo_fr.json``.

Montclair and its Quartier des Tilleuls are fictional. Loading is idempotent: when the
demo territory already exists it is kept as it is (only missing demo accounts are added).
Each card of the data file carries a ``suggested_code``; the demo does not load it as a
coding (cards stay uncoded): it is kept in the file as a labelled example.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources

from django.contrib.auth import get_user_model
from django.db import transaction

from cospiral.core import audit
from cospiral.criteria.models import Card, Question
from cospiral.groups.models import Group, Session
from cospiral.territories.models import (
    CoordinationMember,
    Cycle,
    Membership,
    Organisation,
    Territory,
)
from cospiral.territories.services import create_territory

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
            territory = create_territory(
                slug=spec["slug"], name=spec["name"], kind=spec["kind"], user=coordinator,
                grid_version=grid_version,
                parent=territories.get(spec["parent"]) if spec.get("parent") else None,
                languages=spec.get("languages"), description=spec.get("description", ""),
            )
        territories[spec["slug"]] = territory

    for spec in data["users"]:
        for slug in spec["territories"]:
            Membership.objects.get_or_create(
                territory=territories[slug], user=users[spec["username"]],
                defaults={"role": spec["role"]},
            )

    territory = territories[main_slug]
    result = DemoResult(territory=territory, created=existing is None, accounts=accounts)
    if existing is None:
        _load_content(territory, data, users, coordinator)
    result.card_count = Card.objects.of(territory).count()
    return result


def _load_content(territory: Territory, data: dict, users: dict, coordinator) -> None:
    organisations = {
        o["name"]: Organisation(territory=territory, name=o["name"], kind=o["kind"])
        for o in data["organisations"]
    }
    Organisation.objects.bulk_create(organisations.values())
    seats = CoordinationMember.objects.bulk_create(
        [
            CoordinationMember(
                territory=territory, person=s["person"], role=s["role"],
                organisation=organisations[s["organisation"]] if s.get("organisation") else None,
            )
            for s in data["coordination"]
        ]
    )
    audit.record(territory, coordinator, "import", territory,
                 f"Demo coordination group: {len(organisations)} organisations, {len(seats)} seats")

    cycle = Cycle.objects.of(territory).get(number=data["cycle"])
    questions = {q.code: q for q in Question.objects.of(territory)}
    groups: dict[str, Group] = {}
    for spec in data["groups"]:
        group = Group.objects.create(
            territory=territory, name=spec["name"], kind=spec["kind"], profile=spec["profile"],
            tags=spec.get("tags", []), cycle=cycle,
        )
        group.facilitators.set([users[u] for u in spec.get("facilitators", [])])
        group.source_groups.set([groups[k] for k in spec.get("source_groups", [])])
        groups[spec["key"]] = group
        audit.record(territory, coordinator, "create", group, f"Group {group.name}")
        sessions = {}
        for s in spec["sessions"]:
            session = Session.objects.create(
                territory=territory, group=group, date=dt.date.fromisoformat(s["date"]),
                place=s["place"], channel=s["channel"], attendee_count=s["attendee_count"],
                notes=s.get("notes", ""),
            )
            sessions[s["key"]] = session
            audit.record(territory, coordinator, "create", session, f"Session {session}")
        if not spec["cards"]:
            continue
        session = sessions[spec["cards_session"]]
        typist = users[spec["facilitators"][0]] if spec.get("facilitators") else coordinator
        channel = Card.Channel.ONLINE if session.channel == Session.Channel.ONLINE else Card.Channel.PAPER
        Card.objects.bulk_create(
            [
                Card(
                    territory=territory, group=group, session=session,
                    question=questions[c["question"]], text=c["text"],
                    language=c.get("language", data.get("language", "fr")), channel=channel,
                    author_tag=c.get("author_tag", ""), created_by=typist,
                )
                for c in spec["cards"]
            ]
        )
        audit.record(territory, typist, "import", session,
                     f"Demo: {len(spec['cards'])} cards of {group.name}")
