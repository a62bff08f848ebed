"""The resources of the package and their fields (``RESOURCES``, ``BY_NAME``), the
format's constants and the codebook of its codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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
