"""Mass actions as jobs: selection, permissions at submit and in the worker, per-order reports, exports."""

import csv
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.runner import job_run, job_submit, jobs_sweep
from orders.models import Order, OrderEvent, OrderHold
from orders.resources import neutralise
from orders.services.transitions import builtin_status
from tests.factories import CustomerFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def processing_orders():
    return [make_order() for _ in range(5)]


def run(job: BulkJob) -> BulkJob:
    job_run(job.pk)
    job.refresh_from_db()
    return job


def test_holding_every_matching_order_records_a_hold_and_an_event_naming_the_job(users, processing_orders):
    job = job_submit(
        user=users["manager"], action_code="hold", selection={"tab": "processing", "query": ""},
        params={"reason": "stock count"},
    )  # fmt: skip
    job = run(job)
    assert job.state == "done"
    assert (job.total, job.done_count, job.skipped_count, job.failed_count) == (5, 5, 0, 0)
    for order in processing_orders:
        order.refresh_from_db()
        assert order.stage == "on_hold"
        assert OrderHold.objects.get(order=order, released_at__isnull=True).detail == "stock count"
        event = OrderEvent.objects.get(order=order, type="status.changed")
        assert event.actor == users["manager"]
        assert event.actor_label == f"Job {job.pk}"


def test_orders_the_rules_refuse_are_skipped_with_the_workflows_reason(users, processing_orders):
    shipped = processing_orders[0]
    Order.objects.filter(pk=shipped.pk).update(status=builtin_status("shipped"))
    job = run(
        job_submit(
            user=users["manager"],
            action_code="cancel",
            selection={"tab": "all", "ids": [order.pk for order in processing_orders]},
            params={"reason": "fraud"},
        )
    )
    assert (job.done_count, job.skipped_count) == (4, 1)
    result = BulkJobResult.objects.get(job=job, order=shipped)
    assert result.state == "skipped"
    assert (
        "Shipped" in result.message
        and "only Delivered, Delivery failed or Returned can follow" in result.message
    )
    shipped.refresh_from_db()
    assert shipped.stage == "shipped"


def test_a_forged_selection_never_touches_orders_the_user_cannot_see(users, make_user, processing_orders):
    agent = users["agent"]
    mine = make_order(assigned_agent=agent)
    hidden = processing_orders[0]
    agent.user_permissions.add(*_permissions("orders.hold_order", "orders.change_order"))
    agent = type(agent).objects.get(pk=agent.pk)
    job = run(
        job_submit(
            user=agent,
            action_code="hold",
            selection={"tab": "all", "ids": [mine.pk, hidden.pk]},
            params={"reason": "x"},
        )
    )
    assert job.total == 1
    hidden.refresh_from_db()
    assert hidden.stage == "processing"
    assert not BulkJobResult.objects.filter(job=job, order=hidden).exists()


