"""Believable sample data for the demo and the benchmark: names, addresses, a product catalogue, the
sales channels, and the COPY writer for many customers at once.

Most of it is word lists (names, streets, cities, products), kept in one place
so that the demo (orders/management/commands/load_demo_orders.py) and the benchmark's generator
(bench/generate_orders.py) draw from the same catalogue and the same customers.
"""

import random
import time
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

from config.postgresql.copy import copy_lines
from orders.copy_rows import CUSTOMER_COLUMNS, constant_columns, customer_row
from orders.models import Channel, Customer, Product

DAY = 86400.0

HISTORY_DAYS = 730


def words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


# Built-in word lists, so the command needs nothing beyond the runtime requirements.
FIRST_NAMES = words(
    "Olivia Liam Emma Noah Amelia Oliver Ava Elijah Sophia James Isabella William Mia Benjamin Charlotte "
    "Lucas Harper Henry Evelyn Theodore Luna Jack Camila Levi Gianna Alexander Ella Jackson Aria Mateo "
    "Scarlett Daniel Chloe Michael Penelope Mason Layla Sebastian Riley Ethan Zoey Logan Nora Owen Lily "
    "Samuel Eleanor Jacob Hannah Asher Lillian Aiden Addison John Aubrey Joseph Ellie Wyatt Stella David "
    "Natalie Leo Zoe Luke Leah Julian Hazel Hudson Violet Grayson Aurora Matthew Savannah Ezra Audrey "
    "Gabriel Brooklyn Carter Bella Isaac Claire Jayden Skylar Luca Lucy Anthony Paisley Dylan Everly "
    "Lincoln Anna Thomas Caroline Maverick Nova Elias Genesis Josiah Emilia Charles Kennedy Caleb Maya "
    "Aisha Omar Fatima Yusuf Priya Arjun Mei Wei Hiroshi Yuki Sven Ingrid Pierre Amelie Lars Freya "
    "Diego Lucia Rafael Sofia Kwame Ama Chidi Ngozi Tomasz Zofia Niamh Cian Siobhan Rhys Bronwen"
)

# (surname, weight): roughly how common each is, so a search for "Smith" finds a realistic crowd.
LAST_NAMES = (
    [("Smith", 30), ("Johnson", 22), ("Williams", 20), ("Brown", 19), ("Jones", 19), ("Garcia", 15)]
    + [("Miller", 15), ("Davis", 14), ("Rodriguez", 12), ("Martinez", 12), ("Wilson", 11), ("Taylor", 11)]
    + [("Anderson", 10), ("Thomas", 10), ("Moore", 9), ("Jackson", 9), ("Martin", 9), ("Lee", 9)]
    + [("Thompson", 8), ("White", 8), ("Harris", 8), ("Clark", 7), ("Lewis", 7), ("Robinson", 7)]
    + [("Walker", 7), ("Young", 6), ("Allen", 6), ("King", 6), ("Wright", 6), ("Scott", 6), ("Hill", 6)]
    + [(name, 3) for name in words("Green Adams Baker Nelson Carter Mitchell Perez Roberts Turner Phillips")]
    + [(name, 3) for name in words("Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers")]
    + [(name, 2) for name in words("Okafor Mensah Nguyen Patel Singh Khan Chen Wang Kim Tanaka Sato Ivanova")]
    + [
        (name, 2)
        for name in words("Kowalski Novak Jensen Larsen Lindqvist Dubois Moreau Rossi Bianchi Silva")
    ]
    + [(name, 2) for name in words("Santos Oliveira Fischer Weber Schneider Murray Kelly Byrne Walsh Hughes")]
    + [(name, 1) for name in words("Fairweather Ashdown Blackwood Hawthorne Pemberton Whitlock Thornbury")]
    + [(name, 1) for name in words("Okonkwo Adeyemi Haddad Nakamura Castellano Marchetti Oyelaran Quist")]
)

