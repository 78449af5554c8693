"""Generate many realistic orders fast with PostgreSQL COPY: benchmark data (1M orders).

One long module on purpose: the life story of an order in every stage (its holds, moves, payments,
events and their timing) is one simulation that reads best in one place. Names, addresses and the
catalogue come from orders/sample_data.py, rows are laid out by orders/copy_rows.py.

    python -m bench.generate_orders --count 1000000 [--seed 7] [--batch 50000] [-v 2]

It writes into the application's database (DATABASE_URL, or the embedded server), as the benchmark's
orders suite does into the benchmark database (bench/suites/orders.py calls generate_orders()).

Each run appends: it creates its own customers (count / 10), makes sure the product catalogue (500
SKUs with barcodes), the sales channels (Shopify, TikTok Shop, eBay, WooCommerce beside manual and
csv) and a second warehouse exist, and writes orders in every stage with their lines, holds, payments
and timeline events. The rows are the records the services write, laid out by the same formatters as
the batched creation of imports (orders/copy_rows.py): an order that is paid has the Payment rows its
amount_paid is the sum of, with their `payment.recorded` events. Ids and order numbers are reserved up front with nextval() on the tables' identity
sequences and on `orders_order_number_seq` (the sequence the number's database default uses):
nextval() never hands a value out twice, so a second run, or orders the application creates
meanwhile, never collide. Measured on the 2-core benchmark machine (PostgreSQL 15, other jobs
running, load average 2.5 to 5.9): 1,000,000 orders with 1.7M lines and 5.1M events in 293 s, peak
RSS 347 MB (docs/benchmarks.md).

How the rows are written, and why
---------------------------------
* Python formats COPY text rows (orders, lines, customers and payments with orders/copy_rows.py) (money as integer cents, so totals add up exactly to the lines the
  way `orders.services.create.apply_totals` computes them) in a background thread, 10,000 orders at
  a time, while the main thread writes the previous chunk: the database driver lets go of the GIL
  while PostgreSQL works, so both cores are busy. At most three chunks are in memory.
* Orders are COPYed into a temporary staging table together with their search document (the text
  `orders.services.create.search_document()` builds), then moved with one INSERT ... SELECT that
  computes `to_tsvector('simple', doc)` and takes `stage` from the order's status row, the same
  lookup the `order_stage_follows_status` trigger makes, so `stage` is right whether the trigger
  runs or not. Measured for 50,000 orders onto ~150,000 with every index in place: staging COPY
  0.6 s + INSERT ... SELECT 5.9 s, against COPY straight into orders_order 4.3 s + COPY the
  documents and UPDATE search_vector 8.4 s (the UPDATE writes every row and its 24 indexes again).
* When the database user is a superuser (the embedded server and the benchmark server), each
  transaction runs with `SET LOCAL session_replication_role = replica`, which skips triggers: the
  stage trigger (its value is already set, above) and the deferred foreign-key checks (every id
  written comes from rows this command read or created). pghistory's triggers fire on UPDATE only,
  and nothing here updates. The dashboard's hourly summary, which triggers keep, is counted for the
  new orders in the same transaction (orders/dashboard/activity.py, activity_add_orders). The role is set back to `origin` before the transaction ends, after a
  check that every new row's stage matches its status. Same 50,000 orders with the triggers on:
  8.7 s insert, 6.2 s for the events, and 16.1 s at COMMIT for the deferred foreign-key checks,
  against 5.9 s, 2.0 s and 0.01 s. Without superuser rights the same rows go in with the triggers
  on, only slower; `--with-triggers` forces that path.
* Large runs (`--indexes auto`: at least 100,000 orders and at least as many as the table holds)
  drop the secondary indexes of orders, lines and events (never a constraint's index), write
  everything in ONE transaction and build the indexes again before it commits: an interrupted run
  leaves nothing behind, not even a missing index. Measured for 200,000 orders onto 200,000, the
  other indexes dropped in both cases: 9.7 s to write + 11.1 s to build the search (GIN) index,
  against 36.3 s + 3.4 s writing into it. Small runs (`keep`) write into the indexed tables and
  commit every `--batch` orders.
* At the end: VACUUM (ANALYZE) after a bulk load (sets the visibility map, so the list's capped
  counts stay index-only), ANALYZE after a small run or inside an outer transaction (tests).
* Lines get no stock allocations (quantity_allocated 0): allocations are fulfilment's rows, for
  stock this command does not invent; receiving stock allocates open orders first in, first out.
"""

import argparse
import json
import math
import os
import queue
import random
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import django

if __name__ == "__main__":  # run as a program: the settings and the app registry before the models below
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from config.postgresql.copy import copy_escape, copy_lines
from orders.actors import Actor
from orders.copy_rows import (
    LINE_COLUMNS,
    ORDER_WRITTEN,
    PAID_AT_CREATION,
    PAYMENT_COLUMNS,
    constant_columns,
    insert_orders,
    line_row,
    order_row,
    payment_reference,
    payment_row,
)
from orders.dashboard.activity import activity_add_orders
from orders.events import EventRows, EventType
from orders.models import (
    Channel,
    HoldReason,
    Order,
    OrderHold,
    OrderLine,
    PaymentMethod,
    Product,
    Status,
    Warehouse,
)
from orders.money.events import MoneyEvent
from orders.money.models import Payment
from orders.sample_data import (
    DAY,
    EMAIL_DOMAINS,
    HISTORY_DAYS,
    NOTES,
    CustomerRow,
    create_customers,
    cumulative,
    ensure_catalogue,
    ensure_channels,
    money,
    reserve_ids,
    timestamp,
    words,
)
from orders.workflow import Stage, payment_required_before_fulfilment


class CommandError(Exception):
    """A run that cannot go ahead, with what to do about it."""


S = Stage

EMAIL_DOMAINS += [("proton.me", 2), ("aol.com", 2), ("fastmail.com", 1), ("gmx.de", 1), ("orange.fr", 1)]

CHANNEL_WEIGHTS = {"shopify": 34, "woocommerce": 19, "tiktok": 15, "ebay": 14, "manual": 12, "csv": 6}

