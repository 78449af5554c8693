"""WooCommerce as a marketplace: PLATFORM is what the channel framework asks of it (base.Platform).

client.py talks to the shop's REST API v3 on the shop's own site, mapping.py reads its order JSON,
webhooks.py its deliveries, samples.py makes realistic ones for channel_simulate.
"""

from datetime import datetime

from channels.marketplaces.base import Access, Limiter, PlatformOrder, Webhook
from channels.marketplaces.woocommerce import mapping, samples, webhooks
from channels.marketplaces.woocommerce.client import WooCommerceClient
from channels.marketplaces.woocommerce.webhooks import is_ping


class WooCommercePlatform:
    kind = "woocommerce"
    label = "WooCommerce"
    default_api_base_url = ""  # the REST API is on the shop's own site: /wp-json/wc/v3/
    credential_names = ("consumer_key", "consumer_secret")
    signature_header = webhooks.SIGNATURE_HEADER
    # WooCommerce makes a delivery id from the webhook's id and the current second (webhooks.webhook):
    # the framework keeps two deliveries with one id apart by their bodies.
    delivery_ids_repeat = True

    def webhook(self, headers) -> Webhook | None:
        return webhooks.webhook(headers)

    def is_ping(self, body: bytes) -> bool:
        """Not in base.Platform: WooCommerce's unsigned `webhook_id=N` test delivery, to answer 200."""
        return is_ping(body)

    def order_from_webhook(
        self, topic: str, payload: dict, *, received_at: datetime | None = None
    ) -> PlatformOrder | None:
        return webhooks.order_from_webhook(topic, payload, received_at=received_at)

    def order_from_payload(self, payload: dict) -> PlatformOrder:
        if not isinstance(payload, dict) or "date_modified_gmt" not in payload:
            # order.deleted's body names the order only: it says nothing of what the shop had.
            raise ValueError("not a WooCommerce order")
        return mapping.order_from_payload(payload)

    def client(
        self, access: Access, limiter: Limiter, *, on_credentials_renewed=None, attempts: int | None = None
    ) -> WooCommerceClient:
        # Its credentials do not expire: nothing to renew.
        return WooCommerceClient(access, limiter, **({"attempts": attempts} if attempts else {}))

    def sample_webhook(self, *, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
        return samples.sample_webhook(sequence=sequence, seed=seed, skus=skus)

    def webhook_headers(
        self, *, topic: str, delivery_id: str, signature: str, shop_url: str
    ) -> dict[str, str]:
        resource, _, event = topic.partition(".")
        return {
            webhooks.TOPIC_HEADER: topic,
            webhooks.DELIVERY_HEADER: delivery_id,
            webhooks.SIGNATURE_HEADER: signature,
            "X-WC-Webhook-Source": shop_url.rstrip("/") + "/",
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
        }


PLATFORM = WooCommercePlatform()

__all__ = ["PLATFORM", "WooCommerceClient", "WooCommercePlatform", "is_ping"]
