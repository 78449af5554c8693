"""Stock, allocations, picklists, packing and shipments. Builds on `orders`; `orders` never imports it."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from config.postgresql.triggers import unless_set_based
from orders.models import Order, OrderLine, Product, Warehouse


class BinLocation(models.Model):
    """A shelf position; picklists walk bins in `code` order (codes sort along the picking route)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="bins")
    code = models.CharField(max_length=30)

    class Meta:
        ordering = ["warehouse", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="one_bin_code_per_warehouse")
        ]

    def __str__(self) -> str:
        return self.code


class StockItem(models.Model):
    """One product in one warehouse. available = on_hand - allocated; the database keeps both sane."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock")
    bin = models.ForeignKey(BinLocation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse", "product__sku"]
        permissions = [
            ("adjust_stock", "Can receive stock and adjust quantities"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "product"], name="one_stock_row_per_warehouse_product"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("on_hand")),
                name="stock_allocated_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


class StockMovement(models.Model):
    """Every change of on-hand stock, kept for ever."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        ADJUSTMENT = "adjustment", "Adjustment"
        SHIPMENT = "shipment", "Shipped"
        RETURN = "return", "Return"
        WRITE_OFF = "write_off", "Write-off"

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.IntegerField(help_text="Change of on-hand stock: + in, − out")
    reason = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_zero")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.stock_item}"


class Allocation(models.Model):
    """Stock reserved for an order line. The line's quantity_allocated is the sum of these."""

    # Indexed by one_allocation_per_line_and_stock (line first).
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations", db_index=False)
    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "stock_item"], name="one_allocation_per_line_and_stock"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
        ]
        triggers = [
            # The stock row's `allocated` and the line's `quantity_allocated` are sums of allocations,
            # kept by the database itself: a cascade delete or a bulk write cannot leave them wrong, and
            # the stock row's CHECK then refuses any allocation beyond what is on hand.
            pgtrigger.Trigger(
                name="allocation_keeps_totals",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                condition=unless_set_based("allocation_totals"),
                func="""
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    UPDATE fulfilment_stockitem SET allocated = allocated - OLD.quantity WHERE id = OLD.stock_item_id;
                    UPDATE orders_orderline SET quantity_allocated = quantity_allocated - OLD.quantity WHERE id = OLD.line_id;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    UPDATE fulfilment_stockitem SET allocated = allocated + NEW.quantity WHERE id = NEW.stock_item_id;
                    UPDATE orders_orderline SET quantity_allocated = quantity_allocated + NEW.quantity WHERE id = NEW.line_id;
                END IF;
                RETURN NULL;
                """,
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.stock_item}"


class Picklist(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="picklists")
    picker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="picklists"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("pick_order", "Can create picklists and pick"),
            ("pack_order", "Can pack orders at the packing station"),
        ]

    def __str__(self) -> str:
        return f"Picklist {self.pk}"


class PicklistLine(models.Model):
    """One order line on a picklist, with the bin it is picked from."""

    picklist = models.ForeignKey(Picklist, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    bin_code = models.CharField(max_length=30, blank=True)
    quantity = models.PositiveIntegerField()
    quantity_picked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["bin_code", "product__sku", "order_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_picked__lte=F("quantity")), name="picked_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} for {self.order_id}"


class PackingRecord(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="packings")
    packages = models.PositiveSmallIntegerField(default=1)
    weight_grams = models.PositiveIntegerField(default=0)
    packed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    packed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-packed_at"]
        constraints = [models.CheckConstraint(condition=Q(packages__gt=0), name="packing_has_packages")]

    def __str__(self) -> str:
        return f"{self.packages} package(s) for {self.order_id}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=60)
    service = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shipped_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipped_at", "id"]
        permissions = [
            ("ship_order", "Can record shipments"),
            ("print_documents", "Can print packing slips and invoices"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged", "Arrived damaged"
    WRONG_ITEM = "wrong_item", "Wrong item sent"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    NOT_WANTED = "not_wanted", "No longer wanted"
    REFUSED = "refused", "Refused on delivery"
    OTHER = "other", "Other"


class ReturnRequest(models.Model):
    """An RMA: shipped units the customer sends back. Its number is RMA-(1000 + id)."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        RECEIVED = "received", "Received"
        CLOSED = "closed", "Closed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    reason = models.CharField(max_length=20, choices=ReturnReason.choices)
    note = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="returns", help_text="Where it comes back to"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    NUMBER_OFFSET = 1000
    PREFIX = "RMA-"

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("create_return", "Can create returns (RMAs) for shipped orders"),
            ("receive_return", "Can receive returned goods: restock or write off"),
        ]
        indexes = [models.Index("state", F("created_at").desc(), name="return_state_created")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.PREFIX}{self.NUMBER_OFFSET + self.pk}" if self.pk else f"{self.PREFIX}new"

    @classmethod
    def pk_from_number(cls, code: str) -> int | None:
        """RMA-1001, rma1001 or 1001 -> 1; None when the code is no RMA number."""
        digits = "".join(ch for ch in code if ch in "0123456789")[:18]  # not "²": isdigit() but no int
        if not digits or int(digits) <= cls.NUMBER_OFFSET:
            return None
        return int(digits) - cls.NUMBER_OFFSET


class ReturnLine(models.Model):
    class Disposition(models.TextChoices):
        RESTOCK = "restock", "Restock"
        WRITE_OFF = "write_off", "Write off"

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    # Scanned at the receiving bench, not yet booked; booking moves them to quantity_received.
    quantity_counted = models.PositiveIntegerField(default=0)
    quantity_received = models.PositiveIntegerField(default=0)
    disposition = models.CharField(max_length=10, choices=Disposition.choices, default=Disposition.RESTOCK)

    class Meta:
        ordering = ["return_request", "order_line__position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity"))
                & Q(quantity_counted__lte=F("quantity") - F("quantity_received")),
                name="return_line_received_within_quantity",
            ),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="one_return_line_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"

    @property
    def quantity_open(self) -> int:
        return self.quantity - self.quantity_received


class Carrier(models.Model):
    """A carrier the warehouse ships with, managed by managers (issue 19). Shipments keep the
    carrier's name as text (what channels push back to the shop), so a renamed or removed carrier
    leaves old shipments as they were; the tracking link is found by that name."""

    TRACKING_PLACEHOLDER = "{tracking}"

    name = models.CharField(max_length=60, unique=True)
    code = models.SlugField(max_length=30, unique=True, help_text="A short code for imports and the API")
    tracking_url_template = models.CharField(
        max_length=300,
        blank=True,
        help_text="The carrier's tracking page with {tracking} where the number goes; empty: no link",
    )
    active = models.BooleanField(default=True, help_text="Offered when recording a shipment")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tracking_url_template="")
                | (
                    Q(tracking_url_template__contains="{tracking}")
                    & Q(tracking_url_template__startswith="https://")
                ),
                name="carrier_tracking_url_has_placeholder",
            ),
        ]

    def __str__(self) -> str:
        return self.name