PAYMENT_BY_CHANNEL = {
    "shopify": [("card", 70), ("cash", 18), ("transfer", 5), ("channel", 7)],
    "woocommerce": [("card", 55), ("cash", 25), ("transfer", 15), ("pos", 5)],
    "tiktok": [("channel", 80), ("cash", 20)],
    "ebay": [("channel", 100)],
    "manual": [("cash", 40), ("card", 30), ("transfer", 18), ("pos", 12)],
    "csv": [("card", 50), ("transfer", 30), ("cash", 20)],
}

SHIPPING_METHODS = [("Standard", 60), ("Express", 24), ("Next day", 10), ("Economy", 6)]

DELIVERY_FEES = [(0, 35), (499, 30), (799, 20), (1250, 10), (1999, 5)]  # cents

TAGS = words("vip gift wholesale priority fragile repeat-customer influencer promo subscription")

GIFT_MESSAGES = [
    "Happy birthday!",
    "Congratulations on the new job!",
    "Merry Christmas, love from us all.",
    "Thank you!",
]

MANUAL_HOLD_REASONS = [
    "Customer asked us to wait until they are back from holiday",
    "Checking stock of the second item with the supplier",
    "Address looks incomplete, emailing the customer",
    "Waiting for the customer to confirm the colour",
    "Fraud check: billing and shipping countries differ",
]

CANCEL_REASONS = [
    "Customer cancelled",
    "Payment failed",
    "Out of stock",
    "Duplicate order",
    "Address undeliverable",
]

FAILED_REASONS = ["Nobody home", "Address not found", "Customer refused the parcel", "Access code missing"]

RETURN_REASONS = ["Wrong size", "Damaged in transit", "Changed mind", "Not as described"]

DELETE_REASONS = ["Test order", "Duplicate entered by mistake", "Customer data removal request"]

# Which stage orders of a given age (in days) are in: the old ones are almost all done.
STAGE_MIX_BY_AGE: list[tuple[float, dict[Stage, float]]] = [
    (1, {S.AWAITING_PAYMENT: 9, S.DRAFT: 2, S.PROCESSING: 36, S.PICKING: 10, S.PICKED: 6, S.PACKED: 7,
         S.SHIPPED: 12, S.DELIVERED: 2, S.ON_HOLD: 12, S.CANCELLED: 4}),
    (7, {S.AWAITING_PAYMENT: 2, S.DRAFT: 0.5, S.PROCESSING: 6, S.PICKING: 2, S.PICKED: 1.5, S.PACKED: 2,
         S.SHIPPED: 38, S.DELIVERED: 33, S.DELIVERY_FAILED: 3, S.ON_HOLD: 5, S.CANCELLED: 6, S.RETURNED: 1}),
    (45, {S.AWAITING_PAYMENT: 0.3, S.DRAFT: 0.2, S.PROCESSING: 0.7, S.PICKING: 0.2, S.PICKED: 0.1,
          S.PACKED: 0.2, S.SHIPPED: 5, S.DELIVERED: 79, S.DELIVERY_FAILED: 2, S.ON_HOLD: 1.3,
          S.CANCELLED: 7, S.RETURNED: 4}),
    (math.inf, {S.AWAITING_PAYMENT: 0.1, S.DRAFT: 0.1, S.PROCESSING: 0.3, S.PICKING: 0.05, S.PICKED: 0.05,
                S.PACKED: 0.05, S.SHIPPED: 0.8, S.DELIVERED: 84, S.DELIVERY_FAILED: 0.8, S.ON_HOLD: 0.6,
                S.CANCELLED: 8, S.RETURNED: 5}),
]  # fmt: skip

# Hold reasons for orders on hold (weights); the order's data is made to match the reason.
HOLD_MIX = [
    (HoldReason.MISSING_ADDRESS, 18),
    (HoldReason.MISSING_SHIPPING_METHOD, 14),
    (HoldReason.UNKNOWN_SKU, 10),
    (HoldReason.MISSING_PO_NUMBER, 8),
    (HoldReason.PAYMENT_MISMATCH, 10),
    (HoldReason.SUSPECTED_DUPLICATE, 10),
    (HoldReason.OVER_VALUE, 5),
    (HoldReason.MANUAL, 25),
]

# Seconds a transition into the stage takes after the previous one: (shortest, longest).
DELAYS = {
    S.PROCESSING: (60, 2 * DAY),
    S.PICKING: (1800, 20 * 3600),
    S.PICKED: (300, 5400),
    S.PACKED: (180, 3600),
    S.SHIPPED: (1800, 8 * 3600),
    S.DELIVERED: (DAY, 5 * DAY),
    S.DELIVERY_FAILED: (DAY, 4 * DAY),
    S.RETURNED: (3 * DAY, 25 * DAY),
    S.CANCELLED: (600, 3 * DAY),
    S.ON_HOLD: (600, DAY),
}

FULFILMENT = [S.PICKING, S.PICKED, S.PACKED, S.SHIPPED]

SHIPPED_OR_LATER = frozenset({S.SHIPPED, S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED})


HOLD_COLUMNS = [
    "order_id",
    "reason",
    "detail",
    "created_at",
    "created_by_id",
    "released_at",
    "released_by_id",
]

PRODUCT_COLUMNS = ["sku", "name", "barcode", "price", "tax_rate", "weight_grams", "shippable", "active"]

NULL = "\\N"


def json_text(value) -> str:
    return copy_escape(json.dumps(value, separators=(", ", ": ")))


@dataclass
class Reference:
    """What orders point at: read (or created) once per run."""

    channels: list[tuple[int, str, str]]  # (id, code, escaped name)
    channel_totals: list[float]
    statuses: dict[str, list[tuple[int, str]]]  # stage -> [(id, label)], built-in first
    builtin: dict[str, tuple[int, str]]
    warehouses: list[int]
    default_warehouse: int | None
    products: list[tuple[int, str, str, int, int]]  # (id, sku, name, price cents, tax hundredths)
    csrs: list[tuple[int, str]]  # (id, name)
    agents: list[tuple[int, str]]
    warehouse_staff: list[int]
    managers: list[int]


