"""The allocation task on a real Celery worker: when allocation could not run after an order's
commit, a worker given the order id reserves the stock in the database."""

import pytest

from fulfilment.models import Allocation, StockItem
from fulfilment.tasks import allocate_order
from orders.inputs import LineInput
from orders.models import Warehouse
from tests.conftest import wait_for
from tests.factories import ProductFactory, make_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_allocates_an_order_whose_allocation_did_not_run(celery_worker_process):
    worker = celery_worker_process
    lamp = ProductFactory(sku="LAMP-01")
    order = make_order(lines=[LineInput(sku="LAMP-01", quantity=2)])
    # The stock arrives behind allocation's back (no receipt, so no backorders are served).
    row = StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=lamp, on_hand=5)
    assert not Allocation.objects.filter(line__order=order).exists()
    assert worker.process.poll() is None, f"the worker exited at start:\n{worker.output()}"

    allocate_order.delay(order_id=order.pk)

    try:
        wait_for(
            lambda: Allocation.objects.filter(line__order=order).exists(),
            timeout=60,
            message=f"the worker to allocate {order}",
        )
    except pytest.fail.Exception as timeout:
        pytest.fail(
            f"{timeout}; worker running: {worker.process.poll() is None}\nworker output:\n{worker.output()}"
        )
    assert list(Allocation.objects.filter(line__order=order).values_list("stock_item", "quantity")) == [
        (row.pk, 2)
    ]
    row.refresh_from_db()
    assert (row.on_hand, row.allocated) == (5, 2)
    assert order.lines.get().stock_state == "allocated"