STREETS = words(
    "High Street|Station Road|Maple Avenue|Oak Street|Harbour Road|Church Lane|Park Road|Main Street|"
    "Elm Street|Victoria Road|Mill Lane|King Street|Queen Street|Cedar Court|Bridge Street|Lake View Drive|"
    "Sunset Boulevard|Market Square|Chapel Row|Orchard Way|Willow Crescent|Riverside Walk|Kings Avenue|"
    "Pine Street|Beacon Hill|Granary Wharf|Canal Street|Meadow Close|Highfield Road|Union Street",
    "|",
)

# (city, region, postcode pattern: # digit, @ letter, country, phone prefix, weight)
CITIES = [
    ("New York", "NY", "100##", "US", "+1 212", 9),
    ("Los Angeles", "CA", "900##", "US", "+1 213", 7),
    ("Chicago", "IL", "606##", "US", "+1 312", 6),
    ("Houston", "TX", "770##", "US", "+1 713", 5),
    ("Austin", "TX", "787##", "US", "+1 512", 4),
    ("Seattle", "WA", "981##", "US", "+1 206", 4),
    ("Denver", "CO", "802##", "US", "+1 303", 3),
    ("Boston", "MA", "021##", "US", "+1 617", 4),
    ("Atlanta", "GA", "303##", "US", "+1 404", 4),
    ("Miami", "FL", "331##", "US", "+1 305", 4),
    ("Portland", "OR", "972##", "US", "+1 503", 3),
    ("Nashville", "TN", "372##", "US", "+1 615", 2),
    ("London", "", "E# #@@", "GB", "+44 20", 8),
    ("Leeds", "West Yorkshire", "LS# #@@", "GB", "+44 113", 3),
    ("Manchester", "", "M# #@@", "GB", "+44 161", 3),
    ("Bristol", "", "BS# #@@", "GB", "+44 117", 2),
    ("Glasgow", "", "G# #@@", "GB", "+44 141", 2),
    ("Dublin", "", "D0# @@##", "IE", "+353 1", 2),
    ("Toronto", "ON", "M#@ #@#", "CA", "+1 416", 4),
    ("Vancouver", "BC", "V#@ #@#", "CA", "+1 604", 2),
    ("Sydney", "NSW", "20##", "AU", "+61 2", 3),
    ("Melbourne", "VIC", "30##", "AU", "+61 3", 3),
    ("Berlin", "", "10###", "DE", "+49 30", 3),
    ("Munich", "", "80###", "DE", "+49 89", 2),
    ("Amsterdam", "", "10## @@", "NL", "+31 20", 2),
    ("Paris", "", "750##", "FR", "+33 1", 3),
    ("Lyon", "", "690##", "FR", "+33 4", 1),
]

EMAIL_DOMAINS = [
    ("gmail.com", 40),
    ("yahoo.com", 9),
    ("outlook.com", 12),
    ("hotmail.com", 8),
    ("icloud.com", 9),
]

COMPANIES = words(
    "Northwind Traders|Acme Supplies|Bluebird Cafe|Harbour Hotels|Greenleaf Florists|Summit Outdoor|"
    "Copperpot Kitchens|Brightside Dental|Old Mill Bakery|Lighthouse Books|Redwood Studio|Atlas Fitness|"
    "Meadowbrook School|Foxglove Spa|Ironbridge Cycles|Saltwater Surf Co|Pinecrest Lodge|Kite & Key Toys|"
    "Cobalt Print Works|Juniper Interiors|Tidewater Marine|Orchard Grocers|Quarry Climbing|Maple & Co",
    "|",
)

