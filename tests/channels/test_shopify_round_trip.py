"""A Shopify store over real HTTP (FakeShopify): orders polled through the GraphQL Admin API become
orders, and a partial then a full shipment reach the store as fulfillments of the right line items."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from channels.connections.models import Connection
from channels.intake.polling import connection_poll
from channels.marketplaces.shopify import PLATFORM as SHOPIFY
from channels.tracking.models import TrackingPush
from channels.tracking.services import tracking_push_send
from fulfilment.models import StockItem
from fulfilment.services.shipping import shipment_create
from orders.actors import Actor
from orders.models import Channel, Order, Warehouse
from tests.channels.fakes.shopify import FakeShopify
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SKUS = ["MUG-1", "PLATE-2", "BOWL-3"]


@pytest.fixture
def store():
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in SKUS:
        StockItem.objects.create(warehouse=warehouse, product=ProductFactory(sku=sku), on_hand=100)
    with FakeShopify(token="shpat_round_trip", shop_name="Mugs & Co") as fake:
        channel = Channel.objects.create(code="shopify-mugs", name="Mugs & Co", kind="shopify")
        fake.connection = Connection.objects.create(
            channel=channel, kind="shopify", name="Mugs & Co", shop_url="https://mugs.myshopify.com",
            api_base_url=fake.url, credentials={"access_token": "shpat_round_trip"}, webhook_secrets=["wh"],
        )  # fmt: skip
        yield fake


def paid_multi_line_order(store) -> dict:
    for sequence in range(50):
        _topic, payload = SHOPIFY.sample_webhook(sequence=sequence, seed=5, skus=SKUS)
        if payload["financial_status"] == "paid" and len(payload["line_items"]) >= 2:
            store.add_order(payload)
            return payload
    raise AssertionError("no paid order with two lines among the samples")


def test_polled_orders_ship_in_two_parts_and_each_part_reaches_the_store(
    store, django_capture_on_commit_callbacks
):
    payload = paid_multi_line_order(store)
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_poll(connection_id=store.connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
    assert (run.state, run.created) == ("done", 1), run.error
    order = Order.objects.get(channel=store.connection.channel)
    assert order.channel_order_id == str(payload["id"]) and order.stage == "processing"
    lines = list(order.lines.order_by("position"))
    assert [line.channel_line_id for line in lines] == [str(item["id"]) for item in payload["line_items"]]
    assert order.total == Decimal(payload["total_price"])

    first = lines[0]
    with django_capture_on_commit_callbacks(execute=False):
        shipment_create(order_id=order.pk, carrier="UPS", tracking_number="1Z999", actor=Actor.system("tests"),
                        quantities={first.pk: first.quantity})  # fmt: skip
    tracking_push_send(push_id=TrackingPush.objects.get(order=order).pk)
    with django_capture_on_commit_callbacks(execute=False):
        shipment_create(order_id=order.pk, carrier="DHL", tracking_number="JD1", actor=Actor.system("tests"))
    second = TrackingPush.objects.filter(order=order).latest("id")
    tracking_push_send(push_id=second.pk)

    assert list(TrackingPush.objects.filter(order=order).values_list("state", flat=True)) == ["sent", "sent"]
    fulfillments = store.fulfillments(str(payload["id"]))
    assert [f["trackingInfo"][0]["number"] for f in fulfillments] == ["1Z999", "JD1"]
    assert [f["trackingInfo"][0]["company"] for f in fulfillments] == ["UPS", "DHL"]
    assert store.remaining(str(payload["id"])) == {str(item["id"]): 0 for item in payload["line_items"]}
    order.refresh_from_db()
    assert order.stage == "shipped"
