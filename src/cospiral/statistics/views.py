"""Statistics pages and their exports. Thin: forms read the filters, selectors count,
charts draw; every page is a territory page readable by every role."""

from __future__ import annotations

from html import escape

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cospiral.core import exports
from cospiral.core.access import READ, can_manage, territory_view
from cospiral.statistics import charts, forms, selectors
from cospiral.statistics.selectors import Filters

SCOPES = ("territory", "group", "compare", "network")


def _territory_report(request, form):
    territory = request.territory
    data = form.cleaned_data
    filters = Filters(question=data.get("question") or None,
                      groups=[data["group"].pk] if data.get("group") else None,
                      profile=data.get("profile") or None)
    territories = [territory]
    if data.get("inside"):
        territories += selectors.inside(territory, selectors.readable_territories(request.user))
    subject = territory.name
    if data.get("group"):
        subject = data["group"].name
    elif filters.profile:
        subject = _("the groups “%(profile)s”") % {"profile": filters.profile}
    return selectors.report(
        territories, subject=subject, title=_("Statistics of %(territory)s") % {"territory": territory.name},
        filters=filters, by_territory=len(territories) > 1,
        totals_of=territory if len(territories) == 1 else None)


def _group_report(request, group, form):
    question = form.cleaned_data.get("question") or None
    return selectors.report(
        [request.territory], subject=group.name,
        title=_("Statistics of the group %(group)s") % {"group": group.name},
        filters=Filters(question=question, groups=[group.pk]), by_group=False,
        totals_of=request.territory)


def _compare_report(request, form):
    data = form.cleaned_data
    chosen = [g.pk for g in data.get("group") or []] or None
    return selectors.comparison(request.territory, group_ids=chosen,
                                by_profile=(data.get("by") or "profile") == "profile",
                                question=data.get("question") or None)


def _network_form(request, data):
    readable = selectors.readable_territories(request.user)
    codes = [q.code for q in selectors.questions(request.territory)]
    form = forms.NetworkForm(data, readable=readable, questions=codes)
    return form, readable


def _network_report(request, form, readable):
    chosen = set(form.cleaned_data.get("territory") or [])
    if chosen:
        territories = [t for t in readable if t.slug in chosen]
    else:
        territories = [request.territory] + selectors.inside(request.territory, readable)
    return selectors.report(
        territories, subject=_("the %(count)s territories chosen") % {"count": len(territories)}
        if len(territories) > 1 else territories[0].name,
        title=_("Statistics of several territories"),
        filters=Filters(question=form.cleaned_data.get("question") or None),
        by_group=False, by_territory=True), territories


def _options(form, selected: set[str]) -> str:
    """The options of the territory list, built here rather than looped over in the
    template: a network page lists up to thousands of territories."""
    parts = []
    for t in form.readable:
        chosen = " selected" if t.slug in selected else ""
        parts.append(f'<option value="{escape(t.slug)}"{chosen}>{escape(t.name)} '
                     f'({escape(t.slug)})</option>')
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


def _paginate(request, report, base_query: str) -> None:
    """Show each long table PAGE_ROWS rows at a time (``?page_<table>=N``), with links to
    the previous and next rows; exports keep every row."""
    if report is None:
        return
    for table in report.tables:
        try:
            page = int(request.GET.get(f"page_{table.name}", "1"))
        except ValueError:
            page = 1
        table.page = min(max(page, 1), table.pages)
        links = {}
        for key, number in (("previous", table.page - 1), ("next", table.page + 1)):
            if 1 <= number <= table.pages:
                links[key] = (f"?{base_query}&page_{table.name}={number}" if base_query
                              else f"?page_{table.name}={number}") + f"#table-{table.name}"
        table.page_links = links


