"""Account pages: first run, sign-in with an optional second factor, invitations, the
person's own account page. Thin: forms validate, services write."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from cospiral.accounts import forms, services, twofactor
from cospiral.accounts.models import Invitation
from cospiral.core import firstrun, pages
from cospiral.core.access import MANAGE, territory_view
from cospiral.territories.views import form_error

BACKEND = "django.contrib.auth.backends.ModelBackend"
PENDING = "cospiral_2fa_pending"
PENDING_SECONDS = 300


# --- First run -------------------------------------------------------------------------

def setup(request, token: str):
    if not firstrun.needs_setup() or not firstrun.check_token(token):
        raise Http404(_("This setup link is not valid."))
    form = forms.SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, territory = services.first_run_setup(
                token=token, username=data["username"], email=data["email"],
                password=data["password1"], territory_name=data["territory_name"],
                territory_slug=data["territory_slug"], territory_kind=data["territory_kind"])
        except ValidationError as error:
            form_error(form, error)
        else:
            auth_login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome! You are the site administrator and the "
                                        "coordinator of “%(name)s”.") % {"name": territory.name})
            return redirect("territories:home", territory=territory.slug)
    return render(request, "accounts/setup.html", {"form": form})


# --- Sign-in with an optional second factor --------------------------------------------

class LoginView(auth_views.LoginView):
    """Django's sign-in; a person enrolled in two-factor sign-in then gives a code."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["needs_setup"] = getattr(self.request, "cospiral_needs_setup", False)
        return context

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.is_enrolled(user):
            self.request.session[PENDING] = {"user": user.pk, "at": time.time(),
                                             "next": self.get_success_url()}
            return HttpResponseRedirect(reverse("accounts:login_code"))
        return super().form_valid(form)


def login_code(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.error(request, _("Sign in again: the code was not given within five minutes."))
        return redirect("login")
    user = get_object_or_404(get_user_model(), pk=pending["user"], is_active=True)
    device = twofactor.confirmed_device(user)
    if device is None:  # two-factor sign-in turned off in the meantime
        request.session.pop(PENDING, None)
        return redirect("login")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.check_code(device, form.cleaned_data["code"])
        except ValidationError as error:
            form_error(form, error)
        else:
            target = pending.get("next") or ""
            request.session.pop(PENDING, None)
            auth_login(request, user, backend=BACKEND)
            otp_login(request, device)
            if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                   require_https=request.is_secure()):
                target = reverse("home")
            return HttpResponseRedirect(target)
    return render(request, "registration/login_code.html", {"form": form})


# --- The person's own account ----------------------------------------------------------

@login_required
def account(request):
    return render(request, "accounts/account.html",
                  {"enrolled": twofactor.is_enrolled(request.user)})


@login_required
def two_factor(request):
    if twofactor.is_enrolled(request.user):
        form = forms.CodeForm(request.POST or None)
        done = pages.submit(request, form,
                            lambda data: twofactor.disable(request.user, code=data["code"]),
                            done=_("Two-factor sign-in is off."), then="accounts:account")
        return done or render(request, "accounts/two_factor_disable.html", {"form": form})
    device = twofactor.start_enrolment(request.user)
    form = forms.CodeForm(request.POST or None)
    done = pages.submit(request, form,
                        lambda data: twofactor.confirm_enrolment(request.user, code=data["code"]),
                        done=_("Two-factor sign-in is on: from now on, signing in asks for a "
                               "code from your app."), then="accounts:account")
    return done or render(request, "accounts/two_factor_enrol.html", {
        "form": form, "qr": twofactor.qr_svg(device), "secret": twofactor.secret_base32(device)})


# --- Invitations -----------------------------------------------------------------------

@territory_view(MANAGE)
def invitations(request):
    territory = request.territory
    form = forms.InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(territory, user=request.user, base_url=
                                         request.build_absolute_uri("/"), **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.")
                             % {"email": invitation.email})
            return redirect("invitations:list", territory=territory.slug)
    rows = Invitation.objects.of(territory).select_related("invited_by", "accepted_by")[:200]
    return render(request, "accounts/invitations.html", {
        "territory": territory, "form": form, "invitations": rows, "can_manage": True,
        "days": settings.COSPIRAL_INVITATION_DAYS,
        "role": request.role})


@require_POST
@territory_view(MANAGE)
def invitation_revoke(request, pk: int):
    invitation = get_object_or_404(Invitation.objects.of(request.territory), pk=pk)
    pages.act(request, lambda: services.revoke_invitation(invitation, user=request.user),
              done=_("The invitation of %(email)s is withdrawn.") % {"email": invitation.email},
              together=True)
    return redirect("invitations:list", territory=request.territory.slug)


def accept(request, token: str):
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as error:
        return render(request, "accounts/accept_invalid.html",
                      {"reason": " ".join(error.messages)}, status=404)
    form = forms.AcceptForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                services.accept_invitation(invitation, user=request.user)
            elif form.is_valid():
                user = services.accept_with_new_account(
                    invitation, username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"])
                auth_login(request, user, backend=BACKEND)
            else:
                raise ValidationError([])
        except ValidationError as error:
            if form is not None:
                if error.messages:
                    form_error(form, error)
            else:
                messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Welcome to “%(name)s”: you are %(role)s.") % {
                "name": invitation.territory.name, "role": invitation.get_role_display()})
            return redirect("territories:home", territory=invitation.territory.slug)
    return render(request, "accounts/accept.html", {"invitation": invitation, "form": form,
                                                    "token": token})
