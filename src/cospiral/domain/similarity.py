"""Text similarity of short criteria (French and English), for merging near-duplicate
cards and grouping the same idea across groups.

Texts are normalised (case, accents, punctuation, elisions such as ``l'``, common
function words of French and English, a final plural ``s``/``x``), then compared by
the Jaccard index of their character trigrams (robust to spelling slips on post-its)
blended with the Jaccard index of their words (robust to word order). Pairwise:
callers group cards first (per component, per group) so that ``n`` stays small.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence

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
_WORD = re.compile(r"[a-z0-9]+")
DEFAULT_THRESHOLD = 0.5


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, no function words, singular-ish words."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = []
    for word in _WORD.findall(folded.replace("’", "'")):
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


def similarity(a: str, b: str) -> float:
    """0 (nothing in common) to 1 (the same once normalised)."""
    if normalise(a) == normalise(b):
        return 1.0
    return _score(_features(a), _features(b))


def near_duplicate_groups(
    items: Sequence[tuple[Hashable, str]], threshold: float = DEFAULT_THRESHOLD
) -> list[list[Hashable]]:
    """Groups (of two or more keys) of texts that say the same thing: the connected
    components of the graph "similarity >= threshold". Groups come in the order of their
    first item, keys in input order; texts identical once normalised always group."""
    n = len(items)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    features = [_features(text) for _, text in items]
    norms = [normalise(text) for _, text in items]
    for i in range(n):
        for j in range(i + 1, n):
            if norms[i] == norms[j] or _score(features[i], features[j]) >= threshold:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[Hashable]] = {}
    for i, (key, _) in enumerate(items):
        groups.setdefault(find(i), []).append(key)
    return [keys for root, keys in sorted(groups.items()) if len(keys) > 1]
