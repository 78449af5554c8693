"""TikTok Shop as a marketplace: PLATFORM is what the channel framework asks of it (base.Platform), plus
what TikTok Shop needs beyond the other platforms.

client.py talks to the Open API (version 202309) on open-api.tiktokglobalshop.com with signed
requests, auth.py keeps the access token fresh and holds the seller's consent flow, mapping.py reads
TikTok's order, webhooks.py its notifications (which only name an order), fulfilment.py the tracking
pushed back, samples.py realistic orders for channel_simulate.

Differences from Shopify and WooCommerce the framework must wire (the adapter cannot):

- The webhook signature is hex HMAC-SHA256 with the app secret over app_key + raw body, in the
  Authorization header: check it with PLATFORM.signature_valid (not base.signature_matches).
- TikTok Shop sends no delivery id or topic header: name a delivery with PLATFORM.webhook_from_body.
- Access tokens expire after about a week and are renewed by the client: pass on_credentials_renewed
  to PLATFORM.client and keep what it receives in the connection's credentials.
"""

from datetime import datetime

from channels.marketplaces.base import (
    Access,
    Limiter,
    OrderReference,
    PlatformError,
    PlatformOrder,
    TokenExpiry,
    Webhook,
)
from channels.marketplaces.tiktok import auth, mapping, samples, webhooks
from channels.marketplaces.tiktok.client import API_VERSION, DEFAULT_API_BASE_URL, TikTokShopClient
from channels.marketplaces.tiktok.signing import webhook_signature, webhook_signature_matches


class TikTokShopPlatform:
    kind = "tiktok"
    label = "TikTok Shop"
    default_api_base_url = DEFAULT_API_BASE_URL
    credential_names = ("app_key", "app_secret", "access_token", "refresh_token", "shop_cipher")
    signature_header = webhooks.SIGNATURE_HEADER
    # TikTok Shop signs webhooks with the app secret (and app key): the connection's webhook secret is
    # the app secret unless another is given (a new app secret rotates like a webhook secret).
    signs_webhooks_with = "app_secret"

    # Not in base.Platform: the seller's consent (channels/connections/consent.py). The consent link
    # needs the app's service id; the consent gives the tokens, and the shop cipher of the shop chosen.
    consent_credential = "service_id"
    consent_gives = ("access_token", "refresh_token", "shop_cipher")

    def consent_url(self, access: Access, state: str) -> str:
        base = auth.consent_base_url(access.credentials.get("auth_base_url", ""))
        return auth.seller_authorization_url(
            access.credentials.get("service_id", ""), state, consent_base_url=base
        )

    def consent_exchange(self, access: Access, code: str, limiter: Limiter) -> dict[str, str]:
        """The tokens for the consent's code, and the shop cipher (Get Authorized Shops): the one the
        connection has when the seller still authorised it, else the only shop authorised."""
        credentials = access.credentials
        tokens = auth.exchange_code(
            code, app_key=credentials.get("app_key", ""), app_secret=credentials.get("app_secret", ""),
            auth_base_url=credentials.get("auth_base_url") or auth.AUTH_BASE_URL,
        )  # fmt: skip
        given = {**tokens.credentials(), "open_id": tokens.open_id, "seller_name": tokens.seller_name}
        with TikTokShopClient(
            Access(access.shop_url, access.api_base_url, {**credentials, **given}), limiter, max_attempts=2
        ) as client:
            shops = client.authorized_shops()
        ciphers = [str(shop.get("cipher") or "") for shop in shops if shop.get("cipher")]
        current = str(credentials.get("shop_cipher") or "")
        if current in ciphers:
            given["shop_cipher"] = current
        elif len(ciphers) == 1:
            given["shop_cipher"] = ciphers[0]
        else:
            named = "; ".join(f"{shop.get('name')} ({shop.get('cipher')})" for shop in shops) or "none"
            raise PlatformError(
                f"The seller authorised {len(ciphers)} shops ({named}); enter the shop cipher of the one "
                "this connection is for (Edit), then authorise again.",
                permanent=True,
            )
        return given

    def webhook(self, headers) -> Webhook | None:
        """From headers only TikTok Shop gives nothing to name a delivery by: topic
        "order_status_change", delivery_id "". Use webhook_from_body."""
        return webhooks.webhook(headers)

    def webhook_from_body(self, headers, body: bytes) -> Webhook | None:
        """Not in base.Platform: the delivery id (webhooks.delivery_key: tts-<tts_notification_id>) and
        topic (from the body's type) of a signed delivery; None without the Authorization header."""
        return webhooks.webhook_from_body(headers, body)

    def delivery_key(self, body: bytes) -> str:
        """Not in base.Platform: a stable delivery id from the body (webhooks.delivery_key)."""
        return webhooks.delivery_key(body)

    def signature_valid(self, body: bytes, signature: str, *, app_key: str, app_secrets: list[str]) -> bool:
        """Not in base.Platform: the Authorization header checked against each current app secret (two
        while they rotate) with the connection's app key, in constant time."""
        matched = False
        for secret in app_secrets:
            if webhook_signature_matches(body, signature, app_key, secret):
                matched = True
        return matched

    def order_from_webhook(
        self, topic: str, payload: dict, *, received_at: datetime | None = None
    ) -> OrderReference | None:
        # The notification only names the order; the framework fetches it with client().order().
        return webhooks.order_from_webhook(topic, payload)

    def order_from_payload(self, payload: dict) -> PlatformOrder:
        return mapping.order_from_detail(payload)  # the order detail fetched, as kept

    def client(
        self, access: Access, limiter: Limiter, *, on_credentials_renewed=None, attempts: int | None = None
    ) -> TikTokShopClient:
        options = {"max_attempts": attempts} if attempts else {}
        return TikTokShopClient(access, limiter, on_credentials_renewed=on_credentials_renewed, **options)

    def token_expiries(self, connection) -> tuple[TokenExpiry, ...]:
        return auth.stored_expiries(connection.credentials)

    def sample_webhook(self, *, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
        return samples.sample_webhook(sequence=sequence, seed=seed, skus=skus)

    def sign_webhook(self, body: bytes, *, app_key: str, secret: str) -> str:
        """Not in base.Platform: the Authorization header of a delivery (channel_simulate, tests)."""
        return webhook_signature(body, app_key, secret)

    def sample_order(self, *, sequence: int, seed: int, skus: list[str]) -> dict:
        """Not in base.Platform: the order sample_webhook's notification names, for a fake to serve."""
        return samples.sample_order(sequence=sequence, seed=seed, skus=skus)

    def webhook_headers(
        self, *, topic: str, delivery_id: str, signature: str, shop_url: str
    ) -> dict[str, str]:
        return webhooks.webhook_headers(
            topic=topic, delivery_id=delivery_id, signature=signature, shop_url=shop_url
        )


PLATFORM = TikTokShopPlatform()

__all__ = [
    "API_VERSION",
    "PLATFORM",
    "TikTokShopClient",
    "TikTokShopPlatform",
    "webhook_signature",
    "webhook_signature_matches",
]
