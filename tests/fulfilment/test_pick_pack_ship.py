"""Picking, packing, shipping and documents (SPEC 2.1 and 3): picklists batch ready orders and walk
the bins, scans pick and pack one unit at a time and refuse the wrong item, short picks correct the
stock, shipments take stock off the shelf (partially too), and packing slips and invoices print."""

import re
import shutil
import subprocess
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from fulfilment.errors import FulfilmentError, WrongItem
from fulfilment.models import (
    Allocation,
    BinLocation,
    PackingRecord,
    Picklist,
    PicklistLine,
    Shipment,
    StockItem,
    StockMovement,
)
from fulfilment.services import (
    document_print,
    packing_complete,
    packing_scan,
    picklist_complete,
    picklist_create,
    picklist_create_batch,
    picklist_line_confirm,
    picklist_scan,
    shipment_create,
)
from orders.inputs import LineInput
from orders.models import Order, OrderEvent, OrderHold, Product, Warehouse
from orders.selectors import search_orders
from orders.workflow import Stage
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")


def main_warehouse() -> Warehouse:
    return Warehouse.objects.get(is_default=True)


def stocked(sku: str, on_hand: int = 10, *, bin_code: str = "", barcode: str | None = None) -> Product:
    """A product (10.00 + 20% tax) on a shelf of the main warehouse."""
    product = ProductFactory(sku=sku, **({"barcode": barcode} if barcode is not None else {}))
    warehouse = main_warehouse()
    bin = BinLocation.objects.get_or_create(warehouse=warehouse, code=bin_code)[0] if bin_code else None
    StockItem.objects.create(warehouse=warehouse, product=product, on_hand=on_hand, bin=bin)
    return product


def stock_of(product: Product) -> tuple[int, int]:
    row = StockItem.objects.get(product=product, warehouse=main_warehouse())
    return row.on_hand, row.allocated


@pytest.fixture
def place(django_capture_on_commit_callbacks):
    """Create an order through order_create and run what its commit triggers (the allocation)."""

    def place_order(*lines, **fields) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            order = make_order(
                lines=[LineInput(sku=product.sku, quantity=quantity) for product, quantity in lines], **fields
            )
        order.refresh_from_db()
        return order

    return place_order


@pytest.fixture
def unpaid_card_order(place):
    """A card order that went to processing paid, then lost its payment (a charge-back, say)."""

    def make(*lines) -> Order:
        total = sum(Decimal("12.00") * quantity for _, quantity in lines)
        order = place(*lines, payment_method="card", amount_paid=total)
        assert order.stage == Stage.PROCESSING
        Order.objects.filter(pk=order.pk).update(amount_paid=Decimal("0.00"))
        order.refresh_from_db()
        return order

    return make


@pytest.fixture
def picker(make_user):
    return make_user("warehouse", username="pat-picker")


def stage_of(order: Order) -> str:
    return Order.objects.get(pk=order.pk).stage


def event_params(order: Order, type: str) -> list[dict]:
    return list(
        OrderEvent.objects.filter(order=order, type=type).order_by("id").values_list("params", flat=True)
    )


def pick_everything(order: Order, actor) -> Picklist:
    picklist, refusals = picklist_create(order_ids=[order.pk], actor=actor)
    assert refusals == {}
    for line in picklist.lines.all():
        picklist_line_confirm(line_id=line.pk, picked=line.quantity, actor=actor)
    picklist_complete(picklist_id=picklist.pk, actor=actor)
    assert stage_of(order) == Stage.PICKED
    return picklist


def pack_everything(order: Order, actor) -> None:
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            packing_scan(order_id=order.pk, code=line.product.barcode, actor=actor)
    packing_complete(order_id=order.pk, packages=1, weight_grams=800, actor=actor)
    assert stage_of(order) == Stage.PACKED


def lines_by_sku(order: Order) -> dict:
    return {line.sku: line for line in order.lines.all()}


# Picklists -------------------------------------------------------------------------------------


