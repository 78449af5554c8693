"""eBay's OAuth over real HTTP against FakeEbay: the user access token is renewed before it expires and
once on a 401, each renewal is handed to the framework to keep, and a refused refresh token is a
permanent "eBay needs re-authorisation" error. Also the consent page's URL and the code exchange."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from channels.marketplaces.base import PlatformError
from channels.marketplaces.ebay import auth
from tests.channels.fakes.ebay import RU_NAME
from tests.channels.marketplaces.ebay.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    ebay_order,
    payload,
    raw,
)

SINCE = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
TOKEN = "/identity/v1/oauth2/token"


def api_calls(ebay) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in ebay.requests]


def test_a_client_without_a_kept_token_renews_it_first_and_hands_it_over(ebay, connect, clock, renewed):
    ebay.add_order(ebay_order("12-00001-00001", SINCE))

    order = connect().order("12-00001-00001")

    assert order.platform_order_id == "12-00001-00001"
    assert api_calls(ebay) == [(TOKEN, 200), ("/sell/fulfillment/v1/order/12-00001-00001", 200)]
    token_request = ebay.requests[0].body
    assert token_request == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "scope": "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    }
    assert len(renewed) == 1
    assert renewed[0]["access_token"] == ebay.requests[1].bearer
    assert renewed[0]["access_token_expires_at"] == (clock() + timedelta(seconds=7200)).isoformat(
        timespec="seconds"
    )


def test_a_kept_token_that_is_still_fresh_is_used_as_it_is(ebay, connect, renewed):
    token, expires_at = ebay.grant_token()

    connect({"access_token": token, "access_token_expires_at": expires_at}).orders_updated_since(SINCE)

    assert ebay.token_requests == []
    assert [r.bearer for r in ebay.requests] == [token]
    assert renewed == []


def test_a_token_about_to_expire_is_renewed_before_the_call(ebay, connect, clock, renewed):
    token, expires_at = ebay.grant_token()
    client = connect({"access_token": token, "access_token_expires_at": expires_at})
    client.orders_updated_since(SINCE)
    clock.advance(7200 - 60)  # a minute left: inside the five minutes renewed ahead

    client.orders_updated_since(SINCE)

    assert ebay.token_requests == ["refresh_token"]
    assert [status for _, status in api_calls(ebay)] == [200, 200, 200]  # eBay never had to refuse it
    assert ebay.requests[2].bearer == renewed[0]["access_token"] != token


def test_a_token_that_expires_mid_sync_is_renewed_once_and_the_call_tried_again(ebay, connect, renewed):
    for n in range(3):
        ebay.add_order(ebay_order(f"12-00001-0000{n}", SINCE + timedelta(minutes=n)))
    client = connect(page_size=2)
    first = client.orders_updated_since(SINCE)
    ebay.expire_tokens()  # eBay revoked or expired it early

    second = client.orders_updated_since(SINCE, first.next_cursor)

    assert [o.platform_order_id for o in first.orders + second.orders] == [
        "12-00001-00000",
        "12-00001-00001",
        "12-00001-00002",
    ]
    assert api_calls(ebay) == [
        (TOKEN, 200),
        ("/sell/fulfillment/v1/order", 200),
        ("/sell/fulfillment/v1/order", 401),
        (TOKEN, 200),
        ("/sell/fulfillment/v1/order", 200),
    ]
    assert [values["access_token"] for values in renewed] == [
        ebay.requests[1].bearer,
        ebay.requests[4].bearer,
    ]


def test_a_second_401_after_renewing_is_permanent(ebay, connect):
    ebay.fail_next(401, times=2, path="/sell/")

    with pytest.raises(PlatformError, match="even after renewing it") as refused:
        connect().orders_updated_since(SINCE)

    assert refused.value.permanent
    assert api_calls(ebay) == [
        (TOKEN, 200),
        ("/sell/fulfillment/v1/order", 401),
        (TOKEN, 200),
        ("/sell/fulfillment/v1/order", 401),
    ]


def test_a_revoked_consent_needs_re_authorisation(ebay, connect, renewed):
    ebay.revoke()

    with pytest.raises(PlatformError) as refused:
        connect().check()

    assert refused.value.permanent
    assert str(refused.value).startswith("eBay needs re-authorisation:")
    assert "invalid_grant" in str(refused.value)
    assert api_calls(ebay) == [(TOKEN, 400)]  # no API call without a token
    assert renewed == []


def test_a_refresh_token_that_expires_mid_sync_needs_re_authorisation(ebay, connect):
    client = connect()
    client.orders_updated_since(SINCE)
    ebay.revoke()
    ebay.expire_tokens()

    with pytest.raises(PlatformError, match=r"^eBay needs re-authorisation:") as refused:
        client.orders_updated_since(SINCE)

    assert refused.value.permanent


def test_a_wrong_client_secret_is_permanent_and_says_which_keys_to_check(ebay, connect):
    with pytest.raises(PlatformError, match="refused the app's client id and secret") as refused:
        connect({"client_secret": "PRD-wrong"}).check()

    assert refused.value.permanent
    assert "PRD-wrong" not in str(refused.value)


def test_a_connection_without_a_refresh_token_is_refused_before_any_request(ebay, connect, limiter):
    with pytest.raises(PlatformError, match="no refresh_token") as refused:
        connect({"refresh_token": ""})

    assert refused.value.permanent
    assert ebay.requests == [] and limiter.waits == 0


@pytest.mark.parametrize("expires_at", ["", "soon"])
def test_a_kept_token_without_a_readable_expiry_is_renewed_first(ebay, connect, expires_at):
    token, _ = ebay.grant_token()

    connect({"access_token": token, "access_token_expires_at": expires_at}).check()

    assert ebay.token_requests == ["refresh_token"]


def test_a_failing_token_endpoint_is_tried_again(ebay, connect, limiter):
    ebay.fail_next(503, path=TOKEN)

    connect().check()

    assert api_calls(ebay) == [(TOKEN, 503), (TOKEN, 200), ("/sell/fulfillment/v1/order", 200)]
    assert limiter.waits == 3  # the limiter is asked before every request, the token's included


def test_the_token_endpoint_can_be_elsewhere_than_the_api(ebay, limiter, connect):
    with type(ebay)(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN
    ) as identity:
        # The other host's tokens mean nothing to this eBay: it refuses them, which shows where they came from.
        with pytest.raises(PlatformError, match="even after renewing it"):
            connect({"auth_base_url": identity.url}).check()

        assert identity.token_requests == ["refresh_token", "refresh_token"]
        assert ebay.token_requests == []
        assert [r.status for r in ebay.requests] == [401, 401]


def test_tokens_are_never_logged(ebay, connect, caplog, renewed):
    caplog.set_level(logging.DEBUG)
    client = connect()
    client.check()
    ebay.expire_tokens()
    client.check()

    assert len(renewed) == 2
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, *(values["access_token"] for values in renewed)]:
        assert secret not in caplog.text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("channels.marketplaces.ebay")]
    assert f"POST {TOKEN} 200" in ours[0]


def test_the_consent_page_url_carries_the_runame_scope_and_state():
    url = auth.authorization_url(
        CLIENT_ID, RU_NAME, "st-8f2c", auth_base=auth.consent_base_url(auth.SANDBOX_API_BASE_URL)
    )

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "auth.sandbox.ebay.com", "/oauth2/authorize")
    assert parse_qs(parts.query) == {
        "client_id": [CLIENT_ID],
        "redirect_uri": [RU_NAME],
        "response_type": ["code"],
        "scope": ["https://api.ebay.com/oauth/api_scope/sell.fulfillment"],
        "state": ["st-8f2c"],
    }
    assert auth.consent_base_url("https://api.ebay.com/") == "https://auth.ebay.com"


def test_the_consent_code_is_exchanged_for_the_tokens_the_connection_keeps(ebay):
    moment = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    code = ebay.consent()

    credentials = auth.exchange_code(
        code, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=RU_NAME, auth_base=ebay.url,
        now=lambda: moment,
    )  # fmt: skip

    assert credentials["refresh_token"] == REFRESH_TOKEN
    assert credentials["refresh_token_expires_at"] == "2026-10-31T00:00:00+00:00"  # 47,304,000 s: 547.5 days
    assert credentials["access_token_expires_at"] == "2025-05-01T14:00:00+00:00"
    assert ebay.requests[0].body == {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RU_NAME,
    }

    with pytest.raises(
        PlatformError, match=r"^eBay needs re-authorisation: it refused the authorization code"
    ):
        auth.exchange_code(
            code, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=RU_NAME, auth_base=ebay.url
        )


def test_the_documented_token_answers_are_read():
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    refreshed = httpx.Response(200, content=raw("token_refreshed.json"))
    token = auth.read_token_answer(refreshed, refreshed.json(), now)
    assert token.value.startswith("v^1.1#i^1#p^3#")
    assert token.expires_at == now + timedelta(hours=2)

    refused = httpx.Response(400, content=raw("token_invalid_grant.json"))
    with pytest.raises(PlatformError, match=r"^eBay needs re-authorisation:") as error:
        auth.read_token_answer(refused, payload("token_invalid_grant.json"), now)
    assert error.value.permanent
    assert "the provided authorization refresh token is invalid" in str(error.value)

    granted = httpx.MockTransport(
        lambda request: httpx.Response(200, content=raw("token_authorization_code.json"))
    )
    credentials = auth.exchange_code(
        "code",
        client_id="id",
        client_secret="secret",
        redirect_uri=RU_NAME,
        transport=granted,
        now=lambda: now,
    )
    assert credentials["refresh_token"].startswith("v^1.1#i^1#I^3#")
