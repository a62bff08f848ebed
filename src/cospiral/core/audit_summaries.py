"""The summaries of audit entries in the reader's language (issue 12).

Services write an entry's summary once, in English (« Indicator D00-1 v1 frozen (used by
a survey wave) », « Session of Jeunes on 2026-05-21 »). Each form they write is listed
here as a msgid; an entry whose summary has one of these forms is shown translated, its
dates written as the reader's language writes them and a role by its name. Other
summaries (an action's title, a person's words) are shown as they were written, but for
their dates (« 2026-09-24 » → « 24 sept. 2026 »).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.apps import apps
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

FORMS = [
    N_("Territory %(name)s"), N_("Organisation %(name)s"), N_("Coordination seat %(name)s"),
    N_("Question %(code)s"), N_("Question %(code)s: cycles"),
    N_("Cycle %(cycle)s, phase %(phase)s"), N_("Review of cycle %(number)s"),
    N_("Role of %(username)s"), N_("Member %(username)s added as %(role)s"),
    N_("Member %(username)s (%(role)s) removed"), N_("Account %(username)s created"),
    N_("First site administrator %(username)s created from the setup link"),
    N_("Invitation of %(email)s as %(role)s"), N_("Invitation of %(email)s withdrawn"),
    N_("Invitation of %(email)s accepted by %(username)s"),
    N_("Group %(group)s"), N_("Group %(group)s: private link created"),
    N_("Group %(group)s: private link replaced"), N_("Group %(group)s: private link revoked"),
    N_("Group %(group)s: online entry opened"), N_("Group %(group)s: online entry closed"),
    N_("Group %(group)s: group view opened"), N_("Session of %(group)s on %(date)s"),
    N_("Synthesis of group %(group)s"), N_("Synthesis of the territory"),
    N_("Synthesis of group %(group)s: validated on %(date)s"),
    N_("Synthesis of the territory: validated on %(date)s"),
    N_("Synthesis of group %(group)s: sentence #%(n)s added under %(code)s"),
    N_("Synthesis of the territory: sentence #%(n)s added under %(code)s"),
    N_("Synthesis of group %(group)s: sentence #%(n)s changed"),
    N_("Synthesis of the territory: sentence #%(n)s changed"),
    N_("Synthesis of group %(group)s: sentence #%(n)s deleted"),
    N_("Synthesis of the territory: sentence #%(n)s deleted"),
    N_("Shared criterion #%(n)s of %(group)s under %(code)s"),
    N_("Shared criterion #%(n)s of %(group)s deleted"),
    N_("Indicator %(code)s v%(version)s created"), N_("Indicator %(code)s v%(version)s changed"),
    N_("Indicator %(code)s v%(version)s deleted"),
    N_("Indicator %(code)s v%(version)s frozen (used by a survey wave)"),
    N_("Indicator %(code)s v%(version)s created as a new version of v%(previous)s"),
    N_("Indicator %(code)s v%(version)s: %(n)s criteria added"),
    N_("Indicator %(code)s v%(version)s: %(n)s criteria sorted"),
    N_("Indicator %(code)s v%(version)s: criterion #%(n)s removed"),
    N_("Grid %(slug)s frozen"), N_("Grid %(slug)s derived from %(base)s"),
    N_("Grid %(slug)s imported from %(origin)s (%(count)s entries)"),
    N_("Default grid %(slug)s loaded (%(count)s entries)"),
    N_("Grid entry %(code)s (%(slug)s)"), N_("Local component %(code)s %(label)s"),
    N_("Mapping from grid %(source)s to %(target)s: %(count)s codes"),
    N_("Network %(name)s"), N_("Joined the network %(network)s"),
    N_("Left the network %(network)s"), N_("Charter of %(network)s, version %(number)s"),
    N_("Signed version %(number)s of the charter of %(network)s"),
    N_("Open-data package %(name)s imported read-only"),
    # Written through gettext, in the language of whoever acted (English for the demo).
    N_("Ballot in “%(title)s”"), N_("Group “%(group)s” validated its coding on %(date)s"),
    N_("Coded %(code)s: %(text)s"), N_("Uncoded: %(text)s"), N_("Not codable: %(text)s"),
    N_("Blind coding of card %(id)s"), N_("Merge undone: %(text)s"),
    N_("Merged into “%(keep)s”: %(text)s"), N_("Part of split card: %(text)s"),
    N_("Split into %(count)s ideas: %(text)s"),
    N_("Membership of an erased person (%(pseudonym)s)"),
]
#: Forms written through ngettext (English has one form for both): counted by ``n``.
COUNTED = [N_("%(topic)s: attendance, %(n)s present")]

_PLACE = re.compile(r"%\((\w+)\)s")
_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _pattern(msgid: str) -> re.Pattern:
    parts = _PLACE.split(msgid)
    regex = "".join(re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)"
                    for n, part in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    # The most specific forms first: « Group X » would also match « Group X: … ».
    ordered = sorted(FORMS + COUNTED, key=lambda m: -len(_PLACE.sub("", m)))
    return [(_pattern(m), m) for m in ordered]


def _role(value: str) -> str:
    try:
        field = apps.get_model("territories", "Membership")._meta.get_field("role")
    except LookupError:
        return value
    return str(dict(field.flatchoices).get(value, value))


def _param(name: str, value: str) -> str:
    if name == "date":
        day = parse_date(value)
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else value
    if name == "role":
        return _role(value)
    return value


def translated(summary: str) -> str:
    """``summary`` in the reader's language when it has one of ``FORMS``."""
    if not summary:
        return summary
    for pattern, msgid in _patterns():
        found = pattern.match(summary)
        if found:
            params = {k: _param(k, v) for k, v in found.groupdict().items()}
            if msgid in COUNTED and params.get("n", "").isdigit():
                return ngettext(msgid, msgid, int(params["n"])) % params
            return _(msgid) % params if params else _(msgid)
    return _ISO_DAY.sub(lambda m: _param("date", m.group(0)), summary)