def test_a_picklist_moves_processing_orders_to_picking_and_lists_their_lines_by_bin(place, picker):
    zebra = stocked("ZEBRA-01", bin_code="A-01")
    apple = stocked("APPLE-01", bin_code="C-03")
    first = place((apple, 1), (zebra, 2))
    second = place((zebra, 1))

    picklist, refusals = picklist_create(order_ids=[first.pk, second.pk], actor=picker)

    assert refusals == {}
    assert stage_of(first) == stage_of(second) == Stage.PICKING
    assert picklist.state == Picklist.State.OPEN
    assert picklist.picker == picker
    # The route walks the bins: A-01 before C-03, whatever the SKUs are called.
    assert list(
        picklist.lines.values_list("bin_code", "product__sku", "order_id", "quantity", "quantity_picked")
    ) == [
        ("A-01", "ZEBRA-01", first.pk, 2, 0),
        ("A-01", "ZEBRA-01", second.pk, 1, 0),
        ("C-03", "APPLE-01", first.pk, 1, 0),
    ]
    assert event_params(first, "picklist.created") == [{"picklist": picklist.pk}]
    assert event_params(first, "status.changed")[-1]["new"] == "Picking"


def test_only_the_allocated_units_of_a_partly_backordered_line_go_on_the_picklist(place, picker):
    mug = stocked("MUG-01", on_hand=2, bin_code="B-02")
    order = place((mug, 5))

    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)

    assert list(picklist.lines.values_list("product__sku", "quantity")) == [("MUG-01", 2)]


def test_an_unpaid_card_order_is_left_off_the_picklist_with_the_reason_while_the_others_go_on(
    place, unpaid_card_order, picker
):
    mug = stocked("MUG-01", bin_code="A-01")
    cash = place((mug, 1))
    card = unpaid_card_order((mug, 1))

    picklist, refusals = picklist_create(order_ids=[cash.pk, card.pk], actor=picker)

    assert list(refusals) == [card.pk]
    assert refusals[card.pk].startswith(f"{card} is not paid: Card orders must be paid before fulfilment")
    assert "balance due 12.00" in refusals[card.pk]
    assert stage_of(cash) == Stage.PICKING
    assert stage_of(card) == Stage.PROCESSING
    assert set(picklist.lines.values_list("order_id", flat=True)) == {cash.pk}


def test_a_picklist_of_only_unpickable_orders_is_refused_and_not_created(unpaid_card_order, picker):
    card = unpaid_card_order((stocked("MUG-01"), 1))

    with pytest.raises(
        FulfilmentError, match=re.escape(f"None of the orders can be picked: {card} is not paid")
    ):
        picklist_create(order_ids=[card.pk], actor=picker)

    assert Picklist.objects.count() == 0


def test_a_batch_takes_the_next_ready_orders_priority_first_then_oldest(place, picker):
    mug = stocked("MUG-01", on_hand=20, bin_code="A-01")
    lamp = stocked("LAMP-01", on_hand=0)
    oldest, old, urgent, newest = (place((mug, 1)) for _ in range(4))
    urgent_but_backordered = place((lamp, 1), priority=5)
    Order.objects.filter(pk=urgent.pk).update(priority=1)
    now = timezone.now()
    for hours, order in [(4, oldest), (3, old), (1, urgent), (0, newest)]:
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(hours=hours))

    first, _ = picklist_create_batch(warehouse=main_warehouse(), count=2, actor=picker)
    second, _ = picklist_create_batch(warehouse=main_warehouse(), count=2, actor=picker)

    first_orders = set(first.lines.values_list("order_id", flat=True))
    second_orders = set(second.lines.values_list("order_id", flat=True))
    assert first_orders == {urgent.pk, oldest.pk}
    assert second_orders == {old.pk, newest.pk}
    assert stage_of(urgent_but_backordered) == Stage.PROCESSING
    with pytest.raises(FulfilmentError, match=re.escape("No orders in Main warehouse are ready to pick.")):
        picklist_create_batch(warehouse=main_warehouse(), count=2, actor=picker)


