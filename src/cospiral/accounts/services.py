"""Writes about accounts: first run, invitations. Each function owns its transaction
and writes the audit trail; the acting user is keyword-only."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cospiral.accounts.models import Invitation
from cospiral.core import audit, firstrun
from cospiral.territories import services as territory_services
from cospiral.territories.models import Membership, Role, Territory

_SALT = "cospiral.invitation"


def _check_password(user, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from error


def _check_username(username: str) -> None:
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _(
            "The username “%(username)s” is taken: choose another one.") % {"username": username}})


# --- First run -------------------------------------------------------------------------

@transaction.atomic
def first_run_setup(*, token: str, username: str, email: str, password: str,
                    territory_name: str, territory_slug: str, territory_kind: str):
    """The first site administrator and the first territory (they become its
    coordinator). Refused once any account exists: the setup link is then dead."""
    User = get_user_model()
    if not firstrun.check_token(token) or User.objects.select_for_update().exists():
        raise ValidationError(_("This setup link is no longer valid: an account already "
                                "exists. Sign in instead."))
    if Territory.objects.filter(slug=territory_slug).exists():
        raise ValidationError({"territory_slug": _(
            "The identifier “%(slug)s” is already used by another territory.")
            % {"slug": territory_slug}})
    user = User(username=username, email=email, is_staff=True, is_superuser=True)
    _check_password(user, password)
    user.set_password(password)
    user.save()
    territory = territory_services.create_territory(
        slug=territory_slug, name=territory_name, kind=territory_kind, user=user)
    audit.record(territory, user, "create", user,
                 f"First site administrator {username} created from the setup link")
    return user, territory


# --- Invitations -----------------------------------------------------------------------

def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(invitation.pk))


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names, or a ValidationError saying why not."""
    max_age = settings.COSPIRAL_INVITATION_DAYS * 24 * 3600
    try:
        pk = int(signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age))
    except signing.SignatureExpired as error:
        raise ValidationError(_(
            "This invitation has expired (links are valid %(days)s days): ask the "
            "coordinator to invite you again.") % {"days": settings.COSPIRAL_INVITATION_DAYS}
        ) from error
    except (signing.BadSignature, ValueError) as error:
        raise ValidationError(_("This invitation link is not valid: check that you copied "
                                "the whole address from the e-mail.")) from error
    invitation = Invitation.objects.select_related("territory").filter(pk=pk).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn: ask the coordinator to "
                                "invite you again."))
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted: sign in."))
    return invitation


def _send_invitation(invitation: Invitation, *, link: str) -> None:
    context = {"invitation": invitation, "territory": invitation.territory, "link": link,
               "role": invitation.get_role_display(), "days": settings.COSPIRAL_INVITATION_DAYS,
               "inviter": invitation.invited_by.get_username() if invitation.invited_by else ""}
    subject = " ".join(render_to_string("accounts/invitation_subject.txt", context).split())
    body = render_to_string("accounts/invitation_email.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError) as error:
        raise ValidationError({"email": _(
            "The e-mail could not be sent (%(error)s): nothing was saved. Check the "
            "server's e-mail settings (COSPIRAL_EMAIL_URL) and try again.") % {"error": error}}
        ) from error


@transaction.atomic
def invite(territory: Territory, *, user, email: str, role: str, base_url: str) -> Invitation:
    """Invite ``email`` to ``role`` in ``territory`` and send the link (``base_url`` is the
    server's address, e.g. https://cospiral.example.org). If the e-mail cannot be sent,
    nothing is saved."""
    email = email.strip()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if Membership.objects.of(territory).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": _(
            "Someone with the address %(email)s is already a member of this territory.")
            % {"email": email}})
    if Invitation.objects.of(territory).filter(email__iexact=email, accepted_at=None,
                                               revoked_at=None).exists():
        raise ValidationError({"email": _(
            "%(email)s already has a pending invitation: withdraw it first to send a new one.")
            % {"email": email}})
    invitation = Invitation.objects.create(territory=territory, email=email, role=role,
                                           invited_by=user)
    audit.record(territory, user, "create", invitation, f"Invitation of {email} as {role}")
    link = base_url.rstrip("/") + reverse("accounts:accept", args=[invitation_token(invitation)])
    _send_invitation(invitation, link=link)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, user) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.pending:
        raise ValidationError(_("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(invitation.territory, user, "delete", invitation,
                 f"Invitation of {invitation.email} withdrawn")
    return invitation


def _accepted(invitation: Invitation, user) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.pending:
        raise ValidationError(_("This invitation has already been accepted: sign in."))
    membership = territory_services.add_member(invitation.territory, user=user, member=user,
                                               role=invitation.role)
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(invitation.territory, user, "update", locked,
                 f"Invitation of {invitation.email} accepted by {user.get_username()}")
    return membership


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user) -> Membership:
    """A person who already has an account (signed in) accepts: they get the role."""
    if not user.email:
        user.email = invitation.email
        user.save(update_fields=["email"])
    return _accepted(invitation, user)


@transaction.atomic
def accept_with_new_account(invitation: Invitation, *, username: str, password: str):
    """A new account with the invitation's e-mail address, member with its role."""
    _check_username(username)
    user = get_user_model()(username=username, email=invitation.email)
    _check_password(user, password)
    user.set_password(password)
    user.save()
    audit.record(invitation.territory, user, "create", user,
                 f"Account {username} created from an invitation")
    _accepted(invitation, user)
    return user
