"""Demo data for `make run`, made of the records Packline itself writes, by the people whose job it is.

One long module on purpose: it is a script of journeys (each order walked from creation to its final
state by the role that would do each step), which reads best top to bottom; it holds no rule of its
own and calls only services.

* A catalogue with stock in two warehouses (received by the manager, in bins; a few SKUs short, so
  backorders show) and ~200 customers.
* ~200 orders made one at a time through the services, each walked along one journey by the demo
  users: shop orders arrive through order_create as their channel and are paid with payment_record,
  phone orders are entered by the CSR; the warehouse picks them on picklists, packs them by scanning,
  ships them with tracking numbers; the delivery agent collects cash and marks deliveries; returns are
  RMAs received at the bench; cancellations refund what was paid. Every journey of every role has
  orders to work on: orders ready to pick, an agent's deliveries, balances due, holds with reasons.
* The rest (a few thousand, so that the list looks busy) is order history imported through the
  batched creation path (order_create_many), with the kept status and date and a payment record
  for every paid order, as an import of the previous system's orders would write it.

So the demo tells the truth: amount_paid is the sum of payment records, an order in Picking is on a
picklist, a cancelled paid order has its refund, a shipped order has its shipment.

Idempotent: when any order exists the command does nothing (one cheap query). The catalogue,
customers and stock are created only when missing.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from fulfilment.models import Picklist, StockItem
from fulfilment.services import (
    order_allocate,
    packing_complete,
    packing_scan,
    picklist_complete,
    picklist_create,
    picklist_line_confirm,
    picklist_scan,
    shipment_create,
    stock_receive,
)
from fulfilment.services.returns import return_create, return_receive, return_scan
from orders.actors import Actor
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, Customer, Order, OrderLine, Product, Warehouse
from orders.money.models import Refund
from orders.money.selectors import agent_owed
from orders.money.services.expenses import expense_record
from orders.money.services.payments import payment_failure_record, payment_record
from orders.money.services.refunds import (
    order_cancellation_refund,
    order_returned_refund,
    refund_execute,
    refund_record,
)
from orders.money.services.remittance import remittance_mark
from orders.sample_data import (
    NOTES,
    create_customers,
    ensure_catalogue,
    ensure_channels,
)
from orders.services.create import order_create
from orders.services.create_many import order_create_many
from orders.services.edit import order_assign
from orders.services.planned import BatchOrder
from orders.services.transitions import builtin_status, order_cancel, order_hold, order_transition
from orders.workflow import Stage, payment_required_before_fulfilment

DEMO_PRODUCTS = 40
DEMO_CUSTOMERS = 200
DEMO_ORDERS = 3000
DEMO_DAYS = 60
SEED = 2026
PHONE_ORDERS = 30  # orders the CSR enters by hand; the others arrive from the shops
PHONE_NOTE = "Created by the demo data loader through order_create: a phone order."
HISTORY_BATCH = 500
HISTORY_METHODS, HISTORY_METHOD_WEIGHTS = ["card", "channel", "cash", "transfer", "pos"], [45, 20, 25, 6, 4]
CENT = Decimal("0.01")

# How many orders walk each journey (scaled down when fewer orders are asked for, at least one each).
# Created in this order: the suspected duplicates of "held_check" copy earlier "ready" orders.
JOURNEYS: dict[str, int] = {
    "ready": 30,  # processing, every line in stock: the warehouse's next picklists
    "awaiting": 10,  # card or transfer, not paid yet: a balance due a CSR can record
    "part_paid": 2,  # a transfer that paid part of the total
    "payment_failed": 2,  # the card was declined: cancelled by the payment failure
    "draft": 4,  # a CSR's concept, not confirmed yet
    "backordered": 8,  # processing, a line waiting for stock
    "held_check": 8,  # held by the creation checks
    "held_manual": 5,  # held by a CSR, with the reason
    "picking": 12,  # on an open picklist
    "picked": 8,  # picklist completed, not packed yet
    "packed": 8,
    "shipped_carrier": 12,  # prepaid, on its way with a carrier's tracking number
    "shipped_agent": 12,  # cash on delivery, out with the delivery agent
    "delivered_carrier": 30,
    "delivered_agent": 30,  # the agent collected the cash
    "delivery_failed": 4,
    "returned": 5,  # everything came back on an RMA: refunded
    "part_returned": 2,  # one unit came back: refunded, still delivered
    "return_open": 3,  # an RMA waiting at the receiving bench
    "cancelled_paid": 6,  # cancelled after payment: the refund recorded, some paid out
    "cancelled_unpaid": 5,
}
# Paid before fulfilment (card, channel, transfer) ...
PREPAID = {
    "awaiting", "part_paid", "payment_failed", "shipped_carrier", "delivered_carrier", "returned",
    "part_returned", "return_open", "cancelled_paid",
}  # fmt: skip
# ... not paid in full when the demo ends ...
UNPAID = {"awaiting", "part_paid", "payment_failed", "draft"}
# ... cash (or POS) on delivery, with the delivery agent.
WITH_AGENT = {"shipped_agent", "delivered_agent", "delivery_failed"}
CASH_ON_DELIVERY = WITH_AGENT | {"cancelled_unpaid"}
SHIPPED = {
    "shipped_carrier", "shipped_agent", "delivered_carrier", "delivered_agent", "delivery_failed",
    "returned", "part_returned", "return_open",
}  # fmt: skip
DELIVERED = {"delivered_carrier", "delivered_agent", "returned", "part_returned", "return_open"}
# Picked on a picklist and packed at the station; the other shipped orders take the fast path.
PICKED = {"picked", "packed", "shipped_carrier", "shipped_agent", "delivery_failed"}
PACKED = PICKED - {"picked"}
HALF_PICKED = {"delivered_carrier", "delivered_agent"}  # every other one picked and packed

CHANNELS_BY_METHOD = {
    "card": ["shopify", "shopify", "woocommerce"],
    "channel": ["tiktok", "ebay"],
    "transfer": ["woocommerce"],
    "cash": ["shopify", "woocommerce"],
    "pos": ["woocommerce"],
}
# What keeps the "held_check" orders from going on by themselves, one after another.
HOLD_PROBLEMS = [
    "missing_shipping_method", "missing_po_number", "unknown_sku", "missing_address", "suspected_duplicate",
]  # fmt: skip
CARRIERS = [("UPS", "Ground"), ("DHL Express", "Express Worldwide"), ("USPS", "Priority Mail")]
MANUAL_HOLD_REASONS = [
    "Customer asked to change the delivery address; waiting for the new one",
    "Waiting for the customer to confirm the engraving text",
    "Customer asked us to wait until they are back from holiday",
    "Billing and shipping countries differ: checking with the customer",
    "Gift order: customer wants it to arrive after the 20th",
]
CANCEL_REASONS = [
    "Customer changed their mind before picking",
    "Customer ordered the wrong size and will reorder",
    "Customer found it cheaper elsewhere",
]
FAILED_REASONS = [
    "Nobody home; card left, customer to call back",
    "Address not found: the building number does not exist",
    "Customer refused to pay cash at the door",
]


@dataclass
class Cast:
    """The demo users, each doing their own job."""

    manager: object
    csr: object
    warehouse: object
    agent: object


@dataclass
class DemoOrder:
    journey: str
    index: int  # among all hand-made orders
    position: int  # among the orders of its journey
    method: str
    channel: Channel | None  # None: a phone order, entered by the CSR
    warehouse: Warehouse
    order: Order | None = None
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.order.pk


def _cast() -> Cast:
    users = {user.username: user for user in get_user_model().objects.filter(is_active=True)}
    missing = [name for name in ("manager", "csr", "warehouse", "agent") if name not in users]
    if missing:
        raise CommandError(f"Demo users {', '.join(missing)} are missing: run load_demo_users first.")
    return Cast(users["manager"], users["csr"], users["warehouse"], users["agent"])


def _settle(order_id: int) -> None:
    """Do now what the after-commit receivers do (allocate stock, refund a cancelled or returned
    order), when the loader runs inside an outer transaction that holds them back (tests). Outside
    one, every service commits on its own and the receivers have already run; both are idempotent."""
    if not connection.in_atomic_block:
        return
    order_allocate(order_id=order_id)
    order_cancellation_refund(order_id=order_id)
    order_returned_refund(order_id=order_id)


def journey_plan(count: int) -> list[str]:
    """`count` journeys in creation order: JOURNEYS scaled down, at least one of each while possible."""
    base = sum(JOURNEYS.values())
    if count >= base:
        counts = dict(JOURNEYS)
    else:
        counts = {name: max(1, round(times * count / base)) for name, times in JOURNEYS.items()}
        for name in sorted(counts, key=counts.get, reverse=True):
            if sum(counts.values()) <= count:
                break
            counts[name] -= min(counts[name] - 1, sum(counts.values()) - count)
        counts["ready"] += count - sum(counts.values())
    plan = [name for name, times in counts.items() for _ in range(times)]
    return plan[:count]


# Catalogue, customers, stock -------------------------------------------------------------------------


def _warehouses() -> tuple[Warehouse, Warehouse]:
    main = Warehouse.objects.filter(is_default=True).first()
    if main is None:
        raise CommandError("No default warehouse: run migrate first.")
    east, _ = Warehouse.objects.get_or_create(code="east", defaults={"name": "East fulfilment centre"})
    return main, east


def _customers(rng: random.Random) -> list[Customer]:
    missing = DEMO_CUSTOMERS - Customer.objects.count()
    if missing > 0:
        create_customers(missing, rng, b2b_share=0.15, history_days=DEMO_DAYS)
    customers = list(Customer.objects.order_by("pk"))
    if settings.DELIVERABLE_COUNTRIES:
        customers = [
            customer
            for customer in customers
            if str(customer.address.get("country", "")).upper() in settings.DELIVERABLE_COUNTRIES
        ] or customers
    return customers


def _stock(products: list[Product], short: list[Product], main, east, cast: Cast, rng) -> int:
    """Opening stock, received by the manager into bins: plenty of most SKUs in both warehouses, a
    few units of the short ones in the main warehouse only (their orders are backordered)."""
    received = 0
    for warehouse, aisle, low, high in ((main, "A", 40, 120), (east, "E", 15, 40)):
        have = set(StockItem.objects.filter(warehouse=warehouse).values_list("product_id", flat=True))
        for position, product in enumerate(products):
            if product.pk in have or (product in short and warehouse != main):
                continue
            quantity = rng.randint(1, 3) if product in short else rng.randint(low, high)
            stock_receive(
                warehouse=warehouse, product=product, quantity=quantity, actor=cast.manager,
                reason="Opening stock count", bin_code=f"{aisle}-{position // 8 + 1:02d}-{position % 8 + 1}",
            )  # fmt: skip
            received += 1
    return received


# The orders made one by one ----------------------------------------------------------------------------


class Journeys:
    """Creates the hand-made orders and walks each along its journey, as the demo users would."""

    def __init__(self, *, cast: Cast, rng: random.Random, customers, products, short, main, east):
        self.cast, self.rng = cast, rng
        self.customers = customers[:]
        rng.shuffle(self.customers)
        self.products, self.short = products, short
        self.stocked = [product for product in products if product not in short]
        self.main, self.east = main, east
        self.channels = {channel.code: channel for channel in Channel.objects.all()}
        self.orders: list[DemoOrder] = []

    def of(self, *journeys: str) -> list[DemoOrder]:
        return [demo for demo in self.orders if demo.journey in journeys]

    def reload(self, demo: DemoOrder) -> Order:
        demo.order = Order.objects.select_related("status").get(pk=demo.pk)
        return demo.order

    def run(self, journeys: list[str]) -> None:
        self.assign(journeys)
        for demo in self.orders:
            self.create(demo)
        self.money_first()
        self.holds_and_cancellations()
        self.pick()
        self.pack()
        self.ship()
        self.deliver()
        self.returns()
        self.money_after()

    def assign(self, journeys: list[str]) -> None:
        """Each journey's payment method, warehouse and channel (None: a phone order)."""
        rng = self.rng
        for index, journey in enumerate(journeys):
            if journey in CASH_ON_DELIVERY:
                method = "pos" if rng.random() < 0.15 else "cash"
            elif journey in ("awaiting", "part_paid"):
                method = "transfer" if journey == "part_paid" or rng.random() < 0.5 else "card"
            elif journey == "payment_failed":
                method = "card"
            elif journey in PREPAID:
                method = rng.choices(["card", "channel", "transfer"], weights=[6, 3, 1])[0]
            else:
                method = rng.choice(["cash", "card", "card", "channel"])
            fulfilled = journey in PICKED | SHIPPED | {"ready", "picking"}
            warehouse = self.east if fulfilled and rng.random() < 0.25 else self.main
            position = sum(1 for demo in self.orders if demo.journey == journey)
            self.orders.append(DemoOrder(journey, index, position, method, None, warehouse))
        # Phone orders: every draft, then others at random (a channel payment comes only from a shop).
        drafts = [demo for demo in self.orders if demo.journey == "draft"]
        others = [demo for demo in self.orders if demo.journey != "draft" and demo.method != "channel"]
        phone = drafts + rng.sample(others, max(0, min(PHONE_ORDERS - len(drafts), len(others))))
        phoned = {id(demo) for demo in phone[:PHONE_ORDERS]}
        for demo in self.orders:
            if id(demo) not in phoned:
                demo.channel = self.channels[rng.choice(CHANNELS_BY_METHOD[demo.method])]

    def _lines(self, demo: DemoOrder) -> list[LineInput]:
        rng = self.rng
        products = rng.sample(self.stocked, rng.choices([1, 2, 3], weights=[5, 3, 2])[0])
        lines = [
            LineInput(sku=product.sku, quantity=rng.choices([1, 2, 3], [6, 3, 1])[0]) for product in products
        ]
        if demo.journey == "backordered":
            lines[0] = LineInput(
                sku=self.short[demo.position % len(self.short)].sku, quantity=rng.randint(3, 5)
            )
        elif demo.journey == "part_returned":
            lines[0].quantity = 2  # one unit comes back, one stays
        return lines

    def create(self, demo: DemoOrder) -> None:
        rng, cast = self.rng, self.cast
        customer = self.customers[demo.index % len(self.customers)]
        lines = self._lines(demo)
        shipping_method = rng.choices(["Standard", "Express", "Next day"], weights=[6, 3, 1])[0]
        shipping_address, po_number = {}, None
        problem = HOLD_PROBLEMS[demo.position % len(HOLD_PROBLEMS)] if demo.journey == "held_check" else ""
        ready = [twin for twin in self.of("ready") if twin.order is not None]
        b2b = [other for other in self.customers if other.requires_po_number]
        if problem == "suspected_duplicate" and ready:
            # The same customer and total as an earlier order, within a day.
            twin = ready[demo.position % len(ready)]
            customer, shipping_method = twin.order.customer, twin.order.shipping_method
            po_number = twin.order.po_number
            lines = [LineInput(sku=line.sku, quantity=line.quantity) for line in twin.lines]
        elif problem == "missing_po_number" and b2b:
            customer = b2b[demo.position % len(b2b)]
        elif problem == "missing_address":
            shipping_address = {**customer.address, "postcode": ""}
        elif problem == "missing_shipping_method":
            shipping_method = ""
        elif problem:
            lines.append(
                LineInput(sku=f"OLD-{rng.randrange(1000, 9999)}", quantity=1, unit_price=Decimal("19.99"),
                          name="Discontinued item from the old catalogue")
            )  # fmt: skip
        if po_number is None:
            needs_po = customer.requires_po_number and problem != "missing_po_number"
            po_number = f"PO-{rng.randrange(10000, 99999)}" if needs_po else ""
        phone = demo.channel is None
        channel = demo.channel or self.channels["manual"]
        notes = PHONE_NOTE if phone else (rng.choice(NOTES) if rng.random() < 0.15 else "")
        data = OrderInput(
            customer=customer, lines=lines, channel=channel, shipping_method=shipping_method,
            payment_method=demo.method, po_number=po_number, notes=notes, warehouse=demo.warehouse,
            shipping_address=shipping_address, draft=demo.journey == "draft",
            delivery_fee=Decimal("4.99") if shipping_method == "Standard" else Decimal("0"),
            assigned_csr=cast.csr if phone else None, priority=1 if shipping_method == "Next day" else 0,
            gift_message="Happy birthday! Love, Sam" if rng.random() < 0.05 else "",
        )  # fmt: skip
        if not phone:
            data.channel_order_id = f"{channel.code}-{100_000 + demo.index}"
            data.channel_order_number = f"#{channel.code[:2].upper()}{100_000 + demo.index}"
        actor = cast.csr if phone else Actor.channel(channel.name)
        demo.order = order_create(
            data=data, actor=actor, source="manual" if phone else channel.code, source_detail="demo data"
        )
        _settle(demo.pk)
        demo.lines = list(demo.order.lines.select_related("product").order_by("position"))
        expected = {"draft": Stage.DRAFT, "held_check": Stage.ON_HOLD}.get(demo.journey) or (
            Stage.AWAITING_PAYMENT if payment_required_before_fulfilment(demo.method) else Stage.PROCESSING
        )
        if demo.order.stage != expected:
            reasons = "; ".join(str(hold) for hold in demo.order.holds.all())
            raise CommandError(
                f"Demo order {demo.order} ({demo.journey}) landed in {demo.order.stage}, not {expected}: {reasons}"
            )

    def _payer(self, demo: DemoOrder):
        return self.cast.csr if demo.channel is None else Actor.channel(demo.channel.name)

    def _reference(self, demo: DemoOrder) -> str:
        if demo.method == "transfer":
            return f"Bank transfer {self.rng.randrange(10**7, 10**8)}"
        return f"PSP-{self.rng.randrange(10**9, 10**10)}"

    def money_first(self) -> None:
        """Shop orders are paid at checkout, phone orders by card or transfer taken by the CSR; the
        payment moves them on to processing. Cash on delivery waits for the agent."""
        for demo in self.orders:
            if demo.journey in UNPAID or not payment_required_before_fulfilment(demo.method):
                continue
            payment_record(
                order_id=demo.pk, amount=demo.order.total, method=demo.method, actor=self._payer(demo),
                reference=self._reference(demo),
            )  # fmt: skip
        for demo in self.of("part_paid"):
            part = (demo.order.total * Decimal("0.4")).quantize(CENT, ROUND_DOWN)
            payment_record(
                order_id=demo.pk, amount=part, method="transfer", actor=self.cast.csr,
                reference=self._reference(demo), note="First instalment; the rest is promised for Friday",
            )  # fmt: skip
        for demo in self.of("payment_failed"):
            payment_failure_record(
                order_id=demo.pk,
                actor=self._payer(demo),
                reason="Card declined by the issuer (insufficient funds)",
            )
            _settle(demo.pk)

    def holds_and_cancellations(self) -> None:
        for position, demo in enumerate(self.of("held_manual")):
            reason = MANUAL_HOLD_REASONS[position % len(MANUAL_HOLD_REASONS)]
            order_hold(order_id=demo.pk, actor=self.cast.csr, reason=reason)
        for position, demo in enumerate(self.of("cancelled_paid", "cancelled_unpaid")):
            order_cancel(
                order_id=demo.pk, actor=self.cast.csr, reason=CANCEL_REASONS[position % len(CANCEL_REASONS)]
            )
            _settle(demo.pk)
        # Half the cancellation refunds are paid out already; the others wait for a CSR.
        for position, refund in enumerate(
            Refund.objects.filter(order__in=[demo.pk for demo in self.of("cancelled_paid")]).order_by("pk")
        ):
            if position % 2 == 0:
                refund_execute(
                    refund_id=refund.pk, actor=self.cast.csr, reference=f"RF-{refund.order.number}"
                )

    def _picked_journey(self, demo: DemoOrder) -> bool:
        return demo.journey in PICKED or (demo.journey in HALF_PICKED and demo.position % 2 == 0)

    def _picklists(self, demos: list[DemoOrder], size: int) -> list[Picklist]:
        picklists = []
        for warehouse in (self.main, self.east):
            ids = [demo.pk for demo in demos if demo.warehouse == warehouse]
            for start in range(0, len(ids), size):
                picklist, refusals = picklist_create(
                    order_ids=ids[start : start + size], actor=self.cast.warehouse, warehouse=warehouse
                )
                if refusals:
                    raise CommandError(f"Demo picklist refused orders: {refusals}")
                picklists.append(picklist)
        return picklists

    def pick(self) -> None:
        """Open picklists for the orders in Picking (the first one half scanned); completed ones for
        the orders that go further."""
        open_lists = self._picklists(self.of("picking"), 6)
        if open_lists:
            for line in open_lists[0].lines.select_related("product").order_by("bin_code", "pk")[:2]:
                picklist_scan(
                    picklist_id=open_lists[0].pk, code=line.product.barcode, actor=self.cast.warehouse
                )
        for picklist in self._picklists([demo for demo in self.orders if self._picked_journey(demo)], 8):
            for line in picklist.lines.all():
                picklist_line_confirm(line_id=line.pk, picked=line.quantity, actor=self.cast.warehouse)
            result = picklist_complete(picklist_id=picklist.pk, actor=self.cast.warehouse)
            if result["short"] or result["refused"]:
                raise CommandError(f"Demo {picklist} did not complete: {result}")

    def pack(self) -> None:
        """At the packing station every unit is scanned into the box, then the box is closed."""
        for demo in self.orders:
            if demo.journey not in PACKED and not (
                demo.journey in HALF_PICKED and self._picked_journey(demo)
            ):
                continue
            grams = 150
            for line in demo.order.lines.select_related("product").order_by("position"):
                for _unit in range(line.quantity_picked):
                    packing_scan(order_id=demo.pk, code=line.product.barcode, actor=self.cast.warehouse)
                grams += line.product.weight_grams * line.quantity_picked
            packing_complete(
                order_id=demo.pk,
                packages=1 if grams < 3000 else 2,
                weight_grams=grams,
                actor=self.cast.warehouse,
            )

    def ship(self) -> None:
        """Prepaid orders leave with a carrier; cash on delivery with the delivery agent, assigned by
        the CSR. Orders not picked take the fast path from processing."""
        for demo in self.orders:
            if demo.journey not in SHIPPED:
                continue
            if demo.journey in WITH_AGENT:
                order_assign(order_id=demo.pk, actor=self.cast.csr, agent=self.cast.agent)
                carrier, service, tracking = "Packline delivery", "Own fleet", f"PLD-{demo.order.number}"
            else:
                carrier, service = CARRIERS[demo.index % len(CARRIERS)]
                tracking = {
                    "UPS": f"1Z{self.rng.randrange(16**15, 16**16):X}",
                    "DHL Express": f"{self.rng.randrange(10**9, 10**10)}",
                    "USPS": f"9400{self.rng.randrange(10**17, 10**18)}",
                }[carrier]
            shipment_create(
                order_id=demo.pk, carrier=carrier, service=service, tracking_number=tracking,
                actor=self.cast.warehouse,
            )  # fmt: skip
            _settle(demo.pk)

    def deliver(self) -> None:
        """The agent collects the cash and marks the delivery (or its failure); carriers' deliveries
        are confirmed by the manager from the tracking."""
        agent, delivered = self.cast.agent, builtin_status(Stage.DELIVERED)
        for position, demo in enumerate(self.of("delivered_agent")):
            order = self.reload(demo)
            payment_record(order_id=demo.pk, amount=order.total, method=order.payment_method, actor=agent)
            order_transition(order_id=demo.pk, to=delivered, actor=agent, reason="Handed to the customer")
            if position % 4 == 0:
                expense_record(
                    order_id=demo.pk, category="delivery", amount=Decimal("4.50"), actor=agent,
                    note="Parking near the customer's address",
                )  # fmt: skip
        for position, demo in enumerate(self.of("delivery_failed")):
            order_transition(
                order_id=demo.pk, to=builtin_status(Stage.DELIVERY_FAILED), actor=agent,
                reason=FAILED_REASONS[position % len(FAILED_REASONS)],
            )  # fmt: skip
        for demo in self.of("delivered_carrier", "returned", "part_returned", "return_open"):
            order_transition(
                order_id=demo.pk, to=delivered, actor=self.cast.manager, reason="Carrier confirmed delivery"
            )

    def returns(self) -> None:
        """RMAs created by the CSR; the warehouse scans what came back at the bench and receives it,
        which restocks it, refunds it and, when everything is back, returns the order."""
        csr, warehouse = self.cast.csr, self.cast.warehouse
        reasons = ["damaged", "not_wanted", "not_as_described", "wrong_item"]
        for position, demo in enumerate(self.of("returned", "part_returned", "return_open")):
            lines = list(demo.order.lines.select_related("product").order_by("position"))
            quantities = (
                {lines[0].pk: 1}
                if demo.journey == "part_returned"
                else {line.pk: line.quantity_shipped for line in lines}
            )
            request = return_create(
                order_id=demo.pk, quantities=quantities, reason=reasons[position % len(reasons)], actor=csr,
                note="Customer emailed photos" if position % 2 else "",
            )  # fmt: skip
            if demo.journey == "return_open":
                continue
            for line in lines:
                for _unit in range(quantities.get(line.pk, 0)):
                    return_scan(return_id=request.pk, code=line.product.barcode, actor=warehouse)
            return_receive(return_id=request.pk, actor=warehouse)
            _settle(demo.pk)

    def money_after(self) -> None:
        """A goodwill refund, company expenses, refunds paid out, and the agent's first remittance."""
        csr = self.cast.csr
        goodwill = self.of("delivered_carrier")[:1]
        for demo in goodwill:
            refund = refund_record(
                order_id=demo.pk,
                amount=Decimal("5.00"),
                actor=csr,
                reason="Goodwill: the parcel arrived two days late",
            )
            refund_execute(refund_id=refund.pk, actor=csr, reference=f"RF-{demo.order.number}")
        for demo in self.of("returned")[::2]:
            for refund in Refund.objects.filter(order_id=demo.pk, executed_at__isnull=True):
                refund_execute(refund_id=refund.pk, actor=csr, reference=f"RF-{demo.order.number}")
        for demo in self.of("shipped_carrier")[:2]:
            expense_record(
                order_id=demo.pk, category="courier_fee", amount=Decimal("6.40"), actor=csr,
                note="Courier surcharge for a remote postcode",
            )  # fmt: skip
        for demo in self.of("packed")[:1]:
            expense_record(
                order_id=demo.pk, category="packaging", amount=Decimal("1.80"), actor=csr,
                note="Extra padding for a fragile item",
            )  # fmt: skip
        currency = settings.DEFAULT_CURRENCY.upper()
        owed = agent_owed(self.cast.agent.pk, currency)
        handed = (owed * Decimal("0.6")).quantize(Decimal("1"), ROUND_DOWN)
        if handed > 0:
            remittance_mark(
                agent=self.cast.agent, amount=handed, currency=currency, actor=self.cast.manager,
                note="Cash handed over at the depot",
            )  # fmt: skip


