"""The seller's consent for eBay and TikTok Shop connections, over real HTTP against FakeEbay and
FakeTikTokShop: "Authorise" sends the manager to the platform's consent page, which sends them back to
Packline's callback with a code and the state; the tokens are kept and the connection is authorised. A
tampered, expired, foreign or reused state, a refusal and a failed exchange save nothing. A refresh
token refused during a poll marks the connection "needs re-authorisation" and stops its polls and
pushes until the seller consents again."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from channels.connections.consent import STATE_SALT
from channels.connections.models import Connection
from channels.connections.services import connection_create
from channels.errors import ChannelError
from channels.intake import tasks
from channels.intake.models import Delivery
from channels.intake.polling import connection_poll
from channels.marketplaces.tiktok import PLATFORM as TIKTOK
from channels.tracking.models import TrackingPush
from channels.tracking.services import due_pushes, tracking_push_send
from fulfilment.models import StockItem
from fulfilment.services.shipping import shipment_create
from orders.actors import Actor
from orders.models import Order, Warehouse
from tests.channels.fakes.ebay import RU_NAME, FakeEbay
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

EBAY_ORDER = Path(__file__).parent / "marketplaces" / "ebay" / "fixtures" / "order_paid_gb.json"
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
SKUS = ["MUG-1", "PLATE-2", "BOWL-3"]


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Polls and reconciliations beat would queue, kept here instead of sent to the broker."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.poll, "delay", sent.append)
    monkeypatch.setattr(tasks.reconcile, "delay", sent.append)
    return sent


@pytest.fixture
def ebay():
    with FakeEbay() as fake:
        fake.accept_url = f"http://testserver{reverse('channels:oauth_callback', args=['ebay'])}"
        yield fake


@pytest.fixture
def tiktok():
    with FakeTikTokShop(shop_name="Homeware UK") as fake:
        fake.redirect_url = f"http://testserver{reverse('channels:oauth_callback', args=['tiktok'])}"
        yield fake


def ebay_connection(ebay: FakeEbay, manager, **credentials) -> Connection:
    return connection_create(
        kind="ebay", name="Acme on eBay", shop_url="https://www.ebay.co.uk/usr/acme", api_base_url=ebay.url,
        credentials={"client_id": ebay.client_id, "client_secret": ebay.client_secret, "ru_name": RU_NAME,
                     **credentials},
        webhook_secret="", actor=manager,
    )  # fmt: skip


def tiktok_connection(shop: FakeTikTokShop, manager) -> Connection:
    return connection_create(
        kind="tiktok", name="Homeware UK", shop_url="https://seller-uk.tiktok.com", api_base_url=shop.url,
        credentials={"app_key": shop.app_key, "app_secret": shop.app_secret, "service_id": shop.service_id,
                     "auth_base_url": shop.url},
        webhook_secret="", actor=manager,
    )  # fmt: skip


def consent(client, connection: Connection) -> str:
    """Authorise → the platform's consent page (over HTTP) → the callback URL it sends the seller to."""
    started = client.get(reverse("channels:connection_authorise", args=[connection.pk]))
    assert started.status_code == 302, said(started)
    page = httpx.get(started["Location"], follow_redirects=False, timeout=10)
    assert page.status_code == 302, page.text
    return page.headers["location"]


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()})


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_ebay_consent_keeps_the_refresh_token_and_the_connection_polls(manager_client, manager, ebay):
    ebay.add_order(json.loads(EBAY_ORDER.read_text()))
    connection = ebay_connection(ebay, manager)
    assert connection.needs_authorisation and connection.authorised_at is None
    assert connection.pk not in tasks.poll_due()

    started = manager_client.get(reverse("channels:connection_authorise", args=[connection.pk]))
    consent_page = urlsplit(started["Location"])
    asked = {key: values[-1] for key, values in parse_qs(consent_page.query).items()}
    callback = come_back(manager_client, httpx.get(started["Location"], timeout=10).headers["location"])

    assert (
        f"{consent_page.scheme}://{consent_page.netloc}{consent_page.path}" == f"{ebay.url}/oauth2/authorize"
    )
    assert asked["client_id"] == ebay.client_id and asked["redirect_uri"] == RU_NAME
    assert asked["response_type"] == "code" and "sell.fulfillment" in asked["scope"] and asked["state"]
    assert callback.status_code == 302 and callback["Location"] == reverse(
        "channels:connection_detail", args=[connection.pk]
    )
    assert any(text.startswith("Authorised") for text in said(callback))
    connection.refresh_from_db()
    assert connection.credentials["refresh_token"] == ebay.refresh_token
    assert connection.credentials["access_token"] and not connection.needs_authorisation
    assert connection.authorised_at is not None and connection.authorisation_error == ""
    assert Delivery.objects.filter(connection=connection, topic="authorisation", state="applied").exists()
    run = connection_poll(connection_id=connection.pk, since=SINCE)
    assert (run.state, run.created) == ("done", 1), run.error


