"""Cycles and phases of the method (METHOD.md §3), and what a phase has produced
(``phase_progress``). Labels are translated by the web layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CYCLES = (0, 1, 2, 3)
PHASES = (1, 2, 3, 4, 5, 6, 7, 8)

PHASE_KEYS = {
    1: "mobilise",
    2: "co_define",
    3: "evaluate_ex_ante",
    4: "project",
    5: "decide",
    6: "realise",
    7: "evaluate_ex_post",
    8: "review",
}

CYCLE_KEYS = {0: "taster", 1: "preparation", 2: "mobilisation", 3: "integration"}


# --- Phase progress: what is recorded decides the state and the next step ---------------

NOT_STARTED, IN_PROGRESS, DONE, SKIPPED = "not_started", "in_progress", "done", "skipped"
STATES = (NOT_STARTED, IN_PROGRESS, DONE, SKIPPED)

#: Per phase, in the method's order: (count key, next step while it is 0). A step is done
#: when its count is above 0; ``coded`` is done when every counted card is coded or
#: marked not codable.
#: Keys in ``CONTEXT`` are shown but never make a phase "started" on their own (they are
#: the territory's, not the cycle's: seats of the coordination group, indicators).
STEPS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("seats", "coordination"), ("groups", "create_group"), ("sessions", "add_session")),
    2: (("cards", "enter_cards"), ("coded", "code_cards"), ("syntheses", "write_synthesis"),
        ("shared_criteria", "shared_definition")),
    3: (("indicators", "create_indicators"), ("ex_ante_waves", "create_ex_ante_wave"),
        ("ex_ante_answers", "collect_ex_ante"), ("existing_assessed", "evaluate_existing")),
    4: (("axes", "create_axes"), ("actions", "propose_actions"), ("targets", "set_targets")),
    5: (("rounds", "vote"), ("commitments", "commit"), ("contracts", "draft_contract")),
    6: (("actions_under_way", "carry_out"), ("contracts_signed", "sign_contract")),
    7: (("ex_post_waves", "create_ex_post_wave"), ("ex_post_answers", "collect_ex_post"),
        ("outcomes", "record_outcomes")),
    8: (("reviews", "write_review"), ("reviews_frozen", "review_pdf")),
}
#: Counts shown with a phase besides its steps (no next step of their own).
EXTRA: dict[int, tuple[str, ...]] = {
    2: ("validated_syntheses", "not_codable"),
    3: ("existing_actions",),
    4: (),
    5: ("ballots",),
    6: ("actions_done",),
}
CONTEXT = frozenset({"seats", "indicators"})

PROGRESS_RULE = (
    "a phase is started as soon as something of its own is recorded in the cycle, and done "
    "when each of its steps has something recorded; a status the coordinator sets (in "
    "progress, done, skipped) takes precedence; the next step is the first step with "
    "nothing recorded"
)


@dataclass(frozen=True)
class Progress:
    number: int
    state: str  # the status shown: the coordinator's if set, else ``derived``
    derived: str  # from the counts alone
    overridden: bool  # the coordinator set the status
    counts: tuple[tuple[str, int], ...]  # what the phase shows, in order
    next_step: str | None  # the first step with nothing recorded (None when all are)

    @property
    def recorded(self) -> bool:
        return any(n for key, n in self.counts if key not in CONTEXT)


def _count(counts: Mapping[str, int], key: str) -> int:
    value = counts.get(key, 0) or 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"The count {key!r} must be a whole number of 0 or more; got {value!r}.")
    return value


def phase_progress(number: int, counts: Mapping[str, int], stored: str = NOT_STARTED) -> Progress:
    """``PROGRESS_RULE`` for phase ``number`` (1–8) from plain ``counts`` (missing keys
    count 0) and the stored status (``not_started`` when the coordinator never set one)."""
    if number not in STEPS:
        raise ValueError(f"{number!r} is not a phase (1–8).")
    if stored not in STATES:
        raise ValueError(f"{stored!r} is not a phase status ({', '.join(STATES)}).")
    steps = STEPS[number]
    shown = tuple((key, _count(counts, key)) for key, _step in steps) + tuple(
        (key, _count(counts, key)) for key in EXTRA.get(number, ()))
    values = dict(shown)

    def done(key: str) -> bool:
        if key == "coded":
            # A card marked "not codable" is handled too: it will never have a code.
            return values["cards"] > 0 and values["coded"] + values["not_codable"] >= values["cards"]
        return values[key] > 0

    missing = [step for key, step in steps if not done(key)]
    own = any(n for key, n in shown if key not in CONTEXT)
    derived = DONE if not missing and own else IN_PROGRESS if own else NOT_STARTED
    overridden = stored != NOT_STARTED
    return Progress(number=number, state=stored if overridden else derived, derived=derived,
                    overridden=overridden, counts=shown, next_step=missing[0] if missing else None)


def current_cycle(recorded_cycles: Iterable[int | None], cycles: Iterable[int]) -> int | None:
    """The cycle the territory works in: the highest cycle with something recorded, else
    the first of ``cycles`` (None without cycles)."""
    recorded = [int(c) for c in recorded_cycles if c is not None]
    if recorded:
        return max(recorded)
    ordered = sorted(int(c) for c in cycles)
    return ordered[0] if ordered else None
