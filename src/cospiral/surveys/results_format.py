"""The words and numbers of the survey results pages: figures, shares, intervals and
differences formatted in the reader's language (used by ``results``, ``results_compare``,
``results_change`` and the reports)."""

from __future__ import annotations

import math

import numpy as np
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cospiral.core import l10n


def num(value, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return formats.number_format(round(float(value), decimals), decimals, use_l10n=True,
                                 force_grouping=True)


def pct(value, decimals: int = 0) -> str:
    """A share (0 to 1) as « 76,7 % » (see cospiral.core.l10n)."""
    return l10n.share(value, decimals, trim=False)


def interval(low, high, formatter=num) -> str:
    if low is None or high is None:
        return ""
    return f"{formatter(low)} – {formatter(high)}"


def pct_interval(pair) -> str:
    return interval(pair[0], pair[1], pct) if pair else ""


def points(value) -> str:
    """A difference of shares, in percentage points with its sign."""
    if value is None:
        return ""
    text = num(float(value) * 100, 1)
    return ("+" + text) if value > 0 else text


def fewer_than(threshold: int) -> str:
    return ngettext("fewer than %(n)s answer", "fewer than %(n)s answers", threshold) % {"n": threshold}


def _scalar(array, index=()):
    value = array[index]
    return None if np.ma.getmaskarray(value).all() else float(value)


def _language() -> str:
    return (translation.get_language() or "fr")[:2]


def named(row: dict) -> str:
    """An indicator by its name, its code after: « “Bien se nourrir” (A01-1) »."""
    title = row.get("title") or ""
    return (_("“%(text)s”") % {"text": title} + f" ({row['code']})") if title else row["code"]
