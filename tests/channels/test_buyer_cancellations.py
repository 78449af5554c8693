"""A CSR's answer to a buyer's cancellation request, over real HTTP against FakeTikTokShop: approving
cancels the order on TikTok Shop and then in Packline, rejecting tells TikTok the reason and releases
only that hold; when TikTok refuses, nothing changes in Packline. Other shops' requests are answered in
Packline only, and the answer says so. Only those who may cancel an order may answer."""

from decimal import Decimal

import pytest
from django.urls import reverse

from channels.cancellations.events import CancellationEvent
from channels.cancellations.services import (
    REJECT_REASONS,
    CancellationDecisionRefused,
    buyer_cancellation_approve,
    buyer_cancellation_reject,
)
from channels.connections.models import Connection
from channels.connections.services import connection_client
from channels.intake.processing import apply_safely
from orders.models import HoldReason, Order, OrderEvent
from orders.services.transitions import order_hold
from orders.workflow import Stage
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.channels.marketplaces.tiktok.conftest import payload
from tests.channels.shops import make_connection, shop_order
from tests.event_wording import constants_of, shown_on_the_timeline, types_registered_by, with_markup
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

ORDER_ID = "576486316948490101"
PACKED = "seller_reject_apply_product_has_been_packed"


@pytest.fixture
def shop():
    for sku in ("MUG-SLATE", "TOWEL-NAT"):
        ProductFactory(sku=sku, price=Decimal("10.00"), tax_rate=Decimal("0"))
    with FakeTikTokShop() as fake:
        fake.add_order(payload("order_uk_awaiting_shipment.json"))
        yield fake


@pytest.fixture
def tiktok(shop):
    connection = make_connection("tiktok", "Homeware UK")
    connection.credentials = shop.credentials
    connection.api_base_url = shop.url
    connection.save()
    return connection


def sync(connection, order_id: str = ORDER_ID):
    """What a poll or a notification does: the order read from TikTok Shop and applied."""
    with connection_client(connection) as client:
        return apply_safely(connection, client.order(order_id))


@pytest.fixture
def requested(shop, tiktok) -> tuple[Order, dict]:
    """A TikTok order in Packline whose buyer then asked to cancel: on hold for a CSR."""
    assert sync(tiktok).outcome == "created"
    request = shop.add_cancellation(ORDER_ID, reason="Ordered by mistake")
    assert sync(tiktok).outcome == "updated"
    order = Order.objects.get(channel=tiktok.channel)
    assert order.stage == Stage.ON_HOLD
    assert order.holds.get(released_at=None).reason == HoldReason.CANCELLATION_REQUESTED
    return order, request


def snapshot(order: Order) -> tuple:
    order = Order.objects.get(pk=order.pk)
    return (
        order.status_id, order.held_from_id, order.version,
        sorted(order.holds.values_list("reason", "released_at")),
        list(order.events.values_list("type", flat=True)),
    )  # fmt: skip


def decision_path(cancel_id: str, decision: str) -> str:
    return f"/return_refund/202309/cancellations/{cancel_id}/{decision}"


# Approving -----------------------------------------------------------------------------------------


def test_approving_cancels_the_order_on_tiktok_and_then_in_packline(shop, tiktok, requested, users):
    order, request = requested

    decision = buyer_cancellation_approve(order=order, actor=users["csr"])

    assert (
        decision.on_platform and decision.message == f"{order} was cancelled in Packline and on TikTok Shop."
    )
    assert shop.decisions == [
        {"cancel_id": request["cancel_id"], "decision": "approve", "reject_reason": "", "comment": ""}
    ]
    assert shop.orders[ORDER_ID]["status"] == "CANCELLED"
    order.refresh_from_db()
    assert order.stage == Stage.CANCELLED and not order.holds.filter(released_at=None).exists()
    approved, changed = order.events.order_by("-id")[:2][::-1]
    assert (approved.type, approved.params["request"], approved.actor_id) == (
        CancellationEvent.APPROVED, request["cancel_id"], users["csr"].pk,
    )  # fmt: skip
    assert (changed.type, changed.params["reason"]) == (
        "status.changed",
        "the buyer asked TikTok Shop to cancel; approved",
    )
    # TikTok's own cancellation, read by the next sync, finds the order cancelled already.
    assert sync(tiktok).outcome in ("updated", "unchanged")
    assert Order.objects.get(pk=order.pk).stage == Stage.CANCELLED


