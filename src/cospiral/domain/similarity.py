"""Text similarity of short criteria (French and English), for merging near-duplicate
cards and grouping the same idea across groups.

Two measures, the higher one counts:

- *spelling*: texts are normalised (case, accents, punctuation, elisions such as ``l'``,
  common function words, a final plural ``s``/``x``), then compared by the Jaccard index
  of their character trigrams (robust to spelling slips on post-its) blended with the
  Jaccard index of their words (robust to word order);
- *meaning*: each text becomes a weighted set of concepts and stems. Words and phrases of
  the shipped concept lexicon (``cospiral/data/lexicon/concepts.csv``, French and English,
  written from the grid's components: « solitude », « isolement », « seul », « lonely »
  are all ``loneliness``) become their concept; other content words their Snowball stem.
  Concepts of *who* or *where* (« jeunes », « quartier », « le soir ») weigh less than
  what is said about them. Sets are compared by the mean of their weighted Jaccard index
  and overlap coefficient, so « L'isolement » matches « La solitude des personnes âgées ».

:func:`pair` adds what the coding knows: cards on the same component are nudged
together, cards of unrelated families apart (see ``NEIGHBOURS``), and says why two cards
were put together (:class:`Pair`). Pairwise: callers group cards first (per component,
per group) so that ``n`` stays small. A person always decides.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

STOPWORDS = frozenset(
    """
    a au aux avec ce ces cet cette d de des du elle en et eux il ils je la le les leur
    leurs lui ma mais me mes moi mon ne nos notre nous on ou par pas pour qu que qui sa
    se ses son sur ta te tes toi ton tu un une vos votre vous y etre avoir est sont
    plus tres bien c l j m n s t
    the an and or of to in on for with at by from is are be it its this that these
    those my our your their we you they i me us them as not no very
    """.split()
)
# Words that carry no idea of their own when two cards are compared for meaning
# (« se sentir seul » and « l'isolement » say the same thing).
LIGHT_WORDS = STOPWORDS | frozenset(
    """
    sentir sens sent senti sentie fait faire fais font avoir ai as a ont etre suis es
    sommes etes sont trop assez manque peu beaucoup tout tous toute toutes rien jamais
    toujours vraiment quand comme ca cela ici la y dont ou quoi chez cause parce
    feel feeling feels felt have has having had being been get getting got do doing
    does did too enough lack lot lots much many all any never always really when like
    there here what which who because can cant don doesn didn won isn aren just so some
    """.split()
)
# Bump when a change of this module or of the lexicon changes which cards pair up
# (callers keep results under it).
VERSION = 2
_WORD = re.compile(r"[a-z0-9]+")
DEFAULT_THRESHOLD = 0.5
LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "concepts.csv"

# Weights of the parts of a text's meaning.
TOPIC_WEIGHT = 1.0
CONTEXT_WEIGHT = 0.35
STEM_WEIGHT = 0.8
# What the coding adds to the text score: same component, related components (same
# family or listed below), unrelated families.
SAME_COMPONENT_BONUS = 0.1
OTHER_FAMILY_PENALTY = 0.2
SAME_IDEA_THRESHOLD = 0.45
# Components of different families that often hold the same idea (the grid's own
# "goes to" notes, and feelings next to the facts they are about).
NEIGHBOURS = frozenset(frozenset(p) for p in [
    ("A02", "F01"), ("E02", "H03"), ("G03", "E05"), ("G04", "D00"), ("G04", "E04"),
    ("F02", "G02"), ("A00", "A09"), ("D04", "H03"), ("F04", "G05"), ("B00", "G04"),
    ("E06", "H01"), ("B01", "H04"), ("C04", "H02"), ("C03", "H02"), ("D06", "H06"),
    ("F04", "E03"), ("G06", "F06"), ("B04", "A07"), ("A06", "C05"), ("A06", "F04"),
])


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", (text or "").casefold().replace("’", "'"))
    return "".join(c for c in folded if not unicodedata.combining(c)).replace("œ", "oe").replace("æ", "ae")


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, no function words, singular-ish words."""
    words = []
    for word in _WORD.findall(_fold(text)):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def _features(text: str) -> tuple[frozenset[str], frozenset[str]]:
    norm = normalise(text)
    padded = f" {norm} "
    trigrams = frozenset(padded[i:i + 3] for i in range(len(padded) - 2))
    return trigrams, frozenset(norm.split())


