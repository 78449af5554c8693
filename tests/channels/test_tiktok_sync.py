"""A TikTok Shop shop through the framework over real HTTP (FakeTikTokShop), with the documented order
(fixtures/order_uk_awaiting_shipment.json, unknown keys included): a poll over several pages survives
an access token that runs out between two pages (105002, renewal, the page asked again) and a 429
whose Retry-After the shared limiter waits out; a signed notification for an order the Partner API
shows only on the second read waits and is then applied; notifications dropped on purpose are repaired
by the nightly reconciliation, which lists each repair in the sync log."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.connections.models import Connection
from channels.intake.batch import deliveries_process
from channels.intake.models import Delivery
from channels.intake.polling import connection_poll, connection_reconcile
from fulfilment.models import StockItem
from orders.models import Order, Warehouse
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.channels.marketplace_shops import connect_tiktok, tiktok_notify, tiktok_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
SEARCH = "/order/202309/orders/search"
DETAIL = "/order/202309/orders"


@pytest.fixture(autouse=True)
def catalogue():
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in ("MUG-SLATE", "TOWEL-NAT"):
        product = ProductFactory(sku=sku, price=Decimal("10.00"))
        StockItem.objects.create(warehouse=warehouse, product=product, on_hand=100)


@pytest.fixture
def shop():
    with FakeTikTokShop(shop_name="Homeware UK") as fake:
        yield fake


def test_a_poll_over_three_pages_renews_an_expired_token_and_waits_out_a_429(shop, capsys):
    start = timezone.now() - timedelta(hours=3)
    ids = [shop.add_order(tiktok_order(n, start + timedelta(minutes=n)))["id"] for n in range(5)]
    shop.max_page_size = 2
    connection = connect_tiktok(shop, lambda: capsys.readouterr().out)
    shop.expire_tokens_after(1)  # the first page is answered, then the week is over
    # The third page's first ask: page 1, page 2 (refused: expired), page 2 again, then the 429.
    shop.fail_next(429, retry_after=0.3, path=SEARCH, after=3)

    run = connection_poll(connection_id=connection.pk, since=LONG_AGO)

    searches = [r for r in shop.requests if r.path == SEARCH]
    assert (run.state, run.pages, run.seen, run.created, run.failed) == ("done", 3, 5, 5, 0), run.error
    assert [(r.status, r.code) for r in searches] == [
        (200, 0),
        (401, 105002),
        (200, 0),
        (429, 10429),
        (200, 0),
    ]
    assert shop.refreshes == 1
    kept = Connection.objects.get(pk=connection.pk)
    assert kept.credentials["access_token"] == searches[-1].token != searches[0].token
    assert kept.throttled_until is not None
    assert (
        sorted(Order.objects.filter(channel=connection.channel).values_list("channel_order_id", flat=True))
        == ids
    )


def test_a_notification_for_an_order_the_api_shows_only_on_the_second_read_waits_then_applies(
    shop, capsys, client, django_capture_on_commit_callbacks
):
    order = shop.add_order(tiktok_order(1, timezone.now() - timedelta(minutes=2)))
    connection = connect_tiktok(shop, lambda: capsys.readouterr().out)
    shop.hide_order_once(order["id"])  # TikTok has not indexed it yet

    assert tiktok_notify(client, connection, order, 1).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert dict(deliveries_process(connection_id=connection.pk)) == {"waiting": 1}
    delivery = Delivery.objects.get(connection=connection)
    assert (delivery.state, delivery.attempts) == ("received", 1)
    assert f"waiting for TikTok Shop to give order {order['id']}" in delivery.outcome
    assert not Order.objects.filter(channel=connection.channel).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert dict(deliveries_process(connection_id=connection.pk)) == {}  # asked just now: not yet
    Delivery.objects.filter(pk=delivery.pk).update(processed_at=timezone.now() - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert dict(deliveries_process(connection_id=connection.pk)) == {"created": 1}

    created = Order.objects.get(channel=connection.channel)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.order_id, delivery.attempts) == ("applied", created.pk, 2)
    assert created.channel_order_id == order["id"] and created.stage == "processing"
    reads = [r for r in shop.requests if r.path == DETAIL and r.query.get("ids") == order["id"]]
    assert len(reads) == 2


def test_notifications_dropped_on_purpose_are_repaired_by_the_nightly_reconciliation(
    shop, capsys, client, django_capture_on_commit_callbacks
):
    now = timezone.now()
    orders = [shop.add_order(tiktok_order(n, now - timedelta(hours=5 - n))) for n in range(4)]
    connection = connect_tiktok(shop, lambda: capsys.readouterr().out)
    for number, order in enumerate(orders[:3]):
        assert tiktok_notify(client, connection, order, number).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert dict(deliveries_process(connection_id=connection.pk)) == {"created": 3}
    # Order 3's notification is dropped (a forged signature is refused and nothing is kept); order 2
    # changes address in the shop and that notification is dropped too.
    assert tiktok_notify(client, connection, orders[3], 3, secret="not-the-app-secret").status_code == 401
    changed = dict(orders[2], update_time=int(time.time()) - 600)
    changed["recipient_address"] = dict(changed["recipient_address"], postal_code="M1 1AE")
    shop.orders[changed["id"]].update(changed)
    assert not Order.objects.filter(channel_order_id=orders[3]["id"]).exists()

    run = connection_reconcile(connection_id=connection.pk)

    assert (run.kind, run.state, run.seen, run.created, run.updated, run.skipped) == (
        "reconcile", "done", 4, 1, 1, 2,
    ), run.error  # fmt: skip
    repaired = {row.platform_order_id: row.outcome for row in Delivery.objects.filter(run=run).order_by("id")}
    created = Order.objects.get(channel=connection.channel, channel_order_id=orders[3]["id"])
    assert repaired == {
        orders[2]["id"]: "changed in TikTok Shop: shipping address",
        orders[3]["id"]: f"created {created.display_number}",
    }
    moved = Order.objects.get(channel=connection.channel, channel_order_id=orders[2]["id"])
    assert moved.shipping_address["postcode"] == "M1 1AE"
