"""The open-data package of a territory: a Frictionless Data Package (CSV files and a
``datapackage.json`` holding each file's Table Schema, its sha256 hash and the codebook).

Pure rules, no Django: the fixed list of resources and their fields (``RESOURCES``),
writing rows to CSV deterministically (``write_csv``: fixed column order, LF line
endings, values formatted one way), building the descriptor (``descriptor``: stable
JSON, sorted keys) and validating a package (``validate``): the descriptor's JSON, its
profile, every resource's schema against ``RESOURCES`` (a changed schema is refused),
each file's hash and size (a tampered file is refused), then every cell against its
field (type, required, enum of codes), primary keys unique and foreign keys between
resources resolved. Errors are ``PackageError`` values (file, line, column, what,
parameters); the caller turns them into translated messages.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cospiral.domain.evaluation import QUESTIONS as EVALUATION_QUESTIONS
from cospiral.domain.survey import AGE_BANDS, GENDERS

FORMAT = 2  # the cospiral package format; bumped when RESOURCES change incompatibly
#: Format 2 (issue 15): groups' cycle and profile, sessions, each card's session and the
#: phases' status and dates, so an imported territory's home agrees with its statistics.
DESCRIPTOR = "datapackage.json"
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
LEVEL_CODES = ("-2", "-1", "0", "1", "2", "3", "4", "5")
MAX_DEPTH = 32  # default nesting of JSON (descriptor, object and array cells)
MAX_CELL = 100_000  # default characters of one CSV cell
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(text: str, limit: int) -> int:
    """The nesting depth of the JSON ``text`` (brackets outside strings), counted without
    parsing and without recursion; stops as soon as it passes ``limit``."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif token in "]}":
            depth -= 1
    return deepest


def load_json(text: str, limit: int) -> Any:
    """``json.loads(text)``, refusing (ValueError) a nesting deeper than ``limit`` before
    any recursion could run out."""
    if json_depth(text, limit) > limit:
        raise ValueError("too deep")
    return json.loads(text)


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"  # string, integer, number, boolean, date, object, array
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] | None = None

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if constraints:
            out["constraints"] = constraints
        return out


@dataclass(frozen=True)
class Resource:
    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def schema(self) -> dict[str, Any]:
        return {
            "fields": [f.schema() for f in self.fields],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
            "foreignKeys": [
                {"fields": list(local), "reference": {"resource": target, "fields": list(remote)}}
                for local, target, remote in self.foreign_keys
            ],
        }


def F(name: str, type: str = "string", description: str = "", *, required: bool = False,  # noqa: N802
      enum: Iterable[str] | None = None) -> Field:
    return Field(name, type, description, required, tuple(enum) if enum is not None else None)


