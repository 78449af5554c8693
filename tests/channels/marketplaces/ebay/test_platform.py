"""PLATFORM: eBay's orders arrive by polling; the webhook side of base.Platform says so plainly."""

import pytest

from channels.marketplaces.ebay import PLATFORM


def test_the_platform_polls_and_has_no_webhooks(ebay, limiter):
    assert (PLATFORM.kind, PLATFORM.label, PLATFORM.default_api_base_url) == (
        "ebay",
        "eBay",
        "https://api.ebay.com",
    )
    assert PLATFORM.credential_names == ("client_id", "client_secret", "refresh_token")
    assert PLATFORM.signature_header == "X-EBAY-SIGNATURE"
    assert PLATFORM.webhook({"X-EBAY-SIGNATURE": "e30="}) is None
    assert PLATFORM.order_from_webhook("ORDER_CHANGE", {"orderId": "12-1"}) is None
    with pytest.raises(NotImplementedError, match="eBay sends no order webhooks; orders arrive by polling"):
        PLATFORM.sample_webhook(sequence=1, seed=1, skus=["MUG-1"])
    with pytest.raises(NotImplementedError, match="orders arrive by polling"):
        PLATFORM.webhook_headers(topic="t", delivery_id="d", signature="s", shop_url="u")

    kept = []
    with PLATFORM.client(ebay.access(), limiter, on_credentials_renewed=kept.append) as client:
        assert client.check() == "eBay seller (0 orders)"
    assert list(kept[0]) == ["access_token", "access_token_expires_at"]
