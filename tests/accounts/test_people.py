"""People, as a superadmin manages them: an invitation through to the first sign-in, role changes,
deactivation (sessions and API tokens end at once), reactivation, and the account log naming who did
what to whom. Nobody is deleted."""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, ApiToken, User, UserSession
from accounts.services import api_token_create
from accounts.testing import authenticator_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def superadmin_client(client, make_user):
    superadmin = make_user("superadmin", username="sam")
    client.force_login(superadmin)
    client.superadmin = superadmin
    return client


def invite(client, **fields):
    data = {
        "username": "nora",
        "email": "nora@example.com",
        "first_name": "Nora",
        "last_name": "Quist",
        "role": "csr",
    }
    return client.post(reverse("accounts:person_invite"), data | fields)


def link_in(message) -> str:
    text = re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)
    html = message.alternatives[0].content
    assert text in html  # the HTML part carries the same link
    return text.split("testserver", 1)[1]


def test_an_invited_person_chooses_a_password_and_signs_in(
    superadmin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(superadmin_client)
    nora = User.objects.get(username="nora")
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "accounts:person", kwargs={"pk": nora.pk}
    )
    assert not nora.has_usable_password() and nora.role == "csr"
    [message] = mail.outbox
    assert message.to == ["nora@example.com"] and "invitation" in message.subject.lower()
    assert message.alternatives[0].mimetype == "text/html"
    event = AccountEvent.objects.get(subject=nora, kind="invited")
    assert event.actor == superadmin_client.superadmin

    nora_browser = Client()
    link = link_in(message)
    form_page = nora_browser.get(link, follow=True)
    assert "Welcome to Packline" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = nora_browser.post(set_url, {"new_password1": "nora", "new_password2": "nora"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    done = nora_browser.post(
        set_url, {"new_password1": "tidal-orchid-42", "new_password2": "tidal-orchid-42"}
    )
    assert done["Location"] == reverse("accounts:login")
    assert AccountEvent.objects.filter(subject=nora, kind="password_set", params__via="invitation").exists()

    signed_in = nora_browser.post(
        reverse("accounts:login"), {"username": "nora", "password": "tidal-orchid-42"}
    )
    assert signed_in["Location"] == reverse("home")
    assert nora_browser.get(reverse("home")).status_code == 200
    # The link worked once.
    again = Client().get(link).content.decode()
    assert "This link no longer works" in again


def test_an_invited_manager_enrols_a_second_factor_at_first_sign_in(
    superadmin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(superadmin_client, role="manager")
    assert "authenticator app" in mail.outbox[0].body
    browser = Client()
    set_url = browser.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    browser.post(set_url, {"new_password1": "tidal-orchid-42", "new_password2": "tidal-orchid-42"})
    browser.post(reverse("accounts:login"), {"username": "nora", "password": "tidal-orchid-42"})
    assert browser.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_an_invitation_link_expires(
    superadmin_client, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts.invitations import InvitationTokenGenerator

    with django_capture_on_commit_callbacks(execute=True):
        invite(superadmin_client)
    link = link_in(mail.outbox[0])
    sent = datetime.now()

    def clock(seconds: int):
        monkeypatch.setattr(InvitationTokenGenerator, "_now", lambda self: sent + timedelta(seconds=seconds))

    clock(settings.INVITATION_TIMEOUT - 60)
    assert "Welcome to Packline" in Client().get(link, follow=True).content.decode()
    clock(settings.INVITATION_TIMEOUT + 60)
    assert "This link no longer works" in Client().get(link, follow=True).content.decode()


def test_a_password_reset_link_is_not_an_invitation_link(make_user):
    """The two kinds of link are signed under different salts: one does not open the other's page."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = make_user("csr")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset_token = default_token_generator.make_token(user)
    url = reverse("accounts:invitation_accept", kwargs={"uidb64": uid, "token": reset_token})
    assert "This link no longer works" in Client().get(url).content.decode()


def test_an_invitation_with_a_taken_username_or_email_writes_nothing(superadmin_client, make_user):
    make_user("csr", username="nora", email="first@example.com")
    before = User.objects.count()
    taken = invite(superadmin_client)
    assert taken.status_code == 400 and "is taken" in taken.content.decode()
    again = invite(superadmin_client, username="nora2", email="FIRST@example.com")
    assert again.status_code == 400 and "already belongs to an account" in again.content.decode()
    assert User.objects.count() == before and not mail.outbox


def test_deactivation_ends_sessions_and_api_tokens_at_once(superadmin_client, make_user, live_server):
    import httpx

    csr = make_user("csr", username="chris")
    token, plaintext = api_token_create(user=csr, name="ERP", scopes="read")
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        browser.post(reverse("accounts:login"), {"username": "chris", "password": "secret-pass-123"})
        assert browser.get(reverse("home")).status_code == 200
    assert UserSession.objects.filter(user=csr).count() == 2
    with httpx.Client(base_url=live_server.url) as api:
        headers = {"Authorization": f"Bearer {plaintext}"}
        assert api.get("/api/v1/orders", headers=headers).status_code == 200

        answer = superadmin_client.post(reverse("accounts:person_deactivate", kwargs={"pk": csr.pk}))
        assert answer.status_code == 302

        assert api.get("/api/v1/orders", headers=headers).status_code == 401
    for browser in (laptop, phone):
        assert browser.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
    assert not UserSession.objects.filter(user=csr).exists()
    token.refresh_from_db()
    assert token.revoked_by == superadmin_client.superadmin
    event = AccountEvent.objects.get(subject=csr, kind="deactivated")
    assert event.actor == superadmin_client.superadmin and event.params == {"sessions": 2, "tokens": 1}
    # Signing in again is refused while deactivated; reactivated, the password works, the token not.
    assert (
        laptop.post(
            reverse("accounts:login"), {"username": "chris", "password": "secret-pass-123"}
        ).status_code
        == 200
    )
    superadmin_client.post(reverse("accounts:person_reactivate", kwargs={"pk": csr.pk}))
    assert (
        laptop.post(
            reverse("accounts:login"), {"username": "chris", "password": "secret-pass-123"}
        ).status_code
        == 302
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert list(AccountEvent.objects.filter(subject=csr).values_list("kind", flat=True)) == [
        "reactivated",
        "deactivated",
    ]


def test_a_role_change_is_on_the_account_log_with_who_made_it(superadmin_client, make_user):
    wes = make_user("warehouse", username="wes")
    answer = superadmin_client.post(
        reverse("accounts:person_role", kwargs={"pk": wes.pk}), {"role": "superadmin"}
    )
    assert answer.status_code == 302
    wes.refresh_from_db()
    assert wes.role == "superadmin" and wes.is_staff and wes.is_superuser
    superadmin_client.post(reverse("accounts:person_role", kwargs={"pk": wes.pk}), {"role": "viewer"})
    wes = User.objects.get(pk=wes.pk)
    assert wes.role == "viewer" and not wes.is_staff and not wes.is_superuser
    page = superadmin_client.get(reverse("accounts:person", kwargs={"pk": wes.pk})).content.decode()
    assert page.count('data-kind="role_changed"') == 2
    assert "warehouse → superadmin" in page and "superadmin → viewer" in page and "by sam" in page


def test_a_superadmin_cannot_deactivate_or_demote_themselves(superadmin_client):
    me = superadmin_client.superadmin
    for name, data in (("accounts:person_deactivate", {}), ("accounts:person_role", {"role": "viewer"})):
        answer = superadmin_client.post(reverse(name, kwargs={"pk": me.pk}), data, follow=True)
        assert "You cannot" in answer.content.decode()
    me.refresh_from_db()
    assert me.is_active and me.role == "superadmin"
    assert not AccountEvent.objects.filter(subject=me).exists()


def test_the_people_list_shows_role_status_last_sign_in_and_two_factor(superadmin_client, make_user):
    authenticator_for(make_user("manager", username="maya"))
    gone = make_user("viewer", username="vic", is_active=False)
    page = superadmin_client.get(reverse("accounts:people")).content.decode()
    row = page.split('data-username="maya"', 1)[1].split("</tr>", 1)[0]
    assert "Manager" in row and "Active" in row and ">On<" in row
    row = page.split('data-username="vic"', 1)[1].split("</tr>", 1)[0]
    assert "Viewer" in row and "Deactivated" in row and ">Off<" in row and "never" in row
    only_off = superadmin_client.get(reverse("accounts:people"), {"status": "deactivated"}).content.decode()
    assert 'data-username="vic"' in only_off and 'data-username="maya"' not in only_off
    managers = superadmin_client.get(reverse("accounts:people"), {"role": "manager"}).content.decode()
    assert 'data-username="maya"' in managers and 'data-username="vic"' not in managers
    assert gone.pk


def test_nobody_is_deleted_in_the_django_admin(superadmin_client, make_user):
    csr = make_user("csr")
    answer = superadmin_client.post(reverse("admin:accounts_user_delete", args=[csr.pk]), {"post": "yes"})
    assert answer.status_code == 403
    assert User.objects.filter(pk=csr.pk).exists()