def test_tiktok_consent_keeps_the_tokens_and_the_shop_cipher(manager_client, manager, tiktok):
    connection = tiktok_connection(tiktok, manager)
    assert connection.needs_authorisation

    response = come_back(manager_client, consent(manager_client, connection))

    assert any(text.startswith("Authorised") for text in said(response))
    connection.refresh_from_db()
    credentials = connection.credentials
    assert credentials["access_token"] == tiktok.access_token
    assert credentials["refresh_token"] == tiktok.refresh_token
    assert credentials["shop_cipher"] == tiktok.shop_cipher  # from Get Authorized Shops
    assert not connection.needs_authorisation
    assert connection.webhook_secrets == [tiktok.app_secret]
    authorize = next(r for r in tiktok.requests if r.path == "/open/authorize")
    assert authorize.query["service_id"] == tiktok.service_id and authorize.query["state"]


def test_the_consent_pages_urls_are_ebays_and_tiktoks_own(manager):
    from channels.marketplaces import platform
    from channels.marketplaces.base import Access

    ebay_url = platform("ebay").consent_url(
        Access(
            "https://www.ebay.co.uk/usr/a", "https://api.sandbox.ebay.com", {"client_id": "C", "ru_name": "R"}
        ),
        "S",
    )
    tiktok_url = platform("tiktok").consent_url(Access("https://s", "", {"service_id": "731"}), "S")

    assert ebay_url.startswith("https://auth.sandbox.ebay.com/oauth2/authorize?client_id=C&redirect_uri=R&")
    assert tiktok_url == "https://services.tiktokshop.com/open/authorize?service_id=731&state=S"


def answer_of(callback_url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(callback_url).query).items()}


def assert_nothing_saved(connection: Connection, before: dict) -> None:
    connection.refresh_from_db()
    assert connection.credentials == before and connection.needs_authorisation
    assert not Delivery.objects.filter(connection=connection, topic="authorisation").exists()


def test_a_tampered_state_saves_nothing(manager_client, manager, ebay):
    connection = ebay_connection(ebay, manager)
    answer = answer_of(consent(manager_client, connection))
    path = reverse("channels:oauth_callback", args=["ebay"])

    tampered = manager_client.get(path, {**answer, "state": answer["state"][:-2] + "xx"})
    other_kind = manager_client.get(reverse("channels:oauth_callback", args=["tiktok"]), answer)
    missing = manager_client.get(path, {"code": answer["code"]})

    for response in (tampered, other_kind, missing):
        assert response.status_code == 302 and response["Location"] == reverse("channels:connection_list")
        assert any("nothing was saved" in text for text in said(response))
    assert_nothing_saved(connection, dict(connection.credentials))
    assert manager_client.get(reverse("channels:oauth_callback", args=["shopify"])).status_code == 404


def test_a_state_works_once_and_only_in_the_session_that_started_it(manager_client, manager, ebay):
    connection = ebay_connection(ebay, manager)
    before = dict(connection.credentials)
    answer = answer_of(consent(manager_client, connection))
    other = Client()
    other.force_login(manager)  # the same manager, another browser: the state is not theirs

    elsewhere = other.get(reverse("channels:oauth_callback", args=["ebay"]), answer)
    assert any("started in this session" in text for text in said(elsewhere))
    assert_nothing_saved(connection, before)

    first = manager_client.get(reverse("channels:oauth_callback", args=["ebay"]), answer)
    again = manager_client.get(reverse("channels:oauth_callback", args=["ebay"]), answer)
    assert any(text.startswith("Authorised") for text in said(first))
    assert any("used already" in text for text in said(again))


