"""Nothing untranslated (issue 12, point 2): the demo's pages and downloads, crawled as
each role in both demo territories, show no English interface string in French and no
French one in English.

The needles are the catalogue (see tests/crawl.py): a msgid whose French msgstr differs
must not appear on a French page, and such a msgstr not on an English page. The demo's
own content is French; on English pages, fragments that are also the demo's content are
left out (people's words are not the interface).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.test import Client
from django.utils import translation

from cospiral.demo.demo import DEMO_PASSWORD, demo_data, load_demo
from tests.crawl import Crawl, crawl, english_needles, french_needles

pytestmark = pytest.mark.django_db(transaction=False)

ROLES = ("coordination", "animation", "partenaire", "observation", None)
TERRITORIES = ("montclair-tilleuls", "montclair")
# Pages per role and language: enough to see every route once, quick enough for CI.
LIMIT = 160


def _crawl(language: str) -> Crawl:
    result = Crawl(keep_html=True)
    public: list[str] = []
    for username in ROLES:
        client = Client()
        client.cookies["django_language"] = language
        if username:
            assert client.login(username=username, password=DEMO_PASSWORD)
        starts = ["/"] + [f"/t/{slug}/" for slug in TERRITORIES]
        if username is None:
            starts += public  # the public links the members' pages show (surveys, cards, votes)
        before = len(result.visited)
        crawl(client, starts, language=language, limit=LIMIT, into=result, seen_routes=Counter())
        if username:
            public += [p for p in result.visited[before:] if p.startswith(("/s/", "/p/", "/v/"))]
    return result


@pytest.fixture(autouse=True)
def _language_kept():
    """The crawl's requests leave French active in this thread: later tests expect the
    default."""
    language = translation.get_language()
    yield
    translation.activate(language)


class _Crawls:
    """The demo's crawls, each made once for the class (most of its time is the pages'
    requests, about 500 per language)."""

    def __init__(self, content: str):
        self.content = content  # the demo's own words (French), as JSON
        self._made: dict[str, Crawl] = {}

    def __getitem__(self, language: str) -> Crawl:
        if language not in self._made:
            self._made[language] = _crawl(language)
        return self._made[language]


@pytest.fixture(scope="class")
def crawls(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for the class (``_class_transaction``, tests/conftest.py: rolled
    back after it), its crawls made on first use."""
    from tests.conftest import _class_transaction

    with _class_transaction(django_db_blocker, tmp_path_factory):
        with django_db_blocker.unblock():
            load_demo()
        yield _Crawls(json.dumps(demo_data(), ensure_ascii=False))


ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
SPACED_PERCENT = re.compile(r"\d(?: |&nbsp;|\u00a0)%")


def _french_formats(french: Crawl) -> None:
    """French pages write « 85 000 € », « 76,7 % » (narrow no-break space), « 1 déc.
    2026 », never an ISO date in the text, nor a p-value of « 0,000 »."""
    pages = french.html
    assert any("85\u00a0000\u00a0€" in html for html in pages.values()), "no amount in euros"
    assert any("\u202f%" in html for html in pages.values()), "no percentage"
    assert any(re.search(r"\b\d{1,2} (janv|fév|mars|avril|mai|juin|juil|août|sept|oct|nov|déc)"
                         r"\.? 20\d\d\b", html) for html in pages.values()), "no French date"
    spaced = [(path, html[max(0, m.start() - 60):m.end()]) for path, html in pages.items()
              for m in SPACED_PERCENT.finditer(html)]
    assert not spaced, spaced
    assert not [path for path, html in pages.items() if "0,000" in html]
    # Change histories and the audit log included (cospiral.core.audit_display).
    dated = [(where, chunk) for chunk, where in french.chunks.items()
             if where in pages and ISO_DATE.search(chunk)]
    assert not dated, dated[:8]


def _english_formats(english: Crawl, content: str) -> None:
    """English pages write « 5% », without the space French puts before the sign (people's
    own words, the demo's French content, are left as they wrote them)."""
    spaced = [(where, chunk[:160]) for chunk, where in english.chunks.items()
              if any(chunk[max(0, m.start() - 12):m.end()] not in content
                      for m in SPACED_PERCENT.finditer(chunk))]
    assert not spaced, spaced[:8]
    assert any(re.search(r"\d%", html) for html in english.html.values()), "no percentage"


def _report(found):
    return "\n".join(f"{where}: {fragment!r} in {text!r} (msgid {message!r})"
                     for fragment, message, where, text in sorted(found, key=lambda f: f[2]))


class TestTheDemoCrawled:
    """Every role's pages in both demo territories, French then English. The pages that
    answer, and the numbers and dates the database's values are written as, are checked
    on every database in French; the English crawl and the catalogue's strings, which no
    database changes, on SQLite only (``database_independent``, tests/conftest.py)."""

    def test_every_french_page_answers_and_writes_french_numbers_and_dates(self, crawls):
        french = crawls["fr"]
        assert not french.errors, french.errors
        assert len(french.visited) >= 80, french.visited  # the crawl sees the application
        assert any("excel-fr" in d for d in french.downloads), french.downloads
        assert any(".xlsx" in d for d in french.downloads), french.downloads
        _french_formats(french)

    @pytest.mark.database_independent
    def test_every_english_page_answers_and_writes_english_percentages(self, crawls):
        english = crawls["en"]
        assert not english.errors, english.errors
        _english_formats(english, crawls.content)

    @pytest.mark.database_independent
    def test_no_interface_string_in_the_wrong_language(self, crawls):
        french, english = crawls["fr"], crawls["en"]
        in_french = french_needles().find(french.chunks)
        in_english = english_needles(content=crawls.content).find(english.chunks)
        assert not in_french and not in_english, (
            f"{len(in_french)} English strings on French pages:\n{_report(in_french)}\n"
            f"{len(in_english)} French strings on English pages:\n{_report(in_english)}")


@pytest.mark.database_independent
def test_the_needles_catch_an_untranslated_string():
    """The check can fail: an English msgid among French text is found, a French word
    that merely contains it is not."""
    needles = french_needles()
    assert needles.find({"Aucune carte. Sign out": "/x/"})
    assert not needles.find({"Se déconnecter": "/x/"})
    english = english_needles()
    assert english.find({"Hello. Se déconnecter": "/y/"})
