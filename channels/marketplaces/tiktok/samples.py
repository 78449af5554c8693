"""Realistic TikTok Shop orders and their status-change notifications for channel_simulate and tests: a
homeware shop selling in the UK (prices include VAT, no tax split) and the US (net prices, sales tax
per unit). The same seed and sequence always give the same order; ids come from the sequence.

A notification only names its order, so whoever sends sample_webhook's notification must also serve
sample_order's order where the framework fetches it (FakeTikTokShop.add_order in tests).
"""

import random
import zlib
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ORDER_ID_BASE = 576_486_316_948_490_000
LINE_ID_BASE = 577_086_512_123_700_000
SHOP_ID = "7494049642642441621"
EPOCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

PRODUCTS = (
    "Stoneware mug",
    "Linen tea towel",
    "Beeswax candle",
    "Oak coaster set",
    "Cotton tote bag",
    "Enamel jug",
)
VARIANTS = ("Sand", "Slate", "Natural", "Large", "")
PRICES = tuple(Decimal(p) for p in ("8.99", "12.50", "14.99", "19.99", "24.00", "29.95"))

# country, currency, standard shipping, tax rate (None: prices include VAT), district levels, buyers
MARKETS = (
    (
        "GB",
        "GBP",
        Decimal("3.49"),
        None,
        [("L1", "Country", "United Kingdom"), ("L2", "County", "Greater London"), ("L3", "City", "London")],
        [
            ("Oliver Bennett", "14 Harrow Road", "Flat 2", "W2 5LU"),
            ("Amelia Clarke", "7 Castle Street", "", "EC1V 9BX"),
        ],
    ),
    (
        "US",
        "USD",
        Decimal("5.99"),
        Decimal("0.1025"),
        [("L0", "Country", "United States"), ("L1", "State", "Washington"), ("L3", "City", "Seattle")],
        [
            ("Emily Carter", "1520 Western Avenue", "Suite 300", "98101"),
            ("Michael Nguyen", "2301 3rd Avenue", "", "98121"),
        ],
    ),
)
STATUSES = ("AWAITING_SHIPMENT", "AWAITING_SHIPMENT", "AWAITING_SHIPMENT", "ON_HOLD", "UNPAID")
MESSAGES = ("", "", "", "Please leave it with a neighbour if I am out.", "It is a gift, no receipt please.")


