"""Synthetic data at scale for benchmarks (``cospiral generate``).

Everything is written in batches (``bulk_create``; cards through ``CardWriter``'s
``executemany``), without per-row audit: these are
benchmark fixtures, not citizens' words. Territories are created by
``create_territories_bulk``, which writes exactly the rows ``create_territory`` writes
(territory, cycles 0–3, phases 1–8, the method's questions and their enabled cycles, one
audit entry), a thousand territories at a time instead of one.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cospiral.cards.models import Card, Question
from cospiral.cards.services import insert_card_rows
from cospiral.core.models import AuditEntry
from cospiral.domain import synthetic
from cospiral.domain.phases import CYCLES, PHASES
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.groups.models import Group, Session
from cospiral.territories.models import Cycle, Phase, Territory
from cospiral.territories.services import method_questions

BATCH = 5000
SLUG_PREFIX = "gen-{seed}-"


@dataclass
class Summary:
    seed: int
    territories: int = 0
    groups: int = 0
    sessions: int = 0
    cards: int = 0
    coded_cards: int = 0
    grid_version: str = ""
    seconds: float = 0.0
    phases_seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "territories": self.territories,
            "groups": self.groups,
            "sessions": self.sessions,
            "cards": self.cards,
            "coded_cards": self.coded_cards,
            "grid_version": self.grid_version,
            "seconds": round(self.seconds, 2),
            "cards_per_second": round(self.cards / self.seconds) if self.seconds else None,
            "seconds_by_step": {k: round(v, 2) for k, v in self.phases_seconds.items()},
        }


def create_territories_bulk(specs: list[dict], grid_version: GridVersion) -> list[Territory]:
    """Create many territories at once, each with the same rows as
    ``territories.services.create_territory`` (without a user: no membership, the audit
    entry is anonymous). ``specs`` are dicts with ``slug``, ``name`` and optionally
    ``kind``, ``languages``, ``description``. Call inside a transaction."""
    territories = Territory.objects.bulk_create(
        [
            Territory(
                slug=s["slug"], name=s["name"], kind=s.get("kind", Territory.Kind.CITY),
                parent=None, languages=list(s.get("languages") or ["fr", "en"]),
                description=s.get("description", ""), grid_version=grid_version,
            )
            for s in specs
        ],
        batch_size=BATCH,
    )
    cycles = Cycle.objects.bulk_create(
        [Cycle(territory=t, number=n) for t in territories for n in CYCLES], batch_size=BATCH
    )
    Phase.objects.bulk_create(
        [Phase(territory=c.territory, cycle=c, number=p) for c in cycles for p in PHASES],
        batch_size=BATCH,
    )
    questions_data = method_questions()
    questions = Question.objects.bulk_create(
        [
            Question(territory=t, code=q["code"], texts=q["texts"], is_method_question=True,
                     position=position)
            for t in territories
            for position, q in enumerate(questions_data, start=1)
        ],
        batch_size=BATCH,
    )
    enabled = {q["code"] for q in questions_data if q.get("default_enabled")}
    cycles_of: dict[int, list[Cycle]] = {}
    for c in cycles:
        cycles_of.setdefault(c.territory_id, []).append(c)
    Through = Question.enabled_cycles.through
    Through.objects.bulk_create(
        [
            Through(question_id=q.pk, cycle_id=c.pk)
            for q in questions
            if q.code in enabled
            for c in cycles_of[q.territory_id]
        ],
        batch_size=BATCH,
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(territory=t, user=None, actor_label="anonymous", action="create",
                       model="territory", object_id=str(t.pk), summary=f"Territory {t.name}"[:300],
                       changes={})
            for t in territories
        ],
        batch_size=BATCH,
    )
    return territories


class CardWriter:
    """Collects synthetic cards and writes them in batches through the cards app's fast
    path (``insert_card_rows``: COPY on PostgreSQL, ``executemany`` on SQLite), which is
    several times faster than ``bulk_create`` for a million rows. Rows carry the same
    defaults ``bulk_create`` would (no author, no import key, timestamps now)."""

    def __init__(self, batch: int = BATCH) -> None:
        self.now = timezone.now()
        self.paper = str(Card.Channel.PAPER)
        self.batch = batch
        self.rows: list[tuple] = []
        self.count = 0
        # Exact counts of the cards written (every generated card is counted; component
        # None when uncoded): (territory, group, question, component) -> cards, written by
        # ``flush_counts``.
        self.cells: Counter[tuple[int, int, int, int | None]] = Counter()

    def add(self, territory_id, group_id, session_id, question_id, text, author_tag,
            component_id, full_code) -> None:
        # The order of criteria.services.INSERT_COLUMNS.
        self.rows.append((territory_id, group_id, session_id, question_id, text, "fr",
                          self.paper, author_tag, "", None, component_id, full_code,
                          self.now, self.now, None))
        self.cells[(territory_id, group_id, question_id, component_id)] += 1
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            insert_card_rows(self.rows)
            self.count += len(self.rows)
            self.rows = []

    def flush_counts(self) -> None:
        """Write the coding counts of the cards written so far (the same cells
        ``cospiral.coding.counts.recompute`` would build), then forget them."""
        from cospiral.coding.models import CodingCount

        self.flush()
        CodingCount.objects.bulk_create(
            [CodingCount(territory_id=t, group_id=g, question_id=q, component_id=c, count=n)
             for (t, g, q, c), n in self.cells.items()],
            batch_size=BATCH,
        )
        self.cells.clear()


def existing_generated(seed: int) -> int:
    return Territory.objects.filter(slug__startswith=SLUG_PREFIX.format(seed=seed)).count()


def generate(*, territories: int, groups_per_territory: int, cards_per_group: int, seed: int,
             coded_share: float = 0.8, grid_version: GridVersion | None = None,
             chunk: int = 200, progress=None) -> Summary:
    """Create ``territories`` × ``groups_per_territory`` groups (one session each) ×
    ``cards_per_group`` cards, reproducibly from ``seed``. Territories are named
    ``gen-<seed>-<i>``; a share ``coded_share`` of each group's cards is coded with random
    components of the grid version, which is then frozen. Returns a ``Summary``.
    ``progress(done, total)`` is called after each group (total: every group)."""
    from cospiral.grid import services as grid_services

    if min(territories, groups_per_territory, cards_per_group) < 0:
        raise ValueError("Sizes must be zero or more.")
    synthetic.coded_count(0, coded_share)  # validates the share
    started = time.perf_counter()
    summary = Summary(seed=seed)
    steps = summary.phases_seconds
    version = grid_version or grid_services.default_version()
    summary.grid_version = version.slug
    components = list(
        GridEntry.objects.filter(version=version, kind=GridEntry.Kind.COMPONENT, territory=None)
        .order_by("code").values_list("pk", "code")
    )
    n_components = len(components)
    width = max(len(str(territories)), 4)
    prefix = SLUG_PREFIX.format(seed=seed)

    def tick(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - since
        return now

    groups_done, groups_total = 0, territories * groups_per_territory
    with transaction.atomic():
        writer = CardWriter()
        for start in range(0, territories, chunk):
            stop = min(start + chunk, territories)
            t0 = time.perf_counter()
            made = create_territories_bulk(
                [
                    {"slug": f"{prefix}{i:0{width}d}", "name": f"Territoire synthétique {seed}-{i}",
                     "description": f"Données synthétiques générées (graine {seed}) pour les tests de charge."}
                    for i in range(start, stop)
                ],
                version,
            )
            summary.territories += len(made)
            t0 = tick("territories", t0)
            ids = [t.pk for t in made]
            cycle2 = dict(
                Cycle.objects.filter(territory_id__in=ids, number=2).values_list("territory_id", "pk")
            )
            question_ids = {
                (tid, code): pk
                for tid, code, pk in Question.objects.filter(
                    territory_id__in=ids, code__in=synthetic.QUESTION_CODES
                ).values_list("territory_id", "code", "pk")
            }
            rngs = {t.pk: random.Random(f"cospiral-generate:{seed}:{i}")
                    for i, t in zip(range(start, stop), made, strict=True)}
            new_groups, plans = [], []
            for t in made:
                rng = rngs[t.pk]
                for j in range(groups_per_territory):
                    profile = synthetic.profile_for(j)
                    new_groups.append(Group(
                        territory_id=t.pk, name=f"G{j + 1:02d} {profile}", profile=profile,
                        kind=Group.Kind.HOMOGENEOUS, tags=["synthetique"], cycle_id=cycle2[t.pk],
                    ))
                    plans.append((t.pk, synthetic.session_date(rng), rng.randint(7, 12)))
            new_groups = Group.objects.bulk_create(new_groups, batch_size=BATCH)
            sessions = Session.objects.bulk_create(
                [
                    Session(territory_id=tid, group=g, date=date, place="Salle du quartier",
                            channel=Session.Channel.IN_PERSON, attendee_count=attendees)
                    for g, (tid, date, attendees) in zip(new_groups, plans, strict=True)
                ],
                batch_size=BATCH,
            )
            summary.groups += len(new_groups)
            summary.sessions += len(sessions)
            t0 = tick("groups_sessions", t0)
            for g, s in zip(new_groups, sessions, strict=True):
                rng = rngs[g.territory_id]
                for c in synthetic.group_cards(rng, cards_per_group, attendees=s.attendee_count,
                                               coded_share=coded_share,
                                               n_components=n_components):
                    if c.component is None:
                        component_id, code = None, ""
                    else:
                        component_id, code = components[c.component]
                        summary.coded_cards += 1
                    writer.add(g.territory_id, g.pk, s.pk,
                               question_ids[(g.territory_id, c.question)], c.text, c.author_tag,
                               component_id, code)
                if progress is not None:
                    groups_done += 1
                    progress(groups_done, groups_total)
            writer.flush_counts()
            summary.cards = writer.count
            tick("cards", t0)
        if summary.coded_cards and version.frozen_at is None:
            # Coding against a grid version freezes it.
            GridVersion.objects.filter(pk=version.pk, frozen_at=None).update(frozen_at=timezone.now())
        committing = time.perf_counter()
    # On PostgreSQL the foreign keys are checked at commit: measured separately.
    tick("commit", committing)
    summary.seconds = time.perf_counter() - started
    return summary
