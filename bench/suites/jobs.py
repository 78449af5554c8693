"""Mass status change (10,000 orders, with timeline events, from submit to job done: <= 1 s, issue 21;
SPEC 7 asks <= 3 s).

Packline: the "hold" mass action submitted through orders.jobs.job_submit and run by a real Celery
worker started here as deployed (DEBUG off) on an isolated broker, timed from submit until the job row
says done, after two small warm-up jobs (warm_up below).
Peer, same run, same number of orders: a Django-admin-action style loop that saves each order and
writes its timeline event (what one reaches for without a bulk path).
"""

import argparse
import time

from django.core.management import call_command
from django.db import connection, transaction

from bench.harness import Report
from bench.processes import deployed, isolated_broker, start_worker

# The channels of the packline and the peer orders (one per run, with its time), removed at the end.
BULK_PREFIX, NAIVE_PREFIX = "bench-bulk-", "bench-naive-"


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench jobs", add_help=False)
    parser.add_argument("--bulk-orders", type=int, default=10_000)
    return parser.parse_known_args(argv)[0]


def processing_orders(count: int, channel_code: str) -> list[int]:
    """`count` fresh processing orders in their own channel, cloned from one real order, each with the
    search document of a generated order: a status change rewrites every index entry of the order
    (its indexed columns change), the search index's words included, so clones without a document
    would leave out the search index's share of the UPDATE (half of it on a 1,000,000-order
    database: docs/benchmarks.md, 2026-12-07 14:37 to 15:31)."""
    from bench.cleanup import bench_channel
    from orders.inputs import LineInput
    from orders.models import Order
    from orders.services.transitions import builtin_status
    from tests.factories import ProductFactory, make_order

    channel = bench_channel(channel_code)
    product = ProductFactory(sku=f"{channel_code}-SKU")
    template = make_order(lines=[LineInput(sku=product.sku, quantity=1)])
    Order.objects.filter(pk=template.pk).update(channel=channel)  # removed with the channel's orders
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Order._meta.concrete_fields
        if field.attname not in {"id", "number", "search_vector", "channel_order_id", "channel_id"}
    }
    fields["status_id"] = builtin_status("processing").pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM orders_order WHERE search_vector IS NOT NULL LIMIT %s", [count]
        )
        documents = [document for (document,) in cursor.fetchall()]  # at least the template's own
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            [
                Order(channel=channel, search_vector=documents[index % len(documents)], **fields)
                for index in range(count)
            ],
            batch_size=2000,
        )
    return [order.pk for order in orders]


def wait_for_jobs(job_ids: list[int], timeout: float) -> None:
    """Until every one of the jobs is finished (done or failed)."""
    from orders.jobs.models import BulkJob

    deadline = time.monotonic() + timeout
    while BulkJob.objects.filter(pk__in=job_ids).exclude(state__in=BulkJob.FINISHED_STATES).exists():
        if time.monotonic() > deadline:
            raise SystemExit(
                f"the worker did not finish jobs {job_ids} in {timeout:.0f} s (var/bench-worker.log)"
            )
        time.sleep(0.02)


def warm_up(manager, channel_code: str) -> None:
    """Before the clock starts, one small job per pool process, submitted together: the worker is then
    connected to the broker and the database, and each process has run a job once, as a worker in
    service has. (A fixed wait was not enough on a slow machine: the timed job then waited up to 1.8 s
    for the worker to start.)"""
    from orders.jobs.runner import job_submit

    ids = processing_orders(40, channel_code)
    jobs = [
        job_submit(user=manager, action_code="hold", selection={"tab": "processing", "ids": part},
                   params={"reason": "bench warm-up"}).pk
        for part in (ids[:20], ids[20:])
    ]  # fmt: skip
    wait_for_jobs(jobs, timeout=120)


def run(report: Report, argv: list[str]) -> None:
    from django.contrib.auth.models import Group

    from accounts.models import User
    from bench.cleanup import delete_channels_orders
    from orders.jobs.runner import job_submit
    from orders.models import Order, OrderEvent
    from orders.services.transitions import builtin_status

    opts = options(argv)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("sync_roles", verbosity=0)
    for prefix in (BULK_PREFIX, NAIVE_PREFIX):  # a run that was stopped half-way
        delete_channels_orders(prefix)
    manager, _ = User.objects.get_or_create(username="bench-manager")
    manager.groups.set([Group.objects.get(name="manager")])
    count = opts.bulk_orders

    stamp = str(int(time.time()))
    ids = processing_orders(count, f"{BULK_PREFIX}{stamp}")
    worker = start_worker(deployed(isolated_broker()), queues="bulk,default")
    try:
        warm_up(manager, f"{BULK_PREFIX}{stamp}-warm")
        started = time.perf_counter()
        job = job_submit(
            user=manager,
            action_code="hold",
            selection={"tab": "processing", "ids": ids},
            params={"reason": "bench"},
        )
        wait_for_jobs([job.pk], timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    job.refresh_from_db()
    events = OrderEvent.objects.filter(order_id__in=ids, actor_label=f"Job {job.pk}").count()
    report.add(
        "bulk_status_10k_s", elapsed, "s", budget="<= 1",
        note=f"{job.done_count:,} of {count:,} held by a warmed-up Celery worker, {events:,} timeline events; issue 21's budget (SPEC 7: 3 s)",
    )  # fmt: skip

    peer_ids = processing_orders(count, f"{NAIVE_PREFIX}{stamp}")
    on_hold = builtin_status("on_hold")
    started = time.perf_counter()
    for order in Order.objects.filter(pk__in=peer_ids).select_related("status"):
        old = order.status
        order.status = on_hold
        order.save()
        OrderEvent.objects.create(
            order=order, type="status.changed", actor=manager, params={"old": old.label, "new": on_hold.label}
        )
    report.add(
        "naive_bulk_status_10k_s", time.perf_counter() - started, "s",
        note="peer: admin-action style loop, save() and an event per order, in-process",
    )  # fmt: skip
    for prefix in (BULK_PREFIX, NAIVE_PREFIX):
        delete_channels_orders(prefix)
