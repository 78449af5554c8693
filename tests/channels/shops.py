"""Test data for the channel framework: connections made as a manager would, and shop orders as an
adapter hands them over (PlatformOrder)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from channels.connections.models import Connection
from channels.marketplaces.base import Buyer, FinancialStatus, PlatformLine, PlatformOrder
from orders.models import Channel

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def make_connection(kind: str = "shopify", name: str = "Acme Store", **settings) -> Connection:
    """A connection row as connection_create leaves it (without asking the adapter)."""
    code = f"{kind}-{name.lower().replace(' ', '-')}"
    channel = Channel.objects.create(code=code, name=name, kind=kind)
    credentials = (
        {"access_token": "shpat_test"}
        if kind == "shopify"
        else {"consumer_key": "ck_x", "consumer_secret": "cs_y"}
    )
    return Connection.objects.create(
        channel=channel, kind=kind, name=name, shop_url=f"https://{code}.example", credentials=credentials,
        webhook_secrets=["whsec-current", "whsec-old"], **settings,
    )  # fmt: skip


def shop_order(
    number: int = 1047, *, minutes: int = 0, sku: str = "MUG-1", quantity: int = 2, price: str = "12.50",
    paid: bool = True, **fields,
) -> PlatformOrder:  # fmt: skip
    """A complete shop order, as version `minutes` after T0 (a later version has more minutes)."""
    total = Decimal(price) * quantity + Decimal("4.95")
    values = {
        "platform_order_id": str(5_000_000 + number),
        "number": f"#{number}",
        "updated_at": T0 + timedelta(minutes=minutes),
        "created_at": T0,
        "buyer": Buyer(name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0000"),
        "shipping_address": {
            "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postcode": "SW1Y 4LB",
            "country": "GB", "phone": "+44 20 7946 0000",
        },
        "billing_address": {"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
                            "postcode": "SW1Y 4LB", "country": "GB"},
        "lines": [PlatformLine(platform_line_id=f"{number}01", sku=sku, name="Blue mug", quantity=quantity,
                               unit_price=Decimal(price), tax_rate=Decimal("0"))],
        "shipping_method": "Standard",
        "delivery_fee": Decimal("4.95"),
        "currency": "GBP",
        "payment_gateways": ["shopify_payments"],
        "financial_status": FinancialStatus.PAID if paid else FinancialStatus.PENDING,
        "amount_paid": total if paid else Decimal("0"),
        "total": total,
        "raw": {"id": 5_000_000 + number, "name": f"#{number}", "version": minutes},
    }  # fmt: skip
    values.update(fields)
    return PlatformOrder(**values)
