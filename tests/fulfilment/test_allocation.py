"""Stock allocation (SPEC 3, seed 001): orders reserve stock when created, whatever they wait for;
what cannot be reserved is backordered and served first-in-first-out when stock arrives; closing
an order or moving a line gives stock back; the database itself keeps stock sane, even under a race."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from fulfilment.errors import FulfilmentError
from fulfilment.models import Allocation, BinLocation, StockItem, StockMovement
from fulfilment.services import allocation, order_allocate, orders_allocate, stock_adjust, stock_receive
from orders.inputs import LineInput
from orders.models import Order, OrderEvent, OrderLine, Warehouse
from orders.services.transitions import order_cancel
from orders.workflow import Stage
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def main_warehouse() -> Warehouse:
    return Warehouse.objects.get(is_default=True)


def shelve(product, on_hand: int, *, warehouse: Warehouse | None = None, bin_code: str = "") -> StockItem:
    """A stock row put there directly: no receipt, no backorders served."""
    warehouse = warehouse or main_warehouse()
    bin = BinLocation.objects.get_or_create(warehouse=warehouse, code=bin_code)[0] if bin_code else None
    return StockItem.objects.create(warehouse=warehouse, product=product, on_hand=on_hand, bin=bin)


@pytest.fixture
def place(django_capture_on_commit_callbacks):
    """Create an order through order_create and run what its commit triggers."""

    def place_order(*lines, **fields) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            order = make_order(
                lines=[LineInput(sku=product.sku, quantity=quantity) for product, quantity in lines], **fields
            )
        order.refresh_from_db()
        return order

    return place_order


@pytest.fixture
def manager(make_user):
    return make_user("manager")


def allocations_of(order: Order) -> list[tuple[str, str, int]]:
    return list(
        Allocation.objects.filter(line__order=order)
        .order_by("line__position", "stock_item__warehouse__code")
        .values_list("line__sku", "stock_item__warehouse__code", "quantity")
    )


def allocation_events(order: Order) -> list[dict]:
    return list(
        OrderEvent.objects.filter(order=order, type="stock.allocation")
        .order_by("id")
        .values_list("params", flat=True)
    )


def totals(row: StockItem) -> tuple[int, int]:
    row.refresh_from_db()
    return row.on_hand, row.allocated


# Allocation when an order is created -------------------------------------------------------------


def test_a_new_order_reserves_its_stock_in_the_transaction_that_creates_it(
    django_capture_on_commit_callbacks,
):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:  # none of them runs
        order = make_order(lines=[LineInput(sku="MUG-01", quantity=2)])
    assert after_commit, "the creation's after-commit work was not captured: the test would prove nothing"
    assert allocations_of(order) == [("MUG-01", "main", 2)]
    assert OrderLine.objects.get(order=order).quantity_allocated == 2
    assert totals(row) == (5, 2)
    assert allocation_events(order) == [{"allocated": ["2 × MUG-01"], "released": [], "backordered": []}]


@pytest.mark.django_db(transaction=True)
def test_an_order_whose_stock_cannot_be_reserved_is_not_created(monkeypatch):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)

    def refused(*args, **kwargs):
        raise IntegrityError("the stock row's CHECK refused the allocation")

    monkeypatch.setattr(allocation, "_write", refused)
    with pytest.raises(IntegrityError):
        make_order(lines=[LineInput(sku="MUG-01", quantity=2)])
    assert not Order.objects.exists() and not OrderLine.objects.exists() and not OrderEvent.objects.exists()
    assert totals(row) == (5, 0)


def test_a_cash_order_in_processing_reserves_its_stock(place):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)

    order = place((mug, 2))

    line = order.lines.get()
    assert order.stage == Stage.PROCESSING
    assert allocations_of(order) == [("MUG-01", "main", 2)]
    assert line.quantity_allocated == 2
    assert line.stock_state == "allocated"
    assert totals(row) == (5, 2)
    assert row.available == 3
    assert allocation_events(order) == [{"allocated": ["2 × MUG-01"], "released": [], "backordered": []}]


@pytest.mark.parametrize(
    ("fields", "stage"),
    [
        ({"payment_method": "card"}, Stage.AWAITING_PAYMENT),
        ({"draft": True}, Stage.DRAFT),
    ],
    ids=["awaiting-payment card order", "draft order"],
)
def test_orders_that_wait_for_payment_or_are_drafts_reserve_stock_too(place, fields, stage):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)

    order = place((mug, 3), **fields)

    assert order.stage == stage
    assert allocations_of(order) == [("MUG-01", "main", 3)]
    assert order.lines.get().stock_state == "allocated"
    assert totals(row) == (5, 3)


def test_a_line_without_enough_stock_is_partly_allocated_and_shown_backordered(place):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 3)

    order = place((mug, 5))

    line = order.lines.get()
    assert line.quantity_allocated == 3
    assert line.stock_state == "backordered"
    assert totals(row) == (3, 3)
    assert allocation_events(order) == [
        {"allocated": ["3 × MUG-01"], "released": [], "backordered": ["2 × MUG-01"]}
    ]


def test_a_line_for_a_product_with_no_stock_at_all_is_backordered(place):
    mug = ProductFactory(sku="MUG-01")

    order = place((mug, 2))

    assert allocations_of(order) == []
    assert order.lines.get().stock_state == "backordered"
    assert allocation_events(order) == [{"allocated": [], "released": [], "backordered": ["2 × MUG-01"]}]


# Backorders ------------------------------------------------------------------------------------


def test_received_stock_goes_to_backorders_oldest_order_first(place, manager):
    mug = ProductFactory(sku="MUG-01")
    # Created first, so it has the smaller id: the order date, not the id, decides.
    newer = place((mug, 2))
    older = place((mug, 2))
    Order.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))

    row = stock_receive(warehouse=main_warehouse(), product=mug, quantity=3, actor=manager, reason="delivery")

    assert allocations_of(older) == [("MUG-01", "main", 2)]
    assert allocations_of(newer) == [("MUG-01", "main", 1)]
    assert older.lines.get().stock_state == "allocated"
    assert newer.lines.get().stock_state == "backordered"
    assert (row.on_hand, row.allocated) == (3, 3)
    assert allocation_events(older)[-1] == {"allocated": ["2 × MUG-01"], "released": [], "backordered": []}
    assert allocation_events(newer)[-1] == {"allocated": ["1 × MUG-01"], "released": [], "backordered": []}
    served = OrderEvent.objects.filter(type="stock.allocation", actor=manager).order_by("id")
    assert [event.order_id for event in served] == [older.pk, newer.pk]
    assert list(StockMovement.objects.values_list("kind", "quantity", "reason")) == [
        ("receipt", 3, "delivery")
    ]


def test_received_stock_passes_over_cancelled_orders(
    place, make_user, manager, django_capture_on_commit_callbacks
):
    mug = ProductFactory(sku="MUG-01")
    cancelled = place((mug, 2))
    waiting = place((mug, 2))
    Order.objects.filter(pk=cancelled.pk).update(created_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=cancelled.pk, actor=make_user("csr"), reason="customer changed their mind")

    stock_receive(warehouse=main_warehouse(), product=mug, quantity=2, actor=manager)

    assert allocations_of(cancelled) == []
    assert allocations_of(waiting) == [("MUG-01", "main", 2)]


# Giving stock back ------------------------------------------------------------------------------


def test_cancelling_an_order_releases_its_allocations(place, make_user, django_capture_on_commit_callbacks):
    mug, tea = ProductFactory(sku="MUG-01"), ProductFactory(sku="TEA-01")
    mug_row, tea_row = shelve(mug, 5), shelve(tea, 5)
    order = place((mug, 2), (tea, 1))
    assert totals(mug_row) == (5, 2)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=make_user("csr"), reason="customer changed their mind")

    order.refresh_from_db()
    assert order.stage == Stage.CANCELLED
    assert Allocation.objects.filter(line__order=order).count() == 0
    assert totals(mug_row) == (5, 0)
    assert totals(tea_row) == (5, 0)
    assert list(order.lines.values_list("quantity_allocated", flat=True)) == [0, 0]
    assert allocation_events(order)[-1] == {
        "allocated": [],
        "released": ["2 × MUG-01", "1 × TEA-01"],
        "backordered": [],
    }


def test_moving_a_line_to_another_warehouse_reallocates_there_and_releases_the_old_stock(place):
    mug = ProductFactory(sku="MUG-01")
    north = Warehouse.objects.create(code="north", name="North warehouse")
    main_row, north_row = shelve(mug, 5), shelve(mug, 4, warehouse=north)
    order = place((mug, 2))
    assert allocations_of(order) == [("MUG-01", "main", 2)]

    line = order.lines.get()
    line.warehouse = north
    line.save(update_fields=["warehouse"])
    changes = order_allocate(order_id=order.pk)

    assert changes == {"allocated": ["2 × MUG-01"], "released": ["2 × MUG-01"], "backordered": []}
    assert allocations_of(order) == [("MUG-01", "north", 2)]
    assert totals(main_row) == (5, 0)
    assert totals(north_row) == (4, 2)
    assert OrderLine.objects.get(pk=line.pk).quantity_allocated == 2


def test_moving_a_line_to_a_warehouse_without_stock_leaves_it_backordered(place):
    mug = ProductFactory(sku="MUG-01")
    north = Warehouse.objects.create(code="north", name="North warehouse")
    main_row = shelve(mug, 5)
    order = place((mug, 2))

    OrderLine.objects.filter(order=order).update(warehouse=north)
    order_allocate(order_id=order.pk)

    assert allocations_of(order) == []
    assert totals(main_row) == (5, 0)
    assert order.lines.get().stock_state == "backordered"


# Counting stock ---------------------------------------------------------------------------------


def test_stock_cannot_be_counted_below_what_is_allocated(place, manager):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)
    place((mug, 3))

    with pytest.raises(FulfilmentError) as refusal:
        stock_adjust(stock_item_id=row.pk, counted=2, actor=manager, reason="cycle count")

    assert str(refusal.value) == (
        "MUG-01: 3 units are allocated to orders; release them before counting stock down to 2."
    )
    assert totals(row) == (5, 3)
    assert StockMovement.objects.count() == 0


def test_stock_can_be_counted_down_to_what_is_allocated(place, manager):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)
    place((mug, 3))

    stock_adjust(stock_item_id=row.pk, counted=3, actor=manager, reason="cycle count")

    assert totals(row) == (3, 3)
    assert list(StockMovement.objects.values_list("kind", "quantity", "reason")) == [
        ("adjustment", -2, "cycle count")
    ]


# What the database itself refuses ----------------------------------------------------------------


def refused_by_database(write, constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        write()


def test_the_database_refuses_negative_stock_on_hand():
    row = shelve(ProductFactory(), 5)

    # Either CHECK names the violation (PostgreSQL tests them in name order); both forbid it.
    refused_by_database(
        lambda: StockItem.objects.filter(pk=row.pk).update(on_hand=-1),
        "stock_allocated_within_on_hand|stock_on_hand_not_negative",
    )

    assert totals(row) == (5, 0)


def test_the_database_refuses_more_allocated_than_on_hand(place):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)
    order = place((mug, 3))
    other = place((mug, 2))

    refused_by_database(
        lambda: StockItem.objects.filter(pk=row.pk).update(on_hand=2), "stock_allocated_within_on_hand"
    )
    refused_by_database(
        lambda: StockItem.objects.filter(pk=row.pk).update(allocated=F("on_hand") + 1),
        "stock_allocated_within_on_hand",
    )
    # An allocation written behind the services' back: the trigger adds it up, the CHECK refuses it.
    refused_by_database(
        lambda: Allocation.objects.filter(line__order=other).update(quantity=3),
        "stock_allocated_within_on_hand",
    )
    refused_by_database(
        lambda: Allocation.objects.create(
            line=order.lines.get(), stock_item=shelve(ProductFactory(), 1), quantity=2
        ),
        "stock_allocated_within_on_hand",
    )

    assert totals(row) == (5, 5)
    assert other.lines.get().quantity_allocated == 2


def test_the_database_refuses_a_negative_allocation_total():
    row = shelve(ProductFactory(), 5)

    refused_by_database(
        lambda: StockItem.objects.filter(pk=row.pk).update(allocated=-1), "stock_allocated_within_on_hand"
    )


def test_deleting_an_order_line_gives_its_allocated_stock_back(place):
    mug, tea = ProductFactory(sku="MUG-01"), ProductFactory(sku="TEA-01")
    mug_row, tea_row = shelve(mug, 5), shelve(tea, 5)
    order = place((mug, 2), (tea, 3))

    order.lines.get(sku="MUG-01").delete()

    assert allocations_of(order) == [("TEA-01", "main", 3)]
    assert totals(mug_row) == (5, 0)
    assert totals(tea_row) == (5, 3)


def test_bulk_writes_to_allocations_keep_stock_and_line_totals_right(place):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 5)
    order = place((mug, 3))

    Allocation.objects.filter(line__order=order).update(quantity=1)
    assert totals(row) == (5, 1)
    assert order.lines.get().quantity_allocated == 1

    Allocation.objects.filter(line__order=order).delete()
    assert totals(row) == (5, 0)
    assert order.lines.get().quantity_allocated == 0


# A race for the last units -----------------------------------------------------------------------

RACING_ORDERS = 50
THREADS = 10  # each thread allocates 5 orders: well within PostgreSQL's connection limit


def race(*work) -> list[str]:
    """Run each (function, ids) in a thread with a connection of its own, all released at once; returns
    what they raised (a deadlock, a CHECK refused), after every thread has ended."""
    barrier = threading.Barrier(len(work), timeout=30)
    errors: list[str] = []

    def run(function, ids: list[int]) -> None:
        try:
            barrier.wait()
            function(ids)
        except Exception as error:  # noqa: BLE001 - every failure is returned to the test
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_fifty_orders_racing_for_the_last_ten_units_get_exactly_ten_between_them():
    lamp = ProductFactory(sku="LAMP-01")
    row = shelve(lamp, 0)
    # Committed one by one; each order's own allocation runs after its commit and finds nothing.
    order_ids = [make_order(lines=[LineInput(sku="LAMP-01", quantity=3)]).pk for _ in range(RACING_ORDERS)]
    assert Allocation.objects.count() == 0
    # The last ten units arrive without serving the backorders: the orders themselves race for them.
    StockItem.objects.filter(pk=row.pk).update(on_hand=10)

    changes: dict[int, dict] = {}

    def allocate(ids: list[int]) -> None:
        for order_id in ids:
            changes[order_id] = order_allocate(order_id=order_id)

    assert race(*[(allocate, order_ids[start::THREADS]) for start in range(THREADS)]) == []
    assert len(changes) == RACING_ORDERS
    row.refresh_from_db()
    assert (row.on_hand, row.allocated) == (10, 10)
    assert Allocation.objects.aggregate(total=Sum("quantity"))["total"] == 10
    # 10 units for orders of 3: three orders get all they need, one gets the last unit, the rest wait.
    per_order = sorted(
        OrderLine.objects.filter(order_id__in=order_ids).values_list("quantity_allocated", flat=True)
    )
    assert per_order == [0] * 46 + [1, 3, 3, 3]
    lines = OrderLine.objects.filter(order_id__in=order_ids)
    for line in lines:
        assert line.quantity_allocated == (
            Allocation.objects.filter(line=line).aggregate(total=Sum("quantity"))["total"] or 0
        )
    assert sorted(line.stock_state for line in lines) == ["allocated"] * 3 + ["backordered"] * 47
    assert sum(1 for change in changes.values() if change["allocated"]) == 4
    assert not StockItem.objects.filter(
        Q(on_hand__lt=0) | Q(allocated__lt=0) | Q(allocated__gt=F("on_hand"))
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_batches_and_single_orders_racing_over_shared_products_neither_oversell_nor_deadlock():
    """orders_allocate over many orders and order_allocate one at a time, at once, over the same five
    products with lines in every order: each takes its locks orders first and stock rows next, both by
    primary key, so none waits on another in a cycle, and the stock rows' CHECK holds what is on hand."""
    products = [ProductFactory(sku=f"RACE-{index}") for index in range(5)]
    rows = [shelve(product, 40) for product in products]
    order_ids = [
        make_order(lines=[LineInput(sku=products[(n + k) % 5].sku, quantity=1 + k) for k in range(3)]).pk
        for n in range(60)
    ]  # 60 orders want 360 units of 200 on hand
    Allocation.objects.all().delete()  # committed one by one, each allocated itself: start again, at once

    def batches(ids: list[int]) -> None:
        for start in range(0, len(ids), 10):
            orders_allocate(order_ids=ids[start : start + 10])

    def singles(ids: list[int]) -> None:
        for order_id in ids:
            order_allocate(order_id=order_id)

    work = (
        (batches, order_ids),
        (batches, order_ids[::-1]),
        (singles, order_ids[::2]),
        (singles, order_ids[::-3]),
    )
    assert race(*work) == []
    for row in rows:
        row.refresh_from_db()
        assert row.allocated == 40 == row.on_hand  # every unit taken, none twice
        assert (
            row.allocated
            == Allocation.objects.filter(stock_item=row).aggregate(total=Sum("quantity"))["total"]
        )
    for line in OrderLine.objects.filter(order_id__in=order_ids):
        held = Allocation.objects.filter(line=line).aggregate(total=Sum("quantity"))["total"] or 0
        assert line.quantity_allocated == held <= line.quantity
    assert Allocation.objects.filter(line__order_id__in=order_ids).count() <= 180