@pytest.mark.django_db(transaction=True)
def test_two_pickers_asking_for_a_batch_at_the_same_moment_get_different_orders(make_user):
    mug = stocked("MUG-01", on_hand=20, bin_code="A-01")
    order_ids = {make_order(lines=[LineInput(sku=mug.sku, quantity=1)]).pk for _ in range(6)}
    pickers = [make_user("warehouse"), make_user("warehouse")]
    barrier = threading.Barrier(2, timeout=30)
    batches: list[set[int]] = []
    errors: list[str] = []

    def ask_for_a_batch(picker) -> None:
        try:
            barrier.wait()
            picklist, _ = picklist_create_batch(warehouse=main_warehouse(), count=3, actor=picker)
            batches.append(set(picklist.lines.values_list("order_id", flat=True)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask_for_a_batch, args=(picker,)) for picker in pickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert [len(batch) for batch in batches] == [3, 3]
    assert batches[0].isdisjoint(batches[1])
    assert batches[0] | batches[1] == order_ids
    assert set(Order.objects.values_list("stage", flat=True)) == {Stage.PICKING}


# Scanning on the picklist ------------------------------------------------------------------------


def test_scanning_a_barcode_or_a_typed_sku_picks_one_unit_at_a_time(place, picker):
    mug = stocked("MUG-01", bin_code="A-01", barcode="5012345000011")
    tea = stocked("TEA-01", bin_code="B-04", barcode="5012345000028")
    order = place((mug, 2), (tea, 1))
    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)

    def picked() -> list[tuple[str, int]]:
        return list(picklist.lines.values_list("product__sku", "quantity_picked"))

    line = picklist_scan(picklist_id=picklist.pk, code="5012345000011", actor=picker)
    assert (line.product_id, line.order_id, line.quantity_picked) == (mug.pk, order.pk, 1)
    assert picked() == [("MUG-01", 1), ("TEA-01", 0)]

    picklist_scan(picklist_id=picklist.pk, code="mug-01", actor=picker)  # a typed SKU, any case
    assert picked() == [("MUG-01", 2), ("TEA-01", 0)]
    picklist_scan(picklist_id=picklist.pk, code=" 5012345000028 ", actor=picker)
    assert picked() == [("MUG-01", 2), ("TEA-01", 1)]

    with pytest.raises(WrongItem, match=re.escape(f"MUG-01 is already fully picked on {picklist}.")):
        picklist_scan(picklist_id=picklist.pk, code="5012345000011", actor=picker)
    assert picked() == [("MUG-01", 2), ("TEA-01", 1)]


def test_scans_of_a_product_on_several_orders_fill_its_lines_one_after_another(place, picker):
    mug = stocked("MUG-01", bin_code="A-01")
    first, second = place((mug, 1)), place((mug, 2))
    picklist, _ = picklist_create(order_ids=[first.pk, second.pk], actor=picker)

    for _ in range(3):
        picklist_scan(picklist_id=picklist.pk, code="MUG-01", actor=picker)
        # Each scan tops up one line; a line is finished before the next one is started.
        assert picklist.lines.filter(quantity_picked__gt=0, quantity_picked__lt=F("quantity")).count() <= 1

    assert dict(picklist.lines.values_list("order_id", "quantity_picked")) == {first.pk: 1, second.pk: 2}


def test_scanning_an_item_that_is_not_on_the_picklist_is_refused_naming_it(place, picker):
    mug = stocked("MUG-01", bin_code="A-01")
    stocked("VASE-07", barcode="5099999000077")
    order = place((mug, 1))
    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)

    with pytest.raises(WrongItem, match=re.escape(f"VASE-07 is not on {picklist}.")):
        picklist_scan(picklist_id=picklist.pk, code="5099999000077", actor=picker)
    with pytest.raises(WrongItem, match=re.escape("Nothing is known by “NO-SUCH-THING”")):
        picklist_scan(picklist_id=picklist.pk, code="NO-SUCH-THING", actor=picker)

    assert list(picklist.lines.values_list("quantity_picked", flat=True)) == [0]


