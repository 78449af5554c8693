"""Two-factor sign-in, the reads: who must use a second factor, which devices a person has, and what
enrolment shows (the otpauth:// URI, its QR code as inline SVG, the secret to type by hand).

The devices are django-otp's: a TOTP device (an authenticator app) and a static device holding the
recovery codes. A session has passed its second factor when django-otp's middleware finds the device
it was verified with (request.user.is_verified()); writes are in accounts/services/two_factor.py."""

from base64 import b32encode

import segno
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import SECOND_FACTOR_PERMISSION

# The session holds this while a sign-in waits for its code (set at sign-in for a person with a device).
PENDING_KEY = "second_factor_pending"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


def requires_second_factor(user) -> bool:
    """The person's role must sign in with a second factor (accounts/roles.py SECOND_FACTOR_ROLES)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(SECOND_FACTOR_PERMISSION))


def authenticator_of(user) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def devices_of(user) -> list:
    """Every device of the person, confirmed or not: the authenticator and the recovery codes."""
    return list(devices_for_user(user, confirmed=None))


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).first()
    return device.token_set.count() if device else 0


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed by hand, in groups of four."""
    plain = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(plain[index : index + 4] for index in range(0, len(plain), 4))


def otpauth_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_svg(text: str) -> str:
    """A QR code as an inline <svg> element: no image request, nothing the CSP has to allow (segno
    writes paths with attributes, no style). It scales with its box through its viewBox."""
    return segno.make(text, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True, svgclass="qr-code", lineclass=None
    )


def normalised_code(code: str) -> str:
    """What a person typed, without the spaces and dashes apps and printed codes put in, lowercased
    (recovery codes are lowercase base32; authenticator codes are digits)."""
    return "".join(code.split()).replace("-", "").lower()[:32]