def test_when_tiktok_refuses_the_approval_nothing_changes_and_the_csr_reads_why(shop, requested, users):
    order, request = requested
    before = snapshot(order)
    shop.fail_next(
        400, code=25016099, message="The order has been shipped and cannot be cancelled.",
        path=decision_path(request["cancel_id"], "approve"),
    )  # fmt: skip

    with pytest.raises(CancellationDecisionRefused) as refused:
        buyer_cancellation_approve(order=order, actor=users["csr"])

    assert "TikTok Shop refused to cancel order 576486316948490101" in str(refused.value)
    assert "The order has been shipped and cannot be cancelled." in str(refused.value)
    assert f"{order} was not cancelled." in str(refused.value)
    assert snapshot(order) == before
    assert shop.decisions == [] and shop.orders[ORDER_ID]["status"] == "AWAITING_SHIPMENT"


def test_a_request_tiktok_no_longer_shows_pending_is_refused_and_nothing_changes(shop, requested, users):
    order, request = requested
    shop.cancellations[request["cancel_id"]]["cancel_status"] = "CANCELLATION_REQUEST_CANCEL"  # withdrawn
    before = snapshot(order)

    with pytest.raises(CancellationDecisionRefused, match="no request to cancel order 576486316948490101"):
        buyer_cancellation_approve(order=order, actor=users["csr"])
    with pytest.raises(CancellationDecisionRefused, match="release the hold if the order should ship"):
        buyer_cancellation_reject(order=order, actor=users["csr"], reason=PACKED)

    assert snapshot(order) == before and shop.decisions == []


def test_an_order_tiktok_cancelled_already_is_cancelled_here_without_asking_again(shop, requested, users):
    order, request = requested
    shop.cancellations[request["cancel_id"]]["cancel_status"] = "CANCELLATION_REQUEST_SUCCESS"

    buyer_cancellation_approve(order=order, actor=users["csr"])

    assert Order.objects.get(pk=order.pk).stage == Stage.CANCELLED
    assert shop.decisions == []


# Rejecting -----------------------------------------------------------------------------------------


def test_rejecting_tells_tiktok_the_reason_and_sends_the_order_on(shop, requested, users):
    order, request = requested

    decision = buyer_cancellation_reject(
        order=order, actor=users["csr"], reason=PACKED, comment="  Packed this morning.  "
    )

    assert shop.decisions == [
        {"cancel_id": request["cancel_id"], "decision": "reject", "reject_reason": PACKED,
         "comment": "Packed this morning."}
    ]  # fmt: skip
    order.refresh_from_db()
    assert order.stage == Stage.PROCESSING
    assert decision.message == f"The buyer's request was rejected on TikTok Shop; {order} is Processing."
    rejected = order.events.get(type=CancellationEvent.REJECTED)
    assert rejected.params["reason"] == REJECT_REASONS[PACKED]
    assert rejected.params["comment"] == "Packed this morning."
    # TikTok no longer flags the request: the next sync holds nothing.
    sync(Connection.objects.get(channel=order.channel))
    assert Order.objects.get(pk=order.pk).stage == Stage.PROCESSING


