"""A person's sessions: listed with device, address and last use; the others signed out at once; an
idle session signed out at its next request; the last use written at most once a minute."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, SignInEvent, UserSession
from accounts.services.sessions import SEEN_KEY

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def signed_in(user, agent: str, address: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    answer = browser.post(
        reverse("accounts:login"), {"username": user.username, "password": "secret-pass-123"}
    )
    assert answer.status_code == 302
    return browser


def test_a_person_sees_their_sessions_and_signs_out_the_others(make_user):
    csr = make_user("csr")
    laptop = signed_in(csr, FIREFOX, "198.51.100.4")
    phone = signed_in(csr, IPHONE, "203.0.113.77")
    someone_else = signed_in(make_user("csr"), FIREFOX, "198.51.100.5")

    page = laptop.get(reverse("accounts:account")).content.decode()
    assert page.count('data-testid="session-row"') == 2
    assert "Firefox 128 on Windows" in page and "Mobile Safari 17 on iOS (iPhone)" in page
    assert "198.51.100.4" in page and "203.0.113.77" in page and "198.51.100.5" not in page
    current = page.split('data-testid="session-current"', 1)[0].rsplit('data-testid="session-row"', 1)[1]
    assert "Firefox" in current

    answer = laptop.post(reverse("accounts:sessions_end_others"))
    assert answer.status_code == 302
    assert phone.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
    assert laptop.get(reverse("home")).status_code == 200
    assert someone_else.get(reverse("home")).status_code == 200
    assert list(UserSession.objects.filter(user=csr).values_list("device", flat=True)) == [
        "Firefox 128 on Windows"
    ]
    assert AccountEvent.objects.get(subject=csr, kind="sessions_ended").params == {"count": 1}


def test_a_person_signs_out_one_other_session_but_not_someone_elses(make_user):
    csr, other = make_user("csr"), make_user("csr")
    laptop = signed_in(csr, FIREFOX, "198.51.100.4")
    phone = signed_in(csr, IPHONE, "203.0.113.77")
    theirs = signed_in(other, FIREFOX, "198.51.100.5")
    phone_record = UserSession.objects.get(user=csr, device__contains="iOS")
    their_record = UserSession.objects.get(user=other)
    assert laptop.post(reverse("accounts:session_end", kwargs={"pk": their_record.pk})).status_code == 404
    assert theirs.get(reverse("home")).status_code == 200
    laptop.post(reverse("accounts:session_end", kwargs={"pk": phone_record.pk}))
    assert phone.get(reverse("home")).status_code == 302
    assert laptop.get(reverse("home")).status_code == 200


def test_an_idle_session_is_signed_out_at_its_next_request(make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    csr = make_user("csr")
    browser = signed_in(csr, FIREFOX, "198.51.100.4")
    assert browser.get(reverse("orders:list")).status_code == 200
    session = browser.session
    session[SEEN_KEY] = time.time() - 601
    session.save()

    answer = browser.get(reverse("orders:list"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:login")) and "idle=1" in answer["Location"]
    assert "_auth_user_id" not in browser.session
    assert not UserSession.objects.filter(user=csr).exists()
    assert SignInEvent.objects.filter(user=csr, kind="idle_signed_out").count() == 1
    assert not SignInEvent.objects.filter(user=csr, kind="signed_out").exists()
    assert "signed out after a while" in browser.get(answer["Location"]).content.decode()


def test_a_session_used_within_the_timeout_stays(make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    browser = signed_in(make_user("csr"), FIREFOX, "198.51.100.4")
    session = browser.session
    session[SEEN_KEY] = time.time() - 599
    session.save()
    assert browser.get(reverse("orders:list")).status_code == 200


def test_the_last_use_is_written_at_most_once_a_minute(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    csr = make_user("csr")
    browser = signed_in(csr, FIREFOX, "198.51.100.4")
    record = UserSession.objects.get(user=csr)

    def writes() -> int:
        with CaptureQueriesContext(connection) as captured:
            browser.get(reverse("accounts:account"))
        return sum('UPDATE "accounts_usersession"' in query["sql"] for query in captured)

    assert writes() == 0  # signed in a moment ago
    session = browser.session
    session[SEEN_KEY] = time.time() - 61
    session.save()
    assert writes() == 1
    assert writes() == 0
    record.refresh_from_db()
    assert abs(record.last_seen_at.timestamp() - time.time()) < 5