def test_stock_released_by_a_cancelled_order_goes_to_the_oldest_backorder(
    place, make_user, django_capture_on_commit_callbacks
):
    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 2)
    cancelled = place((mug, 2))
    waiting = place((mug, 2))
    assert waiting.lines.get().stock_state == "backordered"

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=cancelled.pk, actor=make_user("csr"), reason="customer changed their mind")

    assert allocations_of(waiting) == [("MUG-01", "main", 2)]
    assert totals(row) == (2, 2)


def test_a_deleted_order_gives_its_stock_to_the_oldest_backorder_and_takes_it_back_when_restored(
    place, make_user, django_capture_on_commit_callbacks
):
    from orders.services.edit import order_restore, order_soft_delete

    mug = ProductFactory(sku="MUG-01")
    row = shelve(mug, 2)
    deleted = place((mug, 2))
    waiting = place((mug, 2))

    with django_capture_on_commit_callbacks(execute=True):
        order_soft_delete(order_id=deleted.pk, actor=make_user("manager"), reason="test order")

    assert allocations_of(deleted) == []
    assert allocations_of(waiting) == [("MUG-01", "main", 2)]
    assert totals(row) == (2, 2)

    with django_capture_on_commit_callbacks(execute=True):
        order_restore(order_id=deleted.pk, actor=make_user("superadmin"))

    assert deleted.lines.get().stock_state == "backordered"  # the stock went on meanwhile
    assert allocations_of(waiting) == [("MUG-01", "main", 2)]
    assert totals(row) == (2, 2)