RESOURCES: tuple[Resource, ...] = (
    Resource("grid", "The grid version's entries and the territory's local components.", (
        F("code", description="Code of the entry, e.g. A01.", required=True),
        F("kind", description="Family, component or sub-object.", required=True,
          enum=("family", "component", "sub_object")),
        F("parent", description="Code of the parent entry."),
        F("position", "integer", "Order of the entry in the grid.", required=True),
        F("local", "boolean", "True for a component local to the territory.", required=True),
        F("labels", "object", "Label per language code.", required=True),
    ), ("code",), ((("parent",), "grid", ("code",)),)),
    Resource("groups", "The groups that wrote criteria (numbered in this package).", (
        F("id", "integer", "Number of the group in this package.", required=True),
        F("name", description="Name of the group.", required=True),
        F("kind", description="Kind of group.", required=True),
        F("cycle", "integer", "Cycle of the method the group worked in (0–3); empty when none.",
          enum=("0", "1", "2", "3")),
        F("profile", description="Profile of the group's members (young people, shopkeepers...); "
                                 "empty when none."),
    ), ("id",)),
    Resource("questions", "The questions the groups answered.", (
        F("code", description="Code of the question (Q1–Q4 for the method's questions).", required=True),
        F("method", "boolean", "True for a question of the method.", required=True),
        F("position", "integer", "Order of the question.", required=True),
        F("texts", "object", "Text of the question per language code.", required=True),
    ), ("code",)),
    Resource("cards", "The counted criteria (cards) with their agreed coding.", (
        F("id", "integer", "Number of the card in this package.", required=True),
        F("group", "integer", "Group that wrote the card (groups.id).", required=True),
        F("question", description="Question answered (questions.code).", required=True),
        F("component", description="Grid component the card is coded on; empty when not coded."),
        F("full_code", description="Full code, with sub-object, when given."),
        F("language", description="Language the card is written in.", required=True),
        F("channel", description="Paper or online.", required=True, enum=("paper", "online")),
        F("text", description="The citizen's words; empty unless the territory publishes them."),
        F("session", "integer", "Session the card was written in (sessions.id); empty when "
                                "not known."),
    ), ("id",), ((("group",), "groups", ("id",)), (("question",), "questions", ("code",)),
                 (("component",), "grid", ("code",)), (("session",), "sessions", ("id",)))),
    Resource("sessions", "The groups' sessions (who attended is never recorded: a count only).", (
        F("id", "integer", "Number of the session in this package.", required=True),
        F("group", "integer", "Group that met (groups.id).", required=True),
        F("date", "date", "Date of the session.", required=True),
        F("channel", description="In person, online or both.", required=True,
          enum=("in_person", "online", "hybrid")),
        F("attendees", "integer", "Number of people who attended; empty when not counted."),
    ), ("id",), ((("group",), "groups", ("id",)),)),
    Resource("phases", "The status and dates of each phase of each cycle (cycles 0–3, phases 1–8).", (
        F("cycle", "integer", "Cycle (0–3).", required=True, enum=("0", "1", "2", "3")),
        F("phase", "integer", "Phase (1–8).", required=True,
          enum=("1", "2", "3", "4", "5", "6", "7", "8")),
        F("status", description="Status of the phase.", required=True,
          enum=("not_started", "in_progress", "done", "skipped")),
        F("starts_on", "date", "Start of the phase."),
        F("ends_on", "date", "End of the phase."),
    ), ("cycle", "phase")),
    Resource("syntheses", "Syntheses of a group (group set) or of the territory (group empty).", (
        F("id", "integer", "Number of the synthesis in this package.", required=True),
        F("group", "integer", "Group of the synthesis (groups.id); empty for the territory."),
        F("status", description="Draft or validated.", required=True, enum=("draft", "validated")),
        F("validated_on", "date", "Date the group validated the synthesis."),
    ), ("id",), ((("group",), "groups", ("id",)),)),
    Resource("synthesis_sentences", "Sentences of the syntheses, per component.", (
        F("id", "integer", "Number of the sentence in this package.", required=True),
        F("synthesis", "integer", "Synthesis (syntheses.id).", required=True),
        F("component", description="Grid component (grid.code).", required=True),
        F("position", "integer", "Order within the component.", required=True),
        F("language", description="Language of the sentence.", required=True),
        F("text", description="The sentence.", required=True),
    ), ("id",), ((("synthesis",), "syntheses", ("id",)), (("component",), "grid", ("code",)))),
    Resource("indicators", "Indicators of progress and their five level descriptors.", (
        F("code", description="Code of the indicator in the territory.", required=True),
        F("version", "integer", "Version of the indicator.", required=True),
        F("component", description="Grid component (grid.code).", required=True),
        F("status", description="Draft or frozen (used by a survey wave).", required=True,
          enum=("draft", "frozen")),
        F("titles", "object", "Title per language code.", required=True),
        F("levels", "array", "Five level descriptors (1 very unsatisfactory … 5 ideal), "
                             "each a text per language code.", required=True),
    ), ("code", "version"), ((("component",), "grid", ("code",)),)),
    Resource("indicator_criteria", "The criteria each indicator was built from, sorted into "
                                   "four categories.", (
        F("id", "integer", "Number of the criterion in this package.", required=True),
        F("indicator", description="Indicator (indicators.code).", required=True),
        F("version", "integer", "Version of the indicator (indicators.version).", required=True),
        F("category", description="Category; empty while not yet sorted.",
          enum=("possibility", "obtaining", "quality", "sustainability")),
        F("card", "integer", "Card the criterion came from (cards.id); empty when typed or "
                             "from a shared criterion."),
        F("position", "integer", "Order within the category.", required=True),
        F("text", description="The criterion; empty for a card's words unless the territory "
                              "publishes them."),
    ), ("id",), ((("indicator", "version"), "indicators", ("code", "version")),
                 (("card",), "cards", ("id",)))),
    Resource("existing_actions", "Existing actions and programmes, judged ex ante on the five "
                                 "questions (scores 0–4; empty: not assessed, never 0).", (
        F("id", "integer", "Number of the existing action in this package.", required=True),
        F("name", description="Name.", required=True),
        F("description", description="Description."),
        F("carried_by", description="The organisation(s) running it."),
        F("cycle", "integer", "Cycle of the method (0–3); empty when none.",
          enum=("0", "1", "2", "3")),
        F("families", "array", "Grid families the action covers.", required=True),
        *(f for q in EVALUATION_QUESTIONS for f in (
            F(f"{q}_score", "integer", f"Score on “{q}”, 0–4; empty: not assessed.",
              enum=("0", "1", "2", "3", "4")),
            F(f"{q}_note", description=f"Why this score on “{q}”."))),
        F("evaluated", "boolean", "True once the evaluation is recorded.", required=True),
    ), ("id",)),
    Resource("waves", "Survey waves whose results are published.", (
        F("id", "integer", "Number of the wave in this package.", required=True),
        F("title", description="Title of the wave.", required=True),
        F("kind", description="Ex-ante (before acting) or ex-post (after acting).", required=True,
          enum=("ex_ante", "ex_post")),
        F("baseline", "integer", "Ex-ante wave an ex-post wave is compared with (waves.id)."),
        F("threshold", "integer", "Suppression threshold: figures of fewer answers are not published.",
          required=True),
        F("respondents", "integer", "Submitted questionnaires.", required=True),
        F("bootstrap_seed", "integer", "Seed of the bootstrap intervals.", required=True),
        F("profile_questions", "array", "Profile questions asked.", required=True),
        F("neighbourhoods", "array", "Answer choices of the neighbourhood question.", required=True),
        F("group_profiles", "array", "Answer choices of the group profile question.", required=True),
        F("cycle", "integer", "Cycle of the method (0–3); empty when none.",
          enum=("0", "1", "2", "3")),
    ), ("id",), ((("baseline",), "waves", ("id",)),)),
    Resource("wave_indicators", "The indicators of each wave's questionnaire, in order.", (
        F("wave", "integer", "Wave (waves.id).", required=True),
        F("position", "integer", "Position in the questionnaire, from 0.", required=True),
        F("indicator", description="Indicator code (indicators.code).", required=True),
        F("version", "integer", "Indicator version (indicators.version).", required=True),
        F("weight", "number", "Weight in its family index.", required=True),
    ), ("wave", "position"), ((("wave",), "waves", ("id",)),
                              (("indicator", "version"), "indicators", ("code", "version")))),
    Resource("wave_results", "Respondents per answer code of each indicator, over the whole wave; "
                             "indicators answered by fewer respondents than the threshold are left out.", (
        F("wave", "integer", "Wave (waves.id).", required=True),
        F("position", "integer", "Indicator position (wave_indicators.position).", required=True),
        F("answer", "integer", "Answer code: 1–5 level, 0 no answer, -1 don't know, "
                               "-2 not applicable.", required=True, enum=LEVEL_CODES),
        F("respondents", "integer", "Respondents who gave this answer.", required=True),
    ), ("wave", "position", "answer"), ((("wave", "position"), "wave_indicators", ("wave", "position")),)),
    Resource("responses", "Anonymised answers (only when the territory publishes them): one row "
                          "per respondent and question, respondents numbered in sorted order.", (
        F("wave", "integer", "Wave (waves.id).", required=True),
        F("respondent", "integer", "Number of the respondent in this package.", required=True),
        F("question", description="A profile question key, or an indicator position as #N.",
          required=True),
        F("answer", "integer", "Answer code (profile: choice number, -1 not stated; indicator: "
                               "as in wave_results).", required=True),
    ), ("wave", "respondent", "question"), ((("wave",), "waves", ("id",)),)),
    Resource("organisations", "Organisations that commit to actions.", (
        F("name", description="Name of the organisation.", required=True),
        F("kind", description="Kind of organisation.", required=True,
          enum=("public", "association", "company", "citizens", "other")),
    ), ("name",)),
    Resource("axes", "Strategic axes of the action plan.", (
        F("code", description="Code of the axis.", required=True),
        F("title", description="Title of the axis.", required=True),
        F("description", description="Description of the axis."),
        F("position", "integer", "Order of the axis.", required=True),
        F("cycle", "integer", "Cycle of the method (0–3); empty when none.",
          enum=("0", "1", "2", "3")),
    ), ("code",)),
    Resource("actions", "Actions of the plan.", (
        F("id", "integer", "Number of the action in this package.", required=True),
        F("axis", description="Strategic axis (axes.code)."),
        F("title", description="Title.", required=True),
        F("description", description="Description."),
        F("origin", description="Where the action came from.", required=True,
          enum=("blank", "cards", "pilot_idea", "indicator")),
        F("status", description="Status.", required=True,
          enum=("proposed", "selected", "planned", "running", "done", "abandoned")),
        F("progress", "integer", "Progress in percent."),
        F("families", "array", "Grid families the action covers.", required=True),
        F("starts_on", "date", "Start date."),
        F("ends_on", "date", "End date."),
        F("position", "integer", "Order of the action.", required=True),
        F("cycle", "integer", "Cycle of the method (0–3); empty when none.",
          enum=("0", "1", "2", "3")),
    ), ("id",), ((("axis",), "axes", ("code",)),)),
    Resource("targets", "What each action aims to change on an indicator, from a baseline to "
                        "a target.", (
        F("id", "integer", "Number of the target in this package.", required=True),
        F("action", "integer", "Action (actions.id).", required=True),
        F("indicator", description="Indicator (indicators.code).", required=True),
        F("version", "integer", "Version of the indicator (indicators.version).", required=True),
        F("measure", description="The figure the target is on.", required=True,
          enum=("score", "high_share", "low_share", "median")),
        F("baseline_wave", "integer", "Survey wave the baseline comes from (waves.id)."),
        F("baseline", "number", "Value at the baseline."),
        F("target", "number", "Value aimed at.", required=True),
        F("note", description="Note."),
    ), ("id",), ((("action",), "actions", ("id",)),
                 (("indicator", "version"), "indicators", ("code", "version")),
                 (("baseline_wave",), "waves", ("id",)))),
    Resource("milestones", "Dated steps that tell each action's story.", (
        F("id", "integer", "Number of the milestone in this package.", required=True),
        F("action", "integer", "Action (actions.id).", required=True),
        F("on", "date", "Date of the milestone.", required=True),
        F("title", description="Title.", required=True),
        F("note", description="What happened."),
        F("reached", "boolean", "True when the milestone is reached.", required=True),
    ), ("id",), ((("action",), "actions", ("id",)),)),
    Resource("commitments", "Commitments of organisations and groups to actions (commitments of "
                            "named persons are not published).", (
        F("id", "integer", "Number of the commitment in this package.", required=True),
        F("action", "integer", "Action (actions.id).", required=True),
        F("party_kind", description="Organisation or group.", required=True,
          enum=("organisation", "group")),
        F("organisation", description="Organisation (organisations.name)."),
        F("group", "integer", "Group (groups.id)."),
        F("what", description="What the party commits to.", required=True),
        F("resource", description="Kind of resource.", required=True,
          enum=("money", "time", "premises", "skills", "other")),
        F("amount", "number", "Amount."),
        F("unit", description="Unit of the amount."),
        F("due_on", "date", "Due date."),
        F("accepted_on", "date", "Date accepted."),
        F("signed_on", "date", "Date signed."),
        F("outcome", description="Outcome.", enum=("", "kept", "partly", "not_kept")),
    ), ("id",), ((("action",), "actions", ("id",)), (("organisation",), "organisations", ("name",)),
                 (("group",), "groups", ("id",)))),
)
BY_NAME = {r.name: r for r in RESOURCES}

