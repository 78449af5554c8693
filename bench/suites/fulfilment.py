"""Fulfilment: allocation throughput under contention, and the packing slip's render time.

allocations_per_s: orders with 3 lines allocated per second by 4 concurrent workers (threads with
their own PostgreSQL connections) competing for the same 5 products, each order allocated through
fulfilment.services.order_allocate (row locks in primary-key order, the database's CHECKs).
slip_pdf_ms: median time to render one packing slip (WeasyPrint, Code 128) over 30 renders.
slips_1000_s: one merged PDF of packing slips for 1,000 of those orders, as the mass action prints it
(fulfilment.services.documents_render), beside 30 single slips' time scaled to 1,000 (the way it was
made before: a WeasyPrint document per order).
The orders are in a channel of their own and removed again at the end (bench/cleanup.py).
"""

import argparse
import statistics
import threading
import time

from django.core.management import call_command
from django.db import connection, transaction

from bench.harness import Report

CHANNEL = "bench-fulfilment"  # the suite's orders, removed again at the end


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench fulfilment", add_help=False)
    parser.add_argument("--allocation-orders", type=int, default=2000)
    return parser.parse_known_args(argv)[0]


def run(report: Report, argv: list[str]) -> None:
    from bench.cleanup import bench_channel, delete_orders
    from fulfilment.models import Allocation, StockItem
    from fulfilment.services import document_render, order_allocate
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
    shares = [ids[worker::4] for worker in range(4)]
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def allocate(share: list[int]) -> None:
        try:
            barrier.wait()
            for order_id in share:
                order_allocate(order_id=order_id)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    allocated = sum(Allocation.objects.filter(line__order_id__in=ids).values_list("quantity", flat=True))
    if errors or allocated != count * 3:
        raise RuntimeError(f"allocation bench failed: {errors[:3]}, {allocated} of {count * 3} units")
    report.add(
        "allocations_per_s",
        count / elapsed,
        "orders/s",
        note=f"{count:,} orders × 3 lines, 4 workers, 5 shared products",
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
