"""The audit trail as people read it (issue 12): models and fields by their translated
``verbose_name``, values by their meaning (a choice's label, « 1 déc. 2026 », oui/non, a
linked object by its name), in the reader's language.

Entries keep what services wrote (model names, field names, values as strings: the
record stays language-neutral); this module only reads them. ``readable(entries)`` gives
each entry ``model_label``, ``object_label`` (« Phase n° 10 »), ``summary_text`` (see
``audit_summaries``), ``actor``, ``lines`` (« Statut : brouillon → figé », one per
changed field) and ``fields`` (the changed fields' names).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import get_language_info, pgettext
from django.utils.translation import gettext as _

from cospiral.core import l10n
from cospiral.core.audit import shown_changes
from cospiral.core.audit_summaries import translated

EMPTY = "—"
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@lru_cache(maxsize=1)
def _models_by_name() -> dict[str, list]:
    found: dict[str, list] = {}
    for model in apps.get_models():
        found.setdefault(model._meta.model_name, []).append(model)
    for candidates in found.values():  # cospiral's own models first
        candidates.sort(key=lambda m: not m.__module__.startswith("cospiral"))
    return found


def model_of(name: str, keys=()):
    """The model an entry names; of two with one name (``review``), the one whose
    fields its changes name."""
    candidates = _models_by_name().get(name) or []
    if len(candidates) > 1 and keys:
        return max(candidates, key=lambda m: sum(_field(m, k) is not None for k in keys))
    return candidates[0] if candidates else None


def model_label(name: str, keys=()) -> str:
    model = model_of(name, keys)
    return capfirst(model._meta.verbose_name) if model is not None else name


def _field(model, key: str):
    try:
        field = model._meta.get_field(key)  # a field's name or its column (``axis_id``)
    except FieldDoesNotExist:
        return None
    return None if isinstance(field, models.ForeignObjectRel) else field  # not a reverse link


def _language(code: str) -> str:
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


def _sub_label(model_name: str, field: str) -> str:
    model = model_of(model_name)
    found = _field(model, field) if model is not None else None
    return str(found.verbose_name) if found is not None else field


# Keys services write that are not a field of the model (indicators' criteria and
# levels, synthesis sentences, a wave's import): a pattern and how to name it.
PATTERNS = [
    (re.compile(r"^criterion #(\d+) category$"),
     lambda m: _("criterion %(n)s, category") % {"n": m[1]}, ("indicatorcriterion", "category")),
    (re.compile(r"^criterion #(\d+)$"), lambda m: _("criterion %(n)s") % {"n": m[1]}, None),
    (re.compile(r"^level (\d+) (\w+)$"),
     lambda m: _("level %(n)s (%(language)s)") % {"n": m[1], "language": m[2].upper()}, None),
    (re.compile(r"^title_(\w+)$"),
     lambda m: _("title (%(language)s)") % {"language": m[1].upper()}, None),
    (re.compile(r"^sentence #(\d+) (\w+)$"),
     lambda m: _("sentence %(n)s, %(field)s") % {"n": m[1],
                                                  "field": _sub_label("synthesissentence", m[2])},
     None),
]

OTHER_KEYS = {
    "questionnaires": lambda: _("questionnaires imported"),
    "skipped": lambda: _("lines skipped"),
    "results_snapshot": lambda: _("snapshot of the results"),
    "published": lambda: _("published"),
    "indicators": lambda: _("indicators"),
    "candidates": lambda: _("candidates"),
    "deleted_at": lambda: _("deleted on"),
    "texts": lambda: _("texts"),
}

# Keys that name something else than the field of that name, or no field.
RENAMED = {("card", "code"): lambda: _("grid code")}

# A workshop's attendance is written per party (the key is the party's pseudonym); a
# group's private link as « set » or « new », never the link itself.
WORDS = {"present": lambda: _("present"), "absent": lambda: _("absent"),
         "set": lambda: _("a private link"), "new": lambda: _("a new private link")}


def _day(value: str) -> str:
    day = parse_date(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else value


def _moment(value: str) -> str:
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _listed(text: str) -> str | None:
    """« ['A', 'C'] » (a list written with ``str``) as « A, C »."""
    if not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        items = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return ", ".join(str(i) for i in items) if isinstance(items, list | tuple) else None


def _plain(value) -> str:
    """A value whose field is unknown: its form says what it is."""
    if value is None or value == "" or value == "None":
        return EMPTY
    if isinstance(value, bool) or value in ("True", "False"):
        return _("yes") if value in (True, "True") else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or EMPTY
    text = str(value)
    if ISO_DAY.match(text):
        return _day(text)
    if ISO_TIME.match(text):
        return _moment(text)
    if text in WORDS:
        return WORDS[text]()
    listed = _listed(text)
    if listed is not None:
        return listed or EMPTY
    return text


def _value(field, value, names: dict) -> str:
    if field is None:
        return _plain(value)
    if value is None or value in ("", "None"):
        return EMPTY
    if field.is_relation and field.many_to_one:
        key = (field.related_model, str(value))
        return names.get(key) or _plain(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _plain(str(value))
    if isinstance(field, models.DateTimeField):
        return _moment(str(value))
    if isinstance(field, models.DateField):
        return _day(str(value))
    if isinstance(field, models.FloatField | models.DecimalField) and NUMBER.match(str(value)):
        decimals = len(str(value).partition(".")[2].rstrip("0"))
        return l10n.number(float(value), decimals)
    if field.name == "language":
        return _language(str(value))
    return _plain(value)


def _label(model, model_name: str, key: str) -> tuple[str, object]:
    """(label, field or None) of a changed key."""
    if (model_name, key) in RENAMED:
        return capfirst(RENAMED[model_name, key]()), None
    field = _field(model, key) if model is not None else None
    score = _field(model, key[:-5] + "_score") if field is not None and key.endswith("_note") else None
    if score is not None:  # an evaluation's five notes share one name: say which question
        return _("%(question)s (why)") % {"question": capfirst(str(score.verbose_name))}, field
    if field is not None:
        return capfirst(str(field.verbose_name)), field
    for pattern, name, field_of in PATTERNS:
        found = pattern.match(key)
        if found:
            sub = None
            if field_of:
                sub_model = model_of(field_of[0])
                sub = _field(sub_model, field_of[1]) if sub_model is not None else None
            return capfirst(name(found)), sub
    if key in OTHER_KEYS:
        return capfirst(OTHER_KEYS[key]()), None
    return key, None  # a party's pseudonym (attendance), a person's words: as written


def _names(entries) -> dict:
    """The names of the objects the entries' foreign keys point to, one query per model."""
    wanted: dict = {}
    for entry in entries:
        model = model_of(entry.model, entry.shown.keys())
        for key, change in entry.shown.items():
            field = _field(model, key) if model is not None else None
            if field is None or not (field.is_relation and field.many_to_one):
                continue
            for value in change if isinstance(change, list) else [change]:
                if value not in (None, "", "None") and str(value).isdigit():
                    wanted.setdefault(field.related_model, set()).add(int(value))
    names = {}
    for related, pks in wanted.items():
        for obj in related._base_manager.filter(pk__in=pks):
            names[(related, str(obj.pk))] = str(obj)
    return names


def readable(entries):
    """The entries, each with ``model_label``, ``actor`` and ``lines`` (see the module)."""
    entries = shown_changes(entries)
    names = _names(entries)
    for entry in entries:
        model = model_of(entry.model, entry.shown.keys())
        entry.model_label = model_label(entry.model, entry.shown.keys())
        entry.object_label = _("%(type)s #%(id)s") % {"type": entry.model_label, "id": entry.object_id}
        entry.summary_text = translated(entry.summary)
        entry.actor = pgettext("audit", "anonymous") if entry.actor_label == "anonymous" \
            else entry.actor_label
        entry.lines, labels = [], []
        for key, change in entry.shown.items():
            label, field = _label(model, entry.model, key)
            labels.append(label)
            if isinstance(change, list) and len(change) == 2:
                entry.lines.append(_("%(label)s: %(before)s → %(after)s") % {
                    "label": label, "before": _value(field, change[0], names),
                    "after": _value(field, change[1], names)})
            else:
                entry.lines.append(_("%(label)s: %(value)s") % {
                    "label": label, "value": _value(field, change, names)})
        entry.fields = ", ".join(labels)
    return entries
