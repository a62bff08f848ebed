"""The parts of an open-data package that carry a territory's history of the method
(format 2, issue 15): the groups' sessions, each card's session and the phases' status
and dates, so an imported territory's home (its cycle × phase matrix) agrees with its
statistics. Groups' cycle and profile travel in ``groups.csv`` itself."""

from __future__ import annotations

from cospiral.groups.models import Session
from cospiral.territories.models import Phase


def session_rows(territory, group_no: dict[int, int]) -> tuple[list[list], dict[int, int]]:
    """``sessions.csv`` rows, in the order of their ids, and the package number of each
    session id."""
    sessions = list(Session.objects.of(territory).filter(group_id__in=group_no).order_by("pk")
                    .values_list("pk", "group_id", "date", "channel", "attendee_count"))
    number = {pk: n for n, (pk, *_rest) in enumerate(sessions, start=1)}
    return [[number[pk], group_no[g], date, channel, attendees]
            for pk, g, date, channel, attendees in sessions], number


def phase_rows(territory) -> list[list]:
    return [[cycle, number, status, starts_on, ends_on]
            for cycle, number, status, starts_on, ends_on in
            Phase.objects.of(territory).order_by("cycle__number", "number").values_list(
                "cycle__number", "number", "status", "starts_on", "ends_on")]


def store_sessions(territory, rows: list[dict], group: dict[int, int]) -> dict[int, int]:
    """Create the package's sessions in its order; returns package number → session id."""
    made = {}
    for row in rows:
        made[row["id"]] = Session.objects.create(
            territory=territory, group_id=group[row["group"]], date=row["date"],
            channel=row["channel"], attendee_count=row["attendees"]).pk
    return made


def store_phases(territory, rows: list[dict]) -> None:
    """The phases' status and dates (the territory was created with cycles 0–3 × phases
    1–8)."""
    phases = {(p.cycle.number, p.number): p
              for p in Phase.objects.of(territory).select_related("cycle")}
    changed = []
    for row in rows:
        phase = phases.get((row["cycle"], row["phase"]))
        if phase is None:
            continue
        phase.status, phase.starts_on, phase.ends_on = row["status"], row["starts_on"], row["ends_on"]
        changed.append(phase)
    Phase.objects.bulk_update(changed, ["status", "starts_on", "ends_on"])


def target_and_milestone_rows(territory, action_no: dict[int, int],
                              wave_no: dict[int, int]) -> tuple[list[list], list[list]]:
    """``targets.csv`` and ``milestones.csv`` rows of the exported actions, in id order. A
    baseline wave that is not in the package (results not published) is left empty."""
    from cospiral.actions.models import Milestone, Target

    targets = (Target.objects.of(territory).filter(action_id__in=action_no)
               .select_related("indicator").order_by("pk"))
    target_rows = [[n, action_no[x.action_id], x.indicator.code, x.indicator.version, x.measure,
                    wave_no.get(x.baseline_wave_id), x.baseline, x.target, x.note]
                   for n, x in enumerate(targets, start=1)]
    milestones = Milestone.objects.of(territory).filter(action_id__in=action_no).order_by("pk")
    milestone_rows = [[n, action_no[m.action_id], m.on, m.title, m.note, m.reached]
                      for n, m in enumerate(milestones, start=1)]
    return target_rows, milestone_rows


def store_targets(territory, rows: list[dict], action: dict[int, int],
                  indicator: dict[tuple[str, int], int], wave: dict) -> None:
    from cospiral.actions.models import Target

    Target.objects.bulk_create([
        Target(territory=territory, action_id=action[r["action"]],
               indicator_id=indicator[(r["indicator"], r["version"])], measure=r["measure"],
               baseline_wave=wave.get(r["baseline_wave"]), baseline=r["baseline"],
               target=r["target"], note=r["note"]) for r in rows])


def store_milestones(territory, rows: list[dict], action: dict[int, int]) -> None:
    from cospiral.actions.models import Milestone

    Milestone.objects.bulk_create([
        Milestone(territory=territory, action_id=action[r["action"]], on=r["on"],
                  title=r["title"], note=r["note"], reached=r["reached"]) for r in rows])


def criterion_rows(territory, publish_texts: bool) -> list[list]:
    """``indicator_criteria.csv``: each indicator's criteria; a card's words only when the
    territory publishes its cards' texts (a typed criterion is the coordinator's)."""
    from cospiral.cards.models import Card
    from cospiral.indicators.models import IndicatorCriterion

    rows = list(IndicatorCriterion.objects.of(territory).select_related("indicator")
                .order_by("indicator__code", "indicator__version", "pk"))
    # The package number of the few linked cards, in one pass over the ids (no dict of
    # a million cards).
    wanted = {c.card_id for c in rows if c.card_id}
    card_no = {}
    if wanted:
        ids = Card.objects.of(territory).counted().order_by("pk").values_list("pk", flat=True)
        for n, pk in enumerate(ids.iterator(chunk_size=20000), start=1):
            if pk in wanted:
                card_no[pk] = n
    return [[n, c.indicator.code, c.indicator.version, c.category or None,
             card_no.get(c.card_id), c.position,
             c.text if publish_texts or c.card_id is None else ""]
            for n, c in enumerate(rows, start=1)]


def existing_action_rows(territory) -> list[list]:
    from cospiral.domain.evaluation import QUESTIONS
    from cospiral.existing_actions.models import ExistingAction

    out = []
    actions = (ExistingAction.objects.of(territory).filter(deleted_at__isnull=True)
               .select_related("cycle").order_by("pk"))
    for n, e in enumerate(actions, start=1):
        row = [n, e.name, e.description, e.carried_by, e.cycle.number if e.cycle_id else None,
               list(e.families)]
        for q in QUESTIONS:
            row += [getattr(e, f"{q}_score"), getattr(e, f"{q}_note")]
        out.append(row + [e.evaluated_at is not None])
    return out


def store_criteria(territory, rows: list[dict], indicator: dict[tuple[str, int], int]) -> None:
    from cospiral.cards.models import Card
    from cospiral.indicators.models import IndicatorCriterion

    wanted = {r["card"] for r in rows if r["card"]}
    card = {}
    if wanted:
        ids = Card.objects.of(territory).order_by("pk").values_list("pk", flat=True)
        for n, pk in enumerate(ids.iterator(chunk_size=20000), start=1):
            if n in wanted:
                card[n] = pk
    IndicatorCriterion.objects.bulk_create([
        IndicatorCriterion(territory=territory,
                           indicator_id=indicator[(r["indicator"], r["version"])],
                           category=r["category"] or "", card_id=card.get(r["card"]),
                           position=r["position"], text=r["text"]) for r in rows])


def store_existing_actions(territory, rows: list[dict], cycle: dict[int, int], now) -> None:
    from cospiral.domain.evaluation import QUESTIONS
    from cospiral.existing_actions.models import ExistingAction

    made = []
    for r in rows:
        e = ExistingAction(territory=territory, name=r["name"], description=r["description"],
                           carried_by=r["carried_by"], cycle_id=cycle.get(r["cycle"]),
                           families=r["families"], evaluated_at=now if r["evaluated"] else None)
        for q in QUESTIONS:
            setattr(e, f"{q}_score", r[f"{q}_score"])
            setattr(e, f"{q}_note", r[f"{q}_note"])
        made.append(e)
    ExistingAction.objects.bulk_create(made)
