"""The import as a worker runs it, outside any transaction: the next chunk is read and planned while a
writer thread with its own connection commits the previous one, stock allocation included in each
chunk's transaction. The same all-or-nothing-per-chunk promise holds."""

import pytest
from django.db import connection
from django.db.models import Count

from channels.models import ImportOutcome, OrderImport
from channels.services import import_run, import_set_mapping, import_start, import_upload
from fulfilment.models import Allocation, StockItem
from orders.models import Order, OrderEvent, OrderLine, Warehouse
from tests.channels.conftest import shopify_file, shopify_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready(settings, csr):
    settings.IMPORT_CHUNK_ORDERS = 4
    product = ProductFactory(sku="MUG-1")
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=1000)

    def make(count: int):
        from django.core.files.uploadedfile import SimpleUploadedFile

        orders = [shopify_order(f"#{n}", f"p{n}@example.com", [("MUG-1", "2", "9.50")]) for n in range(count)]
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
    from fulfilment.services import allocation_many

    real, calls = allocation_many._write, []

    def fails_on_the_second_chunks_allocations(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("deadlock detected")
        return real(*args, **kwargs)

    monkeypatch.setattr(allocation_many, "_write", fails_on_the_second_chunks_allocations)
    with pytest.raises(RuntimeError, match="deadlock detected"):
        import_run(import_id=order_import.pk)
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.FAILED
    assert Order.objects.count() == 4 == order_import.created_count
    assert not OrderLine.objects.filter(quantity_allocated=0).exists()
    assert Allocation.objects.count() == 4 and StockItem.objects.get().allocated == 8
    monkeypatch.setattr(allocation_many, "_write", real)
    OrderImport.objects.filter(pk=order_import.pk).update(state=OrderImport.State.RUNNING)
    order_import = import_run(import_id=order_import.pk)
    assert order_import.state == OrderImport.State.DONE and Order.objects.count() == 18
    assert (
        StockItem.objects.get().allocated
        == 36
        == sum(OrderLine.objects.values_list("quantity_allocated", flat=True))
    )
    assert OrderEvent.objects.filter(type="stock.allocation").count() == 18
