"""Grid codes: families, components, sub-objects and full codes ``object/sense/beneficiary``.

Syntax (METHOD.md §5; the sense and beneficiary alphabets are our decision):

- family: one capital letter, ``A``..``Z`` (the default grid uses A..H);
- shared component: family letter + two digits, ``A01``; ``A00`` is the family's general case;
- local component (added by a territory): family letter + ``L`` + two digits, ``AL01``.
  The ``L`` can never appear in a shared code, so a local code never collides with a
  shared one, in this grid version or any later one;
- sub-object: component + ``-`` + two digits, ``A01-11``;
- full code: ``object[/sense[/beneficiary]]``, e.g. ``A01-11/P15/k``; sense is a capital
  letter and one or two digits (``P15``); beneficiary is one or two lower-case letters (``k``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FAMILY_RE = re.compile(r"^[A-Z]$")
COMPONENT_RE = re.compile(r"^(?P<family>[A-Z])(?P<local>L)?(?P<number>\d{2})$")
OBJECT_RE = re.compile(r"^(?P<component>[A-Z]L?\d{2})(?:-(?P<sub>\d{2}))?$")
SENSE_RE = re.compile(r"^[A-Z]\d{1,2}$")
BENEFICIARY_RE = re.compile(r"^[a-z]{1,2}$")


class CodeError(ValueError):
    """A code that does not follow the syntax. ``message`` is an English template with
    ``%(code)s``-style placeholders; ``params`` fills it (callers translate it)."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class FullCode:
    family: str
    component: str
    sub_object: str | None = None  # e.g. "A01-11"
    sense: str | None = None
    beneficiary: str | None = None

    @property
    def object_code(self) -> str:
        return self.sub_object or self.component

    @property
    def is_local(self) -> bool:
        return is_local_component(self.component)

    def __str__(self) -> str:
        parts = [self.object_code]
        if self.sense or self.beneficiary:
            parts.append(self.sense or "")
        if self.beneficiary:
            parts.append(self.beneficiary)
        return "/".join(parts)


def kind_of(code: str) -> str:
    """``family``, ``component``, ``sub_object``; raises CodeError otherwise."""
    if FAMILY_RE.match(code):
        return "family"
    if COMPONENT_RE.match(code):
        return "component"
    match = OBJECT_RE.match(code)
    if match and match.group("sub"):
        return "sub_object"
    raise CodeError("“%(code)s” is not a grid code (expected A, A01, AL01 or A01-11).", code=code)


def family_of(code: str) -> str:
    kind_of(code)
    return code[0]


def component_of(code: str) -> str:
    """The component a component or sub-object code belongs to."""
    kind = kind_of(code)
    if kind == "family":
        raise CodeError("“%(code)s” is a family, not a component.", code=code)
    return code.split("-", 1)[0]


def is_local_component(code: str) -> bool:
    match = COMPONENT_RE.match(code)
    return bool(match and match.group("local"))


def general_component(family: str) -> str:
    """The family's ``00`` component: the one to use when in doubt."""
    if not FAMILY_RE.match(family):
        raise CodeError("“%(code)s” is not a family letter.", code=family)
    return f"{family}00"


def parse_full_code(text: str) -> FullCode:
    """Parse ``object[/sense[/beneficiary]]``. Only the object part is mandatory."""
    raw = (text or "").strip()
    if not raw:
        raise CodeError("The code is empty.")
    parts = raw.split("/")
    if len(parts) > 3:
        raise CodeError(
            "“%(code)s” has too many parts: a full code is object/sense/beneficiary.", code=raw
        )
    obj = parts[0]
    match = OBJECT_RE.match(obj)
    if not match:
        raise CodeError(
            "“%(code)s” does not start with a component code such as A01, AL01 or A01-11.",
            code=raw,
        )
    component = match.group("component")
    sub = f"{component}-{match.group('sub')}" if match.group("sub") else None
    sense = parts[1] if len(parts) > 1 and parts[1] else None
    beneficiary = parts[2] if len(parts) > 2 and parts[2] else None
    if sense is not None and not SENSE_RE.match(sense):
        raise CodeError(
            "“%(part)s” in “%(code)s” is not a sense code (a capital letter and one or two digits, such as P15).",
            part=sense,
            code=raw,
        )
    if beneficiary is not None and not BENEFICIARY_RE.match(beneficiary):
        raise CodeError(
            "“%(part)s” in “%(code)s” is not a beneficiary code (one or two lower-case letters, such as k).",
            part=beneficiary,
            code=raw,
        )
    return FullCode(
        family=component[0], component=component, sub_object=sub, sense=sense, beneficiary=beneficiary
    )


def validate_full_code(text: str, known_codes: set[str] | frozenset[str]) -> FullCode:
    """Parse, then check that the object exists in the grid version (``known_codes`` holds
    its component and sub-object codes)."""
    code = parse_full_code(text)
    if code.component not in known_codes:
        raise CodeError("Component “%(code)s” is not in this grid version.", code=code.component)
    if code.sub_object and code.sub_object not in known_codes:
        raise CodeError("Sub-object “%(code)s” is not in this grid version.", code=code.sub_object)
    return code