def load_reference(skus: list[str]) -> Reference:
    ensure_channels()
    if not Warehouse.objects.filter(code="east").exists():
        Warehouse.objects.create(code="east", name="East fulfilment centre")
    # The shops' and Packline's own channels; not the suites' (bench/cleanup.py), whose orders are removed.
    shops = Channel.objects.filter(active=True).exclude(code__startswith="bench-").order_by("pk")
    channels = [(c.pk, c.code, copy_escape(c.name)) for c in shops]
    _, channel_totals = cumulative((code, CHANNEL_WEIGHTS.get(code, 2)) for _pk, code, _name in channels)
    statuses: dict[str, list[tuple[int, str]]] = {}
    builtin = {}
    for status in Status.objects.order_by("-is_builtin", "position", "pk"):
        statuses.setdefault(status.stage, []).append((status.pk, status.label))
        if status.is_builtin:
            builtin[status.stage] = (status.pk, status.label)
    missing = set(Stage.values) - set(builtin)
    if missing:
        raise CommandError(f"No built-in status for stages {sorted(missing)}; run migrate first.")
    warehouses = list(
        Warehouse.objects.filter(active=True).order_by("-is_default", "pk").values_list("pk", flat=True)
    )
    default = Warehouse.objects.filter(is_default=True).values_list("pk", flat=True).first()
    products = [
        (p.pk, p.sku, p.name, int(p.price * 100), int(p.tax_rate * 100))
        for p in Product.objects.filter(sku__in=skus).order_by("sku")
    ]
    User = get_user_model()
    active = User.objects.filter(is_active=True).order_by("pk")

    def people(*groups: str) -> list[tuple[int, str]]:
        return [(user.pk, str(user)) for user in active.filter(groups__name__in=groups).distinct()]

    return Reference(
        channels=channels,
        channel_totals=channel_totals,
        statuses=statuses,
        builtin=builtin,
        warehouses=warehouses,
        default_warehouse=default,
        products=products,
        csrs=people("csr"),
        agents=people("agent"),
        warehouse_staff=[pk for pk, _name in people("warehouse")],
        managers=[pk for pk, _name in people("manager", "superadmin")],
    )


@dataclass
class Batch:
    """COPY rows for one batch of orders."""

    orders: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    stages: dict[str, int] = field(default_factory=dict)


class GeneratedOrder:
    """An order's fields under Order's attribute names, for copy_rows.order_row (money as text)."""

    __slots__ = (
        "amount_paid", "assigned_agent_id", "assigned_csr_id", "billing_address", "channel_id", "channel_order_id",
        "channel_order_number", "currency", "customer_email", "customer_id", "customer_name", "customer_phone",
        "customer_reference", "delete_reason", "deleted_at", "deleted_by_id", "delivery_fee", "discount_total",
        "gift_message", "held_from_id", "is_deleted", "notes", "number", "payment_method", "pk", "po_number",
        "priority", "shipping_address", "shipping_method", "source", "stage", "status_id", "subtotal", "tags",
        "tax_total", "total", "tracking_numbers", "version", "warehouse_id",
    )  # fmt: skip

    attributes: dict = {}  # generated orders carry no channel attributes (read-only, shared)
    ship_by = None  # nor a shop's ship-by date

    def __init__(self, **fields):
        for name, value in fields.items():
            setattr(self, name, value)


class GeneratedLine:
    """A line's fields under OrderLine's attribute names, for copy_rows.line_row (money as text)."""

    FIELDS = (
        "position", "product_id", "sku", "name", "quantity", "unit_price", "discount", "tax_rate", "tax_amount",
        "line_total", "warehouse_id", "quantity_picked", "quantity_packed", "quantity_shipped",
        "quantity_cancelled", "quantity_returned",
    )  # fmt: skip
    __slots__ = FIELDS

    def __init__(self, *values):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)


