"""Fulfilment: allocation throughput under contention, and the packing slip's render time.

allocations_per_s: orders with 3 lines allocated per second by 4 concurrent workers competing for the
same 5 products, each order allocated through fulfilment.services.order_allocate in a transaction of its
own (row locks in primary-key order, the database's CHECKs), with DEBUG off as in production. The
workers are threads with their own PostgreSQL connections (`--allocation-pool thread`, the default and
the figure's history) or forked processes (`--allocation-pool process`, as Celery's prefork pool runs
them; on 2 cores four Python processes and their four database backends share the cores).
slip_pdf_ms: median time to render one packing slip (WeasyPrint, Code 128) over 30 renders.
slips_1000_s: one merged PDF of packing slips for 1,000 of those orders, as the mass action prints it
(fulfilment.services.documents_render), beside 30 single slips' time scaled to 1,000 (the way it was
made before: a WeasyPrint document per order).
The orders are in a channel of their own and removed again at the end (bench/cleanup.py).
"""

import argparse
import multiprocessing
import statistics
import threading
import time

from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import override_settings

from bench.harness import Report

CHANNEL = "bench-fulfilment"  # the suite's orders, removed again at the end


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench fulfilment", add_help=False)
    parser.add_argument("--allocation-orders", type=int, default=2000)
    parser.add_argument("--allocation-workers", type=int, default=4)
    parser.add_argument("--allocation-pool", choices=["process", "thread"], default="thread")
    return parser.parse_known_args(argv)[0]


def allocate_share(share: list[int], barrier) -> None:
    """One worker's part: each order allocated as a new order is, one transaction each."""
    from fulfilment.services import order_allocate

    try:
        barrier.wait()
        for order_id in share:
            order_allocate(order_id=order_id)
    finally:
        connection.close()


def run_workers(target, shares: list[list[int]], pool: str) -> float:
    """Seconds for `target(share, barrier)` to finish every share, each in a worker of its own: processes,
    as Celery and gunicorn run them (forked, each with its own connection), or threads of this process.
    The clock starts when every worker is ready."""
    if pool == "thread":
        barrier = threading.Barrier(len(shares) + 1)
        errors: list[BaseException] = []

        def guarded(share):
            try:
                target(share, barrier)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        workers = [threading.Thread(target=guarded, args=(share,)) for share in shares]
    else:
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(len(shares) + 1)
        connections.close_all()  # each child opens its own
        workers = [context.Process(target=target, args=(share, barrier)) for share in shares]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    failed = errors if pool == "thread" else [w.exitcode for w in workers if w.exitcode]
    if failed:
        raise RuntimeError(f"allocation workers failed: {failed[:3]}")
    return elapsed


def run(report: Report, argv: list[str]) -> None:
    from bench.cleanup import bench_channel, delete_orders
    from fulfilment.models import Allocation, StockItem
    from fulfilment.services import document_render
    from fulfilment.services.documents import documents_render
    from orders.inputs import LineInput
    from orders.models import Order, OrderLine, Product, Warehouse
    from tests.factories import ProductFactory, make_order

    opts = options(argv)
    call_command("migrate", interactive=False, verbosity=0)
    delete_orders([CHANNEL])  # a run that was stopped half-way
    warehouse = Warehouse.objects.get(is_default=True)
    stamp = str(int(time.time()))
    products = [ProductFactory(sku=f"BENCH-{stamp}-{index}") for index in range(5)]
    template = make_order(lines=[LineInput(sku=products[index].sku, quantity=1) for index in range(3)])
    Allocation.objects.filter(line__order=template).delete()
    Order.objects.filter(pk=template.pk).update(channel=bench_channel(CHANNEL))  # removed at the end
    template.refresh_from_db()
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Order._meta.concrete_fields
        if field.attname not in {"id", "number", "search_vector", "channel_order_id"}
    }
    count = opts.allocation_orders
    with transaction.atomic():
        orders = Order.objects.bulk_create([Order(**fields) for _ in range(count)], batch_size=2000)
        lines = []
        for position, order in enumerate(orders):
            for offset in range(3):
                product = products[(position + offset) % len(products)]
                lines.append(OrderLine(order=order, product=product, sku=product.sku, name=product.name, quantity=1,
                                       unit_price=product.price, line_total=product.price))  # fmt: skip
        OrderLine.objects.bulk_create(lines, batch_size=5000)
        for product in products:
            StockItem.objects.update_or_create(
                warehouse=warehouse, product=product, defaults={"on_hand": count * 3}
            )
    ids = [order.pk for order in orders]
    workers = opts.allocation_workers
    with override_settings(DEBUG=False):  # as in production: no query log
        elapsed = run_workers(
            allocate_share, [ids[worker::workers] for worker in range(workers)], opts.allocation_pool
        )
    allocated = sum(Allocation.objects.filter(line__order_id__in=ids).values_list("quantity", flat=True))
    if allocated != count * 3:
        raise RuntimeError(f"allocation bench failed: {allocated} of {count * 3} units allocated")
    pool = {"thread": "threads", "process": "processes"}[opts.allocation_pool]
    report.add(
        "allocations_per_s",
        count / elapsed,
        "orders/s",
        ">= 500",  # issue 21
        f"{count:,} orders × 3 lines, {workers} worker {pool}, 5 shared products",
    )

    order = Order.objects.select_related("warehouse", "channel").get(pk=template.pk)
    document_render(order=order, kind="packing-slip")  # warm fonts and templates
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        document_render(order=order, kind="packing-slip")
        samples.append((time.perf_counter() - started) * 1000)
    report.add("slip_pdf_ms", statistics.median(samples), "ms", note="median of 30 renders, 3 lines")
    wave = list(
        Order.objects.filter(pk__in=[o.pk for o in orders[:1000]]).select_related("warehouse", "channel")
    )
    started = time.perf_counter()
    pdf = documents_render(orders=wave, kind="packing-slip")
    report.add(
        "slips_1000_s",
        time.perf_counter() - started,
        "s",
        budget="<= 30",
        note=f"{len(wave):,} slips in one PDF ({len(pdf) // 1024:,} KB); one document per slip: "
        f"{statistics.median(samples) * len(wave) / 1000:.1f} s",
    )
    Product.objects.filter(pk__in=[p.pk for p in products]).update(active=False)
    delete_orders([CHANNEL])
