"""The import: orders made by the same rules as manual ones (holds, hold rules, payments, allocation),
a timeline that says where they came from, a report per order, idempotent re-imports, and the
all-or-nothing-per-chunk promise when a fatal problem strikes part-way."""

import csv
import io

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels.csv.models import ImportOutcome, OrderImport
from channels.csv.pipeline import import_run
from fulfilment.models import Allocation, StockItem
from orders.actors import Actor
from orders.events import EventType
from orders.models import Customer, HoldRule, Order, OrderEvent, OrderHold, OrderLine, Warehouse
from orders.services.edit import order_soft_delete
from orders.workflow import Stage
from tests.channels.csv.conftest import csv_bytes, shopify_file, shopify_order
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def three_orders() -> bytes:
    return shopify_file(
        shopify_order("#1001", "ada@example.com", [("MUG-1", "2", "9.50"), ("TEE-1", "1", "20.00")]),
        shopify_order("#1002", "bob@example.com", [("CAP-1", "two", "5.00")]),
        shopify_order("#1003", "cy@example.com", [("HOOD-1", "1", "30.00")], **{"Shipping Zip": ""}),
    )


def test_an_import_creates_orders_with_their_lines_customers_and_a_report(
    upload, validate, run_import, products
):
    order_import = run_import(validate(upload(three_orders(), "march.csv")))
    assert order_import.state == OrderImport.State.DONE
    assert (order_import.created_count, order_import.held_count, order_import.rejected_count) == (1, 1, 1)
    assert order_import.rows_done == order_import.rows_total == 4
    first = Order.objects.get(channel_order_id="#1001")
    assert first.channel.code == "csv" and first.source == "csv"
    assert [(line.sku, line.quantity, str(line.unit_price)) for line in first.lines.order_by("position")] == [
        ("MUG-1", 2, "9.50"), ("TEE-1", 1, "20.00"),
    ]  # fmt: skip
    assert first.customer.email == "ada@example.com" and first.customer.name == "Ada Lovelace"
    assert first.shipping_address["postcode"] == "LS1 4AP"
    assert first.delivery_fee == first.total - first.subtotal - first.tax_total
    assert first.stage == Stage.PROCESSING and first.amount_paid == first.total  # "paid" in the file
    outcomes = {
        o.reference: (o.result, o.order_id) for o in ImportOutcome.objects.filter(order_import=order_import)
    }
    assert outcomes["#1001"] == ("created", first.pk)
    assert outcomes["#1002"] == ("rejected", None)
    assert outcomes["#1003"][0] == "held"
    assert not Order.objects.filter(channel_order_id="#1002").exists()


def test_each_order_timeline_says_it_was_imported_from_the_file_and_row_by_whom(
    upload, validate, run_import, products
):
    order_import = run_import(validate(upload(three_orders(), "march.csv")))
    order = Order.objects.get(channel_order_id="#1003")
    created = order.events.get(type=EventType.CREATED)
    assert created.params == {
        "source": "csv", "detail": "imported from file march.csv, row 5 by Carla Reyes", "status": "On hold",
    }  # fmt: skip
    assert created.actor == order_import.created_by and created.actor_label == f"Import {order_import.pk}"
    assert list(order.events.order_by("id").values_list("type", flat=True)) == [
        EventType.CREATED, "payment.recorded", EventType.HELD, "stock.allocation",
    ]  # fmt: skip
    assert list(order.holds.values_list("reason", "detail")) == [("missing_address", "postcode")]
    assert order.held_from.stage == Stage.PROCESSING


def test_the_detail_page_of_an_imported_order_shows_where_it_came_from(
    client, csr, upload, validate, run_import, products
):
    run_import(validate(upload(three_orders(), "march.csv")))
    client.force_login(csr)
    order = Order.objects.get(channel_order_id="#1001")
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Created from csv (imported from file march.csv, row 2 by Carla Reyes)" in page


def test_hold_rules_apply_to_imported_orders(upload, validate, run_import, products):
    HoldRule.objects.create(name="VIP check", field="tag", value="vip", reason="call the customer")
    content = shopify_file(shopify_order("#1", "a@example.com", [("MUG-1", "1", "9.50")], Tags="vip, gift"))
    run_import(validate(upload(content)))
    order = Order.objects.get(channel_order_id="#1")
    assert order.stage == Stage.ON_HOLD
    assert list(order.holds.values_list("reason", "detail")) == [("rule", "VIP check: call the customer")]
    assert sorted(order.tags) == ["gift", "vip"]


