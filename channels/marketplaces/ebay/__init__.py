"""eBay as a marketplace: PLATFORM is what the channel framework asks of it (base.Platform).

client.py talks to the Sell Fulfillment API v1 with an OAuth user token that auth.py renews,
mapping.py reads its order JSON, carriers.py names carriers as eBay does, account_deletion.py answers
eBay's Marketplace Account Deletion notifications.

eBay's orders arrive by polling only (issue "Sales channels II"), so `webhook` and
`order_from_webhook` answer None and `sample_webhook` and `webhook_headers` have nothing to imitate.
eBay does send notifications about orders (the REST Notification API's order topics, the Trading
API's platform notifications), but not in a shape the channels webhook door takes: they go to one
endpoint for the whole app and name the seller inside, and they are not signed with a per-connection
secret (the Notification API signs with eBay's ECDSA key, see account_deletion.verify_notification;
the Trading API signs its own way). The framework's poll sees every change within
CHANNEL_POLL_INTERVAL. Taking them would need an app-wide endpoint that verifies them, finds the
connection by seller and hands the framework an OrderReference (which it fetches through
client.order).
"""

from datetime import datetime

from channels.marketplaces.base import Access, Limiter, OrderReference, PlatformOrder, TokenExpiry, Webhook
from channels.marketplaces.ebay import anonymise, auth, mapping
from channels.marketplaces.ebay.account_deletion import SIGNATURE_HEADER
from channels.marketplaces.ebay.client import EbayClient

NO_WEBHOOKS = "eBay sends no order webhooks; orders arrive by polling"


class EbayPlatform:
    kind = "ebay"
    label = "eBay"
    default_api_base_url = auth.DEFAULT_API_BASE_URL  # a sandbox connection sets https://api.sandbox.ebay.com
    credential_names = ("client_id", "client_secret", "refresh_token")
    signature_header = SIGNATURE_HEADER
    # Not in base.Platform: getOrders lists by creation date, so a page's changes are not oldest first.
    # A poll that stops half-way must not move the connection's poll cursor past changes on pages it
    # did not read; see the report that came with this adapter.
    changes_oldest_first = False

    def webhook(self, headers) -> Webhook | None:
        return None  # no order webhooks: see the module's docstring

    def order_from_webhook(
        self, topic: str, payload: dict, *, received_at: datetime | None = None
    ) -> PlatformOrder | OrderReference | None:
        return None  # no topic carries an order

    def order_from_payload(self, payload: dict) -> PlatformOrder:
        return mapping.order_from_payload(payload)  # getOrder's and getOrders' Order, as kept

    def erased_payload(self, payload: dict) -> dict:
        return anonymise.erased_payload(payload)  # an erased buyer's later versions (intake/erased.py)

    sends_webhooks = False  # orders arrive by polling (see above): no webhook secret to keep

    # Not in base.Platform: the seller's consent (channels/connections/consent.py). The consent page
    # needs the app's RuName (eBay's name for its redirect, whose accept URL is Packline's callback);
    # the consent gives the refresh token, so a connection with a RuName may be saved without one.
    consent_credential = "ru_name"
    consent_gives = ("refresh_token",)

    def consent_url(self, access: Access, state: str) -> str:
        """eBay's consent page (auth.ebay.com, auth.sandbox.ebay.com for the sandbox's API host)."""
        credentials = access.credentials
        return auth.authorization_url(
            credentials.get("client_id", ""), credentials.get("ru_name", ""), state,
            auth_base=auth.consent_base_url(access.api_base_url),
        )  # fmt: skip

    def consent_exchange(self, access: Access, code: str, limiter: Limiter) -> dict[str, str]:
        """The consent's code for the seller's tokens (refresh and access token, their expiries)."""
        credentials = access.credentials
        return auth.exchange_code(
            code, client_id=credentials.get("client_id", ""), client_secret=credentials.get("client_secret", ""),
            redirect_uri=credentials.get("ru_name", ""), auth_base=auth.auth_base_url(access),
        )  # fmt: skip

    def client(
        self, access: Access, limiter: Limiter, *, on_credentials_renewed=None, attempts: int | None = None
    ) -> EbayClient:
        """`on_credentials_renewed(values)`: keep a renewed access token with the connection's
        credentials (values: access_token, access_token_expires_at)."""
        options = {"attempts": attempts} if attempts else {}
        return EbayClient(access, limiter, on_credentials_renewed=on_credentials_renewed, **options)

    def token_expiries(self, connection) -> tuple[TokenExpiry, ...]:
        return auth.stored_expiries(connection.credentials)

    def sample_webhook(self, *, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
        raise NotImplementedError(NO_WEBHOOKS)

    def webhook_headers(
        self, *, topic: str, delivery_id: str, signature: str, shop_url: str
    ) -> dict[str, str]:
        raise NotImplementedError(NO_WEBHOOKS)


PLATFORM = EbayPlatform()

__all__ = ["PLATFORM", "EbayClient", "EbayPlatform"]