def test_an_empty_scan_picks_nothing_even_for_a_product_without_a_barcode(place, picker):
    card = stocked("GIFT-CARD", bin_code="A-01", barcode="")
    order = place((card, 2))
    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)

    with pytest.raises(WrongItem):
        picklist_scan(picklist_id=picklist.pk, code="", actor=picker)

    assert list(picklist.lines.values_list("quantity_picked", flat=True)) == [0]


# Completing a picklist ----------------------------------------------------------------------------


def test_completing_a_fully_picked_picklist_moves_its_orders_to_picked(place, picker):
    mug = stocked("MUG-01", bin_code="A-01")
    first, second = place((mug, 2)), place((mug, 1))
    picklist, _ = picklist_create(order_ids=[first.pk, second.pk], actor=picker)
    for _ in range(3):
        picklist_scan(picklist_id=picklist.pk, code="MUG-01", actor=picker)

    result = picklist_complete(picklist_id=picklist.pk, actor=picker)

    assert result == {"picked": [str(first), str(second)], "short": [], "refused": []}
    assert stage_of(first) == stage_of(second) == Stage.PICKED
    assert lines_by_sku(first)["MUG-01"].quantity_picked == 2
    picklist.refresh_from_db()
    assert picklist.state == Picklist.State.COMPLETED
    assert picklist.completed_at is not None
    assert stock_of(mug) == (10, 3)
    assert StockMovement.objects.count() == 0
    with pytest.raises(FulfilmentError, match=re.escape("already completed")):
        picklist_complete(picklist_id=picklist.pk, actor=picker)


def test_a_short_pick_writes_off_the_missing_units_backorders_the_line_and_holds_the_order(
    place, picker, settings
):
    settings.SHORT_PICK_POLICY = "hold"
    mug = stocked("MUG-01", on_hand=3, bin_code="A-01")
    tea = stocked("TEA-01", on_hand=5, bin_code="B-01")
    order = place((mug, 3), (tea, 1))
    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)
    mug_pick = picklist.lines.get(product=mug)
    picklist_line_confirm(line_id=mug_pick.pk, picked=1, actor=picker)
    picklist_scan(picklist_id=picklist.pk, code="TEA-01", actor=picker)

    result = picklist_complete(picklist_id=picklist.pk, actor=picker)

    assert result == {"picked": [], "short": [f"{order}: 2 × MUG-01"], "refused": []}
    assert list(StockMovement.objects.values_list("kind", "quantity", "order_id", "user")) == [
        (StockMovement.Kind.WRITE_OFF, -2, order.pk, picker.pk)
    ]
    assert stock_of(mug) == (1, 1)
    assert stock_of(tea) == (5, 1)
    mug_line = lines_by_sku(order)["MUG-01"]
    assert (mug_line.quantity_picked, mug_line.quantity_allocated) == (1, 1)
    assert mug_line.stock_state == "backordered"
    assert stage_of(order) == Stage.ON_HOLD
    hold = OrderHold.objects.get(order=order, released_at__isnull=True)
    assert "short pick" in str(hold).lower()
    assert "2 × MUG-01" in hold.detail


def test_with_the_picking_policy_a_short_picked_order_stays_in_picking(place, picker, settings):
    settings.SHORT_PICK_POLICY = "picking"
    mug = stocked("MUG-01", on_hand=3, bin_code="A-01")
    order = place((mug, 3))
    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)
    picklist_line_confirm(line_id=picklist.lines.get().pk, picked=2, actor=picker)

    result = picklist_complete(picklist_id=picklist.pk, actor=picker)

    assert result["short"] == [f"{order}: 1 × MUG-01"]
    assert stage_of(order) == Stage.PICKING
    assert not OrderHold.objects.filter(order=order, released_at__isnull=True).exists()
    assert stock_of(mug) == (2, 2)
    assert lines_by_sku(order)["MUG-01"].stock_state == "backordered"


def test_a_confirmed_quantity_outside_the_line_is_refused(place, picker):
    order = place((stocked("MUG-01"), 2))
    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)
    line = picklist.lines.get()

    with pytest.raises(FulfilmentError, match=re.escape("Picked must be between 0 and 2.")):
        picklist_line_confirm(line_id=line.pk, picked=3, actor=picker)

    assert PicklistLine.objects.get(pk=line.pk).quantity_picked == 0


