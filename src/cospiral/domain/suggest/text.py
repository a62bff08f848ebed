"""The text of a card as the features read it: folded (lower case, no accents), its
tokens with text-message spellings spelled out, French and English Snowball stems, and
the codes' families and components."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "data" / "examples"
LANGUAGES = ("fr", "en")

_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "œ": "oe", "æ": "ae"})


def fold(text: str) -> str:
    """Lower case, without accents, with plain apostrophes: what the features read."""
    text = unicodedata.normalize("NFKD", (text or "").lower().translate(_APOSTROPHES))
    return _COMBINING.sub("", text)


def family_of(code: str) -> str:
    """The family letter of a component, local component or sub-object code (``A01``,
    ``AL01``, ``A01-11`` → ``A``)."""
    return code[:1].upper()


def component_of(code: str) -> str:
    """``A01-11`` → ``A01``; a component code stays itself."""
    return code.split("-", 1)[0]


_TOKEN = re.compile(r"\w\w+")
_RUNS = re.compile(r"(\w)\1{2,}")
# Spellings of post-its and text messages, folded, to the word they stand for (French and
# English). Only tokens of two letters or more reach this table (see ``_TOKEN``).
SPELLINGS = {
    "bcp": "beaucoup", "tjrs": "toujours", "tjs": "toujours", "ds": "dans", "pr": "pour",
    "qd": "quand", "pk": "pourquoi", "pq": "pourquoi", "ya": "il y a", "jsp": "je sais pas",
    "mm": "meme", "tt": "tout", "ts": "tous", "koi": "quoi", "ke": "que", "kan": "quand",
    "gosse": "enfant", "gosses": "enfants", "gamin": "enfant", "gamins": "enfants",
    "boulot": "travail", "taf": "travail", "bosser": "travailler", "flic": "police",
    "flics": "police", "keuf": "police", "keufs": "police", "thune": "argent", "thunes": "argent",
    "fric": "argent", "sous": "argent", "appart": "appartement", "apparts": "appartements",
    "ado": "adolescent", "ados": "adolescents", "asso": "association", "assos": "associations",
    "ordi": "ordinateur", "bouffe": "nourriture", "bouffer": "manger", "pote": "ami",
    "potes": "amis", "copain": "ami", "copains": "amis", "copine": "amie", "copines": "amies",
    "fringues": "vetements", "toubib": "medecin", "secu": "securite sociale",
    "u": "you", "ur": "your", "cuz": "because", "coz": "because", "gonna": "going to",
    "wanna": "want to", "dunno": "do not know", "mates": "friends", "mate": "friend",
    "kids": "children", "kid": "child", "telly": "television", "quid": "pounds",
    "cops": "police", "coppers": "police", "dosh": "money", "skint": "no money",
}


def _spelled(word: str) -> list[str]:
    """A folded token as one or more folded words: runs of three or more equal letters
    squeezed (« trooop » → « trop »), text-message spellings spelled out."""
    word = _RUNS.sub(r"\1", word)
    spelled = SPELLINGS.get(word)
    return spelled.split() if spelled else [word]


_stemmer_pair = None


_lead_cache: dict[str, tuple[str, ...]] = {}
_LEAD_CACHE_SIZE = 300_000


def _lead(word: str) -> tuple[str, ...]:
    """Features of the first word of a card (folded, spellings spelled out): its French
    and English stems, apart from the same stems elsewhere. A card that starts with a
    verb of action (« trier », « aider », « switching », « not ») says what someone does
    (family H), one that starts with « avoir », « un » or « les » names a need or a
    place: the first word tells the kind of card, whatever its topic words."""
    lead = _lead_cache.get(word)
    if lead is None:
        french, english = stems(word)
        lead = ("f:" + french, "g:" + english)
        if len(_lead_cache) >= _LEAD_CACHE_SIZE:
            _lead_cache.clear()
        _lead_cache[word] = lead
    return lead


def _stemmers() -> tuple[Any, Any]:
    global _stemmer_pair
    if _stemmer_pair is None:
        import snowballstemmer

        _stemmer_pair = (snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english"))
    return _stemmer_pair


def stems(word: str) -> tuple[str, str]:
    """French and English Snowball stems of one lower-case word, accent-folded
    (« logements » → « log », « loneliness » → « loneli »)."""
    french, english = _stemmers()
    return fold(french.stemWord(word)), fold(english.stemWord(word))
