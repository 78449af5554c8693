"""A manager's two-factor enrolment and next sign-in in a real browser, at phone and laptop widths:
sign in with the password, land on the enrolment, read the secret the page shows (as an authenticator
app would scan it), type the code computed from it, keep the recovery codes, then sign out and sign
in again with the password and a fresh code. Then a passkey: added on the account page, and used
after the password instead of the code."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import SignInEvent
from accounts.testing import totp_code
from tests.accounts.conftest import code_from_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1440, "height": 900}}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_manager_enrols_then_signs_in_with_a_code(page, make_user, width):
    page.set_viewport_size(WIDTHS[width])
    manager = make_user("manager", username="maya")
    page.goto("/orders/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")

    page.get_by_test_id("enrolment-required").wait_for()
    assert page.get_by_test_id("current-user").count() == 0  # no menu, no account links yet
    qr = page.get_by_test_id("qr-code").locator("svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 150
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert fits(page)
    page.fill("#id_otp_token", code_from_secret(secret))
    page.get_by_test_id("enrol-submit").click()

    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    assert fits(page)
    page.get_by_test_id("recovery-continue").click()
    page.wait_for_url("**/orders/")  # back where the sign-in started
    page.get_by_test_id("current-user").wait_for()
    assert TOTPDevice.objects.get(user=manager, confirmed=True)

    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url("**/accounts/login/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#id_otp_token")
    assert fits(page)
    page.fill("#id_otp_token", totp_code(TOTPDevice.objects.get(user=manager)))
    page.click("[data-testid=code-form] button[type=submit]")
    page.get_by_test_id("current-user").wait_for()
    assert str(manager) in page.get_by_test_id("current-user").inner_text()
    kinds = list(SignInEvent.objects.filter(user=manager).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["signed_in", "enrolled", "signed_out", "signed_in", "second_factor_passed"]
    assert page.console_errors == []


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_manager_adds_a_passkey_then_signs_in_with_it(page, live_server, login, make_user, settings, width):
    """Chromium's virtual authenticator (over CDP) stands for the laptop's fingerprint reader. The live
    server is reached at http://localhost:<port>, a secure context: that host is the relying party."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    page.set_viewport_size(WIDTHS[width])
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True}
    options |= {"hasUserVerification": True, "isUserVerified": True}
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    manager = make_user("manager", username="maya")
    login(manager)  # the password, then the app's code (tests/conftest.py)

    page.goto("/accounts/account/")
    page.fill("#id_passkey_name", "Work laptop")
    assert fits(page)
    page.get_by_test_id("passkey-add").click()
    assert page.get_by_test_id("passkey-name").inner_text() == "Work laptop"
    assert fits(page)
    page.get_by_test_id("passkey-create").click()  # the package's script shows it once it has loaded
    page.get_by_test_id("passkey-row").wait_for()  # back on the account page, which lists it
    assert page.get_by_test_id("passkey-row-name").inner_text() == "Work laptop"
    assert fits(page)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1
    passkey = WebAuthnCredential.objects.get(user=manager)
    assert passkey.name == "Work laptop" and passkey.last_used_at is None

    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/orders/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")
    button = page.get_by_test_id("passkey-verify")
    button.wait_for()
    assert page.locator("#id_otp_token").is_visible()  # the code stays on offer beside the passkey
    assert fits(page)

    # A refused answer (here: the server expects another origin) is said on the page and logged.
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["https://packline.example.com"]
    button.click()
    status = page.get_by_test_id("passkey-status")
    status.wait_for()
    assert (
        status.inner_text()
        == "That passkey did not work. Try it again, or type the 6-digit code your app shows."
    )
    assert fits(page)

    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    button.click()
    page.wait_for_url("**/orders/")  # back where the sign-in started
    page.get_by_test_id("current-user").wait_for()
    assert fits(page)
    kinds = list(SignInEvent.objects.filter(user=manager).order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "signed_in",
        "second_factor_passed",
        "passkey_added",
        "signed_out",
        "signed_in",
        "second_factor_failed",
        "second_factor_passed",
    ]
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    # The one error the console shows is the refused answer's 403.
    assert [error for error in page.console_errors if "403" not in error] == []
