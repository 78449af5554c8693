"""Two-factor sign-in: enrolment with a code computed from the secret the page shows, the code step
after the password, recovery codes used once, and the gate that keeps a manager without a second
factor on the enrolment page whatever URL they ask for."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent, SignInEvent
from accounts.testing import authenticator_for, totp_code
from accounts.two_factor import secret_base32
from tests.access import MATRIX
from tests.accounts.conftest import code_from_secret
from tests.test_access_matrix import objects as objects_fixture  # noqa: F401 - the URLs' objects

pytestmark = pytest.mark.django_db


def enrol(client, user) -> list[str]:
    """Walk the enrolment page as a person would: read the secret, type the code, keep the codes."""
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert "<svg" in html and "otpauth://totp/Packline%3A" in html
    answer = client.post(reverse("accounts:two_factor_setup"), {"otp_token": code_from_secret(secret)})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:recovery_codes"))
    codes_page = client.get(answer["Location"]).content.decode()
    return re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)


def test_a_manager_enrols_at_first_sign_in_and_then_signs_in_with_a_code(
    client, manager_without_device, password_sign_in
):
    manager = manager_without_device
    answer = password_sign_in(manager)
    assert answer.status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))

    codes = enrol(client, manager)
    assert len(codes) == 10
    assert client.get(reverse("home")).status_code == 200  # passed: the session is verified
    device = TOTPDevice.objects.get(user=manager)
    assert device.confirmed
    assert AccountEvent.objects.filter(subject=manager, kind="second_factor_enrolled", actor=manager).exists()

    client.post(reverse("accounts:logout"))
    assert password_sign_in(manager).status_code == 302
    assert client.get(reverse("orders:list"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    answer = client.post(
        reverse("accounts:two_factor_verify"),
        {"otp_token": totp_code(device), "next": reverse("orders:list")},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("orders:list")
    assert client.get(reverse("orders:list")).status_code == 200
    kinds = list(SignInEvent.objects.filter(user=manager).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["signed_in", "enrolled", "signed_out", "signed_in", "second_factor_passed"]


def test_a_wrong_code_is_refused_logged_and_leaves_the_session_on_the_code_step(
    client, make_user, password_sign_in
):
    manager = make_user("manager")
    device = authenticator_for(manager)
    password_sign_in(manager)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    answer = client.post(reverse("accounts:two_factor_verify"), {"otp_token": wrong})
    assert answer.status_code == 200
    assert "That code is not right" in answer.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert SignInEvent.objects.filter(user=manager, kind="second_factor_failed").count() == 1
    # Right after a wrong code django-otp makes the next try wait (1 s, then 2, 4, ...).
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_recovery_code_signs_in_once(client, make_user, password_sign_in):
    manager = make_user("manager")
    client.force_login(manager)  # signed in and verified: enrol through the pages for real codes
    TOTPDevice.objects.filter(user=manager).delete()
    codes = enrol(client, manager)
    client.post(reverse("accounts:logout"))

    password_sign_in(manager)
    answer = client.post(
        reverse("accounts:two_factor_verify"), {"otp_token": codes[0].upper()[:4] + "-" + codes[0][4:]}
    )
    assert answer.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert SignInEvent.objects.filter(user=manager, kind="recovery_code_used").count() == 1
    assert StaticToken.objects.filter(device__user=manager).count() == 9

    client.post(reverse("accounts:logout"))
    password_sign_in(manager)
    again = client.post(reverse("accounts:two_factor_verify"), {"otp_token": codes[0]})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, make_user):
    manager = make_user("manager")
    client.force_login(manager)
    assert client.post(reverse("accounts:recovery_codes")).status_code == 302
    first = re.findall(
        r"<li>([a-z2-7]{8})</li>", client.get(reverse("accounts:recovery_codes")).content.decode()
    )
    assert len(first) == 10
    # Shown once: the next visit shows how many are left, not the codes.
    again = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not any(code in again for code in first) and 'data-testid="recovery-codes-left">10<' in again
    client.post(reverse("accounts:recovery_codes"))
    second = re.findall(
        r"<li>([a-z2-7]{8})</li>", client.get(reverse("accounts:recovery_codes")).content.decode()
    )
    assert set(first).isdisjoint(second)
    assert set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True)) == set(
        second
    )


GATE_OPEN = {
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:passkey_verify_begin",
    "accounts:passkey_verify_complete",
    "accounts:passkey_messages",
    "accounts:login",
    "accounts:logout",
    "healthz",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:invitation_accept",
}


def test_a_manager_without_a_second_factor_reaches_no_page_but_the_enrolment(
    client,
    manager_without_device,
    password_sign_in,
    objects_fixture,  # noqa: F811 - the objects the access matrix's URLs point at
):
    """The whole URL map (every named URL is in the access matrix, tests/test_access_matrix.py), with
    its arguments filled from the matrix's objects, GET and POST: each answers with the way to the
    enrolment. Only the enrolment, the code step (with its passkey endpoints, which refuse a person with
    no passkey: test_passkeys.py), sign-in and sign-out, the password reset pages (which sign nobody
    in) and the health check are reached; the API takes tokens, not sessions."""
    password_sign_in(manager_without_device)
    setup = reverse("accounts:two_factor_setup")
    reached, walked = [], set()
    for row in MATRIX:
        if row.url_name in GATE_OPEN or row.auth == "token" or row.url_name.startswith("api-1:"):
            continue
        path = reverse(row.url_name, kwargs=row.kwargs(objects_fixture))
        walked.add(row.url_name)
        for method in ("get", "post"):
            answer = getattr(client, method)(path)
            if answer.status_code != 302 or not answer["Location"].startswith(setup):
                reached.append(f"{method.upper()} {row.url_name} answered {answer.status_code}")
    assert not reached, reached
    assert len(walked) > 100  # the map was walked, not an empty list
    assert client.get(setup).status_code == 200
    assert not TOTPDevice.objects.filter(user=manager_without_device, confirmed=True).exists()


def test_the_gate_covers_urls_with_arguments_too(client, manager_without_device, password_sign_in, users):
    from tests.factories import make_order

    order = make_order()
    password_sign_in(manager_without_device)
    setup = reverse("accounts:two_factor_setup")
    for path in (
        reverse("orders:detail", kwargs={"number": order.number}),
        reverse("accounts:person", kwargs={"pk": users["csr"].pk}),
        f"/admin/accounts/user/{users['csr'].pk}/change/",
        "/orders/no/such/page/",
    ):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith(setup), path
    # The API is not gated (its tokens are their own factor): no session opens it either.
    assert client.get("/api/v1/orders").status_code == 401


def test_a_password_alone_never_reaches_a_page_for_someone_with_an_authenticator(
    client, make_user, password_sign_in
):
    """Optional for a CSR, but once on it holds: the code step comes after the password, and the
    enrolment page cannot replace the authenticator from a password-only session."""
    csr = make_user("csr")
    device = authenticator_for(csr)
    password_sign_in(csr)
    verify = reverse("accounts:two_factor_verify")
    assert client.get(reverse("home"))["Location"].startswith(verify)
    assert client.get(reverse("accounts:two_factor_setup"))["Location"] == verify
    assert client.post(reverse("accounts:two_factor_setup"), {"otp_token": "123456"})["Location"] == verify
    assert TOTPDevice.objects.filter(user=csr).count() == 1
    client.post(verify, {"otp_token": totp_code(device)})
    assert client.get(reverse("home")).status_code == 200


def test_the_django_admin_requires_a_verified_second_factor(client, make_user, password_sign_in):
    superadmin = make_user("superadmin")
    device = authenticator_for(superadmin)
    # Through the admin's own sign-in page: the password is taken, then the code step.
    client.post(reverse("admin:login"), {"username": superadmin.username, "password": "secret-pass-123"})
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    client.post(reverse("accounts:two_factor_verify"), {"otp_token": totp_code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_site_itself_refuses_an_unverified_staff_session(rf, make_user):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = make_user("superadmin")
    request.user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_other_roles_may_turn_two_factor_on_and_off_managers_may_not_turn_it_off(client, make_user):
    csr = make_user("csr")
    client.force_login(csr)
    assert 'data-testid="two-factor-state">Off' in client.get(reverse("accounts:account")).content.decode()
    enrol(client, csr)
    assert 'data-testid="two-factor-state">On' in client.get(reverse("accounts:account")).content.decode()
    client.post(reverse("accounts:two_factor_disable"))
    assert not TOTPDevice.objects.filter(user=csr).exists()
    assert AccountEvent.objects.filter(subject=csr, kind="second_factor_removed").exists()

    manager = make_user("manager")
    client.force_login(manager)
    answer = client.post(reverse("accounts:two_factor_disable"), follow=True)
    assert "must sign in with a second factor" in answer.content.decode()
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


def test_a_superadmin_resets_a_second_factor_and_the_manager_enrols_again(client, make_user):
    from django.test import Client

    manager, superadmin = make_user("manager"), make_user("superadmin")
    managers_browser = Client()
    managers_browser.force_login(manager)
    assert managers_browser.get(reverse("home")).status_code == 200

    client.force_login(superadmin)
    client.post(reverse("accounts:person_two_factor_reset", kwargs={"pk": manager.pk}))
    assert not TOTPDevice.objects.filter(user=manager).exists()
    event = AccountEvent.objects.get(subject=manager, kind="second_factor_reset")
    assert event.actor == superadmin
    # The manager's open session lost its second factor with the device: enrolment comes next.
    assert managers_browser.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_the_enrolment_secret_stays_the_same_until_confirmed(
    client, manager_without_device, password_sign_in
):
    password_sign_in(manager_without_device)
    first = client.get(reverse("accounts:two_factor_setup")).content.decode()
    second = client.get(reverse("accounts:two_factor_setup")).content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', first).group(1)
    assert secret in second
    assert secret == secret_base32(TOTPDevice.objects.get(user=manager_without_device))
    wrong = client.post(reverse("accounts:two_factor_setup"), {"otp_token": "12"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=manager_without_device, confirmed=True).exists()
