"""Kinds of job, registered by each app's ``jobs.py`` with ``@job_kind(...)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cospiral.domain.jobs import ROLE_RANK


@dataclass(frozen=True)
class JobKind:
    name: str
    title: object  # a lazy translated string
    func: Callable
    min_role: str = "coordinator"


_KINDS: dict[str, JobKind] = {}


class UnknownJobKind(LookupError):
    pass


def job_kind(name: str, *, title, min_role: str = "coordinator"):
    """Register ``func(ctx, **params)`` as the kind of job ``name``. ``min_role`` is the
    lowest territory role that may see the job's page and result."""
    if min_role not in ROLE_RANK:
        raise ValueError(f"unknown role {min_role!r} for job kind {name!r}")

    def decorator(func):
        existing = _KINDS.get(name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"job kind {name!r} is registered twice")
        _KINDS[name] = JobKind(name=name, title=title, func=func, min_role=min_role)
        return func

    return decorator


def get_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(name) from None


def find_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def all_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
