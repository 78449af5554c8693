"""A CSR's answer to a buyer's request to cancel (the hold "Buyer asked to cancel", SPEC 5).

Approving cancels the order in Packline and, for TikTok Shop, on the platform (which refunds the
buyer); rejecting releases that one hold (others stay) and, for TikTok Shop, refuses the request with
one of TikTok's reasons. The platform is asked first, outside any transaction (a token it renews on
the way is kept whatever happens next): when it refuses, nothing changes in Packline and the CSR reads
why. Shopify, WooCommerce and eBay requests are answered in Packline only, and the answer says so.
"""

from dataclasses import dataclass

from django.db import transaction

from channels.cancellations.events import CancellationEvent
from channels.connections.models import Connection
from channels.connections.services import connection_client
from channels.marketplaces import KINDS
from channels.marketplaces.base import PlatformError
from orders import events
from orders.actors import Actor, as_actor
from orders.errors import OrderError, TransitionRefused
from orders.models import HoldReason, Order, OrderHold
from orders.services.common import locked_order
from orders.services.transitions import builtin_status, order_cancel, order_release
from orders.workflow import Stage, transition_refusal

# Platforms whose buyer requests Packline answers through their API (TikTok Shop's Partner API 202309:
# Search Cancellations, Approve Cancellation, Reject Cancellation).
ANSWERED_ON_PLATFORM = frozenset({"tiktok"})
# TikTok Shop's reject reasons for a buyer's cancellation request (the `reject_reason` codes Seller
# Center offers), with what the CSR reads.
REJECT_REASONS: dict[str, str] = {
    "seller_reject_apply_product_has_been_packed": "The order has been packed",
    "order_manage_list_action_respond_popup_reject_reason_delivered": "Delivery is on schedule",
    "order_manage_list_action_respond_popup_reject_reason_buyer_agree": "Agreed with the buyer to go ahead",
    "order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason": (
        "The reason given for cancelling is not valid"
    ),
}
DONE_ON_PLATFORM = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
COMMENT_LENGTH = 300


class CancellationDecisionRefused(OrderError):
    """The answer cannot be given (or the platform refused it); nothing was changed in Packline."""


@dataclass
class Decision:
    order: Order
    on_platform: bool  # the platform was told
    message: str  # what the CSR reads


@dataclass(frozen=True)
class Shop:
    label: str  # "TikTok Shop"
    connection: Connection | None

    @property
    def answers_on_platform(self) -> bool:
        return self.connection is not None and self.connection.kind in ANSWERED_ON_PLATFORM


def order_shop_of(order: Order) -> Shop:
    connection = None
    if order.channel.kind in KINDS:
        connection = Connection.objects.filter(channel_id=order.channel_id).first()
    label = connection.label if connection else order.channel.name
    return Shop(label=label, connection=connection)


def awaiting_decision(order: Order) -> bool:
    return (
        not order.is_deleted
        and order.stage == Stage.ON_HOLD
        and OrderHold.objects.filter(
            order=order, reason=HoldReason.CANCELLATION_REQUESTED, released_at__isnull=True
        ).exists()
    )


def _check(order_id: int, actor: Actor, *, approving: bool) -> Order:
    order = Order.objects.select_related("status", "held_from", "channel").get(pk=order_id)
    if not actor.has_perm("orders.cancel_order"):
        raise CancellationDecisionRefused(f"You may not answer cancellation requests ({order}).")
    if not awaiting_decision(order):
        raise CancellationDecisionRefused(f"{order} is not on hold for a buyer's request to cancel.")
    if approving:
        refusal = transition_refusal(order, builtin_status(Stage.CANCELLED), actor)
        if refusal:
            raise CancellationDecisionRefused(refusal)
    elif not actor.has_perm("orders.hold_order"):
        raise CancellationDecisionRefused(f"You may not release {order}.")
    return order


def _pending_request(client, order: Order, shop: Shop, *, approving: bool):
    """The platform's request awaiting an answer; None when the platform cancelled the order already
    (approving then only cancels in Packline)."""
    try:
        requests = client.cancellation_requests(order.channel_order_id or "")
    except PlatformError as error:
        raise CancellationDecisionRefused(
            f"{shop.label} could not be asked for the buyer's request: {error} Nothing was changed."
        ) from error
    pending = [request for request in requests if request.awaiting_decision]
    if pending:
        return pending[-1]
    if approving and any(request.status in DONE_ON_PLATFORM for request in requests):
        return None
    raise CancellationDecisionRefused(
        f"{shop.label} shows no request to cancel order {order.channel_order_id} awaiting an answer "
        "(the buyer may have withdrawn it). Nothing was changed; release the hold if the order should ship."
    )


