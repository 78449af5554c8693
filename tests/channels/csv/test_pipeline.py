"""The import as a worker runs it, outside any transaction: the next chunk is read and planned while
writer threads with connections of their own write the previous ones, two at a time, stock allocation
included in each chunk's transaction. Chunks commit in file order, and the same all-or-nothing-per-chunk
promise holds."""

import threading
import time

import pytest
from django.db import connection
from django.db.models import Count, Sum

from channels.csv.models import ImportOutcome, OrderImport
from channels.csv.pipeline import import_run
from channels.csv.services import import_set_mapping, import_start, import_upload
from fulfilment.models import Allocation, StockItem
from orders.models import Order, OrderEvent, OrderLine, Warehouse
from tests.channels.csv.conftest import shopify_file, shopify_order
from tests.conftest import wait_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready(settings, csr):
    settings.IMPORT_CHUNK_ORDERS = 4
    product = ProductFactory(sku="MUG-1")
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=1000)

    def make(count: int, email=lambda n: f"p{n}@example.com", quantity=lambda n: "2"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        orders = [shopify_order(f"#{n}", email(n), [("MUG-1", quantity(n), "9.50")]) for n in range(count)]
        order_import = import_upload(
            user=csr, uploaded_file=SimpleUploadedFile("p.csv", shopify_file(*orders))
        )
        order_import = import_set_mapping(
            order_import=order_import, user=csr, mapping=order_import.mapping, constants=order_import.constants,
            group_by=order_import.group_by, historical=False,
        )  # fmt: skip
        order_import.refresh_from_db()
        assert order_import.state == OrderImport.State.READY  # small: checked on commit, in line
        return import_start(order_import=order_import, user=csr)

    return make


def test_the_pipelined_import_creates_and_allocates_every_order(ready):
    order_import = ready(18)
    assert not connection.in_atomic_block
    order_import = import_run(import_id=order_import.pk)
    assert order_import.state == OrderImport.State.DONE and order_import.created_count == 18
    assert StockItem.objects.get().allocated == 36
    assert OrderEvent.objects.filter(type="stock.allocation").count() == 18
    assert list(Order.objects.order_by("number").values_list("channel_order_id", flat=True)) == [
        f"#{n}" for n in range(18)
    ]


def test_a_failure_in_the_writer_stops_the_import_after_the_last_whole_chunk(ready, monkeypatch):
    order_import = ready(18)
    from orders.services import create_many

    real, seen = create_many.copy_lines, []

    def fails_on_the_third_chunks_lines(table, columns, rows):
        if table == "orders_orderline":
            seen.append(table)
            if len(seen) == 3:
                raise RuntimeError("connection reset")
        return real(table, columns, rows)

    monkeypatch.setattr(create_many, "copy_lines", fails_on_the_third_chunks_lines)
    with pytest.raises(RuntimeError, match="connection reset"):
        import_run(import_id=order_import.pk)
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.FAILED
    assert Order.objects.count() == 8 == order_import.created_count
    assert not Order.objects.annotate(n=Count("lines")).filter(n=0).exists()
    assert ImportOutcome.objects.filter(order_import=order_import).count() == 8
    monkeypatch.setattr(create_many, "copy_lines", real)
    OrderImport.objects.filter(pk=order_import.pk).update(state=OrderImport.State.RUNNING)
    order_import = import_run(import_id=order_import.pk)  # the task, delivered again
    assert order_import.state == OrderImport.State.DONE
    assert Order.objects.count() == 18 == order_import.created_count
    assert StockItem.objects.get().allocated == 36


def test_no_imported_order_is_committed_without_its_allocation(ready, monkeypatch):
    order_import = ready(18)
    from fulfilment.services import allocation

    real, calls = allocation._write, []

    def fails_on_the_second_chunks_allocations(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("deadlock detected")
        return real(*args, **kwargs)

    monkeypatch.setattr(allocation, "_write", fails_on_the_second_chunks_allocations)
    with pytest.raises(RuntimeError, match="deadlock detected"):
        import_run(import_id=order_import.pk)
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.FAILED
    assert Order.objects.count() == 4 == order_import.created_count
    assert not OrderLine.objects.filter(quantity_allocated=0).exists()
    assert Allocation.objects.count() == 4 and StockItem.objects.get().allocated == 8
    monkeypatch.setattr(allocation, "_write", real)
    OrderImport.objects.filter(pk=order_import.pk).update(state=OrderImport.State.RUNNING)
    order_import = import_run(import_id=order_import.pk)
    assert order_import.state == OrderImport.State.DONE and Order.objects.count() == 18
    assert (
        StockItem.objects.get().allocated
        == 36
        == sum(OrderLine.objects.values_list("quantity_allocated", flat=True))
    )
    assert OrderEvent.objects.filter(type="stock.allocation").count() == 18


@pytest.fixture
def slow_first_chunk(monkeypatch):
    """The first chunk's orders go in slowly, so that the second chunk, on the other writer, is ready to
    reserve stock and commit first if nothing held it back."""
    from orders.services.create_many import OrderBatchCreator

    real, calls, lock = OrderBatchCreator._insert_orders, [], threading.Lock()

    def insert(self, rows):
        with lock:
            calls.append(rows)
            first = len(calls) == 1
        if first:
            time.sleep(0.5)
        return real(self, rows)

    monkeypatch.setattr(OrderBatchCreator, "_insert_orders", insert)
    return calls


def test_two_writers_commit_in_file_order_and_give_scarce_stock_to_the_older_orders(
    ready, slow_first_chunk, settings
):
    assert settings.IMPORT_WRITERS == 2
    StockItem.objects.update(on_hand=10)  # five orders of two
    order_import = import_run(import_id=ready(12).pk)
    assert order_import.state == OrderImport.State.DONE and order_import.created_count == 12
    allocated = dict(
        Order.objects.values_list("channel_order_id").annotate(n=Sum("lines__quantity_allocated"))
    )
    assert allocated == {f"#{n}": 2 if n < 5 else 0 for n in range(12)}
    assert StockItem.objects.get().allocated == 10
    assert list(Order.objects.order_by("number").values_list("channel_order_id", flat=True)) == [
        f"#{n}" for n in range(12)
    ]
    by_row = ImportOutcome.objects.filter(order_import=order_import).order_by("row_number")
    assert list(by_row.values_list("order_id", flat=True)) == sorted(
        by_row.values_list("order_id", flat=True)
    )


def test_a_customer_created_by_one_chunk_and_back_in_the_next_is_one_customer(ready, slow_first_chunk):
    order_import = import_run(
        import_id=ready(
            8,
            email=lambda n: "back@example.com" if n in (3, 4) else f"p{n}@example.com",
            quantity=lambda n: "3" if n == 4 else "2",  # another total: no suspected duplicate
        ).pk
    )
    assert order_import.state == OrderImport.State.DONE and order_import.created_count == 8
    first, again = Order.objects.get(channel_order_id="#3"), Order.objects.get(channel_order_id="#4")
    assert first.customer_id == again.customer_id
    assert Order.objects.filter(customer__email="back@example.com").count() == 2


def test_a_customer_back_in_the_next_chunk_with_the_same_total_is_a_suspected_duplicate(
    ready, slow_first_chunk
):
    """The first chunk is not committed when the next is planned, and its new customer got its id in
    between: the order is still found, as order_create called for each order in turn would find it."""
    order_import = import_run(
        import_id=ready(8, email=lambda n: "back@example.com" if n in (3, 4) else f"p{n}@example.com").pk
    )
    assert order_import.state == OrderImport.State.DONE
    assert (order_import.created_count, order_import.held_count) == (7, 1)
    again = Order.objects.get(channel_order_id="#4")
    assert list(again.holds.values_list("reason", "detail")) == [
        ("suspected_duplicate", "same customer and total as #3 in this import")
    ]


def test_a_chunk_written_beside_a_failed_one_before_it_is_not_committed(ready, slow_first_chunk, monkeypatch):
    from fulfilment.services import allocation

    real = allocation.new_lines_allocate

    def first_chunk_fails(orders, **kwargs):
        orders = list(orders)
        if any(order.channel_order_id == "#0" for order, _lines in orders):
            raise RuntimeError("deadlock detected")
        return real(orders, **kwargs)

    from channels.csv.deciding import ImportPass

    monkeypatch.setattr(ImportPass, "__init__", _with_allocate(ImportPass.__init__, first_chunk_fails))
    with pytest.raises(RuntimeError, match="deadlock detected"):
        import_run(import_id=ready(12).pk)
    assert not Order.objects.exists() and not ImportOutcome.objects.exists()
    assert len(slow_first_chunk) >= 2  # the second chunk was being written meanwhile


def test_a_chunk_that_fails_beside_an_earlier_one_leaves_the_earlier_one_committed(
    ready, slow_first_chunk, monkeypatch
):
    from orders.services.create_many import OrderBatchCreator

    slowed = OrderBatchCreator._insert_orders

    def second_chunk_fails(self, rows):
        if any("\t#4\t" in row for row in rows):
            raise RuntimeError("connection reset")
        return slowed(self, rows)

    monkeypatch.setattr(OrderBatchCreator, "_insert_orders", second_chunk_fails)
    # The reader reaches the third chunk only after the second failed, while the first is still being
    # written: it then learns of the failure, and the first chunk must commit all the same.
    from channels.csv.deciding import ImportPass

    decide = ImportPass.decide

    def third_decided_late(self, groups):
        if groups and groups[0].reference == "#8":
            time.sleep(0.3)
        return decide(self, groups)

    monkeypatch.setattr(ImportPass, "decide", third_decided_late)
    order_import = ready(12)
    with pytest.raises(RuntimeError, match="connection reset"):
        import_run(import_id=order_import.pk)
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.FAILED and order_import.created_count == 4
    assert sorted(Order.objects.values_list("channel_order_id", flat=True)) == ["#0", "#1", "#2", "#3"]
    assert StockItem.objects.get().allocated == 8


def _with_allocate(init, allocate):
    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.creator.allocate = allocate

    return patched


def test_pipelined_chunks_start_small_and_shrink_again_near_the_end_of_the_file():
    """The writers start after a small first chunk, and little is left to write once reading ends."""
    from channels.csv.deciding import tapered_chunks

    read, sizes = [0], []
    for chunk in tapered_chunks(iter(range(10_000)), 2000, lambda: read[0] / 10_000):
        sizes.append(len(chunk))
        read[0] += len(chunk)
    assert sum(sizes) == 10_000
    assert sizes[:4] == [250, 500, 1000, 2000] and max(sizes) == 2000
    assert sizes[-3:] == [281, 250, 32]


def test_the_import_runs_with_the_garbage_collector_paused_and_gives_it_back(ready, monkeypatch):
    """Python's cyclic collector walked the chunks in flight again and again (a third of the planning's
    CPU); a pass turns it off, the writer threads included, and turns it on again when it ends."""
    import gc

    from channels.csv.deciding import ImportPass
    from channels.csv.pipeline import _write_chunk

    seen = []
    real_decide = ImportPass.decide

    def decide(self, groups):
        seen.append(("reader", gc.isenabled()))
        return real_decide(self, groups)

    def write(*args, **kwargs):
        seen.append(("writer", gc.isenabled()))
        return _write_chunk(*args, **kwargs)

    monkeypatch.setattr(ImportPass, "decide", decide)
    monkeypatch.setattr("channels.csv.pipeline._write_chunk", write)
    assert gc.isenabled()
    order_import = import_run(import_id=ready(10).pk)
    assert order_import.state == OrderImport.State.DONE and order_import.created_count == 10
    assert {who for who, _enabled in seen} == {"reader", "writer"}
    assert not any(enabled for _who, enabled in seen)
    assert gc.isenabled()


def test_a_failed_import_gives_the_garbage_collector_back(ready, monkeypatch):
    import gc

    from channels.csv.deciding import ImportPass

    def fails(self, groups):
        raise RuntimeError("planning failed")

    monkeypatch.setattr(ImportPass, "decide", fails)
    with pytest.raises(RuntimeError, match="planning failed"):
        import_run(import_id=ready(3).pk)
    assert gc.isenabled()


def test_the_collector_stays_paused_until_the_last_pass_in_the_process_ends():
    """Two passes at once (a threaded worker): the first to end does not turn the collector on under
    the other; a process that runs with the collector off keeps it off."""
    import gc

    from config.collector import collector_paused

    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _other_connections() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _orderline_sequential_scans(connections_before: set[int]) -> tuple[int, int]:
    """Sequential scans of the order lines, and rows they read, once every connection opened since
    `connections_before` has closed: a backend reports its statistics when it exits, before it leaves
    pg_stat_activity."""
    wait_for(
        lambda: _other_connections() <= connections_before,
        timeout=10,
        message="the import's writer connections to close",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT seq_scan, seq_tup_read FROM pg_stat_user_tables WHERE relname = 'orders_orderline'"
        )
        return cursor.fetchone()


def test_an_import_into_a_nearly_empty_database_checks_its_allocations_lines_by_index(ready, settings):
    # A connection keeps the plans it made: the foreign-key check of each stock allocation, planned
    # while the first chunk made the order lines a few pages long, read them all, for every
    # allocation of every later chunk, and a large first import took minutes instead of seconds.
    settings.IMPORT_CHUNK_ORDERS = 100
    settings.IMPORT_INLINE_VALIDATION_BYTES = 10_000_000
    order_import = ready(3000, quantity=lambda n: "1")
    StockItem.objects.update(on_hand=5000)
    with connection.cursor() as cursor:  # as autovacuum leaves a new installation's nearly empty tables
        cursor.execute("VACUUM (ANALYZE) orders_orderline")
    connections_before = _other_connections()
    scans_before, rows_before = _orderline_sequential_scans(connections_before)
    order_import = import_run(import_id=order_import.pk)
    assert order_import.state == OrderImport.State.DONE and order_import.created_count == 3000
    assert Allocation.objects.count() == 3000
    scans, rows = _orderline_sequential_scans(connections_before)
    # Reading every line once per allocation would be about 4.5 million rows.
    assert rows - rows_before < 300_000, (scans - scans_before, rows - rows_before)