# The imported history --------------------------------------------------------------------------------


def _history(count: int, rng: random.Random, customers: list[Customer], products: list[Product]) -> int:
    """Orders of the last two months before today's, imported the way a CSV import of the previous
    system's orders is: delivered (and paid) or cancelled (unpaid), with their dates."""
    if count <= 0:
        return 0
    actor = Actor.system("Import of the previous system's orders")
    delivered, cancelled = builtin_status(Stage.DELIVERED), builtin_status(Stage.CANCELLED)
    channels = {channel.code: channel for channel in Channel.objects.all()}
    start, span = timezone.now() - timedelta(days=DEMO_DAYS), timedelta(days=DEMO_DAYS - 2)
    created = 0
    for first in range(0, count, HISTORY_BATCH):
        items = []
        for index in range(first, min(first + HISTORY_BATCH, count)):
            method = rng.choices(HISTORY_METHODS, weights=HISTORY_METHOD_WEIGHTS)[0]
            channel = channels.get(rng.choice(CHANNELS_BY_METHOD[method])) or channels["manual"]
            customer = rng.choice(customers)
            status = cancelled if rng.random() < 0.08 else delivered
            data = OrderInput(
                customer=customer, channel=channel, payment_method=method,
                lines=[
                    LineInput(sku=product.sku, quantity=rng.choices([1, 2, 3], [6, 3, 1])[0])
                    for product in rng.sample(products, rng.choices([1, 2, 3], weights=[5, 3, 2])[0])
                ],
                shipping_method=rng.choices(["Standard", "Express", "Next day"], weights=[6, 3, 1])[0],
                po_number=f"PO-{rng.randrange(10000, 99999)}" if customer.requires_po_number else "",
                channel_order_id=f"{channel.code}-{index + 1:06d}", channel_order_number=f"{index + 1:06d}",
            )  # fmt: skip
            items.append(
                BatchOrder(
                    key=index,
                    data=data,
                    source_detail="order history from the previous system",
                    status=status,
                    created_at=start + span * (index + rng.random()) / count,
                    paid_in_full=status == delivered,
                )
            )
        planned = order_create_many(items=items, actor=actor, source="csv")
        problems = [f"{p.item.key}: {p.errors or p.message}" for p in planned if not p.creates]
        if problems:
            raise CommandError(f"Demo history rejected: {problems[:5]}")
        created += len(planned)
    return created


