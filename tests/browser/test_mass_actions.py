"""Mass actions through the real UI with a real Celery worker: select all matching a tab and assign a
CSR, the actions each role is offered, a superadmin's mass restore, a cancel that the workflow refuses
for one order, and the toast and jobs menu once a job has finished (SPEC 4)."""

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders.events import EventType
from orders.jobs.models import BulkJob
from orders.models import Order, OrderEvent
from orders.services.edit import order_soft_delete
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOB_URL = re.compile(r"/orders/jobs/(\d+)/$")
LIST_URL = re.compile(r"/orders/(\?.*)?$")
JOB_TIMEOUT = 30_000  # ms: the worker starts, picks the job up from the broker and works through it


@pytest.fixture
def start_worker(celery_worker_factory):
    """Start a real Celery worker (celery_worker_factory) inside the test; at the end it is idle, its
    job finished, so it is killed rather than given a warm shutdown that adds seconds to every test."""
    started = []

    def start():
        started.append(celery_worker_factory())
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def list_rows(page):
    return page.get_by_test_id("order-table").locator("tbody tr")


def listed_numbers(page) -> list[str]:
    return [text.strip() for text in list_rows(page).locator("td:nth-child(2) a").all_inner_texts()]


def open_tab(page, tab: str) -> None:
    page.get_by_test_id("status-tabs").locator(f"[data-tab={tab}]").click()
    expect(page.get_by_test_id("status-tabs").locator(f"[data-tab={tab}]")).to_have_class(
        re.compile(r"\bactive\b")
    )


@contextmanager
def list_settled(page):
    """Run a step, then wait until every htmx request it set off has been answered and swapped in.

    htmx starts a request synchronously inside the triggering event, so counting them from the
    page is a barrier, not a sleep."""
    page.evaluate(
        """() => {
            if (window.htmxInFlight !== undefined) return;
            window.htmxInFlight = 0;
            document.body.addEventListener("htmx:beforeRequest", () => window.htmxInFlight++);
            document.body.addEventListener("htmx:afterRequest", () => window.htmxInFlight--);
        }"""
    )
    yield
    page.wait_for_function("() => window.htmxInFlight === 0")


def choose_action(page, label: str) -> None:
    """Choose a mass action, before ticking any rows.

    BUG (pinned by test_choosing_a_mass_action_keeps_the_ticked_rows_and_the_choice): on a freshly
    loaded list the menu's first change reloads the results, which clears the ticks and resets the
    menu. Choosing first, and again on the reloaded menu, keeps the other journeys about the jobs;
    once the bug is fixed the second choice is a no-op.
    """
    menu = page.get_by_test_id("bulk-action")
    for _ in range(2):
        with list_settled(page):
            menu.select_option(label=label)
    expect(menu.locator("option:checked")).to_have_text(label)


def offered_actions(page) -> list[str]:
    return [text.strip() for text in page.get_by_test_id("bulk-action").locator("option").all_inner_texts()]


def toasts(page):
    return page.get_by_test_id("toast")


def job_shown(page) -> BulkJob:
    """The job whose page the browser is on."""
    page.wait_for_url(JOB_URL)
    return BulkJob.objects.get(pk=int(JOB_URL.search(page.url).group(1)))


def wait_until_done(page) -> None:
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT)
    expect(page.get_by_test_id("job-state")).to_have_text("Done")


def result_rows(page):
    return page.get_by_test_id("job-results").locator("tbody tr")


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


def move_to(orders, stage: str) -> None:
    # A database trigger keeps `stage` in step with the status.
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(status=builtin_status(stage))


# 1: select all matching a tab and assign a CSR ----------------------------------------------------


