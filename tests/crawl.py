"""Crawl the pages a person can reach, and find interface strings of the wrong language.

The crawl starts at the site's home and at each territory's home, follows same-site links
(GET only, never the sign-out, the language switch, the admin or the API), and visits at
most a few pages per route (``/t/<slug>/cards/<pk>/`` is one route whatever the card), so
that every kind of page is seen in a few seconds per role. Downloads (CSV, XLSX) are read
as text too: their headers and labels are interface strings.

The needles are the catalogue itself: a French page must show no msgid whose French
msgstr differs (the English was left untranslated), an English page no French msgstr.
Each message is cut at its placeholders and tags into fragments, and only fragments long
enough to be unambiguous count (two words or more, or 12 characters), minus those that
are also text of the other language (a French msgstr that quotes an English name).
"""

from __future__ import annotations

import csv
import gettext
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import cospiral

LOCALE = Path(cospiral.__file__).parent / "locale"
SKIP_PREFIXES = ("/accounts/logout", "/i18n/", "/admin/", "/api/", "/static/", "/media/",
                 "/setup/", "/health/")
# Attributes a person reads or hears (screen readers read aria-label, alt, title).
SPOKEN_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder", "aria-description")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr]|\{[^{}]*\}|<[^>]*>|\s*[\u2026]\s*|\.\.\.")
# PDFs are built by jobs (seconds each): the PDF tests read them (tests/pdfs.py).
PDF = re.compile(r"pdf(/|$|\?)|\.pdf")
# A cell such as ``demonstrative`` or ``bootstrap_seed`` in a codebook is a column code.
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
WORD = re.compile(r"\w+")