def _permissions(*names):
    from django.contrib.auth.models import Permission

    return [
        Permission.objects.get(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        for name in names
    ]


def test_permission_is_checked_at_submit(users):
    from orders.errors import OrderError

    with pytest.raises(OrderError, match="may not delete"):
        job_submit(
            user=users["csr"], action_code="soft_delete", selection={"ids": [1]}, params={"reason": "x"}
        )


def test_permission_is_checked_again_in_the_worker(users, processing_orders):
    manager = users["manager"]
    job = job_submit(
        user=manager, action_code="soft_delete", selection={"tab": "all", "query": ""}, params={"reason": "x"}
    )
    manager.groups.clear()  # the manager lost the role between submit and run
    job = run(job)
    assert job.state == "failed"
    assert "may no longer run it" in job.error
    assert Order.objects.filter(is_deleted=True).count() == 0


def test_a_job_in_many_chunks_reports_every_order_once_with_its_own_outcome(
    users, processing_orders, settings
):
    settings.BULK_CHUNK_SIZE = 2
    shipped = processing_orders[2]
    Order.objects.filter(pk=shipped.pk).update(status=builtin_status("shipped"))
    job = run(
        job_submit(
            user=users["manager"],
            action_code="cancel",
            selection={"tab": "all", "ids": [order.pk for order in processing_orders]},
            params={"reason": "fraud"},
        )
    )
    assert (job.state, job.total, job.done_count, job.skipped_count, job.failed_count) == ("done", 5, 4, 1, 0)
    outcomes = dict(BulkJobResult.objects.filter(job=job).values_list("order_id", "state"))
    assert outcomes == {order.pk: "skipped" if order == shipped else "done" for order in processing_orders}
    assert "Shipped" in BulkJobResult.objects.get(job=job, order=shipped).message
    assert OrderEvent.objects.filter(type="status.changed", actor_label=f"Job {job.pk}").count() == 4


def test_a_reason_with_tabs_newlines_and_backslashes_reaches_the_hold_and_timeline_as_typed(
    users, processing_orders
):
    reason = "Count\tbin 4\\B\nthen recheck: 'quotes' \"too\" and {braces}"
    run(
        job_submit(
            user=users["manager"],
            action_code="hold",
            selection={"tab": "all", "ids": [processing_orders[0].pk]},
            params={"reason": reason},
        )
    )
    order = processing_orders[0]
    assert OrderHold.objects.get(order=order).detail == reason
    assert OrderEvent.objects.get(order=order, type="status.changed").params["reason"] == reason
    assert OrderEvent.objects.get(order=order, type="hold.placed").params["reasons"] == [
        f"Manual hold: {reason}"
    ]


def test_running_a_job_twice_applies_nothing_twice(users, processing_orders):
    job = job_submit(
        user=users["manager"],
        action_code="hold",
        selection={"tab": "all", "query": ""},
        params={"reason": "r"},
    )
    run(job)
    BulkJob.objects.filter(pk=job.pk).update(state="running")  # as if re-delivered after the worker died
    job = run(job)
    assert OrderEvent.objects.filter(type="hold.placed").count() == 5
    assert job.done_count == 5


def test_the_sweeper_requeues_a_job_whose_enqueue_was_lost(users, processing_orders, monkeypatch):
    job = job_submit(
        user=users["manager"],
        action_code="hold",
        selection={"tab": "all", "query": ""},
        params={"reason": "r"},
    )
    BulkJob.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2000))
    queued = []
    monkeypatch.setattr("orders.jobs.runner.enqueue", queued.append)
    assert jobs_sweep() == [job.pk]
    assert queued == [job.pk]


def test_assigning_a_csr_to_all_matching_orders(users, processing_orders):
    csr = users["csr"]
    job = run(
        job_submit(
            user=users["manager"],
            action_code="assign_csr",
            selection={"tab": "processing", "query": ""},
            params={"person": csr.pk},
        )
    )
    assert job.done_count == 5
    assert Order.objects.filter(assigned_csr=csr).count() == 5
    assert OrderEvent.objects.filter(type="order.assigned", params__new=str(csr)).count() == 5


def test_a_filter_selection_is_the_list_filter(users):
    jane = CustomerFactory(name="Jane Quill", email="jane.quill@example.com")
    wanted = make_order(customer=jane)
    make_order()
    job = run(
        job_submit(
            user=users["manager"],
            action_code="hold",
            selection={"tab": "all", "query": "q=quill"},
            params={"reason": "r"},
        )
    )
    assert list(BulkJobResult.objects.filter(job=job).values_list("order_id", flat=True)) == [wanted.pk]


def test_the_export_is_a_csv_whose_cells_cannot_run_as_formulas(users):
    hostile = CustomerFactory(name='=HYPERLINK("http://evil")', email="x@example.com")
    make_order(customer=hostile, notes="+1")
    job = run(
        job_submit(
            user=users["viewer"], action_code="export_csv", selection={"tab": "all", "query": ""}, params={}
        )
    )
    assert job.state == "done" and job.file.endswith(".csv")
    rows = list(csv.reader((Path(settings.MEDIA_ROOT) / job.file).open(encoding="utf-8")))
    assert rows[0][:3] == ["Order", "Channel", "Channel order"]
    customer_column = rows[0].index("Customer")
    assert rows[1][customer_column] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_prefixed(cell):
    assert neutralise(cell) == "'" + cell


def test_plain_cells_are_left_alone():
    assert neutralise("PL-100001") == "PL-100001"
    assert neutralise(12.5) == 12.5


