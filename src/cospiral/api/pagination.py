"""The API's pages, through django-ninja's own pagination (``ninja.pagination``): the
parameters ``limit`` (1 to ``MAX_LIMIT``) and ``offset``, and every list answered as
``{"count", "limit", "offset", "items"}``. A list operation returns ``Rows``: the query of
its app's selector (already filtered by the operation's ``FilterSchema``) and how one row
is shown; only the page's rows are read and shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from cospiral.domain.api_keys import DEFAULT_LIMIT, MAX_LIMIT


@dataclass(frozen=True)
class Rows:
    """The rows of a list (a query, or a short list) and how each row is shown."""

    rows: QuerySet | Sequence[Any]
    show: Callable[[Any], dict]


class Pages(PaginationBase):
    """``limit``/``offset`` pages that also say which page they are."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                           description=f"Items per page, 1 to {MAX_LIMIT}.")
        offset: int = Field(0, ge=0, le=2_000_000_000, description="Items to skip.")

    class Output(Schema):
        count: int = Field(description="Items matching the filters, all pages together.")
        limit: int
        offset: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: Rows, pagination: Input, request, **params) -> dict:
        rows, start, stop = queryset.rows, pagination.offset, pagination.offset + pagination.limit
        count = rows.count() if isinstance(rows, QuerySet) else len(rows)
        return {"count": count, "limit": pagination.limit, "offset": pagination.offset,
                "items": [queryset.show(row) for row in rows[start:stop]]}
