"""Every message the grid-code rules raise (cospiral.domain.codes and .grid, in English,
without Django) is listed for the catalogue and translated into French: the services
show ``gettext(exc.message)``, which would otherwise stay English on a French page."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import cospiral
from cospiral.grid.code_messages import MESSAGES

PACKAGE = Path(cospiral.__file__).parent


def _raised() -> set[str]:
    found = set()
    for name in ("codes.py", "grid.py"):
        tree = ast.parse((PACKAGE / "domain" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "CodeError" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_code_error_is_listed_and_translated():
    raised = _raised()
    assert len(raised) >= 10
    assert raised <= set(MESSAGES), raised - set(MESSAGES)
    with open(PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.mo", "rb") as f:
        french = gettext.GNUTranslations(f)
    for message in raised:
        assert french.gettext(message) != message, message


def test_a_code_error_reaches_a_french_page_in_french():
    from django.utils import translation
    from django.utils.translation import gettext as _

    from cospiral.domain.codes import CodeError, parse_full_code

    try:
        parse_full_code("   ")
    except CodeError as exc:
        with translation.override("fr"):
            assert _(exc.message) % exc.params == "Le code est vide."
    else:
        raise AssertionError("an empty code was accepted")