def test_the_xlsx_export_opens_as_a_workbook(users):
    from openpyxl import load_workbook

    make_order()
    job = run(
        job_submit(
            user=users["viewer"], action_code="export_xlsx", selection={"tab": "all", "query": ""}, params={}
        )
    )
    sheet = load_workbook(Path(settings.MEDIA_ROOT) / job.file).active
    assert sheet.cell(1, 1).value == "Order"
    assert sheet.max_row == 2


def test_submitting_from_the_list_confirms_destructive_actions_with_the_count(
    client, users, processing_orders
):
    client.force_login(users["manager"])
    data = {"action": "cancel", "tab": "processing", "select_all": "1", "query": "tab=processing"}
    page = client.post(reverse("orders:bulk"), data)
    assert page.status_code == 200
    assert 'data-testid="bulk-count">5<' in page.content.decode()
    assert BulkJob.objects.count() == 0
    response = client.post(reverse("orders:bulk"), data | {"confirmed": "1", "reason": "duplicate import"})
    job = BulkJob.objects.get()
    assert response["Location"] == reverse("orders:job", kwargs={"pk": job.pk})
    assert job.selection == {"tab": "processing", "query": ""}
    assert job.params == {"reason": "duplicate import"}


def test_the_job_page_shows_progress_then_the_report(client, users, processing_orders):
    job = run(
        job_submit(
            user=users["manager"],
            action_code="hold",
            selection={"tab": "all", "query": ""},
            params={"reason": "r"},
        )
    )
    client.force_login(users["manager"])
    page = client.get(reverse("orders:job", kwargs={"pk": job.pk})).content.decode()
    assert 'data-state="done"' in page and "5 done" in page
    report = b"".join(
        client.get(reverse("orders:job_report", kwargs={"pk": job.pk})).streaming_content
    ).decode()
    assert report.splitlines()[0] == "order,result,reason"
    assert len(report.splitlines()) == 6


def test_a_finished_job_shows_a_toast_on_the_next_page_once(client, users, processing_orders):
    job = run(
        job_submit(
            user=users["manager"],
            action_code="hold",
            selection={"tab": "all", "query": ""},
            params={"reason": "r"},
        )
    )
    client.force_login(users["manager"])
    first = client.get(reverse("home")).content.decode()
    assert f"Job {job.pk}</a> finished" in first
    assert f"Job {job.pk}</a> finished" not in client.get(reverse("home")).content.decode()


def test_the_menu_offers_only_what_the_tab_and_role_allow(client, users):
    make_order()
    client.force_login(users["csr"])
    csr_menu = client.get(reverse("orders:list") + "?tab=processing").content.decode()
    assert (
        'value="hold"' in csr_menu
        and 'value="soft_delete"' not in csr_menu
        and 'value="restore"' not in csr_menu
    )
    client.force_login(users["superadmin"])
    deleted_tab = client.get(reverse("orders:list") + "?tab=deleted").content.decode()
    assert 'value="restore"' in deleted_tab and 'value="hold"' not in deleted_tab


def test_fulfilling_ships_paid_and_cash_orders_and_skips_unpaid_card_orders(
    users, django_capture_on_commit_callbacks
):
    from fulfilment.models import Shipment, StockItem
    from orders.models import Warehouse
    from tests.factories import ProductFactory

    product = ProductFactory()
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=10)
    from orders.inputs import LineInput

    with django_capture_on_commit_callbacks(execute=True):
        cash = make_order(lines=[LineInput(sku=product.sku, quantity=1)])
        card = make_order(lines=[LineInput(sku=product.sku, quantity=1)], payment_method="card")
    Order.objects.filter(pk=card.pk).update(status=builtin_status("processing"))  # unpaid card order
    job = run(
        job_submit(
            user=users["warehouse"],
            action_code="fulfil",
            selection={"tab": "all", "ids": [cash.pk, card.pk]},
            params={"carrier": "DHL"},
        )
    )
    assert (job.done_count, job.skipped_count) == (1, 1)
    cash.refresh_from_db()
    assert cash.stage == "shipped"
    assert Shipment.objects.filter(order=cash, carrier="DHL").exists()
    assert "not paid" in BulkJobResult.objects.get(job=job, order=card).message


