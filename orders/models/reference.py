"""What orders refer to: channels, warehouses, customers, products, statuses, payment methods."""

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from orders.workflow import Stage

# The parts of an address, in the order a label prints them (addresses are JSON on orders and customers).
ADDRESS_KEYS = ("name", "line1", "line2", "city", "region", "postcode", "country", "phone")

MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash on delivery"
    CARD = "card", "Card"
    TRANSFER = "transfer", "Bank transfer"
    POS = "pos", "POS on delivery"
    CHANNEL = "channel", "Paid on channel"


class Channel(models.Model):
    """A sales channel orders come from. `manual` and `csv` exist from the first migration."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=40, default="manual")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def validate_time_zone(name: str) -> None:
    """An IANA time zone name (Europe/Berlin); empty means the installation's."""
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"{name!r} is not a time zone name such as Europe/Berlin.") from error


def working_weekdays_default() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday (Python's weekday numbers)


class Warehouse(models.Model):
    """A place orders ship from. Reference data here; stock per warehouse lives in `fulfilment`.
    Its calendar (working weekdays, holidays, time zone) counts ship-by deadlines (orders/ship_by.py)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    address = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    working_weekdays = ArrayField(
        models.PositiveSmallIntegerField(), default=working_weekdays_default, blank=True
    )
    holidays = ArrayField(models.DateField(), default=list, blank=True)
    time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone], help_text="Empty: the installation's."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_warehouse"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    requires_po_number = models.BooleanField(
        default=False, help_text="B2B customer: orders without a PO number go on hold."
    )
    address = models.JSONField(default=dict, blank=True, help_text="Default shipping address.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("email"), name="customer_email_lower")]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    barcode = models.CharField(max_length=64, blank=True, db_index=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00"), help_text="Percent"
    )
    weight_grams = models.PositiveIntegerField(default=0)
    shippable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sku"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative")]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"


class Status(models.Model):
    """What users see. Each status belongs to one stage; the stage carries the behaviour."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=60)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    colour = models.CharField(max_length=7, default="#6c757d", help_text="Hex colour, e.g. #0d6efd")
    position = models.PositiveSmallIntegerField(default=0)
    is_builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "label"]
        verbose_name_plural = "statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["stage"], condition=Q(is_builtin=True), name="one_builtin_status_per_stage"
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="status_colour_is_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.label