# The catalogue: (SKU code, noun, lowest price, highest price, weight in grams)
NOUNS = [
    ("TEE", "T-Shirt", 12, 35, 180),
    ("HOOD", "Hoodie", 35, 80, 600),
    ("MUG", "Mug", 8, 22, 350),
    ("CAP", "Cap", 15, 30, 120),
    ("TOTE", "Tote Bag", 10, 40, 200),
    ("BOTL", "Water Bottle", 15, 45, 300),
    ("CNDL", "Candle", 12, 40, 400),
    ("SOCK", "Socks, 3 pack", 9, 20, 150),
    ("NOTE", "Notebook", 6, 25, 250),
    ("LAMP", "Desk Lamp", 30, 120, 1200),
    ("POT", "Plant Pot", 10, 45, 800),
    ("SCRF", "Scarf", 18, 60, 200),
    ("BLKT", "Throw Blanket", 40, 150, 1500),
    ("HDPH", "Headphones", 40, 250, 300),
    ("CHRG", "Phone Charger", 12, 40, 100),
    ("CASE", "Phone Case", 10, 35, 60),
    ("SNKR", "Sneakers", 60, 180, 900),
    ("JCKT", "Jacket", 70, 260, 1100),
    ("TEA", "Loose Leaf Tea", 8, 30, 150),
    ("COFF", "Coffee Beans 1kg", 18, 45, 1000),
    ("SOAP", "Soap Bar", 5, 14, 120),
    ("TOWL", "Bath Towel", 15, 50, 700),
    ("BOWL", "Ceramic Bowl", 10, 35, 500),
    ("BELT", "Leather Belt", 25, 90, 250),
    ("WLLT", "Wallet", 20, 80, 120),
]

ADJECTIVES = words("Classic Organic Everyday Premium Vintage Eco Travel Studio Heritage Urban Coastal Nordic")

COLOURS = words("Black White Navy Sage Sand Charcoal Rust Ochre Forest Blush Slate Ivory")

TAX_RATES = [(0, 10), (500, 15), (1000, 15), (2000, 60)]  # hundredths of a percent, weight

EXTRA_CHANNELS = [
    ("shopify", "Shopify"),
    ("tiktok", "TikTok Shop"),
    ("ebay", "eBay"),
    ("woocommerce", "WooCommerce"),
]

NOTES = [
    "Leave with a neighbour if nobody is home.",
    "Call before delivery.",
    "Please use recyclable packaging.",
    "Deliver after 5pm on weekdays.",
    "Side gate code 4821.",
]


def money(cents: int) -> str:
    """Integer cents as a 2-place decimal. Exact: cents / 100 is far closer to the true value than 0.005."""
    return f"{cents / 100:.2f}"


_DAYS: dict[int, str] = {}


