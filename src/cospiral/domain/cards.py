"""Rules about cards (post-its) as plain functions: text limits, splitting pasted text,
and the import key that makes re-importing a file create no duplicates."""

from __future__ import annotations

import hashlib
import unicodedata

MAX_CARD_CHARS = 2000
CHANNELS = ("paper", "online")


def split_lines(text: str) -> list[str]:
    """One card per non-empty line of a pasted or typed text, each stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def normalise_text(text: str) -> str:
    """The text as compared for duplicates: NFC, case-folded, spaces collapsed."""
    text = text or ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split()).casefold()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def import_key(*, group_id: int, ref: str = "", session_id: int | None = None,
               question_id: int | None = None, text: str = "", author: str = "") -> str:
    """64 hex characters. With a ``ref`` the key is the group and the ref (your own card
    number, so the text can be corrected in the file and re-imported without a copy);
    without one it is a hash of group, session, question, normalised text and author."""
    if ref.strip():
        return _digest("ref", str(group_id), ref.strip())
    return _digest("card", str(group_id), str(session_id or ""), str(question_id or ""),
                   normalise_text(text), author.strip())


def question_enabled(enabled_cycle_ids: set[int], group_cycle_id: int | None) -> bool:
    """A question is enabled for a group when it is asked in the group's cycle; a group
    without a cycle may answer any question asked in at least one cycle."""
    if group_cycle_id is None:
        return bool(enabled_cycle_ids)
    return group_cycle_id in enabled_cycle_ids
