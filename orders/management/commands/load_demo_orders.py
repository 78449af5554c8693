"""Demo orders for `make run`: a small catalogue, ~200 customers and a few thousand orders in every stage.

Idempotent: when any order exists the command does nothing (one cheap query). The bulk of the orders
come from generate_orders' COPY machinery, spread over the last 60 days so that every tab has
something in it; the newest ~30 are created through the real services (order_create, then
order_transition / order_hold by the demo users), so their timelines are exactly what the
application writes.
"""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from bench.generate_orders import catalogue_item, generate_orders
from orders.actors import Actor
from orders.errors import OrderError
from orders.models import Channel, Customer, Order, Product
from orders.services import (
    LineInput,
    OrderInput,
    builtin_status,
    order_assign,
    order_cancel,
    order_create,
    order_hold,
    order_transition,
)
from orders.workflow import Stage

DEMO_PRODUCTS = 40
DEMO_CUSTOMERS = 200
DEMO_ORDERS = 3000
SERVICE_ORDERS = 30
DEMO_DAYS = 60
SEED = 2026

# How far the orders made through the services go: (stages to walk through, how many orders).
SERVICE_JOURNEYS = [
    ([], 10),
    ([Stage.PICKING], 4),
    ([Stage.PICKING, Stage.PICKED], 3),
    ([Stage.PICKING, Stage.PICKED, Stage.PACKED], 3),
    ([Stage.PICKING, Stage.PICKED, Stage.PACKED, Stage.SHIPPED], 3),
    ([Stage.SHIPPED, Stage.DELIVERED], 2),
    ([Stage.ON_HOLD], 3),
    ([Stage.CANCELLED], 2),
]


def _demo_user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _service_orders(count: int, rng: random.Random) -> int:
    """Create `count` orders through order_create and walk some through the workflow as the demo staff."""
    system = Actor.system("Demo data")
    csr, manager = _demo_user("csr"), _demo_user("manager") or system
    warehouse, agent = _demo_user("warehouse") or manager, _demo_user("agent")
    creator = csr or system
    skus = [catalogue_item(index)["sku"] for index in range(DEMO_PRODUCTS)]
    customers = list(Customer.objects.order_by("-pk")[:DEMO_CUSTOMERS])
    channels = list(Channel.objects.filter(code__in=["manual", "shopify", "woocommerce"]))
    journeys = [steps for steps, times in SERVICE_JOURNEYS for _ in range(times)]
    created = 0
    for index in range(count):
        customer = rng.choice(customers)
        steps = journeys[index % len(journeys)]
        complete = steps or rng.random() < 0.6
        lines = [
            LineInput(sku=sku, quantity=rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))
        ]
        data = OrderInput(
            customer=customer,
            lines=lines,
            channel=rng.choice(channels) if channels else None,
            shipping_method="Standard" if complete or rng.random() < 0.5 else "",
            payment_method="cash" if complete else rng.choice(["card", "transfer", "cash"]),
            po_number=f"PO-{rng.randrange(10000, 99999)}" if customer.requires_po_number and complete else "",
            notes="Created by the demo data loader through order_create.",
        )
        if data.channel and data.channel.code != "manual":
            data.channel_order_id = f"demo-{data.channel.code}-{rng.randrange(10**9)}"
            data.channel_order_number = data.channel_order_id
        source = data.channel.code if data.channel else "manual"
        order = order_create(data=data, actor=creator, source=source, source_detail="demo data")
        created += 1
        try:
            if agent and Stage.SHIPPED in steps:
                # The delivery agent is assigned before the parcel leaves.
                order_assign(order_id=order.pk, actor=csr or manager, agent=agent)
            for stage in steps:
                if order.stage == Stage.ON_HOLD:
                    break  # the creation checks held it; leave it for a CSR to release
                if stage == Stage.ON_HOLD:
                    order_hold(
                        order_id=order.pk, actor=csr or manager, reason="Customer asked to change the address"
                    )
                    continue
                actor = manager
                if stage in (Stage.PICKING, Stage.PICKED, Stage.PACKED, Stage.SHIPPED):
                    actor = warehouse
                elif stage == Stage.DELIVERED and agent:
                    actor = agent
                if stage == Stage.CANCELLED:
                    order = order_cancel(
                        order_id=order.pk, actor=csr or manager, reason="Customer changed their mind"
                    )
                else:
                    order = order_transition(order_id=order.pk, to=builtin_status(stage), actor=actor)
        except OrderError:
            continue  # a refused move (permissions, guards) leaves the order where it is: still a real order
    return created


class Command(BaseCommand):
    help = (
        "Load demo orders (products, customers, a few thousand orders in every stage); skips if orders exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=DEMO_ORDERS, help="Orders to create in all")

    def handle(self, *args, count, **options):
        if Order.objects.exists():
            self.stdout.write("demo orders: none created (orders already there)")
            return
        rng = random.Random(SEED)
        bulk = max(count - SERVICE_ORDERS, 0)
        result = generate_orders(
            bulk,
            seed=SEED,
            customers=DEMO_CUSTOMERS,
            products=DEMO_PRODUCTS,
            b2b_share=0.15,
            history_days=DEMO_DAYS,
            indexes="keep",
        )
        with transaction.atomic():
            created = _service_orders(min(SERVICE_ORDERS, count), rng)
        products = Product.objects.exclude(barcode="").count()
        self.stdout.write(
            f"demo orders created: {result.orders + created:,} ({created} through the services), "
            f"{result.customers} customers, {products} products with barcodes"
        )