def test_a_manager_assigns_a_csr_to_all_sixty_processing_orders_and_downloads_the_report(
    page, login, make_user, start_worker
):
    processing = [make_order() for _ in range(60)]
    awaiting_payment = [make_order() for _ in range(5)]
    move_to(awaiting_payment, Stage.AWAITING_PAYMENT)
    csr = make_user("csr", first_name="Carla", last_name="Reyes")
    manager = make_user("manager")
    start_worker()
    login(manager)
    page.goto("/orders/")

    open_tab(page, "processing")
    expect(list_rows(page)).to_have_count(50)
    choose_action(page, "Assign CSR")
    page.locator("#select-page").check()
    expect(page.get_by_test_id("selection-count")).to_have_text("50 selected")
    select_all = page.get_by_test_id("select-all-matching")
    expect(select_all).to_have_text("Select all 60 orders matching this filter")
    select_all.click()
    expect(page.get_by_test_id("selection-count")).to_have_text("60 selected")
    page.get_by_test_id("bulk-submit").click()

    expect(page.get_by_test_id("bulk-count")).to_have_text("60")
    page.get_by_label("CSR", exact=True).select_option(label="Carla Reyes")
    page.get_by_test_id("start-job").click()

    job = job_shown(page)
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    # A worker that is already running may finish the job before its page opens: the page then also
    # announces that it finished, in a toast of its own.
    expect(toasts(page).filter(has_text=f"Job {job.pk} is running: Assign CSR.")).to_have_count(1)
    wait_until_done(page)
    expect(page.get_by_test_id("job-counts")).to_contain_text("60 done")
    expect(page.get_by_test_id("job-counts")).to_contain_text("0 skipped")
    expect(page.get_by_test_id("job-counts")).to_contain_text("0 failed")
    expect(result_rows(page)).to_have_count(60)
    shown = [text.strip() for text in result_rows(page).locator("td:first-child").all_inner_texts()]
    assert sorted(shown) == sorted(str(order) for order in processing)

    with page.expect_download() as download:
        page.get_by_test_id("job-report").click()
    report = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert download.value.suggested_filename == f"job-{job.pk}-report.csv"
    assert len(report) == 61
    assert report[0] == "order,result,reason"
    assert sorted(report[1:]) == sorted(f"{order},done," for order in processing)

    processing_ids = [order.pk for order in processing]
    assert set(Order.objects.filter(pk__in=processing_ids).values_list("assigned_csr", flat=True)) == {csr.pk}
    events = OrderEvent.objects.filter(order__in=processing_ids, type=EventType.ASSIGNED)
    assert sorted(events.values_list("order_id", flat=True)) == sorted(processing_ids)
    assert set(events.values_list("actor_label", "actor", "params__new")) == {
        (f"Job {job.pk}", manager.pk, "Carla Reyes")
    }
    untouched = Order.objects.filter(pk__in=[order.pk for order in awaiting_payment])
    assert list(untouched.exclude(assigned_csr=None)) == []
    assert set(untouched.values_list("stage", flat=True)) == {Stage.AWAITING_PAYMENT}
    assert not OrderEvent.objects.filter(order__in=untouched, type=EventType.ASSIGNED).exists()
    assert page.console_errors == []


# 2: what each role is offered ---------------------------------------------------------------------


def test_a_csr_may_hold_but_not_delete_processing_orders_and_a_manager_may_delete_them(
    page, login, make_user
):
    make_order()
    login(make_user("csr"))
    page.goto("/orders/?tab=processing")
    expect(list_rows(page)).to_have_count(1)

    csr_actions = offered_actions(page)
    assert "Hold" in csr_actions
    assert "Delete" not in csr_actions
    assert "Restore" not in csr_actions

    log_out(page)
    login(make_user("manager"))
    page.goto("/orders/?tab=processing")
    expect(list_rows(page)).to_have_count(1)
    manager_actions = offered_actions(page)
    assert "Delete" in manager_actions
    assert "Hold" in manager_actions
    assert page.console_errors == []


# 3: a superadmin restores deleted orders in one go ------------------------------------------------


def test_a_superadmin_restores_every_deleted_order_without_a_confirmation_step(
    page, login, make_user, start_worker
):
    manager = make_user("manager")
    kept = make_order()
    deleted = [make_order() for _ in range(3)]
    for order in deleted:
        order_soft_delete(order_id=order.pk, actor=manager, reason="Entered twice")
    start_worker()
    login(make_user("superadmin"))
    page.goto("/orders/")
    assert listed_numbers(page) == [str(kept)]

    open_tab(page, "deleted")
    expect(list_rows(page)).to_have_count(3)
    choose_action(page, "Restore")
    page.locator("#select-page").check()
    expect(page.get_by_test_id("selection-count")).to_have_text("3 selected")
    page.get_by_test_id("bulk-submit").click()

    job = job_shown(page)
    expect(page.get_by_test_id("bulk-confirm")).to_have_count(0)
    wait_until_done(page)
    expect(page.get_by_test_id("job-counts")).to_contain_text("3 done")
    expect(result_rows(page)).to_have_count(3)

    page.goto("/orders/")
    open_tab(page, "all")
    assert sorted(listed_numbers(page)) == sorted(str(order) for order in [kept, *deleted])
    open_tab(page, "deleted")
    expect(page.get_by_test_id("no-orders")).to_have_text("No orders match.")
    ids = [order.pk for order in deleted]
    assert not Order.objects.filter(pk__in=ids, is_deleted=True).exists()
    restored = OrderEvent.objects.filter(order__in=ids, type=EventType.RESTORED, actor_label=f"Job {job.pk}")
    assert sorted(restored.values_list("order_id", flat=True)) == sorted(ids)
    assert page.console_errors == []


