"""Fulfilment's timeline events (issue 14): registered by fulfilment (orders does not know them), each
worded on the order page and escaped; the allocation written in the creating transaction writes its
event through the same row builder as every other writer, and it is the row order_allocate writes."""

import pytest

from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation, StockItem
from fulfilment.services import order_allocate
from orders.actors import Actor
from orders.inputs import LineInput
from orders.models import OrderEvent, Warehouse
from tests.event_wording import constants_of, shown_on_the_timeline, types_registered_by, with_markup
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db

# Each type fulfilment/events.py registers, with parameters as fulfilment's services write them.
FULFILMENT_EVENTS = {
    "stock.allocation": (
        {"allocated": ["2 × MUG-1"], "released": ["1 × TEE-1"], "backordered": ["1 × CAP-1"]},
        'Stock allocated 2 × MUG-1 released 1 × TEE-1 <span class="text-danger">backordered 1 × CAP-1</span>',
    ),
    "picklist.created": ({"picklist": 12}, "On picklist 12"),
    "order.packed": ({"packages": 2, "weight_grams": 1800}, "Packed in 2 packages, 1800 g"),
    "shipment.created": (
        {"shipment": 5, "carrier": "DHL", "service": "Express", "tracking_number": "1Z999",
         "lines": ["2 × MUG-1", "1 × TEE-1"]},
        'Shipped 2 × MUG-1, 1 × TEE-1 with DHL Express · tracking <span class="font-monospace">1Z999</span>',
    ),
    "return.created": (
        {"number": "RMA-1", "reason": "Wrong size", "lines": ["1 × TEE-1"]},
        "Return RMA-1 created (Wrong size): 1 × TEE-1",
    ),
    "return.received": (
        {"number": "RMA-1", "lines": ["1 × TEE-1"], "refund": "12.00"}, "Return RMA-1 received: 1 × TEE-1",
    ),
    "return.closed": ({"number": "RMA-1", "reason": "never sent"}, "Return RMA-1 closed: never sent"),
    "document.printed": ({"document": "Packing slip", "job": 3}, "Printed the packing slip"),
}  # fmt: skip


def test_every_fulfilment_event_type_is_registered_and_worded_on_the_timeline():
    assert types_registered_by("fulfilment.events") == set(FULFILMENT_EVENTS) == constants_of(FulfilmentEvent)
    shown = shown_on_the_timeline({type: params for type, (params, _) in FULFILMENT_EVENTS.items()})
    assert shown == {type: wording for type, (_, wording) in FULFILMENT_EVENTS.items()}


def test_every_value_in_a_fulfilment_event_is_escaped_on_the_timeline():
    shown = shown_on_the_timeline(
        {type: with_markup(params) for type, (params, _) in FULFILMENT_EVENTS.items()}
    )
    for type, wording in shown.items():
        assert "<b " not in wording, type


def allocation_events(order) -> list[tuple]:
    return list(
        OrderEvent.objects.filter(order=order, type=FulfilmentEvent.STOCK_ALLOCATION).values_list(
            "type", "params", "actor_id", "actor_kind", "actor_label"
        )
    )


def test_creation_writes_the_allocation_event_order_allocate_writes():
    mug = ProductFactory(sku="MUG-1")
    ProductFactory(sku="TEE-1")
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=mug, on_hand=1)
    order = make_order(lines=[LineInput(sku="MUG-1", quantity=3), LineInput(sku="TEE-1", quantity=1)])
    at_creation = allocation_events(order)  # in the creating transaction (fulfilment.receivers)
    Allocation.objects.filter(line__order=order).delete()  # the trigger gives the unit back
    OrderEvent.objects.filter(order=order, type=FulfilmentEvent.STOCK_ALLOCATION).delete()
    order_allocate(order_id=order.pk, actor=Actor.system("Stock"))
    by_service = allocation_events(order)
    assert at_creation == by_service == [
        (
            "stock.allocation",
            {"allocated": ["1 × MUG-1"], "released": [], "backordered": ["2 × MUG-1", "1 × TEE-1"]},
            None, "system", "Stock",
        )
    ]  # fmt: skip
