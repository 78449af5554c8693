"""Writes on a person's second factor: enrol an authenticator app, check a code at sign-in, make new
recovery codes, turn two-factor sign-in off (roles that may). A wrong code is an answer, not an error:
the device's failure count (django-otp's throttling) must commit with it."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent, User
from accounts.two_factor import (
    AUTHENTICATOR_NAME,
    RECOVERY_CODE_COUNT,
    RECOVERY_NAME,
    authenticator_of,
    devices_of,
    normalised_code,
    requires_second_factor,
)


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
