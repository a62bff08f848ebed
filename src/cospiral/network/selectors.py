"""Reads of networks: who may see a network, its members and signatories, territories
side by side, and the global synthesis of its members' coded criteria (pooled from the
exact counts of ``stats.selectors``, never a GROUP BY over cards)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation

from cospiral.cards.models import Card
from cospiral.domain import counts, verdict
from cospiral.domain import network as rules
from cospiral.domain import stats as numbers
from cospiral.network.models import (
    CharterSignature,
    CharterVersion,
    GridMapping,
    Network,
    NetworkCoordinator,
    NetworkMembership,
)
from cospiral.statistics import selectors as stats
from cospiral.territories.models import Membership, Territory

# --- who sees what ------------------------------------------------------------------


def visible_networks(user):
    """The networks a user coordinates or where they have a role in a member territory
    (every network for a site administrator)."""
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser:
        return Network.objects.all()
    territories = Membership.objects.filter(user=user).values("territory_id")
    return Network.objects.filter(
        Q(pk__in=NetworkCoordinator.objects.filter(user=user).values("network_id"))
        | Q(pk__in=NetworkMembership.objects.filter(territory_id__in=territories).values("network_id"))
    ).distinct()


def network_for(user, slug: str) -> Network:
    """The network ``slug`` if the user may see it, else 404 (its existence is not revealed)."""
    network = visible_networks(user).filter(slug=slug).first()
    if network is None:
        raise Http404("No such network.")
    return network


def networks_list(user) -> list[dict]:
    rows = []
    for n in visible_networks(user).order_by("name"):
        rows.append({"network": n, "members": NetworkMembership.objects.filter(network=n).count()})
    return rows


def member_territories(network: Network) -> list[Territory]:
    return list(Territory.objects.filter(network_memberships__network=network)
                .select_related("grid_version").order_by("name", "pk"))


def member_refs(network: Network) -> list[stats.TerritoryRef]:
    """The member territories as light references (a network may have thousands)."""
    # A plain cursor: the ORM's per-row datetime converters cost ~10 ms per thousand rows.
    qn = connection.ops.quote_name
    t_meta, m_meta = Territory._meta, NetworkMembership._meta
    t, m = qn(t_meta.db_table), qn(m_meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {t}.id, {t}.slug, {t}.name, {t}.parent_id, {t}.grid_version_id, "  # noqa: S608 (names quoted, values bound)
            f"{t}.created_at FROM {t} JOIN {m} ON {m}.territory_id = {t}.id "
            f"WHERE {m}.network_id = %s", [network.pk])
        rows = cursor.fetchall()
    refs = [stats.TerritoryRef(pk, slug, name, parent, grid, _aware(created))
            for pk, slug, name, parent, grid, created in rows]
    refs.sort(key=lambda r: (r.name, r.pk))
    return refs


def _aware(value):
    """A creation time as the ORM gives it (aware, UTC): SQLite returns text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def memberships(network: Network) -> list[NetworkMembership]:
    return list(NetworkMembership.objects.filter(network=network)
                .select_related("territory__grid_version").order_by("territory__name"))


def coordinators(network: Network):
    return list(NetworkCoordinator.objects.filter(network=network).select_related("user")
                .order_by("user__username"))


def charters(network: Network) -> list[CharterVersion]:
    return list(CharterVersion.objects.filter(network=network).order_by("-number"))


def current_charter(network: Network) -> CharterVersion | None:
    return CharterVersion.objects.filter(network=network).order_by("-number").first()


@dataclass
class Signatory:
    territory: Territory
    signature: CharterSignature | None  # None: the member has not signed
    status: str
    status_label: str
    is_lead: bool = False


def status_label(status: str) -> str:
    from django.utils.translation import gettext as _

    return {
        rules.SIGNED: _("Signed"),
        rules.REVIEW_DUE: _("Review due"),
        rules.REVIEW_OVERDUE: _("Review overdue"),
        rules.OLDER_VERSION: _("Signed an older version"),
        rules.NOT_SIGNED: _("Not signed"),
    }[status]