def _jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _score(fa, fb) -> float:
    return 0.6 * _jaccard(fa[0], fb[0]) + 0.4 * _jaccard(fa[1], fb[1])


# --- meaning: concepts and stems ------------------------------------------------------


@lru_cache(maxsize=200_000)
def _keys(word: str) -> tuple[str, str, str, str]:
    """The look-up keys of one folded word: itself, itself without a final plural
    ``s``/``x``, its French stem, its English stem, each in its own namespace so that a
    French stem never meets an English one (« care » and « car »)."""
    from cospiral.domain.suggest import stems

    french, english = stems(word)
    singular = word[:-1] if len(word) > 3 and word[-1] in "sx" else word
    return "w:" + word, "w:" + singular, "f:" + french, "e:" + english


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, frozenset[str]]  # key → concepts
    # key of a phrase's first word → (phrase, concepts), longest phrases first
    phrases: dict[str, tuple[tuple[tuple[str, ...], frozenset[str]], ...]]
    kinds: dict[str, str]


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What decides which cards pair up: this module's ``VERSION`` and the lexicon's
    content (a key for results kept by callers)."""
    import hashlib

    return f"{VERSION}:{hashlib.sha256(LEXICON.read_bytes()).hexdigest()[:16]}"


@lru_cache(maxsize=4)
def _lexicon(path: Path = LEXICON) -> _Lexicon:
    words: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    kinds: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            concept = row["concept"].strip()
            kinds[concept] = row["kind"].strip()
            for term in row["terms"].split("|"):
                tokens = tuple(_WORD.findall(_fold(term)))
                if not tokens:
                    continue
                if len(tokens) == 1:
                    for key in _keys(tokens[0]):
                        words.setdefault(key, set()).add(concept)
                else:
                    phrases.setdefault(tokens, set()).add(concept)
    ordered = sorted(((p, frozenset(c)) for p, c in phrases.items()), key=lambda pc: -len(pc[0]))
    by_first: dict[str, list] = {}
    for phrase, concepts in ordered:
        for key in set(_keys(phrase[0])):
            by_first.setdefault(key, []).append((phrase, concepts))
    return _Lexicon(words={k: frozenset(v) for k, v in words.items()},
                    phrases={k: tuple(v) for k, v in by_first.items()}, kinds=kinds)


def _same_word(a: str, b: str) -> bool:
    return a == b or bool(set(_keys(a)) & set(_keys(b)))


def _phrases_at(lexicon: _Lexicon, token: str):
    seen = []
    for key in dict.fromkeys(_keys(token)):
        for candidate in lexicon.phrases.get(key, ()):
            if candidate not in seen:
                seen.append(candidate)
    return sorted(seen, key=lambda pc: -len(pc[0]))


@dataclass(frozen=True)
class Meaning:
    """A text as weighted concepts and stems, with the words each one came from."""

    weights: dict[str, float]
    words: dict[str, str]  # feature → the text's word or phrase for it

    @property
    def total(self) -> float:
        return sum(self.weights.values())


@lru_cache(maxsize=100_000)
def meaning(text: str) -> Meaning:
    """Concepts (``c:loneliness``) and stems (``s:logement``) of a text."""
    from cospiral.domain.suggest import SPELLINGS

    lexicon = _lexicon()
    tokens = []
    for token in _WORD.findall(_fold(text)):
        tokens.extend(SPELLINGS.get(token, token).split())
    weights: dict[str, float] = {}
    words: dict[str, str] = {}

    def add(feature: str, weight: float, word: str) -> None:
        if weight > weights.get(feature, 0):
            weights[feature] = weight
        words.setdefault(feature, word)

    i = 0
    while i < len(tokens):
        for phrase, concepts in _phrases_at(lexicon, tokens[i]):
            n = len(phrase)
            if i + n <= len(tokens) and all(_same_word(t, p) for t, p in zip(tokens[i:i + n], phrase,
                                                                             strict=True)):
                surface = " ".join(tokens[i:i + n])
                for concept in concepts:
                    add("c:" + concept, _concept_weight(lexicon, concept), surface)
                i += n
                break
        else:
            token = tokens[i]
            i += 1
            if token in LIGHT_WORDS or len(token) < 2:
                continue
            concepts = next((lexicon.words[k] for k in _keys(token) if k in lexicon.words), None)
            if concepts:
                for concept in concepts:
                    add("c:" + concept, _concept_weight(lexicon, concept), token)
            else:
                add("s:" + _keys(token)[2], STEM_WEIGHT, token)
    return Meaning(weights=weights, words=words)


def _concept_weight(lexicon: _Lexicon, concept: str) -> float:
    return CONTEXT_WEIGHT if lexicon.kinds.get(concept) == "context" else TOPIC_WEIGHT


def _meaning_score(ma: Meaning, mb: Meaning) -> tuple[float, list[str]]:
    if not ma.weights or not mb.weights:
        return 0.0, []
    shared = [f for f in ma.weights if f in mb.weights]
    both = sum(min(ma.weights[f], mb.weights[f]) for f in shared)
    if not both:
        return 0.0, []
    union = ma.total + mb.total - both
    score = 0.5 * both / union + 0.5 * both / min(ma.total, mb.total)
    shared.sort(key=lambda f: (-min(ma.weights[f], mb.weights[f]), f))
    return score, shared


def meaning_similarity(a: str, b: str) -> tuple[float, list[tuple[str, str]]]:
    """0..1 similarity of meaning, and the (word in a, word in b) pairs that match,
    heaviest first."""
    ma, mb = meaning(a), meaning(b)
    score, shared = _meaning_score(ma, mb)
    return score, [(ma.words[f], mb.words[f]) for f in shared]


def similarity(a: str, b: str) -> float:
    """0 (nothing in common) to 1 (the same once normalised): the higher of the spelling
    and the meaning similarity."""
    if normalise(a) == normalise(b):
        return 1.0
    return max(_score(_features(a), _features(b)), meaning_similarity(a, b)[0])


# --- pairs of coded cards -------------------------------------------------------------


def relation(code_a: str | None, code_b: str | None) -> str | None:
    """``"same"`` component, ``"neighbour"`` (same family or a listed neighbour),
    ``"other"`` family, or None when a card is not coded."""
    if not code_a or not code_b:
        return None
    a, b = code_a.split("-", 1)[0].upper(), code_b.split("-", 1)[0].upper()
    if a == b:
        return "same"
    if a[:1] == b[:1] or frozenset((a, b)) in NEIGHBOURS:
        return "neighbour"
    return "other"


@dataclass(frozen=True)
class Pair:
    """How close two cards are, and why."""

    score: float
    relation: str | None             # see :func:`relation`
    words: tuple[tuple[str, str], ...] = ()  # matching words or phrases, a then b
    spelling: bool = False           # near-identical spelling rather than meaning

    def same_idea(self, threshold: float = SAME_IDEA_THRESHOLD) -> bool:
        return self.score >= threshold


@dataclass(frozen=True)
class _Card:
    norm: str
    spelling: tuple
    meaning: Meaning
    code: str | None


def _card(text: str, code: str | None) -> _Card:
    return _Card(norm=normalise(text), spelling=_features(text), meaning=meaning(text), code=code)


def _pair(a: _Card, b: _Card) -> Pair:
    rel = relation(a.code, b.code)
    if a.norm == b.norm:
        return Pair(score=1.0, relation=rel, spelling=True)
    spelling = _score(a.spelling, b.spelling)
    sense, shared = _meaning_score(a.meaning, b.meaning)
    score = max(spelling, sense)
    if rel == "same":
        score += SAME_COMPONENT_BONUS
    elif rel == "other":
        score -= OTHER_FAMILY_PENALTY
    words = tuple((a.meaning.words[f], b.meaning.words[f]) for f in shared[:3])
    return Pair(score=max(0.0, min(1.0, score)), relation=rel, words=words,
                spelling=spelling >= sense)


def pair(a: str, b: str, code_a: str | None = None, code_b: str | None = None) -> Pair:
    """Score two cards for "the same idea": the text similarity (spelling or meaning),
    plus ``SAME_COMPONENT_BONUS`` on the same component, minus ``OTHER_FAMILY_PENALTY``
    across unrelated families; clipped to 0..1."""
    return _pair(_card(a, code_a), _card(b, code_b))


@dataclass
class IdeaGroup:
    """Keys of cards that say the same thing, and the pairs that put them together
    (``(key a, key b, Pair)``, strongest first)."""

    keys: list[Hashable]
    links: list[tuple[Hashable, Hashable, Pair]] = field(default_factory=list)

    def words(self, limit: int = 3) -> list[tuple[str, str]]:
        """The matching words of the group's links, without repeats."""
        seen: list[tuple[str, str]] = []
        for _, _, link in self.links:
            for a, b in link.words:
                if (a, b) not in seen and (b, a) not in seen:
                    seen.append((a, b))
        return seen[:limit]


