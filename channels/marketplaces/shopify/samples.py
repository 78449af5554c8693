"""Realistic orders/create deliveries for channel_simulate and tests: a small EUR shop selling homeware
across a few EU countries, prices with VAT included as Shopify shows them there. The same seed and
sequence always give the same payload; ids come from the sequence."""

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ORDER_ID_BASE = 5_310_000_000_000
LINE_ID_BASE = 13_870_000_000_000
CUSTOMER_ID_BASE = 7_420_000_000_000
FIRST_ORDER_NUMBER = 1001
EPOCH = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
CET = timezone(timedelta(hours=1))

# country code, country, VAT rate, phone prefix, first names, last names, (address1, city, zip)
COUNTRIES = [
    ("DE", "Germany", "0.19", "+49 151", ["Lena", "Jonas", "Mia", "Felix", "Hannah"],
     ["Becker", "Schulz", "Hoffmann", "Wagner", "Krüger"],
     [("Bergstraße 12", "Heidelberg", "69120"), ("Lindenallee 3", "Köln", "50968"),
      ("Am Markt 7", "Lüneburg", "21335")]),
    ("FR", "France", "0.20", "+33 6", ["Camille", "Louis", "Chloé", "Hugo", "Léa"],
     ["Martin", "Bernard", "Dubois", "Moreau", "Laurent"],
     [("18 rue des Tanneurs", "Lyon", "69002"), ("4 avenue Jean Médecin", "Nice", "06000"),
      ("27 rue du Château", "Nantes", "44000")]),
    ("NL", "Netherlands", "0.21", "+31 6", ["Sanne", "Daan", "Noor", "Bram", "Fleur"],
     ["de Vries", "Jansen", "Visser", "Bakker", "Smit"],
     [("Oudegracht 118", "Utrecht", "3511 AX"), ("Lange Voorhout 40", "Den Haag", "2514 EG")]),
    ("BE", "Belgium", "0.21", "+32 470", ["Elise", "Arthur", "Marie", "Lucas"],
     ["Peeters", "Janssens", "Maes", "Claes"],
     [("Veldstraat 55", "Gent", "9000"), ("Rue de la Loi 80", "Bruxelles", "1040")]),
    ("AT", "Austria", "0.20", "+43 664", ["Anna", "Paul", "Sophie", "Maximilian"],
     ["Gruber", "Huber", "Bauer", "Pichler"],
     [("Mariahilfer Straße 101", "Wien", "1060"), ("Getreidegasse 9", "Salzburg", "5020")]),
    ("IE", "Ireland", "0.23", "+353 87", ["Aoife", "Cian", "Niamh", "Oisín"],
     ["Murphy", "Kelly", "O'Brien", "Byrne"],
     [("12 Patrick Street", "Cork", "T12 X8N4"), ("3 Eyre Square", "Galway", "H91 FT20")]),
]  # fmt: skip

PRODUCTS = [
    "Stoneware mug", "Linen tea towel", "Walnut serving board", "Beeswax candle", "Ceramic planter",
    "Wool throw", "Enamel jug", "Cotton apron", "Glass carafe", "Oak coaster set",
]  # fmt: skip
VARIANTS = ["Sand", "Slate blue", "Large", "Small", None]
PRICES = ["9.90", "12.50", "14.95", "19.90", "24.00", "29.95", "39.00", "49.90"]
MAIL_DOMAINS = ["example.com", "example.org", "example.net"]