def test_an_expired_state_saves_nothing(manager_client, manager, ebay, monkeypatch):
    connection = ebay_connection(ebay, manager)
    before = dict(connection.credentials)
    answer = answer_of(consent(manager_client, connection))
    monkeypatch.setattr("channels.connections.consent.STATE_MAX_AGE", -1)

    response = manager_client.get(reverse("channels:oauth_callback", args=["ebay"]), answer)

    assert any("came too late" in text for text in said(response))
    assert_nothing_saved(connection, before)


def test_a_declined_consent_and_a_failed_exchange_save_nothing(manager_client, manager, ebay):
    connection = ebay_connection(ebay, manager)
    before = dict(connection.credentials)
    ebay.decline_next()
    declined_answer = answer_of(consent(manager_client, connection))
    declined = manager_client.get(reverse("channels:oauth_callback", args=["ebay"]), declined_answer)
    answer = answer_of(consent(manager_client, connection))
    refused = manager_client.get(
        reverse("channels:oauth_callback", args=["ebay"]), {**answer, "code": answer["code"] + "x"}
    )

    assert declined_answer["error"] == "access_denied" and "code" not in declined_answer
    assert declined["Location"] == reverse("channels:connection_detail", args=[connection.pk])
    assert any("the seller declined" in text for text in said(declined))
    assert any("eBay did not give tokens" in text and "invalid_grant" in text for text in said(refused))
    assert_nothing_saved(connection, before)


def test_authorising_a_connection_without_the_apps_runame_says_so(manager_client, manager, ebay):
    connection = connection_create(
        kind="ebay", name="No RuName", shop_url="https://www.ebay.co.uk/usr/b", api_base_url=ebay.url,
        credentials=ebay.credentials, webhook_secret="", actor=manager,
    )  # fmt: skip

    response = manager_client.get(reverse("channels:connection_authorise", args=[connection.pk]))

    assert response["Location"] == reverse("channels:connection_detail", args=[connection.pk])
    assert any("ru name" in text for text in said(response))
    assert ebay.consents == []


def test_a_refused_refresh_token_marks_the_connection_stops_polling_and_a_new_consent_clears_it(
    manager_client, manager, ebay, capsys
):
    ebay.add_order(json.loads(EBAY_ORDER.read_text()))
    call_command(
        "channel_connect", "--kind", "ebay", "--name", "Acme on eBay", "--shop-url", "https://www.ebay.co.uk/usr/acme",
        "--api-base-url", ebay.url, "--client-id", ebay.client_id, "--client-secret", ebay.client_secret,
        "--refresh-token", ebay.refresh_token, "--ru-name", RU_NAME,
    )  # fmt: skip
    connection = Connection.objects.get(pk=json.loads(capsys.readouterr().out)["id"])
    assert connection.authorised_at is not None and not connection.needs_authorisation
    assert connection.credentials["ru_name"] == RU_NAME
    ebay.revoke()

    run = connection_poll(connection_id=connection.pk, since=SINCE)

    assert run.state == "failed" and "eBay needs re-authorisation" in run.error
    connection.refresh_from_db()
    assert connection.needs_authorisation and "invalid_grant" in connection.authorisation_error
    [note] = Delivery.objects.filter(connection=connection, topic="authorisation")
    assert note.state == "failed" and "polling and tracking pushes stop" in note.outcome
    assert connection.pk not in tasks.poll_due() and connection.pk not in tasks.reconcile_all()
    with pytest.raises(ChannelError, match="needs re-authorisation"):
        connection_poll(connection_id=connection.pk, since=SINCE)
    renewals = ebay.token_requests.count("refresh_token")
    page = manager_client.get(reverse("channels:connection_detail", args=[connection.pk])).content.decode()
    listed = manager_client.get(reverse("channels:connection_list")).content.decode()
    for html in (page, listed):
        assert "Needs re-authorisation" in html and "invalid_grant" in html and "Re-authorise" in html
    retried = manager_client.post(reverse("channels:delivery_retry", args=[note.pk]), follow=True)
    assert retried.status_code == 200 and ebay.token_requests.count("refresh_token") == renewals

    response = come_back(manager_client, consent(manager_client, connection))

    assert any(text.startswith("Authorised") for text in said(response))
    connection.refresh_from_db()
    assert (
        not connection.needs_authorisation and connection.credentials["refresh_token"] == ebay.refresh_token
    )
    Connection.objects.filter(pk=connection.pk).update(last_poll_at=None)
    assert connection.pk in tasks.poll_due()
    run = connection_poll(connection_id=connection.pk, since=SINCE)
    assert (run.state, run.created) == ("done", 1), run.error
    assert (
        "Needs re-authorisation"
        not in manager_client.get(reverse("channels:connection_list")).content.decode()
    )


