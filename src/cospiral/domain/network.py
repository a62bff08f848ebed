"""Rules of a network of territories and its charter (no Django): the status of a
territory's signature, the checks of a signature's dates, the choice of territories to
compare and whether they can be compared (same grid version only: codes are the join
key, so territories on different grid versions are refused, naming the versions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: A review is "due" from this many days before its date.
REVIEW_DUE_DAYS = 60

SIGNED = "signed"
REVIEW_DUE = "review_due"
REVIEW_OVERDUE = "review_overdue"
OLDER_VERSION = "older_version"
NOT_SIGNED = "not_signed"
STATUSES = (SIGNED, REVIEW_DUE, REVIEW_OVERDUE, OLDER_VERSION, NOT_SIGNED)

MIN_COMPARED = 2
MAX_COMPARED = 8


def signature_status(*, signed_version: int, current_version: int | None, review_on: dt.date,
                     today: dt.date, due_days: int = REVIEW_DUE_DAYS) -> str:
    """The status of a territory's latest signature: it signed an older version than the
    network's current charter; else its review is overdue (the review date has passed),
    due (within ``due_days``), or it is simply signed."""
    if current_version is not None and signed_version < current_version:
        return OLDER_VERSION
    if review_on < today:
        return REVIEW_OVERDUE
    if (review_on - today).days <= due_days:
        return REVIEW_DUE
    return SIGNED


class NetworkRuleError(ValueError):
    """A broken rule: ``code`` names it, ``field`` the form field, ``params`` the values
    the message quotes."""

    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


def check_signature_dates(*, signed_on: dt.date, review_on: dt.date, today: dt.date,
                          published_on: dt.date) -> None:
    """A signature is dated today or earlier, not before the version was published, and
    its review comes after the signature."""
    if signed_on > today:
        raise NetworkRuleError("signed_in_future", "signed_on", date=signed_on.isoformat())
    if signed_on < published_on:
        raise NetworkRuleError("signed_before_published", "signed_on", date=signed_on.isoformat(),
                               published=published_on.isoformat())
    if review_on <= signed_on:
        raise NetworkRuleError("review_not_after_signature", "review_on",
                               date=review_on.isoformat(), signed=signed_on.isoformat())


def check_charter_date(*, published_on: dt.date, today: dt.date,
                       previous: dt.date | None = None) -> None:
    """A charter version carries the date it was adopted: today or earlier (a network's
    history is recorded after the fact), never before the version it follows."""
    if published_on > today:
        raise NetworkRuleError("charter_in_future", "published_on", date=published_on.isoformat())
    if previous is not None and published_on < previous:
        raise NetworkRuleError("charter_before_previous", "published_on",
                               date=published_on.isoformat(), previous=previous.isoformat())


def check_choice(identifiers: Sequence[str], members: Iterable[str], *,
                 minimum: int = MIN_COMPARED, maximum: int = MAX_COMPARED) -> list[str]:
    """The territory identifiers chosen for a comparison, in order: each once, each a
    member of the network, between ``minimum`` and ``maximum`` of them."""
    seen: set[str] = set()
    duplicates = []
    for slug in identifiers:
        if slug in seen and slug not in duplicates:
            duplicates.append(slug)
        seen.add(slug)
    if duplicates:
        raise NetworkRuleError("duplicate_territories", "territory", identifiers=", ".join(duplicates))
    member_set = set(members)
    unknown = [s for s in identifiers if s not in member_set]
    if unknown:
        raise NetworkRuleError("not_members", "territory", identifiers=", ".join(unknown))
    if not minimum <= len(identifiers) <= maximum:
        raise NetworkRuleError("count", "territory", count=len(identifiers), minimum=minimum,
                               maximum=maximum)
    return list(identifiers)


@dataclass(frozen=True)
class GridCheck:
    comparable: bool
    versions: dict[str, list[str]]  # grid version name -> territory identifiers on it


def same_grid(grid_of: dict[str, str]) -> GridCheck:
    """Territory identifier -> grid version name: comparable only when they all use the
    same version (codes mean the same thing only within one version)."""
    versions: dict[str, list[str]] = {}
    for slug, version in grid_of.items():
        versions.setdefault(version, []).append(slug)
    return GridCheck(len(versions) <= 1, versions)


def next_version(existing: Iterable[int]) -> int:
    """The number of the next charter version: one more than the highest, from 1."""
    return max(existing, default=0) + 1


# --- mapping between grid versions ------------------------------------------------------

@dataclass(frozen=True)
class MappingProblem:
    line: int
    column: str
    code: str  # "unknown_from", "unknown_to", "duplicate_from", "empty"
    value: str


def check_mapping(rows: Sequence[tuple[int, str, str]], from_codes: Iterable[str],
                  to_codes: Iterable[str]) -> list[MappingProblem]:
    """Rows (line, code in the older version, code in the newer) of a mapping between two
    grid versions: each code of the first version once, both codes known in their
    version. Several codes may map to one (components merged)."""
    known_from, known_to = set(from_codes), set(to_codes)
    problems, seen = [], set()
    for line, source, target in rows:
        if not source:
            problems.append(MappingProblem(line, "from_code", "empty", source))
        elif source not in known_from:
            problems.append(MappingProblem(line, "from_code", "unknown_from", source))
        elif source in seen:
            problems.append(MappingProblem(line, "from_code", "duplicate_from", source))
        seen.add(source)
        if not target:
            problems.append(MappingProblem(line, "to_code", "empty", target))
        elif target not in known_to:
            problems.append(MappingProblem(line, "to_code", "unknown_to", target))
    return problems


def translate(code: str, *, same_version: bool, mapping: dict[str, str]) -> str | None:
    """A component code in the reference version: itself on the same version, else its
    mapped code (None when the mapping does not name it)."""
    return code if same_version else mapping.get(code)


def missing_mappings(versions: Iterable[int], target: int, mapped: set[tuple[int, int]]) -> list[int]:
    """The versions (other than ``target``) without a mapping to ``target``."""
    return sorted({v for v in versions if v != target and (v, target) not in mapped})
