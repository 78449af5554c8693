"""Signing in through the pages, as a person does: password, then the code step when there is one."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

PASSWORD = "secret-pass-123"


def code_from_secret(secret: str, *, step_offset: int = 0) -> str:
    """The 6-digit code an authenticator app shows for this base32 secret (as printed on the page)."""
    plain = secret.replace(" ", "").upper()
    totp = TOTP(b32decode(plain + "=" * (-len(plain) % 8)))
    totp.drift = step_offset
    return f"{totp.token():06d}"


@pytest.fixture
def password_sign_in(client):
    """POST the sign-in form; the client then holds whatever session the password gave."""

    def sign_in(user, password: str = PASSWORD):
        return client.post(reverse("accounts:login"), {"username": user.username, "password": password})

    return sign_in


@pytest.fixture
def manager_without_device(make_user):
    return make_user("manager", username="maya")