def signatories(network: Network, today=None) -> list[Signatory]:
    """Every member territory with its latest signature and its status: signed, review
    due or overdue, an older version signed, or not signed (no signature)."""
    today = today or timezone.localdate()
    current = current_charter(network)
    latest: dict[int, CharterSignature] = {}
    for s in (CharterSignature.objects.filter(network=network)
              .select_related("charter").order_by("signed_on", "pk")):
        latest[s.territory_id] = s
    result = []
    for m in memberships(network):
        s = latest.get(m.territory_id)
        if s is None:
            status = rules.NOT_SIGNED
        else:
            status = rules.signature_status(signed_version=s.charter.number,
                                            current_version=current.number if current else None,
                                            review_on=s.review_on, today=today)
        result.append(Signatory(m.territory, s, status, status_label(status), m.is_lead))
    result.sort(key=lambda r: (not r.is_lead, r.territory.name.lower(), r.territory.pk))
    return result


def lead(network: Network) -> Territory | None:
    m = (NetworkMembership.objects.filter(network=network, is_lead=True)
         .select_related("territory").first())
    return m.territory if m else None


def signing_territories(network: Network, user) -> list[Territory]:
    """The member territories ``user`` coordinates (may sign for)."""
    members = Territory.objects.filter(network_memberships__network=network)
    if not user.is_superuser:
        members = members.filter(pk__in=Membership.objects.filter(
            user=user, role="coordinator").values("territory_id"))
    return list(members.order_by("name"))


def addable_territories(network: Network, user) -> list[Territory]:
    """Territories ``user`` coordinates, or imported from a package, that are not members
    yet."""
    from cospiral.core.models import AuditEntry

    qs = Territory.objects.exclude(network_memberships__network=network)
    if not user.is_superuser:
        imported = (AuditEntry.objects.filter(user=user, action="import", model="territory")
                    .values_list("object_id", flat=True))
        qs = qs.filter(Q(pk__in=Membership.objects.filter(
            user=user, role="coordinator").values("territory_id"))
            | Q(imported_at__isnull=False, pk__in=[int(i) for i in imported if i.isdigit()]))
    return list(qs.order_by("name")[:500])


# --- territories side by side ---------------------------------------------------------


@dataclass
class IndicatorRow:
    code: str
    title: str
    cells: list[dict | None]  # per territory: score, low, high, n


@dataclass
class ProgressRow:
    code: str
    cells: list[dict | None]  # per territory: difference of the share at levels 4–5, low, high


def latest_wave(territory, *, published_only: bool = False):
    """The territory's latest survey wave whose results are published or which is closed
    (only published ones for ``published_only``: readers without a role in the territory)."""
    from cospiral.surveys.models import Wave

    done = Q(published_at__isnull=False)
    if not published_only:
        done |= Q(closes_at__lte=timezone.now())
    return Wave.objects.of(territory).filter(done).order_by("-created_at", "-pk").first()


def _f(value):
    if value is None or value is np.ma.masked:
        return None
    try:
        return round(float(value), 1)
    except (TypeError, ValueError):
        return None


def indicator_results(territories: list[Territory], user=None, language: str | None = None):
    """Score (0–100) and its bootstrap interval of each indicator code in each territory's
    latest published or closed wave (published only where ``user`` has no role); and
    ex-post against ex-ante (the change of the share at levels 4–5, in points, with its
    interval) where that wave has a baseline."""
    from cospiral.surveys import selectors as surveys

    language = language or translation.get_language()
    own = set() if user is None else (
        {t.pk for t in territories} if user.is_superuser else
        set(Membership.objects.filter(user=user).values_list("territory_id", flat=True)))
    # Live figures only for the territories the user coordinates; elsewhere the published
    # snapshot (issue 13: no one else ever sees live tallies).
    live = set() if user is None else (
        {t.pk for t in territories} if user.is_superuser else
        set(Membership.objects.filter(user=user, role="coordinator").values_list("territory_id", flat=True)))
    waves = [latest_wave(t, published_only=t.pk not in own) for t in territories]
    results: dict[str, list] = {}
    titles: dict[str, str] = {}
    progress: dict[str, list] = {}
    for i, wave in enumerate(waves):
        if wave is None:
            continue
        r = surveys.results(wave) if territories[i].pk in live else surveys.published_results(wave)
        if r is None:
            waves[i] = None
            continue
        for j, item in enumerate(r.items):
            code = item.indicator.code
            titles.setdefault(code, _title(item.indicator, language))
            f = r.scores.overall
            cell = {"score": _f(f.score[j]), "n": int(f.n[j]) if f.n[j] is not np.ma.masked else 0,
                    "low": _f(r.intervals.score_low[j]) if r.intervals else None,
                    "high": _f(r.intervals.score_high[j]) if r.intervals else None}
            results.setdefault(code, [None] * len(territories))[i] = cell
        comp = None
        if wave.baseline_id:
            comp = (surveys.comparison(wave) if territories[i].pk in live
                    else surveys.published_comparison(wave))
        if comp is not None:
            c = comp.comparison
            for j, code in enumerate(comp.codes):
                d, lo, hi = (None if a[j] is np.ma.masked else float(a[j]) * 100
                             for a in (c.high_difference, c.high_diff_low, c.high_diff_high))
                progress.setdefault(code, [None] * len(territories))[i] = {
                    "difference": _f(d), "low": _f(lo), "high": _f(hi),
                    # On the unrounded interval: the rule of every results page.
                    "verdict": verdict.verdict(d, lo, hi),
                }
    rows = [IndicatorRow(code, titles[code], results[code]) for code in sorted(results)]
    changes = [ProgressRow(code, progress[code]) for code in sorted(progress)]
    return waves, rows, changes


