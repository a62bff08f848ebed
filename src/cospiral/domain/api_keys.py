"""API keys as pure functions: the key's format, its hash, and the role ladder."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

#: Roles from the most to the least powerful (the values of territories.Role).
ROLES = ("coordinator", "facilitator", "partner", "observer")
PREFIX_LENGTH = 8
KEY_PATTERN = re.compile(r"^csp_([A-Za-z0-9]{8})\.([A-Za-z0-9_-]{20,100})$")
#: The API's page size limits.
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def new_key() -> tuple[str, str]:
    """A new key ``csp_<prefix>.<secret>`` and its prefix."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    prefix = "".join(secrets.choice(alphabet) for _i in range(PREFIX_LENGTH))
    return f"csp_{prefix}.{secrets.token_urlsafe(32)}", prefix


def split_key(raw: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    match = KEY_PATTERN.match((raw or "").strip())
    return match.group(1) if match else None


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.strip().encode("utf-8")).hexdigest()


def same_hash(raw: str, hashed: str) -> bool:
    return hmac.compare_digest(hash_key(raw), hashed)


def rank(role: str) -> int:
    """0 for coordinator … 3 for observer; unknown roles rank below every role."""
    return ROLES.index(role) if role in ROLES else len(ROLES)


def within(role: str, ceiling: str) -> bool:
    """Whether ``role`` is no more powerful than ``ceiling``."""
    return role in ROLES and rank(role) >= rank(ceiling)


def effective(key_role: str, member_role: str | None) -> str | None:
    """The role a key acts with: its own, capped by the current role of the member it
    acts for; None when that person is no longer a member."""
    if member_role is None or member_role not in ROLES or key_role not in ROLES:
        return None
    return key_role if rank(key_role) >= rank(member_role) else member_role
