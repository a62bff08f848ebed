"""Exporting a territory's open-data package and importing another territory's package
read-only, for comparison (issue 6).

The package (``cospiral.domain.package``) holds only published, anonymised data: no
user names, author tags, tokens, questionnaire keys or respondent numbers; card texts
only when the territory publishes them; survey results of waves whose results are
published, as overall counts of the indicators answered by at least the wave's
threshold; anonymised answers only when the territory publishes them.

Rows are numbered in the order of their database ids and written in that order; an
import creates them in the same order, so exporting an imported territory gives back
the same files byte for byte (its ``created`` and name are kept from the source
package). A grid version unknown on this server is created from the package's grid
resource; a known one must have exactly the package's shared codes.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.actions.models import Action, Axis, Commitment
from cospiral.cards.models import Card, Question
from cospiral.cards.services import insert_card_rows
from cospiral.coding import counts
from cospiral.core import audit
from cospiral.core.tabular import TableError, TableRejected
from cospiral.domain import package as pkg
from cospiral.domain import scoring
from cospiral.domain import survey as rules
from cospiral.grid.models import GridEntry, GridVersion
from cospiral.groups.models import Group
from cospiral.indicators.models import Indicator
from cospiral.packages import history
from cospiral.packages.archive import MESSAGES, Limits, package_error, unzip
from cospiral.surveys import selectors as survey_selectors
from cospiral.surveys.models import Questionnaire, Wave, WaveIndicator, WaveTally
from cospiral.syntheses.models import Synthesis, SynthesisSentence
from cospiral.territories.models import Cycle, Membership, Organisation, Role, Territory

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the archive of the same data is the same bytes

# --- export -------------------------------------------------------------------------------


def _numbering(ids) -> dict[int, int]:
    return {pk: n for n, pk in enumerate(ids, start=1)}


def _survey_rows(territory, publish_raw: bool):
    waves, items_rows, results_rows, responses = [], [], [], []
    published = list(Wave.objects.of(territory).filter(published_at__isnull=False).order_by("pk"))
    wave_no = _numbering(w.pk for w in published)
    for wave in published:
        n = wave_no[wave.pk]
        items = survey_selectors.instrument(wave)
        J = len(items)
        # The published snapshot, never the live tallies: two packages downloaded while
        # answers arrive differ only by a publication the suppression rule allowed.
        snapshot = survey_selectors.shown_snapshot(wave)
        if snapshot is None or snapshot.indicator_count != J:
            J = 0
            tally = survey_selectors.Cells(np.zeros((0, 0, rules.N_CODES), dtype=np.int64),
                                           np.zeros(0, dtype=np.int64), np.zeros((0, 4), dtype=np.int64))
        else:
            tally = survey_selectors.snapshot_cells(snapshot)
        waves.append([n, wave.title, wave.kind, wave_no.get(wave.baseline_id), wave.threshold,
                      tally.respondents, wave.bootstrap_seed, list(wave.profile_questions),
                      list(wave.neighbourhoods), list(wave.group_profiles),
                      wave.cycle.number if wave.cycle_id else None])
        for item in items:
            items_rows.append([n, item.position, item.indicator.code, item.indicator.version,
                               float(item.weight)])
        if J:
            overall = survey_selectors.results(wave, items=items, snapshot=snapshot,
                                               with_intervals=False).scores.overall
            totals = tally.counts.sum(axis=0)  # (J, codes)
            for j, item in enumerate(items):
                if overall.suppressed[j] or overall.empty[j]:
                    continue
                for code in range(scoring.LOWEST_CODE, scoring.HIGHEST_CODE + 1):
                    results_rows.append([n, item.position, code,
                                         int(totals[j, code - scoring.LOWEST_CODE])])
        # Raw responses: only of a closed wave whose published snapshot holds exactly its
        # answers (released in the batches the snapshots allow, never one by one).
        if publish_raw and J and survey_selectors.snapshot_is_current(wave, snapshot):
            matrix, prof, _ids = survey_selectors.raw_matrix(wave, J)
            asked = [k for k in rules.PROFILE_KEYS if k in wave.profile_questions]
            columns = [rules.PROFILE_KEYS.index(k) for k in asked]
            table = np.concatenate([prof[:, columns].astype(np.int64), matrix.astype(np.int64)], axis=1)
            if len(table):
                table = table[np.lexsort(table.T[::-1])]  # sorted rows: no trace of arrival order
            names = asked + [f"#{item.position}" for item in items]
            order = sorted(range(len(names)), key=lambda i: names[i])
            for respondent, values in enumerate(table.tolist(), start=1):
                for i in order:
                    responses.append([n, respondent, names[i], values[i]])
    return waves, items_rows, results_rows, responses


def export_files(territory: Territory) -> dict[str, bytes]:
    """The package's files (path → bytes)."""
    t = territory
    rows: dict[str, list] = {}
    entries = list(GridEntry.objects.of(t).select_related("parent"))
    rows["grid"] = sorted(
        ([e.code, e.kind, e.parent.code if e.parent else None, e.position,
          e.territory_id is not None, e.labels] for e in entries), key=lambda r: r[0])
    groups = list(Group.objects.of(t).order_by("pk").values_list("pk", "name", "kind",
                                                                 "cycle__number", "profile"))
    group_no = _numbering(g[0] for g in groups)
    rows["groups"] = [[group_no[pk], name, kind, cycle, profile]
                      for pk, name, kind, cycle, profile in groups]
    rows["sessions"], session_no = history.session_rows(t, group_no)
    rows["phases"] = history.phase_rows(t)
    questions = list(Question.objects.of(t).order_by("code"))
    rows["questions"] = [[q.code, q.is_method_question, q.position, q.texts] for q in questions]
    question_code = {q.pk: q.code for q in questions}
    component_code = {e.pk: e.code for e in entries}
    texts = t.publish_card_texts
    rows["cards"] = [
        [n, group_no[g], question_code[q], component_code.get(c), full_code, language, channel,
         text if texts else "", session_no.get(session)]
        for n, (g, q, c, full_code, language, channel, text, session) in enumerate(
            Card.objects.of(t).counted().order_by("pk").values_list(
                "group_id", "question_id", "component_id", "full_code", "language", "channel",
                "text", "session_id").iterator(chunk_size=20000), start=1)
    ]
    syntheses = list(Synthesis.objects.of(t).order_by("pk"))
    synthesis_no = _numbering(s.pk for s in syntheses)
    rows["syntheses"] = [[synthesis_no[s.pk], group_no.get(s.group_id), s.status, s.validated_on]
                         for s in syntheses]
    rows["synthesis_sentences"] = [
        [n, synthesis_no[s.synthesis_id], component_code[s.component_id], s.position, s.language,
         s.text]
        for n, s in enumerate(SynthesisSentence.objects.of(t).order_by("synthesis_id", "pk"), start=1)
    ]
    rows["indicators"] = [
        [i.code, i.version, component_code[i.component_id], i.status, i.titles, i.levels]
        for i in Indicator.objects.of(t).order_by("code", "version")
    ]
    rows["indicator_criteria"] = history.criterion_rows(t, texts)
    rows["existing_actions"] = history.existing_action_rows(t)
    (rows["waves"], rows["wave_indicators"], rows["wave_results"],
     rows["responses"]) = _survey_rows(t, t.publish_raw_responses)
    axes = list(Axis.objects.of(t).order_by("position", "code"))
    rows["axes"] = [[a.code, a.title, a.description, a.position,
                     a.cycle.number if a.cycle_id else None] for a in axes]
    axis_code = {a.pk: a.code for a in axes}
    actions = list(Action.objects.of(t).filter(deleted_at__isnull=True).order_by("pk"))
    action_no = _numbering(a.pk for a in actions)
    rows["actions"] = [
        [action_no[a.pk], axis_code.get(a.axis_id), a.title, a.description, a.origin, a.status,
         a.progress, list(a.families), a.starts_on, a.ends_on, a.position,
         a.cycle.number if a.cycle_id else None] for a in actions
    ]
    wave_no = _numbering(Wave.objects.of(t).filter(published_at__isnull=False).order_by("pk")
                         .values_list("pk", flat=True))
    rows["targets"], rows["milestones"] = history.target_and_milestone_rows(t, action_no,
                                                                           wave_no)
    commitments = list(
        Commitment.objects.of(t).filter(deleted_at__isnull=True, action_id__in=action_no,
                                        party_kind__in=["organisation", "group"])
        .select_related("organisation").order_by("pk"))
    rows["commitments"] = [
        [n, action_no[c.action_id], c.party_kind, c.organisation.name if c.organisation else None,
         group_no.get(c.group_id), c.what, c.resource,
         float(c.amount) if c.amount is not None else None, c.unit, c.due_on, c.accepted_on,
         c.signed_on, c.outcome]
        for n, c in enumerate(commitments, start=1)
    ]
    organisations = sorted({(c.organisation.name, c.organisation.kind)
                            for c in commitments if c.organisation})
    rows["organisations"] = [list(o) for o in organisations]

    files = {r.path: pkg.write_csv(r, rows[r.name]) for r in pkg.RESOURCES}
    source = t.imported_package or {}
    files[pkg.DESCRIPTOR] = pkg.descriptor(
        name=source.get("name") or f"cospiral-{t.slug}",
        title=t.name,
        created=source.get("created") or timezone.now().replace(microsecond=0).isoformat(),
        territory={"identifier": t.slug, "name": t.name, "kind": t.kind,
                   "languages": list(t.languages), "grid_version": t.grid_version.slug,
                   "publish_card_texts": t.publish_card_texts,
                   "publish_raw_responses": t.publish_raw_responses},
        files=files,
    )
    return files


