"""Polling and backfill against a shop over real HTTP (FakeWooCommerce), the pause a platform asks for
shared through the database, and tracking pushed back through the outbox."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.intake.models import Delivery
from channels.intake.polling import connection_poll, sync_continue, sync_start
from channels.marketplaces.woocommerce import PLATFORM as WOO
from channels.ratelimit import ConnectionLimiter
from channels.tracking.models import TrackingPush
from channels.tracking.services import tracking_push_retry, tracking_push_send
from fulfilment.models import StockItem
from fulfilment.services.shipping import shipment_create
from orders.actors import Actor
from orders.models import Order, Warehouse
from tests.channels.fakes.woocommerce import FakeWooCommerce
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SKUS = ["MUG-1", "PLATE-2", "BOWL-3"]
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def catalogue():
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in SKUS:
        product = ProductFactory(sku=sku, price=Decimal("10.00"))
        StockItem.objects.create(warehouse=warehouse, product=product, on_hand=1000)


@pytest.fixture
def shop(catalogue):
    with FakeWooCommerce(consumer_key="ck_x", consumer_secret="cs_y") as fake:
        fake.connection = Connection.objects.create(
            channel=_channel(), kind="woocommerce", name="Acme EU", shop_url=fake.url,
            credentials=fake.credentials, webhook_secrets=["wh"],
        )  # fmt: skip
        yield fake


def _channel():
    from orders.models import Channel

    return Channel.objects.create(code="woocommerce-acme-eu", name="Acme EU", kind="woocommerce")


def stock_orders(fake, count: int) -> list[dict]:
    return [fake.add_order(WOO.sample_webhook(sequence=n, seed=7, skus=SKUS)[1]) for n in range(count)]


def test_a_poll_reads_every_page_once_and_the_next_poll_creates_nothing_twice(shop):
    stock_orders(shop, 105)  # two pages of 100

    first = connection_poll(connection_id=shop.connection.pk, since=SINCE)
    again = connection_poll(connection_id=shop.connection.pk)

    assert (first.state, first.pages, first.seen, first.created, first.failed) == ("done", 2, 105, 105, 0)
    assert Order.objects.filter(channel=shop.connection.channel).count() == 105
    connection = Connection.objects.get(pk=shop.connection.pk)
    newest = max(
        datetime.fromisoformat(o["date_modified_gmt"]).replace(tzinfo=UTC) for o in shop.orders.values()
    )
    assert connection.poll_cursor == newest and connection.last_poll_at is not None
    # The overlap window reads the newest orders again: recorded, not created again.
    assert again.state == "done" and again.created == 0 and again.seen == again.skipped >= 1
    assert Delivery.objects.filter(source="poll").count() == 105


def test_a_backfill_cut_short_after_a_page_goes_on_from_the_next_page(shop):
    stock_orders(shop, 150)
    run = sync_start(connection_id=shop.connection.pk, kind=SyncRun.Kind.BACKFILL, since=SINCE)

    def worker_dies(progress):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        sync_continue(run_id=run.pk, progress=worker_dies)
    run.refresh_from_db()
    assert (run.state, run.pages, run.created, run.page_cursor) == ("running", 1, 100, "2")

    finished = sync_continue(run_id=run.pk)

    assert (finished.state, finished.pages, finished.created, finished.seen) == ("done", 2, 150, 150)
    assert Order.objects.filter(channel=shop.connection.channel).count() == 150
    page_requests = [
        r.query.get("page") for r in shop.requests if r.path.endswith("/orders") and r.method == "GET"
    ]
    assert page_requests == ["1", "2"]


def test_a_second_poll_of_the_same_connection_is_refused_while_one_runs(shop):
    sync_start(connection_id=shop.connection.pk, kind=SyncRun.Kind.POLL, since=SINCE)

    with pytest.raises(Exception, match="running already"):
        connection_poll(connection_id=shop.connection.pk)


def test_a_shop_that_is_down_fails_the_poll_with_the_reason_and_channel_sync_says_it(shop):
    shop.fail_next(401, times=1)

    with pytest.raises(CommandError, match="WooCommerce did not answer"):
        call_command("channel_sync", str(shop.connection.pk), "--since", "2025-01-01")

    run = SyncRun.objects.get(connection=shop.connection)
    assert run.state == "failed" and "WooCommerce did not answer" in run.error


def test_channel_sync_prints_the_polls_counts(shop, capsys):
    stock_orders(shop, 3)

    call_command("channel_sync", str(shop.connection.pk), "--since", "2025-01-01")

    printed = json.loads(capsys.readouterr().out)
    assert {k: printed[k] for k in ("state", "seen", "created", "failed")} == {
        "state": "done", "seen": 3, "created": 3, "failed": 0,
    }  # fmt: skip


def test_a_pause_asked_by_one_worker_makes_every_worker_wait(shop):
    slept = []
    asked = ConnectionLimiter(shop.connection.pk)
    other = ConnectionLimiter(shop.connection.pk, sleep=slept.append)

    asked.pause(2)
    asked.pause(0.5)  # a shorter pause never cuts a longer one
    other.wait()

    assert len(slept) == 1 and 1.5 < slept[0] <= 2.0
    assert Connection.objects.get(pk=shop.connection.pk).throttled_until > timezone.now()


def test_429_from_the_shop_pauses_the_connection_for_every_worker(shop):
    stock_orders(shop, 1)
    shop.fail_next(429, times=1, retry_after=1)

    run = connection_poll(connection_id=shop.connection.pk, since=SINCE)

    assert run.state == "done" and run.created == 1
    throttled = Connection.objects.get(pk=shop.connection.pk).throttled_until
    assert throttled is not None and throttled > timezone.now() - timedelta(seconds=5)


def shipped_order(shop, django_capture_on_commit_callbacks) -> Order:
    stock_orders(shop, 1)
    with django_capture_on_commit_callbacks(execute=True):
        connection_poll(connection_id=shop.connection.pk, since=SINCE)
    order = Order.objects.get(channel=shop.connection.channel)
    assert order.stage == "processing", order.status
    with django_capture_on_commit_callbacks(execute=False) as queued:
        shipment_create(
            order_id=order.pk, carrier="DHL", tracking_number="JD0001", actor=Actor.system("tests")
        )
    assert queued, "the push is queued after the shipment commits"
    return order


def test_shipping_a_shop_order_pushes_carrier_and_tracking_to_the_shop(
    shop, django_capture_on_commit_callbacks
):
    order = shipped_order(shop, django_capture_on_commit_callbacks)
    push = TrackingPush.objects.get(order=order)
    assert push.state == "pending"

    tracking_push_send(push_id=push.pk)

    push.refresh_from_db()
    assert push.state == "sent" and push.platform_reference
    assert len(shop.pushes) == 1
    assert "DHL" in shop.pushes[0]["note"] and "JD0001" in shop.pushes[0]["note"]
    assert shop.pushes[0]["order_id"] == int(order.channel_order_id)
    assert order.events.filter(type="channel.tracking_pushed").exists()
    assert tracking_push_send(push_id=push.pk) is None  # sent once, never twice


def test_a_shop_that_is_down_gets_the_push_later(shop, django_capture_on_commit_callbacks):
    order = shipped_order(shop, django_capture_on_commit_callbacks)
    push = TrackingPush.objects.get(order=order)
    shop.fail_next(429, times=1, retry_after=600)  # longer than a worker waits: try again later

    tracking_push_send(push_id=push.pk)

    push.refresh_from_db()
    assert push.state == "pending" and push.attempts == 1
    assert push.next_attempt_at >= timezone.now() + timedelta(seconds=590)
    assert push.last_error and not shop.pushes


def test_a_permanent_refusal_shows_on_the_order_and_a_manager_retries_it(
    shop, django_capture_on_commit_callbacks, users
):
    order = shipped_order(shop, django_capture_on_commit_callbacks)
    push = TrackingPush.objects.get(order=order)
    del shop.orders[int(order.channel_order_id)]  # the shop no longer has it: 404

    tracking_push_send(push_id=push.pk)

    push.refresh_from_db()
    assert push.state == "failed" and push.last_error
    failed = order.events.get(type="channel.tracking_failed")
    assert failed.params["error"] == push.last_error
    with django_capture_on_commit_callbacks(execute=False):
        tracking_push_retry(push_id=push.pk, actor=users["manager"])
    push.refresh_from_db()
    assert push.state == "pending"