#: Codebook of coded answers, written into the descriptor.
CODEBOOK = {
    "wave_results.answer": {"1": "very unsatisfactory", "2": "unsatisfactory", "3": "average",
                            "4": "satisfactory", "5": "ideal", "0": "no answer",
                            "-1": "don't know", "-2": "not applicable"},
    "responses.answer": {
        "#N (indicator at position N)": "as wave_results.answer",
        "age_band": {"-1": "not stated", **{str(i): k for i, k in enumerate(AGE_BANDS)}},
        "gender": {"-1": "not stated", **{str(i): k for i, k in enumerate(GENDERS)}},
        "neighbourhood": "number of the choice in waves.neighbourhoods, from 0; -1 not stated",
        "group_profile": "number of the choice in waves.group_profiles, from 0; -1 not stated",
    },
    "indicators.levels": "five objects, level 1 to 5, each a text per language code",
    "existing_actions.*_score": {"0": "not at all", "1": "a little", "2": "partly",
                                 "3": "largely", "4": "fully", "": "not assessed"},
    "groups.cycle": {"0": "cycle 0, a one-day taster", "1": "cycle 1, preparation",
                     "2": "cycle 2, mobilisation", "3": "cycle 3, integration"},
    "phases.phase": {"1": "mobilise, organise", "2": "co-define well-being with citizens",
                     "3": "co-evaluate ex-ante", "4": "project and compare",
                     "5": "decide, commit", "6": "realise together", "7": "co-evaluate ex-post",
                     "8": "review, prepare the next cycle"},
}