def sample_webhook(*, sequence: int, seed: int, skus: list[str]) -> tuple[str, dict]:
    if not skus:
        raise ValueError("A sample Shopify order needs at least one SKU to sell.")
    rng = random.Random(f"shopify:{seed}:{sequence}")
    order_id = ORDER_ID_BASE + sequence
    code, country, rate_text, phone_prefix, first_names, last_names, addresses = rng.choice(COUNTRIES)
    rate = Decimal(rate_text)
    first, last = rng.choice(first_names), rng.choice(last_names)
    street, city, postcode = rng.choice(addresses)
    phone = f"{phone_prefix} {rng.randint(1000000, 9999999)}"
    email = f"{_plain(first)}.{_plain(last)}{rng.randint(1, 99)}@{rng.choice(MAIL_DOMAINS)}"
    created = (EPOCH + timedelta(minutes=7 * sequence, seconds=rng.randint(0, 359))).astimezone(CET)
    paid = rng.random() < 0.8
    discounted = rng.random() < 0.15

    line_items = []
    for index, sku in enumerate(rng.sample(skus, k=min(len(skus), rng.randint(1, 3)))):
        product = PRODUCTS[sum(map(ord, sku)) % len(PRODUCTS)]
        variant = VARIANTS[len(sku) % len(VARIANTS)]
        price = Decimal(rng.choice(PRICES))
        quantity = rng.choice([1, 1, 1, 2, 2, 3])
        gross = price * quantity
        discount = (
            (gross * Decimal("0.10")).quantize(CENT, ROUND_HALF_UP) if discounted and index == 0 else None
        )
        net_of_discount = gross - (discount or 0)
        line_items.append(
            {
                "id": LINE_ID_BASE + sequence * 10 + index,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{LINE_ID_BASE + sequence * 10 + index}",
                "product_id": 8_100_000_000 + sum(map(ord, sku)),
                "variant_id": 44_200_000_000 + sum(map(ord, sku)) * 3,
                "sku": sku,
                "title": product,
                "variant_title": variant,
                "name": f"{product} - {variant}" if variant else product,
                "quantity": quantity,
                "current_quantity": quantity,
                "fulfillable_quantity": quantity,
                "price": _text(price),
                "total_discount": "0.00",
                "discount_allocations": (
                    [{"amount": _text(discount), "discount_application_index": 0}] if discount else []
                ),
                "tax_lines": [
                    {
                        "title": "VAT",
                        "rate": float(rate),
                        "price": _text(_included_tax(net_of_discount, rate)),
                    }
                ],
                "requires_shipping": True,
                "taxable": True,
                "gift_card": False,
                "vendor": "Packline Homeware",
                "fulfillment_status": None,
            }
        )

    subtotal = sum(Decimal(item["price"]) * item["quantity"] for item in line_items) - sum(
        Decimal(a["amount"]) for item in line_items for a in item["discount_allocations"]
    )
    express = rng.random() < 0.25
    shipping = Decimal("9.95") if express else (Decimal("0.00") if subtotal >= 60 else Decimal("4.95"))
    total = subtotal + shipping
    address = {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "company": None,
        "address1": street,
        "address2": "",
        "city": city,
        "province": None,
        "province_code": None,
        "zip": postcode,
        "country": country,
        "country_code": code,
        "phone": phone,
        "latitude": None,
        "longitude": None,
    }
    payload = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{FIRST_ORDER_NUMBER + sequence}",
        "order_number": FIRST_ORDER_NUMBER + sequence,
        "number": 1 + sequence,
        "confirmation_number": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9)),
        "created_at": created.isoformat(),
        "processed_at": created.isoformat(),
        "updated_at": (created + timedelta(seconds=rng.randint(1, 4))).isoformat(),
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "test": False,
        "source_name": "web",
        "email": email,
        "contact_email": email,
        "phone": None,
        "buyer_accepts_marketing": rng.random() < 0.3,
        "customer_locale": {"DE": "de", "FR": "fr", "NL": "nl", "BE": "nl", "AT": "de"}.get(code, "en"),
        "customer": {
            "id": CUSTOMER_ID_BASE + rng.randint(1, 999_999),
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
            "state": "disabled",
            "verified_email": True,
            "tags": "",
        },
        "shipping_address": address,
        "billing_address": dict(address),
        "line_items": line_items,
        "shipping_lines": [
            {
                "id": 4_600_000_000_000 + sequence,
                "title": "Express (1-2 working days)" if express else "Standard (3-5 working days)",
                "code": "express" if express else "standard",
                "source": "shopify",
                "price": _text(shipping),
                "discounted_price": _text(shipping),
                "discount_allocations": [],
                "is_removed": False,
                "tax_lines": [
                    {"title": "VAT", "rate": float(rate), "price": _text(_included_tax(shipping, rate))}
                ],
            }
        ],
        "discount_codes": [{"code": "WELCOME10", "amount": "0.00", "type": "percentage"}]
        if discounted
        else [],
        "currency": "EUR",
        "presentment_currency": "EUR",
        "taxes_included": True,
        "total_line_items_price": _text(sum(Decimal(i["price"]) * i["quantity"] for i in line_items)),
        "subtotal_price": _text(subtotal),
        "total_shipping_price_set": {"shop_money": {"amount": _text(shipping), "currency_code": "EUR"}},
        "total_tax": _text(sum(Decimal(t["price"]) for i in line_items for t in i["tax_lines"])),
        "total_price": _text(total),
        "total_outstanding": "0.00" if paid else _text(total),
        "financial_status": "paid" if paid else "pending",
        "fulfillment_status": None,
        "payment_gateway_names": ["shopify_payments"] if paid else ["Bank Deposit"],
        "gateway": "shopify_payments" if paid else "Bank Deposit",
        "refunds": [],
        "note": rng.choice(
            [None, None, None, "Please leave the parcel with a neighbour.", "Gift - no invoice"]
        ),
        "note_attributes": [
            {"name": "how_did_you_hear", "value": rng.choice(["Instagram", "A friend", "Search"])}
        ],
        "tags": rng.choice(["", "", "newsletter", "repeat, newsletter"]),
        "fulfillments": [],
    }
    if discounted:
        discount_total = sum(
            Decimal(a["amount"]) for item in line_items for a in item["discount_allocations"]
        )
        payload["discount_codes"][0]["amount"] = _text(discount_total)
        payload["total_discounts"] = _text(discount_total)
    else:
        payload["total_discounts"] = "0.00"
    return "orders/create", payload


def _included_tax(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross - gross / (1 + rate)).quantize(CENT, ROUND_HALF_UP)


def _text(amount) -> str:
    return str(Decimal(amount).quantize(CENT, ROUND_HALF_UP))


def _plain(name: str) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "í": "i", "ó": "o"}
    )
    return "".join(ch for ch in name.lower().translate(table) if ch.isalnum())
