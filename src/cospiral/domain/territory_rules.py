"""Rules about territories, memberships and groups, on plain data (no Django)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def descendants(node: int, parent_of: Mapping[int, int | None]) -> set[int]:
    """Every node below ``node`` in the tree described by ``parent_of`` (child -> parent)."""
    children: dict[int, list[int]] = {}
    for child, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    stack = [node]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def creates_cycle(node: int, new_parent: int | None, parent_of: Mapping[int, int | None]) -> bool:
    """True when making ``new_parent`` the parent of ``node`` would put ``node`` inside
    itself: the new parent is the node or one of its descendants."""
    if new_parent is None:
        return False
    return new_parent == node or new_parent in descendants(node, parent_of)


def leaves_no_coordinator(roles: Mapping[int, str], member: int, new_role: str | None) -> bool:
    """True when changing ``member``'s role to ``new_role`` (``None``: removing them) would
    leave the territory without any coordinator. ``roles`` maps member id -> role."""
    after = dict(roles)
    if new_role is None:
        after.pop(member, None)
    else:
        after[member] = new_role
    had = any(role == "coordinator" for role in roles.values())
    return had and not any(role == "coordinator" for role in after.values())


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags -> list, stripped, empty ones dropped, duplicates (ignoring
    case) removed, first spelling kept, order kept."""
    seen: set[str] = set()
    tags: list[str] = []
    for raw in (text or "").split(","):
        tag = " ".join(raw.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def format_tags(tags: Iterable[str]) -> str:
    return ", ".join(tags or [])


RESERVED_QUESTION_CODES = ("Q1", "Q2", "Q3", "Q4")


def question_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a custom question code, as a key, or ``None`` when it can.
    Keys: ``empty``, ``reserved`` (Q1–Q4 belong to the method), ``syntax`` (letters,
    digits, - and _ only, at most 12 characters)."""
    code = (code or "").strip()
    if not code:
        return "empty"
    if code.upper() in RESERVED_QUESTION_CODES:
        return "reserved"
    if len(code) > 12 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        return "syntax"
    return None


def identifier_from(name: str, max_length: int = 60) -> str:
    """A territory's identifier (used in addresses) proposed from its name or from a
    typed identifier: accents transliterated (« Drouot-Barbanègre » → ``drouot-barbanegre``),
    lower case, every run of other characters a single hyphen, no hyphen at either end."""
    import re
    import unicodedata

    for letters, ascii_letters in (("œ", "oe"), ("Œ", "Oe"), ("æ", "ae"), ("Æ", "Ae"), ("ß", "ss")):
        name = name.replace(letters, ascii_letters)
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def free_identifier(base: str, taken: Iterable[str], max_length: int = 60) -> str:
    """``base``, or ``base-2``, ``base-3``… the first one not in ``taken``."""
    used = set(taken)
    if base not in used:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in used:
            return candidate
        n += 1
