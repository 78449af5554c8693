"""Password reset by email: the same answer for a known and an unknown address (an email only for the
known one), a link that works once, the rate limit per address and per client IP, and Django's
password validators on the new password."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent

pytestmark = pytest.mark.django_db


def ask(client, email: str, address: str = "203.0.113.9"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


def visible(answer) -> str:
    """The page as a person reads it, without the per-request CSRF token and CSP nonce."""
    html = answer.content.decode()
    return re.sub(r'(value|nonce)="[^"]*"|"X-CSRFToken": "[^"]*"', "", html)


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_known_one_an_email(
    client, make_user
):
    make_user("csr", username="chris", email="chris@example.com")
    known = ask(client, "chris@example.com")
    unknown = ask(client, "nobody@example.com", address="203.0.113.10")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_done")
    assert visible(client.get(known["Location"])) == visible(client.get(unknown["Location"]))
    assert [message.to for message in mail.outbox] == [["chris@example.com"]]
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_a_deactivated_account_gets_no_email_and_the_same_answer(client, make_user):
    make_user("csr", email="gone@example.com", is_active=False)
    assert ask(client, "gone@example.com")["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_the_reset_link_sets_a_new_password_once(client, make_user):
    user = make_user("csr", username="chris", email="chris@example.com")
    ask(client, "chris@example.com")
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    browser = Client()
    form_page = browser.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    common = browser.post(set_url, {"new_password1": "password123", "new_password2": "password123"})
    assert "too common" in common.content.decode()
    digits = browser.post(set_url, {"new_password1": "4815162342108", "new_password2": "4815162342108"})
    assert "entirely numeric" in digits.content.decode()
    like_name = browser.post(set_url, {"new_password1": "chris@example", "new_password2": "chris@example"})
    assert "too similar" in like_name.content.decode()
    done = browser.post(set_url, {"new_password1": "quiet-harbour-77", "new_password2": "quiet-harbour-77"})
    assert done["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password("quiet-harbour-77")
    assert AccountEvent.objects.filter(subject=user, kind="password_set", params__via="reset").exists()
    assert "This link no longer works" in Client().get(link, follow=True).content.decode()


def test_the_password_validators_are_djangos_four():
    names = {validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


def test_requests_for_one_address_are_limited_whether_or_not_it_exists(client, make_user, settings):
    make_user("csr", email="chris@example.com")
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    for email in ("chris@example.com", "nobody@example.com"):
        answers = [
            ask(client, email, address=f"198.51.100.{index}").status_code for index in range(limit + 1)
        ]
        assert answers == [302] * limit + [429], email
    assert len(mail.outbox) == limit  # the refused request sent nothing
    limited = ask(client, "CHRIS@example.com ", address="198.51.100.200")  # the same address, spelt otherwise
    assert limited.status_code == 429 and "Try again in about" in limited.content.decode()


def test_requests_from_one_ip_are_limited_across_addresses(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 4
    answers = [
        ask(client, f"person{index}@example.com", address="192.0.2.7").status_code for index in range(5)
    ]
    assert answers == [302, 302, 302, 302, 429]
    assert ask(client, "person9@example.com", address="192.0.2.8").status_code == 302


def test_the_limit_is_counted_in_the_shared_cache(client, settings):
    """Counted in the cache every process shares (Redis in production), not in the process."""
    from django.core.cache import cache

    ask(client, "someone@example.com", address="192.0.2.50")
    keys = [key for key in cache._cache if "reset-ip:192.0.2.50" in key or "reset-address:" in key]
    assert len(keys) == 2