class OrderFactory:
    """Makes the COPY rows of realistic orders; one instance per run."""

    def __init__(self, reference: Reference, customers: list[CustomerRow], rng: random.Random, *, now: float):
        self.ref = reference
        self.customers = customers
        self.rng = rng
        self.now = now
        self.currency = settings.DEFAULT_CURRENCY.upper()
        self.hold_threshold = int(float(settings.HOLD_VALUE_THRESHOLD or 0) * 100)
        self.stage_mix = [(limit, *cumulative(mix.items())) for limit, mix in STAGE_MIX_BY_AGE]
        self.payments = {code: cumulative(mix) for code, mix in PAYMENT_BY_CHANNEL.items()}
        self.shipping = cumulative(SHIPPING_METHODS)
        self.fees = cumulative(DELIVERY_FEES)
        self.holds = cumulative(HOLD_MIX)
        self.line_counts = cumulative([(1, 55), (2, 25), (3, 13), (4, 7)])
        # Popular products sell more: weight 1 / (rank + 10).
        self.product_totals = cumulative((p, 1 / (rank + 10)) for rank, p in enumerate(reference.products))
        self.requires_payment = {
            method: payment_required_before_fulfilment(method) for method in PaymentMethod.values
        }
        self._event_rows: dict[tuple[str, str, str], EventRows] = {}
        self._event_shared: dict[tuple, str] = {}
        self._user = get_user_model()
        self.payment_labels = dict(PaymentMethod.choices)
        self.order_extra_columns, self.order_extra = constant_columns(Order, ORDER_WRITTEN)
        self.line_extra_columns, self.line_extra = constant_columns(OrderLine, {*LINE_COLUMNS, "id"})
        self.payment_extra_columns, self.payment_extra = constant_columns(Payment, set(PAYMENT_COLUMNS))

    # Small helpers ------------------------------------------------------------------------------

    def pick(self, pair):
        return self.rng.choices(pair[0], cum_weights=pair[1])[0]

    def status_for(self, stage: str, *, final: bool) -> tuple[int, str]:
        """The built-in status, or now and then a manager's own status in the same stage."""
        options = self.ref.statuses[stage]
        if final and len(options) > 1 and self.rng.random() < 0.3:
            return self.rng.choice(options[1:])
        return self.ref.builtin[stage]

    def stage_for_age(self, age_days: float) -> str:
        for limit, stages, totals in self.stage_mix:
            if age_days <= limit:
                return self.rng.choices(stages, cum_weights=totals)[0]
        raise AssertionError("the last age bucket is unbounded")

    def event(
        self, order_id: int, who: tuple[str, str, str], type: str, params: dict, at: float, key=None
    ) -> str:
        """One timeline row, made by the timeline's own row builder (orders.events.EventRows) for the
        actor `who` (user id or NULL, kind, label). The same few (actor, params) combinations recur: with
        a `key`, their shared part is formatted once."""
        rows = self._event_rows.get(who)
        if rows is None:
            user_id, kind, label = who
            user = None if user_id == NULL else self._user(pk=int(user_id))
            rows = self._event_rows[who] = EventRows(Actor(user=user, kind=kind, label=label), dated=True)
        if key is None:
            return rows.line(order_id, type, params, at=timestamp(at))
        shared = self._event_shared.get((who, key))
        if shared is None:
            shared = self._event_shared[(who, key)] = rows.shared(type, params)
        return rows.join(order_id, shared, timestamp(at))

    # One order ----------------------------------------------------------------------------------

    def path(self, stage: str, payment_method: str) -> tuple[str, list[str]]:
        """The stage the order was created in and the stages it moved through to reach `stage`."""
        rng = self.rng
        paid_later = payment_method == "transfer" or (
            self.requires_payment[payment_method] and rng.random() < 0.15
        )
        start = [S.AWAITING_PAYMENT, S.PROCESSING] if paid_later else [S.PROCESSING]
        shipping = FULFILMENT if rng.random() < 0.75 else [S.SHIPPED]
        match stage:
            case S.AWAITING_PAYMENT | S.DRAFT:
                steps = [stage]
            case S.PROCESSING:
                steps = start
            case S.PICKING | S.PICKED | S.PACKED:
                steps = start + FULFILMENT[: FULFILMENT.index(stage) + 1]
            case S.SHIPPED:
                steps = start + shipping
            case S.DELIVERED | S.DELIVERY_FAILED:
                steps = start + shipping + [stage]
            case S.RETURNED:
                steps = (
                    start + shipping + ([S.DELIVERED, S.RETURNED] if rng.random() < 0.85 else [S.RETURNED])
                )
            case S.CANCELLED:
                steps = ([S.AWAITING_PAYMENT] if paid_later else [S.PROCESSING]) + [S.CANCELLED]
            case S.ON_HOLD:
                # Most holds come from the creation checks; some are a CSR's hand later on.
                steps = [S.ON_HOLD] if rng.random() < 0.7 else [*start, S.ON_HOLD]
            case _:
                raise AssertionError(stage)
        return steps[0], steps[1:]

    def order(
        self, batch: Batch, order_id: int, number: int, created: float, stage: str, payment_id: int
    ) -> None:
        rng = self.rng
        ref = self.ref
        customer = self.customers[int(len(self.customers) * rng.random() ** 1.6)]
        channel_index = rng.choices(range(len(ref.channels)), cum_weights=ref.channel_totals)[0]
        channel_id, channel_code, channel_name = ref.channels[channel_index]
        payment = self.payments.get(channel_code) or self.payments["shopify"]
        payment_method = self.pick(payment)
        if stage == S.AWAITING_PAYMENT and not self.requires_payment[payment_method]:
            payment_method = "transfer"
        initial, moves = self.path(stage, payment_method)

        # Lines and totals, in cents.
        line_count = self.pick(self.line_counts)
        products = rng.choices(self.product_totals[0], cum_weights=self.product_totals[1], k=line_count)
        subtotal = discount_total = tax_total = 0
        warehouse_id = (
            ref.default_warehouse
            if rng.random() < 0.8 or len(ref.warehouses) < 2
            else rng.choice(ref.warehouses)
        )
        shipped = stage in SHIPPED_OR_LATER
        line_specs = []
        seen = set()
        for product_id, sku, name, price, tax_rate in products:
            if product_id in seen:
                continue
            position = len(line_specs)
            seen.add(product_id)
            quantity = 1 if rng.random() < 0.7 else rng.randint(2, 4)
            gross = price * quantity
            discount = gross * rng.choice((10, 15, 20)) // 100 if rng.random() < 0.1 else 0
            net = gross - discount
            tax = (net * tax_rate + 5000) // 10000
            subtotal += gross
            discount_total += discount
            tax_total += tax
            line_specs.append([position, product_id, sku, name, quantity, price, discount, tax_rate, tax])
        delivery_fee = 0 if subtotal >= 7500 else self.pick(self.fees)
        total = subtotal - discount_total + tax_total + delivery_fee

        # Holds: the order's data is made to match each reason.
        address = customer.address
        shipping_method = self.pick(self.shipping)
        po_number = f"PO-{rng.randrange(10000, 99999)}" if customer.requires_po_number else ""
        hold_findings: list[tuple[str, str]] = []
        amount_paid_override = None
        if stage == S.ON_HOLD:
            for reason in {self.pick(self.holds) for _ in range(1 if rng.random() < 0.85 else 2)}:
                if reason == HoldReason.MISSING_ADDRESS:
                    address = dict(customer.address, postcode="")
                    hold_findings.append((reason, "postcode"))
                elif reason == HoldReason.MISSING_SHIPPING_METHOD:
                    shipping_method = ""
                    hold_findings.append((reason, ""))
                elif reason == HoldReason.UNKNOWN_SKU:
                    sku = f"OLD-{rng.randrange(1000, 9999)}"
                    line_specs[-1][1], line_specs[-1][2] = None, sku
                    hold_findings.append((reason, sku))
                elif reason == HoldReason.MISSING_PO_NUMBER and customer.requires_po_number:
                    po_number = ""
                    hold_findings.append((reason, f"{customer.name} orders need a PO number"))
                elif reason == HoldReason.PAYMENT_MISMATCH and self.requires_payment[payment_method]:
                    amount_paid_override = max(total - rng.randrange(100, 2500), 0)
                    hold_findings.append(
                        (reason, f"paid {money(amount_paid_override)}, total {money(total)}")
                    )
                elif reason == HoldReason.SUSPECTED_DUPLICATE:
                    hold_findings.append(
                        (
                            reason,
                            f"same customer and total as {settings.ORDER_NUMBER_PREFIX}{number - rng.randrange(1, 500)}",
                        )
                    )
                elif reason == HoldReason.OVER_VALUE and self.hold_threshold and total > self.hold_threshold:
                    hold_findings.append((reason, f"total {money(total)} over {money(self.hold_threshold)}"))
                else:
                    hold_findings.append((HoldReason.MANUAL, rng.choice(MANUAL_HOLD_REASONS)))

        # Money received.
        requires_payment = self.requires_payment[payment_method]
        if amount_paid_override is not None:
            amount_paid = amount_paid_override
        elif stage in (S.AWAITING_PAYMENT, S.DRAFT, S.CANCELLED):
            amount_paid = 0
        elif requires_payment:
            amount_paid = total
        else:
            amount_paid = total if stage in (S.DELIVERED, S.RETURNED) else 0

        # People.
        csr = (
            rng.choice(ref.csrs)
            if ref.csrs and (channel_code in ("manual", "csv") or rng.random() < 0.6)
            else None
        )
        agent = None
        if ref.agents and (shipped or stage == S.PACKED) and rng.random() < 0.55:
            agent = rng.choice(ref.agents)

        # The timeline: created, then one status change per move.
        age = self.now - created
        delays = [rng.uniform(*DELAYS[move]) for move in moves]
        spent = sum(delays)
        if spent > age * 0.9:
            delays = [delay * age * 0.9 / spent for delay in delays]
        events = batch.events
        source = channel_code
        status_id, label = self.status_for(initial, final=not moves)
        if channel_code == "manual":
            actor_id, actor_kind, actor_label = (
                (str(csr[0]), "user", "") if csr else (NULL, "system", "Packline")
            )
        elif channel_code == "csv":
            actor_id, actor_kind, actor_label = (
                str(csr[0]) if csr else NULL,
                "job",
                f"Job {rng.randrange(1, 5000)}",
            )
        else:
            actor_id, actor_kind, actor_label = NULL, "channel", channel_name
        at = created
        created_params = {"source": source, "detail": "", "status": label}
        events.append(
            self.event(order_id, (actor_id, actor_kind, actor_label), EventType.CREATED, created_params, at,
                       key=("created", source, status_id))
        )  # fmt: skip
        held_from = None
        previous_stage, previous = initial, (status_id, label)
        held_at = created
        moved: dict[str, tuple[float, tuple[str, str, str]]] = {}  # move -> (when, who)
        for move, delay in zip(moves, delays, strict=True):
            at += delay
            final = move == moves[-1]
            current = self.status_for(move, final=final)
            reason = ""
            who = (NULL, "system", "Packline")
            if move in (S.PICKING, S.PICKED, S.PACKED, S.SHIPPED, S.RETURNED) and ref.warehouse_staff:
                who = (str(rng.choice(ref.warehouse_staff)), "user", "")
            elif move in (S.DELIVERED, S.DELIVERY_FAILED):
                who = (str(agent[0]), "user", "") if agent else (NULL, "system", "Carrier tracking")
                if move == S.DELIVERY_FAILED:
                    reason = rng.choice(FAILED_REASONS)
            elif move == S.PROCESSING:
                who, reason = (NULL, "system", "Payments"), "payment received"
            elif move in (S.CANCELLED, S.ON_HOLD):
                who = (str(csr[0]), "user", "") if csr else (NULL, "system", "Packline")
                reason = (
                    rng.choice(CANCEL_REASONS) if move == S.CANCELLED else rng.choice(MANUAL_HOLD_REASONS)
                )
                if move == S.ON_HOLD:
                    hold_findings = [(HoldReason.MANUAL, reason)]
                    held_from = previous[0]
                    held_at = at
            if move == S.RETURNED:
                reason = rng.choice(RETURN_REASONS)
            old_id, old_label = previous
            new_id, new_label = current
            params = {
                "old": old_label,
                "new": new_label,
                "old_stage": previous_stage,
                "new_stage": move,
                "reason": reason,
            }
            events.append(
                self.event(
                    order_id,
                    who,
                    EventType.STATUS_CHANGED,
                    params,
                    at,
                    key=("status", old_id, new_id, reason),
                )
            )
            previous_stage, previous = move, current
            moved[move] = (at, who)
        status_id = previous[0]
        if stage == S.ON_HOLD:
            if held_from is None:
                held_from = ref.builtin[
                    S.AWAITING_PAYMENT if amount_paid < total and requires_payment else S.PROCESSING
                ][0]
            hold_time = timestamp(held_at)
            for reason, detail in hold_findings:
                by = NULL if reason != HoldReason.MANUAL or not csr else str(csr[0])
                batch.holds.append(
                    f"{order_id}\t{reason}\t{copy_escape(detail)}\t{hold_time}\t{by}\t{NULL}\t{NULL}\n"
                )
            reasons = [
                f"{HoldReason(reason).label}: {detail}" if detail else HoldReason(reason).label
                for reason, detail in hold_findings
            ]
            holder = (actor_id, actor_kind, actor_label) if not moves else who
            events.append(self.event(order_id, holder, EventType.HELD, {"reasons": reasons}, held_at + 0.001))

        # Soft-deleted now and then.
        is_deleted = rng.random() < 0.003
        deleted_at = deleted_by = None
        delete_reason = ""
        if is_deleted:
            at += rng.uniform(600, DAY) * min(1.0, max(self.now - at, 0) / DAY)
            deleted_at = timestamp(at)
            deleted_by = rng.choice(ref.managers) if ref.managers else None
            delete_reason = rng.choice(DELETE_REASONS)
            deleter = (
                (str(deleted_by), "user", "") if deleted_by is not None else (NULL, "system", "Packline")
            )
            events.append(
                self.event(
                    order_id,
                    deleter,
                    EventType.DELETED,
                    {"reason": delete_reason},
                    at,
                    key=("deleted", delete_reason),
                )
            )

        # Lines. quantity_allocated stays 0: it is the sum of fulfilment's Allocation rows, which belong
        # to stock this command does not invent; receiving stock allocates open orders first in, first out.
        picked = shipped or stage in (S.PICKED, S.PACKED)
        for position, product_id, sku, name, quantity, price, discount, tax_rate, tax in line_specs:
            net = price * quantity - discount
            line = GeneratedLine(
                position, product_id, sku, name, quantity, money(price), money(discount), money(tax_rate),
                money(tax), money(net + tax), warehouse_id, quantity if picked else 0,
                quantity if shipped or stage == S.PACKED else 0, quantity if shipped else 0, 0,
                quantity if stage == S.RETURNED else 0,
            )  # fmt: skip
            head, tail = line_row(order_id, line, self.line_extra)
            batch.lines.append(f"{head}0{tail}")

        # The order row, with its search document last (staging only).
        if channel_code == "shopify":
            channel_order_id, channel_order_number = str(4_500_000_000_000 + number), f"#{number - 99_000}"
        elif channel_code == "tiktok":
            channel_order_id = str(576_000_000_000_000_000 + number * 7)
            channel_order_number = channel_order_id
        elif channel_code == "ebay":
            channel_order_id = f"{rng.randrange(10, 28)}-{number:07d}-{rng.randrange(10000, 99999)}"
            channel_order_number = channel_order_id
        elif channel_code == "woocommerce":
            channel_order_id = str(number - 60_000)
            channel_order_number = channel_order_id
        elif channel_code == "csv":
            channel_order_id, channel_order_number = f"CSV-{number}", f"INV-{number - 40_000}"
        else:
            channel_order_id, channel_order_number = None, ""
        tracking = []
        if shipped:
            tracking = [
                f"1Z{rng.randrange(10**15, 10**16)}"
                if rng.random() < 0.5
                else f"LP{rng.randrange(10**11, 10**12)}CN"
            ]
        customer_reference = (
            f"REF-{rng.randrange(1000, 99999)}" if customer.company and rng.random() < 0.5 else ""
        )
        tags = sorted(set(rng.sample(TAGS, rng.randint(1, 2)))) if rng.random() < 0.15 else []
        if customer.company and "wholesale" not in tags and rng.random() < 0.5:
            tags = sorted([*tags, "wholesale"])
        notes = rng.choice(NOTES) if rng.random() < 0.03 else ""
        gift = rng.choice(GIFT_MESSAGES) if rng.random() < 0.04 else ""
        priority = 0 if rng.random() < 0.94 else (1 if rng.random() < 0.8 else 2)
        document = " ".join(
            word
            for word in (
                customer.document,
                po_number,
                customer_reference,
                channel_order_number,
                *(spec[2] for spec in line_specs),
                *tracking,
            )
            if word
        )
        order = GeneratedOrder(
            pk=order_id, number=number, channel_id=channel_id, channel_order_id=channel_order_id,
            channel_order_number=channel_order_number, source=source, customer_id=customer.pk,
            customer_name=customer.name, customer_email=customer.email, customer_phone=customer.phone,
            shipping_address=address, billing_address=address, status_id=status_id, stage=stage,
            held_from_id=held_from, shipping_method=shipping_method, payment_method=payment_method,
            currency=self.currency, subtotal=money(subtotal), discount_total=money(discount_total),
            tax_total=money(tax_total), delivery_fee=money(delivery_fee), total=money(total),
            amount_paid=money(amount_paid), po_number=po_number, customer_reference=customer_reference,
            gift_message=gift, notes=notes, tags=tags, assigned_csr_id=csr[0] if csr else None,
            assigned_agent_id=agent[0] if agent else None, warehouse_id=warehouse_id, priority=priority,
            tracking_numbers=tracking, version=1 + len(moves), is_deleted=is_deleted, deleted_at=deleted_at,
            deleted_by_id=deleted_by, delete_reason=delete_reason,
        )  # fmt: skip
        batch.orders.append(
            order_row(
                order,
                created_at=timestamp(created),
                updated_at=timestamp(at),
                document=document,
                extra=self.order_extra,
            )
        )

        # The payment amount_paid is the sum of, recorded the way the money services record it: on
        # creation (money.payment_record_at_creation), when the payment that moved it out of awaiting
        # payment arrived, or, cash and POS, when it was collected on delivery.
        if amount_paid:
            note, collector = PAID_AT_CREATION, None
            if requires_payment or amount_paid_override is not None:
                if S.PROCESSING in moved and amount_paid_override is None:
                    paid_at, (who_id, who_kind, who_label) = moved[S.PROCESSING]
                    paid_at -= 0.001  # just before the move it caused
                    note = ""
                else:
                    paid_at, who_id, who_kind, who_label = created, actor_id, actor_kind, actor_label
            else:
                paid_at, _who = moved.get(S.DELIVERED) or moved[S.RETURNED]
                paid_at -= 0.001
                note = "collected on delivery"
                who_id, who_kind, who_label = (
                    (str(agent[0]), "user", "") if agent else (NULL, "system", "Carrier tracking")
                )
                collector = agent
            batch.payments.append(
                payment_row(
                    payment_id,
                    order,
                    recorded_by_id=None if who_id == NULL else who_id,
                    recorded_at=timestamp(paid_at),
                    note=note,
                    collected_by_id=collector[0] if collector else None,
                    extra=self.payment_extra,
                )
            )
            params = {
                "payment": payment_id,
                "amount": order.amount_paid,
                "currency": self.currency,
                "method": self.payment_labels[payment_method],
                "reference": payment_reference(order),
                "collected_by": collector[1] if collector else "",
            }
            events.append(
                self.event(
                    order_id, (who_id, who_kind, who_label), MoneyEvent.PAYMENT_RECORDED, params, paid_at
                )
            )
        batch.stages[stage] = batch.stages.get(stage, 0) + 1


