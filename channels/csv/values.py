"""The words and values an order file may hold: amounts, payment methods and statuses in other tools'
words, Shopify's note attributes.
"""

import re
from decimal import Decimal

from orders.models import Channel, PaymentMethod, Status, Warehouse
from orders.workflow import Stage


def shown(value: str) -> str:
    """A cell as quoted in a message: short, one line."""
    value = value.replace("\r", " ").replace("\n", " ")
    return repr(value if len(value) <= 40 else value[:39] + "…")


AMOUNT = re.compile(r"^[+-]?(\d[\d,.' ]*)$")


ZERO = Decimal(0)


# Order-level text and its longest length (the model's max_length).
TEXT_FIELDS = (
    ("customer_name", 200), ("email", 254), ("phone", 40), ("company", 200), ("shipping_name", 200),
    ("line1", 200), ("line2", 200), ("city", 100), ("postcode", 20), ("region", 100), ("country", 60),
    ("shipping_phone", 40), ("shipping_method", 100), ("po_number", 100), ("customer_reference", 100),
    ("notes", None), ("gift_message", None), ("billing_line1", 200), ("billing_line2", 200),
    ("billing_city", 100), ("billing_postcode", 20), ("billing_region", 100), ("billing_country", 60),
    ("billing_phone", 40),
)  # fmt: skip


PLAIN_AMOUNT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


WHOLE = re.compile(r"^[+-]?\d+(\.0*)?$")


CURRENCY_MARKS = "$€£¥\u00a0"


MAX_AMOUNT = Decimal("9999999999.99")


PAYMENT_WORDS = [
    ("cash", PaymentMethod.CASH), ("cod", PaymentMethod.CASH), ("pos", PaymentMethod.POS),
    ("transfer", PaymentMethod.TRANSFER), ("bank", PaymentMethod.TRANSFER), ("wire", PaymentMethod.TRANSFER),
    ("invoice", PaymentMethod.TRANSFER), ("card", PaymentMethod.CARD), ("visa", PaymentMethod.CARD),
    ("mastercard", PaymentMethod.CARD), ("amex", PaymentMethod.CARD), ("stripe", PaymentMethod.CARD),
    ("shopify payments", PaymentMethod.CARD), ("paypal", PaymentMethod.CHANNEL),
    ("amazon", PaymentMethod.CHANNEL), ("marketplace", PaymentMethod.CHANNEL), ("klarna", PaymentMethod.CHANNEL),
    ("channel", PaymentMethod.CHANNEL), ("tiktok", PaymentMethod.CHANNEL), ("ebay", PaymentMethod.CHANNEL),
]  # fmt: skip


PAID = {"paid", "partially refunded", "partially_refunded", "refunded", "yes", "true", "1", "y"}


# Paid, then refunded (Shopify's financial statuses): all of it, or part (the file's refunded amount).
REFUNDED = {"refunded"}


PARTIALLY_REFUNDED = {"partially refunded", "partially_refunded"}


UNPAID = {
    "unpaid", "pending", "authorized", "authorised", "voided", "expired", "no", "false", "0", "n",
    "partially paid", "partially_paid", "",
}  # fmt: skip


# Seeds' and other tools' status names (SPEC 2.1) and Shopify's fulfilment statuses.
STAGE_WORDS = {
    "expected": Stage.AWAITING_PAYMENT, "pending": Stage.AWAITING_PAYMENT, "created": Stage.AWAITING_PAYMENT,
    "awaiting payment": Stage.AWAITING_PAYMENT, "concept": Stage.DRAFT, "complete": Stage.SHIPPED,
    "fulfilled": Stage.SHIPPED, "in transit": Stage.SHIPPED, "completed": Stage.DELIVERED,
    "failed": Stage.DELIVERY_FAILED, "paused": Stage.ON_HOLD, "canceled": Stage.CANCELLED,
    "partial": Stage.PROCESSING, "partially fulfilled": Stage.PROCESSING,
}  # fmt: skip


NOT_A_STATUS = {"unfulfilled", "open", ""}  # no status: the order starts as a new one would


class Lookups:
    """Channels, warehouses and statuses by what a file may call them; read once per pass."""

    def __init__(self):
        self.channels: dict[str, Channel] = {}
        for channel in Channel.objects.all():
            self.channels[channel.code.lower()] = channel
            self.channels.setdefault(channel.name.lower(), channel)
        self.warehouses: dict[str, Warehouse] = {}
        for warehouse in Warehouse.objects.filter(active=True):
            self.warehouses[warehouse.code.lower()] = warehouse
            self.warehouses.setdefault(warehouse.name.lower(), warehouse)
        statuses = list(Status.objects.all())
        builtin = {status.stage: status for status in statuses if status.is_builtin}
        self.cancelled = builtin.get(Stage.CANCELLED)
        self.statuses: dict[str, Status] = {}
        for word, stage in STAGE_WORDS.items():
            if stage in builtin:
                self.statuses[word] = builtin[stage]
        for stage in Stage:
            if stage in builtin:
                self.statuses[stage.value.replace("_", " ")] = builtin[stage]
                self.statuses[stage.label.lower()] = builtin[stage]
        for status in statuses:
            self.statuses[status.code.lower().replace("-", " ")] = status
            self.statuses[status.label.lower()] = status
        self.status_examples = ", ".join(status.label for status in statuses if status.is_builtin)


def parse_payment_method(text: str) -> str | None:
    value = text.strip().lower()
    for choice, label in PaymentMethod.choices:
        if value in (choice, label.lower()):
            return choice
    for word, choice in PAYMENT_WORDS:
        if re.search(rf"\b{re.escape(word)}\b", value):
            return choice
    return None


def note_attributes(text: str) -> dict[str, str]:
    """Shopify's Note Attributes as name -> value: `name: value` pairs, one per line. A line without
    a name continues the value above (a value written on several lines); a name given twice keeps
    both values, one per line."""
    found: dict[str, str] = {}
    name = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        key, colon, value = line.partition(":")
        if colon and key.strip():
            name, value = key.strip(), value.strip()
            found[name] = f"{found[name]}\n{value}" if name in found else value
        elif line.strip():
            if name is None:
                name, found[line.strip()] = line.strip(), ""
            else:
                found[name] = f"{found[name]}\n{line.strip()}".lstrip("\n")
    return found
