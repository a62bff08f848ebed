"""French and English formats of numbers, shares, amounts, p-values and dates
(cospiral.core.l10n, cospiral/formats/): « 76,7 % » with a narrow no-break space,
« 40 000 € », « < 0,001 », « 1 déc. 2026 »; and the English forms on English pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from cospiral.core import l10n

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def fr():
    with translation.override("fr"):
        yield


@pytest.fixture
def en():
    with translation.override("en"):
        yield


def test_french_numbers_shares_and_amounts(fr):
    assert l10n.percent(76.66) == f"76,7{NNBSP}%"
    assert l10n.percent(76.0) == f"76{NNBSP}%"
    assert l10n.share(0.5, 0) == f"50{NNBSP}%"
    assert l10n.share(0.125, 1, trim=False) == f"12,5{NNBSP}%"
    assert l10n.percent(None) == "" and l10n.percent(float("nan")) == ""
    assert l10n.number(1234.5) == f"1{NBSP}234,5"
    assert l10n.amount(40000, "€") == f"40{NBSP}000{NBSP}€"
    assert l10n.amount("16", "heures par mois") == f"16{NBSP}heures par mois"
    assert l10n.amount(12.5, "") == "12,50"  # cents, as money is written


def test_english_numbers_shares_and_amounts(en):
    assert l10n.percent(76.66) == "76.7%"
    assert l10n.number(1234.5) == "1,234.5"
    assert l10n.amount(40000, "EUR") == "€40,000"


def test_p_values_never_read_zero(fr):
    assert l10n.p_value(0.0004) == f"<{NBSP}0,001"
    assert l10n.p_value(0.0) == f"<{NBSP}0,001"
    assert l10n.p_value(0.01234) == "0,012"
    assert l10n.p_value(None) == ""
    with translation.override("en"):
        assert l10n.p_value(0.0004) == f"<{NBSP}0.001"


def test_dates_one_style_per_language():
    day = dt.date(2026, 12, 1)
    with translation.override("fr"):
        assert formats.date_format(day) == "1 déc. 2026"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "1 déc. 2026"
    with translation.override("en"):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "1 Dec 2026"
        assert formats.date_format(dt.date(2026, 12, 20), "SHORT_DATE_FORMAT") == "20 Dec 2026"


def test_template_filters(fr):
    page = Template("{% load l10n_extras %}{{ a|percent }}|{{ b|share:0 }}|{{ c|amount:'€' }}"
                    "|{{ p|p_value }}").render(Context({"a": 76.66, "b": 0.5, "c": 40000,
                                                          "p": 0.0001}))
    assert page == f"76,7{NNBSP}%|50{NNBSP}%|40{NBSP}000{NBSP}€|&lt;{NBSP}0,001"


def _french_messages():
    import gettext
    from pathlib import Path

    import cospiral

    mo = Path(cospiral.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    with open(mo, "rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # noqa: SLF001
    return [v for k, v in catalog.items() if k]


def test_french_catalogue_follows_french_typography():
    """A no-break space before « : ; ! ? » and a narrow one before « % » in every French
    message (HTTP headers such as « Authorization: » excepted: they are code)."""
    import re

    wrong = []
    for message in _french_messages():
        text = re.sub(r"<code>.*?</code>|Authorization: Bearer|https?://\S+", "", message)
        if re.search(r"(?<=\S) [:;!?](?=\s|$)", text):
            wrong.append(("space", message))
        if re.search(r"[\w)»][:;!?](?=\s|$)", text):
            wrong.append(("no space", message))
        if re.search(r"[\d}s][ \u00a0]%(?![(sd])", text):
            wrong.append(("percent", message))
    assert not wrong, wrong[:20]