def _still_awaiting(order_id: int) -> Order:
    order = locked_order(order_id)
    if not awaiting_decision(order):
        raise CancellationDecisionRefused(f"{order} was answered meanwhile; nothing more was changed.")
    return order


def buyer_cancellation_approve(*, order: Order, actor) -> Decision:
    """Grant the buyer's request: the platform first (TikTok Shop cancels and refunds), then the order
    is cancelled in Packline (stock released, a refund owed for what was paid)."""
    actor = as_actor(actor)
    order = _check(order.pk, actor, approving=True)
    shop = order_shop_of(order)
    request_id, on_platform = "", False
    if shop.answers_on_platform:
        with connection_client(shop.connection, attempts=1) as client:
            request = _pending_request(client, order, shop, approving=True)
            if request is not None:
                try:
                    client.approve_cancellation(request.cancel_id)
                except PlatformError as error:
                    raise CancellationDecisionRefused(
                        f"{shop.label} refused to cancel order {order.channel_order_id}: {error} "
                        f"{order} was not cancelled."
                    ) from error
                request_id = request.cancel_id
        on_platform = True
    try:
        with transaction.atomic():
            order = _still_awaiting(order.pk)
            events.record(
                order, actor, CancellationEvent.APPROVED, shop=shop.label, on_platform=on_platform,
                request=request_id,
            )  # fmt: skip
            order = order_cancel(
                order_id=order.pk, actor=actor, reason=f"the buyer asked {shop.label} to cancel; approved"
            )
    except (TransitionRefused, CancellationDecisionRefused) as refused:
        if not on_platform:
            raise
        raise CancellationDecisionRefused(
            f"{shop.label} cancelled the order, but Packline could not: {refused} The next sync from "
            f"{shop.label} brings the cancellation."
        ) from refused
    if on_platform:
        message = f"{order} was cancelled in Packline and on {shop.label}."
    else:
        message = f"{order} was cancelled in Packline only: cancel it in {shop.label} as well."
    return Decision(order=order, on_platform=on_platform, message=message)


def buyer_cancellation_reject(*, order: Order, actor, reason: str, comment: str = "") -> Decision:
    """Refuse the buyer's request with one of TikTok Shop's reasons: the platform first, then only the
    "Buyer asked to cancel" hold is released (the order goes on, or stays held for its other reasons)."""
    actor = as_actor(actor)
    if reason not in REJECT_REASONS:
        raise CancellationDecisionRefused("Choose why the buyer's request is rejected.")
    comment = comment.strip()
    if len(comment) > COMMENT_LENGTH:
        raise CancellationDecisionRefused(f"Keep the comment to {COMMENT_LENGTH} characters.")
    order = _check(order.pk, actor, approving=False)
    shop = order_shop_of(order)
    request_id = ""
    if shop.answers_on_platform:
        with connection_client(shop.connection, attempts=1) as client:
            request = _pending_request(client, order, shop, approving=False)
            try:
                client.reject_cancellation(request.cancel_id, reason, comment)
            except PlatformError as error:
                raise CancellationDecisionRefused(
                    f"{shop.label} refused the rejection of order {order.channel_order_id}'s cancellation: "
                    f"{error} {order} stays on hold."
                ) from error
            request_id = request.cancel_id
    with transaction.atomic():
        order = _still_awaiting(order.pk)
        events.record(
            order, actor, CancellationEvent.REJECTED, shop=shop.label, on_platform=shop.answers_on_platform,
            request=request_id, reason=REJECT_REASONS[reason], comment=comment,
        )  # fmt: skip
        order = order_release(order_id=order.pk, actor=actor, only={HoldReason.CANCELLATION_REQUESTED})
    order = Order.objects.select_related("status").get(pk=order.pk)
    if shop.answers_on_platform:
        message = f"The buyer's request was rejected on {shop.label}; {order} is {order.status.label}."
    else:
        message = (
            f"The hold was released in Packline only; {order} is {order.status.label}. "
            f"Answer the buyer's request in {shop.label} as well."
        )
    return Decision(order=order, on_platform=shop.answers_on_platform, message=message)
