"""Personal access tokens: created once, stored hashed, expiring, revocable, their use recorded."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_sha256_with_a_visible_prefix(make_user):
    token, plaintext = api_token_create(user=make_user("csr"), name="ERP", scopes="read")
    assert plaintext.startswith("pl_") and len(plaintext) >= 40
    assert token.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext.startswith(token.prefix) and len(token.prefix) == 10
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plaintext not in {str(value) for value in stored.values()}
    assert token.scopes == "read" and not token.can_write


def test_scopes_read_write_and_expiry(make_user):
    before = timezone.now()
    token, _ = api_token_create(user=make_user("csr"), name="ERP", scopes="read,write", expires_days=30)
    assert token.can_write
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scopes": "read,admin"}, "Unknown scope admin"),
        ({"scopes": ""}, "Unknown scope"),
        ({"scopes": "read", "name": "  "}, "name"),
        ({"scopes": "read", "expires_days": 0}, "1 to 3650 days"),
    ],
)
def test_bad_token_requests_are_refused_and_nothing_is_written(make_user, kwargs, message):
    kwargs = {"name": "ERP", **kwargs}
    with pytest.raises(ValidationError, match=message):
        api_token_create(user=make_user("csr"), **kwargs)
    assert not ApiToken.objects.exists()


def test_a_token_works_until_revoked_then_answers_401(make_user, api):
    user = make_user("csr")
    token, plaintext = api_token_create(user=user, name="ERP", scopes="read")
    assert api(plaintext).get("/orders").status_code == 200
    api_token_revoke(token=token, actor=user)
    response = api(plaintext).get("/orders")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "revoked" in response.json()["detail"]


def test_an_expired_token_answers_401(make_user, api):
    token, plaintext = api_token_create(user=make_user("csr"), name="ERP", scopes="read", expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(plaintext).get("/orders")
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_an_unknown_token_and_no_token_answer_401_with_a_bearer_challenge(api):
    for response in (api("pl_made-up").get("/orders"), api(None).get("/orders")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


def test_a_deactivated_users_token_answers_401(make_user, api):
    user = make_user("csr")
    _token, plaintext = api_token_create(user=user, name="ERP", scopes="read")
    user.is_active = False
    user.save()
    assert api(plaintext).get("/orders").status_code == 401


def test_last_use_is_recorded(make_user, api):
    token, plaintext = api_token_create(user=make_user("csr"), name="ERP", scopes="read")
    assert token.last_used_at is None
    api(plaintext).get("/orders")
    token.refresh_from_db()
    assert token.last_used_at is not None and timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_only_the_owner_or_a_superadmin_revokes_a_token(make_user):
    owner, other, boss = make_user("csr"), make_user("manager"), make_user("superadmin")
    token, _ = api_token_create(user=owner, name="ERP", scopes="read")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, actor=other)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    revoked = api_token_revoke(token=token, actor=boss)
    assert revoked.revoked_at is not None and revoked.revoked_by == boss


# The command -----------------------------------------------------------------------------------------


def test_the_command_prints_the_token_alone_on_one_line(make_user, api):
    make_user("warehouse", username="scanner")
    out = StringIO()
    call_command(
        "api_token_create", "--user", "scanner", "--scopes", "read,write", "--expires-days", "7", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pl_")
    token = ApiToken.objects.get()
    assert token.user.username == "scanner" and token.can_write
    assert token.expires_at - timezone.now() > timedelta(days=6)
    assert api(lines[0]).get("/orders").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--scopes", "read"], "No user named 'nobody'"),
        (["--user", "scanner", "--scopes", "read,delete"], "Unknown scope delete"),
        (["--user", "scanner", "--scopes", "read", "--expires-days", "-3"], "1 to 3650 days"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(make_user, args, message):
    make_user("warehouse", username="scanner")
    out = StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("api_token_create", *args, stdout=out)
    assert out.getvalue() == ""
    assert not ApiToken.objects.exists()


# The pages -----------------------------------------------------------------------------------------


def test_the_page_shows_the_new_token_once_and_lists_it_by_prefix(client, make_user):
    user = make_user("viewer")
    client.force_login(user)
    response = client.post(
        reverse("accounts:api_tokens"), {"name": "Report script", "scopes": "read", "expires_days": "30"}
    )
    assert response.status_code == 302
    token = ApiToken.objects.get(user=user)
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    shown = page.split('data-testid="token-plaintext">')[1].split("<")[0]
    assert hashlib.sha256(shown.encode()).hexdigest() == token.secret_hash
    again = client.get(reverse("accounts:api_tokens")).content.decode()
    assert shown not in again and f"{token.prefix}…" in again and "Report script" in again


def test_the_page_refuses_a_form_without_a_name(client, make_user):
    client.force_login(make_user("csr"))
    response = client.post(reverse("accounts:api_tokens"), {"name": "", "scopes": "read"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_user_sees_only_their_tokens_and_a_superadmin_sees_everyones(client, make_user):
    alice, bob = make_user("csr"), make_user("csr")
    alices, _ = api_token_create(user=alice, name="Alice's ERP", scopes="read")
    api_token_create(user=bob, name="Bob's script", scopes="read")
    client.force_login(alice)
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "Alice&#x27;s ERP" in page and "Bob&#x27;s script" not in page
    client.force_login(bob)
    assert client.post(reverse("accounts:api_token_revoke", args=[alices.pk])).status_code == 404
    assert ApiToken.objects.get(pk=alices.pk).revoked_at is None
    client.force_login(make_user("superadmin"))
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "Alice&#x27;s ERP" in page and "Bob&#x27;s script" in page
    assert client.get(reverse("accounts:api_token_revoke", args=[alices.pk])).status_code == 200
    assert client.post(reverse("accounts:api_token_revoke", args=[alices.pk])).status_code == 302
    assert ApiToken.objects.get(pk=alices.pk).revoked_at is not None
