"""What batched creation (create_many.py) decides before it writes: orders, lines and customers as plain
objects with the fields creation sets (a model instance per row costs more than the row's checks),
and the batch formatted for COPY."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from orders.holds import Finding
from orders.inputs import OrderInput
from orders.models import Status
from orders.money.models import Refund
from orders.workflow import Stage

CREATED, HELD, SKIPPED, REJECTED = "created", "held", "skipped", "rejected"


# Historical orders in these stages have shipped: their lines are written as shipped, and they hold
# no stock. Hold checks run only on orders that could still be held (workflow.HOLDABLE).
SHIPPED_STAGES = frozenset({Stage.SHIPPED, Stage.DELIVERED, Stage.DELIVERY_FAILED, Stage.RETURNED})


class NewCustomer:
    """A customer to create with its first order, or one found by email (with its pk): the Customer
    fields creation reads, without a model instance."""

    __slots__ = ("address", "company", "email", "name", "phone", "pk", "requires_po_number")

    def __init__(self, *, name: str, email: str = "", phone: str = "", company: str = "", address=None):
        self.name, self.email, self.phone, self.company = name, email, phone, company
        self.address = address or {}
        self.requires_po_number, self.pk = False, None

    def __str__(self) -> str:
        return self.name


class PlannedLine:
    """An order line before it is written: OrderLine's fields without a model instance's cost
    (build_lines builds these for create_many)."""

    __slots__ = (
        "channel_line_id", "discount", "line_total", "name", "pk", "position", "product", "product_id", "quantity",
        "quantity_allocated", "quantity_cancelled", "quantity_packed", "quantity_picked", "quantity_returned",
        "quantity_shipped", "sku", "tax_amount", "tax_rate", "unit_price", "warehouse_id",
    )  # fmt: skip

    def __init__(
        self,
        *,
        position,
        product,
        sku,
        name,
        quantity,
        unit_price,
        discount,
        tax_rate,
        tax_amount,
        line_total,
    ):
        self.position, self.product, self.sku, self.name, self.quantity = (
            position,
            product,
            sku,
            name,
            quantity,
        )
        self.unit_price, self.discount, self.tax_rate = unit_price, discount, tax_rate
        self.tax_amount, self.line_total, self.warehouse_id, self.pk = tax_amount, line_total, None, None
        self.channel_line_id = ""  # written by the door that knows it (channels/intake/batch.py)
        self.quantity_allocated = self.quantity_picked = self.quantity_packed = 0
        self.quantity_shipped = self.quantity_cancelled = self.quantity_returned = 0
        # Read for every line's row and its stock: an attribute, not a property through Model.pk.
        self.product_id = product.pk if product is not None else None


class PlannedOrder:
    """An order before it is written: the fields of Order that creation sets, as plain attributes, for
    the same functions order_create uses (apply_totals, run_checks, search_document)."""

    __slots__ = (
        "amount_paid", "assigned_agent_id", "assigned_csr_id", "attributes", "billing_address", "channel", "channel_order_id",
        "channel_order_number", "created_at", "currency", "customer", "customer_email", "customer_name",
        "customer_phone", "customer_reference", "delivery_fee", "discount_total", "gift_message", "held_from", "notes", "number",
        "payment_method", "pk", "po_number", "priority", "ship_by", "shipping_address", "shipping_method", "source", "stage",
        "status", "subtotal", "tags", "tax_total", "total", "tracking_numbers", "warehouse_id",
    )  # fmt: skip

    # What creation never sets otherwise, for orders/copy_rows.order_row.
    version, is_deleted, deleted_at, deleted_by_id, delete_reason = 1, False, None, None, ""

    def __init__(self, fields: dict, *, created_at: datetime):
        """`fields`: orders.services.create.order_fields(), taken as the dict it is (unpacked into
        keyword arguments, its 25 entries cost more than setting them)."""
        self.pk = self.number = self.held_from = self.status = self.stage = None
        self.tracking_numbers = []
        self.created_at = created_at
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def customer_id(self) -> int | None:
        return self.customer.pk

    @property
    def channel_id(self) -> int:
        return self.channel.pk

    @property
    def status_id(self) -> int:
        return self.status.pk

    @property
    def held_from_id(self) -> int | None:
        return self.held_from.pk if self.held_from else None

    @property
    def display_number(self) -> str:
        return f"{settings.ORDER_NUMBER_PREFIX}{self.number}"

    def __str__(self) -> str:
        return self.display_number


@dataclass
class BatchOrder:
    """One order to create. `data.customer` may be unsaved: it is matched by email to an existing
    customer, or created together with the order."""

    key: int  # the caller's own key (an import uses the order's first row number)
    data: OrderInput
    source_detail: str = ""
    status: Status | None = None  # historical imports: keep this status instead of the initial one
    created_at: datetime | None = None  # historical imports: keep this date
    paid_in_full: bool = False  # amount_paid becomes the order's total once it is known
    paid_at: datetime | None = None  # historical imports: the date of the payment it arrived with
    refund: "RefundAtCreation | None" = None  # what was refunded before it arrived (write_refunds)
    # More timeline events to write with the order: (type, params), after its own.
    events: list[tuple[str, dict]] = field(default_factory=list)


@dataclass
class RefundAtCreation:
    """Money refunded before the order reached Packline (another tool's export says so): recorded as
    a refund already paid out, at most what the order arrived paid with (refund_due)."""

    amount: Decimal | None = None  # None: everything paid
    kind: str = Refund.Kind.MANUAL
    reason: str = "refunded before the import"
    reference: str = ""  # the payout's reference; default: the order's channel number
    at: datetime | None = None  # when it was refunded; default: when it is written


@dataclass
class Planned:
    item: BatchOrder
    result: str  # CREATED, HELD, SKIPPED or REJECTED
    order: PlannedOrder | None = None
    lines: list[PlannedLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    existing_id: int | None = None

    @property
    def creates(self) -> bool:
        return self.result in (CREATED, HELD)


@dataclass
class PreparedBatch:
    """A planned batch formatted for COPY: one entry per creating order in each list, so that an order
    found taken at write time is left out whole."""

    planned: list[Planned]
    creating: list[Planned]
    customers: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    lines: list[list[tuple[PlannedLine, str, str]]] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
