"""``{% load l10n_extras %}``: ``|percent``, ``|share``, ``|number``, ``|amount:unit``,
``|p_value`` (see cospiral.core.l10n)."""

from django import template

from cospiral.core import l10n

register = template.Library()


@register.filter
def percent(value, decimals=1):
    """76.66|percent → « 76,7 % »; 76.66|percent:0 → « 77 % »."""
    return l10n.percent(value, int(decimals))


@register.filter
def share(value, decimals=1):
    """0.7666|share → « 76,7 % »."""
    return l10n.share(value, int(decimals))


@register.filter
def number(value, decimals=1):
    return l10n.number(value, int(decimals))


@register.filter
def amount(value, unit=""):
    """40000|amount:"€" → « 40 000 € »."""
    return l10n.amount(value, unit)


@register.filter
def p_value(value):
    return l10n.p_value(value)
