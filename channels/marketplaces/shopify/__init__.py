"""The Shopify adapter: webhooks from Shopify, orders read through the GraphQL Admin API on the shop's
own host (https://{shop}.myshopify.com), tracking pushed back as fulfillments."""

from datetime import datetime

from channels.marketplaces.base import Access, Limiter, PlatformOrder, Webhook
from channels.marketplaces.shopify import mapping, samples, webhooks
from channels.marketplaces.shopify.client import ShopifyClient


class ShopifyPlatform:
    kind = "shopify"
    label = "Shopify"
    default_api_base_url = ""  # the client uses access.api_base_url or the shop's own address
    credential_names = ("access_token",)
    signature_header = webhooks.SIGNATURE_HEADER

    def webhook(self, headers) -> Webhook | None:
        return webhooks.webhook(headers)

    def order_from_webhook(
        self, topic: str, payload: dict, *, received_at: datetime | None = None
    ) -> PlatformOrder | None:
        # Every Shopify order payload carries its own updated_at: received_at is not needed.
        return webhooks.order_from_webhook(topic, payload)

    def order_from_payload(self, payload: dict) -> PlatformOrder:
        """A webhook's REST order or a poll's GraphQL Order node, whichever the link kept."""
        if not isinstance(payload, dict):
            raise ValueError("A Shopify order is a JSON object.")
        if "legacyResourceId" in payload or "lineItems" in payload:
            return mapping.order_from_graphql(payload)
        return mapping.order_from_rest(payload)

    def client(
        self, access: Access, limiter: Limiter, *, on_credentials_renewed=None, attempts: int | None = None
    ) -> ShopifyClient:
        # Its credentials do not expire: nothing to renew.
        return ShopifyClient(access, limiter, **({"max_attempts": attempts} if attempts else {}))

    def webhook_headers(
        self, *, topic: str, delivery_id: str, signature: str, shop_url: str
    ) -> dict[str, str]:
        return webhooks.webhook_headers(
            topic=topic, delivery_id=delivery_id, signature=signature, shop_url=shop_url
        )

    def sample_webhook(self, *, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
        return samples.sample_webhook(sequence=sequence, seed=seed, skus=skus)


PLATFORM = ShopifyPlatform()
