"""The nightly reconciliation (issue "Sales channels II"): a connection whose shop has 10,000 orders
changed in the last two days, none of which Packline has yet (every webhook lost), reconciled against a
local fake of the shop's documented API over real HTTP (tests/channels/fakes/woocommerce.py: REST v3,
100 orders a page). `reconcile_10k_s` is the wall time of connection_reconcile, budget 60 s; the note
says how many calls it made to the shop and what it created. A second reconciliation right after (all
up to date) is `reconcile_10k_again_s`: what a night costs when nothing was lost.

The orders it creates are removed afterwards (channels whose code starts with `woocommerce-bench-reconcile`).

Options: --reconcile-orders N (default 10,000).
"""

import argparse
import time
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from bench.harness import Report

PREFIX = "bench-reconcile"


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench reconcile", add_help=False)
    parser.add_argument("--reconcile-orders", type=int, default=10_000)
    known, _ = parser.parse_known_args(argv)
    return known


def cleanup() -> None:
    from bench.cleanup import delete_channels_orders
    from channels.connections.models import Connection
    from channels.intake.models import Delivery, PlatformOrderLink
    from orders.models import Channel

    connections = Connection.objects.filter(channel__code__startswith=f"woocommerce-{PREFIX}")
    PlatformOrderLink.objects.filter(connection__in=connections).delete()
    Delivery.objects.filter(connection__in=connections).delete()
    delete_channels_orders(f"woocommerce-{PREFIX}")
    channel_ids = list(connections.values_list("channel_id", flat=True))
    connections.delete()
    Channel.objects.filter(pk__in=channel_ids).delete()


def run(report: Report, argv: list[str]) -> None:
    from channels.connections.services import connection_create
    from channels.intake.polling import connection_reconcile
    from channels.marketplaces.woocommerce import PLATFORM as WOO
    from orders.actors import Actor
    from orders.models import Order
    from orders.sample_data import ensure_catalogue
    from tests.channels.fakes.woocommerce import FakeWooCommerce

    opts = options(argv)
    call_command("migrate", interactive=False, verbosity=0)
    cleanup()
    skus = ensure_catalogue(200)  # run alone on a new benchmark database, the catalogue is not there yet
    recent = timezone.now() - timedelta(hours=30)
    with FakeWooCommerce(consumer_key="ck_bench", consumer_secret="cs_bench") as shop:
        for sequence in range(opts.reconcile_orders):
            _topic, payload = WOO.sample_webhook(sequence=sequence, seed=17, skus=skus)
            changed = recent + timedelta(seconds=8 * sequence)
            payload["date_modified_gmt"] = changed.strftime("%Y-%m-%dT%H:%M:%S")
            shop.add_order(payload)
        connection = connection_create(
            kind="woocommerce", name=f"{PREFIX}-{int(time.time())}", shop_url=shop.url,
            credentials=shop.credentials, webhook_secret="bench", actor=Actor.system("bench"),
        )  # fmt: skip
        calls_before = len(shop.requests)
        started = time.perf_counter()
        first = connection_reconcile(connection_id=connection.pk)
        elapsed = time.perf_counter() - started
        calls = len(shop.requests) - calls_before
        created = Order.objects.filter(channel=connection.channel).count()
        report.add(
            "reconcile_10k_s", elapsed, "s", budget="<= 60",
            note=f"{first.seen:,} orders read in {calls} calls, {created:,} created, {first.failed} failed ({first.state})",
        )  # fmt: skip
        started = time.perf_counter()
        again = connection_reconcile(connection_id=connection.pk)
        report.add(
            "reconcile_10k_again_s", time.perf_counter() - started, "s",
            note=f"all up to date: {again.skipped:,} of {again.seen:,} left alone",
        )  # fmt: skip
    cleanup()