def test_a_second_order_with_the_same_customer_and_total_is_a_suspected_duplicate(
    upload, validate, run_import, products
):
    content = shopify_file(
        shopify_order("#1", "a@example.com", [("MUG-1", "1", "9.50")]),
        shopify_order("#2", "A@Example.com", [("MUG-1", "1", "9.50")]),
    )
    run_import(validate(upload(content)))
    first, second = Order.objects.filter(channel_order_id__in=["#1", "#2"]).order_by("channel_order_id")
    assert first.customer_id == second.customer_id  # one customer per email
    assert first.stage == Stage.PROCESSING
    assert second.holds.get().reason == "suspected_duplicate"


def test_an_existing_customer_is_found_by_email(upload, validate, run_import, products):
    customer = CustomerFactory(email="ADA@example.com", requires_po_number=True)
    run_import(
        validate(upload(shopify_file(shopify_order("#1", "ada@example.com", [("MUG-1", "1", "9.50")]))))
    )
    order = Order.objects.get(channel_order_id="#1")
    assert order.customer == customer
    assert order.holds.get().reason == "missing_po_number"  # the customer's own rule applies
    assert Customer.objects.filter(email__iexact="ada@example.com").count() == 1


def test_imported_orders_allocate_stock_and_backorder_the_rest(upload, validate, run_import, products):
    warehouse = Warehouse.objects.get(is_default=True)
    StockItem.objects.create(warehouse=warehouse, product=products["MUG-1"], on_hand=3)
    content = shopify_file(
        shopify_order("#1", "a@example.com", [("MUG-1", "2", "9.50")]),
        shopify_order("#2", "b@example.com", [("MUG-1", "2", "9.50"), ("TEE-1", "1", "1")]),
    )
    run_import(validate(upload(content)))
    stock = StockItem.objects.get(product=products["MUG-1"])
    assert (
        stock.allocated
        == 3
        == sum(Allocation.objects.filter(stock_item=stock).values_list("quantity", flat=True))
    )
    first, second = (Order.objects.get(channel_order_id=ref) for ref in ("#1", "#2"))
    assert [line.quantity_allocated for line in first.lines.all()] == [2]
    assert [(line.sku, line.quantity_allocated, line.stock_state) for line in second.lines.order_by("position")] == [
        ("MUG-1", 1, "backordered"), ("TEE-1", 0, "backordered"),
    ]  # fmt: skip
    assert second.events.get(type="stock.allocation").params == {
        "allocated": ["1 × MUG-1"], "released": [], "backordered": ["1 × MUG-1", "1 × TEE-1"],
    }  # fmt: skip


