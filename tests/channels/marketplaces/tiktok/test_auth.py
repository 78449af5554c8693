"""The access token kept fresh: renewed shortly before it expires, renewed once and the call tried again
when TikTok Shop calls it expired, every renewal handed to the framework, a withdrawn consent a
permanent "needs re-authorisation"; and the consent flow's link and code exchange."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from channels.marketplaces.base import PlatformError
from channels.marketplaces.tiktok.auth import authorization_url, exchange_code
from tests.channels.marketplaces.tiktok.conftest import shop_order

UK_ORDER = "576486316948490101"
SINCE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_a_token_about_to_expire_is_renewed_before_the_call(shop, connect, renewed):
    shop.add_order(shop_order())
    old_access, old_refresh = shop.access_token, shop.refresh_token

    connect({"access_token_expires_at": soon(60)}, renew_before=600).order(UK_ORDER)

    assert [(r.path, r.status) for r in shop.requests] == [
        ("/api/v2/token/refresh", 200),
        ("/order/202309/orders", 200),
    ]
    refresh, call = shop.requests
    assert refresh.query == {
        "app_key": shop.app_key,
        "app_secret": shop.app_secret,
        "refresh_token": old_refresh,
        "grant_type": "refresh_token",
    }
    assert call.token == shop.access_token != old_access
    assert renewed == [
        {
            "access_token": shop.access_token,
            "access_token_expires_at": renewed[0]["access_token_expires_at"],
            "refresh_token": shop.refresh_token,
        }
    ]
    expires = datetime.fromisoformat(renewed[0]["access_token_expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)


def test_a_token_far_from_its_expiry_is_used_as_it_is(shop, connect, renewed):
    shop.add_order(shop_order())

    connect({"access_token_expires_at": soon(3600)}, renew_before=600).order(UK_ORDER)

    assert [r.path for r in shop.requests] == ["/order/202309/orders"]
    assert renewed == []


def test_a_token_that_expires_mid_sync_is_renewed_once_and_the_page_read_again(shop, connect, renewed):
    for n in range(3):
        stamp = int((SINCE + timedelta(minutes=n)).timestamp())
        shop.add_order(shop_order(id=str(576_486_316_948_500_000 + n), update_time=stamp))
    client = connect(page_size=2)
    first = client.orders_updated_since(SINCE)
    stale_refresh = shop.refresh_token

    shop.expire_tokens()  # a week went by between two pages
    second = client.orders_updated_since(SINCE, first.next_cursor)

    assert len(first.orders) + len(second.orders) == 3
    assert [(r.path, r.status, r.code) for r in shop.requests[1:]] == [
        ("/order/202309/orders/search", 401, 105002),
        ("/api/v2/token/refresh", 200, 0),
        ("/order/202309/orders/search", 200, 0),
    ]
    assert shop.requests[2].query["refresh_token"] == stale_refresh
    assert shop.requests[1].query["page_token"] == shop.requests[3].query["page_token"]
    assert [credentials["access_token"] for credentials in renewed] == [shop.access_token]
    assert renewed[0]["refresh_token"] == shop.refresh_token != stale_refresh  # TikTok handed a new one


def test_each_renewal_uses_the_refresh_token_the_last_one_handed_back(shop, connect, renewed):
    shop.add_order(shop_order())
    client = connect()

    for _ in range(3):
        shop.expire_tokens()
        client.order(UK_ORDER)

    assert shop.refreshes == 3
    assert len({credentials["refresh_token"] for credentials in renewed}) == 3
    assert renewed[-1]["refresh_token"] == shop.refresh_token


def test_a_revoked_authorisation_needs_the_seller_again(shop, connect, renewed):
    client = connect()
    shop.revoke()  # the seller withdrew consent in Seller Center

    with pytest.raises(PlatformError) as refused:
        client.orders_updated_since(SINCE)

    assert refused.value.permanent
    assert str(refused.value).startswith("TikTok Shop needs re-authorisation:")
    assert "The refresh token is invalid or expired" in str(refused.value)
    assert [(r.path, r.code) for r in shop.requests] == [
        ("/order/202309/orders/search", 105001),
        ("/api/v2/token/refresh", 36004004),
    ]
    assert renewed == []


def test_a_renewed_token_refused_again_is_not_renewed_in_a_loop(shop, connect):
    shop.token_lifetime = -10  # every token TikTok issues is already expired
    shop.expire_tokens()

    with pytest.raises(PlatformError) as refused:
        connect(renew_before=-3600).orders_updated_since(SINCE)

    assert refused.value.permanent
    assert str(refused.value).startswith(
        "TikTok Shop needs re-authorisation: TikTok Shop refused the renewed access token"
    )
    assert [r.path for r in shop.requests] == [
        "/order/202309/orders/search",
        "/api/v2/token/refresh",
        "/order/202309/orders/search",
    ]


def test_an_auth_service_failure_is_not_a_refusal(shop, connect):
    shop.expire_tokens()
    shop.fail_next(503, path="/api/v2/token/refresh")

    with pytest.raises(PlatformError) as failed:
        connect().orders_updated_since(SINCE)

    assert not failed.value.permanent
    assert "trying again later may help" in str(failed.value)


def test_a_connection_without_a_refresh_token_cannot_renew(shop, connect):
    with pytest.raises(PlatformError, match="has no refresh token") as refused:
        connect({"access_token": "", "refresh_token": ""}).check()

    assert refused.value.permanent
    assert shop.requests == []


def test_no_token_or_secret_reaches_the_log(shop, connect, caplog):
    shop.add_order(shop_order())
    first_access, first_refresh = shop.access_token, shop.refresh_token
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # settings keep it at WARNING; turned up, it is masked

    client = connect()
    client.order(UK_ORDER)
    shop.expire_tokens()
    client.order(UK_ORDER)

    logged = caplog.text
    assert "/api/v2/token/refresh" in logged and "/order/202309/orders" in logged
    for secret in (shop.app_secret, first_access, first_refresh, shop.access_token, shop.refresh_token):
        assert secret not in logged
    assert "app_secret=***" in logged  # httpx's own request log, masked


def test_the_consent_link_names_the_app_and_the_state():
    url = authorization_url("6a6fake0app0key", "st-8f2c")

    assert url == "https://auth.tiktok-shops.com/oauth/authorize?app_key=6a6fake0app0key&state=st-8f2c"


def test_an_authorisation_code_is_exchanged_for_tokens_once(shop):
    shop.add_auth_code("TTP_code_one")

    tokens = exchange_code(
        "TTP_code_one", app_key=shop.app_key, app_secret=shop.app_secret, auth_base_url=shop.url
    )

    assert (tokens.access_token, tokens.refresh_token) == (shop.access_token, shop.refresh_token)
    assert tokens.seller_name == "Packline Homeware UK"
    assert tokens.access_token_expires_at > datetime.now(UTC) + timedelta(days=6)
    assert set(tokens.credentials()) == {"access_token", "access_token_expires_at", "refresh_token"}
    [request] = shop.requests
    assert (request.path, request.query) == (
        "/api/v2/token/get",
        {
            "app_key": shop.app_key,
            "app_secret": shop.app_secret,
            "auth_code": "TTP_code_one",
            "grant_type": "authorized_code",
        },
    )
    with pytest.raises(PlatformError, match=r"^TikTok Shop needs re-authorisation:") as again:
        exchange_code(
            "TTP_code_one", app_key=shop.app_key, app_secret=shop.app_secret, auth_base_url=shop.url
        )
    assert again.value.permanent


def test_after_the_exchange_the_authorised_shops_give_the_cipher_to_keep(shop, connect):
    shop.add_auth_code("TTP_code_two")
    tokens = exchange_code(
        "TTP_code_two", app_key=shop.app_key, app_secret=shop.app_secret, auth_base_url=shop.url
    )

    client = connect({**tokens.credentials(), "shop_cipher": ""})

    assert [(s["name"], s["cipher"]) for s in client.authorized_shops()] == [
        ("Packline Homeware UK", "ROW_fakeShopCipher0001")
    ]
    assert client.check() == "Packline Homeware UK"  # the only shop, when no cipher is set yet