# --- writing ------------------------------------------------------------------------------


def cell(value: object) -> str:
    """One value as text, always the same way."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        raise TypeError("timestamps are not published")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(resource: Resource, rows: Iterable[Sequence[object]]) -> bytes:
    """The resource's CSV: header, then the rows (already in their published order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(resource.columns)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(*, name: str, title: str, created: str, territory: dict[str, Any],
               files: dict[str, bytes]) -> bytes:
    """The ``datapackage.json`` for these CSV files (one per resource)."""
    body = {
        "profile": "data-package",
        "name": name,
        "title": title,
        "created": created,
        "cospiral": {"format": FORMAT, "territory": territory, "codebook": CODEBOOK},
        "resources": [
            {"name": r.name, "path": r.path, "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "description": r.description,
             "bytes": len(files[r.path]), "hash": sha256(files[r.path]), "schema": r.schema()}
            for r in RESOURCES
        ],
    }
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


# --- reading and validating ---------------------------------------------------------------


@dataclass(frozen=True)
class PackageError:
    file: str
    line: int | None
    column: str | None
    what: str  # a key of the caller's message table
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Package:
    descriptor: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]  # resource name → typed rows

    @property
    def territory(self) -> dict[str, Any]:
        territory: dict[str, Any] = self.descriptor["cospiral"]["territory"]
        return territory


