"""Reproducible synthetic content for benchmarks (``cospiral generate``).

Pure functions on a ``random.Random``: the same seed always gives the same profiles,
sessions and card texts, on any machine and any database. The texts are assembled from
French word lists; they read like post-its but are clearly synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

PROFILES = (
    "Jeunes 15–25 ans",
    "Personnes âgées",
    "Mères au foyer",
    "Personnes en recherche d'emploi",
    "Commerçants",
    "Parents d'élèves",
    "Personnes en situation de handicap",
    "Bénéficiaires du RSA",
    "Étudiants",
    "Bénévoles associatifs",
    "Agents des services municipaux",
    "Habitants nouvellement arrivés",
)

QUESTION_CODES = ("Q1", "Q2", "Q3")
# Groups write more about well-being and ill-being than about what they do themselves.
QUESTION_WEIGHTS = (40, 35, 25)

_THINGS = (
    "un logement sain", "un travail stable", "des transports le soir", "un médecin près de chez moi",
    "des espaces verts", "une crèche", "des activités pour les enfants", "un marché le samedi",
    "des bancs dans la rue", "internet à la maison", "une salle de sport", "des commerces de proximité",
    "des cours de français", "une bibliothèque ouverte le dimanche", "un jardin partagé",
    "des voisins sympas", "du temps libre", "un salaire correct", "des trottoirs propres",
    "un éclairage dans le parc", "une aide pour les papiers", "des vacances", "une école de qualité",
    "une piscine", "des loyers abordables",
)
_PLACES = (
    "dans le quartier", "près de chez moi", "en bas de l'immeuble", "à la mairie",
    "au centre social", "pour les jeunes", "pour les anciens", "pour tout le monde", "le soir",
    "le week-end", "", "", "",
)
_PEOPLE = (
    "les voisins", "les jeunes", "les personnes âgées", "les familles", "les commerçants",
    "les enfants", "les nouveaux arrivants", "les personnes seules", "les élus", "les associations",
)
_FEELINGS = (
    "se sentir en sécurité", "être respecté", "être écouté", "être en bonne santé",
    "avoir confiance en soi", "être tranquille", "se sentir utile", "ne pas être seul",
    "être heureux en famille", "avoir des projets",
)
_PROBLEMS = (
    "le bruit", "la solitude", "les déchets", "le manque d'argent", "le chômage", "l'insécurité",
    "les démarches en ligne", "les loyers trop chers", "l'attente chez le médecin",
    "le manque de transports", "les incivilités", "l'humidité dans les logements",
    "le racisme", "l'ennui", "les dettes", "le stress",
)
_ACTIONS = (
    "aider", "écouter", "accompagner", "rendre visite à", "encourager", "informer",
    "donner des cours à", "faire les courses pour", "parler avec", "inviter",
)
_INITIATIVES = (
    "la fête de quartier", "l'association des locataires", "un repas partagé",
    "le nettoyage du parc", "le conseil citoyen", "un atelier cuisine", "une bourse aux vêtements",
    "un tournoi de foot", "une sortie collective", "le club de lecture",
)


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def card_text(rng: random.Random, question: str) -> str:
    """One synthetic post-it answering ``question`` (``Q1``, ``Q2`` or ``Q3``)."""
    form = rng.randrange(3)
    if question == "Q1":
        if form == 0:
            return _join("Avoir", rng.choice(_THINGS), rng.choice(_PLACES))
        if form == 1:
            return rng.choice(_FEELINGS).capitalize()
        return _join("Que", rng.choice(_PEOPLE), "aient", rng.choice(_THINGS), rng.choice(_PLACES))
    if question == "Q2":
        if form == 0:
            return _join(rng.choice(_PROBLEMS).capitalize(), rng.choice(_PLACES))
        if form == 1:
            return _join("Ne pas avoir", rng.choice(_THINGS), rng.choice(_PLACES))
        return _join("Ne plus", rng.choice(_FEELINGS))
    if form == 0:
        return _join("Je peux", rng.choice(_ACTIONS), rng.choice(_PEOPLE))
    if form == 1:
        return _join("Participer à", rng.choice(_INITIATIVES))
    return _join("Organiser", rng.choice(_INITIATIVES), "avec", rng.choice(_PEOPLE))


def coded_count(total: int, share: float) -> int:
    """How many of ``total`` cards are coded for a share in [0, 1] (rounded half up)."""
    if not 0 <= share <= 1:
        raise ValueError("The coded share must be between 0 and 1.")
    return int(total * share + 0.5)


def profile_for(index: int) -> str:
    """The profile of the ``index``-th group of a territory (cycles through ``PROFILES``)."""
    return PROFILES[index % len(PROFILES)]


def session_date(rng: random.Random, year: int = 2026) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


@dataclass(frozen=True, slots=True)
class SyntheticCard:
    question: str  # "Q1", "Q2" or "Q3"
    text: str
    author_tag: str  # "p01".."p12"
    component: int | None  # index into the list of components, or None when not coded


def group_cards(
    rng: random.Random,
    count: int,
    *,
    attendees: int = 10,
    coded_share: float = 0.0,
    n_components: int = 0,
) -> list[SyntheticCard]:
    """``count`` cards of one group: questions drawn with ``QUESTION_WEIGHTS``, authors
    among ``attendees`` people, exactly ``coded_count(count, coded_share)`` cards coded with
    a random component index in ``range(n_components)``."""
    coded = coded_count(count, coded_share) if n_components else 0
    coded_positions = set(rng.sample(range(count), coded)) if coded else set()
    questions = rng.choices(QUESTION_CODES, weights=QUESTION_WEIGHTS, k=count)
    cards = []
    for position, question in enumerate(questions):
        cards.append(
            SyntheticCard(
                question=question,
                text=card_text(rng, question),
                author_tag=f"p{rng.randrange(1, attendees + 1):02d}",
                component=rng.randrange(n_components) if position in coded_positions else None,
            )
        )
    return cards
