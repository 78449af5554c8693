"""Allocation of many orders at once (orders_allocate) against the single form, order by order
(order_allocate): the same orders over the same stock end with the same allocations, line and stock
totals, and events, whether the batch is written through the totals trigger or set-based."""

from decimal import Decimal

import pytest
from django.db import transaction

from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation, StockItem
from fulfilment.services import allocation, order_allocate
from fulfilment.services.allocation import orders_allocate
from orders.actors import Actor
from orders.inputs import LineInput
from orders.models import OrderEvent, OrderLine, Warehouse
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


class Undo(Exception):
    pass


def snapshot(orders) -> dict:
    """Every column allocation writes, keyed by what is the same in both runs (no ids, no times)."""
    order_ids = [order.pk for order in orders]
    return {
        "allocations": sorted(
            Allocation.objects.filter(line__order_id__in=order_ids).values_list(
                "line__order_id", "line__sku", "stock_item__warehouse__code", "quantity"
            )
        ),
        "lines": sorted(
            OrderLine.objects.filter(order_id__in=order_ids).values_list(
                "order_id", "sku", "quantity_allocated"
            )
        ),
        "stock": sorted(
            StockItem.objects.values_list("warehouse__code", "product__sku", "on_hand", "allocated")
        ),
        "events": sorted(
            OrderEvent.objects.filter(order_id__in=order_ids, type=FulfilmentEvent.STOCK_ALLOCATION)
            .values_list("order_id", "params", "actor_id", "actor_kind", "actor_label")
            .order_by("order_id"),
            key=repr,
        ),
    }


@pytest.mark.parametrize("set_based_from", [1, allocation.SET_BASED_FROM], ids=["set-based", "trigger"])
def test_batch_allocation_matches_order_allocate_over_every_column(set_based_from, monkeypatch):
    main = Warehouse.objects.get(is_default=True)
    east = Warehouse.objects.create(code="east", name="East")
    mug, tee, cap = (ProductFactory(sku=sku, price=Decimal("5.00")) for sku in ("MUG-1", "TEE-1", "CAP-1"))
    StockItem.objects.create(warehouse=main, product=mug, on_hand=5)  # scarce: the older orders first
    StockItem.objects.create(warehouse=main, product=tee, on_hand=100)  # plenty
    StockItem.objects.create(warehouse=east, product=cap, on_hand=2)  # only in the east warehouse
    orders = [
        make_order(lines=[LineInput(sku="MUG-1", quantity=3), LineInput(sku="TEE-1", quantity=2)]),
        make_order(lines=[LineInput(sku="MUG-1", quantity=4)]),  # partly backordered
        make_order(lines=[LineInput(sku="CAP-1", quantity=3)], warehouse=east),  # east, partly
        make_order(lines=[LineInput(sku="CAP-1", quantity=1)]),  # main has no caps: backordered
        make_order(lines=[LineInput(sku="UNKNOWN-9", quantity=1), LineInput(sku="TEE-1", quantity=1)]),
    ]
    # Created orders reserve stock at once (in their creating transaction): start both forms from none.
    Allocation.objects.filter(line__order__in=orders).delete()
    OrderEvent.objects.filter(order__in=orders, type=FulfilmentEvent.STOCK_ALLOCATION).delete()
    actor = Actor.system("Stock")
    before = snapshot(orders)
    assert not before["allocations"] and not before["events"]
    try:
        with transaction.atomic(), monkeypatch.context() as batch:
            batch.setattr(allocation, "SET_BASED_FROM", set_based_from)
            orders_allocate(order_ids=[order.pk for order in orders], actor=actor)
            by_batch = snapshot(orders)
            raise Undo
    except Undo:
        pass
    assert snapshot(orders) == before  # the batch run is gone; the single form starts from the same place
    for order in orders:  # oldest first, as the batch serves them; each through the trigger
        order_allocate(order_id=order.pk, actor=actor)
    by_single = snapshot(orders)
    assert by_batch == by_single
    assert by_single["allocations"], "nothing was allocated: the comparison would prove nothing"
    assert any(event[1]["backordered"] for event in by_single["events"]), "no backorder was compared"