TERRITORY_KEYS = {"identifier": str, "name": str, "kind": str, "languages": list,
                  "grid_version": str, "publish_card_texts": bool, "publish_raw_responses": bool}


def _parse(value: str, f: Field, max_depth: int = MAX_DEPTH) -> Any:
    """The typed value of a cell, or raise ValueError."""
    if value == "":
        return "" if f.type == "string" else None
    if f.type == "string":
        return value
    if f.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise ValueError
        return int(value)
    if f.type == "number":
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
        return number
    if f.type == "boolean":
        if value not in ("true", "false"):
            raise ValueError
        return value == "true"
    if f.type == "date":
        return dt.date.fromisoformat(value)
    parsed = load_json(value, max_depth)
    if not isinstance(parsed, dict if f.type == "object" else list):
        raise ValueError
    return parsed


def _load_descriptor(data: bytes | None, max_depth: int) -> tuple[dict[str, Any] | None, list[PackageError]]:
    """The descriptor's JSON object, or None and the error: missing, not UTF-8, nested
    deeper than ``max_depth`` (checked before parsing), not JSON, not an object."""
    if data is None:
        return None, [PackageError(DESCRIPTOR, None, None, "missing_file")]
    try:
        text = data.decode("utf-8")
        if json_depth(text, max_depth) > max_depth:
            return None, [PackageError(DESCRIPTOR, None, None, "too_deep", {"limit": max_depth})]
        body = json.loads(text)
    except UnicodeDecodeError:
        return None, [PackageError(DESCRIPTOR, None, None, "not_utf8")]
    except RecursionError:
        return None, [PackageError(DESCRIPTOR, None, None, "too_deep", {"limit": max_depth})]
    except json.JSONDecodeError as exc:
        return None, [PackageError(DESCRIPTOR, exc.lineno, None, "bad_json", {"reason": exc.msg})]
    if not isinstance(body, dict):
        return None, [PackageError(DESCRIPTOR, None, None, "bad_descriptor", {"key": "(root)"})]
    return body, []


