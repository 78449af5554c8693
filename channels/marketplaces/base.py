"""The contract between the channel framework and each marketplace adapter: a platform's order as
Packline reads it (PlatformOrder), and what the framework asks of a platform (verify a webhook, read
orders page by page, push tracking back). channels/intake.py turns a PlatformOrder into orders through
the orders services; an adapter never writes orders itself."""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class PlatformError(Exception):
    """A platform call failed. `retry_after` (seconds) when the platform said when to come back;
    `permanent` when trying again cannot help (bad credentials, an order the shop no longer has)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class ReauthorisationNeeded(PlatformError):
    """The platform refused the connection's refresh token (revoked consent, expired, another app's):
    nothing but the seller's consent again helps. Always permanent; the framework marks the connection
    "needs re-authorisation" and stops polling and pushing for it until a manager authorises again."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


class FinancialStatus:
    """Where the money stands on the platform, in the platform-neutral words intake acts on."""

    PENDING = "pending"  # nothing captured yet (authorised counts as pending)
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"  # the payment failed or was voided


@dataclass(frozen=True)
class Buyer:
    name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""


@dataclass
class PlatformLine:
    platform_line_id: str
    sku: str  # the shop's SKU; the connection's SKU mapping turns it into ours
    name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal("0")  # on the whole line
    tax_rate: Decimal | None = None  # percent; None: the product's


@dataclass
class PlatformRefund:
    platform_refund_id: str
    amount: Decimal
    created_at: datetime | None = None
    note: str = ""


@dataclass
class PlatformOrder:
    """One order as the platform last described it. Addresses use orders.models ADDRESS_KEYS (name,
    line1, line2, city, region, postcode, country, phone). Fields the mapping could not read are left
    empty and named in `problems`: intake puts the order on hold with them, never crashes."""

    platform_order_id: str
    number: str  # as the shop shows it: "#1047"
    updated_at: datetime  # the platform's updated_at / date_modified_gmt: decides what is stale
    created_at: datetime | None = None
    buyer: Buyer = field(default_factory=Buyer)
    shipping_address: dict = field(default_factory=dict)
    billing_address: dict = field(default_factory=dict)
    lines: list[PlatformLine] = field(default_factory=list)
    shipping_method: str = ""
    delivery_fee: Decimal = Decimal("0")
    currency: str = ""
    payment_gateways: list[str] = field(default_factory=list)
    financial_status: str = FinancialStatus.PENDING
    amount_paid: Decimal = Decimal("0")  # captured on the platform, before refunds
    refunds: list[PlatformRefund] = field(default_factory=list)
    total: Decimal | None = None  # the platform's own total, compared with Packline's
    cancelled_at: datetime | None = None
    cancellation_requested: bool = False  # the buyer asked; a CSR approves or rejects
    ship_by: datetime | None = None  # the latest time the platform wants it handed to the carrier
    fulfilled: bool = False  # the platform already considers it shipped
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)  # note attributes, meta data
    problems: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OrderReference:
    """What a notification that names an order without describing it gives (TikTok Shop's order
    status change, eBay's): the framework fetches the order (PlatformClient.order) before applying it."""

    platform_order_id: str


@dataclass
class OrdersPage:
    orders: list[PlatformOrder]
    next_cursor: str | None  # None: this was the last page


@dataclass
class TrackingLine:
    platform_line_id: str
    quantity: int


@dataclass
class TrackingPush:
    """A shipment made in Packline, told back to the shop."""

    platform_order_id: str
    carrier: str
    tracking_number: str
    tracking_url: str = ""
    lines: list[TrackingLine] = field(default_factory=list)  # empty: the whole order
    notify_customer: bool = True


@dataclass(frozen=True)
class Access:
    """What a client needs to reach one shop. `credentials` holds the decrypted values under the
    platform's own names (Shopify: access_token; WooCommerce: consumer_key, consumer_secret)."""

    shop_url: str
    api_base_url: str
    credentials: dict[str, str]
    connection_id: int | None = None