def _page(request, template, status=200, **context):
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    # The page's filters, without the table page numbers: for exports and page links.
    query = request.GET
    if any(key.startswith("page_") for key in query):
        query = query.copy()
        for key in [k for k in query if k.startswith("page_")]:
            del query[key]
    context.setdefault("query", query.urlencode())
    _paginate(request, context.get("report"), context["query"])
    return render(request, template, context, status=status)


def _filtered(request, scope: str, data, group=None):
    """The filter form of ``scope`` (territory, group, compare) read from ``data``, and
    its report when the form is valid (else None): what the page and its exports show."""
    if scope == "group":
        form = forms.QuestionForm(data, territory=request.territory)
        return form, _group_report(request, group, form) if form.is_valid() else None
    form_class, report = {"territory": (forms.TerritoryFilterForm, _territory_report),
                          "compare": (forms.CompareForm, _compare_report)}[scope]
    form = form_class(data, territory=request.territory)
    return form, report(request, form) if form.is_valid() else None


def _report_page(request, scope: str, **context):
    """The statistics page of ``scope``: its report with its charts for a valid filter
    form, or the form's errors (400)."""
    template = f"statistics/{scope}.html"
    form, report = _filtered(request, scope, request.GET, context.get("group"))
    if not form.is_valid():
        return _page(request, template, status=400, form=form, report=None, **context)
    return _page(request, template, form=form, report=charts.attach(report), scope=scope,
                 **context)


@territory_view(READ)
def territory(request):
    return _report_page(request, "territory")


@territory_view(READ)
def group(request, pk: int):
    group = get_object_or_404(selectors.Group.objects.of(request.territory), pk=pk)
    return _report_page(request, "group", group=group)


@territory_view(READ)
def compare(request):
    return _report_page(request, "compare")


@territory_view(READ)
def network(request):
    form, readable = _network_form(request, request.GET)
    if not form.is_valid():
        return _page(request, "statistics/network.html", status=400, form=form, report=None,
                     options=_options(form, set(request.GET.getlist("territory"))))
    report, chosen = _network_report(request, form, readable)
    charts.attach(report)
    return _page(request, "statistics/network.html", form=form, report=report, scope="network",
                 options=_options(form, {t.slug for t in chosen}))


@territory_view(READ)
def export(request, format: str):
    """One table of a statistics page as CSV, « Excel (français) » or XLSX:
    ``?scope=&table=`` plus the page's own filters (``pk`` for a group's page)."""
    exports.check_format(format)
    with exports.language(format):
        return _export(request, format)


def _export(request, format: str):
    scope = request.GET.get("scope", "territory")
    if scope not in SCOPES:
        raise Http404
    data = request.GET.copy()
    name_parts = [request.territory.slug]
    group = None
    if scope == "group":
        try:
            pk = int(data.get("pk", ""))
        except ValueError:
            raise Http404 from None
        group = get_object_or_404(selectors.Group.objects.of(request.territory), pk=pk)
        name_parts.append(f"group-{group.pk}")
    if scope == "network":
        form, readable = _network_form(request, data)
        report = _network_report(request, form, readable)[0] if form.is_valid() else None
        name_parts = ["network"]
    else:
        form, report = _filtered(request, scope, data, group)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
                           for f, e in form.errors.items())
        return HttpResponse(_("The filters of this export are not valid: %(errors)s")
                            % {"errors": errors}, status=400, content_type="text/plain; charset=utf-8")
    table = report.table(request.GET.get("table", ""))
    if table is None:
        raise Http404(_("No such table on this page."))
    header = [c.key for c in table.columns]
    labels = [f"{c.group} – {c.label}" if c.group else c.label for c in table.columns]
    name = "-".join(["cospiral-statistics", *name_parts, table.name])
    notes = [[_("Table"), table.caption], [_("Summary"), table.summary]]
    notes += [[c.key, label] for c, label in zip(table.columns, labels, strict=True)]
    return exports.response(name, [
        exports.Sheet(table.name, header, table.rows, labels),
        exports.Sheet("about", [_("Column"), _("Meaning")], notes),
    ], format)

