"""Numbers, percentages, amounts and p-values in the reader's language, one way.

Django's localisation does the work (decimal comma and no-break space between thousands
in French); this module only says how cospiral writes a share or an amount:
« 76,7 % » with the narrow no-break space (U+202F) of French typography before the sign,
« 76.7% » in English (the catalogue's ``%(value)s%%`` says which); « 40 000 € » in
French and « €40,000 » in English; a p-value under 0.001 as « < 0,001 », never « 0,000 ».
"""

from __future__ import annotations

import math

from django.template.defaultfilters import floatformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _

EURO = ("€", "EUR", "euro", "euros")


def _missing(value) -> bool:
    if value is None or value == "":
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def number(value, decimals: int = 1, *, trim: bool = True) -> str:
    """``value`` with at most (``trim``) or exactly ``decimals`` decimals, grouped by
    thousands: « 1 234,5 » / « 1,234.5 »; "" for nothing."""
    if _missing(value):
        return ""
    return floatformat(value, f"{-decimals if trim else decimals}g")


def percent(value, decimals: int = 1, *, trim: bool = True) -> str:
    """A percentage given from 0 to 100: « 76,7 % » / « 76.7% »."""
    if _missing(value):
        return ""
    return _("%(value)s%%") % {"value": number(value, decimals, trim=trim)}


def share(value, decimals: int = 1, *, trim: bool = True) -> str:
    """A share given from 0 to 1, as a percentage."""
    if _missing(value):
        return ""
    return percent(float(value) * 100, decimals, trim=trim)


def amount(value, unit: str = "") -> str:
    """An amount with its unit: « 40 000 € », « 16 heures par mois »; in English the
    euro sign leads (« €40,000 »)."""
    if _missing(value):
        return ""
    text = number(value, 2)
    unit = (unit or "").strip()
    if unit in EURO:
        return f"€{text}" if (get_language() or "en").startswith("en") else f"{text}\u00a0€"
    return f"{text}\u00a0{unit}" if unit else text


def p_value(value, decimals: int = 3) -> str:
    """« 0,012 », and « < 0,001 » below what three decimals show (never « 0,000 »)."""
    if _missing(value):
        return ""
    floor = 10 ** -decimals
    if float(value) < floor:
        return "<\u00a0" + number(floor, decimals, trim=False)
    return number(value, decimals, trim=False)