def timestamp(seconds: float) -> str:
    """UTC timestamp text for COPY; a little faster than datetime.isoformat() for millions of rows."""
    whole = int(seconds)
    day, rest = divmod(whole, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{secs:02d}.{int((seconds - whole) * 1_000_000):06d}+00"


def cumulative(pairs) -> tuple[list, list[float]]:
    """random.choices' (population, cum_weights) from (value, weight) pairs."""
    values, totals, running = [], [], 0.0
    for value, weight in pairs:
        running += weight
        values.append(value)
        totals.append(running)
    return values, totals


def ean13(number: int) -> str:
    digits = f"200{number:09d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return digits + str(check)


TAX_CHOICES = cumulative(TAX_RATES)


def catalogue_item(index: int) -> dict:
    """The catalogue's product number `index`; the same on every run and every machine."""
    rng = random.Random(f"packline-catalogue-{index}")
    code, noun, low, high, grams = NOUNS[index % len(NOUNS)]
    colour = COLOURS[(index // len(NOUNS)) % len(COLOURS)]
    adjective = ADJECTIVES[(index // (len(NOUNS) * len(COLOURS)) + index) % len(ADJECTIVES)]
    price = rng.randint(low * 100, high * 100) // 50 * 50 - 1  # 24.99, 25.49 ...
    return {
        "sku": f"{code}-{colour[:3].upper()}-{index:04d}",
        "name": f"{adjective} {noun}, {colour}",
        "barcode": ean13(index + 1),
        "price": max(price, 99),
        "tax_rate": rng.choices(TAX_CHOICES[0], cum_weights=TAX_CHOICES[1])[0],
        "weight_grams": grams + rng.randint(-grams // 5, grams // 5),
    }


@dataclass
class CustomerRow:
    """A customer's fields as copy_rows.customer_row reads them, and its part of the search document."""

    pk: int
    name: str
    email: str
    phone: str
    company: str
    requires_po_number: bool
    address: dict
    document: str  # the customer's part of the order's search document


def ensure_channels() -> None:
    for code, name in EXTRA_CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"name": name, "kind": code})


def ensure_catalogue(size: int) -> list[str]:
    """The first `size` catalogue products exist; returns their SKUs."""
    items = [catalogue_item(index) for index in range(size)]
    Product.objects.bulk_create(
        [
            Product(
                sku=item["sku"],
                name=item["name"],
                barcode=item["barcode"],
                price=money(item["price"]),
                tax_rate=money(item["tax_rate"]),
                weight_grams=item["weight_grams"],
            )
            for item in items
        ],
        ignore_conflicts=True,
    )
    return [item["sku"] for item in items]


def reserve_ids(table: str, count: int, column: str = "id", sequence: str = "") -> array:
    """`count` values from the table's identity sequence (or `sequence`), ascending. nextval() never
    hands a value out twice, so this is safe while the application creates orders alongside."""
    values = array("q")
    with connection.cursor() as cursor:
        if not sequence:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT value FROM (SELECT nextval(%s) AS value FROM generate_series(1, %s)) AS reserved ORDER BY 1",
            [sequence, count],
        )
        while rows := cursor.fetchmany(50_000):
            values.extend(row[0] for row in rows)
    return values


def _postcode(rng: random.Random, pattern: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUWXYZ"
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "@" else ch for ch in pattern
    )


def create_customers(
    count: int, rng: random.Random, *, b2b_share: float = 0.05, history_days: int = HISTORY_DAYS
) -> list[CustomerRow]:
    """COPY `count` new customers with believable names, emails, phones and addresses."""
    ids = reserve_ids("orders_customer", count)
    last_names, last_totals = cumulative(LAST_NAMES)
    cities, city_totals = cumulative((city, city[-1]) for city in CITIES)
    domains, domain_totals = cumulative(EMAIL_DOMAINS)
    now = time.time()
    extra_columns, extra = constant_columns(Customer, set(CUSTOMER_COLUMNS))
    customers, rows = [], []
    for customer_id in ids:
        first = rng.choice(FIRST_NAMES)
        last = rng.choices(last_names, cum_weights=last_totals)[0]
        city, region, pattern, country, prefix, _weight = rng.choices(cities, cum_weights=city_totals)[0]
        company = ""
        requires_po = False
        if rng.random() < b2b_share:
            company = rng.choice(COMPANIES)
            requires_po = rng.random() < 0.6
            domain = company.lower().replace(" & ", "and").replace(" ", "") + ".com"
            email = f"{first[0].lower()}.{last.lower()}@{domain}"
        else:
            domain = rng.choices(domains, cum_weights=domain_totals)[0]
            style = rng.random()
            if style < 0.45:
                email = f"{first.lower()}.{last.lower()}{rng.randrange(10, 100)}@{domain}"
            elif style < 0.8:
                email = f"{first.lower()}{last.lower()}{customer_id % 1000}@{domain}"
            else:
                email = f"{first[0].lower()}{last.lower()}{rng.randrange(1, 10000)}@{domain}"
        phone = f"{prefix} {rng.randrange(200, 1000)} {rng.randrange(1000, 10000)}"
        name = f"{first} {last}"
        address = {
            "name": name,
            "line1": f"{rng.randrange(1, 400)} {rng.choice(STREETS)}",
            "line2": f"Apt {rng.randrange(1, 60)}" if rng.random() < 0.2 else "",
            "city": city,
            "region": region,
            "postcode": _postcode(rng, pattern),
            "country": country,
            "phone": phone,
        }
        if company:
            address["company"] = company
        digits = "".join(ch for ch in phone if ch.isdigit())
        words = [name, email, email.replace("@", " ").replace(".", " "), phone, digits, company]
        customer = CustomerRow(
            customer_id,
            name,
            email,
            phone,
            company,
            requires_po,
            address,
            " ".join(w for w in words if w),
        )
        customers.append(customer)
        created = timestamp(now - rng.uniform(history_days + 1, history_days + 90) * DAY)
        rows.append(customer_row(customer, created_at=created, extra=extra))
    copy_lines("orders_customer", CUSTOMER_COLUMNS + extra_columns, rows)
    return customers
