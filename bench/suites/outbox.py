"""Outbound webhooks (issue 18): `outbox_deliveries_per_s` is how many outbox messages the delivery
service sends, signs and records per second to a local receiver (tests/orders/webhooks/receiver.py,
a threaded HTTP server in its own process, answering 200), budget at least 500/s. The messages are
one per order, as a mass change writes them; delivery runs as the periodic task runs it
(webhook_deliver_all_due: batches of 500, 8 requests in flight).

The subscription and its messages are removed afterwards. Options: --outbox-messages N (default 5,000).
"""

import argparse
import multiprocessing
import time

from django.core.management import call_command

from bench.harness import Report

URL_MARK = "/bench-outbox"
CHANNEL = "bench-outbox"


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench outbox", add_help=False)
    parser.add_argument("--outbox-messages", type=int, default=5_000)
    known, _ = parser.parse_known_args(argv)
    return known


def _serve(ports) -> None:
    from tests.orders.webhooks.receiver import Receiver

    receiver = Receiver(record=False)
    ports.put(receiver.server.server_port)
    receiver.thread.join()


def cleanup() -> None:
    from bench.cleanup import delete_channels_orders
    from orders.webhooks.models import WebhookSubscription

    WebhookSubscription.objects.filter(url__contains=URL_MARK).delete()
    delete_channels_orders(CHANNEL)


def bench_orders(count: int) -> list[int]:
    """`count` orders of the suite's own channel: one made by the creation service, the rest copies."""
    from bench.cleanup import bench_channel
    from orders.inputs import LineInput
    from orders.models import Order, Product
    from tests.factories import ProductFactory, make_order

    product = Product.objects.filter(sku="BENCH-OUTBOX").first() or ProductFactory(sku="BENCH-OUTBOX")
    template = make_order(channel=bench_channel(CHANNEL), lines=[LineInput(sku=product.sku, quantity=1)])
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Order._meta.concrete_fields
        if field.attname not in {"id", "number", "search_vector", "channel_order_id"}
    }
    copies = Order.objects.bulk_create([Order(**fields) for _ in range(count - 1)], batch_size=2000)
    return [template.pk] + [order.pk for order in copies]


def run(report: Report, argv: list[str]) -> None:
    from orders.webhooks.models import WebhookMessage, WebhookSubscription
    from orders.webhooks.services import webhook_deliver_all_due, webhook_secret_new

    opts = options(argv)
    call_command("migrate", interactive=False, verbosity=0)
    cleanup()
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    try:
        port = ports.get(timeout=30)
        subscription = WebhookSubscription.objects.create(
            url=f"http://127.0.0.1:{port}{URL_MARK}",
            events=["order.status_changed"],
            secret=webhook_secret_new(),
            active=False,  # no messages from anything else running meanwhile
        )
        order_ids = bench_orders(opts.outbox_messages)
        WebhookMessage.objects.bulk_create(
            [
                WebhookMessage(
                    subscription=subscription,
                    event_type="order.status_changed",
                    order_id=order_ids[index],
                    payload={
                        "type": "order.status_changed",
                        "timestamp": "2026-12-05T08:00:00.000000Z",
                        "data": {
                            "id": index, "number": 100000 + index, "status": "Cancelled", "stage": "cancelled",
                            "event": {"type": "status.changed", "params": {
                                "old": "Processing", "new": "Cancelled", "old_stage": "processing",
                                "new_stage": "cancelled", "reason": "bench"}},
                        },
                    },
                )
                for index in range(opts.outbox_messages)
            ],
            batch_size=2000,
        )  # fmt: skip
        WebhookSubscription.objects.filter(pk=subscription.pk).update(active=True)
        started = time.perf_counter()
        sent = webhook_deliver_all_due(budget_seconds=600)
        elapsed = time.perf_counter() - started
        delivered = WebhookMessage.objects.filter(subscription=subscription, state="delivered").count()
        report.add(
            "outbox_deliveries_per_s", delivered / elapsed, "/s", budget=">= 500",
            note=f"{delivered:,} of {sent:,} sent delivered in {elapsed:.1f} s to a local receiver",
        )  # fmt: skip
    finally:
        server.terminate()
        server.join(5)
        cleanup()
