"""What waits while a TikTok Shop connection needs re-authorisation (FakeTikTokShop over real HTTP): a
signed notification is stored but its order is not fetched until the seller consents again; and a
connection saved by command with the app's service id instead of tokens waits for its consent."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from channels.connections.authorisation import connection_authorisation_lost
from channels.connections.models import Connection
from channels.intake import tasks
from channels.intake.batch import deliveries_process
from channels.intake.models import Delivery
from channels.marketplaces.tiktok import PLATFORM as TIKTOK
from fulfilment.models import StockItem
from orders.models import Order, Warehouse
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.channels.test_consent import come_back, consent
from tests.channels.test_tiktok_round_trip import SKUS, headers_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_channel_connect_with_a_service_id_and_no_tokens_saves_a_connection_waiting_for_consent(capsys):
    call_command(
        "channel_connect", "--kind", "tiktok", "--name", "Homeware UK", "--shop-url", "https://seller-uk.tiktok.com",
        "--app-key", "6a6key", "--app-secret", "secret", "--service-id", "7310000000000000001",
    )  # fmt: skip
    connection = Connection.objects.get(pk=json.loads(capsys.readouterr().out)["id"])

    assert connection.credentials == {
        "app_key": "6a6key",
        "app_secret": "secret",
        "service_id": "7310000000000000001",
    }
    assert connection.needs_authorisation and connection.authorised_at is None
    assert "Not authorised yet" in connection.authorisation_error


def test_a_notification_waits_for_the_consent_and_is_applied_after_it(
    client, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.poll, "delay", lambda *args: None)
    manager = make_user("manager")
    client.force_login(manager)
    for sku in SKUS:
        StockItem.objects.create(
            warehouse=Warehouse.objects.get(is_default=True), product=ProductFactory(sku=sku), on_hand=10
        )
    with FakeTikTokShop(shop_name="Homeware UK") as shop:
        shop.redirect_url = f"http://testserver{reverse('channels:oauth_callback', args=['tiktok'])}"
        creds = shop.credentials
        call_command(
            "channel_connect", "--kind", "tiktok", "--name", "Homeware UK", "--shop-url", "https://seller-uk.tiktok.com",
            "--api-base-url", shop.url, "--auth-base-url", shop.url, "--app-key", creds["app_key"],
            "--app-secret", creds["app_secret"], "--access-token", creds["access_token"],
            "--refresh-token", creds["refresh_token"], "--shop-cipher", creds["shop_cipher"],
            "--service-id", shop.service_id,
        )  # fmt: skip
        connection = Connection.objects.get()
        connection_authorisation_lost(
            connection=connection, error="TikTok Shop needs re-authorisation: revoked"
        )
        shop.add_order(TIKTOK.sample_order(sequence=2, seed=4, skus=SKUS))
        topic, notification = TIKTOK.sample_webhook(sequence=2, seed=4, skus=SKUS)
        body = json.dumps(notification).encode()
        response = client.post(
            reverse("channels:webhook", args=[connection.pk]), data=body, content_type="application/json",
            **headers_for(connection, body, topic),
        )  # fmt: skip

        assert response.status_code == 200
        assert dict(deliveries_process(connection_id=connection.pk)) == {}
        delivery = Delivery.objects.get(connection=connection, source="webhook")
        assert delivery.state == "received" and shop.api_requests() == []
        assert connection.pk not in tasks.sweep()["connections"]

        come_back(client, consent(client, connection))
        with django_capture_on_commit_callbacks(execute=True):
            assert dict(deliveries_process(connection_id=connection.pk)) == {"created": 1}
    delivery.refresh_from_db()
    assert delivery.state == "applied"
    assert Order.objects.filter(channel=connection.channel).count() == 1


def test_a_refusal_of_a_token_older_than_the_last_consent_changes_nothing(make_user):
    from channels.connections.authorisation import connection_authorised
    from channels.connections.services import connection_create

    connection = connection_create(
        kind="ebay", name="Acme on eBay", shop_url="https://www.ebay.co.uk/usr/acme",
        credentials={"client_id": "c", "client_secret": "s", "refresh_token": "old"}, webhook_secret="",
        actor=make_user("manager"),
    )  # fmt: skip
    worker_view = Connection.objects.get(pk=connection.pk)  # what a worker's client was made from
    connection_authorised(connection_id=connection.pk, credentials={"refresh_token": "new"})

    connection_authorisation_lost(connection=worker_view, error="eBay needs re-authorisation: invalid_grant")

    connection.refresh_from_db()
    assert not connection.needs_authorisation and connection.credentials["refresh_token"] == "new"
    connection_authorisation_lost(connection=connection, error="eBay needs re-authorisation: invalid_grant")
    assert Connection.objects.get(pk=connection.pk).needs_authorisation
