"""Realistic WooCommerce order webhooks for channel_simulate: what a shop in the UK, Germany, France, the
Netherlands, Ireland or the US would send on order.created, the same for the same seed and sequence.

Most orders are card or PayPal payments WooCommerce has moved to "processing" (paid); about one in five
is a direct bank transfer, which WooCommerce puts "on-hold" until the money arrives (financially
pending). Amounts add up the way WooCommerce adds them: per line, tax on the discounted line total,
shipping taxed at the same rate outside the US. Tax rates have at most two decimals, as Packline keeps
them: a US rate like New York City's 8.875 % cannot give every line's tax to the cent. The payload is plain JSON (money as strings, a line's
`price` as a number), so it can be serialised and signed as a real delivery would be.
"""

import random
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIRST_ORDER_ID = 1000
EPOCH = datetime(2025, 3, 3, 7, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Buyer:
    first_name: str
    last_name: str
    address_1: str
    city: str
    state: str
    postcode: str
    country: str
    phone: str
    tax_rate: Decimal  # percent: VAT, or a US state's and city's sales tax (Oregon has none)


@dataclass(frozen=True)
class Market:
    currency: str
    flat_rate: Decimal
    free_shipping_from: Decimal
    shipping_taxed: bool
    tax_label: str


MARKETS = {
    "GB": Market("GBP", Decimal("3.95"), Decimal("40.00"), True, "VAT"),
    "IE": Market("EUR", Decimal("5.50"), Decimal("50.00"), True, "VAT"),
    "DE": Market("EUR", Decimal("4.90"), Decimal("50.00"), True, "MwSt."),
    "FR": Market("EUR", Decimal("5.90"), Decimal("50.00"), True, "TVA"),
    "NL": Market("EUR", Decimal("4.95"), Decimal("50.00"), True, "BTW"),
    "US": Market("USD", Decimal("6.99"), Decimal("75.00"), False, "Sales tax"),
}

BUYERS = (
    Buyer("Oliver", "Bennett", "14 Harrow Road", "London", "", "W2 5LU", "GB", "+44 20 7946 0321", Decimal(20)),
    Buyer("Amelia", "Clarke", "7 Castle Street", "Edinburgh", "", "EH2 3AH", "GB", "+44 131 496 0187", Decimal(20)),
    Buyer("Harry", "Whitfield", "22 Deansgate", "Manchester", "", "M3 4LY", "GB", "+44 161 496 0742", Decimal(20)),
    Buyer("Aoife", "Byrne", "41 Grafton Street", "Dublin", "D", "D02 X285", "IE", "+353 1 555 0120", Decimal(23)),
    Buyer("Lukas", "Hoffmann", "Friedrichstraße 112", "Berlin", "BE", "10117", "DE", "+49 30 901820", Decimal(19)),
    Buyer("Mia", "Schneider", "Leopoldstraße 48", "München", "BY", "80802", "DE", "+49 89 2333 7410", Decimal(19)),
    Buyer("Camille", "Durand", "18 rue de la République", "Lyon", "", "69002", "FR", "+33 4 78 42 19 06", Decimal(20)),
    Buyer("Louis", "Moreau", "5 boulevard Haussmann", "Paris", "", "75009", "FR", "+33 1 42 68 53 00", Decimal(20)),
    Buyer("Sanne", "de Vries", "Prinsengracht 263", "Amsterdam", "", "1016 GV", "NL", "+31 20 555 0143", Decimal(21)),
    Buyer("Daan", "Jansen", "Oudegracht 158", "Utrecht", "", "3511 AZ", "NL", "+31 30 555 0188", Decimal(21)),
    Buyer("Emily", "Carter", "1520 Western Avenue", "Seattle", "WA", "98101", "US", "+1 206 555 0134", Decimal("10.25")),
    Buyer("Michael", "Nguyen", "2301 NW Thurman Street", "Portland", "OR", "97210", "US", "+1 503 555 0199", Decimal(0)),
    Buyer("Sarah", "Mitchell", "2101 Lamar Boulevard", "Austin", "TX", "78705", "US", "+1 512 555 0162", Decimal("8.25")),
)  # fmt: skip

# (payment_method, payment_method_title, status), weighted towards paid card and PayPal orders.
PAYMENTS = (
    ("stripe", "Credit card (Stripe)", "processing"),
    ("stripe", "Credit card (Stripe)", "processing"),
    ("woocommerce_payments", "Credit card / debit card", "processing"),
    ("ppcp-gateway", "PayPal", "processing"),
    ("bacs", "Direct bank transfer", "on-hold"),
)

PRODUCTS = (
    "Stoneware mug",
    "Linen tea towel",
    "Enamel camping cup",
    "Beeswax candle",
    "Cotton tote bag",
    "Oak chopping board",
    "Ceramic plant pot",
    "Merino wool socks",
)
PRICES = tuple(Decimal(p) for p in ("6.50", "9.95", "12.00", "14.50", "18.00", "24.95", "32.00", "45.00"))
CUSTOMER_NOTES = (
    "",
    "",
    "",
    "Please leave the parcel with a neighbour if I am out.",
    "It is a gift: no invoice in the box, please.",
)


def sample_webhook(*, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
    """("order.created", payload) for order number FIRST_ORDER_ID + sequence."""
    if not skus:
        raise ValueError("A sample WooCommerce order needs at least one SKU to sell.")
    rng = random.Random(f"woocommerce:{seed}:{sequence}")
    order_id = FIRST_ORDER_ID + sequence
    buyer = rng.choice(BUYERS)
    market = MARKETS[buyer.country]
    payment_method, payment_title, status = rng.choice(PAYMENTS)
    paid = status == "processing"
    coupon = rng.random() < 0.15

    line_items = []
    for position, sku in enumerate(rng.sample(sorted(set(skus)), rng.randint(1, min(3, len(set(skus))))), 1):
        quantity = rng.choice((1, 1, 1, 2, 2, 3))
        line_items.append(_line(order_id * 10 + position, sku, quantity, buyer.tax_rate, coupon))
    goods = sum((Decimal(line["total"]) for line in line_items), ZERO)
    cart_tax = sum((Decimal(line["total_tax"]) for line in line_items), ZERO)
    shipping_total = ZERO if goods >= market.free_shipping_from else market.flat_rate
    shipping_tax = _tax(shipping_total, buyer.tax_rate) if market.shipping_taxed else ZERO
    discount_total = sum((Decimal(line["subtotal"]) - Decimal(line["total"]) for line in line_items), ZERO)
    discount_tax = sum(
        (Decimal(line["subtotal_tax"]) - Decimal(line["total_tax"]) for line in line_items), ZERO
    )
    total = goods + cart_tax + shipping_total + shipping_tax

    created = EPOCH + timedelta(minutes=9 * sequence + rng.randint(0, 8), seconds=rng.randint(0, 59))
    paid_at = created + timedelta(seconds=rng.randint(2, 9)) if paid else None
    modified = (paid_at or created) + timedelta(seconds=1)
    address = {
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "company": "",
        "address_1": buyer.address_1,
        "address_2": rng.choice(("", "", "", "Flat 2", "2nd floor")),
        "city": buyer.city,
        "state": buyer.state,
        "postcode": buyer.postcode,
        "country": buyer.country,
    }
    email_name = unicodedata.normalize("NFKD", f"{buyer.first_name}.{buyer.last_name}".replace(" ", ""))
    payload = {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": market.currency,
        "version": "9.8.5",
        "prices_include_tax": False,
        "date_created": _local(created),
        "date_modified": _local(modified),
        "discount_total": _money(discount_total),
        "discount_tax": _money(discount_tax),
        "shipping_total": _money(shipping_total),
        "shipping_tax": _money(shipping_tax),
        "cart_tax": _money(cart_tax),
        "total": _money(total),
        "total_tax": _money(cart_tax + shipping_tax),
        "customer_id": rng.choice((0, rng.randint(2, 900))),
        "order_key": "wc_order_" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=13)),
        "billing": {
            **address,
            "email": email_name.encode("ascii", "ignore").decode().lower() + "@example.com",
            "phone": buyer.phone,
        },
        "shipping": {**address, "phone": ""},
        "payment_method": payment_method,
        "payment_method_title": payment_title,
        "transaction_id": _transaction_id(rng, payment_method) if paid else "",
        "customer_ip_address": f"203.0.113.{rng.randint(1, 254)}",
        "customer_user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        "created_via": "checkout",
        "customer_note": rng.choice(CUSTOMER_NOTES),
        "date_completed": None,
        "date_paid": _local(paid_at) if paid_at else None,
        "cart_hash": f"{rng.getrandbits(128):032x}",
        "number": str(order_id),
        "meta_data": [
            {"id": order_id * 100 + 1, "key": "_wc_order_attribution_source_type", "value": rng.choice(("typein", "organic", "utm"))},
            {"id": order_id * 100 + 2, "key": "is_vat_exempt", "value": "no"},
        ],
        "line_items": line_items,
        "tax_lines": [
            {
                "id": order_id * 10 + 8,
                "rate_code": f"{buyer.country}-{market.tax_label.upper().rstrip('.')}-1",
                "rate_id": 1,
                "label": market.tax_label,
                "compound": False,
                "rate_percent": float(buyer.tax_rate),
                "tax_total": _money(cart_tax),
                "shipping_tax_total": _money(shipping_tax),
                "meta_data": [],
            }
        ],
        "shipping_lines": [
            {
                "id": order_id * 10 + 9,
                "method_title": "Free shipping" if not shipping_total else "Flat rate",
                "method_id": "free_shipping" if not shipping_total else "flat_rate",
                "instance_id": "1" if not shipping_total else "2",
                "total": _money(shipping_total),
                "total_tax": _money(shipping_tax),
                "taxes": [{"id": 1, "total": _money(shipping_tax), "subtotal": ""}] if shipping_tax else [],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": (
            [{"id": order_id * 10 + 7, "code": "welcome10", "discount": _money(discount_total), "discount_tax": _money(discount_tax), "meta_data": []}]
            if coupon
            else []
        ),
        "refunds": [],
        "payment_url": f"https://shop.example.com/checkout/order-pay/{order_id}/",
        "is_editable": status == "on-hold",
        "needs_payment": not paid,
        "needs_processing": True,
        "date_created_gmt": _local(created),
        "date_modified_gmt": _local(modified),
        "date_completed_gmt": None,
        "date_paid_gmt": _local(paid_at) if paid_at else None,
        "currency_symbol": {"GBP": "£", "EUR": "€", "USD": "$"}[market.currency],
        "_links": {
            "self": [{"href": f"https://shop.example.com/wp-json/wc/v3/orders/{order_id}"}],
            "collection": [{"href": "https://shop.example.com/wp-json/wc/v3/orders"}],
        },
    }  # fmt: skip
    return "order.created", payload


def _line(line_id: int, sku: str, quantity: int, tax_rate: Decimal, coupon: bool) -> dict:
    # The same SKU has the same name and price in every sample order.
    fingerprint = zlib.crc32(sku.encode())
    price = PRICES[fingerprint % len(PRICES)]
    subtotal = price * quantity
    total = subtotal - (subtotal * Decimal("0.10")).quantize(CENT, ROUND_HALF_UP) if coupon else subtotal
    subtotal_tax, total_tax = _tax(subtotal, tax_rate), _tax(total, tax_rate)
    return {
        "id": line_id,
        "name": PRODUCTS[(fingerprint // len(PRICES)) % len(PRODUCTS)],
        "product_id": 100 + fingerprint % 900,
        "variation_id": 0,
        "quantity": quantity,
        "tax_class": "",
        "subtotal": _money(subtotal),
        "subtotal_tax": _money(subtotal_tax),
        "total": _money(total),
        "total_tax": _money(total_tax),
        "taxes": [{"id": 1, "total": _money(total_tax), "subtotal": _money(subtotal_tax)}],
        "meta_data": [],
        "sku": sku,
        "price": float(price),
        "image": {"id": "", "src": ""},
        "parent_name": None,
    }


def _tax(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate / 100).quantize(CENT, ROUND_HALF_UP)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def _local(moment: datetime) -> str:
    """The shop's site runs on UTC, so its local and GMT dates read the same."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _transaction_id(rng: random.Random, payment_method: str) -> str:
    if payment_method == "ppcp-gateway":
        return "".join(rng.choices("0123456789ABCDEFGHJKLMNPRSTUVWXY", k=17))
    return "pi_3" + "".join(
        rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=24)
    )