def test_rejecting_releases_only_the_buyers_hold_and_keeps_the_others(shop, requested, users):
    order, _request = requested
    order_hold(order_id=order.pk, actor=users["csr"], reason="check the address with the buyer")

    buyer_cancellation_reject(order=order, actor=users["csr"], reason=PACKED)

    order.refresh_from_db()
    assert order.stage == Stage.ON_HOLD
    assert list(order.holds.filter(released_at=None).values_list("reason", "detail")) == [
        (HoldReason.MANUAL, "check the address with the buyer")
    ]
    assert order.holds.get(reason=HoldReason.CANCELLATION_REQUESTED).released_by == users["csr"]
    assert order.events.filter(type="hold.released").latest("id").params["reasons"] == [
        "Buyer asked to cancel: the buyer asked TikTok Shop to cancel"
    ]


def test_when_tiktok_refuses_the_rejection_the_order_stays_on_hold(shop, requested, users):
    order, request = requested
    before = snapshot(order)
    shop.fail_next(400, code=25016098, message="Reject reason is invalid.",
                   path=decision_path(request["cancel_id"], "reject"))  # fmt: skip

    with pytest.raises(CancellationDecisionRefused, match=r"Reject reason is invalid\..*stays on hold"):
        buyer_cancellation_reject(order=order, actor=users["csr"], reason=PACKED)

    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("reason", "comment", "message"),
    [
        ("", "", "Choose why"),
        ("because", "", "Choose why"),  # not one of TikTok's reasons
        (PACKED, "x" * 301, "300 characters"),
    ],
)
def test_a_rejection_without_one_of_tiktoks_reasons_is_refused_before_tiktok_is_asked(
    shop, requested, users, reason, comment, message
):
    order, _request = requested
    before, asked = snapshot(order), len(shop.requests)

    with pytest.raises(CancellationDecisionRefused, match=message):
        buyer_cancellation_reject(order=order, actor=users["csr"], reason=reason, comment=comment)

    assert snapshot(order) == before and len(shop.requests) == asked


# Other shops, permissions, the wording ---------------------------------------------------------------


def test_another_shops_request_is_answered_in_packline_only_and_says_so(users):
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    ebay = make_connection("ebay", "Acme on eBay")
    apply_safely(ebay, shop_order(1, cancellation_requested=True))
    apply_safely(ebay, shop_order(2, cancellation_requested=True))
    first, second = Order.objects.filter(channel=ebay.channel).order_by("channel_order_id")

    approved = buyer_cancellation_approve(order=first, actor=users["manager"])
    rejected = buyer_cancellation_reject(order=second, actor=users["csr"], reason=PACKED)

    assert not approved.on_platform and approved.message.endswith("cancel it in eBay as well.")
    assert not rejected.on_platform and "Answer the buyer's request in eBay as well." in rejected.message
    assert Order.objects.get(pk=first.pk).stage == Stage.CANCELLED
    # The second is also a suspected duplicate of the first: that hold stays for a person.
    assert list(second.holds.filter(released_at=None).values_list("reason", flat=True)) == [
        HoldReason.SUSPECTED_DUPLICATE
    ]
    assert OrderEvent.objects.get(order=first, type=CancellationEvent.APPROVED).params["on_platform"] is False


@pytest.mark.parametrize("role", ["viewer", "agent", "warehouse"])
def test_only_those_who_may_cancel_an_order_answer_a_request(client, shop, requested, users, role):
    order, _request = requested
    before = snapshot(order)
    client.force_login(users[role])
    url = reverse("channels:buyer_cancellation_approve", args=[order.number])

    assert client.post(url).status_code == 403
    assert client.post(reverse("channels:buyer_cancellation_reject", args=[order.number]),
                       {"reason": PACKED}).status_code == 403  # fmt: skip
    with pytest.raises(CancellationDecisionRefused, match="You may not answer"):
        buyer_cancellation_approve(order=order, actor=users[role])
    assert snapshot(order) == before and shop.decisions == []


def test_an_order_not_waiting_for_an_answer_is_refused(users):
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    shopify = make_connection()
    apply_safely(shopify, shop_order())
    order = Order.objects.get(channel=shopify.channel)

    with pytest.raises(CancellationDecisionRefused, match="is not on hold for a buyer's request"):
        buyer_cancellation_approve(order=order, actor=users["csr"])
    assert Order.objects.get(pk=order.pk).stage == Stage.PROCESSING


