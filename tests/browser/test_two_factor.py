"""A manager's two-factor enrolment and next sign-in in a real browser, at phone and laptop widths:
sign in with the password, land on the enrolment, read the secret the page shows (as an authenticator
app would scan it), type the code computed from it, keep the recovery codes, then sign out and sign
in again with the password and a fresh code."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

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