def _title(indicator, language) -> str:
    titles = indicator.titles or {}
    return titles.get(language) or titles.get("en") or titles.get("fr") or indicator.code


def mapped_pairs(versions: set[int]) -> set[tuple[int, int]]:
    """(from version, to version) pairs among ``versions`` that have a mapping."""
    return set(GridMapping.objects.filter(from_version_id__in=versions, to_version_id__in=versions)
               .values_list("from_version_id", "to_version_id").distinct())


def mappings_to(target: int, versions: set[int]) -> dict[int, dict[str, str]]:
    """For each version (other than ``target``), its mapping to ``target``: code -> code."""
    result: dict[int, dict[str, str]] = {v: {} for v in versions if v != target}
    for source, code, to in (GridMapping.objects.filter(to_version_id=target,
                                                        from_version_id__in=list(result))
                             .values_list("from_version_id", "from_code", "to_code")):
        result[source][code] = to
    return result


def profiles_side_by_side(territories: list[Territory], *, family: str | None = None,
                          language: str | None = None) -> dict:
    """Coded cards of each territory by family (and by component of ``family``), with
    shares of the territory's coded cards: from the exact counts (``stats``). Territories
    on another grid version than the first one are counted through the mapping of their
    version to the first one's; codes it does not name are counted as "not mapped"."""
    from cospiral.grid.models import GridEntry

    target = territories[0].grid_version_id
    cat = stats.catalogue([t for t in territories if t.grid_version_id == target], language)
    versions = {t.grid_version_id for t in territories}
    mappings = mappings_to(target, versions)
    # Every coded entry of these versions -> position of its component in the first
    # territory's grid (-1: not mapped). Sub-objects count for their component.
    position = {code: i for i, code in enumerate(cat.components)}
    ids, pos = [], []
    entries = GridEntry.objects.filter(version_id__in=versions).filter(
        Q(territory__isnull=True) | Q(territory_id__in=[t.pk for t in territories]))
    for pk, version, code, kind, parent_code in entries.values_list(
            "pk", "version_id", "code", "kind", "parent__code"):
        if kind == GridEntry.Kind.SUB_OBJECT:
            code = parent_code
        elif kind != GridEntry.Kind.COMPONENT:
            continue
        mapped = rules.translate(code, same_version=version == target,
                                 mapping=mappings.get(version, {}))
        ids.append(pk)
        pos.append(position.get(mapped, -1) if mapped is not None else -1)
    cells = stats.cells_of(territories, by_group=False)
    comp = counts.lookup(np.array(ids, dtype=np.int64), np.array(pos, dtype=np.int64),
                         cells.component)
    fam = counts.families_of(comp, cat.family_index())
    t_pos = {t.pk: i for i, t in enumerate(territories)}
    t_index = counts.map_positions(cells.territory, t_pos)
    f_matrix = counts.crosstab(fam, len(cat.families), t_index, len(territories), cells.count)
    all_coded = counts.bincount(t_index, cells.count, len(territories))
    totals = f_matrix.sum(axis=0)

    def rows_of(codes, matrix):
        rows = []
        for i, code in enumerate(codes):
            values = matrix[i].tolist()
            rows.append({"code": code, "label": cat.labels.get(code, code), "cells": [
                # A territory with no coded card has no share: "no data", never 0 (0 %).
                {"count": n, "share": n / totals[j], "percent": numbers.percent(n / totals[j])}
                if totals[j] else None
                for j, n in enumerate(values)]})
        return rows

    result = {"families": rows_of(cat.families, f_matrix), "totals": totals.tolist(),
              "not_mapped": (all_coded - totals).tolist(), "mapped": bool(mappings),
              "family": family, "family_choices": [(f, cat.labels.get(f, f)) for f in cat.families],
              "components": []}
    if family:
        wanted = [i for i, c in enumerate(cat.components) if cat.family_of.get(c) == family]
        if wanted:
            c_matrix = counts.crosstab(comp, len(cat.components), t_index, len(territories),
                                       cells.count)
            result["components"] = rows_of([cat.components[i] for i in wanted], c_matrix[wanted])
    return result


