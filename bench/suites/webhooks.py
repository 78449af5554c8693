"""Webhook intake against SPEC 7 and issue 16 (Sales channels I).

- `webhook_accept_per_s`, `webhook_accept_p99_ms`: signed Shopify deliveries (orders/create, each with
  its own delivery id) posted to gunicorn started as the Procfile starts it (bench/processes.py), on
  loopback, by a separate load process (bench/webhook_load.py, 16 keep-alive connections). Budget: at
  least 500/s with p99 under 100 ms on the 2-core machine. The server verifies each signature, stores
  the delivery and asks a worker to apply it, as in production (DEBUG off).
- `webhook_orders_per_s`: the deliveries stored above turned into orders (hold checks, stock allocation,
  payments, timeline events) by one Celery worker process (concurrency 1), timed from the task being
  sent until no delivery waits. Budget: at least 300/s.
- `webhook_storm_orders`, `webhook_storm_stale_applied`: 10,000 deliveries of 1,000 orders (each order
  delivered 10 times, as 10 successive versions with a changed shipping method, shuffled), posted
  through the same server and applied by three worker processes at once. Budget: exactly 1,000
  orders, each in its newest version, and 0 orders left on an older version than the newest delivered.

The connections and orders a run creates are removed afterwards (channels whose code starts with
`shopify-bench-webhook`), so the benchmark database stays as the orders suite expects it.

Options: --deliveries N (default 10,000), --storm-orders N (default 1,000), --versions N (default 10),
--connections N (deliveries in flight, default 16: four per server thread keep all four busy; more only wait in the socket backlog), --port P (default 8765).
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management import call_command

from bench.harness import Report
from bench.processes import BASE_DIR, deployed, isolated_broker, start_web, start_worker, stop

PREFIX = "bench-webhook"
CHANNEL_PREFIX = f"shopify-{PREFIX}"
SECRET = "bench-webhook-secret"


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench webhooks", add_help=False)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--storm-orders", type=int, default=1_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    known, _ = parser.parse_known_args(argv)
    return known


def cleanup() -> None:
    from bench.cleanup import delete_channels_orders
    from channels.connections.models import Connection
    from channels.intake.models import Delivery, PlatformOrderLink
    from orders.models import Channel

    connections = Connection.objects.filter(channel__code__startswith=CHANNEL_PREFIX)
    PlatformOrderLink.objects.filter(connection__in=connections).delete()
    Delivery.objects.filter(connection__in=connections).delete()
    delete_channels_orders(CHANNEL_PREFIX)
    channel_ids = list(connections.values_list("channel_id", flat=True))
    connections.delete()
    Channel.objects.filter(pk__in=channel_ids).delete()


def connect(name: str):
    from channels.connections.services import connection_create
    from orders.actors import Actor

    return connection_create(
        kind="shopify", name=name, shop_url="https://bench.myshopify.com", credentials={"access_token": "bench"},
        webhook_secret=SECRET, actor=Actor.system("bench"),
    )  # fmt: skip


def signed(connection, topic: str, payload: dict, delivery_id: str) -> dict:
    from django.urls import reverse

    from channels.marketplaces import platform
    from channels.marketplaces.base import hmac_sha256_base64

    adapter = platform(connection.kind)
    body = json.dumps(payload)
    headers = adapter.webhook_headers(
        topic=topic, delivery_id=delivery_id, signature=hmac_sha256_base64(SECRET, body.encode()),
        shop_url=connection.shop_url,
    )  # fmt: skip
    headers["Content-Type"] = "application/json"
    return {"path": reverse("channels:webhook", args=[connection.pk]), "headers": headers, "body": body}


def write_requests(path: Path, requests: list[dict]) -> None:
    with path.open("w") as handle:
        for request in requests:
            handle.write(json.dumps(request) + "\n")


def post(path: Path, port: int, connections: int) -> dict:
    answer = subprocess.run(
        [sys.executable, "-m", "bench.webhook_load", str(path), "--port", str(port), "--connections", str(connections)],
        cwd=BASE_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(answer.stdout)


def wait_drained(connection_ids: list[int], timeout: float = 900) -> float:
    from channels.intake.models import Delivery

    started = time.perf_counter()
    while Delivery.objects.filter(connection_id__in=connection_ids, state=Delivery.State.RECEIVED).exists():
        if time.perf_counter() - started > timeout:
            raise RuntimeError("deliveries still waiting after the timeout; see var/bench-worker.log")
        time.sleep(0.05)
    return time.perf_counter() - started


def run(report: Report, argv: list[str]) -> None:
    from celery import current_app

    from channels.intake.models import Delivery, PlatformOrderLink
    from channels.intake.queueing import PROCESS_TASK
    from channels.marketplaces import platform
    from orders.models import Order, Product

    opts = options(argv)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("sync_roles", verbosity=0)
    cleanup()
    stamp = str(int(time.time()))
    skus = list(Product.objects.filter(active=True).order_by("sku").values_list("sku", flat=True)[:200])
    adapter = platform("shopify")
    env = deployed(isolated_broker())
    current_app.control.purge()
    folder = Path(tempfile.mkdtemp(prefix="packline-webhooks-"))

    # Accepting ---------------------------------------------------------------------------------------
    shop = connect(f"{PREFIX}-{stamp}")
    deliveries = []
    for sequence in range(opts.deliveries + 500):
        topic, payload = adapter.sample_webhook(sequence=sequence, seed=int(stamp), skus=skus)
        deliveries.append(signed(shop, topic, payload, f"bench-{stamp}-{sequence}"))
    write_requests(folder / "warmup.jsonl", deliveries[:500])
    write_requests(folder / "accept.jsonl", deliveries[500:])
    web = start_web(env, opts.port)
    try:
        post(folder / "warmup.jsonl", opts.port, opts.connections)
        accepted = post(folder / "accept.jsonl", opts.port, opts.connections)
    finally:
        stop(web)
    stored = Delivery.objects.filter(connection=shop).count()
    note = f"{accepted['requests']:,} deliveries, answers {accepted['statuses']}, {stored:,} stored"
    report.add("webhook_accept_per_s", accepted["per_s"], "/s", budget=">= 500", note=note)
    report.add(
        "webhook_accept_p99_ms",
        accepted["p99_ms"],
        "ms",
        budget="<= 100",
        note=f"p50 {accepted['p50_ms']:.1f} ms",
    )

    # Applying, one worker ----------------------------------------------------------------------------
    current_app.control.purge()  # what the server asked for: the clock starts with one task below
    worker = start_worker(env, queues="channels", concurrency=1)
    try:
        time.sleep(3)  # let the worker connect before the clock starts
        started = time.perf_counter()
        current_app.send_task(PROCESS_TASK, args=[shop.pk])
        wait_drained([shop.pk])
        elapsed = time.perf_counter() - started
    finally:
        stop(worker)
    created = Order.objects.filter(channel=shop.channel).count()
    report.add(
        "webhook_orders_per_s", created / elapsed, "/s", budget=">= 300",
        note=f"{created:,} orders from {stored:,} stored deliveries in {elapsed:.1f} s by one worker process",
    )  # fmt: skip

    # The storm ----------------------------------------------------------------------------------------
    storm = connect(f"{PREFIX}-storm-{stamp}")
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    requests = []
    for sequence in range(opts.storm_orders):
        topic, payload = adapter.sample_webhook(sequence=100_000 + sequence, seed=int(stamp), skus=skus)
        payload["financial_status"] = "paid"
        for version in range(opts.versions):
            changed = json.loads(json.dumps(payload))
            changed["updated_at"] = (base + timedelta(seconds=version)).isoformat()
            for line in changed.get("shipping_lines") or []:
                line["title"] = f"Standard v{version}"
            requests.append(signed(storm, "orders/updated", changed, f"storm-{stamp}-{sequence}-{version}"))
    random.Random(int(stamp)).shuffle(requests)
    write_requests(folder / "storm.jsonl", requests)
    current_app.control.purge()
    web = start_web(env, opts.port)
    try:
        stormed = post(folder / "storm.jsonl", opts.port, opts.connections)
    finally:
        stop(web)
    current_app.control.purge()
    workers = start_worker(env, queues="channels", concurrency=3)
    try:
        time.sleep(3)
        for _ in range(3):
            current_app.send_task(PROCESS_TASK, args=[storm.pk])
        wait_drained([storm.pk])
    finally:
        stop(workers)
    newest = base + timedelta(seconds=opts.versions - 1)
    orders = Order.objects.filter(channel=storm.channel)
    behind = orders.exclude(shipping_method=f"Standard v{opts.versions - 1}").count()
    behind_links = (
        PlatformOrderLink.objects.filter(connection=storm).exclude(applied_updated_at=newest).count()
    )
    report.add(
        "webhook_storm_orders", orders.count(), "orders", budget=f"== {opts.storm_orders}",
        note=f"{len(requests):,} deliveries posted (answers {stormed['statuses']}), 3 worker processes",
    )  # fmt: skip
    report.add(
        "webhook_storm_stale_applied", max(behind, behind_links), "orders", budget="<= 0",
        note="orders not in their newest version (shipping method or applied version)",
    )  # fmt: skip
    cleanup()
