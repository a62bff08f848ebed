"""Network pages: the list, a network (members, charter, signatories), territories side
by side and the global synthesis. Thin: forms read, services write, selectors read."""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cospiral.core import pages
from cospiral.domain import network as rules
from cospiral.network import forms, imports, selectors, services
from cospiral.network.models import CharterVersion
from cospiral.statistics import charts
from cospiral.territories.models import Territory


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for msgs in error.message_dict.values() for m in msgs]
    return list(error.messages)


@login_required
def network_list(request):
    form = forms.NetworkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not services.can_create_network(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                network = services.create_network(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, msgs in error.message_dict.items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                messages.success(request, _("Network “%(name)s” created.") % {"name": network.name})
                return redirect("network:detail", network.slug)
        status = 400
    return render(request, "network/list.html", {
        "networks": selectors.networks_list(request.user), "form": form,
        "can_create": services.can_create_network(request.user)}, status=status)


def _detail_context(request, network, **extra):
    language = translation.get_language()
    current = selectors.current_charter(network)
    charter_text = current.text(language) if current else None
    other_text = None
    if current:
        other = "en" if charter_text[0] == "fr" else "fr"
        text = current.text_en if other == "en" else current.text_fr
        other_text = (other, text) if text else None
    context = {
        "network": network, "memberships": selectors.memberships(network),
        "coordinators": selectors.coordinators(network),
        "signatories": selectors.signatories(network), "charter": current,
        "lead": selectors.lead(network),
        "charter_text": charter_text, "other_text": other_text,
        "charters": selectors.charters(network),
        "is_coordinator": services.coordinates_network(request.user, network),
        "signing": selectors.signing_territories(network, request.user),
        "addable": selectors.addable_territories(network, request.user)
        if services.coordinates_network(request.user, network) else [],
        "sign_form": forms.SignForm(initial={"charter": current.pk if current else None}),
        "charter_form": forms.CharterForm(), "member_form": forms.MemberForm(),
    }
    context.update(extra)
    return context


@login_required
def detail(request, slug):
    network = selectors.network_for(request.user, slug)
    return render(request, "network/detail.html", _detail_context(request, network))


def _coordinated(request, slug):
    """The network ``slug``, for one of its coordinators only."""
    network = selectors.network_for(request.user, slug)
    if not services.coordinates_network(request.user, network):
        raise PermissionDenied
    return network


def _territory(slug):
    return Territory.objects.filter(slug=slug).first()


def _member_change(request, network, write, done: str, *, valid: bool = True):
    """Add or remove the territory named in the POST: ``write(network, territory, user=…)``
    and the message ``done`` (with the territory's name), or why not."""
    slug = request.POST.get("territory", "")
    territory = _territory(slug) if valid else None
    if territory is None:
        messages.error(request, _("No territory with the identifier “%(slug)s”.") % {"slug": slug})
    else:
        pages.act(request, lambda: write(network, territory, user=request.user),
                  done=done % {"territory": territory.name})
    return redirect("network:detail", network.slug)


@login_required
@require_POST
def add_member(request, slug):
    network = _coordinated(request, slug)
    return _member_change(request, network, services.add_member,
                          _("%(territory)s joined the network."),
                          valid=forms.MemberForm(request.POST).is_valid())


@login_required
@require_POST
def remove_member(request, slug):
    network = selectors.network_for(request.user, slug)
    return _member_change(request, network, services.remove_member,
                          _("%(territory)s left the network."))


@login_required
@require_POST
def set_lead(request, slug):
    network = _coordinated(request, slug)
    chosen = request.POST.get("territory", "")
    territory = _territory(chosen) if chosen else None
    if chosen and territory is None:
        messages.error(request, _("No territory with the identifier “%(slug)s”.") % {"slug": chosen})
        return redirect("network:detail", network.slug)
    pages.act(request, lambda: services.set_lead(network, territory, user=request.user),
              done=_("%(territory)s is the lead territory of the network.")
              % {"territory": territory.name} if territory
              else _("The network has no lead territory."))
    return redirect("network:detail", network.slug)


@login_required
@require_POST
def publish_charter(request, slug):
    network = _coordinated(request, slug)
    form = forms.CharterForm(request.POST)
    if form.is_valid():
        try:
            charter = services.publish_charter(network, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, msgs in error.message_dict.items():
                for m in msgs:
                    form.add_error(field, m)
        else:
            messages.success(request, _("Version %(number)s of the charter published.")
                             % {"number": charter.number})
            return redirect("network:detail", network.slug)
    return render(request, "network/detail.html",
                  _detail_context(request, network, charter_form=form), status=400)


@login_required
@require_POST
def sign(request, slug):
    network = selectors.network_for(request.user, slug)
    form = forms.SignForm(request.POST)
    territory = _territory(form.data.get("territory", ""))
    if territory is not None and not services.coordinates_territory(request.user, territory):
        raise PermissionDenied
    if territory is None:
        form.is_valid()
        form.add_error("territory", _("No territory with the identifier “%(slug)s”.")
                       % {"slug": form.data.get("territory", "")})
    elif form.is_valid():
        charter = CharterVersion.objects.filter(pk=form.cleaned_data["charter"]).first()
        if charter is None:
            form.add_error("charter", _("No such charter version."))
        else:
            data = {k: form.cleaned_data[k] for k in ("signed_on", "review_on", "signed_by", "commitments")}
            try:
                services.sign(network, territory, user=request.user, charter=charter, **data)
            except ValidationError as error:
                for field, msgs in error.message_dict.items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                messages.success(request, _("%(territory)s signed version %(number)s of the charter.")
                                 % {"territory": territory.name, "number": charter.number})
                return redirect("network:detail", network.slug)
    return render(request, "network/detail.html",
                  _detail_context(request, network, sign_form=form), status=400)


@login_required
def compare(request, slug):
    network = selectors.network_for(request.user, slug)
    members = selectors.member_territories(network)
    chosen_slugs = request.GET.getlist("territory")
    context = {"network": network, "members": members, "chosen_slugs": chosen_slugs,
               "error": None, "profile": None, "family": request.GET.get("family") or ""}
    status = 200
    if chosen_slugs:
        try:
            rules.check_choice(chosen_slugs, [t.slug for t in members])
        except rules.NetworkRuleError as error:
            context["error"] = services.rule_message(error)
            status = 400
        else:
            by_slug = {t.slug: t for t in members}
            chosen = [by_slug[s] for s in chosen_slugs]
            versions = {t.grid_version_id: t.grid_version for t in chosen}
            target = chosen[0].grid_version
            missing = rules.missing_mappings(versions, target.pk, selectors.mapped_pairs(set(versions)))
            if missing:
                check = rules.same_grid({t.slug: f"{t.grid_version.name} ({t.grid_version.slug})"
                                         for t in chosen})
                context["error"] = _(
                    "These territories use different grid versions, so their codes cannot be "
                    "compared: %(versions)s. Compare territories on the same grid version, or "
                    "import a mapping from %(missing)s to %(target)s.") % {
                    "versions": "; ".join(f"{v}: {', '.join(s)}" for v, s in check.versions.items()),
                    "missing": ", ".join(f"{versions[v].name} ({versions[v].slug})" for v in missing),
                    "target": f"{target.name} ({target.slug})"}
                status = 400
            else:
                context["target_version"] = target if len(versions) > 1 else None
                context["chosen"] = chosen
                context["profile"] = selectors.profiles_side_by_side(
                    chosen, family=context["family"] or None)
                waves, rows, progress = selectors.indicator_results(chosen, request.user)
                context.update(waves=waves, indicator_rows=rows, progress_rows=progress)
    return render(request, "network/compare.html", context, status=status)


@login_required
def synthesis(request, slug):
    network = selectors.network_for(request.user, slug)
    territories = selectors.member_refs(network)
    form = forms.SynthesisForm(request.GET)
    report = None
    status = 200
    if form.is_valid():
        report = selectors.synthesis(network, territories,
                                     question=form.cleaned_data["question"] or None,
                                     profile=form.cleaned_data["profile"] or None)
        charts.attach(report)
        for t in report.tables:
            t.page = 1
    else:
        status = 400
    return render(request, "network/synthesis.html", {
        "network": network, "form": form, "report": report, "count": len(territories),
        "profiles": selectors.profiles_of_network(network),
        "components": _components(network, report, form.cleaned_data.get("question", "")
                                  if form.is_valid() else ""),
    }, status=status)


def _components(network, report, question: str) -> str:
    """The drill-down links of the components with coded cards, as escaped list items
    (one URL built, not one per component: a grid has about seventy)."""
    table = report.table("components") if report else None
    if table is None:
        return ""
    at = {c.key: i for i, c in enumerate(table.columns)}
    base = reverse("network:synthesis", args=[network.slug])
    query = f"?{urlencode({'question': question})}" if question else ""
    return format_html_join(
        "", '<li><a href="{}{}/{}">{} · {}</a> ({})</li>',
        ((base, quote(row[0]), query, row[0], row[1], row[at["total_count"]])
         for row in table.rows if row[at["total_count"]]))


@login_required
def component(request, slug, code):
    network = selectors.network_for(request.user, slug)
    territories = selectors.member_refs(network)
    question = request.GET.get("question") or None
    cat = selectors.stats.catalogue(territories)
    label, rows, total = selectors.drill_down(territories, code, question=question, cat=cat)
    cards, withheld = selectors.example_cards(territories, code, request.user, cat=cat)
    return render(request, "network/component.html", {
        "network": network, "code": code, "label": label, "rows": rows, "total": total,
        # Built here, escaped: every territory of a large network may contribute.
        "rows_html": mark_safe("".join(  # noqa: S308 (every value escaped)
            f'<tr class="contributor"><th scope="row">{escape(name)}</th><td><code>{escape(slug)}'
            f'</code></td><td class="num">{n}</td><td class="num">{escape(share)}</td></tr>'
            for slug, name, n, share in rows)),
        "cards": cards, "withheld": withheld, "question": question})


@login_required
def mapping(request, slug):
    """The mappings between the grid versions of the member territories; a network
    coordinator imports one (CSV or XLSX), all or nothing."""
    from cospiral.core.tabular import TableRejected

    network = selectors.network_for(request.user, slug)
    can_import = services.can_import_mapping(request.user) and \
        services.coordinates_network(request.user, network)
    form = forms.MappingForm(request.POST or None, request.FILES or None)
    errors, status = [], 200
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = imports.import_mapping(
                    user=request.user, from_version=form.cleaned_data["from_version"],
                    to_version=form.cleaned_data["to_version"], data=upload.read(),
                    filename=upload.name)
            except TableRejected as rejected:
                errors = [str(e) for e in rejected.errors]
            except ValidationError as error:
                errors = _errors(error)
            else:
                messages.success(request, _("%(count)s codes mapped.") % {"count": count})
                return redirect("network:mapping", network.slug)
        status = 400
    return render(request, "network/mapping.html", {
        "network": network, "form": form, "errors": errors, "can_import": can_import,
        "pairs": selectors.mapping_pairs()}, status=status)
