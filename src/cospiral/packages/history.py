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
