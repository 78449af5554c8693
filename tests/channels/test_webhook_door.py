"""The webhook door: a size cap first, the signature over the raw body, then stored once per delivery id
and answered at once; nothing is stored for a bad signature."""

import json
from unittest import mock

import pytest
from django.urls import reverse

from channels.connections.models import Connection
from channels.intake.models import Delivery
from channels.intake.receive import MAX_BODY_BYTES
from channels.marketplaces.base import hmac_sha256_base64
from tests.channels.shops import make_connection

pytestmark = pytest.mark.django_db

BODY = json.dumps({"id": 5001047, "name": "#1047", "updated_at": "2026-12-01T09:00:00Z"}).encode()


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch("channels.intake.receive.queue_processing") as queued:
        yield queued


def post(
    client, connection, body=BODY, *, secret="whsec-current", delivery="d-1", topic="orders/create", **extra
):
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_WEBHOOK_ID": delivery,
        "HTTP_X_SHOPIFY_HMAC_SHA256": hmac_sha256_base64(secret, body),
        **extra,
    }
    return client.post(
        reverse("channels:webhook", args=[connection.pk]),
        data=body,
        content_type="application/json",
        **headers,
    )


def test_a_signed_delivery_is_stored_answered_at_once_and_a_worker_is_asked(client, no_broker):
    shop = make_connection()

    answer = post(client, shop)

    assert answer.status_code == 200
    delivery = Delivery.objects.get()
    assert (delivery.delivery_id, delivery.topic, delivery.state) == ("d-1", "orders/create", "received")
    assert delivery.body.encode() == BODY
    no_broker.assert_called_once_with(shop.pk)


def test_a_redelivery_answers_200_and_stores_nothing_new(client, no_broker):
    shop = make_connection()
    post(client, shop)

    answer = post(client, shop)

    assert answer.status_code == 200 and answer.content == b"duplicate"
    assert Delivery.objects.count() == 1
    assert no_broker.call_count == 1


def test_the_previous_secret_is_still_accepted_during_a_rotation(client):
    shop = make_connection()

    assert post(client, shop, secret="whsec-old").status_code == 200


def test_a_bad_signature_is_401_counted_and_nothing_is_stored(client, no_broker):
    shop = make_connection()

    answer = post(client, shop, secret="someone-else")
    tampered = post(client, shop, body=BODY.replace(b"1047", b"1048"), delivery="d-2")
    unsigned = client.post(
        reverse("channels:webhook", args=[shop.pk]), data=BODY, content_type="application/json"
    )

    assert [answer.status_code, unsigned.status_code] == [401, 401]
    assert tampered.status_code == 200  # its signature is over its own body
    fresh = Connection.objects.get(pk=shop.pk)
    assert fresh.rejected_deliveries == 2 and fresh.last_rejected_at is not None
    assert list(Delivery.objects.values_list("delivery_id", flat=True)) == ["d-2"]


def test_an_oversized_body_is_refused_before_it_is_read(client):
    shop = make_connection()
    big = b'{"pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'

    answer = post(client, shop, body=big)

    assert answer.status_code == 413
    assert not Delivery.objects.exists()


def test_missing_headers_an_unknown_connection_and_get_are_refused(client):
    shop = make_connection()
    body = BODY
    no_id = client.post(
        reverse("channels:webhook", args=[shop.pk]), data=body, content_type="application/json",
        HTTP_X_SHOPIFY_HMAC_SHA256=hmac_sha256_base64("whsec-current", body), HTTP_X_SHOPIFY_TOPIC="orders/create",
    )  # fmt: skip

    assert no_id.status_code == 400
    assert post(client, Connection(pk=999_999)).status_code == 404
    assert client.get(reverse("channels:webhook", args=[shop.pk])).status_code == 405
    assert not Delivery.objects.exists()


def test_a_paused_connection_keeps_deliveries_without_asking_a_worker(client, no_broker):
    shop = make_connection(paused=True)

    assert post(client, shop).status_code == 200

    assert Delivery.objects.filter(state="received").count() == 1
    no_broker.assert_not_called()


def post_woo(client, connection, body: bytes, delivery="wc-1"):
    return client.post(
        reverse("channels:webhook", args=[connection.pk]), data=body, content_type="application/json",
        HTTP_X_WC_WEBHOOK_TOPIC="order.updated", HTTP_X_WC_WEBHOOK_DELIVERY_ID=delivery,
        HTTP_X_WC_WEBHOOK_SIGNATURE=hmac_sha256_base64("whsec-current", body),
    )  # fmt: skip


def test_woocommerce_deliveries_that_share_an_id_within_a_second_are_both_kept(client):
    shop = make_connection(kind="woocommerce", name="Acme EU")
    first, second = b'{"id": 1, "status": "processing"}', b'{"id": 2, "status": "processing"}'

    answers = [post_woo(client, shop, first), post_woo(client, shop, second), post_woo(client, shop, first)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[2].content == b"duplicate"
    assert Delivery.objects.count() == 2


def test_woocommerces_unsigned_ping_is_answered_and_not_stored(client):
    shop = make_connection(kind="woocommerce", name="Acme EU")

    answer = client.post(
        reverse("channels:webhook", args=[shop.pk]), data=b"webhook_id=12",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip

    assert answer.status_code == 200
    assert not Delivery.objects.exists()
    assert Connection.objects.get(pk=shop.pk).rejected_deliveries == 0


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
def test_each_platforms_sample_webhook_is_stored_and_becomes_an_order(
    client, kind, django_capture_on_commit_callbacks
):
    from channels.intake.batch import deliveries_process
    from channels.marketplaces import platform
    from orders.models import Order
    from tests.factories import ProductFactory

    for sku in ("MUG-1", "PLATE-2"):
        ProductFactory(sku=sku)
    shop = make_connection(kind=kind, name=f"Acme {kind}")
    adapter = platform(kind)
    topic, payload = adapter.sample_webhook(sequence=3, seed=9, skus=["MUG-1", "PLATE-2"])
    body = json.dumps(payload).encode()
    headers = adapter.webhook_headers(
        topic=topic,
        delivery_id="sample-1",
        signature=hmac_sha256_base64("whsec-current", body),
        shop_url=shop.shop_url,
    )
    answer = client.post(
        reverse("channels:webhook", args=[shop.pk]), data=body, content_type="application/json",
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    )  # fmt: skip
    assert answer.status_code == 200

    counts = deliveries_process(connection_id=shop.pk)

    assert dict(counts) == {"created": 1}
    delivery = Delivery.objects.get()
    order = Order.objects.get(channel=shop.channel)
    assert delivery.state == "applied" and delivery.order_id == order.pk
    assert delivery.outcome == f"created {order.display_number}"
    assert order.channel_order_id == delivery.platform_order_id
    assert all(line.channel_line_id for line in order.lines.all())
    assert order.lines.count() == len(payload.get("line_items", []))


def test_a_multipart_form_is_refused_with_a_reason_not_a_500(client, no_broker):
    shop = make_connection()

    answer = client.post(reverse("channels:webhook", args=[shop.pk]), data={"webhook_id": "1"})

    assert answer.status_code == 415 and b"not multipart" in answer.content
    assert not Delivery.objects.exists()
    no_broker.assert_not_called()
