"""Orders and what they are made of: channels, customers, products, statuses, lines, holds, events."""

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from orders.querysets import OrderQuerySet
from orders.triggers import LeanTrigger
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


class Warehouse(models.Model):
    """A place orders ship from. Reference data here; stock per warehouse lives in `fulfilment`."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    address = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)

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


# Database-level change capture (SPEC 2.4: bulk updates must not escape the timeline). Services write
# their own, richer timeline events and mark their transaction with the `packline.service` setting
# (orders/services/common.py); every other UPDATE of these fields — a bulk QuerySet.update(), raw SQL,
# a migration — is captured as a before/after pair by the database itself.
TRACKED_FIELDS = [
    "status", "stage", "assigned_csr", "assigned_agent", "warehouse", "shipping_method", "shipping_address",
    "payment_method", "delivery_fee", "total", "priority", "po_number", "is_deleted",
]  # fmt: skip
_COLUMNS = [
    f"{name}_id" if name in {"status", "assigned_csr", "assigned_agent", "warehouse"} else name
    for name in TRACKED_FIELDS
]
OUTSIDE_SERVICES = pgtrigger.Condition(
    "(("
    + " OR ".join(f'OLD."{column}" IS DISTINCT FROM NEW."{column}"' for column in _COLUMNS)
    + ") AND COALESCE(current_setting('packline.service', true), '') = '')"
)


def unless_set_based(name: str) -> pgtrigger.Condition:
    """A row trigger that keeps a derived value (`name`) stands aside while a bulk writer computes that
    value itself, set-based, in the same statements (orders.services.common.set_based). The test is the
    trigger's WHEN clause, evaluated without calling the trigger's function: pgtrigger.ignore() is
    checked inside the function, in a sub-transaction, and costs about 15 µs per row, more than the work
    it skips."""
    return pgtrigger.Condition(f"COALESCE(current_setting('packline.{name}_set_based', true), '') <> 'on'")


@pghistory.track(
    pghistory.UpdateEvent("order.before", row=pghistory.Old, condition=OUTSIDE_SERVICES),
    pghistory.UpdateEvent("order.after", row=pghistory.New, condition=OUTSIDE_SERVICES),
    fields=TRACKED_FIELDS,
    model_name="OrderSnapshot",
)
class Order(models.Model):
    number = models.BigIntegerField(
        unique=True,
        editable=False,
        db_default=models.Func(models.Value("orders_order_number_seq"), function="nextval"),
    )
    # Indexed by one_order_per_channel_id, which starts with the channel.
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders", db_index=False)
    channel_order_id = models.CharField(max_length=100, null=True, blank=True)
    channel_order_number = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20, default="manual")

    # Indexed by order_customer_created, which starts with the customer.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", db_index=False)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)

    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="orders")
    stage = models.CharField(max_length=20, choices=Stage.choices, editable=False)
    held_from = models.ForeignKey(
        Status, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    shipping_method = models.CharField(max_length=100, blank=True)
    payment_method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.CARD
    )
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(**MONEY)
    discount_total = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    delivery_fee = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    amount_paid = models.DecimalField(**MONEY)

    po_number = models.CharField("PO number", max_length=100, blank=True)
    customer_reference = models.CharField(max_length=100, blank=True)
    gift_message = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)

    assigned_csr = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="csr_orders",
        db_index=False,
    )
    # Indexed by order_agent_created (agent first).
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agent_orders",
        db_index=False,
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    priority = models.SmallIntegerField(default=0)
    tracking_numbers = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    search_vector = SearchVectorField(null=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    delete_reason = models.CharField(max_length=200, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_all_orders", "Can see every order, not only those assigned to them"),
            ("hold_order", "Can put orders on hold and release them"),
            ("cancel_order", "Can cancel orders"),
            ("assign_order", "Can assign the CSR and delivery agent"),
            ("fulfil_order", "Can move orders through picking, packing and shipping"),
            ("deliver_order", "Can mark orders in transit, delivered or failed"),
            ("return_order", "Can mark orders returned"),
            ("note_order", "Can add notes to orders"),
            ("edit_prices", "Can change lines, quantities and prices"),
            ("restore_order", "Can see and restore soft-deleted orders"),
            ("export_order", "Can export orders"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["channel", "channel_order_id"], name="one_order_per_channel_id"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(delivery_fee__gte=0), name="order_delivery_fee_not_negative"),
        ]
        # The list's sort orders, per tab, with deleted orders left out (SPEC 7: 1M orders).
        # Every index costs each status change one more entry to write (a changed stage rules out
        # PostgreSQL's in-place "HOT" update, so all of them get one): foreign keys that are mostly
        # empty are indexed only where set (a lookup of one person or status implies "is set", so these
        # partial indexes serve it), and a key already leading another index gets none of its own.
        # Email and phone have no index: search finds them through search_vector, and nothing else
        # looks orders up by them.
        indexes = [
            models.Index(F("created_at").desc(), F("id").desc(), name="order_live_created", condition=Q(is_deleted=False)),
            models.Index("stage", F("created_at").desc(), F("id").desc(), name="order_live_stage_created", condition=Q(is_deleted=False)),
            models.Index(F("total").desc(), F("id").desc(), name="order_live_total", condition=Q(is_deleted=False)),
            models.Index("stage", F("total").desc(), F("id").desc(), name="order_live_stage_total", condition=Q(is_deleted=False)),
            models.Index("stage", F("number").desc(), name="order_live_stage_number", condition=Q(is_deleted=False)),
            models.Index(F("created_at").desc(), name="order_deleted_created", condition=Q(is_deleted=True)),
            models.Index("assigned_agent", F("created_at").desc(), name="order_agent_created", condition=Q(assigned_agent__isnull=False)),
            models.Index("assigned_csr", name="order_csr", condition=Q(assigned_csr__isnull=False)),
            # The duplicate check: a customer's orders within the window (checks.py, create_many.py).
            models.Index("customer", F("created_at").desc(), name="order_customer_created"),
            models.Index("held_from", name="order_held_from", condition=Q(held_from__isnull=False)),
            models.Index("deleted_by", name="order_deleted_by", condition=Q(deleted_by__isnull=False)),
            GinIndex(fields=["search_vector"], name="order_search"),
            # Most orders have no tags: they get no entry (filters.filter_tag names the same condition).
            GinIndex(fields=["tags"], name="order_tags", condition=~Q(tags=[])),
            # Search compares these with the whole term, which is never empty; most orders have neither.
            models.Index("channel_order_number", name="order_channel_number", condition=~Q(channel_order_number="")),
            models.Index("po_number", name="order_po_number", condition=~Q(po_number="")),
        ]  # fmt: skip
        triggers = [
            # `stage` is a copy of the status's stage for the list's indexes; the database keeps it
            # true however the status is written.
            LeanTrigger(  # fires on every status change and insert: no subtransaction per row
                name="order_stage_follows_status",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("status_id"),
                condition=unless_set_based("order_stage"),
                func="NEW.stage := (SELECT stage FROM orders_status WHERE id = NEW.status_id); RETURN NEW;",
            )
        ]

    def __str__(self) -> str:
        return self.display_number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"number": self.number})

    @property
    def display_number(self) -> str:
        return f"{settings.ORDER_NUMBER_PREFIX}{self.number}"

    @property
    def balance_due(self) -> Decimal:
        return max(self.total - self.amount_paid, Decimal("0.00"))

    @property
    def is_paid(self) -> bool:
        return self.amount_paid >= self.total


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(**MONEY, help_text="Discount on the whole line")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY, help_text="quantity × unit price − discount + tax")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Filled by fulfilment and returns.
    quantity_allocated = models.PositiveIntegerField(default=0)
    quantity_picked = models.PositiveIntegerField(default=0)
    quantity_packed = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_cancelled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "position", "id"]
        # A line sent from another warehouse than its order's is rare: only those rows are indexed.
        indexes = [models.Index("warehouse", name="line_warehouse", condition=Q(warehouse__isnull=False))]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_unit_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="line_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=F("quantity"))
                & Q(quantity_picked__lte=F("quantity"))
                & Q(quantity_packed__lte=F("quantity"))
                & Q(quantity_shipped__lte=F("quantity"))
                & Q(quantity_cancelled__lte=F("quantity"))
                & Q(quantity_returned__lte=F("quantity_shipped")),
                name="line_quantities_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @property
    def quantity_open(self) -> int:
        """Still to ship: ordered, less cancelled and shipped."""
        return self.quantity - self.quantity_cancelled - self.quantity_shipped

    @property
    def is_changeable(self) -> bool:
        """A line can be cancelled, replaced or moved until it is picked (SPEC 2.3), unless it is
        cancelled already. The order's stage is checked by the line services."""
        return not (self.quantity_picked or self.quantity_shipped) and self.quantity_cancelled < self.quantity

    @property
    def stock_state(self) -> str:
        """SPEC 2.3 colours: done (struck through), allocated (green) or backordered (red)."""
        if self.quantity_open <= 0:
            return "cancelled" if self.quantity_cancelled == self.quantity else "shipped"
        if self.quantity_allocated >= self.quantity_open:
            return "allocated"
        return "backordered"


