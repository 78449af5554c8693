"""Many orders at once (CSV imports, backfills): order_create's rules, batched for speed.

Every order goes through the steps order_create takes, with the same functions: validate,
validate_prices, build_lines, apply_totals, run_checks (built-in hold checks and the managers' hold
rules) and initial_status. What order_create asks the database once per order is asked once per batch
here: products, customers by email, existing channel references (deleted orders included), hold
rules, and suspected duplicates (checks.DuplicateFinder). `plan()` writes nothing, so an import's validation pass and preview
use it as they are; `write()` then stores a planned batch with PostgreSQL COPY inside the caller's
transaction and, after commit, sends one `orders_created` signal for the batch (fulfilment allocates
stock on it), in place of order_create's `order_stage_entered` per order. A caller may instead pass an
`allocate` step that reserves the stock inside the batch's own transaction (channels' import does).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from config.postgresql.copy import copy_escape, copy_lines
from config.postgresql.lookups import sql_array
from config.postgresql.triggers import set_based
from orders.actors import Actor, as_actor
from orders.checks import DuplicateFinder, Finding, run_checks
from orders.copy_rows import (  # NULL and copy_json: also imported from here by fulfilment's batch allocation
    CUSTOMER_COLUMNS,
    LINE_COLUMNS,
    NULL,
    ORDER_WRITTEN,
    PAYMENT_COLUMNS,
    constant_columns,
    copy_id,
    copy_json,
    customer_row,
    insert_orders,
    line_row,
    order_row,
    payment_reference,
    payment_row,
)
from orders.events import EventType
from orders.inputs import OrderInput, validate, validate_prices
from orders.models import (
    Channel,
    Customer,
    HoldReason,
    HoldRule,
    Order,
    OrderEvent,
    OrderHold,
    OrderLine,
    PaymentMethod,
    Product,
    Status,
    Warehouse,
)
from orders.money.events import MoneyEvent
from orders.money.models import Payment, Refund
from orders.money.services.refunds import refund_executed_params, refund_recorded_params
from orders.services.common import service_context
from orders.services.create import (
    apply_totals,
    build_lines,
    initial_status,
    money,
    order_fields,
    search_document,
)
from orders.signals import orders_created
from orders.workflow import HOLDABLE, Stage

CREATED, HELD, SKIPPED, REJECTED = "created", "held", "skipped", "rejected"
# Historical orders in these stages have shipped: their lines are written as shipped, and they hold
# no stock. Hold checks run only on orders that could still be held (workflow.HOLDABLE).
SHIPPED_STAGES = frozenset({Stage.SHIPPED, Stage.DELIVERED, Stage.DELIVERY_FAILED, Stage.RETURNED})


def announce_created(order_ids: list[int], *, stock_allocated: bool = False) -> None:
    """Tell other apps (fulfilment allocates stock, unless the batch did) that these orders were created."""
    orders_created.send(sender=Order, order_ids=order_ids, stock_allocated=stock_allocated)


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
        "discount", "line_total", "name", "pk", "position", "product", "quantity", "quantity_allocated",
        "quantity_cancelled", "quantity_packed", "quantity_picked", "quantity_returned", "quantity_shipped",
        "sku", "tax_amount", "tax_rate", "unit_price", "warehouse_id",
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
        self.quantity_allocated = self.quantity_picked = self.quantity_packed = 0
        self.quantity_shipped = self.quantity_cancelled = self.quantity_returned = 0

    @property
    def product_id(self) -> int | None:
        return self.product.pk if self.product else None


class PlannedOrder:
    """An order before it is written: the fields of Order that creation sets, as plain attributes, for
    the same functions order_create uses (apply_totals, run_checks, search_document)."""

    __slots__ = (
        "amount_paid", "assigned_agent_id", "assigned_csr_id", "attributes", "billing_address", "channel", "channel_order_id",
        "channel_order_number", "created_at", "currency", "customer", "customer_email", "customer_name",
        "customer_phone", "customer_reference", "delivery_fee", "discount_total", "gift_message", "held_from", "notes", "number",
        "payment_method", "pk", "po_number", "priority", "shipping_address", "shipping_method", "source", "stage",
        "status", "subtotal", "tags", "tax_total", "total", "tracking_numbers", "warehouse_id",
    )  # fmt: skip

    # What creation never sets otherwise, for orders/copy_rows.order_row.
    version, is_deleted, deleted_at, deleted_by_id, delete_reason = 1, False, None, None, ""

    def __init__(self, **fields):
        self.pk = self.number = self.held_from = self.status = self.stage = None
        self.tracking_numbers = []
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


ORDER_NUMBERS = "orders_order_number_seq"  # the sequence behind Order.number's database default


def reserve_many(counts: dict[type[Model] | str, int]) -> dict[type[Model] | str, list[int]]:
    """`count` values from each sequence, ascending (nextval never repeats a value): a model's identity
    sequence, or a sequence by name (ORDER_NUMBERS, so that orders written by several connections at
    once are still numbered in the order they were planned). One round trip, each sequence's values as
    one array: a chunk's 5,000 line ids as 5,000 result rows, in four queries, cost the waiting reader
    more than the nextval calls themselves."""
    wanted = [(key, count) for key, count in counts.items() if count]
    reserved: dict[type[Model] | str, list[int]] = {key: [] for key in counts}
    if not wanted:
        return reserved
    # Each sequence is looked up once (OFFSET 0 keeps the planner from copying the lookup into every
    # row): looked up per row, it cost 5 µs of catalogue search per id.
    selects, params = [], []
    for key, count in wanted:
        sequence = "%s::regclass" if isinstance(key, str) else "pg_get_serial_sequence(%s, 'id')::regclass"
        selects.append(
            "(SELECT array_agg(n ORDER BY n) FROM (SELECT nextval(s.seq) AS n "
            f"FROM (SELECT {sequence} AS seq OFFSET 0) AS s, generate_series(1, %s)) AS ids)"
        )
        params += [key if isinstance(key, str) else key._meta.db_table, count]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        arrays = cursor.fetchone()
    for (key, _count), values in zip(wanted, arrays, strict=True):
        reserved[key] = values
    return reserved


HOLD_COLUMNS = [
    "order_id",
    "reason",
    "detail",
    "created_at",
    "created_by_id",
    "released_at",
    "released_by_id",
]
EVENT_COLUMNS = ["order_id", "type", "params", "actor_id", "actor_kind", "actor_label"]  # created_at: now()
REFUND_COLUMNS = [
    "id", "order_id", "kind", "amount", "currency", "method", "reason", "lines", "return_number",
    "recorded_by_id", "recorded_at", "executed_at", "executed_by_id", "reference", "reverses_id",
]  # fmt: skip


class OrderBatchCreator:
    """Creates orders in batches for one actor and source. Keep one per import: it remembers the
    products, customers and references it has seen, so later batches ask the database less."""

    def __init__(
        self,
        *,
        actor,
        source: str = "csv",
        describe_key=lambda key: f"item {key}",
        announce=None,
        allocate=None,
    ):
        # announce(order_ids, stock_allocated=...) runs after each batch commits; by default it sends
        # orders_created at once.
        # allocate(orders), when given, reserves stock inside the batch's transaction before the lines are
        # written (fulfilment.services.allocation_many.new_lines_allocate): it gets (order, lines) pairs,
        # sets the lines' quantity_allocated and returns the step that writes the allocations once the
        # lines are written. Without it, fulfilment allocates on orders_created, after the commit.
        self.announce = announce or announce_created
        self.allocate = allocate
        self.actor: Actor = as_actor(actor)
        self.source = source
        self.describe_key = describe_key
        self.rules = list(HoldRule.objects.filter(active=True))
        self.builtin = {status.stage: status for status in Status.objects.filter(is_builtin=True)}
        self.default_warehouse = Warehouse.objects.filter(is_default=True).first()
        self.manual_channel: Channel | None = None
        self.products: dict[str, Product | None] = {}
        self.customers: dict[str, NewCustomer] = {}  # lower-case email -> customer (saved or about to be)
        self.claimed: dict[tuple[int, str], int] = {}  # (channel, reference) -> key of its first order
        # The duplicate check's batch form; it remembers the orders planned in this run.
        self.duplicates = DuplicateFinder()
        self.order_extra_columns, self.order_extra = constant_columns(Order, ORDER_WRITTEN)
        self.line_extra_columns, self.line_extra = constant_columns(OrderLine, {*LINE_COLUMNS, "id"})
        self.hold_extra_columns, self.hold_extra = constant_columns(OrderHold, {*HOLD_COLUMNS, "id"})
        self.event_extra_columns, self.event_extra = constant_columns(
            OrderEvent, {*EVENT_COLUMNS, "id", "created_at"}
        )
        self.customer_extra_columns, self.customer_extra = constant_columns(Customer, set(CUSTOMER_COLUMNS))
        extra_columns, self.payment_extra = constant_columns(Payment, set(PAYMENT_COLUMNS))
        self.payment_columns = PAYMENT_COLUMNS + extra_columns
        self.payment_labels = dict(PaymentMethod.choices)

    # Planning: everything order_create decides, without writing ------------------------------------

    def plan(self, items: list[BatchOrder]) -> list[Planned]:
        """Decide what becomes of each order: rejected (with errors), skipped (its channel reference
        exists, deleted orders included), or created, on hold with the checks' findings or not."""
        now = timezone.now()
        planned: list[Planned] = []
        for item in items:
            errors = validate(item.data)
            customer = item.data.customer
            if customer is not None and customer.pk is None and customer.name.strip():
                errors.pop("customer", None)  # a new customer, created with the order
            planned.append(Planned(item, REJECTED, errors=errors) if errors else Planned(item, CREATED))
        live = [p for p in planned if p.result == CREATED]
        self._skip_existing(live)
        live = [p for p in live if p.result == CREATED]
        self._load_products({line.sku.strip() for p in live for line in p.item.data.lines})
        self._resolve_customers(live)
        built = [p for p in live if self._build(p, now)]
        checked = [self._checked(p) for p in built]
        # One query for the batch; each order also counts the ones planned before it as written.
        duplicates = self.duplicates.find([p.order for p in built], checked=checked)
        for p, check, duplicate in zip(built, checked, duplicates, strict=True):
            self._plan_status(p, checked=check, duplicate=duplicate)
        return planned

    def _channel(self, data: OrderInput) -> Channel:
        if data.channel is not None:
            return data.channel
        if self.manual_channel is None:
            self.manual_channel = Channel.objects.get(code="manual")
        return self.manual_channel

    def _skip_existing(self, planned: list[Planned]) -> None:
        by_channel: dict[int, list[Planned]] = defaultdict(list)
        for p in planned:
            reference = p.item.data.channel_order_id
            if not reference:
                continue
            channel = self._channel(p.item.data)
            first = self.claimed.get((channel.pk, reference))
            if first is not None:
                p.result = REJECTED
                p.errors = {
                    "channel_order_id": [
                        f"{reference} appears again; its first appearance was at {self.describe_key(first)}."
                    ]
                }
                continue
            self.claimed[(channel.pk, reference)] = p.item.key
            by_channel[channel.pk].append(p)
        for channel_id, group in by_channel.items():
            references = [p.item.data.channel_order_id for p in group]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT o.channel_order_id, o.id, o.number, o.is_deleted FROM orders_order o "
                    "JOIN unnest(%s::text[]) AS r(reference) ON o.channel_order_id = r.reference "
                    "WHERE o.channel_id = %s",
                    [sql_array(references), channel_id],
                )
                existing = {
                    reference: (pk, number, deleted) for reference, pk, number, deleted in cursor.fetchall()
                }
            for p in group:
                found = existing.get(p.item.data.channel_order_id)
                if found:
                    pk, number, deleted = found
                    p.result, p.existing_id = SKIPPED, pk
                    p.message = f"already imported as {settings.ORDER_NUMBER_PREFIX}{number}" + (
                        " (deleted)" if deleted else ""
                    )

    def _load_products(self, skus: set[str]) -> None:
        missing = [sku for sku in skus if sku not in self.products]
        if not missing:
            return
        for product in Product.objects.filter(sku__in=missing, active=True):
            self.products[product.sku] = product
        for sku in missing:
            self.products.setdefault(sku, None)
        if len(self.products) > 200_000:  # a bounded cache: a huge catalogue is re-read per batch
            self.products = {sku: self.products[sku] for sku in skus if sku in self.products}

    def _resolve_customers(self, planned: list[Planned]) -> None:
        """Same email, same customer: an existing one (the oldest), or one new customer for all of this
        run's orders with that email. Orders without an email get a customer of their own."""
        if len(self.customers) > 100_000:
            self.customers.clear()  # bounded memory; saved customers are found again by email
        wanted = set()
        for p in planned:
            customer = p.item.data.customer
            if customer.pk is None and customer.email:
                key = customer.email.strip().lower()
                if key not in self.customers:
                    wanted.add(key)
        if wanted:
            # One array parameter, not an IN list of ~2,000 placeholders that psycopg splits and quotes in
            # Python (about 7 ms a chunk). The fields creation reads, as a NewCustomer with its id: a
            # model instance per row cost more than the query.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT c.id, c.name, c.email, c.phone, c.company, c.address, c.requires_po_number, "
                    "e.email FROM orders_customer c "
                    "JOIN unnest(%s::text[]) AS e(email) ON lower(c.email) = e.email ORDER BY c.id DESC",
                    [sql_array(wanted)],
                )
                rows = cursor.fetchall()
            for pk, name, email, phone, company, address, requires_po_number, key in rows:
                address = json.loads(address) if isinstance(address, str) else address  # jsonb comes as text
                customer = NewCustomer(name=name, email=email, phone=phone, company=company, address=address)
                customer.pk, customer.requires_po_number = pk, requires_po_number
                self.customers[key] = customer  # the oldest wins: it is written last
        for p in planned:
            customer = p.item.data.customer
            if customer.pk is None and customer.email:
                key = customer.email.strip().lower()
                p.item.data.customer = self.customers.setdefault(key, customer)

    def _build(self, p: Planned, now: datetime) -> bool:
        """order_create's steps for one order up to its totals, with the batch's preloaded data; False
        when it is rejected."""
        data = p.item.data
        channel = self._channel(data)
        products = {line.sku.strip(): self.products.get(line.sku.strip()) for line in data.lines}
        products = {sku: product for sku, product in products.items() if product is not None}
        errors = validate_prices(data, products)
        if errors:
            p.result, p.errors = REJECTED, errors
            return False
        lines = build_lines(data, products, line_class=PlannedLine)
        warehouse = data.warehouse or self.default_warehouse
        order = PlannedOrder(
            **order_fields(data, channel=channel, source=self.source, warehouse=warehouse),
            created_at=p.item.created_at or now,
        )
        apply_totals(order, lines)
        if p.item.paid_in_full:
            data.amount_paid = order.amount_paid = order.total
        p.order, p.lines = order, lines
        return True

    @staticmethod
    def _checked(p: Planned) -> bool:
        """Whether the hold checks run: not on drafts, nor on historical orders past holding."""
        kept = p.item.status
        if kept is not None:
            return kept.stage in HOLDABLE or kept.stage == Stage.ON_HOLD
        return not p.item.data.draft

    def _plan_status(self, p: Planned, *, checked: bool, duplicate: str | None) -> None:
        """order_create's remaining steps for one built order: the checks (with the batch's answer to
        the duplicate check) and its initial status."""
        order, lines, data, kept = p.order, p.lines, p.item.data, p.item.status
        findings = (
            run_checks(order, lines, rules=self.rules, find_duplicate=lambda _order: duplicate)
            if checked
            else []
        )
        if kept is not None and kept.stage == Stage.ON_HOLD and not findings:
            findings = [Finding(HoldReason.MANUAL, "on hold in the imported file")]
        order.status, order.held_from = initial_status(
            data, total=order.total, findings=findings, builtin=self.builtin.__getitem__, kept=kept
        )
        order.stage = order.status.stage
        if order.stage in SHIPPED_STAGES:
            for line in lines:
                line.quantity_picked = line.quantity_packed = line.quantity_shipped = line.quantity
                if order.stage == Stage.RETURNED:
                    line.quantity_returned = line.quantity
        p.findings = findings
        p.result = HELD if findings else CREATED

    # Writing ------------------------------------------------------------------------------------------

    def prepare(self, planned: list[Planned]) -> "PreparedBatch":
        """Everything the write needs that is Python's work: ids reserved from the tables' sequences
        (new customers, orders, payments) and every row formatted for COPY. Writes nothing, so it can
        run ahead of the transaction that writes the batch (channels' import pipelines the two)."""
        creating = [p for p in planned if p.creates]
        batch = PreparedBatch(planned, creating)
        if not creating:
            return batch
        stamp = timezone.now().isoformat()
        new = list(
            {id(p.order.customer): p.order.customer for p in creating if p.order.customer.pk is None}.values()
        )
        paid = [p for p in creating if p.order.amount_paid > 0]
        ids = reserve_many(
            {
                Customer: len(new),
                Payment: len(paid),
                Order: len(creating),
                ORDER_NUMBERS: len(creating),
                OrderLine: sum(len(p.lines) for p in creating),
            }
        )
        for customer, customer_id in zip(new, ids[Customer], strict=True):
            customer.pk = customer_id
            batch.customers.append(customer_row(customer, created_at=stamp, extra=self.customer_extra))
        payment_ids = dict(zip((id(p) for p in paid), ids[Payment], strict=True))
        actor = self.actor
        user_id = copy_id(actor.user_id)
        tail = f"\t{user_id}\t{actor.kind}\t{copy_escape(actor.label)}{self.event_extra}\n"
        line_ids = iter(ids[OrderLine])
        for p, order_id, number in zip(creating, ids[Order], ids[ORDER_NUMBERS], strict=True):
            order = p.order
            order.pk, order.number = order_id, number
            batch.orders.append(
                order_row(
                    order,
                    created_at=order.created_at.isoformat(),
                    updated_at=stamp,
                    document=search_document(order, p.lines),
                    extra=self.order_extra,
                )
            )
            for line in p.lines:
                line.pk = next(line_ids)
            batch.lines.append([self._line_row(order_id, line) for line in p.lines])
            events = [
                f"{order_id}\t{EventType.CREATED}\t"
                f"{copy_json({'source': self.source, 'detail': p.item.source_detail, 'status': order.status.label})}"
                f"{tail}"
            ]
            payment = ""
            if id(p) in payment_ids:
                payment, params = self._payment_row(p, payment_ids[id(p)], stamp)
                events.append(f"{order_id}\t{MoneyEvent.PAYMENT_RECORDED}\t{params}{tail}")
            batch.payments.append(payment)
            holds = ""
            if p.findings:
                holds = "".join(
                    f"{order_id}\t{finding.reason}\t{copy_escape(finding.detail[:300])}\t{stamp}\t{user_id}\t"
                    f"{NULL}\t{NULL}{self.hold_extra}\n"
                    for finding in p.findings
                )
                held = {"reasons": [str(finding) for finding in p.findings]}
                events.append(f"{order_id}\t{EventType.HELD}\t{copy_json(held)}{tail}")
            events.extend(f"{order_id}\t{type}\t{copy_json(params)}{tail}" for type, params in p.item.events)
            batch.holds.append(holds)
            batch.events.append("".join(events))
        return batch

    def execute(self, batch: "PreparedBatch", *, wait_turn=None) -> list[Planned]:
        """Write a prepared batch; call inside a transaction. An order whose channel reference was taken
        meanwhile (another import, a webhook) becomes SKIPPED, and nothing of it is written.

        `wait_turn`, when given, is called once the batch's own new rows are in (customers, orders,
        holds, payments, their events) and before anything shared is touched (stock rows, then the
        lines that depend on them): a caller writing several batches at once on several connections
        makes each batch wait there until the one before it has committed."""
        if not batch.creating:
            if wait_turn is not None:
                wait_turn()
            return batch.planned
        with service_context("order_create_many", self.actor):
            copy_lines(
                Customer._meta.db_table, CUSTOMER_COLUMNS + self.customer_extra_columns, batch.customers
            )
            inserted = self._insert_orders(batch.orders)
            kept = []
            for index, p in enumerate(batch.creating):
                if p.order.pk in inserted:
                    kept.append(index)
                else:
                    p.result, p.message, p.order = (
                        SKIPPED,
                        "already imported (by another import at the same time)",
                        None,
                    )
            copy_lines(
                OrderHold._meta.db_table,
                HOLD_COLUMNS + self.hold_extra_columns,
                [batch.holds[i] for i in kept],
            )
            copy_lines(Payment._meta.db_table, self.payment_columns, [batch.payments[i] for i in kept])
            copy_lines(
                OrderEvent._meta.db_table,
                EVENT_COLUMNS + self.event_extra_columns,
                [batch.events[i] for i in kept],
            )
            self.write_refunds([batch.creating[i] for i in kept])
            if wait_turn is not None:
                wait_turn()
            # Stock is reserved last, so that its rows stay locked only for the end of the transaction.
            allocations_write = None
            if self.allocate is not None:
                allocations_write = self.allocate(
                    [(batch.creating[i].order, batch.creating[i].lines) for i in kept]
                )
            # A line's row was formatted in two parts around quantity_allocated, known only now.
            copy_lines(
                OrderLine._meta.db_table,
                ["id", *LINE_COLUMNS, *self.line_extra_columns],
                [
                    "".join(f"{head}{line.quantity_allocated}{tail}" for line, head, tail in batch.lines[i])
                    for i in kept
                ],
            )
            if allocations_write is not None:
                allocations_write()
        order_ids = [batch.creating[i].order.pk for i in kept]
        if order_ids:
            allocated = self.allocate is not None
            transaction.on_commit(lambda: self.announce(order_ids, stock_allocated=allocated))
        return batch.planned

    def write(self, planned: list[Planned]) -> list[Planned]:
        """prepare() and execute() in one go; call inside a transaction."""
        return self.execute(self.prepare(planned))

    def _line_row(self, order_id: int, line: PlannedLine) -> tuple[PlannedLine, str, str]:
        """The line's row for COPY, with the id reserved for it, as (line, the columns before
        quantity_allocated, the columns after)."""
        head, tail = line_row(order_id, line, self.line_extra)
        return line, f"{line.pk}\t{head}", tail

    def _payment_row(self, p: Planned, payment_id: int, stamp: str) -> tuple[str, str]:
        """The payment the order arrived with, as money.payment_record_at_creation records it, and its
        timeline event's parameters."""
        order = p.order
        reference = payment_reference(order)
        row = payment_row(
            payment_id,
            order,
            recorded_by_id=self.actor.user_id,
            recorded_at=p.item.paid_at.isoformat() if p.item.paid_at else stamp,
            extra=self.payment_extra,
        )
        params = {
            "payment": payment_id,
            "amount": str(order.amount_paid),
            "currency": order.currency,
            "method": self.payment_labels.get(order.payment_method, order.payment_method),
            "reference": reference,
            "collected_by": "",
        }
        return row, copy_json(params)

    def write_refunds(self, planned: list[Planned]) -> None:
        """The refunds these just-written orders arrived with (BatchOrder.refund), each as refund_record
        and refund_execute leave it: a Refund row paid out, and its "recorded" and "paid out" timeline
        events in the money services' own words. Call inside the batch's transaction."""
        due = [(p, amount) for p in planned if p.item.refund is not None and (amount := refund_due(p)) > 0]
        if not due:
            return
        extra_columns, extra = constant_columns(Refund, set(REFUND_COLUMNS))
        ids = reserve_many({Refund: len(due)})[Refund]
        stamp = timezone.now()
        actor = self.actor
        user_id = copy_id(actor.user_id)
        tail = f"\t{user_id}\t{actor.kind}\t{copy_escape(actor.label)}{self.event_extra}\n"
        rows, events = [], []
        for (p, amount), refund_id in zip(due, ids, strict=True):
            order, given = p.order, p.item.refund
            at = (given.at or stamp).isoformat()
            refund = Refund(
                pk=refund_id, order_id=order.pk, kind=given.kind, amount=amount, currency=order.currency,
                method=order.payment_method, reason=given.reason.strip()[:300],
                reference=(given.reference.strip() or order.channel_order_number or "imported")[:100],
            )  # fmt: skip
            rows.append(
                f"{refund_id}\t{order.pk}\t{refund.kind}\t{amount}\t{copy_escape(refund.currency)}\t"
                f"{refund.method}\t{copy_escape(refund.reason)}\t[]\t\t{user_id}\t{at}\t{at}\t{user_id}\t"
                f"{copy_escape(refund.reference)}\t{NULL}{extra}\n"
            )
            recorded = copy_json(refund_recorded_params(refund))
            executed = copy_json(refund_executed_params(refund))
            events.append(f"{order.pk}\t{MoneyEvent.REFUND_RECORDED}\t{recorded}{tail}")
            events.append(f"{order.pk}\t{MoneyEvent.REFUND_EXECUTED}\t{executed}{tail}")
        copy_lines(Refund._meta.db_table, REFUND_COLUMNS + extra_columns, rows)
        copy_lines(OrderEvent._meta.db_table, EVENT_COLUMNS + self.event_extra_columns, events)

    def _insert_orders(self, rows: list[str]) -> set[int]:
        """copy_rows.insert_orders; returns the ids of the orders written (not those whose channel
        reference was taken meanwhile). `stage` is taken from the status row in that INSERT, so the
        order_stage_follows_status trigger is set aside for it: once per order it would cost as much as
        the rest of the row."""
        with set_based("order_stage"):
            return insert_orders(rows, self.order_extra_columns)


def refund_due(p: Planned) -> Decimal:
    """The refund a planned order arrives with: what BatchOrder.refund says (all of it when it gives
    no amount), never more than the order arrived paid with (refund_record's rule)."""
    refund = p.item.refund
    if refund is None or p.order is None:
        return Decimal("0.00")
    paid = p.order.amount_paid
    amount = paid if refund.amount is None else min(money(refund.amount), paid)
    return max(amount, Decimal("0.00"))


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


def order_create_many(*, items: list[BatchOrder], actor, source: str = "csv") -> list[Planned]:
    """Plan and write one batch in one transaction (for callers without their own batching)."""
    creator = OrderBatchCreator(actor=actor, source=source)
    with transaction.atomic():
        return creator.write(creator.plan(items))