def sample_order(*, sequence: int, seed: int, skus: list[str]) -> dict:
    """One order as Get Order Detail lists it (an element of data.orders)."""
    if not skus:
        raise ValueError("A sample TikTok Shop order needs at least one SKU to sell.")
    rng = random.Random(f"tiktok:{seed}:{sequence}")
    order_id = ORDER_ID_BASE + sequence
    country, currency, shipping, tax_rate, levels, buyers = rng.choice(MARKETS)
    name, street, street2, postcode = rng.choice(buyers)
    status = rng.choice(STATUSES)
    created = EPOCH + timedelta(minutes=11 * sequence, seconds=rng.randint(0, 59))
    paid = None if status == "UNPAID" else created + timedelta(seconds=rng.randint(3, 30))
    updated = (paid or created) + timedelta(seconds=rng.randint(1, 9))

    units = []
    chosen = rng.sample(sorted(set(skus)), rng.randint(1, min(3, len(set(skus)))))
    for sku in chosen:
        fingerprint = zlib.crc32(sku.encode())
        original = PRICES[fingerprint % len(PRICES)]
        discount = (
            (original * Decimal("0.10")).quantize(CENT, ROUND_HALF_UP) if rng.random() < 0.2 else Decimal(0)
        )
        for _ in range(rng.choice((1, 1, 2, 3))):
            sale = original - discount
            unit = {
                "id": str(LINE_ID_BASE + sequence * 100 + len(units)),
                "sku_id": str(1_729_556_497_383_100_000 + fingerprint),
                "product_id": str(1_729_556_489_100_200_000 + fingerprint),
                "seller_sku": sku,
                "product_name": PRODUCTS[fingerprint % len(PRODUCTS)],
                "sku_name": VARIANTS[(fingerprint // 7) % len(VARIANTS)],
                "sku_image": f"https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{fingerprint:x}~tplv-o3syd03w52-origin-jpeg.jpeg",
                "currency": currency,
                "original_price": str(original),
                "sale_price": str(sale),
                "seller_discount": str(discount),
                "platform_discount": "0",
                "display_status": "AWAITING_SHIPMENT" if status != "UNPAID" else "UNPAID",
                "is_gift": False,
                "sku_type": "NORMAL",
            }
            if tax_rate is not None:
                tax = (sale * tax_rate).quantize(CENT, ROUND_HALF_UP)
                unit["item_tax"] = [
                    {"tax_type": "SALES_TAX", "tax_amount": str(tax), "tax_rate": str(tax_rate)}
                ]
            units.append(unit)
    original_total = sum(Decimal(u["original_price"]) for u in units)
    sub_total = sum(Decimal(u["sale_price"]) for u in units)
    product_tax = sum((Decimal(u["item_tax"][0]["tax_amount"]) for u in units if "item_tax" in u), Decimal(0))
    shipping_fee = Decimal(0) if sub_total >= 40 else shipping
    payment = {
        "currency": currency,
        "original_total_product_price": str(original_total),
        "seller_discount": str(original_total - sub_total),
        "platform_discount": "0",
        "sub_total": str(sub_total),
        "original_shipping_fee": str(shipping),
        "shipping_fee_seller_discount": str(shipping - shipping_fee),
        "shipping_fee_platform_discount": "0",
        "shipping_fee": str(shipping_fee),
        "total_amount": str(sub_total + shipping_fee + product_tax),
    }
    if tax_rate is not None:
        payment.update(tax=str(product_tax), product_tax=str(product_tax), shipping_fee_tax="0")
    first, _, last = name.partition(" ")
    order = {
        "id": str(order_id),
        "status": status,
        "create_time": int(created.timestamp()),
        "update_time": int(updated.timestamp()),
        "rts_sla_time": int((created + timedelta(days=2)).timestamp()),
        "tts_sla_time": int((created + timedelta(days=3)).timestamp()),
        "delivery_sla_time": int((created + timedelta(days=6)).timestamp()),
        "buyer_email": f"v{rng.getrandbits(40):x}@scs2.tiktok.com",
        "buyer_message": rng.choice(MESSAGES),
        "user_id": str(7_494_690_250_735_000_000 + rng.randint(1, 999_999)),
        "commerce_platform": "TIKTOK_SHOP",
        "delivery_option_id": "7091146663229654785",
        "delivery_option_name": "Standard shipping",
        "delivery_type": "HOME_DELIVERY",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "shipping_type": "SELLER",
        "warehouse_id": "7336763380981860097",
        "has_updated_recipient_address": False,
        "is_buyer_request_cancel": False,
        "is_cod": False,
        "is_on_hold_order": status == "ON_HOLD",
        "is_sample_order": False,
        "order_type": "NORMAL",
        "payment_method_name": rng.choice(("Credit/debit card", "PayPal", "Apple Pay")),
        "payment": payment,
        "recipient_address": {
            "name": name,
            "first_name": first,
            "last_name": last,
            "phone_number": f"(+{'44' if country == 'GB' else '1'}){rng.randint(200, 999)}***{rng.randint(1000, 9999)}",
            "address_line1": street,
            "address_line2": street2,
            "address_line3": "",
            "address_line4": "",
            "address_detail": street2,
            "postal_code": postcode,
            "region_code": country,
            "full_address": f"{street}, {postcode}",
            "district_info": [
                {"address_level": level, "address_level_name": level_name, "address_name": place}
                for level, level_name, place in levels
            ],
        },
        "line_items": units,
        "packages": [],
    }
    if paid is not None:
        order["paid_time"] = int(paid.timestamp())
    return order


def sample_webhook(*, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
    """("order_status_change", the type 1 notification) for sample_order's order of the same arguments."""
    order = sample_order(sequence=sequence, seed=seed, skus=skus)
    return "order_status_change", {
        "type": 1,
        "tts_notification_id": str(7_327_112_393_057_300_000 + seed * 100_000 + sequence),
        "shop_id": SHOP_ID,
        "timestamp": order["update_time"] + 1,
        "data": {
            "order_id": order["id"],
            "order_status": order["status"],
            "is_on_hold_order": order["is_on_hold_order"],
            "update_time": order["update_time"],
        },
    }