def zip_files(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [pkg.DESCRIPTOR] + [r.path for r in pkg.RESOURCES]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def export_package(territory: Territory) -> bytes:
    """The territory's open-data package as a ZIP archive."""
    return zip_files(export_files(territory))


def filename(territory: Territory) -> str:
    return f"cospiral-{territory.slug}.zip"


# --- import -------------------------------------------------------------------------------


def _check_server(package: pkg.Package) -> tuple[GridVersion | None, list[TableError]]:
    """Checks against this server: identifier free, kinds known, grid version codes."""
    errors = []
    t = package.territory
    if Territory.objects.filter(slug=t["identifier"]).exists():
        errors.append(TableError(pkg.DESCRIPTOR, None, "cospiral.territory.identifier",
                                 str(MESSAGES["duplicate_territory"]) % {"identifier": t["identifier"]}))
    if t["kind"] not in Territory.Kind.values:
        errors.append(TableError(pkg.DESCRIPTOR, None, "cospiral.territory.kind",
                                 str(MESSAGES["bad_kind"]) % {"value": t["kind"]}))
    for line, row in enumerate(package.tables["groups"], start=2):
        if row["kind"] not in Group.Kind.values:
            errors.append(TableError("groups.csv", line, "kind",
                                     str(MESSAGES["bad_group_kind"]) % {"value": row["kind"]}))
    version = GridVersion.objects.filter(slug=t["grid_version"]).first()
    if version is not None:
        parents = dict(GridEntry.objects.shared().filter(version=version, parent__isnull=False)
                       .values_list("code", "parent__code"))
        ours = {(code, kind, parents.get(code)) for code, kind in
                GridEntry.objects.shared().filter(version=version).values_list("code", "kind")}
        theirs = {(r["code"], r["kind"], r["parent"] or None)
                  for r in package.tables["grid"] if not r["local"]}
        if ours != theirs:
            missing = sorted(c for c, _k, _p in ours - theirs)
            extra = sorted(c for c, _k, _p in theirs - ours)
            detail = "; ".join(part for part in [
                _("not in the package: %(codes)s") % {"codes": ", ".join(missing[:10])} if missing else "",
                _("only in the package: %(codes)s") % {"codes": ", ".join(extra[:10])} if extra else "",
            ] if part)
            errors.append(TableError("grid.csv", None, None, str(MESSAGES["grid_codes_differ"])
                                     % {"version": version.slug, "detail": detail}))
    # Answers must match their wave's questionnaire.
    def choices(wave, question):
        return rules.choice_counts({"neighbourhood": wave["neighbourhoods"],
                                    "group_profile": wave["group_profiles"]})[question]

    positions = defaultdict(set)
    for row in package.tables["wave_indicators"]:
        positions[row["wave"]].add(f"#{row['position']}")
    waves = {row["id"]: row for row in package.tables["waves"]}
    for line, row in enumerate(package.tables["waves"], start=2):
        unknown = [k for k in row["profile_questions"] if k not in rules.PROFILE_KEYS]
        if unknown:
            errors.append(TableError("waves.csv", line, "profile_questions",
                                     str(MESSAGES["unknown_code"]) % {"value": unknown[0]}))
            return version, errors
    for line, row in enumerate(package.tables["responses"], start=2):
        wave = waves[row["wave"]]
        question, answer = row["question"], row["answer"]
        if question not in positions[row["wave"]] | set(wave["profile_questions"]):
            errors.append(TableError("responses.csv", line, "question",
                                     str(MESSAGES["unknown_code"]) % {"value": question}))
        elif question.startswith("#"):
            if not scoring.LOWEST_CODE <= answer <= scoring.HIGHEST_CODE:
                errors.append(TableError("responses.csv", line, "answer",
                                         str(MESSAGES["unknown_code"]) % {"value": answer}))
        elif not rules.NOT_STATED <= answer < choices(wave, question):
            errors.append(TableError("responses.csv", line, "answer",
                                     str(MESSAGES["unknown_code"]) % {"value": answer}))
    return version, errors


def _grid(package: pkg.Package, version: GridVersion | None, now) -> GridVersion:
    """The server's grid version, or a new one made from the package's grid resource."""
    if version is not None:
        return version
    version = GridVersion.objects.create(slug=package.territory["grid_version"],
                                         name=package.territory["grid_version"],
                                         notes=_("Created from an imported open-data package."),
                                         frozen_at=now)
    _entries(package, version, local=False, territory=None)
    return version


def _entries(package, version, *, local: bool, territory) -> None:
    existing = dict(GridEntry.objects.of(territory).values_list("code", "pk")) if territory else {}
    rows = [r for r in package.tables["grid"] if r["local"] == local]
    made = {}
    for row in sorted(rows, key=lambda r: (r["kind"] != "family", r["kind"] == "sub_object", r["code"])):
        parent = row["parent"] or None
        entry = GridEntry.objects.create(
            version=version, code=row["code"], kind=row["kind"], labels=row["labels"],
            position=row["position"], territory=territory,
            source=GridEntry.Source.LOCAL if local else GridEntry.Source.IMPORTED,
            parent_id=(made.get(parent) or existing.get(parent)) if parent else None)
        made[row["code"]] = entry.pk


def import_package(data: bytes, name: str = "package.zip", *, user) -> Territory:
    """Load another territory's package read-only; raises ``TableRejected`` with every
    error (nothing is stored then)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to import a package."))
    limits = Limits.from_settings()
    package, errors = pkg.validate(unzip(data, name, limits), max_cell=limits.cell,
                                   max_depth=limits.depth)
    if package is None:
        raise TableRejected([package_error(e) for e in errors])
    version, server_errors = _check_server(package)
    if server_errors:
        raise TableRejected(server_errors)
    with transaction.atomic():
        return _store(package, version, user, data)


def _store(package: pkg.Package, version, user, data: bytes) -> Territory:
    from cospiral.territories.services import create_territory

    now = timezone.now()
    info = package.territory
    tables = package.tables
    version = _grid(package, version, now)
    territory = create_territory(slug=info["identifier"], name=info["name"], kind=info["kind"],
                                 grid_version=version, languages=info["languages"])
    territory.imported_at = now
    territory.imported_package = {"name": package.descriptor["name"],
                                  "created": package.descriptor["created"],
                                  "sha256": pkg.sha256(data)}
    territory.publish_card_texts = info["publish_card_texts"]
    territory.publish_raw_responses = info["publish_raw_responses"]
    territory.save(update_fields=["imported_at", "imported_package", "publish_card_texts",
                                  "publish_raw_responses"])
    Membership.objects.create(territory=territory, user=user, role=Role.OBSERVER)
    _entries(package, version, local=True, territory=territory)
    component = dict(GridEntry.objects.of(territory).values_list("code", "pk"))

    # Questions: the package's, replacing the method's copies made with the territory.
    wanted = {row["code"]: row for row in tables["questions"]}
    Question.objects.of(territory).exclude(code__in=wanted).delete()
    question = {}
    for code, row in wanted.items():
        q, _created = Question.objects.update_or_create(
            territory=territory, code=code,
            defaults={"texts": row["texts"], "is_method_question": row["method"],
                      "position": row["position"]})
        question[code] = q.pk
    cycle = dict(Cycle.objects.of(territory).values_list("number", "pk"))
    group = {}
    for row in tables["groups"]:
        group[row["id"]] = Group.objects.create(
            territory=territory, name=row["name"], kind=row["kind"], profile=row["profile"],
            cycle_id=cycle.get(row["cycle"]) if row["cycle"] is not None else None).pk
    session = history.store_sessions(territory, tables["sessions"], group)
    history.store_phases(territory, tables["phases"])
    rows = [(territory.pk, group[r["group"]], session.get(r["session"]), question[r["question"]], r["text"],
             r["language"], r["channel"], "", "", None, component.get(r["component"]),
             r["full_code"], now, now, None) for r in tables["cards"]]
    insert_card_rows(rows)
    counts.recompute(territory)
    if any(r["component"] for r in tables["cards"]) and not version.is_frozen:
        version.frozen_at = now
        version.save(update_fields=["frozen_at"])

    synthesis = {}
    for row in tables["syntheses"]:
        synthesis[row["id"]] = Synthesis.objects.create(
            territory=territory, group_id=group.get(row["group"]), status=row["status"],
            validated_on=row["validated_on"],
            validated_at=now if row["status"] == "validated" else None).pk
    SynthesisSentence.objects.bulk_create([
        SynthesisSentence(territory=territory, synthesis_id=synthesis[r["synthesis"]],
                          component_id=component[r["component"]], position=r["position"],
                          language=r["language"], text=r["text"])
        for r in tables["synthesis_sentences"]])

    indicator = {}
    for row in tables["indicators"]:  # sorted by code and version: previous versions first
        made = Indicator.objects.create(
            territory=territory, code=row["code"], version=row["version"],
            component_id=component[row["component"]], titles=row["titles"], levels=row["levels"],
            status=row["status"], frozen_at=now if row["status"] == "frozen" else None,
            previous_id=indicator.get((row["code"], row["version"] - 1)))
        indicator[(row["code"], row["version"])] = made.pk

    history.store_criteria(territory, tables["indicator_criteria"], indicator)
    history.store_existing_actions(territory, tables["existing_actions"], cycle, now)
    wave = _store_waves(territory, tables, indicator, now, cycle)

    axis = {}
    for row in tables["axes"]:
        axis[row["code"]] = Axis.objects.create(territory=territory, code=row["code"],
                                                title=row["title"], description=row["description"],
                                                position=row["position"],
                                                cycle_id=cycle.get(row["cycle"])).pk
    action = {}
    for row in tables["actions"]:
        action[row["id"]] = Action.objects.create(
            territory=territory, axis_id=axis.get(row["axis"]), title=row["title"],
            description=row["description"], origin=row["origin"], status=row["status"],
            progress=row["progress"], families=row["families"], starts_on=row["starts_on"],
            ends_on=row["ends_on"], position=row["position"], cycle_id=cycle.get(row["cycle"])).pk
    history.store_targets(territory, tables["targets"], action, indicator, wave)
    history.store_milestones(territory, tables["milestones"], action)
    organisation = {}
    for row in tables["organisations"]:
        organisation[row["name"]] = Organisation.objects.create(
            territory=territory, name=row["name"], kind=row["kind"]).pk
    for row in tables["commitments"]:
        Commitment.objects.create(
            territory=territory, action_id=action[row["action"]], party_kind=row["party_kind"],
            organisation_id=organisation.get(row["organisation"]), group_id=group.get(row["group"]),
            what=row["what"], resource=row["resource"],
            amount=None if row["amount"] is None else str(row["amount"]), unit=row["unit"],
            due_on=row["due_on"], accepted_on=row["accepted_on"], signed_on=row["signed_on"],
            outcome=row["outcome"])
    audit.record(territory, user, "import", territory,
                 f"Open-data package {package.descriptor['name']} imported read-only",
                 changes={"cards": len(tables["cards"]), "waves": len(tables["waves"])})
    return territory


def _store_waves(territory, tables, indicator, now, cycle) -> dict:
    items = defaultdict(list)
    for row in tables["wave_indicators"]:
        items[row["wave"]].append(row)
    results = defaultdict(list)
    for row in tables["wave_results"]:
        results[row["wave"]].append(row)
    answers = defaultdict(lambda: defaultdict(dict))
    for row in tables["responses"]:
        answers[row["wave"]][row["respondent"]][row["question"]] = row["answer"]
    wave = {}
    for row in tables["waves"]:
        made = Wave.objects.create(
            territory=territory, title=row["title"], kind=row["kind"], threshold=row["threshold"],
            bootstrap_seed=row["bootstrap_seed"], profile_questions=row["profile_questions"],
            neighbourhoods=row["neighbourhoods"], group_profiles=row["group_profiles"],
            frozen_at=now, published_at=now, opens_at=now, closes_at=now,
            cycle_id=cycle.get(row["cycle"]))
        wave[row["id"]] = made
        ordered = sorted(items[row["id"]], key=lambda r: r["position"])
        WaveIndicator.objects.bulk_create([
            WaveIndicator(territory_id=made.territory_id, wave=made,
                          indicator_id=indicator[(r["indicator"], r["version"])],
                          position=r["position"], weight=r["weight"]) for r in ordered])
        J = len(ordered)
        index = {r["position"]: j for j, r in enumerate(ordered)}
        if answers.get(row["id"]):
            given_rows = [given for _n, given in sorted(answers[row["id"]].items())]
            levels = np.full((len(given_rows), J), scoring.MISSING, dtype=np.int8)
            profile = np.full((len(given_rows), 4), rules.NOT_STATED, dtype=np.int64)
            keys = {f"#{r['position']}": index[r["position"]] for r in ordered}
            keys.update({k: ("p", i) for i, k in enumerate(rules.PROFILE_KEYS)})
            for n, given in enumerate(given_rows):
                for question, value in given.items():
                    where = keys[question]
                    if isinstance(where, tuple):
                        profile[n, where[1]] = value
                    else:
                        levels[n, where] = value
            Questionnaire.objects.bulk_create([
                Questionnaire(
                    territory=territory, wave=made, channel=Questionnaire.Channel.IMPORT,
                    key=f"i:{n + 1}", levels=levels[n].tobytes(), age_band=int(p[0]),
                    gender=int(p[1]), neighbourhood=int(p[2]), group_profile=int(p[3]),
                    consent=bool((p != rules.NOT_STATED).any()), submitted_at=now)
                for n, p in enumerate(profile)], batch_size=2000)
            # The tallies, counted vectorised per profile cell (as surveys.services does).
            unique, inverse = np.unique(profile, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            codes = levels.astype(np.int64) - rules.LOWEST_CODE
            flat = (inverse[:, None] * J + np.arange(J)[None, :]) * rules.N_CODES + codes
            tallies = np.bincount(flat.ravel(), minlength=len(unique) * J * rules.N_CODES)
            tallies = tallies.reshape(len(unique), J, rules.N_CODES)
            sizes = np.bincount(inverse, minlength=len(unique))
            WaveTally.objects.bulk_create([
                WaveTally(territory=territory, wave=made, age_band=int(unique[c][0]),
                          gender=int(unique[c][1]), neighbourhood=int(unique[c][2]),
                          group_profile=int(unique[c][3]), respondents=int(sizes[c]),
                          counts=rules.pack_counts(tallies[c])) for c in range(len(unique))])
        elif row["respondents"]:
            tally = np.zeros((J, rules.N_CODES), dtype=np.int64)
            for r in results[row["id"]]:
                tally[index[r["position"]], r["answer"] - scoring.LOWEST_CODE] = r["respondents"]
            WaveTally.objects.create(territory=territory, wave=made, respondents=row["respondents"],
                                     counts=rules.pack_counts(tally))
        # Published in the package: published here as a snapshot of what was imported.
        from cospiral.surveys import services as survey_services

        survey_services.take_snapshot(made, user=None)
    for row in tables["waves"]:
        if row["baseline"] is not None:
            wave[row["id"]].baseline = wave[row["baseline"]]
            wave[row["id"]].save(update_fields=["baseline"])
    return wave
