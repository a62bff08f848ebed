"""What a change means: one rule for every page, PDF and summary that reads a result.

A difference (after − before) comes with a confidence interval. An interval that does
not include the null value (0 for a difference) points to a real change, and the sign
of the change, read in the measure's better direction, says whether situations got
better or worse. An interval that includes it is "no clear change": the difference may
be chance. Without the figures there is no verdict (``None``), never a guess.

The same rule reads the ordinal test: the Brunner–Munzel interval of the probability
of superiority against its null value ½ (``cospiral.domain.scoring.Comparison``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import SupportsFloat

BETTER = "better"
WORSE = "worse"
NO_CLEAR_CHANGE = "no_clear_change"
VERDICTS = (BETTER, WORSE, NO_CLEAR_CHANGE)

RULE = (
    "a change is real when its confidence interval does not include 0; its sign, read in "
    "the measure's better direction, says better or worse; an interval that includes 0 "
    "is no clear change; no interval, no verdict"
)


def _number(value: SupportsFloat | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def verdict(difference: SupportsFloat | None, low: SupportsFloat | None,
            high: SupportsFloat | None, *, higher_is_better: bool = True,
            null: float = 0.0) -> str | None:
    """``BETTER``, ``WORSE`` or ``NO_CLEAR_CHANGE`` for a change ``difference`` with its
    interval [``low``, ``high``] (``RULE``); ``None`` when the interval is missing
    (suppressed, too few answers, undefined test). ``higher_is_better`` False for a
    measure that should fall (the share at levels 1–2). ``null``: the value meaning
    "no change" (0 for a difference, ½ for a probability of superiority).

    The verdict follows the interval alone: ``difference`` only has to be present (a
    percentile interval may, rarely, not contain its point estimate)."""
    d, lo, hi = _number(difference), _number(low), _number(high)
    if d is None or lo is None or hi is None:
        return None
    if lo > hi:
        raise ValueError(f"An interval runs from low to high; got [{lo}, {hi}].")
    if lo <= null <= hi:
        return NO_CLEAR_CHANGE
    up = lo > null
    return BETTER if up == higher_is_better else WORSE


def count(verdicts: Iterable[str | None]) -> dict[str, int]:
    """How many of each verdict (``None`` not counted): for summaries such as "better
    for 1 indicator of 3"."""
    counts = dict.fromkeys(VERDICTS, 0)
    for v in verdicts:
        if v is not None:
            counts[v] += 1
    return counts