# Packing ------------------------------------------------------------------------------------------


def test_packing_ticks_items_off_and_refuses_a_wrong_item_loudly(place, picker):
    mug = stocked("MUG-01", barcode="5012345000011")
    tea = stocked("TEA-01", barcode="5012345000028")
    stocked("VASE-07", barcode="5099999000077")
    order = place((mug, 2), (tea, 1))
    pick_everything(order, picker)

    packed = packing_scan(order_id=order.pk, code="5012345000011", actor=picker)
    assert (packed.sku, packed.quantity_packed) == ("MUG-01", 1)

    with pytest.raises(WrongItem) as refusal:
        packing_scan(order_id=order.pk, code="5099999000077", actor=picker)
    assert str(refusal.value) == f"WRONG ITEM: VASE-07 is not in {order}. Take it out of the box."

    packing_scan(order_id=order.pk, code="TEA-01", actor=picker)
    packing_scan(order_id=order.pk, code="5012345000011", actor=picker)
    with pytest.raises(WrongItem, match=re.escape(f"MUG-01: every unit for {order} is already packed.")):
        packing_scan(order_id=order.pk, code="5012345000011", actor=picker)
    assert {sku: line.quantity_packed for sku, line in lines_by_sku(order).items()} == {
        "MUG-01": 2,
        "TEA-01": 1,
    }


def test_an_order_cannot_be_marked_packed_while_items_are_missing(place, picker):
    mug = stocked("MUG-01")
    tea = stocked("TEA-01")
    order = place((mug, 2), (tea, 1))
    pick_everything(order, picker)
    packing_scan(order_id=order.pk, code="MUG-01", actor=picker)

    with pytest.raises(
        FulfilmentError, match=re.escape(f"{order} is not complete: still to pack 1 × MUG-01, 1 × TEA-01.")
    ):
        packing_complete(order_id=order.pk, packages=1, weight_grams=500, actor=picker)
    assert PackingRecord.objects.count() == 0
    assert stage_of(order) == Stage.PICKED

    packing_scan(order_id=order.pk, code="MUG-01", actor=picker)
    packing_scan(order_id=order.pk, code="TEA-01", actor=picker)
    packing_complete(order_id=order.pk, packages=2, weight_grams=1500, actor=picker)

    assert list(PackingRecord.objects.values_list("order_id", "packages", "weight_grams", "packed_by")) == [
        (order.pk, 2, 1500, picker.pk)
    ]
    assert stage_of(order) == Stage.PACKED
    assert event_params(order, "order.packed") == [{"packages": 2, "weight_grams": 1500}]


def test_an_empty_scan_at_the_packing_station_packs_nothing(place, picker):
    card = stocked("GIFT-CARD", barcode="")
    order = place((card, 1))
    pick_everything(order, picker)

    with pytest.raises(WrongItem):
        packing_scan(order_id=order.pk, code="", actor=picker)

    assert order.lines.get().quantity_packed == 0


def test_an_order_that_is_not_picked_cannot_be_packed(place, picker):
    order = place((stocked("MUG-01"), 1))

    with pytest.raises(
        FulfilmentError, match=re.escape(f"{order} is Processing; only picked orders are packed.")
    ):
        packing_scan(order_id=order.pk, code="MUG-01", actor=picker)


# Shipping -----------------------------------------------------------------------------------------