def _read_descriptor(data: bytes | None, max_depth: int = MAX_DEPTH
                     ) -> tuple[dict[str, Any] | None, list[PackageError]]:
    body, errors = _load_descriptor(data, max_depth)
    if body is None:
        return None, errors
    errors = []
    if body.get("profile") != "data-package":
        errors.append(PackageError(DESCRIPTOR, None, "profile", "bad_descriptor", {"key": "profile"}))
    for key in ("name", "created"):
        if not isinstance(body.get(key), str) or not body.get(key):
            errors.append(PackageError(DESCRIPTOR, None, key, "bad_descriptor", {"key": key}))
    meta = body.get("cospiral")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        errors.append(PackageError(DESCRIPTOR, None, "cospiral.format", "bad_format",
                                   {"expected": FORMAT}))
        return None, errors
    territory = meta.get("territory")
    if not isinstance(territory, dict):
        territory = {}
    for key, kind in TERRITORY_KEYS.items():
        if not isinstance(territory.get(key), kind):
            errors.append(PackageError(DESCRIPTOR, None, f"cospiral.territory.{key}",
                                       "bad_descriptor", {"key": f"cospiral.territory.{key}"}))
    identifier = territory.get("identifier")
    if isinstance(identifier, str) and not SLUG.match(identifier):
        errors.append(PackageError(DESCRIPTOR, None, "cospiral.territory.identifier",
                                   "bad_identifier", {"identifier": identifier}))
    resources = body.get("resources")
    if not isinstance(resources, list):
        errors.append(PackageError(DESCRIPTOR, None, "resources", "bad_descriptor",
                                   {"key": "resources"}))
        return None, errors
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    if names != [r.name for r in RESOURCES]:
        errors.append(PackageError(DESCRIPTOR, None, "resources", "bad_resources",
                                   {"expected": ", ".join(r.name for r in RESOURCES)}))
        return None, errors
    _check_resources(resources, errors)
    return (None if errors else body), errors