def order_times(count: int, rng: random.Random, now: float, days: int = HISTORY_DAYS):
    """`count` creation times over the last `days`, ascending, busier lately (density 1 + 2x)."""
    start = now - days * DAY
    span = days * DAY - 60
    for index in range(count):
        u = (index + rng.random()) / count
        yield start + span * (math.sqrt(1 + 8 * u) - 1) / 2


def _check_columns() -> None:
    """Fail clearly, not with a COPY error, when the models gained a column this command does not fill
    (orders, lines, customers and payments write new columns' defaults: copy_rows.constant_columns)."""
    written = {
        OrderHold: {"id", *HOLD_COLUMNS},
    }
    for model, columns in written.items():
        missing = {f.column for f in model._meta.concrete_fields} - columns
        if missing:
            raise CommandError(
                f"generate_orders does not fill {model.__name__}.{', '.join(sorted(missing))}; add it."
            )


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


def _capped_count(table: str, cap: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS capped", [cap])
        return cursor.fetchone()[0]


def _drop_secondary_indexes(tables: list[str]) -> list[str]:
    """Drop the indexes of `tables` that back no constraint; return their definitions, to rebuild."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


class Timings(dict):
    """Seconds spent per phase, for `-v 2` and the benchmark notes."""

    @contextmanager
    def __call__(self, phase: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self[phase] = self.get(phase, 0.0) + time.perf_counter() - started


def _chunks(
    factory: OrderFactory,
    ids,
    numbers,
    payment_ids,
    *,
    size: int,
    forced: dict[int, str],
    now: float,
    timings: Timings,
):
    """Batches of up to `size` orders, built one after another (in a background thread)."""
    count = len(ids)
    times = order_times(count, factory.rng, now)
    for start in range(0, count, size):
        with timings("build rows (background thread)"):
            batch = Batch()
            for index in range(start, min(start + size, count)):
                created = next(times)
                stage = forced.get(index) or factory.stage_for_age((now - created) / DAY)
                factory.order(batch, ids[index], numbers[index], created, stage, payment_ids[index])
        yield batch


def _ahead(items, depth: int = 1):
    """Iterate `items` in a thread, `depth` items ahead: Python builds the next rows while PostgreSQL
    writes the last ones (the database driver lets go of the GIL while it waits)."""
    finished = object()
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put(item):
                    return
        except Exception as error:  # noqa: BLE001 - handed to the consumer thread, which raises it
            put(error)
        else:
            put(finished)

    thread = threading.Thread(target=produce, name="generate_orders", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is finished:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _write(batch: Batch, factory: OrderFactory, timings: Timings) -> None:
    # stage: taken from the status row by insert_orders, the trigger's own lookup, so it holds either way.
    with timings("insert orders with to_tsvector"):
        inserted = insert_orders(batch.orders, factory.order_extra_columns)
    if len(inserted) != len(batch.orders):
        raise CommandError(f"{len(batch.orders) - len(inserted)} generated channel references exist already.")
    with timings("copy lines"):
        copy_lines("orders_orderline", LINE_COLUMNS + factory.line_extra_columns, batch.lines)
    with timings("copy payments"):
        copy_lines("orders_payment", PAYMENT_COLUMNS + factory.payment_extra_columns, batch.payments)
    with timings("copy events"):
        copy_lines("orders_orderevent", EventRows(Actor.system(), dated=True).columns, batch.events)
    with timings("copy holds"):
        copy_lines("orders_orderhold", HOLD_COLUMNS, batch.holds)


def _check_stages(first_id: int, last_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_order o JOIN orders_status s ON s.id = o.status_id "
            "WHERE o.id BETWEEN %s AND %s AND o.stage IS DISTINCT FROM s.stage",
            [first_id, last_id],
        )
        wrong = cursor.fetchone()[0]
    if wrong:
        raise CommandError(f"{wrong} generated orders have a stage that does not match their status")


@dataclass
class Result:
    orders: int = 0
    lines: int = 0
    events: int = 0
    holds: int = 0
    payments: int = 0
    customers: int = 0
    seconds: float = 0.0
    stages: dict[str, int] = field(default_factory=dict)
    replica: bool = False
    rebuilt_indexes: int = 0
    timings: Timings = field(default_factory=Timings)
    first_number: int | None = None
    last_number: int | None = None


BULK_THRESHOLD = 100_000
BULK_TABLES = ["orders_order", "orders_orderline", "orders_orderevent", "orders_payment"]
CHUNK = 10_000


def generate_orders(
    count: int,
    *,
    seed: int | None = None,
    batch_size: int = 50_000,
    customers: int | None = None,
    products: int = 500,
    b2b_share: float = 0.05,
    history_days: int = HISTORY_DAYS,
    with_triggers: bool = False,
    indexes: str = "auto",
    progress: Callable[[str], None] = lambda message: None,
) -> Result:
    """Append `count` orders (and their customers, lines, holds and events); see the module docstring.

    indexes: "keep" writes into the indexed tables batch by batch, committing each batch; "rebuild"
    drops the secondary indexes of orders, lines and events, writes everything in one transaction and
    builds them again; "auto" rebuilds when the run is large and at least doubles the table.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    now = time.time()
    result = Result()
    if count <= 0:
        return result
    _check_columns()
    if indexes == "auto":
        indexes = (
            "rebuild" if count >= BULK_THRESHOLD and count >= _capped_count("orders_order", count) else "keep"
        )
    with transaction.atomic():
        skus = ensure_catalogue(products)
        reference = load_reference(skus)
        customer_rows = create_customers(
            customers or max(1, count // 10), rng, b2b_share=b2b_share, history_days=history_days
        )
    result.customers = len(customer_rows)
    ids = reserve_ids("orders_order", count)
    numbers = reserve_ids("orders_order", count, sequence="orders_order_number_seq")
    # One payment id per order, used when the order is paid (most are): its event names it.
    payment_ids = reserve_ids("orders_payment", count)
    result.first_number, result.last_number = numbers[0], numbers[-1]
    progress(f"{len(customer_rows):,} customers, {len(reference.products)} products ready")
    factory = OrderFactory(reference, customer_rows, rng, now=now)
    result.replica = not with_triggers and _is_superuser()
    # Every stage appears at least once, wherever in the run it lands.
    forced = dict(zip(rng.sample(range(count), min(count, len(Stage))), Stage.values, strict=False))
    chunks = _ahead(
        _chunks(
            factory,
            ids,
            numbers,
            payment_ids,
            size=min(CHUNK, batch_size),
            forced=forced,
            now=now,
            timings=result.timings,
        )
    )
    try:
        per_transaction = count if indexes == "rebuild" else batch_size
        done = 0
        while done < count:
            first_id = ids[done]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
                if result.replica:
                    cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
                definitions = []
                if indexes == "rebuild":
                    cursor.execute("SELECT set_config('maintenance_work_mem', '256MB', true)")
                    definitions = _drop_secondary_indexes(BULK_TABLES)
                written = 0
                while True:
                    with result.timings("wait for rows"):
                        batch = next(chunks, None)
                    if batch is None:
                        break
                    _write(batch, factory, result.timings)
                    written += len(batch.orders)
                    done += len(batch.orders)
                    result.lines += len(batch.lines)
                    result.events += len(batch.events)
                    result.holds += len(batch.holds)
                    result.payments += len(batch.payments)
                    for stage, stage_count in batch.stages.items():
                        result.stages[stage] = result.stages.get(stage, 0) + stage_count
                    elapsed = time.perf_counter() - started
                    if done % max(batch_size, CHUNK) < CHUNK or done == count:
                        progress(
                            f"{done:,}/{count:,} orders ({done * 100 // count}%), {result.lines:,} lines, "
                            f"{result.events:,} events; {done / elapsed:,.0f} orders/s, {elapsed:.0f} s"
                        )
                    if written >= per_transaction:
                        break
                if definitions:
                    rebuild_started = time.perf_counter()
                    for definition in definitions:
                        with result.timings(
                            "rebuild " + definition.split(" USING ")[0].split(" ON ")[0].split()[-1]
                        ):
                            cursor.execute(definition)
                    result.rebuilt_indexes = len(definitions)
                    progress(
                        f"rebuilt {len(definitions)} indexes in {time.perf_counter() - rebuild_started:.1f} s"
                    )
                if result.replica:
                    cursor.execute("SELECT set_config('session_replication_role', 'origin', true)")
                    # The dashboard's hourly summary, which its triggers would have kept.
                    activity_add_orders(first_id, ids[done - 1])
                if done:
                    _check_stages(first_id, ids[done - 1])
    finally:
        chunks.close()
    result.orders = count
    tables = [
        "orders_order", "orders_orderline", "orders_orderevent", "orders_orderhold", "orders_customer",
        "orders_payment",
    ]  # fmt: skip
    analyse_started = time.perf_counter()
    with connection.cursor() as cursor, result.timings("analyse"):
        if indexes == "rebuild" and not connection.in_atomic_block:
            # After a bulk load, VACUUM also sets the visibility map: index-only scans stay index-only.
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
    progress(f"analysed in {time.perf_counter() - analyse_started:.1f} s")
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate_orders",
        description="Append N realistic orders (customers, lines, holds, payments, timeline events) fast with COPY.",
    )
    parser.add_argument("--count", type=int, required=True, help="How many orders to add")
    parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data")
    parser.add_argument("--batch", type=int, default=50_000, help="Orders per COPY batch and transaction")
    parser.add_argument("--customers", type=int, default=None, help="New customers (default: count / 10)")
    parser.add_argument("--products", type=int, default=500, help="Catalogue size (created when missing)")
    parser.add_argument("--days", type=int, default=HISTORY_DAYS, help="Spread orders over this many days")
    parser.add_argument(
        "--with-triggers", action="store_true", help="Keep triggers and foreign-key checks on (slower)"
    )
    parser.add_argument(
        "--indexes",
        choices=["auto", "rebuild", "keep"],
        default="auto",
        help="rebuild: drop and rebuild secondary indexes around one big transaction; "
        f"auto: rebuild when --count >= {BULK_THRESHOLD:,} and at least the orders already there",
    )
    parser.add_argument(
        "-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=1, help="2: time per phase"
    )
    options = parser.parse_args(argv)
    if min(options.count, options.batch, options.days) < 1:
        parser.error("--count, --batch and --days must be at least 1.")
    seed = random.randrange(1_000_000) if options.seed is None else options.seed
    print(f"generating {options.count:,} orders (seed {seed}, batches of {options.batch:,})", flush=True)
    try:
        result = generate_orders(
            options.count,
            seed=seed,
            batch_size=options.batch,
            customers=options.customers,
            products=options.products,
            history_days=options.days,
            with_triggers=options.with_triggers,
            indexes=options.indexes,
            progress=lambda message: print(f"  {message}", flush=True),
        )
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    mode = "triggers off (session_replication_role = replica)" if result.replica else "triggers on"
    if result.rebuilt_indexes:
        mode += f", {result.rebuilt_indexes} indexes rebuilt"
    print(
        f"done: {result.orders:,} orders ({settings.ORDER_NUMBER_PREFIX}{result.first_number} to "
        f"{settings.ORDER_NUMBER_PREFIX}{result.last_number}), {result.lines:,} lines, {result.events:,} events, "
        f"{result.holds:,} holds, {result.payments:,} payments, {result.customers:,} customers in "
        f"{result.seconds:.1f} s ({result.orders / result.seconds:,.0f} orders/s; {mode})"
    )
    stages = ", ".join(f"{stage} {result.stages.get(stage, 0):,}" for stage in Stage.values)
    print(f"stages: {stages}")
    if options.verbosity >= 2:
        for phase, seconds in sorted(result.timings.items(), key=lambda item: -item[1]):
            print(f"  {seconds:8.1f} s  {phase}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
