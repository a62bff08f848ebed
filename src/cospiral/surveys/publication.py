"""Publication of a wave's results: a snapshot of its exact tallies, refused when an
observer could subtract two publications and see fewer people than the threshold."""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.core import writes
from cospiral.domain import survey as rules
from cospiral.surveys.models import Wave


class SnapshotRefused(ValidationError):
    """A new snapshot would let an observer work out a small cell by subtracting it from
    the previous one: nothing was published (``problems``: the reasons)."""

    def __init__(self, messages, problems):
        super().__init__(messages)
        self.problems = problems


def _problem_text(wave: Wave, items, problem, threshold: int) -> str:
    from cospiral.surveys import profiles

    code = items[problem.indicator].indicator.code if problem.indicator < len(items) else "?"
    if problem.key is None:
        where = _("indicator %(code)s, every respondent") % {"code": code}
    else:
        labels = profiles.choices(wave, problem.key)
        answer = (str(profiles.NOT_STATED_LABEL) if problem.code == rules.NOT_STATED
                  else labels[problem.code] if 0 <= problem.code < len(labels) else str(problem.code))
        where = _("indicator %(code)s, %(question)s “%(answer)s”") % {
            "code": code, "question": profiles.QUESTION_LABELS[problem.key], "answer": answer}
    if problem.kind == "decrease":
        return _("%(where)s: answers were corrected or withdrawn since the last publication, "
                 "so the difference would show them.") % {"where": where}
    return _("%(where)s: %(n)s new valid answers since the last publication, fewer than the "
             "threshold of %(threshold)s, so the difference would show them.") % {
        "where": where, "n": problem.change, "threshold": threshold}


def take_snapshot(wave: Wave, *, user):
    """Freeze the wave's tallies as a new published snapshot (``ResultSnapshot``), or
    return the latest one when nothing changed since. Refused (``SnapshotRefused``, with
    every reason) when an observer could work out a cell under the threshold by
    subtracting the previous snapshot from this one (``cospiral.domain.snapshots``)."""
    from cospiral.domain import snapshots as snapshot_rules
    from cospiral.surveys import selectors
    from cospiral.surveys.models import ResultSnapshot
    from cospiral.surveys.services import positions

    items = positions(wave)
    J = len(items)
    c = selectors.cells(wave, J)
    latest = selectors.latest_snapshot(wave)
    threshold = max(wave.threshold, latest.threshold if latest else 0)
    t = selectors.snapshot_tables(wave, c)
    forced = None
    if latest is not None:
        old_cells = selectors.snapshot_cells(latest)
        old = selectors.snapshot_tables(wave, old_cells)
        if latest.indicator_count == J and np.array_equal(old.overall, t.overall) and all(
                np.array_equal(old.by_key[k], t.by_key[k]) for k in t.by_key):
            return latest
        forced = selectors.snapshot_hidden(latest, wave)
    hidden = snapshot_rules.hidden_of(t, threshold, forced)
    if latest is not None:
        found = snapshot_rules.problems(old, forced, t, hidden, threshold)
        if found:
            shown = [_problem_text(wave, items, p, threshold) for p in found[:5]]
            if len(found) > 5:
                shown.append(_("…and %(n)s more cells.") % {"n": len(found) - 5})
            raise SnapshotRefused(
                [_("The results were not published again: an observer could subtract the "
                   "previous publication from this one and see the answers of fewer than "
                   "%(threshold)s people. Wait for more answers (at least %(threshold)s in "
                   "each changed cell).") % {"threshold": threshold}] + shown, found)
    rows = [[*map(int, p), int(n)] for p, n in zip(c.profiles, c.sizes, strict=True)]
    snapshot = ResultSnapshot.objects.create(
        territory_id=wave.territory_id, wave=wave, taken_by=writes.signed_in(user),
        respondents=c.respondents, indicator_count=J, cell_profiles=rows,
        counts=c.counts.astype("<i4").tobytes(), threshold=threshold, hidden=hidden.to_json())
    writes.Write(wave.territory, user=user).record(
        "create", wave, wave.title, {"results_snapshot": [None, snapshot.pk]})
    return snapshot


@transaction.atomic
def publish_results(wave: Wave, *, user, published: bool = True) -> Wave:
    """Publish the results (a new snapshot of the tallies, see ``take_snapshot``; the
    same call publishes again after more answers) or stop publishing them."""
    w, wave = writes.lock(wave, user=user)
    if published:
        take_snapshot(wave, user=user)
    wave.published_at = timezone.now() if published else None
    wave.save(update_fields=["published_at", "updated_at"])
    w.record("update", wave, wave.title, {"published": published})
    return wave