class HoldReason(models.TextChoices):
    MISSING_ADDRESS = "missing_address", "Missing address"
    MISSING_SHIPPING_METHOD = "missing_shipping_method", "Missing shipping method"
    UNKNOWN_SKU = "unknown_sku", "Unknown SKU"
    MISSING_PO_NUMBER = "missing_po_number", "PO number missing"
    UNDELIVERABLE_ADDRESS = "undeliverable_address", "Address not deliverable"
    PAYMENT_MISMATCH = "payment_mismatch", "Payment mismatch"
    SUSPECTED_DUPLICATE = "suspected_duplicate", "Suspected duplicate"
    OVER_VALUE = "over_value", "Over value threshold"
    RULE = "rule", "Hold rule"
    SHORT_PICK = "short_pick", "Short pick"
    MANUAL = "manual", "Manual hold"


class OrderHold(models.Model):
    """One reason an order is on hold. Released holds are kept for the record."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    reason = models.CharField(max_length=30, choices=HoldReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index("order", name="hold_active_order", condition=Q(released_at__isnull=True)),
            # Empty while the hold stands: a new hold writes no entry.
            models.Index("released_by", name="hold_released_by", condition=Q(released_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.detail}" if self.detail else self.get_reason_display()


class HoldRule(models.Model):
    """A manager's rule: when an order matches the condition, it goes on hold with the reason."""

    class Field(models.TextChoices):
        CHANNEL = "channel", "Channel is"
        COUNTRY = "country", "Shipping country is"
        TOTAL_OVER = "total_over", "Total is over"
        SKU = "sku", "Contains SKU"
        TAG = "tag", "Has tag"
        NOTE_CONTAINS = "note_contains", "Notes or gift message contain"

    name = models.CharField(max_length=100)
    field = models.CharField(max_length=20, choices=Field.choices)
    value = models.CharField(max_length=200)
    reason = models.CharField(max_length=200, help_text="Shown on the order as the hold reason")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ActorKind(models.TextChoices):
    USER = "user", "User"
    SYSTEM = "system", "System"
    CHANNEL = "channel", "Channel"
    JOB = "job", "Job"