def test_printing_packing_slips_makes_one_pdf_with_a_page_per_order(users):
    orders = [make_order() for _ in range(3)]
    job = run(
        job_submit(
            user=users["warehouse"],
            action_code="print_slips",
            selection={"tab": "all", "query": ""},
            params={},
        )
    )
    pdf = (Path(settings.MEDIA_ROOT) / job.file).read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        pages = [page for page in text.split("\f") if page.strip()]
        assert [order.display_number in page for order, page in zip(orders, pages, strict=True)] == [True] * 3
    assert OrderEvent.objects.filter(order__in=orders, type="document.printed").count() == 3


def test_creating_a_picklist_from_the_list_moves_the_orders_to_picking(
    users, django_capture_on_commit_callbacks
):
    from fulfilment.models import Picklist, StockItem
    from orders.inputs import LineInput
    from orders.models import Warehouse
    from tests.factories import ProductFactory

    product = ProductFactory()
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=10)
    with django_capture_on_commit_callbacks(execute=True):
        orders = [make_order(lines=[LineInput(sku=product.sku, quantity=1)]) for _ in range(2)]
    job = run(
        job_submit(
            user=users["warehouse"],
            action_code="create_picklist",
            selection={"tab": "processing", "query": ""},
            params={},
        )
    )
    assert job.done_count == 2
    assert Picklist.objects.get().lines.count() == 2
    assert all(Order.objects.get(pk=order.pk).stage == "picking" for order in orders)


def test_the_jobs_menu_and_the_toasts_come_from_one_query_and_old_finished_jobs_still_toast(client, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = users["manager"]
    old = BulkJob.objects.create(
        action="hold", params={}, selection={"ids": list(range(5000))}, created_by=manager, state="done"
    )
    newer = [
        BulkJob.objects.create(
            action="hold", params={}, selection={"ids": [1]}, created_by=manager, notified=True
        )
        for _ in range(7)
    ]
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()
    job_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "orders_bulkjob"')]
    assert len(job_reads) == 1, job_reads
    assert '"orders_bulkjob"."selection"' not in job_reads[0]
    assert f"Job {old.pk}</a> finished" in page, "announced although seven jobs are newer"
    assert f'href="/orders/jobs/{newer[-1].pk}/"' in page, "the newest job is in the menu"
    assert f'href="/orders/jobs/{old.pk}/"' not in page.split('data-testid="jobs-menu"')[1].split("</ul>")[0]
    assert BulkJob.objects.get(pk=old.pk).notified


def test_the_confirmation_says_what_a_cancel_or_delete_will_do_to_stock_and_money(
    client, users, django_capture_on_commit_callbacks
):
    from fulfilment.models import StockItem
    from orders.inputs import LineInput
    from orders.models import Warehouse
    from tests.factories import ProductFactory

    mug = ProductFactory(sku="MUG-01")
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=mug, on_hand=5)
    with django_capture_on_commit_callbacks(execute=True):
        stocked = make_order(
            lines=[LineInput(sku="MUG-01", quantity=1)], amount_paid=Decimal("12.00"), currency="USD"
        )
    unpaid = make_order(lines=[LineInput(sku="NO-STOCK", quantity=1, unit_price=Decimal("5"))])
    client.force_login(users["manager"])
    ids = [str(stocked.pk), str(unpaid.pk)]

    cancel = client.post(
        reverse("orders:bulk"), {"action": "cancel", "tab": "all", "order": ids}
    ).content.decode()
    assert "1 of them hold reserved stock: it is released" in cancel
    assert (
        "1 of them has a payment (12.00 USD): what was paid and not yet refunded is recorded as a refund"
        in cancel
    )

    delete = client.post(
        reverse("orders:bulk"), {"action": "soft_delete", "tab": "all", "order": ids}
    ).content.decode()
    assert "1 of them hold reserved stock" in delete and "restore them from the Deleted tab" in delete
    assert BulkJob.objects.count() == 0

    hold = client.post(
        reverse("orders:bulk"), {"action": "hold", "tab": "all", "order": ids}
    ).content.decode()
    assert 'data-testid="bulk-consequences"' not in hold
