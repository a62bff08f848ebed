"""Optional two-factor sign-in with a TOTP app (django-otp's TOTP devices)."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice | None:
    if getattr(user, "pk", None) is None:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user) -> bool:
    return confirmed_device(user) is not None


@transaction.atomic
def start_enrolment(user) -> TOTPDevice:
    """The person's unconfirmed device (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="cospiral", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (no style, no script)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode("utf-8")
    return text[text.index("<svg"):]


def _code_error(device: TOTPDevice):
    return ValidationError({"code": _("This code is not right: type the six digits your app "
                                      "shows now.")})


def verify(device: TOTPDevice, code: str) -> bool:
    """Checks the code; refused at once while wrong codes are throttled (django-otp waits
    longer after each wrong code)."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise ValidationError({"code": _("Too many wrong codes: wait a minute and try again.")})
    code = "".join((code or "").split())
    return device.verify_token(code)


# The code is checked outside any transaction: a wrong code's throttling count must stay.

def confirm_enrolment(user, *, code: str) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": _("Start the enrolment again: no code was expected.")})
    if not verify(device, code):
        raise _code_error(device)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def disable(user, *, code: str) -> None:
    device = confirmed_device(user)
    if device is None:
        return
    if not verify(device, code):
        raise _code_error(device)
    TOTPDevice.objects.filter(user=user).delete()


def check_code(device: TOTPDevice, code: str) -> None:
    if not verify(device, code):
        raise _code_error(device)