class OrderEvent(models.Model):
    """One entry of an order's timeline, written by the service that made the change."""

    # Indexed by event_order_created, which starts with the order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    actor_label = models.CharField(max_length=100, blank=True, help_text="Channel name or job number")
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index("order", F("created_at").desc(), F("id").desc(), name="event_order_created")]

    def __str__(self) -> str:
        return f"{self.type} on {self.order_id}"


class BulkJob(models.Model):
    """A mass action running on the workers: what, on which orders, by whom, and how far it got."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    action = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    # {"ids": [...]} for hand-picked rows, or {"tab": "...", "query": "<list querystring>"} for
    # "all matching this filter"; re-evaluated through the user's visible orders when the job runs.
    selection = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    file = models.CharField(max_length=200, blank=True, help_text="Path under MEDIA_ROOT of the job's output")
    notified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index("created_by", F("created_at").desc(), name="job_user_created"),
            models.Index("state", name="job_unfinished", condition=Q(state__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk}"

    @property
    def label(self) -> str:
        """The action's name as the action menu shows it."""
        from orders.jobs import ACTIONS  # the registry imports this module

        action = ACTIONS.get(self.action)
        return action.label if action else self.action

    @property
    def processed(self) -> int:
        return self.done_count + self.skipped_count + self.failed_count

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class BulkJobResult(models.Model):
    """What a job did to one order. Written in the same transaction as the change itself, so a job
    resumed after a crash knows exactly which orders are still to do."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    # Indexed by one_result_per_job_and_order, which starts with the job.
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="results", db_index=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "order"], name="one_result_per_job_and_order")]
        # No index holds `state` or `message`, and the table leaves room in its pages (fillfactor,
        # migration 0006), so marking a pending row done is an in-place "HOT" update that writes no
        # index entry. The worker walks a job's pending rows by (job, order), the unique index.

    def __str__(self) -> str:
        return f"{self.job} · {self.order_id}: {self.state}"


# Money (SPEC 6) -------------------------------------------------------------------------------------
# Payments, expenses, refunds and remittances are append-only. A mistake is corrected by a reversing
# record: the same amount with the opposite sign, `reverses` pointing at the original, both kept and
# both on the timeline. Every figure (paid, refunded, balance due, expected remittance, ...) is a sum
# of these rows, computed in orders/money_selectors.py. Order.amount_paid is the one cached figure: the
# sum of received payments net of their reversals (refunds are separate). Only orders/services/money.py
# writes it, in the same transaction as the payment; the list, the guard "paid before fulfilment" and
# the hold checks read it without a join.


def _reversal_sign_rule(name: str) -> models.CheckConstraint:
    """An original record is positive; its reversal is negative."""
    return models.CheckConstraint(
        condition=Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0),
        name=name,
    )


class Payment(models.Model):
    """Money received for an order, or a failed attempt (which counts for nothing but the record)."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collected_payments",
        help_text="The delivery agent who collected the cash or POS payment, who owes it to the company.",
        db_index=False,  # indexed by payment_collected_by (agent first, where there is one)
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        default_permissions = ()
        permissions = [
            ("record_payment", "Can record, fail and reverse any payment"),
            ("record_collection", "Can record cash or POS they collected on delivery of their own orders"),
        ]
        constraints = [
            _reversal_sign_rule("payment_reversal_has_opposite_sign"),
            models.CheckConstraint(
                condition=Q(state="received") | Q(reverses__isnull=True), name="payment_failed_is_no_reversal"
            ),
        ]
        indexes = [
            models.Index(
                "collected_by",
                "recorded_at",
                name="payment_collected_by",
                condition=Q(collected_by__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency}"


class ExpenseCategory(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    PACKAGING = "packaging", "Packaging"
    COURIER_FEE = "courier_fee", "Courier fee"
    OTHER = "other", "Other"


class Expense(models.Model):
    """A cost of fulfilling an order, paid by a delivery agent (who deducts it from what they remit)
    or by the company (paid_by empty)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="expenses")
    category = models.CharField(max_length=20, choices=ExpenseCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paid_expenses",
        help_text="The delivery agent who paid it; empty when the company paid.",
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        default_permissions = ()
        permissions = [
            ("record_expense", "Can record and reverse any expense"),
            ("record_delivery_expense", "Can record expenses they paid delivering their own orders"),
        ]
        constraints = [_reversal_sign_rule("expense_reversal_has_opposite_sign")]
        indexes = [
            models.Index("paid_by", "recorded_at", name="expense_paid_by", condition=Q(paid_by__isnull=False))
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount} {self.currency}"


class Refund(models.Model):
    """Money owed back to the customer: recorded first, marked executed once it has been paid out."""

    class Kind(models.TextChoices):
        CANCELLATION = "cancellation", "Order cancelled"
        RETURN = "return", "Return"
        MANUAL = "manual", "Manual"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reason = models.CharField(max_length=300)
    # The lines it covers: [{"line": id, "sku": ..., "quantity": n, "amount": "12.00"}, ...].
    lines = models.JSONField(default=list, blank=True)
    return_number = models.CharField(max_length=20, blank=True, help_text="The RMA it refunds, if any")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    executed_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=100, blank=True, help_text="Bank or PSP reference of the payout")
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        default_permissions = ()
        permissions = [("record_refund", "Can record, execute and reverse refunds")]
        constraints = [
            _reversal_sign_rule("refund_reversal_has_opposite_sign"),
            models.CheckConstraint(
                condition=Q(executed_at__isnull=True) | (Q(reverses__isnull=True) & ~Q(reference="")),
                name="refund_executed_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency}"


class Remittance(models.Model):
    """Cash a delivery agent handed over to the company, against what they collected less what they
    spent. Reversible only by a new, negative record."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="remittances")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        default_permissions = ()
        permissions = [
            ("view_remittance", "Can see remittance: their own, or every agent's with view_all_orders"),
            ("mark_remitted", "Can mark an agent's cash remitted and reverse such a record"),
        ]
        constraints = [_reversal_sign_rule("remittance_reversal_has_opposite_sign")]

    def __str__(self) -> str:
        return f"Remittance {self.amount} {self.currency} by {self.agent_id}"