def _check_resources(resources: list[dict[str, Any]], errors: list[PackageError]) -> None:
    """Each listed resource has the path, schema, hash and size entries of ``RESOURCES``."""
    for given, expected in zip(resources, RESOURCES, strict=True):
        if given.get("path") != expected.path:
            errors.append(PackageError(DESCRIPTOR, None, f"{expected.name}.path", "bad_descriptor",
                                       {"key": f"{expected.name}.path"}))
        if given.get("schema") != expected.schema():
            errors.append(PackageError(DESCRIPTOR, None, f"{expected.name}.schema", "bad_schema",
                                       {"resource": expected.name}))
        if not isinstance(given.get("hash"), str) or not isinstance(given.get("bytes"), int):
            errors.append(PackageError(DESCRIPTOR, None, f"{expected.name}.hash", "bad_descriptor",
                                       {"key": f"{expected.name}.hash"}))


def _int(value: str) -> int:
    if not value.isascii() or not (value.isdigit() or (value[:1] == "-" and value[1:].isdigit())):
        raise ValueError
    return int(value)


def _converter(f: Field, max_depth: int = MAX_DEPTH) -> Callable[[str], Any]:
    """A function from a non-empty cell to its typed value (raises ValueError)."""
    if f.type == "integer":
        return _int
    return lambda value: _parse(value, f, max_depth)


def _csv_rows(resource: Resource, text: str, errors: list[PackageError],
              max_cell: int) -> list[tuple[int, list[str]]] | None:
    """``(line, values)`` of every record after the header (``None`` if the header is
    wrong or the text cannot be read); a cell longer than ``max_cell`` is an error at its
    line and column (the csv module's own field limit is lifted while reading: no cell can
    be longer than the file, whose size is bounded before it is read)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width = len(resource.fields)
    raw: list[tuple[int, list[str]]] = []
    previous = csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        header = next(reader, None)
        if header != resource.columns:
            errors.append(PackageError(resource.path, 1, None, "bad_header",
                                       {"expected": ", ".join(resource.columns)}))
            return None
        for line, values in enumerate(reader, start=2):
            if len(values) != width:
                errors.append(PackageError(resource.path, line, None, "bad_width",
                                           {"found": len(values), "expected": width}))
                continue
            long = [i for i, v in enumerate(values) if len(v) > max_cell]
            if long:
                errors.extend(PackageError(resource.path, line, resource.columns[i], "cell_too_long",
                                           {"limit": max_cell}) for i in long)
                continue
            raw.append((line, values))
    except csv.Error:
        errors.append(PackageError(resource.path, reader.line_num or 1, None, "bad_csv"))
        return None
    finally:
        csv.field_size_limit(previous)
    return raw


def _read_table(resource: Resource, data: bytes, errors: list[PackageError], *,
                max_cell: int = MAX_CELL, max_depth: int = MAX_DEPTH) -> list[dict[str, Any]]:
    """The typed rows; checked column by column (types, required, enums), then the
    primary key."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        errors.append(PackageError(resource.path, None, None, "not_utf8"))
        return []
    raw = _csv_rows(resource, text, errors, max_cell)
    if not raw:
        return []
    lines = [line for line, _values in raw]
    columns = list(zip(*(values for _line, values in raw), strict=True))
    typed_columns = []
    for f, values in zip(resource.fields, columns, strict=True):
        if f.type == "string":
            typed = list(values)
        else:
            convert = _converter(f, max_depth)
            typed = []
            append = typed.append
            for index, value in enumerate(values):
                if value == "":
                    append(None)
                    continue
                try:
                    append(convert(value))
                except (ValueError, TypeError, OverflowError, RecursionError):
                    append(None)
                    errors.append(PackageError(resource.path, lines[index], f.name, "bad_value",
                                               {"value": value[:40], "type": f.type}))
        distinct = set(values)
        if f.required and "" in distinct:
            errors.extend(PackageError(resource.path, lines[i], f.name, "required")
                          for i, v in enumerate(values) if v == "")
        if f.enum is not None and distinct - set(f.enum) - {""}:
            allowed = set(f.enum) | {""}
            errors.extend(PackageError(resource.path, lines[i], f.name, "unknown_code",
                                       {"value": v[:40]})
                          for i, v in enumerate(values) if v not in allowed)
        typed_columns.append(typed)
    key_index = [resource.columns.index(k) for k in resource.primary_key]
    keys = list(zip(*(columns[i] for i in key_index), strict=True))
    if len(set(keys)) != len(keys):
        seen: dict[tuple[Any, ...], int] = {}
        for index, key in enumerate(keys):
            if key in seen:
                errors.append(PackageError(resource.path, lines[index], ", ".join(resource.primary_key),
                                           "duplicate_key", {"key": "/".join(key), "first": seen[key]}))
            else:
                seen[key] = lines[index]
    names = resource.columns
    return [dict(zip(names, row, strict=True)) for row in zip(*typed_columns, strict=True)]


