"""Passkeys beside the authenticator app: added (named) from the account page, used at the code step
exactly as a code is, removed after a confirmation, counted as a second factor, and taken by a
superadmin's reset. The browser's side is a software passkey (tests/accounts/soft_passkey.py), so
py_webauthn's real checks run on every answer."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AccountEvent, SignInEvent
from accounts.selectors import people_list
from accounts.services.two_factor import passkey_remove
from accounts.testing import authenticator_for
from accounts.two_factor import has_second_factor
from tests.accounts.soft_passkey import SoftPasskey, b64url

pytestmark = pytest.mark.django_db

ORIGIN = "https://testserver"


@pytest.fixture(autouse=True)
def passkey_site(settings):
    """The test client's host is the relying party, reached over https as a deployment is."""
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


def add_passkey(client, name: str = "Work laptop") -> tuple[SoftPasskey, WebAuthnCredential]:
    """Name it on the account page's form, then answer the browser's part of the ceremony."""
    named = client.post(reverse("accounts:passkey_add"), {"name": name})
    assert named.status_code == 302 and named["Location"] == reverse("accounts:passkey_add")
    options = client.post(reverse("accounts:passkey_register_begin")).json()
    passkey = SoftPasskey(ORIGIN)
    answer = client.post(
        reverse("accounts:passkey_register_complete"),
        passkey.create(options),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return passkey, WebAuthnCredential.objects.get(pk=answer.json()["id"])


def use_passkey(client, passkey: SoftPasskey, *, next_page: str = "", origin: str | None = None):
    """The code step's "Use a passkey": a challenge, then the passkey's answer to it."""
    begin = client.post(reverse("accounts:passkey_verify_begin"))
    assert begin.status_code == 200, begin.content
    url = reverse("accounts:passkey_verify_complete") + (f"?next={next_page}" if next_page else "")
    return client.post(url, passkey.get(begin.json(), origin=origin), content_type="application/json")


def scripts_carry_the_nonce(response) -> list[str]:
    """The page's script tags that would run (json_script's data block never does), each checked to
    carry the response's CSP nonce."""
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    tags = re.findall(r"<script[^>]*>", response.content.decode())
    scripts = [tag for tag in tags if 'type="application/json"' not in tag]
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    return scripts


def test_a_manager_adds_a_named_passkey_from_the_account_page(client, make_user):
    manager = make_user("manager")
    client.force_login(manager)
    account = client.get(reverse("accounts:account")).content.decode()
    assert 'data-testid="passkey-name-form"' in account and "No passkeys yet." in account

    client.post(reverse("accounts:passkey_add"), {"name": "  Work   laptop "})
    page = client.get(reverse("accounts:passkey_add"))
    assert page.status_code == 200
    assert 'data-testid="passkey-name">Work laptop<' in page.content.decode()
    scripts = scripts_carry_the_nonce(page)
    assert any("django_otp_webauthn/otp_webauthn_register.js" in tag for tag in scripts)
    assert any("js/passkeys.js" in tag for tag in scripts)
    assert 'id="otp_webauthn_config" type="application/json"' in page.content.decode()

    options = client.post(reverse("accounts:passkey_register_begin")).json()
    assert options["rp"] == {"name": "Packline", "id": "testserver"}
    assert options["excludeCredentials"] == []
    passkey = SoftPasskey(ORIGIN)
    answer = client.post(
        reverse("accounts:passkey_register_complete"),
        passkey.create(options),
        content_type="application/json",
    )
    assert answer.status_code == 200
    added = WebAuthnCredential.objects.get(user=manager)
    assert answer.json() == {"id": added.pk}
    assert added.name == "Work laptop" and added.confirmed and added.credential_id == passkey.credential_id
    event = AccountEvent.objects.get(subject=manager, kind="passkey_added")
    assert event.actor == manager and event.params == {"name": "Work laptop"}
    assert SignInEvent.objects.filter(user=manager, kind="passkey_added").count() == 1

    account = client.get(reverse("accounts:account")).content.decode()
    assert 'data-testid="passkey-row-name">Work laptop<' in account and "not used yet" in account
    assert "Passkey “Work laptop” added" in account  # the message, on the page the script goes to
    # The same authenticator is not offered a second passkey for the same account.
    again = client.post(reverse("accounts:passkey_register_begin")).json()
    assert [item["id"] for item in again["excludeCredentials"]] == [b64url(passkey.credential_id)]


def test_signing_in_with_a_passkey_passes_the_second_factor_as_a_code_does(
    client, make_user, password_sign_in
):
    manager = make_user("manager")
    client.force_login(manager)
    passkey, added = add_passkey(client)
    client.post(reverse("accounts:logout"))

    password_sign_in(manager)
    assert client.get(reverse("orders:list"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    page = client.get(reverse("accounts:two_factor_verify"), {"next": reverse("orders:list")})
    html = page.content.decode()
    assert 'id="passkey-verification-button"' in html and "Use a passkey" in html
    assert 'data-testid="code-form"' in html  # typing a code is still offered beside it
    assert any("otp_webauthn_auth.js" in tag for tag in scripts_carry_the_nonce(page))

    begin = client.post(reverse("accounts:passkey_verify_begin")).json()
    assert [item["id"] for item in begin["allowCredentials"]] == [b64url(passkey.credential_id)]
    assert begin["rpId"] == "testserver" and begin["userVerification"] == "discouraged"
    url = f"{reverse('accounts:passkey_verify_complete')}?next={reverse('orders:list')}"
    answer = client.post(url, passkey.get(begin), content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == {"id": added.pk, "redirect_url": reverse("orders:list")}
    assert client.get(reverse("orders:list")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == added.persistent_id
    kinds = list(SignInEvent.objects.filter(user=manager).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["signed_in", "second_factor_passed"]
    added.refresh_from_db()
    assert added.sign_count == 1 and added.last_used_at is not None


def test_a_next_page_elsewhere_is_not_followed_after_a_passkey(client, make_user, password_sign_in):
    manager = make_user("manager")
    client.force_login(manager)
    passkey, _ = add_passkey(client)
    client.post(reverse("accounts:logout"))
    password_sign_in(manager)
    answer = use_passkey(client, passkey, next_page="https://evil.example/")
    assert answer.status_code == 200 and answer.json()["redirect_url"] == reverse("home")


@pytest.mark.parametrize(
    "what",
    ["another origin", "a spent challenge", "someone else's passkey", "a forged signature", "not a passkey"],
)
def test_a_refused_passkey_is_logged_and_leaves_the_session_on_the_code_step(
    client, make_user, password_sign_in, what
):
    manager, other = make_user("manager"), make_user("manager")
    client.force_login(manager)
    passkey, _ = add_passkey(client)
    others_client = Client()
    others_client.force_login(other)
    others_passkey, _ = add_passkey(others_client)
    client.post(reverse("accounts:logout"))
    password_sign_in(manager)

    if what == "another origin":  # a look-alike site relaying the challenge
        answer = use_passkey(client, passkey, origin="https://packline.evil.example")
    elif what == "a spent challenge":  # each challenge is answered once, right or wrong
        begin = client.post(reverse("accounts:passkey_verify_begin")).json()
        response = passkey.get(begin)
        complete = reverse("accounts:passkey_verify_complete")
        client.post(complete, {"id": "x"}, content_type="application/json")  # spends the challenge
        answer = client.post(complete, response, content_type="application/json")
    elif what == "someone else's passkey":
        answer = use_passkey(client, others_passkey)
    elif what == "a forged signature":
        begin = client.post(reverse("accounts:passkey_verify_begin")).json()
        response = passkey.get(begin)
        response["response"]["signature"] = b64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")
        answer = client.post(
            reverse("accounts:passkey_verify_complete"), response, content_type="application/json"
        )
    else:
        client.post(reverse("accounts:passkey_verify_begin"))
        answer = client.post(
            reverse("accounts:passkey_verify_complete"),
            {"id": 1, "response": []},
            content_type="application/json",
        )

    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        "That passkey did not work. Try it again, or type the 6-digit code your app shows."
    )
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    failed = SignInEvent.objects.filter(user=manager, kind="second_factor_failed").count()
    assert failed == (2 if what == "a spent challenge" else 1)
    assert not SignInEvent.objects.filter(user=manager, kind="second_factor_passed").exists()


def test_the_passkey_endpoints_refuse_who_may_not_use_them(client, make_user, password_sign_in):
    # A CSR without an authenticator app adds no passkey: the page and the ceremony say why.
    csr = make_user("csr")
    client.force_login(csr)
    begin = client.post(reverse("accounts:passkey_register_begin"))
    assert begin.status_code == 403 and "authenticator app first" in begin.json()["detail"]
    assert client.get(reverse("accounts:passkey_add"))["Location"] == reverse("accounts:account")
    assert 'data-testid="passkey-name-form"' not in client.get(reverse("accounts:account")).content.decode()
    # Nobody uses a passkey they do not have.
    answer = client.post(reverse("accounts:passkey_verify_begin"))
    assert answer.status_code == 403 and "no passkey" in answer.json()["detail"]
    # A session that has only given its password adds none (the gate sends it to the code step).
    manager = make_user("manager")
    authenticator_for(manager)
    client.logout()
    password_sign_in(manager)
    for name in (
        "accounts:passkey_add",
        "accounts:passkey_register_begin",
        "accounts:passkey_register_complete",
    ):
        answer = client.post(reverse(name), {"name": "Mine"})
        assert answer.status_code == 302 and answer["Location"] == reverse("accounts:two_factor_verify"), name
    assert not WebAuthnCredential.objects.exists()


def test_a_registration_is_refused_without_its_begin_or_with_a_wrong_answer(client, make_user):
    manager = make_user("manager")
    client.force_login(manager)
    complete = reverse("accounts:passkey_register_complete")
    options = client.post(reverse("accounts:passkey_register_begin")).json()
    wrong = client.post(
        complete, SoftPasskey("https://evil.example").create(options), content_type="application/json"
    )
    assert wrong.status_code == 400 and "did not check out" in wrong.json()["detail"]
    again = client.post(complete, SoftPasskey(ORIGIN).create(options), content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "invalid_state"  # the challenge was spent
    assert not WebAuthnCredential.objects.exists()
    assert not AccountEvent.objects.filter(kind="passkey_added").exists()


def test_a_passkey_is_named_before_it_is_made(client, make_user):
    manager = make_user("manager")
    client.force_login(manager)
    page = client.get(reverse("accounts:passkey_add"), HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) "
                      "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36")  # fmt: skip
    assert 'value="Chrome 128 on Linux"' in page.content.decode()  # the browser's name as a first guess
    assert "passkey-register-button" not in page.content.decode()
    empty = client.post(reverse("accounts:passkey_add"), {"name": "   "})
    assert empty.status_code == 400 and 'data-testid="passkey-name-error"' in empty.content.decode()
    long = client.post(reverse("accounts:passkey_add"), {"name": "x" * 65})
    assert long.status_code == 400


def test_removing_a_passkey_asks_first_then_removes_it(client, make_user):
    manager = make_user("manager")
    client.force_login(manager)
    _, added = add_passkey(client, "Old phone")
    remove = reverse("accounts:passkey_remove", kwargs={"pk": added.pk})
    confirm = client.get(remove)
    assert confirm.status_code == 200 and "Remove the passkey “Old phone”?" in confirm.content.decode()
    assert WebAuthnCredential.objects.filter(pk=added.pk).exists()

    answer = client.post(remove, follow=True)
    assert "Passkey “Old phone” removed" in answer.content.decode()
    assert not WebAuthnCredential.objects.filter(pk=added.pk).exists()
    event = AccountEvent.objects.get(subject=manager, kind="passkey_removed")
    assert event.actor == manager and event.params == {"name": "Old phone"}

    # Someone else's passkey answers as a missing one.
    other = make_user("manager")
    others_client = Client()
    others_client.force_login(other)
    _, others = add_passkey(others_client)
    mine_to_remove = reverse("accounts:passkey_remove", kwargs={"pk": others.pk})
    assert client.get(mine_to_remove).status_code == 404
    assert client.post(mine_to_remove).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=others.pk).exists()


def test_removing_the_passkey_this_session_passed_with_keeps_it_signed_in(
    client, make_user, password_sign_in
):
    manager = make_user("manager")
    client.force_login(manager)
    passkey, added = add_passkey(client)
    laptop = Client()  # another session that passed with the same passkey
    for session in (client, laptop):
        session.post(reverse("accounts:logout"))
        session.post(reverse("accounts:login"), {"username": manager.username, "password": "secret-pass-123"})
        assert use_passkey(session, passkey).status_code == 200

    client.post(reverse("accounts:passkey_remove", kwargs={"pk": added.pk}))
    assert client.get(reverse("home")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(user=manager).persistent_id
    assert laptop.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_a_passkey_counts_as_a_second_factor(client, make_user, password_sign_in):
    """The rule is has_second_factor's: the code step, the gate, the people list and the removal of the
    last factor all follow it. A manager left with only a passkey (an administrator deleted the app's
    device) is asked for the passkey, not sent to enrol, and cannot remove it."""
    manager = make_user("manager")
    client.force_login(manager)
    passkey, added = add_passkey(client)
    TOTPDevice.objects.filter(user=manager).delete()
    assert has_second_factor(manager)
    assert not has_second_factor(manager, apart_from=added)
    assert people_list().get(pk=manager.pk).has_second_factor

    client.post(reverse("accounts:logout"))
    password_sign_in(manager)
    verify = reverse("accounts:two_factor_verify")
    assert client.get(reverse("home"))["Location"].startswith(verify)
    assert client.get(reverse("accounts:two_factor_setup"))["Location"] == verify
    assert "Use a passkey" in client.get(verify).content.decode()
    assert use_passkey(client, passkey).status_code == 200
    assert client.get(reverse("home")).status_code == 200

    answer = client.post(reverse("accounts:passkey_remove", kwargs={"pk": added.pk}), follow=True)
    assert "This passkey is your last second factor" in answer.content.decode()
    assert WebAuthnCredential.objects.filter(pk=added.pk).exists()
    assert not AccountEvent.objects.filter(kind="passkey_removed").exists()

    # A CSR may: two-factor sign-in is optional for them.
    csr = make_user("csr")
    authenticator_for(csr)
    client.force_login(csr)
    _, csrs = add_passkey(client)
    TOTPDevice.objects.filter(user=csr).delete()
    passkey_remove(user=csr, passkey=csrs)
    assert not WebAuthnCredential.objects.filter(pk=csrs.pk).exists()


def test_a_superadmin_reset_removes_passkeys_too(client, make_user):
    manager, superadmin = make_user("manager"), make_user("superadmin")
    managers_browser = Client()
    managers_browser.force_login(manager)
    add_passkey(managers_browser)
    add_passkey(managers_browser, "Phone")
    person = reverse("accounts:person", kwargs={"pk": manager.pk})
    client.force_login(superadmin)
    assert 'data-testid="person-two-factor">On, 2 passkeys<' in client.get(person).content.decode()

    client.post(reverse("accounts:person_two_factor_reset", kwargs={"pk": manager.pk}))
    assert not WebAuthnCredential.objects.filter(user=manager).exists()
    assert not TOTPDevice.objects.filter(user=manager).exists()
    event = AccountEvent.objects.get(subject=manager, kind="second_factor_reset")
    assert event.actor == superadmin and event.params == {"devices": 3}
    assert managers_browser.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_turning_two_factor_off_removes_passkeys_too(client, make_user):
    csr = make_user("csr")
    authenticator_for(csr)
    client.force_login(csr)
    add_passkey(client)
    client.post(reverse("accounts:two_factor_disable"))
    assert not WebAuthnCredential.objects.filter(user=csr).exists()
    assert AccountEvent.objects.filter(subject=csr, kind="second_factor_removed").exists()


def test_passkeys_are_not_offered_where_browsers_refuse_them(client, make_user, settings, password_sign_in):
    """A passkey belongs to its domain: at http://127.0.0.1:8000 (an IP address, which browsers refuse)
    the pages say where passkeys work instead of offering a button that would fail."""
    manager = make_user("manager")
    client.force_login(manager)
    add_passkey(client)
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    account = client.get(reverse("accounts:account"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "Passkeys for Packline belong to localhost" in account
    assert 'data-testid="passkey-name-form"' not in account

    client.post(reverse("accounts:logout"))
    password_sign_in(manager)
    verify = client.get(reverse("accounts:two_factor_verify"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "passkey-verification-button" not in verify and "otp_webauthn_auth.js" not in verify
    assert "Your passkeys work on localhost" in verify
    on_localhost = client.get(reverse("accounts:two_factor_verify"), HTTP_HOST="localhost:8000")
    assert "passkey-verification-button" in on_localhost.content.decode()


def test_the_passkey_script_words_come_from_the_package(client, make_user, password_sign_in):
    manager = make_user("manager")
    authenticator_for(manager)
    password_sign_in(manager)  # reachable from the code step, before the second factor
    answer = client.get(reverse("accounts:passkey_messages"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/javascript")
    assert "django.gettext" in answer.content.decode()


def test_the_relying_party_and_origins_default_from_the_allowed_hosts(monkeypatch):
    from config import settings as project

    assert project.webauthn_rp_id(["127.0.0.1", "localhost"]) == "localhost"
    assert project.webauthn_rp_id(["10.0.0.5", ".packline.example.com"]) == "packline.example.com"
    assert project.webauthn_rp_id(["*"]) == "localhost"
    monkeypatch.setattr(project, "DEBUG", False)
    assert project.webauthn_origins("packline.example.com", ["packline.example.com", "127.0.0.1"]) == [
        "https://packline.example.com"
    ]
    monkeypatch.setattr(project, "DEBUG", True)
    monkeypatch.setattr(project, "PORT", 8000)
    assert project.webauthn_origins("localhost", ["127.0.0.1", "localhost"]) == [
        "https://localhost",
        "http://localhost:8000",
    ]
