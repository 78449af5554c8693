"""Two-factor sign-in, the reads: who must use a second factor, which devices a person has, and what
enrolment shows (the otpauth:// URI, its QR code as inline SVG, the secret to type by hand).

The devices are django-otp's: a TOTP device (an authenticator app), a static device holding the
recovery codes, and passkeys (django-otp-webauthn's WebAuthnCredential), added beside the app. A session
has passed its second factor when django-otp's middleware finds the device it was verified with
(request.user.is_verified()); writes are in accounts/services/two_factor.py."""

from base64 import b32encode
from urllib.parse import urlsplit

import segno
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.browsers import client_user_agent, device_label
from accounts.roles import SECOND_FACTOR_PERMISSION

# The session holds this while a sign-in waits for its code (set at sign-in for a person with a device).
PENDING_KEY = "second_factor_pending"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
PASSKEY_NAME_LENGTH = WebAuthnCredential._meta.get_field("name").max_length


def requires_second_factor(user) -> bool:
    """The person's role must sign in with a second factor (accounts/roles.py SECOND_FACTOR_ROLES)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(SECOND_FACTOR_PERMISSION))


def authenticator_of(user) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def passkeys_of(user) -> QuerySet[WebAuthnCredential]:
    """The person's passkeys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def devices_of(user) -> list:
    """Every device of the person, confirmed or not: the authenticator, the recovery codes and the
    passkeys (django-otp lists every installed device model)."""
    return list(devices_for_user(user, confirmed=None))


def _second_factors(user, apart_from) -> tuple[QuerySet, QuerySet]:
    apps = TOTPDevice.objects.filter(user=user, confirmed=True)
    passkeys = WebAuthnCredential.objects.filter(user=user, confirmed=True)
    if isinstance(apart_from, TOTPDevice):
        apps = apps.exclude(pk=apart_from.pk)
    elif isinstance(apart_from, WebAuthnCredential):
        passkeys = passkeys.exclude(pk=apart_from.pk)
    return apps, passkeys


def has_second_factor(user, *, apart_from=None) -> bool:
    """The person has something the code step can ask for: an authenticator app or a passkey (recovery
    codes come with the app and stand in for it; alone they are not a second factor). With apart_from,
    whether they would still have one once that device is gone."""
    apps, passkeys = _second_factors(user, apart_from)
    return apps.exists() or passkeys.exists()


def second_factor_held() -> ExpressionWrapper:
    """has_second_factor as a column of a query on users (the people list)."""
    apps, passkeys = _second_factors(OuterRef("pk"), None)
    return ExpressionWrapper(Q(Exists(apps)) | Q(Exists(passkeys)), output_field=BooleanField())


def passkey_add_refusal(user) -> str:
    """Why the person may not add a passkey, or "" when they may: a passkey comes beside the
    authenticator app, which stays the way back in (with its recovery codes) when a device is lost."""
    if authenticator_of(user) is None:
        return "Set up two-factor sign-in with an authenticator app first; passkeys come beside it."
    return ""


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


def suggested_passkey_name(request: HttpRequest) -> str:
    """A passkey lives in a device or a password manager: the browser's name is a fair first guess."""
    label = device_label(client_user_agent(request))
    return "" if label == "Unknown device" else label


def passkey_domain(request: HttpRequest) -> str:
    """The domain passkeys belong to (the relying party, OTP_WEBAUTHN_RP_ID)."""
    return WebAuthnCredential.get_webauthn_helper(request).get_relying_party_domain()


def passkeys_work_here(request: HttpRequest) -> bool:
    """Whether this page's host can use the site's passkeys: a passkey belongs to the relying party's
    domain and browsers refuse one anywhere else, an IP address included."""
    rp_id = passkey_domain(request)
    host = urlsplit(f"//{request.get_host()}").hostname or ""
    return bool(rp_id) and (host == rp_id or host.endswith("." + rp_id))


def passkey_script_config(request: HttpRequest) -> dict:
    """What django-otp-webauthn's browser script reads from the page (its "otp_webauthn_config" JSON
    block): Packline's own ceremony URLs, which log and check as the code step does, instead of the
    package's; the script sends the CSRF token in a header."""
    return {
        "autocompleteLoginFieldSelector": None,  # no passwordless sign-in
        "nextFieldSelector": "input[name='next']",
        "csrfToken": get_token(request),
        "beginAuthenticationUrl": reverse("accounts:passkey_verify_begin"),
        "completeAuthenticationUrl": reverse("accounts:passkey_verify_complete"),
        "beginRegistrationUrl": reverse("accounts:passkey_register_begin"),
        "completeRegistrationUrl": reverse("accounts:passkey_register_complete"),
    }
