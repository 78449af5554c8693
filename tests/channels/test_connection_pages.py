"""The managers' pages for connected shops (issue "Sales channels I"): who may open them, the form that
calls connection_create / connection_update, the actions, the sync log and its retry, the tracking
pushes, and the shop's panel on the order page."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels.connections import health, selectors
from channels.connections.models import Connection, SyncRun
from channels.context_processors import failing_connections_now
from channels.intake import tasks
from channels.intake.models import Delivery, PlatformOrderLink
from channels.tracking.models import TrackingPush
from orders.models import Channel
from tests.channels.factories import ConnectionFactory, DeliveryFactory, SyncRunFactory
from tests.factories import make_order

pytestmark = pytest.mark.django_db

REFUSED_ROLES = ("csr", "warehouse", "agent", "viewer")
TOKEN = "shpat_SECRET-TOKEN-4711"
WEBHOOK_SECRET = "whsec-SECRET-0815"


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(**changes) -> dict:
    data = {
        "kind": "shopify",
        "name": "Acme Store",
        "shop_url": "https://acme.myshopify.com",
        "api_base_url": "",
        "access_token": TOKEN,
        "consumer_key": "",
        "consumer_secret": "",
        "webhook_secret": WEBHOOK_SECRET,
        "auto_process": "process",
        "warehouse": "",
        "paid_gateways": "shopify_payments, paypal",
        "sku_mapping": "MUG-BLUE = MUG-1\nTEE-L = TEE-1",
        "sync_cancellations": "on",
        "push_tracking": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def shop():
    return ConnectionFactory(name="Acme Store")


@pytest.fixture
def manager_client(client, users):
    client.force_login(users["manager"])
    return client


def pages(shop) -> list[str]:
    delivery = DeliveryFactory(connection=shop)
    run = SyncRunFactory(connection=shop)
    return [
        reverse("channels:connection_list"),
        reverse("channels:connection_add"),
        reverse("channels:connection_detail", args=[shop.pk]),
        reverse("channels:connection_edit", args=[shop.pk]),
        reverse("channels:delivery_detail", args=[delivery.pk]),
        reverse("channels:sync_run", args=[run.pk]),
    ]


# Who may --------------------------------------------------------------------------------------------


def test_managers_and_superadmins_open_every_page(client, users, shop):
    urls = pages(shop)
    for role in ("manager", "superadmin"):
        client.force_login(users[role])
        for url in urls:
            assert client.get(url).status_code == 200, (role, url)


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_are_refused_every_page(client, users, shop, role):
    client.force_login(users[role])
    for url in pages(shop):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_are_refused_every_action_and_nothing_changes(client, users, shop, role, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.poll, "delay", queued.append)
    delivery = DeliveryFactory(connection=shop, state=Delivery.State.FAILED, body="not json")
    client.force_login(users[role])
    posts = [
        ("channels:connection_pause", shop.pk, {}),
        ("channels:connection_poll", shop.pk, {}),
        ("channels:connection_test", shop.pk, {}),
        ("channels:connection_backfill", shop.pk, {"since": "2026-11-01"}),
        ("channels:connection_edit", shop.pk, form_data(name="Taken over")),
        ("channels:delivery_retry", delivery.pk, {}),
    ]
    for name, pk, data in posts:
        assert client.post(reverse(name, args=[pk]), data).status_code == 403, name
    assert client.post(reverse("channels:connection_add"), form_data()).status_code == 403
    shop.refresh_from_db()
    delivery.refresh_from_db()
    assert (shop.paused, shop.name) == (False, "Acme Store")
    assert delivery.attempts == 0 and not SyncRun.objects.exists() and queued == []
    assert Connection.objects.count() == 1


def test_what_does_not_exist_answers_404(manager_client):
    for name in ("connection_detail", "connection_edit", "delivery_detail", "sync_run"):
        assert manager_client.get(reverse(f"channels:{name}", args=[987654])).status_code == 404, name
    assert manager_client.post(reverse("channels:connection_pause", args=[987654])).status_code == 404
    assert manager_client.post(reverse("channels:delivery_retry", args=[987654])).status_code == 404


def test_the_side_navigation_offers_sales_channels_to_managers_only(client, users):
    client.force_login(users["manager"])
    assert 'href="/channels/"' in client.get(reverse("home")).content.decode()
    client.force_login(users["csr"])
    assert 'href="/channels/"' not in client.get(reverse("home")).content.decode()


# The list and its health ------------------------------------------------------------------------------


def test_the_list_shows_each_connection_with_its_health(manager_client, shop):
    now = timezone.now()
    quiet = ConnectionFactory(name="Quiet Store", kind="woocommerce", paused=True)
    webhook = DeliveryFactory(connection=shop, state=Delivery.State.APPLIED)
    DeliveryFactory(connection=shop, state=Delivery.State.FAILED)
    old_failure = DeliveryFactory(connection=shop, state=Delivery.State.FAILED)
    Delivery.objects.filter(pk=old_failure.pk).update(received_at=now - timedelta(hours=30))
    DeliveryFactory.create_batch(3, connection=shop)  # waiting
    DeliveryFactory(connection=quiet, source=Delivery.Source.POLL, state=Delivery.State.FAILED)
    Connection.objects.filter(pk=shop.pk).update(
        rejected_deliveries=2, last_rejected_at=now - timedelta(hours=1), last_poll_at=now
    )
    Connection.objects.filter(pk=quiet.pk).update(
        rejected_deliveries=9, last_rejected_at=now - timedelta(days=2)
    )
    SyncRunFactory(connection=shop, state=SyncRun.State.FAILED)
    make_order(channel=shop.channel, channel_order_id="1")
    make_order(channel=shop.channel, channel_order_id="2")
    yesterday = make_order(channel=shop.channel, channel_order_id="3")
    from orders.models import Order

    Order.objects.filter(pk=yesterday.pk).update(created_at=health.local_day_start() - timedelta(minutes=1))

    figures = {connection.name: connection.health for connection in selectors.connection_list()}

    acme = figures["Acme Store"]
    assert acme.failed_24h == 1 and acme.refused_signatures == 2 and acme.backlog == 3
    assert acme.orders_today == 2 and acme.last_poll_state == SyncRun.State.FAILED
    assert acme.last_webhook_at == Delivery.objects.filter(connection=shop).latest("received_at").received_at
    assert acme.last_webhook_at >= webhook.received_at and acme.troubled
    quiet_health = figures["Quiet Store"]
    assert quiet_health.failed_24h == 1 and quiet_health.refused_signatures == 0
    assert quiet_health.last_webhook_at is None and quiet_health.orders_today == 0

    html = manager_client.get(reverse("channels:connection_list")).content.decode()
    assert "1 failed delivery, 2 refused signatures in 24 h" in html
    assert "3 deliveries waiting to be applied" in html and "2 orders today" in html
    assert "Quiet Store" in html and "WooCommerce" in html and 'data-testid="paused-badge"' in html


def test_the_list_and_the_connection_page_make_as_many_queries_for_ten_as_for_one(manager_client):
    def queries(url) -> int:
        with CaptureQueriesContext(db) as captured:
            assert manager_client.get(url).status_code == 200
        return len(captured)

    first = ConnectionFactory()
    DeliveryFactory(connection=first, state=Delivery.State.APPLIED, order=make_order())
    SyncRunFactory(connection=first)
    list_url = reverse("channels:connection_list")
    detail_url = reverse("channels:connection_detail", args=[first.pk])
    queries(list_url)  # the session and the permission caches are warm for both
    one_connection, one_delivery = queries(list_url), queries(detail_url)

    for _ in range(9):
        other = ConnectionFactory()
        DeliveryFactory(connection=other, state=Delivery.State.FAILED)
        DeliveryFactory(connection=first, state=Delivery.State.APPLIED, order=make_order())
        SyncRunFactory(connection=first, kind=SyncRun.Kind.BACKFILL, state=SyncRun.State.DONE)

    queries(list_url)  # the new connections' channels changed the reference data: permissions read again
    assert queries(list_url) == one_connection
    assert queries(detail_url) == one_delivery


# Add and edit -----------------------------------------------------------------------------------------


def test_a_form_missing_what_it_needs_shows_the_errors_and_writes_nothing(manager_client):
    response = manager_client.post(
        reverse("channels:connection_add"),
        form_data(name="", shop_url="", sku_mapping="MUG-BLUE MUG-1\n= X"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "shop_url", "sku_mapping"}
    assert "line 1: write it as “shop SKU = our SKU”" in errors["sku_mapping"][0]
    assert not Connection.objects.exists() and not Channel.objects.filter(kind="shopify").exists()
    html = response.content.decode()
    assert TOKEN not in html and WEBHOOK_SECRET not in html  # typed secrets are not sent back


def test_the_services_refusals_are_shown_next_to_the_fields_and_nothing_is_written(manager_client):
    response = manager_client.post(
        reverse("channels:connection_add"),
        form_data(shop_url="acme.myshopify", access_token="", webhook_secret=""),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "is not a web address" in errors["shop_url"][0]
    assert "Shopify needs: access token" in errors["access_token"][0]
    assert "Enter the webhook secret" in errors["webhook_secret"][0]
    assert not Connection.objects.exists() and not Channel.objects.filter(kind="shopify").exists()


def test_adding_a_shop_saves_it_and_its_page_shows_the_webhook_address_and_never_the_secrets(manager_client):
    response = manager_client.post(reverse("channels:connection_add"), form_data())
    connection = Connection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("channels:connection_detail", args=[connection.pk])
    assert connection.credentials == {"access_token": TOKEN}
    assert connection.webhook_secrets == [WEBHOOK_SECRET]
    assert connection.sku_mapping == {"MUG-BLUE": "MUG-1", "TEE-L": "TEE-1"}
    assert connection.paid_gateways == ["shopify_payments", "paypal"]
    assert connection.auto_process and connection.sync_cancellations and connection.push_tracking

    page = manager_client.get(response["Location"]).content.decode()
    assert f"http://testserver/channels/webhooks/{connection.pk}/" in page
    assert "orders/create" in page and "orders/updated" in page
    delivery = DeliveryFactory(connection=connection)
    for url in [
        reverse("channels:connection_list"),
        reverse("channels:connection_detail", args=[connection.pk]),
        reverse("channels:connection_edit", args=[connection.pk]),
        reverse("channels:delivery_detail", args=[delivery.pk]),
    ]:
        html = manager_client.get(url).content.decode()
        assert TOKEN not in html and WEBHOOK_SECRET not in html, url
        assert "SECRET" not in html, url


def test_the_edit_form_shows_the_settings_but_never_a_credential(manager_client):
    shop = ConnectionFactory(
        name="Acme Store", credentials={"access_token": TOKEN}, webhook_secrets=[WEBHOOK_SECRET],
        sku_mapping={"MUG-BLUE": "MUG-1"}, paid_gateways=["paypal"], auto_process=False,
    )  # fmt: skip
    html = manager_client.get(reverse("channels:connection_edit", args=[shop.pk])).content.decode()
    assert TOKEN not in html and WEBHOOK_SECRET not in html
    assert html.count("Stored, not shown.") == 2  # the access token and the webhook secret
    assert "MUG-BLUE = MUG-1" in html and 'value="paypal"' in html
    assert 'name="consumer_key"' not in html and 'name="kind"' not in html
    assert 'value="draft" class="form-check-input" id="id_auto_process_1" required checked' in html


def test_editing_with_empty_secrets_keeps_the_stored_ones(manager_client):
    shop = ConnectionFactory(name="Acme Store", credentials={"access_token": TOKEN}, webhook_secrets=["s"])
    response = manager_client.post(
        reverse("channels:connection_edit", args=[shop.pk]),
        form_data(
            name="Acme Outlet", access_token="", webhook_secret="", auto_process="draft", push_tracking=None
        ),
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.name == "Acme Outlet" and shop.channel.name == "Acme Outlet"
    assert shop.credentials == {"access_token": TOKEN} and shop.webhook_secrets == ["s"]
    assert not shop.auto_process and not shop.push_tracking and shop.sync_cancellations
    assert shop.sku_mapping == {"MUG-BLUE": "MUG-1", "TEE-L": "TEE-1"}


def test_a_new_webhook_secret_rotates_and_the_old_one_is_still_accepted(manager_client, shop):
    url = reverse("channels:connection_edit", args=[shop.pk])
    manager_client.post(url, form_data(access_token="", webhook_secret="second"))
    shop.refresh_from_db()
    assert shop.webhook_secrets == ["second", "s"]
    manager_client.post(url, form_data(access_token="", webhook_secret="third"))
    shop.refresh_from_db()
    assert shop.webhook_secrets == ["third", "second"]  # only the one it replaces is kept


def test_an_edit_the_service_refuses_is_shown_and_nothing_changes(manager_client, shop):
    ConnectionFactory(name="Other Store")
    response = manager_client.post(
        reverse("channels:connection_edit", args=[shop.pk]),
        form_data(name="other store", access_token="", webhook_secret="rotated-secret"),
    )
    assert response.status_code == 200
    assert "exists already" in response.context["form"].errors["name"][0]
    assert "rotated-secret" not in response.content.decode()
    shop.refresh_from_db()
    assert shop.name == "Acme Store" and shop.webhook_secrets == ["s"]


def test_an_address_urlsplit_cannot_read_is_an_error_next_to_its_field(manager_client, shop):
    response = manager_client.post(
        reverse("channels:connection_edit", args=[shop.pk]),
        form_data(shop_url="https://[acme", api_base_url="http://[::1", access_token="", webhook_secret=""),
    )
    errors = response.context["form"].errors
    assert (
        "is not a web address" in errors["shop_url"][0]
        and "is not a web address" in errors["api_base_url"][0]
    )
    shop.refresh_from_db()
    assert shop.shop_url.startswith("https://shopify-store-")


def test_a_new_access_token_replaces_the_stored_one(manager_client, shop):
    manager_client.post(
        reverse("channels:connection_edit", args=[shop.pk]),
        form_data(access_token="new-token", webhook_secret=""),
    )
    shop.refresh_from_db()
    assert shop.credentials == {"access_token": "new-token"}


def test_the_forms_credential_fields_are_the_adapters_credential_names():
    from channels.connections.forms import CREDENTIAL_FIELDS
    from channels.marketplaces import KINDS, platform

    assert set(CREDENTIAL_FIELDS) == set(KINDS)  # every platform can be connected from the page
    for kind, fields in CREDENTIAL_FIELDS.items():
        adapter = platform(kind)
        consent = getattr(adapter, "consent_credential", "")
        given_by_consent = getattr(adapter, "consent_gives", ())
        # Each field is a credential the adapter reads (or its consent's name), and the form asks for
        # every credential but those the seller's consent gives.
        assert set(fields) <= {*adapter.credential_names, consent} - {""}
        assert {*adapter.credential_names} - set(given_by_consent) <= set(fields)


# Actions ----------------------------------------------------------------------------------------------


def test_pausing_and_resuming(manager_client, shop):
    response = manager_client.post(reverse("channels:connection_pause", args=[shop.pk]))
    assert response.status_code == 302 and "is paused" in said(response)[-1]
    shop.refresh_from_db()
    assert shop.paused
    page = manager_client.get(reverse("channels:connection_detail", args=[shop.pk])).content.decode()
    assert 'data-testid="resume-connection"' in page and 'data-testid="paused-badge"' in page

    response = manager_client.post(reverse("channels:connection_resume", args=[shop.pk]))
    shop.refresh_from_db()
    assert not shop.paused and "resumed" in said(response)[-1]
    assert manager_client.get(reverse("channels:connection_pause", args=[shop.pk])).status_code == 405


def test_a_shop_that_cannot_be_reached_fails_the_test_with_the_reason(manager_client):
    shop = ConnectionFactory(shop_url="http://127.0.0.1:9", api_base_url="http://127.0.0.1:9")  # closed port
    response = manager_client.post(reverse("channels:connection_test", args=[shop.pk]))
    assert response.status_code == 302
    assert said(response)[-1].startswith("Test failed: Shopify did not answer as expected: ")
    # A person waits for this answer: one try, not the five (with pauses) a worker makes.
    assert "Shopify still failed after 1 attempt:" in said(response)[-1]


def test_poll_now_queues_a_poll_unless_paused(manager_client, shop, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.poll, "delay", queued.append)
    response = manager_client.post(reverse("channels:connection_poll", args=[shop.pk]))
    assert response.status_code == 302 and queued == [shop.pk]
    Connection.objects.filter(pk=shop.pk).update(paused=True)
    response = manager_client.post(reverse("channels:connection_poll", args=[shop.pk]))
    assert queued == [shop.pk] and "is paused" in said(response)[-1]


def test_importing_since_a_date_starts_a_backfill_run_and_queues_it(
    manager_client, users, shop, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.backfill, "delay", queued.append)
    url = reverse("channels:connection_backfill", args=[shop.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, {"since": "2026-11-01"})
    run = SyncRun.objects.get()
    assert response.status_code == 302 and queued == [run.pk]
    assert (run.kind, run.state, run.started_by) == (
        SyncRun.Kind.BACKFILL,
        SyncRun.State.RUNNING,
        users["manager"],
    )
    assert timezone.localtime(run.since).isoformat().startswith("2026-11-01T00:00:00")

    response = manager_client.post(url, {"since": "2026-10-01"})  # one backfill at a time
    assert "running already" in said(response)[-1] and SyncRun.objects.count() == 1
    for since in ("", "2026-02-30", "1999-12-31", (timezone.localdate() + timedelta(days=1)).isoformat()):
        response = manager_client.post(url, {"since": since})
        assert response.status_code == 302 and SyncRun.objects.count() == 1, since

    page = manager_client.get(reverse("channels:connection_detail", args=[shop.pk])).content.decode()
    assert f'hx-get="{reverse("channels:sync_run", args=[run.pk])}"' in page  # polled while it runs
    SyncRun.objects.filter(pk=run.pk).update(
        state=SyncRun.State.DONE, pages=3, seen=120, created=100, failed=2
    )
    partial = manager_client.get(reverse("channels:sync_run", args=[run.pk])).content.decode()
    assert "hx-get" not in partial and "3 pages" in partial and "120 seen" in partial
    assert "100 created" in partial and "2 failed" in partial and 'data-state="done"' in partial


# The sync log ------------------------------------------------------------------------------------------


def test_the_sync_log_is_newest_first_filterable_and_paged(manager_client, shop, monkeypatch):
    monkeypatch.setattr(selectors, "LOG_PAGE_SIZE", 2)
    order = make_order()
    made = [
        DeliveryFactory(connection=shop, state=Delivery.State.APPLIED, order=order, platform_order_id="5001"),
        DeliveryFactory(connection=shop, state=Delivery.State.FAILED, outcome="the body is not JSON"),
        DeliveryFactory(connection=shop, state=Delivery.State.SKIPPED, source=Delivery.Source.POLL),
        DeliveryFactory(connection=shop, state=Delivery.State.FAILED),
        DeliveryFactory(connection=shop),
    ]
    url = reverse("channels:connection_detail", args=[shop.pk])

    first = manager_client.get(url).context["log"]
    assert [row.pk for row in first.rows] == [made[4].pk, made[3].pk] and first.next_cursor
    second = manager_client.get(url, {"after": first.next_cursor}).context["log"]
    assert [row.pk for row in second.rows] == [made[2].pk, made[1].pk]
    third = manager_client.get(url, {"after": second.next_cursor})
    assert [row.pk for row in third.context["log"].rows] == [made[0].pk]
    assert third.context["log"].next_cursor is None
    html = third.content.decode()
    assert f'href="{order.get_absolute_url()}"' in html and "5001" in html

    failed = manager_client.get(url, {"state": "failed"}).context["log"]
    assert [row.pk for row in failed.rows] == [made[3].pk, made[1].pk]
    waiting = manager_client.get(url, {"state": "waiting"}).context["log"]
    assert [row.pk for row in waiting.rows] == [made[4].pk]
    for odd in ({"after": "garbage"}, {"after": "2026-01-01|99999999999999999999"}, {"state": "nope"}):
        response = manager_client.get(url, odd)
        assert response.status_code == 200 and response.context["log"].rows[0].pk == made[4].pk, odd


def test_a_deliverys_page_shows_its_body_pretty_and_escaped(manager_client, shop):
    delivery = DeliveryFactory(
        connection=shop, state=Delivery.State.FAILED, body='{"note":"<script>alert(1)</script>","id":7}',
        outcome="the order could not be read: 'line_items'",
    )  # fmt: skip
    html = manager_client.get(reverse("channels:delivery_detail", args=[delivery.pk])).content.decode()
    assert "&quot;note&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;,\n  &quot;id&quot;: 7" in html
    assert "<script>alert(1)" not in html
    assert "could not be read: &#x27;line_items&#x27;" in html and 'data-testid="retry-delivery"' in html

    raw = DeliveryFactory(connection=shop, state=Delivery.State.APPLIED, body="not json <b>")
    html = manager_client.get(reverse("channels:delivery_detail", args=[raw.pk])).content.decode()
    assert "not json &lt;b&gt;" in html and 'data-testid="retry-delivery"' not in html


def test_an_applied_or_waiting_delivery_is_not_retried(manager_client, shop):
    for state in (Delivery.State.APPLIED, Delivery.State.RECEIVED):
        delivery = DeliveryFactory(connection=shop, state=state)
        response = manager_client.post(reverse("channels:delivery_retry", args=[delivery.pk]))
        assert response.status_code == 302 and "only failed or skipped" in said(response)[-1]
        delivery.refresh_from_db()
        assert delivery.state == state and delivery.attempts == 0


def test_retrying_a_delivery_that_cannot_be_read_fails_again_with_the_reason(manager_client, shop):
    delivery = DeliveryFactory(
        connection=shop, state=Delivery.State.FAILED, body="not json", topic="orders/create", attempts=1
    )
    response = manager_client.post(reverse("channels:delivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("channels:delivery_detail", args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == 2
    assert delivery.outcome.startswith("the body is not JSON")
    assert said(response) == [f"Tried again: failed: {delivery.outcome}."]


def test_retrying_a_failed_delivery_whose_order_can_now_be_made_applies_it(manager_client, shop):
    import json

    from channels.marketplaces import platform
    from tests.factories import ProductFactory

    ProductFactory(sku="MUG-1")
    topic, payload = platform("shopify").sample_webhook(sequence=1, seed=7, skus=["MUG-1"])
    delivery = DeliveryFactory(
        connection=shop, state=Delivery.State.FAILED, topic=topic, body=json.dumps(payload), attempts=1,
        outcome="Packline could not apply it (OperationalError); see the logs",
    )  # fmt: skip
    response = manager_client.post(reverse("channels:delivery_retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.APPLIED and delivery.order is not None
    assert delivery.order.channel_id == shop.channel_id
    assert said(response)[-1].startswith("Tried again: applied")
    page = manager_client.get(reverse("channels:delivery_detail", args=[delivery.pk])).content.decode()
    assert f'href="{delivery.order.get_absolute_url()}"' in page


# Tracking pushes and the order page -------------------------------------------------------------------


def shipped_shop_order(shop, actor):
    from fulfilment.models import StockItem
    from fulfilment.services import order_allocate, shipment_create
    from orders.models import Warehouse

    order = make_order(channel=shop.channel, channel_order_id="5001047", channel_order_number="#1047")
    StockItem.objects.create(
        warehouse=Warehouse.objects.get(is_default=True), product=order.lines.first().product, on_hand=5
    )
    order_allocate(order_id=order.pk)
    shipment_create(order_id=order.pk, carrier="DHL", tracking_number="JD0001", actor=actor)
    return order


def test_a_failed_tracking_push_is_shown_and_a_manager_retries_it(manager_client, users, shop):
    order = shipped_shop_order(shop, users["warehouse"])
    push = TrackingPush.objects.get(order=order)
    TrackingPush.objects.filter(pk=push.pk).update(
        state=TrackingPush.State.FAILED, attempts=8, last_error="422: fulfillment order is closed"
    )
    page = manager_client.get(reverse("channels:connection_detail", args=[shop.pk])).content.decode()
    assert "422: fulfillment order is closed" in page and 'data-testid="retry-push"' in page
    assert "Tracking: no pushes waiting, 1 given up" in page

    response = manager_client.post(reverse("channels:tracking_push_retry", args=[push.pk]))
    push.refresh_from_db()
    assert response.status_code == 302 and push.state == TrackingPush.State.PENDING
    assert response["Location"] == reverse("channels:connection_detail", args=[shop.pk])
    TrackingPush.objects.filter(pk=push.pk).update(state=TrackingPush.State.FAILED)
    response = manager_client.post(reverse("channels:tracking_push_retry", args=[push.pk]), {"back": "order"})
    assert response["Location"] == order.get_absolute_url()


def test_the_order_page_names_the_shop_and_shows_pushes_and_for_managers_the_payload(client, users, shop):
    order = shipped_shop_order(shop, users["warehouse"])
    TrackingPush.objects.filter(order=order).update(
        state=TrackingPush.State.FAILED, last_error="401 Unauthorized"
    )
    PlatformOrderLink.objects.create(
        connection=shop, platform_order_id="5001047", order=order,
        payload={"name": "#1047", "note": "<img src=x onerror=alert(1)>"},
    )  # fmt: skip

    client.force_login(users["manager"])
    html = client.get(order.get_absolute_url()).content.decode()
    assert "From Shopify store" in html and "Acme Store</a>, order #1047" in html
    assert "Cancelling in Packline does not cancel the order in Shopify." in html
    assert "401 Unauthorized" in html and 'data-testid="retry-push"' in html
    assert 'data-testid="shop-payload"' in html
    assert "&quot;note&quot;: &quot;&lt;img src=x onerror=alert(1)&gt;&quot;" in html
    assert "<img src=x" not in html

    client.force_login(users["csr"])
    html = client.get(order.get_absolute_url()).content.decode()
    assert "From Shopify store Acme Store, order #1047" in html and "401 Unauthorized" in html
    assert 'data-testid="retry-push"' not in html and 'data-testid="shop-payload"' not in html


def test_an_order_from_no_shop_gets_no_panel_and_no_query_for_one(manager_client):
    order = make_order()
    failing_connections_now()  # the managers' banner reads connections once per 30 s, not per page
    with CaptureQueriesContext(db) as captured:
        html = manager_client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="shop-panel"' not in html
    assert not [query for query in captured if "sales_channels_" in query["sql"]]