def test_shipping_a_packed_order_ships_everything_and_takes_the_stock_off_the_shelf(place, picker):
    mug, tea = stocked("MUG-01", on_hand=5), stocked("TEA-01", on_hand=5)
    order = place((mug, 2), (tea, 1))
    pick_everything(order, picker)
    pack_everything(order, picker)

    shipment = shipment_create(
        order_id=order.pk,
        carrier="DPD",
        service="Next day",
        tracking_number="1Z999AA10123456784",
        actor=picker,
    )

    assert stage_of(order) == Stage.SHIPPED
    assert stock_of(mug) == (3, 0)
    assert stock_of(tea) == (4, 0)
    assert Allocation.objects.filter(line__order=order).count() == 0
    assert sorted(
        StockMovement.objects.filter(kind=StockMovement.Kind.SHIPMENT).values_list(
            "stock_item__product__sku", "quantity", "order_id"
        )
    ) == [("MUG-01", -2, order.pk), ("TEA-01", -1, order.pk)]
    assert sorted(shipment.lines.values_list("order_line__sku", "quantity")) == [("MUG-01", 2), ("TEA-01", 1)]
    assert {sku: line.quantity_shipped for sku, line in lines_by_sku(order).items()} == {
        "MUG-01": 2,
        "TEA-01": 1,
    }
    assert {line.stock_state for line in order.lines.all()} == {"shipped"}
    assert event_params(order, "shipment.created") == [
        {
            "shipment": shipment.pk,
            "carrier": "DPD",
            "service": "Next day",
            "tracking_number": "1Z999AA10123456784",
            "lines": ["2 × MUG-01", "1 × TEA-01"],
        }
    ]
    assert list(search_orders(Order.objects.all(), "1Z999AA10123456784")) == [Order.objects.get(pk=order.pk)]


def test_partial_shipments_keep_an_order_in_processing_until_its_last_units_ship(place, picker):
    mug, tea = stocked("MUG-01", on_hand=5), stocked("TEA-01", on_hand=5)
    order = place((mug, 3), (tea, 2))
    lines = lines_by_sku(order)

    shipment_create(order_id=order.pk, carrier="DPD", quantities={lines["MUG-01"].pk: 1}, actor=picker)
    assert stage_of(order) == Stage.PROCESSING
    assert stock_of(mug) == (4, 2)

    shipment_create(
        order_id=order.pk,
        carrier="DPD",
        quantities={lines["MUG-01"].pk: 2, lines["TEA-01"].pk: 1},
        actor=picker,
    )
    assert stage_of(order) == Stage.PROCESSING
    assert stock_of(mug) == (2, 0)
    assert stock_of(tea) == (4, 1)
    assert {sku: line.stock_state for sku, line in lines_by_sku(order).items()} == {
        "MUG-01": "shipped",
        "TEA-01": "allocated",
    }

    shipment_create(order_id=order.pk, carrier="Royal Mail", quantities={lines["TEA-01"].pk: 1}, actor=picker)
    assert stage_of(order) == Stage.SHIPPED
    assert stock_of(tea) == (3, 0)
    assert Shipment.objects.filter(order=order).count() == 3
    assert [params["new"] for params in event_params(order, "status.changed")] == ["Shipped"]


def test_shipping_more_than_is_allocated_is_refused_naming_the_sku(place, picker):
    mug = stocked("MUG-01", on_hand=1)
    order = place((mug, 3))

    with pytest.raises(FulfilmentError) as refusal:
        shipment_create(order_id=order.pk, carrier="DPD", quantities={order.lines.get().pk: 2}, actor=picker)

    assert str(refusal.value) == f"Cannot ship {order}: MUG-01: only 1 in stock for this order (backordered)."
    assert Shipment.objects.count() == 0
    assert stock_of(mug) == (1, 1)
    assert stage_of(order) == Stage.PROCESSING


def test_shipping_more_than_the_line_holds_is_refused(place, picker):
    mug = stocked("MUG-01")
    order = place((mug, 2))

    with pytest.raises(FulfilmentError, match=re.escape("MUG-01: ship between 1 and 2, not 3")):
        shipment_create(order_id=order.pk, carrier="DPD", quantities={order.lines.get().pk: 3}, actor=picker)

    assert Shipment.objects.count() == 0


def test_an_unpaid_card_order_cannot_ship(unpaid_card_order, picker):
    mug = stocked("MUG-01")
    order = unpaid_card_order((mug, 1))

    with pytest.raises(
        FulfilmentError, match=re.escape(f"{order} is not paid: Card orders must be paid before fulfilment.")
    ):
        shipment_create(order_id=order.pk, carrier="DPD", actor=picker)

    assert Shipment.objects.count() == 0
    assert stock_of(mug) == (10, 1)
    assert stage_of(order) == Stage.PROCESSING


