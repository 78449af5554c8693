"""Signing in and out, lockout after repeated failures, and password change."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_user_signs_in_and_lands_on_the_dashboard(client, make_user):
    make_user("csr", username="chris")
    response = post_login(client, "chris", "secret-pass-123")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("csr", username="chris")
    response = post_login(client, "chris", "wrong")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, make_user, settings):
    make_user("csr", username="chris")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "chris", "wrong")
    response = post_login(client, "chris", "secret-pass-123")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, make_user):
    client.force_login(make_user("viewer"))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_user_changes_their_password(client, make_user):
    user = make_user("warehouse")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "secret-pass-123",
            "new_password1": "a-much-longer-pass-42",
            "new_password2": "a-much-longer-pass-42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-pass-42")


def test_a_user_without_a_role_is_refused_the_dashboard_with_the_styled_page(client, make_user):
    client.force_login(make_user(None))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_a_username_longer_than_any_is_a_form_error_not_a_500(client, users):
    from axes.models import AccessAttempt

    response = post_login(client, "w" * 256, "x")
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    client.force_login(users["viewer"])  # the admin's own sign-in page, reached by a non-staff user
    response = client.post(reverse("admin:login"), {"username": "w" * 256, "password": "x"})
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