class _Text(HTMLParser):
    """The text of a page, node by node, with the attributes people read or hear, and its
    links. Scripts and styles are not text; nor is ``<code>`` (codes, field names and
    formulas are identifiers, the same in every language), nor what is marked as written
    in another language (``lang="en"`` on a French page: the grid's English names shown
    beneath the French ones, an example's levels « In English »)."""

    SKIPPED = ("script", "style", "template", "code")

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._foreign: list[str] = []  # open tags, from the first one in another language

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in self.SKIPPED:
            self._skip += 1
        lang = (values.get("lang") or "").split("-")[0]
        if self._foreign or (lang and lang != self.language and tag != "html"):
            if tag not in VOID:
                self._foreign.append(tag)
            return
        for name in SPOKEN_ATTRIBUTES:
            if values.get(name):
                self.chunks.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.chunks.append(values["value"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self._skip:
            self._skip -= 1
        if self._foreign and tag in self._foreign:
            while self._foreign and self._foreign.pop() != tag:
                pass

    def handle_data(self, data):
        if not self._skip and not self._foreign and data.strip():
            self.chunks.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def normalise(text: str) -> str:
    """One space for any run of spaces, no-break spaces included: typography is checked
    elsewhere, here only the words count."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def page_text(html: str, language: str) -> tuple[list[str], list[str]]:
    parser = _Text(language)
    parser.feed(html)
    return [normalise(c) for c in parser.chunks], parser.links


def _cells(rows: Iterable[Sequence], *, codes_first: bool, language: str) -> list[str]:
    """The text cells of a table, without its header row of codes (``codes_first``), its
    columns in another language (``label_en`` in a French codebook) and cells that are
    codes (``bootstrap_seed``)."""
    rows = iter(rows)
    header = next(rows, None) or []
    foreign = {i for i, h in enumerate(header) if isinstance(h, str)
               and (m := LANGUAGE_COLUMN.search(h)) and COLUMN_LANGUAGES[m.group(1)] != language}
    cells = [] if codes_first else list(header)
    for row in rows:
        cells += [v for i, v in enumerate(row) if i not in foreign]
    return [normalise(c) for c in cells if isinstance(c, str) and c.strip() and not CODE.match(c)]


# A column of labels in one language: ``label_en`` / « Libellé (anglais) ».
LANGUAGE_COLUMN = re.compile(r"(?:_|\()(en|fr|anglais|français|English|French)\)?$")
COLUMN_LANGUAGES = {"en": "en", "anglais": "en", "English": "en",
                    "fr": "fr", "français": "fr", "French": "fr"}


def download_text(response, language: str) -> list[str]:
    """The cells of a CSV or XLSX download. The header row of the standard CSV and of
    XLSX holds stable column codes, by design (cospiral.core.exports), not words: it is
    left out; « Excel (français) » has words in its header, which count."""
    kind = response.get("Content-Type", "")
    codes_first = "excel-fr" not in response.get("Content-Disposition", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        cells = list(book.sheetnames)
        for sheet in book.worksheets:
            cells += _cells(sheet.iter_rows(values_only=True), codes_first=codes_first,
                            language=language)
        return [c for c in cells if not CODE.match(c)]
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = body.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    return _cells(csv.reader(io.StringIO(text), delimiter=delimiter), codes_first=codes_first,
                  language=language)


def catalogue(language: str) -> dict[str, str]:
    """msgid → msgstr of a compiled catalogue (plural forms: the singular and the plural
    msgid each with their forms; context stripped)."""
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as f:
        translations = gettext.GNUTranslations(f)
    pairs: dict[str, str] = {}
    plurals: dict[str, list[str]] = defaultdict(list)
    for key, value in translations._catalog.items():  # noqa: SLF001 (no public accessor)
        if isinstance(key, tuple):
            plurals[key[0]].append(value)
            continue
        if not key:
            continue  # the header
        pairs[key.split("\x04", 1)[-1]] = value
    for msgid, forms in plurals.items():
        pairs.setdefault(msgid.split("\x04", 1)[-1], " ".join(forms))
    return pairs


def fragments(message: str) -> list[str]:
    """The literal parts of a message, cut at placeholders and tags."""
    return [normalise(part).strip(" :;,.!?()«»“”\"'–-·/") for part in PLACEHOLDER.split(message)]


def unambiguous(fragment: str) -> bool:
    words = WORD.findall(fragment)
    return bool(words) and (len(words) >= 2 or len(fragment) >= 12) and not fragment.isdigit()


@dataclass
class Needles:
    """Fragments of the wrong language, each with the message it comes from."""

    source: dict[str, str]

    @classmethod
    def build(cls, wrong: Iterable[str], right: Iterable[str], content: str = "") -> Needles:
        """``wrong``: messages that must not show; ``right``: the text of the page's own
        language (a wrong fragment that is also right text, or the demo's own content,
        cannot be told apart and is left out)."""
        right_text = "\n".join(normalise(m) for m in right) + "\n" + normalise(content)
        source: dict[str, str] = {}
        for message in wrong:
            for fragment in fragments(message):
                if unambiguous(fragment) and fragment not in right_text:
                    source.setdefault(fragment, message)
        return cls(source)

    def find(self, chunks: dict[str, str]) -> list[tuple[str, str, str, str]]:
        """(fragment, message, where, the text around it) for each fragment found as whole words in a chunk."""
        text = "\n".join(chunks)
        found = []
        for fragment, message in self.source.items():
            start = text.find(fragment)
            while start >= 0:
                end = start + len(fragment)
                before = text[start - 1] if start else " "
                after = text[end] if end < len(text) else " "
                if not before.isalnum() and not after.isalnum():
                    line_start = text.rfind("\n", 0, start) + 1
                    line_end = text.find("\n", end)
                    chunk = text[line_start:line_end if line_end >= 0 else None]
                    found.append((fragment, message, chunks[chunk], chunk[:160]))
                    break
                start = text.find(fragment, start + 1)
        return found


def french_needles(content: str = "") -> Needles:
    """English interface strings: msgids whose French msgstr says something else."""
    fr = catalogue("fr")
    english = [msgid for msgid, msgstr in fr.items() if normalise(msgstr) != normalise(msgid)]
    return Needles.build(english, fr.values(), content)


def english_needles(content: str = "") -> Needles:
    """French interface strings: the French msgstrs, which an English page never shows."""
    fr = catalogue("fr")
    french = [msgstr for msgid, msgstr in fr.items() if normalise(msgstr) != normalise(msgid)]
    return Needles.build(french, fr.keys(), content)


@dataclass
class Crawl:
    """What a crawl saw: text chunk → first place seen, the pages visited, the errors."""

    chunks: dict[str, str] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    errors: list[tuple[str, int]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # the HTML pages that answered 200
    html: dict[str, str] = field(default_factory=dict)  # their HTML, when asked to keep it
    keep_html: bool = False

    def add(self, chunks: Iterable[str], where: str) -> None:
        for chunk in chunks:
            if chunk:
                self.chunks.setdefault(chunk, where)


def route_of(path: str) -> str:
    """The route a path belongs to (its URL pattern), plus its query's keys."""
    from django.urls import Resolver404, resolve

    split = urlsplit(path)
    try:
        match = resolve(split.path)
    except Resolver404:
        route = split.path
    else:
        # A territory, a format or a kind of export is a page of its own; a number or a
        # token (one card among 300, one link among 150) is not.
        named = sorted(f"{k}={v}" for k, v in match.kwargs.items()
                       if isinstance(v, str) and not v.isdigit() and len(v) < 24)
        route = match.route + "|" + ",".join(named)
    keys = sorted({pair.split("=", 1)[0] for pair in split.query.split("&") if pair})
    return route + ("?" + "&".join(keys) if keys else "")


def crawl(client, starts: Iterable[str], *, language: str, per_route: int = 1, limit: int = 150,
          into: Crawl | None = None, seen_routes: Counter | None = None) -> Crawl:
    """Breadth-first from ``starts``, same site, GET only; at most ``per_route`` pages of
    each route and ``limit`` pages in all."""
    result = into or Crawl()
    routes = seen_routes if seen_routes is not None else Counter()
    queue = list(starts)
    queued = set(queue)
    first = len(result.visited)
    while queue and len(result.visited) - first < limit:
        path = queue.pop(0)
        route = route_of(path)
        if routes[route] >= per_route:
            continue
        routes[route] += 1
        response = client.get(path)
        result.visited.append(path)
        if response.status_code in (301, 302, 303):
            location = response["Location"]
            if location.startswith("/") and location not in queued:
                queued.add(location)
                queue.insert(0, location)
            continue
        if response.status_code >= 500 or response.status_code == 400:
            result.errors.append((path, response.status_code))
        kind = response.get("Content-Type", "")
        if "text/csv" in kind or "spreadsheetml" in kind:
            result.downloads.append(path)
            if language != "fr" and "excel-fr" in response.get("Content-Disposition", ""):
                continue  # « Excel (français) » is French by design, whatever the page
            result.add(download_text(response, language), path)
            continue
        if "text/html" not in kind:
            continue
        if response.status_code == 200:
            result.pages.append(path)
        if result.keep_html:
            result.html[path] = response.content.decode()
        chunks, links = page_text(response.content.decode(), language)
        result.add(chunks, path)
        for link in links:
            link = urldefrag(link).url
            if not link.startswith("/") or link.startswith("//"):
                continue
            if link.startswith(SKIP_PREFIXES) or link in queued or PDF.search(link):
                continue
            queued.add(link)
            queue.append(link)
    return result
