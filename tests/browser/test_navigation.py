"""Every role signs in through the browser and sees the navigation its role may use."""

import pytest

from accounts.navigation import NAVIGATION
from accounts.roles import ROLE_LABELS, ROLE_PERMISSIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", list(ROLE_LABELS))
def test_each_role_signs_in_and_sees_its_navigation(page, login, make_user, role):
    user = make_user(role)
    login(user)
    assert page.get_by_test_id("current-role").inner_text() == ROLE_LABELS[role]
    shown = page.get_by_test_id("side-nav").locator("a").all_inner_texts()
    expected = [
        item.label for item in NAVIGATION if role == "superadmin" or item.permission in ROLE_PERMISSIONS[role]
    ]
    assert [label.strip() for label in shown] == expected
    assert page.console_errors == []


def test_a_wrong_password_shows_an_error_and_a_good_one_lets_the_user_in(page, make_user):
    user = make_user("csr")
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not-it")
    page.click("button[type=submit]")
    assert "correct username and password" in page.locator(".alert-danger").inner_text()
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