def test_a_tiktok_push_waits_for_the_consent_and_is_sent_after_it(
    manager_client, manager, tiktok, django_capture_on_commit_callbacks
):
    for sku in SKUS:
        StockItem.objects.create(
            warehouse=Warehouse.objects.get(is_default=True), product=ProductFactory(sku=sku), on_hand=10
        )
    connection = tiktok_connection(tiktok, manager)
    come_back(manager_client, consent(manager_client, connection))
    payload = tiktok.add_order(TIKTOK.sample_order(sequence=2, seed=4, skus=SKUS))
    with django_capture_on_commit_callbacks(execute=True):  # stock is allocated after the commit
        assert connection_poll(connection_id=connection.pk, since=SINCE).created == 1
    order = Order.objects.get(channel=connection.channel, channel_order_id=str(payload["id"]))
    with django_capture_on_commit_callbacks(execute=False):
        shipment_create(order_id=order.pk, carrier="Royal Mail", tracking_number="RM123456785GB",
                        actor=Actor.system("tests"))  # fmt: skip
    push = TrackingPush.objects.get(order=order)
    tiktok.revoke()  # the seller withdrew consent: its tokens no longer work, nor renew

    waited = tracking_push_send(push_id=push.pk)

    assert (waited.state, waited.attempts) == ("pending", 0)
    assert "authorised again" in waited.last_error and tiktok.pushes == []
    connection.refresh_from_db()
    assert connection.needs_authorisation and "36004004" in connection.authorisation_error
    assert push.pk not in due_pushes()

    come_back(manager_client, consent(manager_client, connection))

    assert push.pk in due_pushes()
    sent = tracking_push_send(push_id=push.pk)
    assert sent.state == "sent", sent.last_error
    assert [p["tracking_number"] for p in tiktok.pushes] == ["RM123456785GB"]


def test_the_form_offers_ebay_and_tiktok_and_saves_them_waiting_for_consent(manager_client):
    form = manager_client.get(reverse("channels:connection_add")).content.decode()
    assert 'value="ebay"' in form and 'value="tiktok"' in form and "RuName" in form and "Service ID" in form

    response = manager_client.post(reverse("channels:connection_add"), {
        "kind": "tiktok", "name": "Homeware UK", "shop_url": "https://seller-uk.tiktok.com",
        "app_key": "6a6key", "app_secret": "sec", "service_id": "731", "auto_process": "process",
    })  # fmt: skip

    connection = Connection.objects.get()
    assert response["Location"] == reverse("channels:connection_detail", args=[connection.pk])
    assert connection.credentials == {"app_key": "6a6key", "app_secret": "sec", "service_id": "731"}
    assert connection.needs_authorisation and connection.webhook_secrets == ["sec"]
    page = manager_client.get(response["Location"]).content.decode()
    assert "Needs authorisation" in page and "Authorise with TikTok Shop" in page
    assert "/channels/oauth/tiktok/callback/" in page


def test_the_state_is_signed_with_its_own_salt(manager_client, manager, ebay):
    from django.core import signing

    connection = ebay_connection(ebay, manager)
    state = answer_of(consent(manager_client, connection))["state"]

    assert signing.loads(state, salt=STATE_SALT)["c"] == connection.pk
    with pytest.raises(signing.BadSignature):
        signing.loads(state)