def test_the_fast_path_ships_every_open_line_when_no_quantities_are_given(place, picker):
    mug, tea = stocked("MUG-01"), stocked("TEA-01")
    order = place((mug, 2), (tea, 3))

    shipment = shipment_create(order_id=order.pk, carrier="DPD", tracking_number="TRK0001", actor=picker)

    assert sorted(shipment.lines.values_list("order_line__sku", "quantity")) == [("MUG-01", 2), ("TEA-01", 3)]
    assert stage_of(order) == Stage.SHIPPED
    assert stock_of(mug) == (8, 0)
    assert stock_of(tea) == (7, 0)
    assert Order.objects.get(pk=order.pk).tracking_numbers == ["TRK0001"]


def test_a_user_without_the_ship_permission_cannot_ship(place, make_user):
    order = place((stocked("MUG-01"), 1))

    with pytest.raises(FulfilmentError, match=re.escape("You may not ship orders.")):
        shipment_create(order_id=order.pk, carrier="DPD", actor=make_user("csr"))

    assert Shipment.objects.count() == 0


# Documents ----------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    return subprocess.run([PDFTOTEXT, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize(("kind", "title"), [("packing-slip", "Packing slip"), ("invoice", "Invoice")])
def test_printing_a_document_gives_a_pdf_and_puts_the_print_on_the_timeline(place, picker, kind, title):
    order = place((stocked("MUG-01", bin_code="A-01"), 1))

    pdf = document_print(order=order, kind=kind, actor=picker)

    assert pdf.startswith(b"%PDF")
    assert list(
        OrderEvent.objects.filter(order=order, type="document.printed").values_list("params", "actor")
    ) == [({"document": title}, picker.pk)]


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_packing_slip_names_the_order_its_bins_and_the_gift_message(place, picker):
    order = place((stocked("MUG-01", bin_code="A-01"), 1), gift_message="Happy birthday, Sam")

    text = pdf_text(document_print(order=order, kind="packing-slip", actor=picker))

    assert str(order) in text
    assert "MUG-01" in text
    assert "A-01" in text
    assert "Happy birthday, Sam" in text


@pytest.mark.parametrize("role", ["csr", "viewer"])
def test_a_user_without_the_print_permission_cannot_print(place, make_user, client, role):
    order = place((stocked("MUG-01"), 1))
    user = make_user(role)

    with pytest.raises(FulfilmentError, match=re.escape("You may not print documents.")):
        document_print(order=order, kind="packing-slip", actor=user)
    client.force_login(user)
    response = client.get(f"/fulfilment/orders/{order.number}/documents/packing-slip/")

    assert response.status_code == 403
    assert not OrderEvent.objects.filter(order=order, type="document.printed").exists()


def test_the_packing_slip_opens_in_the_browser_and_still_downloads_on_request(place, picker, client):
    order = place((stocked("MUG-01"), 1))
    client.force_login(picker)

    response = client.get(f"/fulfilment/orders/{order.number}/documents/packing-slip/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{order}-packing-slip.pdf"'
    assert response.content.startswith(b"%PDF")
    assert OrderEvent.objects.filter(order=order, type="document.printed", actor=picker).count() == 1
    saved = client.get(f"/fulfilment/orders/{order.number}/documents/packing-slip/?download=1")
    assert saved["Content-Disposition"] == f'attachment; filename="{order}-packing-slip.pdf"'


def test_an_order_of_another_warehouse_is_listed_with_the_bin_its_stock_is_in(place, picker):
    north = Warehouse.objects.create(code="north", name="North warehouse")
    mug = ProductFactory(sku="MUG-01")
    StockItem.objects.create(
        warehouse=north, product=mug, on_hand=5, bin=BinLocation.objects.create(warehouse=north, code="N-05")
    )
    order = place((mug, 1), warehouse=north)
    assert Allocation.objects.get(line__order=order).stock_item.warehouse == north

    picklist, _ = picklist_create(order_ids=[order.pk], actor=picker)

    assert list(picklist.lines.values_list("bin_code", "quantity")) == [("N-05", 1)]
