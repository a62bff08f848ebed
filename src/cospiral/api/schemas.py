"""The API's request and response bodies (they make the OpenAPI 3 schema)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema, Schema

MAX_ID = 2**53
#: Text a database can store (PostgreSQL refuses NUL characters).
Text = Annotated[str, Field(pattern=r"^[^\x00]*$", max_length=10_000)]
#: Codes and choice values in filters (question, component, family, status, kind…).
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Slug = Annotated[str, Field(pattern=r"^[-A-Za-z0-9_]{1,60}$")]
Token = Annotated[str, Field(pattern=r"^[-A-Za-z0-9_]{1,40}$")]


class ErrorItem(Schema):
    field: str = Field(description="Where: the parameter or body field, e.g. query.limit.")
    message: str


class Error(Schema):
    detail: str = Field(description="What went wrong, in a sentence.")
    errors: list[ErrorItem] = Field(default_factory=list)


class TerritoryOut(Schema):
    slug: str
    name: str
    kind: str
    languages: list[str]
    description: str
    grid_version: str


class GroupOut(Schema):
    id: int
    name: str
    kind: str
    profile: str
    tags: list[str]
    cycle: int | None
    source_groups: list[int]


class SessionOut(Schema):
    id: int
    group: int
    date: dt.date
    place: str
    channel: str
    attendee_count: int | None


class GridEntryOut(Schema):
    id: int
    code: str
    kind: str
    family: str | None = Field(description="Code of the family (None for a family).")
    labels: dict[str, str]
    local: bool = Field(description="A local component of this territory.")


class CriterionOut(Schema):
    id: int
    group: int
    session: int | None
    question: str
    language: str
    channel: str
    text: str
    component: str | None = Field(description="Code of the agreed component, None if not coded.")
    family: str | None
    full_code: str
    created_at: dt.datetime


class SentenceOut(Schema):
    id: int
    component: str
    language: str
    text: str
    cards: list[int]


class SynthesisOut(Schema):
    id: int
    group: int | None
    status: str
    validated_on: dt.date | None
    sentences: list[SentenceOut]


class SharedCriterionOut(Schema):
    id: int
    mixed_group: int
    component: str
    language: str
    text: str
    cards: list[int]
    nature: str = Field(description="material, immaterial, or empty when not said yet")


class LevelOut(Schema):
    level: int
    fr: str
    en: str


class IndicatorOut(Schema):
    id: int
    code: str
    version: int
    component: str
    family: str | None
    status: str
    titles: dict[str, str]
    levels: list[LevelOut]


class WaveOut(Schema):
    id: int
    title: str
    kind: str
    status: str = Field(description="draft, scheduled, open or closed.")
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    published: bool
    threshold: int
    indicators: list[str]


class FiguresOut(Schema):
    indicator: str
    family: str
    suppressed: bool = Field(description="Fewer answers than the threshold: figures hidden.")
    n: int | None
    dont_know: int | None
    not_applicable: int | None
    shares: list[float] | None = Field(description="Shares of levels 1 to 5 (valid answers).")
    median: float | None
    mean: float | None
    score: float | None
    low_share: float | None
    high_share: float | None


class ResultsOut(Schema):
    wave: int
    respondents: int | None = Field(description="None when under the threshold.")
    threshold: int
    score_formula: str
    indicators: list[FiguresOut]


class CommitmentOut(Schema):
    id: int
    party_kind: str
    organisation: str | None
    group: int | None
    person: str
    what: str
    resource: str
    due_on: dt.date | None
    signed_on: dt.date | None
    outcome: str


class ActionOut(Schema):
    id: int
    title: str
    description: str
    axis: str | None
    parent: int | None
    origin: str
    status: str
    progress: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    cards: list[int]
    commitments: list[CommitmentOut]


class CardsIn(Schema):
    group: Id = Field(description="Id of the group.")
    session: Id | None = Field(None, description="Id of the group's session.")
    question: Code = Field(description="Question code, e.g. Q1.")
    texts: list[Text] = Field(min_length=1, max_length=200,
                              description="One text per card (one idea each).")
    language: Code | None = Field(None, description="Default: the territory's first language.")
    channel: Code = Field("paper", description="paper or online.")


class CardsOut(Schema):
    ids: list[int]
    count: int


class AnswersIn(Schema):
    answers: dict[Code, int | Annotated[str, Field(pattern=r"^[^\x00]{0,40}$")] | None] = Field(
        description="Indicator code → level 1 to 5, or \"d\" (don't know), \"n\" (not "
                    "applicable); an indicator left out stays unanswered.")
    profile: dict[Code, Annotated[int, Field(ge=-1, le=1000)]] = Field(default_factory=dict,
                                    description="Profile question → choice index (optional).")
    consent: bool = False


class AnswersOut(Schema):
    wave: int
    submitted_at: dt.datetime


# --- filters of the lists (ninja's FilterSchema: each set value narrows the query) -----


class GroupFilters(FilterSchema):
    kind: Code | None = None


class SessionFilters(FilterSchema):
    group: Annotated[Id | None, FilterLookup("group_id")] = None


class GridFilters(FilterSchema):
    kind: Code | None = None
    family: Code | None = None

    def filter_family(self, value: str | None) -> Q:
        return Q(parent__code=value) | Q(code=value, kind="family") if value else Q()


class ComponentFilters(FilterSchema):
    family: Annotated[Code | None, FilterLookup("component__parent__code")] = None
    component: Annotated[Code | None, FilterLookup("component__code")] = None


class CriterionFilters(ComponentFilters):
    group: Annotated[Id | None, FilterLookup("group_id")] = None
    question: Annotated[Code | None, FilterLookup("question__code")] = None
    coded: bool | None = None

    def filter_coded(self, value: bool | None) -> Q:
        return Q() if value is None else Q(component__isnull=not value)


class SynthesisFilters(FilterSchema):
    group: Annotated[Id | None, FilterLookup("group_id")] = None
    status: Code | None = None


class SharedCriterionFilters(ComponentFilters):
    mixed_group: Annotated[Id | None, FilterLookup("mixed_group_id")] = None


class IndicatorFilters(ComponentFilters):
    status: Code | None = None


class ActionFilters(FilterSchema):
    status: Code | None = None
    axis: Annotated[Code | None, FilterLookup("axis__code")] = None