def load_demo_orders(count: int) -> str:
    """Create the demo data (see the module docstring); returns the summary line."""
    started = time.perf_counter()
    if not connection.in_atomic_block:
        # Demo data is made again in seconds if a crash loses its last commits: skip the flush per commit.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    try:
        return _load(count, started)
    finally:
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _load(count: int, started: float) -> str:
    rng = random.Random(SEED)
    cast = _cast()
    with transaction.atomic():
        ensure_channels()
        skus = ensure_catalogue(DEMO_PRODUCTS)
    products = list(Product.objects.filter(sku__in=skus).order_by("sku"))
    short = products[5::13][:3]  # three SKUs the warehouse is nearly out of
    main, east = _warehouses()
    customers = _customers(rng)
    stocked = _stock(products, short, main, east, cast, rng)
    journeys = journey_plan(count)
    history = _history(count - len(journeys), rng, customers, products)
    made = Journeys(
        cast=cast, rng=rng, customers=customers, products=products, short=short, main=main, east=east
    )
    made.run(journeys)
    return (
        f"demo orders created: {history + len(journeys):,} ({len(journeys)} through the services one by one, "
        f"{history:,} as imported history), {len(customers)} customers, {len(products)} products with "
        f"barcodes, {stocked} stock rows received, in {time.perf_counter() - started:.1f} s"
    )


class Command(BaseCommand):
    help = (
        "Load demo orders made through the services (stock, picklists, payments, ...); skips if orders exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=DEMO_ORDERS, help="Orders to create in all")

    def handle(self, *args, count, **options):
        if Order.objects.exists():
            self.stdout.write("demo orders: none created (orders already there)")
            return
        self.stdout.write(load_demo_orders(count))