def _groups(n: int, linked) -> dict[int, list[int]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in linked:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return groups


# At most this many links (the strongest) are kept per group to say why it was formed.
LINKS_KEPT = 12
# Scores this close to the threshold are recomputed one pair at a time (:func:`_pair`),
# so rounding in the matrix sums never moves a pair across it.
_EXACT_MARGIN = 1e-9


def _incidence(sets: Sequence[Iterable[str]], weights=None):
    """A sparse (texts × features) matrix: 1 (or the feature's weight) where a text has it."""
    import numpy as np
    from scipy.sparse import csr_matrix

    index: dict[str, int] = {}
    rows, cols, data = [], [], []
    for row, features in enumerate(sets):
        for feature in features:
            rows.append(row)
            cols.append(index.setdefault(feature, len(index)))
            data.append(1.0 if weights is None else weights[row][feature])
    return csr_matrix((np.asarray(data, dtype=float), (rows, cols)),
                      shape=(len(sets), max(1, len(index))))


def _jaccard_matrix(sets: Sequence[frozenset]):
    """Jaccard index of every pair of sets (1 for two empty sets), as :func:`_jaccard`."""
    import numpy as np

    m = _incidence(sets)
    shared = (m @ m.T).toarray()
    sizes = np.asarray([len(s) for s in sets], dtype=float)
    union = sizes[:, None] + sizes[None, :] - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, shared / np.where(union > 0, union, 1), 1.0)