def _check_foreign_keys(tables: dict[str, list[dict[str, Any]]], errors: list[PackageError]) -> None:
    for resource in RESOURCES:
        rows = tables.get(resource.name, [])
        for local, target, remote in resource.foreign_keys:
            known = {tuple(row.get(k) for k in remote) for row in tables.get(target, [])}
            values = [tuple(row.get(k) for k in local) for row in rows]
            empty = {tuple([None] * len(local)), tuple([""] * len(local))}
            if not set(values) - known - empty:
                continue
            for line, value in enumerate(values, start=2):
                if value in known or all(v in (None, "") for v in value):
                    continue
                errors.append(PackageError(
                    resource.path, line, ", ".join(local), "unknown_reference",
                    {"value": "/".join(str(v) for v in value), "target": target}))


def validate(files: dict[str, bytes], *, max_cell: int = MAX_CELL, max_depth: int = MAX_DEPTH
             ) -> tuple[Package | None, list[PackageError]]:
    """The package read from its files (path → bytes), or None and every error. A cell
    longer than ``max_cell`` characters, JSON nested deeper than ``max_depth``: errors."""
    body, errors = _read_descriptor(files.get(DESCRIPTOR), max_depth)
    if body is None:
        return None, errors
    expected = {DESCRIPTOR} | {r.path for r in RESOURCES}
    for extra in sorted(set(files) - expected):
        errors.append(PackageError(extra, None, None, "unexpected_file"))
    tables: dict[str, list[dict[str, Any]]] = {}
    for given, resource in zip(body["resources"], RESOURCES, strict=True):
        data = files.get(resource.path)
        if data is None:
            errors.append(PackageError(resource.path, None, None, "missing_file"))
            continue
        if sha256(data) != given["hash"] or len(data) != given["bytes"]:
            errors.append(PackageError(resource.path, None, None, "bad_hash"))
            continue
        tables[resource.name] = _read_table(resource, data, errors, max_cell=max_cell,
                                            max_depth=max_depth)
    if errors:
        return None, errors
    _check_foreign_keys(tables, errors)
    for line, row in enumerate(tables["grid"], start=2):
        if row["local"] and row["kind"] != "component":
            errors.append(PackageError("grid.csv", line, "local", "local_not_component"))
    session_group = {row["id"]: row["group"] for row in tables["sessions"]}
    for line, row in enumerate(tables["cards"], start=2):
        if row["full_code"] and not row["component"]:
            errors.append(PackageError("cards.csv", line, "full_code", "full_code_without_component"))
        if row["session"] is not None and session_group.get(row["session"], row["group"]) != row["group"]:
            errors.append(PackageError("cards.csv", line, "session", "session_of_another_group",
                                       {"value": str(row["session"])}))
    if errors:
        return None, errors
    return Package(body, tables), []