# 4: a destructive action that the workflow refuses for one order ----------------------------------


def test_cancelling_two_picked_orders_skips_the_one_a_colleague_shipped_and_says_why(
    page, login, make_user, start_worker
):
    to_cancel, to_be_shipped, bystander = make_order(), make_order(), make_order()
    manager = make_user("manager")
    start_worker()
    login(manager)
    page.goto("/orders/")
    expect(list_rows(page)).to_have_count(3)
    choose_action(page, "Cancel")
    page.get_by_label(f"Select {to_cancel}", exact=True).check()
    page.get_by_label(f"Select {to_be_shipped}", exact=True).check()
    expect(page.get_by_test_id("selection-count")).to_have_text("2 selected")

    # A colleague in the warehouse ships one of them while the manager has the list open.
    order_transition(order_id=to_be_shipped.pk, to=builtin_status("shipped"), actor=make_user("warehouse"))

    page.get_by_test_id("bulk-submit").click()

    expect(page.get_by_test_id("bulk-count")).to_have_text("2")
    expect(page.get_by_test_id("bulk-confirm")).to_contain_text("This changes 2 orders.")
    start = page.get_by_test_id("start-job")
    expect(start).to_have_text("Cancel 2 orders")
    start.click()  # without the reason the form asks for one, and no job starts
    expect(page.get_by_test_id("bulk-confirm")).to_contain_text("This field is required.")
    assert not BulkJob.objects.exists()
    page.get_by_label("Reason").fill("Customer changed their mind")
    page.get_by_test_id("start-job").click()

    job = job_shown(page)
    wait_until_done(page)
    counts = page.get_by_test_id("job-counts")
    expect(counts).to_contain_text("1 done")
    expect(counts).to_contain_text("1 skipped")
    expect(counts).to_contain_text("0 failed")
    expect(result_rows(page)).to_have_count(2)
    skipped_row = result_rows(page).filter(has_text=str(to_be_shipped))
    expect(skipped_row).to_contain_text("Skipped")
    expect(skipped_row).to_contain_text(
        f"{to_be_shipped} is Shipped; only Delivered, Delivery failed or Returned can follow, not Cancelled."
    )
    expect(result_rows(page).filter(has_text=str(to_cancel))).to_contain_text("Done")

    stages = dict(Order.objects.values_list("pk", "stage"))
    assert stages == {
        to_cancel.pk: Stage.CANCELLED,
        to_be_shipped.pk: Stage.SHIPPED,
        bystander.pk: Stage.PROCESSING,
    }
    cancelled = OrderEvent.objects.get(type=EventType.STATUS_CHANGED, params__new_stage=Stage.CANCELLED)
    assert (cancelled.order_id, cancelled.actor_label) == (to_cancel.pk, f"Job {job.pk}")
    assert cancelled.params["reason"] == "Customer changed their mind"
    assert page.console_errors == []


# 5: telling the user the job has finished ---------------------------------------------------------