class Limiter(Protocol):
    """Shared by every worker on every machine for one connection (channels/ratelimit.py)."""

    def wait(self) -> None:
        """Block until this connection may call the platform again."""

    def pause(self, seconds: float) -> None:
        """Nobody calls this platform for this connection for `seconds` (429 Retry-After, THROTTLED)."""


class PlatformClient(Protocol):
    def check(self) -> str:
        """ "Test connection": the shop's name as the platform gives it; PlatformError when unreachable."""

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrdersPage:
        """One page of orders updated at or after `since`, oldest change first when the platform allows."""

    def order(self, platform_order_id: str) -> PlatformOrder:
        """One order as the platform has it now (retry, reconciliation)."""

    def push_tracking(self, push: TrackingPush) -> str:
        """Tell the shop the order shipped; the platform's id of what was created (fulfillment, note)."""


@dataclass(frozen=True)
class TokenExpiry:
    """When one of a connection's tokens stops working. `renews_itself`: the client renews it (an OAuth
    access token); otherwise only the seller's consent again gives a new one (a refresh token)."""

    name: str  # "access token", "refresh token"
    expires_at: datetime
    renews_itself: bool


@dataclass(frozen=True)
class Webhook:
    """A verified delivery's headers as the framework needs them."""

    delivery_id: str
    topic: str


class Platform(Protocol):
    kind: str  # "shopify"
    label: str  # "Shopify"
    default_api_base_url: str  # "" when it is the shop's own address (WooCommerce)
    credential_names: tuple[str, ...]  # ("access_token",) / ("consumer_key", "consumer_secret")
    signature_header: str

    def webhook(self, headers) -> Webhook | None:
        """Delivery id and topic from the request headers (a Django HttpHeaders); None when missing."""

    def order_from_webhook(
        self, topic: str, payload: dict, *, received_at: datetime | None = None
    ) -> PlatformOrder | OrderReference | None:
        """The order a delivery describes; an OrderReference when it only names one (the framework
        fetches it); None for topics that carry no order (ping, app/uninstalled). `received_at` dates
        a delivery that carries no date of its own (WooCommerce's order.deleted)."""

    def order_from_payload(self, payload: dict) -> PlatformOrder:
        """The order a stored payload describes (a PlatformOrder's `raw`, as the order's link keeps the
        version applied last): intake compares it with the new version to tell what the shop changed.
        ValueError when it cannot be read."""

    def client(
        self, access: Access, limiter: Limiter, *, on_credentials_renewed=None, attempts: int | None = None
    ) -> PlatformClient:
        """`on_credentials_renewed(values)`: the framework keeps what a client renewed (an OAuth access
        token and its expiry) with the connection's credentials. Platforms without renewal ignore it.
        `attempts`: how often one call is tried (None: the client's own default, for workers; 1 where a
        person waits for the answer, as "Test connection" does)."""

    def sample_webhook(self, *, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
        """A realistic order webhook (topic, payload) as the shop would send it: channel_simulate."""

    def token_expiries(self, connection) -> tuple[TokenExpiry, ...]:
        """When the connection's stored tokens expire, read from its (decrypted) `credentials`; no
        call to the platform. Optional: an adapter without it has none (token_expiries_of)."""

    def webhook_headers(
        self, *, topic: str, delivery_id: str, signature: str, shop_url: str
    ) -> dict[str, str]:
        """The headers the shop sends with a delivery (channel_simulate, the benchmark, tests)."""


def token_expiries_of(platform: Platform, connection) -> tuple[TokenExpiry, ...]:
    """Platform.token_expiries, or none for a platform whose credentials do not expire (Shopify's
    access token, WooCommerce's key pair)."""
    expiries = getattr(platform, "token_expiries", None)
    return tuple(expiries(connection)) if expiries else ()


def hmac_sha256_base64(secret: str, body: bytes) -> str:
    """Shopify's and WooCommerce's webhook signature: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(body: bytes, signature: str, secrets: list[str]) -> bool:
    """Constant-time comparison against every current secret (two during a rotation)."""
    given = signature.strip().encode()
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(hmac_sha256_base64(secret, body).encode(), given):
            matched = True
    return matched
