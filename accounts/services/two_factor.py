"""Writes on a person's second factor: enrol an authenticator app, check a code at sign-in, make new
recovery codes, add, use and remove passkeys, turn two-factor sign-in off (roles that may). A wrong
code is an answer, not an error: the device's failure count (django-otp's throttling) must commit
with it."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.exceptions import WebAuthnException

from accounts.models import AccountEvent, User
from accounts.two_factor import (
    AUTHENTICATOR_NAME,
    PASSKEY_NAME_LENGTH,
    RECOVERY_CODE_COUNT,
    RECOVERY_NAME,
    authenticator_of,
    devices_of,
    has_second_factor,
    normalised_code,
    passkey_add_refusal,
    requires_second_factor,
)

# Why a passkey's answer was refused goes to this log (py_webauthn's reason: a wrong origin or relying
# party is a setting to fix); the person is told only that it did not work.
webauthn_log = logging.getLogger("django_otp_webauthn")
PASSKEY_REFUSAL = "That passkey did not work. Try it again, or type the 6-digit code your app shows."
# What the browser may send that py_webauthn refuses: its own errors, the package's, and values that
# are not base64url or not the types the format names.
WEBAUTHN_ERRORS = (OTPWebAuthnApiError, WebAuthnException, ValueError, TypeError, KeyError)


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code: the device that took it, or the refusal to show."""

    device: Device | None = None
    refusal: str = ""
    recovery_codes_left: int | None = None  # after a recovery code was used

    @property
    def used_recovery_code(self) -> bool:
        return isinstance(self.device, StaticDevice)


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The authenticator being set up: the same one until it is confirmed, so that reloading the page
    does not change the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def totp_enrolment_confirm(*, user: User, code: str) -> tuple[CodeCheck, list[str]]:
    """Confirm the authenticator being set up with a code it shows; on success it replaces any earlier
    one and comes with new recovery codes (returned once, to be shown once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        return CodeCheck(refusal="This set-up has expired; start again."), []
    check = _check(device, normalised_code(code))
    if check.device is None:
        return check, []
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _recovery_codes_replace(user)
        AccountEvent.objects.create(subject=user, actor=user, kind=AccountEvent.Kind.SECOND_FACTOR_ENROLLED)
    return CodeCheck(device=device), codes


def _check(device: Device, code: str) -> CodeCheck:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = ""
        if details and details.get("locked_until"):
            from django.utils import timezone

            seconds = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
            wait = f" Wait {seconds} s before the next try."
        return CodeCheck(refusal=f"Too many wrong codes in a row.{wait}")
    if verify_token(device.user, device.persistent_id, code) is not None:
        return CodeCheck(device=device)
    return CodeCheck(
        refusal="That code is not right. Type the 6-digit code your app shows now, or a recovery code."
    )


def second_factor_check(*, user: User, code: str) -> CodeCheck:
    """Check a sign-in code: six digits go to the authenticator app, anything else to the recovery
    codes (each works once: django-otp deletes it when it matches)."""
    code = normalised_code(code)
    if not code:
        return CodeCheck(refusal="Type the 6-digit code your app shows, or one of your recovery codes.")
    if code.isdigit():
        device = authenticator_of(user)
    else:
        device = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME, confirmed=True).first()
    if device is None:
        return CodeCheck(
            refusal="That code is not right. Type the 6-digit code your app shows now, or a recovery code."
        )
    check = _check(device, code)
    if check.used_recovery_code:
        left = StaticToken.objects.filter(device=device).count()
        return CodeCheck(device=device, recovery_codes_left=left)
    return check


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for a person with an authenticator; the old ones stop working."""
    if authenticator_of(user) is None:
        raise ValidationError("Set up an authenticator app first; recovery codes come with it.")
    codes = _recovery_codes_replace(user)
    AccountEvent.objects.create(subject=user, actor=user, kind=AccountEvent.Kind.RECOVERY_CODES_GENERATED)
    return codes


@transaction.atomic
def second_factor_remove(*, user: User) -> int:
    """A person of a role that does not require it turns two-factor sign-in off."""
    if requires_second_factor(user):
        raise ValidationError(f"Your role ({user.role_label}) must sign in with a second factor.")
    removed = 0
    for device in devices_of(user):
        device.delete()
        removed += 1
    if removed:
        AccountEvent.objects.create(subject=user, actor=user, kind=AccountEvent.Kind.SECOND_FACTOR_REMOVED)
    return removed


def _passkey_name(name: str) -> str:
    return " ".join(name.split())[:PASSKEY_NAME_LENGTH] or "Passkey"


@transaction.atomic
def passkey_register(
    *, user: User, name: str, helper: WebAuthnHelper, state: dict, response: dict
) -> WebAuthnCredential:
    """Keep the passkey the browser just created (django-otp-webauthn's helper checks its answer against
    the challenge in `state`, the relying party and the allowed origins), under the person's name for
    it. Refused with a ValidationError a person can read."""
    refusal = passkey_add_refusal(user)
    if refusal:
        raise ValidationError(refusal)
    try:
        passkey = helper.register_complete(user=user, state=state, data=response)
    except WEBAUTHN_ERRORS as error:
        webauthn_log.warning("Passkey not added for %s: %r", user.get_username(), error)
        raise ValidationError(
            "The browser's answer for this passkey did not check out; try again."
        ) from error
    passkey.name = _passkey_name(name)
    passkey.save(update_fields=["name"])
    AccountEvent.objects.create(
        subject=user, actor=user, kind=AccountEvent.Kind.PASSKEY_ADDED, params={"name": passkey.name}
    )
    return passkey


def passkey_check(*, user: User, helper: WebAuthnHelper, state: dict | None, response: dict) -> CodeCheck:
    """Check a passkey's answer at the code step: one of the person's own passkeys signed this sign-in's
    challenge (`state`, None when the page asked for none). The passkey's use count and last use are
    written (the helper's), as django-otp writes a code's."""
    if not state:
        return CodeCheck(refusal=PASSKEY_REFUSAL)
    try:
        passkey = helper.authenticate_complete(user=user, state=state, data=response)
    except WEBAUTHN_ERRORS as error:
        webauthn_log.warning("Passkey refused for %s: %r", user.get_username(), error)
        return CodeCheck(refusal=PASSKEY_REFUSAL)
    if not passkey.confirmed or not user.is_active:
        return CodeCheck(refusal=PASSKEY_REFUSAL)
    return CodeCheck(device=passkey)


@transaction.atomic
def passkey_remove(*, user: User, passkey: WebAuthnCredential) -> None:
    """Remove one of the person's passkeys; sessions that passed their second factor with it lose it at
    their next request. Not the last second factor of a role that needs one."""
    # The person's row, locked: two removals at once must not each count the other's passkey.
    User.objects.select_for_update().get(pk=user.pk)
    passkey = WebAuthnCredential.objects.get(pk=passkey.pk, user=user)
    if requires_second_factor(user) and not has_second_factor(user, apart_from=passkey):
        raise ValidationError(
            f"This passkey is your last second factor, and your role ({user.role_label}) must sign in "
            "with one. Set up an authenticator app first."
        )
    passkey.delete()
    AccountEvent.objects.create(
        subject=user, actor=user, kind=AccountEvent.Kind.PASSKEY_REMOVED, params={"name": passkey.name}
    )
