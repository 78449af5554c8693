"""A CSV import survives its worker killed mid-file, with two chunks being written at once: the next
worker resumes after the last committed chunk, and no order, line, allocation or event exists twice."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count

from channels.csv.models import ImportOutcome, OrderImport
from channels.csv.services import import_set_mapping, import_start, import_upload, imports_sweep
from fulfilment.models import Allocation, StockItem
from orders.models import Order, OrderEvent, Warehouse
from tests.channels.csv.conftest import shopify_file, shopify_order
from tests.conftest import wait_for
from tests.factories import ProductFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ORDERS = 1500


@pytest.fixture(autouse=True)
def queued():
    """Tasks go to the real broker here (the channels tests' default records them instead)."""


@pytest.fixture(autouse=True)
def media(settings):
    """The stored upload where the worker looks for it (the channels tests' default is a temporary one)."""
    return settings.MEDIA_ROOT


def sessions() -> set[int]:
    """The backends of the other sessions on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_killed_mid_import_leaves_the_rest_to_the_next_worker(csr, celery_worker_factory):
    product = ProductFactory(sku="MUG-1")
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=10**6)
    before_worker = sessions()  # earlier tests may leave sessions of their own
    first = celery_worker_factory(IMPORT_CHUNK_ORDERS=20, IMPORT_WRITERS=2)
    orders = [
        shopify_order(f"#{n}", f"k{n % 300}@example.com", [("MUG-1", "1", "9.50")]) for n in range(ORDERS)
    ]
    order_import = import_upload(
        user=csr, uploaded_file=SimpleUploadedFile("kill.csv", shopify_file(*orders))
    )
    import_set_mapping(
        order_import=order_import, user=csr, mapping=order_import.mapping, constants=order_import.constants,
        group_by=order_import.group_by, historical=False,
    )  # fmt: skip
    current = OrderImport.objects.filter(pk=order_import.pk)
    wait_for(
        lambda: current.get().state == OrderImport.State.READY, timeout=60,
        message=f"the validation pass on the worker\n{first.output()[-3000:]}",
    )  # fmt: skip
    import_start(order_import=current.get(), user=csr)

    def created():
        return sum(current.values_list("created_count", "held_count").get())

    wait_for(lambda: created() >= 200, timeout=60, message=f"the first chunks\n{first.output()[-3000:]}")
    first.kill()
    # A COMMIT the worker sent just before it died still completes in PostgreSQL (a whole chunk, as
    # promised): the progress to compare against is taken once the dead worker's sessions have ended.
    workers_sessions = sessions() - before_worker
    wait_for(lambda: not sessions() & workers_sessions, timeout=30, message="the killed worker's sessions")
    killed_at = created()
    time.sleep(0.5)
    assert created() == killed_at, "the killed worker made no more progress"
    assert killed_at < ORDERS, "the import finished before the kill; the test proves nothing"
    assert Order.objects.count() == killed_at == ImportOutcome.objects.count()  # whole chunks only

    second = celery_worker_factory(IMPORT_CHUNK_ORDERS=500, IMPORT_WRITERS=2)
    assert order_import.pk in imports_sweep(stale_after_seconds=0)
    wait_for(
        lambda: current.get().state == OrderImport.State.DONE, timeout=90,
        message=f"the import to finish on the second worker\n{second.output()[-3000:]}",
    )  # fmt: skip

    order_import = current.get()
    imported = order_import.created_count + order_import.held_count  # held: same customer, same total
    assert (imported, order_import.skipped_count, order_import.rejected_count) == (ORDERS, 0, 0)
    assert ImportOutcome.objects.filter(order_import=order_import).count() == ORDERS
    assert sorted(Order.objects.values_list("channel_order_id", flat=True)) == sorted(
        f"#{n}" for n in range(ORDERS)
    )
    # Nothing written twice, nothing left without its lines, allocation and events.
    assert not Order.objects.annotate(n=Count("lines")).exclude(n=1).exists()
    assert Allocation.objects.count() == ORDERS and StockItem.objects.get().allocated == ORDERS
    for event_type in ("order.created", "stock.allocation"):
        assert OrderEvent.objects.filter(type=event_type).count() == ORDERS, event_type
    # Customers who come back across chunks, and across the two workers, are one customer each.
    assert Order.objects.values("customer").distinct().count() == 300
    numbered = list(Order.objects.order_by("number").values_list("channel_order_id", flat=True))
    assert numbered == [f"#{n}" for n in range(ORDERS)]  # in file order, across both workers