def _score_matrix(cards: Sequence[_Card]):
    """:func:`_pair`'s score of every pair of cards at once (sparse products over the
    trigrams, words and weighted meaning features: a feature weighs the same in every
    text, so the weighted overlap is a product)."""
    import numpy as np

    n = len(cards)
    spelling = 0.6 * _jaccard_matrix([c.spelling[0] for c in cards]) \
        + 0.4 * _jaccard_matrix([c.spelling[1] for c in cards])
    m = _incidence([list(c.meaning.weights) for c in cards], [c.meaning.weights for c in cards])
    binary = m.copy()
    binary.data[:] = 1.0
    both = (m @ binary.T).toarray()
    totals = np.asarray([c.meaning.total for c in cards], dtype=float)
    union = totals[:, None] + totals[None, :] - both
    smaller = np.minimum(totals[:, None], totals[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        sense = np.where(both > 0, 0.5 * both / np.where(union > 0, union, 1)
                         + 0.5 * both / np.where(smaller > 0, smaller, 1), 0.0)
    score = np.maximum(spelling, sense)
    # What the coding knows, per pair of distinct codes.
    codes = sorted({c.code for c in cards if c.code})
    if codes:
        at = {code: i for i, code in enumerate(codes)}
        shift = np.zeros((len(codes) + 1, len(codes) + 1))
        bonus = {"same": SAME_COMPONENT_BONUS, "other": -OTHER_FAMILY_PENALTY}
        for i, a in enumerate(codes):
            for j, b in enumerate(codes):
                kind = relation(a, b)
                shift[i, j] = bonus.get(kind, 0.0) if kind is not None else 0.0
        where = np.asarray([at[c.code] if c.code else len(codes) for c in cards])
        score = score + shift[where[:, None], where[None, :]]
    score = np.clip(score, 0.0, 1.0)
    norms: dict[str, list[int]] = {}
    for i, c in enumerate(cards):
        norms.setdefault(c.norm, []).append(i)
    for same in norms.values():
        if len(same) > 1:
            score[np.ix_(same, same)] = 1.0
    score[np.arange(n), np.arange(n)] = 0.0
    return score


def same_idea_groups(items: Sequence[tuple[Hashable, str, str | None]],
                     threshold: float = SAME_IDEA_THRESHOLD) -> list[IdeaGroup]:
    """Groups (of two or more keys) of cards ``(key, text, component code or None)`` that
    say the same idea: the connected components of "``pair(...).score >= threshold``".
    Groups come in the order of their first item, keys in input order; each group keeps
    its ``LINKS_KEPT`` strongest links. Every pair is scored at once (sparse matrix
    products), the same figures as :func:`pair`."""
    import numpy as np

    n = len(items)
    if n < 2:
        return []
    cards = [_card(text, code) for _, text, code in items]
    score = np.triu(_score_matrix(cards), k=1)
    near = np.argwhere(np.abs(score - threshold) < _EXACT_MARGIN)
    for i, j in near:
        if i < j:
            score[i, j] = _pair(cards[i], cards[j]).score
    linked = np.argwhere(score >= threshold)
    if not len(linked):
        return []
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(linked)), (linked[:, 0], linked[:, 1])), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    strength = score[linked[:, 0], linked[:, 1]]
    order = np.argsort(-strength, kind="stable")
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        members.setdefault(label, []).append(i)
    link_label = labels[linked[order, 0]]
    result = []
    for label, keys in sorted(members.items(), key=lambda lm: lm[1][0]):
        if len(keys) < 2:
            continue
        strongest = linked[order[link_label == label][:LINKS_KEPT]].tolist()
        links = [(items[i][0], items[j][0], _pair(cards[i], cards[j])) for i, j in strongest]
        result.append(IdeaGroup(keys=[items[i][0] for i in keys], links=links))
    return result


