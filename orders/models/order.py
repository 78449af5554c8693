"""The order and its lines, with the database-level capture of changes made outside the services."""

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from config.postgresql.triggers import LeanTrigger, unless_set_based
from orders.models.reference import MONEY, Channel, Customer, PaymentMethod, Product, Status, Warehouse
from orders.querysets import LINE_BACKORDERED, SHIP_BY_PENDING, OrderQuerySet
from orders.workflow import SHIP_BY_MET, Stage

# The list's search index, and the size of its pending list in kB (config/postgresql/gin.py).
SEARCH_INDEX = "order_search"
SEARCH_PENDING_LIST_KB = 32 * 1024

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
    # The channel's own name -> value extras (Shopify's note attributes: gift wrap, delivery slot ...),
    # kept as the channel sent them and shown on the order page. The database default lets writers that
    # name their columns (COPY, raw SQL) leave it out.
    attributes = models.JSONField(default=dict, db_default={}, blank=True)
    # The latest time the shop wants the order handed to the carrier (TikTok Shop's ready-to-ship SLA,
    # eBay's shipByDate); empty for orders without one.
    ship_by = models.DateTimeField(null=True, blank=True)

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
            # The API's updated_since (a client syncing what changed): without it, a recent time whose
            # few changed orders are old ones walks order_live_created through every order.
            models.Index("updated_at", "id", name="order_live_updated", condition=Q(is_deleted=False)),
            # The dashboard's "due today" and "late" (querysets.ship_by_pending names the same condition).
            models.Index("ship_by", name="order_ship_by_pending", condition=SHIP_BY_PENDING),
            # Whether an order is visible, read without the table: the dashboard checks the orders that
            # holds and shipping events name (thousands) against orders_visible_to's columns.
            models.Index(fields=["id"], include=["is_deleted", "assigned_agent"], name="order_visibility"),
            # The dashboard's week of orders per hour and channel, read from the index alone.
            models.Index(fields=["created_at"], include=["channel"], name="order_live_created_channel", condition=Q(is_deleted=False)),
            models.Index("assigned_agent", F("created_at").desc(), name="order_agent_created", condition=Q(assigned_agent__isnull=False)),
            models.Index("assigned_csr", name="order_csr", condition=Q(assigned_csr__isnull=False)),
            # The duplicate check: a customer's orders within the window (checks.py, create_many.py).
            models.Index("customer", F("created_at").desc(), name="order_customer_created"),
            models.Index("held_from", name="order_held_from", condition=Q(held_from__isnull=False)),
            models.Index("deleted_by", name="order_deleted_by", condition=Q(deleted_by__isnull=False)),
            # A pending list of 32 MB (about 68,000 orders' words) rather than PostgreSQL's 4 MB, which a
            # mass change of 10,000 orders overflowed and merged inside the job; beat merges it every
            # minute instead (config/postgresql/gin.py).
            GinIndex(fields=["search_vector"], name=SEARCH_INDEX, gin_pending_list_limit=SEARCH_PENDING_LIST_KB),
            # Most orders have no tags: they get no entry (filters.filter_tag names the same condition).
            GinIndex(fields=["tags"], name="order_tags", condition=~Q(tags=[])),
            # Search compares these with the whole term, which is never empty; most orders have neither.
            models.Index("channel_order_number", name="order_channel_number", condition=~Q(channel_order_number="")),
            models.Index("po_number", name="order_po_number", condition=~Q(po_number="")),
            # eBay's account deletion finds a buyer's orders by eBay user name, in any case; only eBay's
            # orders carry one (channels/marketplaces/ebay/erasure.py names the same expression).
            models.Index(Lower(KeyTextTransform("ebay_buyer", "attributes")), name="order_ebay_buyer", condition=Q(attributes__has_key="ebay_buyer")),
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

    # What apply_totals (orders/services/create.py) derives from the lines and the delivery fee: a
    # service that recomputes them saves these, and only the fields it changed besides.
    TOTAL_FIELDS = ("subtotal", "discount_total", "tax_total", "total")

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

    @property
    def is_partially_shipped(self) -> bool:
        """Some units shipped and some still to ship (seed 002: a partly shipped order keeps its
        status). Reads the lines the order page has loaded (line_list), else asks the database. A
        cancelled or returned order is closed, not partly shipped."""
        if self.stage in (Stage.CANCELLED, Stage.RETURNED):
            return False
        lines = getattr(self, "line_list", None)
        if lines is None:
            lines = list(self.lines.only("quantity", "quantity_cancelled", "quantity_shipped"))
        return any(line.quantity_shipped > 0 for line in lines) and any(
            line.quantity_open > 0 for line in lines
        )

    def ship_by_state(self, now=None) -> str:
        """ "late" when the ship-by time has passed and the order has not shipped, "today" when it falls
        on today (the current time zone's day) and has not passed yet; "" otherwise (shipped, closed,
        no ship-by date)."""
        if self.ship_by is None or self.stage in SHIP_BY_MET:
            return ""
        now = now or timezone.now()
        if self.ship_by < now:
            return "late"
        return "today" if timezone.localdate(self.ship_by) == timezone.localdate(now) else ""


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
    # The shop's own id of the line (a marketplace order's), which tracking pushes name. db_default:
    # the COPY writers of batched creation leave the column out.
    channel_line_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["order", "position", "id"]
        # A line sent from another warehouse than its order's is rare: only those rows are indexed.
        indexes = [
            models.Index("warehouse", name="line_warehouse", condition=Q(warehouse__isnull=False)),
            # Only lines stock does not cover: the dashboard's and the list's backordered and ready to pick.
            models.Index("order", name="line_backordered", condition=LINE_BACKORDERED),
        ]
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
