"""The sign-in log: a success, a failure, a lockout, a sign-out and the second-factor steps each leave
their row (who, what was typed, address, browser); superadmins read it with filters."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import SignInEvent
from accounts.testing import authenticator_for, totp_code

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def browser(address: str = "198.51.100.20") -> Client:
    return Client(HTTP_USER_AGENT=AGENT, REMOTE_ADDR=address)


def sign_in(client, username: str, password: str = "secret-pass-123"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def kinds(**filters) -> list[str]:
    return list(SignInEvent.objects.filter(**filters).order_by("pk").values_list("kind", flat=True))


def test_success_failure_and_sign_out_are_logged_with_address_and_browser(make_user):
    csr = make_user("csr", username="chris")
    client = browser()
    sign_in(client, "chris", "wrong")
    sign_in(client, "nobody-by-that-name", "wrong")
    sign_in(client, "chris")
    client.post(reverse("accounts:logout"))
    assert kinds(username="chris") == ["failed", "signed_in", "signed_out"]
    failure = SignInEvent.objects.get(username="nobody-by-that-name")
    assert failure.kind == "failed" and failure.user is None
    success = SignInEvent.objects.get(kind="signed_in")
    assert success.user == csr and success.ip_address == "198.51.100.20" and success.user_agent == AGENT


def test_a_lockout_is_logged(make_user, settings):
    make_user("csr", username="chris")
    client = browser()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "chris", "wrong")
    assert sign_in(client, "chris").status_code == 429
    logged = kinds(username="chris")
    assert logged.count("failed") >= settings.AXES_FAILURE_LIMIT
    assert "locked_out" in logged and "signed_in" not in logged


def test_second_factor_steps_are_logged(make_user):
    manager = make_user("manager", username="maya")
    device = authenticator_for(manager)
    client = browser()
    sign_in(client, "maya")
    client.post(reverse("accounts:two_factor_verify"), {"otp_token": "not-a-code"})
    client.post(reverse("accounts:two_factor_verify"), {"otp_token": totp_code(device)})
    assert kinds(user=manager) == ["signed_in", "second_factor_failed", "second_factor_passed"]


def test_superadmins_read_the_log_with_filters(client, make_user):
    make_user("csr", username="chris")
    make_user("csr", username="dana")
    sign_in(browser("198.51.100.1"), "chris", "wrong")
    sign_in(browser("198.51.100.2"), "dana")
    client.force_login(make_user("superadmin", username="sam"))
    page = client.get(reverse("accounts:sign_in_log")).content.decode()
    assert page.count('data-testid="sign-in-row"') == SignInEvent.objects.count()
    failures = client.get(reverse("accounts:sign_in_log"), {"kind": "failed"}).content.decode()
    assert (
        failures.count('data-testid="sign-in-row"') == 1 and "chris" in failures and ">dana<" not in failures
    )
    by_address = client.get(reverse("accounts:sign_in_log"), {"address": "198.51.100.2"}).content.decode()
    assert by_address.count('data-testid="sign-in-row"') == 1 and "dana" in by_address
    by_name = client.get(reverse("accounts:sign_in_log"), {"username": "DANA"}).content.decode()
    assert by_name.count('data-testid="sign-in-row"') == 1
    bad = client.get(reverse("accounts:sign_in_log"), {"address": "not-an-address", "since": "2024-02-30"})
    assert bad.status_code == 400 and "Enter a valid" in bad.content.decode()


def test_the_log_pages_on_by_id(client, make_user, monkeypatch):
    from accounts.views import signins

    monkeypatch.setattr(signins, "PAGE_SIZE", 2)
    for index in range(5):
        sign_in(browser(), f"nobody{index}", "wrong")
    client.force_login(make_user("superadmin"))
    first = client.get(reverse("accounts:sign_in_log"), {"kind": "failed"})
    assert first.content.decode().count('data-testid="sign-in-row"') == 2
    older = first.context["older"]
    assert "kind=failed" in older
    second = client.get(f"{reverse('accounts:sign_in_log')}?{older}").content.decode()
    assert "nobody2" in second and "nobody1" in second and "nobody4" not in second