# --- the global synthesis -------------------------------------------------------------


def synthesis(network: Network, territories, *, question: str | None = None,
              profile: str | None = None, language: str | None = None) -> stats.Report:
    """Coded cards of every member territory pooled: by family, component and question,
    and by group profile (``stats.selectors.report``)."""
    from django.utils.translation import gettext as _

    groups = None
    if profile is not None:
        # The groups of that profile in the member territories, found in the database
        # (a network has ten thousand groups: cheaper than reading them all).
        from cospiral.groups.models import Group

        members = NetworkMembership.objects.filter(network=network).values("territory_id")
        groups = list(Group.objects.filter(territory_id__in=members, profile=profile)
                      .values_list("pk", flat=True))
    return stats.report(
        territories, subject=network.name,
        title=_("Global synthesis of %(network)s") % {"network": network.name},
        filters=stats.Filters(question=question, groups=groups), by_group=False,
        language=language)


def profiles_of_network(network: Network) -> list[str]:
    """The group profiles of the member territories (DISTINCT in the database)."""
    from cospiral.groups.models import Group

    members = NetworkMembership.objects.filter(network=network).values("territory_id")
    return sorted(set(Group.objects.filter(territory_id__in=members).exclude(profile="")
                      .values_list("profile", flat=True).distinct()), key=str.lower)


def drill_down(territories, code: str, *, question: str | None = None,
               language: str | None = None, cat: stats.Catalogue | None = None
               ) -> tuple[str, list[tuple], int]:
    """The label of component ``code`` and its coded cards in each contributing territory
    (identifier, name, count, share of the component's cards), most first."""
    cat = cat or stats.catalogue(territories, language)
    if code not in cat.components:
        raise Http404("No such component.")
    cells = stats._filtered(stats.cells_of(territories, by_group=False),
                            stats.Filters(question=question), {})
    comp = cat.component_index(cells.component)
    mask = comp == cat.components.index(code)
    by_t = counts.sum_by(cells.territory[mask], cells.count[mask])
    total = sum(by_t.values())
    names = {t.pk: t for t in territories}
    rows = sorted(((names[t].slug, names[t].name, n, numbers.percent(n / total if total else 0.0))
                   for t, n in by_t.items() if n), key=lambda r: (-r[2], r[1].lower()))
    return cat.labels.get(code, code), rows, total


def example_cards(territories, code: str, user, *, limit: int = 10,
                  cat: stats.Catalogue | None = None) -> tuple[list[dict], int]:
    """A few coded cards of component ``code`` across the territories: texts only from
    territories that publish their criteria's texts, or where the reader has a role.
    Returns the cards and the number of territories whose texts are withheld."""
    ids = [t.pk for t in territories]
    own = set(Membership.objects.filter(user=user).values_list("territory_id", flat=True)) \
        if not user.is_superuser else set(ids)
    open_ids = set(Territory.objects.filter(pk__in=ids, publish_card_texts=True)
                   .values_list("pk", flat=True)) if len(ids) <= stats.MANY else {
        pk for pk in Territory.objects.filter(publish_card_texts=True).values_list("pk", flat=True)
        if pk in set(ids)}
    allowed = sorted((open_ids | own) & set(ids))
    withheld = len(set(ids) - set(allowed))
    cat = cat or stats.catalogue(territories)
    entries = [pk for pk, c in cat.entry_code.items() if c == code]  # the component, its sub-objects
    cards = (Card.objects.counted()
             .filter(territory_id__in=allowed, component_id__in=entries)
             .select_related("territory", "question").order_by("pk")[:limit])
    return [{"territory": c.territory, "text": c.text, "question": c.question.code,
             "language": c.language} for c in cards], withheld


def mapping_pairs() -> list[dict]:
    """Every mapping between grid versions: the two versions and the number of codes."""
    from django.db.models import Count

    return list(GridMapping.objects.values("from_version__name", "from_version__slug",
                                           "to_version__name", "to_version__slug")
                .annotate(codes=Count("pk")).order_by("from_version__name", "to_version__name"))
