"""Two-factor sign-in for the test suite and the benchmarks: a client signed in with force_login is a
person who finished signing in, second factor included, as it was before sign-in had a second step.
The codes are computed here from the device's secret, as an authenticator app computes them."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import PENDING_KEY, authenticator_of, requires_second_factor


def authenticator_for(user) -> TOTPDevice:
    """The person's confirmed authenticator; a new one (random secret) when they have none."""
    return authenticator_of(user) or TOTPDevice.objects.create(
        user=user, name="Test authenticator", confirmed=True
    )


def totp_code(device: TOTPDevice) -> str:
    """The code the device accepts next: the current step's, or, when that step was used already (a
    second sign-in within 30 s), the next one within the device's tolerance, waiting if it must."""
    device.refresh_from_db()
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = max(clock.t(), device.last_t + 1)
    while step > clock.t() + device.tolerance:
        time.sleep(0.5)
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def client_second_factor_pass(client, user) -> None:
    """Mark the test client's session as having passed its second factor, when the person's role
    requires one or they have an authenticator (django-otp's session key, as its login() sets it)."""
    device = authenticator_of(user)
    # A fresh copy: has_perm caches the permissions on the object, which the test may go on to change.
    if device is None and not requires_second_factor(type(user).objects.get(pk=user.pk)):
        return
    device = device or authenticator_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(PENDING_KEY, None)
    session.save()
