"""Many orders at once (CSV imports, backfills): order_create's rules, batched for speed.

Over 400 lines because one class plans, formats and writes a batch, and splitting it would spread
its per-row cost decisions (the import's budget) over several files.

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
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.postgresql.copy import copy_escape, copy_lines
from config.postgresql.lookups import sql_array
from config.postgresql.sequences import ORDER_NUMBERS, reserve_many
from config.postgresql.triggers import set_based
from orders.actors import Actor, as_actor
from orders.copy_rows import (  # NULL and copy_json: also imported from here by fulfilment's batch allocation
    CUSTOMER_COLUMNS,
    HOLD_COLUMNS,
    LINE_COLUMNS,
    NULL,
    ORDER_WRITTEN,
    PAYMENT_COLUMNS,
    constant_columns,
    copy_id,
    customer_row,
    insert_orders,
    line_row,
    order_row,
    payment_reference,
    payment_row,
)
from orders.events import EventRows, EventType
from orders.holds import DuplicateFinder, Finding, door_findings, run_checks
from orders.inputs import OrderInput, validate, validate_prices
from orders.models import (
    Channel,
    Customer,
    HoldReason,
    Order,
    OrderEvent,
    OrderHold,
    OrderLine,
    PaymentMethod,
    Product,
)
from orders.money.events import MoneyEvent
from orders.money.models import Payment
from orders.money.services.refunds import (
    refunds_at_creation_many,
)
from orders.reference import order_reference
from orders.services.common import service_context
from orders.services.create import apply_totals, build_lines, initial_status, order_fields, search_document
from orders.services.planned import (
    CREATED,
    HELD,
    REJECTED,
    SHIPPED_STAGES,
    SKIPPED,
    BatchOrder,
    NewCustomer,
    Planned,
    PlannedLine,
    PlannedOrder,
    PreparedBatch,
)
from orders.ship_by import ShipByBook, ship_by_for_new
from orders.signals import orders_created
from orders.workflow import HOLDABLE, Stage


def announce_created(order_ids: list[int], *, stock_allocated: bool = False) -> None:
    """Tell other apps (fulfilment allocates stock, unless the batch did) that these orders were created."""
    orders_created.send(sender=Order, order_ids=order_ids, stock_allocated=stock_allocated)


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
        # written (fulfilment.services.allocation.new_lines_allocate): it gets (order, lines) pairs,
        # sets the lines' quantity_allocated and returns the step that writes the allocations once the
        # lines are written. Without it, fulfilment allocates on orders_created, after the commit.
        self.announce = announce or announce_created
        self.allocate = allocate
        self.actor: Actor = as_actor(actor)
        self.source = source
        self.describe_key = describe_key
        self.known = order_reference()  # the reference data, read (or found kept) once per batch
        self.ship_by_book = ShipByBook(rules=self.known.ship_by_rules)
        self.products: dict[str, Product | None] = {}
        self.customers: dict[str, NewCustomer] = {}  # lower-case email -> customer (saved or about to be)
        self.claimed: dict[tuple[int, str], int] = {}  # (channel, reference) -> key of its first order
        # The duplicate check's batch form; it remembers the orders planned in this run.
        self.duplicates = DuplicateFinder()
        self.order_extra_columns, self.order_extra = constant_columns(Order, ORDER_WRITTEN)
        self.line_extra_columns, self.line_extra = constant_columns(OrderLine, {*LINE_COLUMNS, "id"})
        self.hold_extra_columns, self.hold_extra = constant_columns(OrderHold, {*HOLD_COLUMNS, "id"})
        self.event_rows = EventRows(self.actor)  # the timeline's one row builder (orders/events.py)
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
        return self.known.channel("manual")

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
        known = self.products
        products = {}
        for line in data.lines:
            sku = line.sku.strip()
            product = known.get(sku)
            if product is not None:
                products[sku] = product
        errors = validate_prices(data, products)
        if errors:
            p.result, p.errors = REJECTED, errors
            return False
        lines = build_lines(data, products, line_class=PlannedLine)
        warehouse = data.warehouse or self.known.default_warehouse
        order = PlannedOrder(
            order_fields(data, channel=channel, source=self.source, warehouse=warehouse),
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
            run_checks(order, lines, rules=self.known.hold_rules, find_duplicate=lambda _order: duplicate)
            + door_findings(data)
            if checked
            else []
        )
        if kept is not None and kept.stage == Stage.ON_HOLD and not findings:
            findings = [Finding(HoldReason.MANUAL, "on hold in the imported file")]
        order.status, order.held_from = initial_status(
            data, total=order.total, findings=findings, builtin=self.known.builtin.__getitem__, kept=kept
        )
        order.stage = order.status.stage
        ship_by_for_new(order, book=self.ship_by_book)
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
        event = self.event_rows.line
        line_ids = iter(ids[OrderLine])
        created_text: dict = {}  # isoformat() once per creation time: an import's orders share one
        for p, order_id, number in zip(creating, ids[Order], ids[ORDER_NUMBERS], strict=True):
            order = p.order
            order.pk, order.number = order_id, number
            created_at = created_text.get(order.created_at)
            if created_at is None:
                created_at = created_text[order.created_at] = order.created_at.isoformat()
            batch.orders.append(
                order_row(
                    order,
                    created_at=created_at,
                    updated_at=stamp,
                    document=search_document(order, p.lines),
                    extra=self.order_extra,
                )
            )
            for line in p.lines:
                line.pk = next(line_ids)
            batch.lines.append([self._line_row(order_id, line) for line in p.lines])
            created = {"source": self.source, "detail": p.item.source_detail, "status": order.status.label}
            events = [event(order_id, EventType.CREATED, created)]
            payment = ""
            if id(p) in payment_ids:
                payment, params = self._payment_row(p, payment_ids[id(p)], stamp)
                events.append(event(order_id, MoneyEvent.PAYMENT_RECORDED, params))
            batch.payments.append(payment)
            holds = ""
            if p.findings:
                holds = "".join(
                    f"{order_id}\t{finding.reason}\t{copy_escape(finding.detail[:300])}\t{stamp}\t{user_id}\t"
                    f"{NULL}\t{NULL}{self.hold_extra}\n"
                    for finding in p.findings
                )
                held = {"reasons": [str(finding) for finding in p.findings]}
                events.append(event(order_id, EventType.HELD, held))
            events.extend(event(order_id, type, params) for type, params in p.item.events)
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
                self.event_rows.columns,
                [batch.events[i] for i in kept],
            )
            refunds_at_creation_many(self.event_rows, [batch.creating[i] for i in kept])
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

    def _payment_row(self, p: Planned, payment_id: int, stamp: str) -> tuple[str, dict]:
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
        return row, params

    def _insert_orders(self, rows: list[str]) -> set[int]:
        """copy_rows.insert_orders; returns the ids of the orders written (not those whose channel
        reference was taken meanwhile). `stage` is taken from the status row in that INSERT, so the
        order_stage_follows_status trigger is set aside for it: once per order it would cost as much as
        the rest of the row."""
        with set_based("order_stage"):
            return insert_orders(rows, self.order_extra_columns)


def order_create_many(*, items: list[BatchOrder], actor, source: str = "csv") -> list[Planned]:
    """Plan and write one batch in one transaction (for callers without their own batching)."""
    creator = OrderBatchCreator(actor=actor, source=source)
    with transaction.atomic():
        return creator.write(creator.plan(items))