def test_a_finished_job_is_announced_once_on_the_next_page_and_listed_in_the_jobs_menu(
    page, login, make_user, start_worker
):
    orders = [make_order() for _ in range(2)]
    login(make_user("manager"))
    page.goto("/orders/")
    choose_action(page, "Export CSV")
    page.locator("#select-page").check()
    page.get_by_test_id("bulk-submit").click()

    job = job_shown(page)
    # No worker yet: the job page is told the job is queued, so the toast cannot land on it.
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-state", "queued")
    expect(toasts(page)).to_have_count(1)
    expect(toasts(page)).to_contain_text(f"Job {job.pk} is running: Export CSV.")
    start_worker()
    wait_until_done(page)
    expect(page.get_by_test_id("job-counts")).to_contain_text(f"{len(orders)} done")

    page.get_by_test_id("side-nav").locator("a[href='/orders/']").click()
    page.wait_for_url(LIST_URL)
    finished = toasts(page).filter(has_text=f"Job {job.pk} finished")
    expect(finished).to_have_count(1)
    expect(finished).to_have_text(f"Job {job.pk} finished: 2 done, 0 skipped, 0 failed.")

    page.reload()
    expect(list_rows(page)).to_have_count(2)
    expect(toasts(page).filter(has_text=f"Job {job.pk} finished")).to_have_count(0)
    menu = page.get_by_test_id("jobs-menu")
    menu.get_by_role("button", name="Jobs").click()
    entry = menu.get_by_role("link", name=re.compile(rf"^Job {job.pk} "))
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Done")
    entry.click()
    page.wait_for_url(JOB_URL)
    assert job_shown(page) == job
    assert page.console_errors == []


# Bugs found on the way ----------------------------------------------------------------------------


def test_choosing_a_mass_action_keeps_the_ticked_rows_and_the_choice(page, login, make_user):
    first, second, third = make_order(), make_order(), make_order()
    login(make_user("manager"))
    page.goto("/orders/")
    expect(list_rows(page)).to_have_count(3)
    page.get_by_label(f"Select {first}", exact=True).check()
    page.get_by_label(f"Select {third}", exact=True).check()
    expect(page.get_by_test_id("selection-count")).to_have_text("2 selected")

    with list_settled(page):
        page.get_by_test_id("bulk-action").select_option(label="Hold")

    expect(page.get_by_test_id("selection-count")).to_have_text("2 selected", timeout=1_000)
    expect(page.get_by_test_id("bulk-action").locator("option:checked")).to_have_text("Hold")
    expect(page.get_by_label(f"Select {first}", exact=True)).to_be_checked()
    expect(page.get_by_label(f"Select {second}", exact=True)).not_to_be_checked()
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("bulk-count")).to_have_text("2")
    assert page.console_errors == []


def test_the_jobs_menu_names_a_jobs_action_as_the_action_menu_does(page, login, make_user):
    manager = make_user("manager")
    job = BulkJob.objects.create(
        action="export_csv", selection={"tab": "all", "ids": [make_order().pk]}, created_by=manager,
        state=BulkJob.State.DONE, total=1, done_count=1, notified=True,
    )  # fmt: skip
    login(manager)
    page.goto("/orders/")

    menu = page.get_by_test_id("jobs-menu")
    menu.get_by_role("button", name="Jobs").click()
    expect(menu.get_by_role("link", name=re.compile(rf"^Job {job.pk} "))).to_have_text(
        f"Job {job.pk} · Export CSV · Done", timeout=1_000
    )
    assert page.console_errors == []


def test_a_picked_order_that_left_the_tab_before_the_job_ran_is_reported_as_skipped(
    page, login, make_user, start_worker
):
    to_cancel, to_be_shipped = make_order(), make_order()
    start_worker()
    login(make_user("manager"))
    page.goto("/orders/?tab=processing")
    expect(list_rows(page)).to_have_count(2)
    choose_action(page, "Cancel")
    page.locator("#select-page").check()
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("bulk-count")).to_have_text("2")
    page.get_by_label("Reason").fill("Customer changed their mind")

    # A colleague ships one while the manager reads the confirmation page.
    order_transition(order_id=to_be_shipped.pk, to=builtin_status("shipped"), actor=make_user("warehouse"))
    page.get_by_test_id("start-job").click()

    job_shown(page)
    wait_until_done(page)
    # The job is over: what the page shows now is final.
    expect(result_rows(page)).to_have_count(2, timeout=1_000)
    expect(page.get_by_test_id("job-counts")).to_contain_text("1 skipped")
    expect(result_rows(page).filter(has_text=str(to_be_shipped))).to_contain_text(
        f"{to_be_shipped} is Shipped; only Delivered, Delivery failed or Returned can follow, not Cancelled."
    )
    stages = dict(Order.objects.values_list("pk", "stage"))
    assert stages == {to_cancel.pk: Stage.CANCELLED, to_be_shipped.pk: Stage.SHIPPED}
    assert page.console_errors == []