def test_the_report_lists_every_order_and_downloads_as_csv(
    client, csr, upload, validate, run_import, products
):
    order_import = run_import(validate(upload(three_orders())))
    client.force_login(csr)
    response = client.get(reverse("channels:import_report", kwargs={"pk": order_import.pk}))
    assert response.status_code == 200 and response["Content-Disposition"].endswith(
        f'import-{order_import.pk}-report.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    numbers = {o.channel_order_id: str(o) for o in Order.objects.all()}
    assert rows == [
        ["row", "reference", "result", "order", "message"],
        ["2", "#1001", "Created", numbers["#1001"], ""],
        ["4", "#1002", "Rejected", "", "row 4, Lineitem quantity: 'two' is not a whole number"],
        ["5", "#1003", "Created on hold", numbers["#1003"], "Missing address: postcode"],
    ]
    page = client.get(reverse("channels:import_detail", kwargs={"pk": order_import.pk})).content.decode()
    assert 'data-state="done"' in page and 'data-testid="import-report"' in page
    assert "1 created" in page and "1 created on hold" in page and "1 rejected" in page


def test_reimporting_the_same_file_creates_nothing_and_reports_the_skips(
    upload, validate, run_import, products
):
    run_import(validate(upload(three_orders())))
    orders, lines, events = Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()
    again = run_import(validate(upload(three_orders())))
    assert (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()) == (
        orders,
        lines,
        events,
    )
    assert (again.created_count, again.held_count, again.skipped_count, again.rejected_count) == (0, 0, 2, 1)
    skipped = ImportOutcome.objects.get(order_import=again, reference="#1001")
    assert skipped.message == f"already imported as {Order.objects.get(channel_order_id='#1001')}"
    assert skipped.order_id == Order.objects.get(channel_order_id="#1001").pk


def test_an_overlapping_file_creates_only_the_new_orders_and_deleted_ones_count_as_imported(
    upload, validate, run_import, products
):
    run_import(validate(upload(three_orders())))
    deleted = Order.objects.get(channel_order_id="#1001")
    order_soft_delete(order_id=deleted.pk, actor=Actor.system(), reason="test order")
    overlapping = shopify_file(
        shopify_order("#1001", "ada@example.com", [("MUG-1", "2", "9.50")]),
        shopify_order("#1004", "dee@example.com", [("MUG-1", "1", "9.50")]),
    )
    order_import = validate(upload(overlapping))
    assert (order_import.existing_orders, order_import.valid_orders) == (1, 1)
    order_import = run_import(order_import)
    assert (order_import.created_count, order_import.skipped_count) == (1, 1)
    assert ImportOutcome.objects.get(order_import=order_import, reference="#1001").message.endswith(
        "(deleted)"
    )
    assert Order.objects.filter(channel_order_id="#1001").count() == 1


def test_the_same_reference_on_another_channel_is_another_order(csr, upload, validate, run_import, products):
    run_import(validate(upload(three_orders())))
    order_import = upload(three_orders())
    order_import = validate(order_import, constants={"channel": "manual", "payment_method": "card"})
    order_import = run_import(order_import)
    assert (order_import.created_count + order_import.held_count, order_import.skipped_count) == (2, 0)
    assert Order.objects.filter(channel_order_id="#1001").count() == 2


def test_running_the_import_again_changes_nothing(upload, validate, run_import, products):
    order_import = run_import(validate(upload(three_orders())))
    count = Order.objects.count()
    OrderImport.objects.filter(pk=order_import.pk).update(
        state=OrderImport.State.RUNNING
    )  # a re-delivered task
    import_run(import_id=order_import.pk)
    order_import.refresh_from_db()
    assert Order.objects.count() == count
    assert ImportOutcome.objects.filter(order_import=order_import).count() == 3
    assert order_import.created_count + order_import.held_count + order_import.rejected_count == 3


def test_an_interrupted_import_resumes_after_its_last_committed_chunk(
    settings, upload, validate, run_import, products, monkeypatch
):
    settings.IMPORT_CHUNK_ORDERS = 2
    orders = [shopify_order(f"#{n}", f"c{n}@example.com", [("MUG-1", "1", "9.50")]) for n in range(7)]
    order_import = validate(upload(shopify_file(*orders)))
    from channels.csv import pipeline

    real, calls = pipeline._write_chunk, []

    def dies_on_the_third_chunk(*args):
        calls.append(1)
        if len(calls) == 3:
            raise ConnectionError("worker lost")
        return real(*args)

    monkeypatch.setattr(pipeline, "_write_chunk", dies_on_the_third_chunk)
    with pytest.raises(ConnectionError):
        run_import(order_import)
    assert Order.objects.count() == 4
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.FAILED and order_import.created_count == 4
    monkeypatch.setattr(pipeline, "_write_chunk", real)
    OrderImport.objects.filter(pk=order_import.pk).update(state=OrderImport.State.RUNNING)  # the task again
    import_run(import_id=order_import.pk)
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.DONE and order_import.created_count == 7
    assert Order.objects.count() == 7
    assert ImportOutcome.objects.filter(order_import=order_import, result="skipped").count() == 0


def test_a_fatal_problem_mid_file_leaves_whole_chunks_and_nothing_half_written(
    settings, upload, validate, run_import, products
):
    """All-or-nothing per chunk: the chunks before the broken row are imported whole; the chunk the
    broken row is in is not imported at all; no order exists without its lines, events and outcome."""
    settings.IMPORT_CHUNK_ORDERS = 3
    orders = [
        shopify_order(f"#{n}", f"c{n}@example.com", [("MUG-1", "1", "9.50"), ("TEE-1", "1", "2")])
        for n in range(10)
    ]
    order_import = validate(upload(shopify_file(*orders)))
    path = settings.MEDIA_ROOT / order_import.file
    text = path.read_text().splitlines(keepends=True)
    text.insert(16, '"' + "x" * 200_000 + '",MUG-1\r\n')  # row 17: a cell past the reader's limit
    path.write_text("".join(text))
    order_import = run_import(order_import)
    assert order_import.state == OrderImport.State.FAILED
    assert order_import.error.startswith(
        "Stopped at row 17: row 17: a cell is longer than 100,000 characters"
    )
    created = Order.objects.filter(channel__code="csv")
    assert sorted(created.values_list("channel_order_id", flat=True)) == ["#0", "#1", "#2", "#3", "#4", "#5"]
    assert not created.annotate(n=Count("lines")).exclude(n=2).exists()
    assert not created.exclude(events__type=EventType.CREATED).exists()
    assert ImportOutcome.objects.filter(order_import=order_import).count() == 6
    assert order_import.created_count == 6


def test_a_database_failure_in_a_chunk_writes_nothing_of_that_chunk(
    settings, upload, validate, run_import, products, monkeypatch
):
    settings.IMPORT_CHUNK_ORDERS = 2
    orders = [shopify_order(f"#{n}", f"c{n}@example.com", [("MUG-1", "1", "9.50")]) for n in range(5)]
    order_import = validate(upload(shopify_file(*orders)))
    from orders.services import create_many

    real, calls = create_many.copy_lines, []

    def fails_on_the_second_events_copy(table, columns, rows):
        if table == OrderEvent._meta.db_table:
            calls.append(table)
            if len(calls) == 2:
                raise RuntimeError("disk full")
        return real(table, columns, rows)

    monkeypatch.setattr(create_many, "copy_lines", fails_on_the_second_events_copy)
    with pytest.raises(RuntimeError):
        run_import(order_import)
    assert sorted(Order.objects.values_list("channel_order_id", flat=True)) == ["#0", "#1"]
    assert OrderLine.objects.count() == 2 and OrderHold.objects.count() == 0
    assert OrderEvent.objects.filter(type=EventType.CREATED).count() == 2
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.FAILED and "RuntimeError" in order_import.error


def test_the_queries_per_chunk_do_not_grow_with_its_orders(settings, upload, validate, products, csr):
    settings.IMPORT_CHUNK_ORDERS = 10_000

    def queries(count: int, start: int) -> int:
        orders = [
            shopify_order(
                f"#{start + n}", f"q{start + n}@example.com", [("MUG-1", "1", "9.50"), ("TEE-1", "1", "1")]
            )
            for n in range(count)
        ]
        order_import = validate(upload(shopify_file(*orders)))
        from channels.csv.services import import_start

        import_start(order_import=order_import, user=csr)
        with CaptureQueriesContext(connection) as captured:
            import_run(import_id=order_import.pk)
        assert Order.objects.filter(channel_order_id=f"#{start}").exists()
        return len(captured.captured_queries)

    assert queries(5, 0) == queries(60, 1000)


def test_a_historical_flag_on_a_plain_csv_keeps_nothing_it_does_not_have(
    upload, validate, run_import, products
):
    content = csv_bytes([["Order reference", "SKU", "Quantity"], ["A-1", "MUG-1", "1"]])
    order_import = run_import(validate(upload(content), historical=True))
    assert order_import.held_count == 1  # no address, no shipping method: held as a new order would be


def test_the_sweeper_queues_again_an_import_whose_worker_went_silent(upload, validate, csr, queued, products):
    from datetime import timedelta

    from django.utils import timezone

    from channels.csv.services import import_start, imports_sweep

    order_import = import_start(order_import=validate(upload(three_orders())), user=csr)
    assert imports_sweep() == []  # just queued: not stale yet
    long_ago = timezone.now() - timedelta(minutes=10)
    OrderImport.objects.filter(pk=order_import.pk).update(
        state=OrderImport.State.RUNNING, heartbeat_at=long_ago
    )
    assert imports_sweep() == [order_import.pk]
    assert queued[-1] == ("run", order_import.pk)
    OrderImport.objects.filter(pk=order_import.pk).update(state=OrderImport.State.DONE)
    assert imports_sweep() == []