def test_the_csrs_answers_are_worded_on_the_timeline_and_escaped():
    cases = {
        CancellationEvent.APPROVED: {"shop": "TikTok Shop", "on_platform": True, "request": "4035"},
        CancellationEvent.REJECTED: {"shop": "eBay", "on_platform": False, "request": "",
                                     "reason": "The order has been packed", "comment": "Sorry!"},
    }  # fmt: skip
    assert (
        types_registered_by("channels.cancellations.events") == set(cases) == constants_of(CancellationEvent)
    )
    assert shown_on_the_timeline(cases) == {
        CancellationEvent.APPROVED: "Approved the buyer's request to cancel: TikTok Shop was told (cancellation 4035).",
        CancellationEvent.REJECTED: "Rejected the buyer's request to cancel (The order has been packed): in Packline "
        "only; eBay was not told. Comment: Sorry!",
    }
    escaped = shown_on_the_timeline({code: with_markup(params) for code, params in cases.items()})
    assert all("<b " not in wording for wording in escaped.values())


# The order page ------------------------------------------------------------------------------------


def test_the_order_page_offers_the_answers_only_while_the_order_waits_for_one(client, shop, requested, users):
    order, _request = requested
    client.force_login(users["csr"])
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="buyer-cancellation"' in page and 'data-testid="approve-cancellation"' in page

    client.force_login(users["viewer"])  # sees the request, may not answer it
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="buyer-cancellation"' in page and 'data-testid="approve-cancellation"' not in page

    buyer_cancellation_reject(order=order, actor=users["csr"], reason=PACKED)
    client.force_login(users["csr"])
    assert 'data-testid="buyer-cancellation"' not in client.get(order.get_absolute_url()).content.decode()


def test_approving_from_the_page_asks_to_confirm_then_cancels(client, shop, requested, users):
    order, _request = requested
    client.force_login(users["csr"])
    url = reverse("channels:buyer_cancellation_approve", args=[order.number])

    confirm = client.get(url)
    assert confirm.status_code == 200 and b"cancelled in Packline and on TikTok Shop" in confirm.content
    assert Order.objects.get(pk=order.pk).stage == Stage.ON_HOLD  # asking changes nothing

    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0] == order.get_absolute_url()
    assert f"{order} was cancelled in Packline and on TikTok Shop." in done.content.decode()
    assert Order.objects.get(pk=order.pk).stage == Stage.CANCELLED


def test_rejecting_from_the_page_needs_one_of_the_reasons_offered(client, shop, requested, users):
    order, _request = requested
    before = snapshot(order)
    client.force_login(users["csr"])
    url = reverse("channels:buyer_cancellation_reject", args=[order.number])

    form = client.get(url).content.decode()
    assert all(f'value="{code}"' in form for code in REJECT_REASONS)
    refused = client.post(url, {"reason": "I just don't want to"})
    assert refused.status_code == 400 and b"Select a valid choice" in refused.content
    assert snapshot(order) == before and shop.decisions == []

    done = client.post(url, {"reason": PACKED, "comment": "Already packed."}, follow=True)
    assert "rejected on TikTok Shop" in done.content.decode()
    assert Order.objects.get(pk=order.pk).stage == Stage.PROCESSING


def test_tiktoks_refusal_reaches_the_csr_as_a_message(client, shop, requested, users):
    order, request = requested
    shop.fail_next(400, code=25016099, message="Cancellation window closed.",
                   path=decision_path(request["cancel_id"], "approve"))  # fmt: skip
    client.force_login(users["csr"])

    page = client.post(
        reverse("channels:buyer_cancellation_approve", args=[order.number]), follow=True
    ).content.decode()

    assert "Cancellation window closed." in page and f"{order} was not cancelled." in page
    assert Order.objects.get(pk=order.pk).stage == Stage.ON_HOLD