def near_duplicate_groups(
    items: Sequence[tuple[Hashable, str]], threshold: float = DEFAULT_THRESHOLD
) -> list[list[Hashable]]:
    """Groups (of two or more keys) of texts that are spelled nearly the same: the
    connected components of the graph "spelling similarity >= threshold". Groups come in
    the order of their first item, keys in input order; texts identical once normalised
    always group."""
    features = [_features(text) for _, text in items]
    norms = [normalise(text) for _, text in items]
    n = len(items)
    linked = [(i, j) for i in range(n) for j in range(i + 1, n)
              if norms[i] == norms[j] or _score(features[i], features[j]) >= threshold]
    groups = _groups(n, linked)
    return [[items[i][0] for i in members] for _root, members in sorted(groups.items())
            if len(members) > 1]


# --- evaluation on labelled pairs -----------------------------------------------------


def evaluate_pairs(rows: Sequence[tuple[str, str | None, str, str | None, bool]],
                   threshold: float = SAME_IDEA_THRESHOLD, *, use_codes: bool = True) -> dict:
    """Precision, recall and F1 of :func:`pair` on labelled pairs ``(text a, code a,
    text b, code b, same idea?)``."""
    tp = fp = fn = tn = 0
    for text_a, code_a, text_b, code_b, same in rows:
        p = pair(text_a, text_b, code_a if use_codes else None, code_b if use_codes else None)
        said = p.score >= threshold
        tp += said and same
        fp += said and not same
        fn += (not said) and same
        tn += (not said) and not same
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(rows), "true_positives": tp, "false_positives": fp,
            "false_negatives": fn, "true_negatives": tn, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}
