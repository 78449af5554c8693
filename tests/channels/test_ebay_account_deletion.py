"""eBay's account deletion, from a stored notification to erased orders: eBay orders polled from the
fake eBay over real HTTP, the buyer found by eBay user name in any case (through its index), their
personal data erased from the orders, the customer row and the channel's own copies; all or nothing,
retried by the sweeper; and end to end, a signed POST that a real Celery worker turns into erased orders."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from channels.intake.models import Delivery, PlatformOrderLink
from channels.intake.polling import connection_poll
from channels.intake.tasks import sweep
from channels.marketplaces.ebay import erasure, views
from channels.marketplaces.ebay.erasure import (
    DELETION_TASK,
    MAX_ATTEMPTS,
    account_deletion_process,
    ebay_buyer_orders,
)
from channels.marketplaces.ebay.models import AccountDeletion
from orders.events import EventType
from orders.models import Customer, Order, OrderEvent
from orders.services.erasure import ERASED_NAME
from tests.channels.fakes.ebay import FakeEbay
from tests.channels.marketplaces.ebay.test_account_deletion import KID, ebay_style_pem, signature_header
from tests.channels.test_ebay_connection import connect
from tests.conftest import wait_for

FIXTURES = Path(__file__).parent / "marketplaces" / "ebay" / "fixtures"
HERS = ("Eleanor", "Hughes", "Paintworks", "Clifton", "BS4 3EH", "eleanor_h_1987", "7700 900123", "side door")


def ebay_order(order_id: str, username: str, **buyer) -> dict:
    order = json.loads((FIXTURES / "order_paid_gb.json").read_text())
    order.update(orderId=order_id, legacyOrderId=order_id, salesRecordReference=order_id[-4:])
    order["buyer"]["username"] = username
    if buyer:  # another person altogether
        registration = order["buyer"]["buyerRegistrationAddress"]
        registration.update(fullName=buyer["name"], email=buyer["email"], companyName="")
        ship_to = order["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]
        ship_to.update(fullName=buyer["name"], email=buyer["email"])
        ship_to["contactAddress"].update(addressLine1="1 Mill Lane", addressLine2="", postalCode="LS1 4AP")
        order["buyerCheckoutNotes"] = ""
    return order


@pytest.fixture
def polled(capsys):
    """Two orders of eleanor_h_1987 (one under her name in other letters' case) and one of someone
    else, brought in by a poll of the fake eBay, as they arrive in production."""
    with FakeEbay() as ebay:
        ebay.add_order(ebay_order("12-03955-36441", "eleanor_h_1987"))
        ebay.add_order(ebay_order("12-03955-36442", "Eleanor_H_1987"))
        ebay.add_order(ebay_order("12-03955-36443", "sam_p", name="Sam Patel", email="5b2c@members.ebay.com"))
        connection = connect(ebay, capsys)
        run = connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
        assert (run.state, run.created) == ("done", 3), run.error
        yield connection


def orders_of(connection) -> dict[str, Order]:
    return {o.channel_order_id: o for o in Order.objects.filter(channel=connection.channel)}


def deletion(username: str = "ELEANOR_h_1987", notification_id: str = "n-1") -> AccountDeletion:
    return AccountDeletion.objects.create(
        notification_id=notification_id, username=username, user_id="ma8vp1jySJC"
    )


@pytest.mark.django_db
def test_the_users_orders_customer_and_channel_copies_are_erased_and_no_one_elses(polled):
    connection = polled
    before = orders_of(connection)
    assert before["12-03955-36441"].attributes["ebay_buyer"] == "eleanor_h_1987"

    done = account_deletion_process(deletion_id=deletion().pk)

    after = orders_of(connection)
    assert (done.state, done.orders_erased, done.attempts, done.username) == ("done", 2, 1, "")
    for order_id in ("12-03955-36441", "12-03955-36442"):
        order, was = after[order_id], before[order_id]
        assert (order.customer_name, order.customer_email, order.customer_phone) == (ERASED_NAME, "", "")
        assert order.shipping_address == {"country": "GB"} and order.notes == ""
        assert order.attributes == {"legacy_order_id": order_id, "sales_record_reference": order_id[-4:]}
        assert (order.total, order.amount_paid, order.status_id) == (
            was.total,
            was.amount_paid,
            was.status_id,
        )
        assert order.lines.count() == was.lines.count()
        erased = OrderEvent.objects.filter(order=order, type=EventType.PERSONAL_DATA_ERASED).get()
        assert (erased.actor_kind, erased.actor_label, erased.params) == (
            "channel", "eBay", {"reason": "at eBay's request"},
        )  # fmt: skip
    assert Customer.objects.get(pk=after["12-03955-36441"].customer_id).name == ERASED_NAME
    # What the channel framework kept: the newest payload per order and the sync log's raw bodies.
    mine = [after["12-03955-36441"].pk, after["12-03955-36442"].pk]
    kept = [json.dumps(link.payload) for link in PlatformOrderLink.objects.filter(order_id__in=mine)]
    kept += list(Delivery.objects.filter(order_id__in=mine).values_list("body", flat=True))
    assert len(kept) >= 4
    for text in kept:
        for value in HERS:
            assert value.lower() not in text.lower(), value
    # Someone else's order is as it was, everywhere.
    sam = after["12-03955-36443"]
    assert sam.customer_name == "Sam Patel" and sam.attributes["ebay_buyer"] == "sam_p"
    assert "Sam Patel" in json.dumps(PlatformOrderLink.objects.get(order=sam).payload)
    assert not OrderEvent.objects.filter(order=sam, type=EventType.PERSONAL_DATA_ERASED).exists()


@pytest.mark.django_db
def test_a_second_notification_for_the_same_user_changes_nothing(polled):
    account_deletion_process(deletion_id=deletion(notification_id="n-1").pk)
    events = OrderEvent.objects.count()
    payloads = list(PlatformOrderLink.objects.order_by("pk").values_list("payload", flat=True))

    second = account_deletion_process(deletion_id=deletion(notification_id="n-2").pk)

    assert (second.state, second.orders_erased) == ("done", 0)
    assert OrderEvent.objects.count() == events
    assert list(PlatformOrderLink.objects.order_by("pk").values_list("payload", flat=True)) == payloads
    assert account_deletion_process(deletion_id=second.pk) is None  # done already: not run again


@pytest.mark.django_db
def test_the_buyer_is_found_through_the_index_whatever_the_case(polled):
    found = ebay_buyer_orders(username=" ELEANOR_H_1987 ")

    assert sorted(found.values_list("channel_order_id", flat=True)) == ["12-03955-36441", "12-03955-36442"]
    with transaction.atomic():
        with db.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()
    assert "order_ebay_buyer" in plan


@pytest.mark.django_db
def test_a_failed_erasure_leaves_nothing_half_written_and_is_tried_again(polled):
    connection = polled
    notification = deletion()

    with mock.patch.object(erasure, "erased_payload", side_effect=RuntimeError("disk full")):
        failed = account_deletion_process(deletion_id=notification.pk)

    # The orders were erased before the link payloads failed: all of it went back.
    assert (failed.state, failed.attempts, failed.error) == ("received", 1, "RuntimeError: disk full")
    assert failed.username == "ELEANOR_h_1987"
    for order in orders_of(connection).values():
        assert order.customer_name != ERASED_NAME and "ebay_buyer" in order.attributes
    assert not OrderEvent.objects.filter(type=EventType.PERSONAL_DATA_ERASED).exists()
    assert "Eleanor Hughes" in json.dumps(list(PlatformOrderLink.objects.values_list("payload", flat=True)))

    done = account_deletion_process(deletion_id=notification.pk)

    assert (done.state, done.attempts, done.orders_erased, done.error) == ("done", 2, 2, "")


@pytest.mark.django_db
def test_a_notification_that_keeps_failing_is_marked_failed(polled):
    notification = deletion()
    AccountDeletion.objects.filter(pk=notification.pk).update(attempts=MAX_ATTEMPTS - 1)

    with mock.patch.object(erasure, "personal_data_erase", side_effect=RuntimeError("still broken")):
        failed = account_deletion_process(deletion_id=notification.pk)

    assert (failed.state, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert account_deletion_process(deletion_id=notification.pk) is None


@pytest.mark.django_db
def test_the_sweeper_asks_again_for_notifications_still_waiting():
    long_ago, just_now = timezone.now() - timedelta(minutes=5), timezone.now()
    lost = deletion(notification_id="lost")  # its task never ran
    failed_long_ago = deletion(notification_id="failed-long-ago")
    failed_just_now = deletion(notification_id="failed-just-now")
    deletion(notification_id="fresh")  # received a moment ago: its own task is on its way
    finished = deletion(notification_id="finished")
    AccountDeletion.objects.exclude(notification_id="fresh").update(received_at=long_ago)
    AccountDeletion.objects.filter(pk=failed_long_ago.pk).update(attempts=1, processed_at=long_ago)
    AccountDeletion.objects.filter(pk=failed_just_now.pk).update(attempts=1, processed_at=just_now)
    AccountDeletion.objects.filter(pk=finished.pk).update(state="done", processed_at=long_ago)

    with mock.patch("channels.intake.tasks.current_app.send_task") as sent:
        swept = sweep()

    asked = [c.kwargs["args"][0] for c in sent.call_args_list if c.args == (DELETION_TASK,)]
    assert sorted(asked) == sorted([lost.pk, failed_long_ago.pk])
    assert swept["account_deletions"] == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_signed_notification_posted_over_http_leads_a_real_worker_to_erase_the_orders(
    live_server, settings, celery_worker_process, capsys
):
    worker = celery_worker_process
    key = ec.generate_private_key(ec.SECP256R1())
    body = (FIXTURES / "account_deletion_notification.json").read_bytes().strip()
    with FakeEbay() as ebay:
        ebay.add_order(ebay_order("12-03955-36441", "eleanor_h_1987"))
        ebay.add_order(ebay_order("12-03955-36443", "sam_p", name="Sam Patel", email="5b2c@members.ebay.com"))
        connection = connect(ebay, capsys)
        connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
        ebay.add_public_key(KID, ebay_style_pem(key))
        settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET = ebay.client_id, ebay.client_secret
        settings.EBAY_API_BASE_URL = ebay.url
        views._fetchers.clear()

        answer = httpx.post(
            f"{live_server.url}/channels/ebay/account-deletion/",
            content=body,
            headers={"Content-Type": "application/json", "X-EBAY-SIGNATURE": signature_header(key, body)},
            timeout=10,
        )
        views._fetchers.clear()

    assert answer.status_code == 204, answer.text
    assert worker.process.poll() is None, f"the worker exited at start:\n{worker.output()}"
    try:
        wait_for(
            lambda: AccountDeletion.objects.filter(state="done").exists(),
            timeout=60,
            message="the worker to erase eleanor_h_1987's orders",
        )
    except pytest.fail.Exception as timeout:
        pytest.fail(f"{timeout}\nworker output:\n{worker.output()}")
    orders = orders_of(connection)
    assert orders["12-03955-36441"].customer_name == ERASED_NAME
    assert orders["12-03955-36441"].shipping_address == {"country": "GB"}
    assert orders["12-03955-36443"].customer_name == "Sam Patel"
    assert AccountDeletion.objects.get().orders_erased == 1


@pytest.mark.django_db
def test_a_later_version_of_an_erased_order_does_not_bring_the_buyer_back(capsys):
    with FakeEbay() as ebay:
        ebay.add_order(ebay_order("12-03955-36441", "eleanor_h_1987"))
        connection = connect(ebay, capsys)
        since = datetime(2020, 1, 1, tzinfo=UTC)
        assert connection_poll(connection_id=connection.pk, since=since).created == 1
        assert account_deletion_process(deletion_id=deletion().pk).orders_erased == 1
        # eBay describes the order again, still naming her (the buyer moved, and the seller added a
        # note): the shop's change of address would be applied to any other order.
        ship_to = ebay.orders["12-03955-36441"]["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]
        ship_to["contactAddress"] = dict(ship_to["contactAddress"], addressLine1="9 New Road")
        ebay.modify("12-03955-36441", fulfillmentStartInstructions=ebay.orders["12-03955-36441"][
            "fulfillmentStartInstructions"])  # fmt: skip

        run = connection_poll(connection_id=connection.pk, since=since)

    assert (run.state, run.updated + run.skipped) == ("done", 1), run.error
    order = Order.objects.get(channel=connection.channel)
    assert (order.customer_name, order.customer_email, order.shipping_address) == (
        ERASED_NAME, "", {"country": "GB"},
    )  # fmt: skip
    kept = [json.dumps(PlatformOrderLink.objects.get(order=order).payload)]
    kept += list(Delivery.objects.filter(order=order).values_list("body", flat=True))
    assert len(kept) == 3  # the link, the first poll's row and the second's
    for text in kept:
        for value in (*HERS, "9 New Road"):
            assert value.lower() not in text.lower(), value
    assert OrderEvent.objects.filter(order=order, type=EventType.PERSONAL_DATA_ERASED).count() == 1
