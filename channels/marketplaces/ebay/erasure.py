"""eBay's Marketplace Account Deletion, once a notification is verified (account_deletion.py checks it):
stored once per notification id, then a worker finds the eBay user's orders and erases their personal
data through the one erasure service (orders/services/erasure.py), and removes the copies the channel
framework kept of them (the newest payload on the link, the raw bodies in the sync log).

eBay orders name their buyer by eBay user name (mapping.py keeps `buyer.username` as the order's
`ebay_buyer` attribute); eBay user names are not case-sensitive, so neither is the match, which the
`order_ebay_buyer` index (lower of that attribute, eBay orders only) serves.
"""

import json
import logging
from datetime import datetime, timedelta

from celery import current_app
from django.db import connection as db
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower
from django.utils import timezone

from channels.connections.models import Connection
from channels.intake.models import Delivery, PlatformOrderLink
from channels.marketplaces.ebay.anonymise import erased_payload
from channels.marketplaces.ebay.models import AccountDeletion
from channels.marketplaces.values import loads
from orders.actors import Actor
from orders.models import Order
from orders.services.erasure import Erasure, personal_data_erase

logger = logging.getLogger(__name__)

DELETION_TASK = "channels.ebay_account_deletion"
REASON = "at eBay's request"
# Attributes of an eBay order (mapping._attributes) that name nobody; the rest are the buyer's.
KEEP_ATTRIBUTES = (
    "legacy_order_id", "sales_record_reference", "fulfillment_type", "ebay_supported_fulfillment",
    "cancel_initiator", "cancel_reason",
)  # fmt: skip
MAX_ATTEMPTS = 10
# A notification still waiting this long after it arrived (or after its last attempt) lost its task.
RETRY_AFTER = timedelta(minutes=1)


# Reads ---------------------------------------------------------------------------------------------


def ebay_buyer_orders(*, username: str) -> QuerySet[Order]:
    """The orders of eBay connections whose buyer is this eBay user, deleted ones included."""
    return Order.objects.alias(ebay_buyer=Lower(KeyTextTransform("ebay_buyer", "attributes"))).filter(
        attributes__has_key="ebay_buyer",  # the index's condition: eBay's orders only
        ebay_buyer=username.strip().lower(),
        channel_id__in=Connection.objects.filter(kind="ebay").values("channel_id"),
    )


def ebay_buyer_order_ids(*, username: str) -> list[int]:
    if not username.strip():
        return []
    return list(ebay_buyer_orders(username=username).order_by("pk").values_list("pk", flat=True))


def account_deletions_waiting(*, now: datetime | None = None) -> list[int]:
    """Notifications the sweeper should ask a worker for again: still waiting after RETRY_AFTER."""
    now = now or timezone.now()
    return list(
        AccountDeletion.objects.filter(state=AccountDeletion.State.RECEIVED)
        .filter(
            Q(processed_at__isnull=True, received_at__lt=now - RETRY_AFTER)  # its task was lost
            | Q(processed_at__lt=now - RETRY_AFTER)  # its last attempt failed
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )


# Writes --------------------------------------------------------------------------------------------


def account_deletion_receive(
    *, notification_id: str, username: str, user_id: str, event_date: datetime | None
) -> int | None:
    """Store a verified notification once and ask a worker to act on it: its id, or None when this
    notification id was stored before (eBay sends it again until it is answered)."""
    with transaction.atomic():
        with db.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AccountDeletion._meta.db_table} (notification_id, username, user_id, event_date, "
                "state, attempts, error, orders_erased, received_at) "
                "VALUES (%s, %s, %s, %s, 'received', 0, '', 0, now()) "
                "ON CONFLICT (notification_id) DO NOTHING RETURNING id",
                [notification_id[:200], username[:200], user_id[:200], event_date],
            )
            row = cursor.fetchone()
        if row is not None:
            deletion_id = row[0]
            transaction.on_commit(lambda: current_app.send_task(DELETION_TASK, args=[deletion_id]))
    return row[0] if row else None


@transaction.atomic
def account_deletion_process(*, deletion_id: int) -> AccountDeletion | None:
    """Erase the data of the user a stored notification names. All or nothing: when the erasure fails
    nothing of it is kept, the attempt and its error are, and the sweeper asks again (MAX_ATTEMPTS,
    then the notification is marked failed). None when it is done already or another worker has it."""
    deletion = (
        AccountDeletion.objects.select_for_update(skip_locked=True)
        .filter(pk=deletion_id, state=AccountDeletion.State.RECEIVED)
        .first()
    )
    if deletion is None:
        return None
    deletion.attempts += 1
    deletion.processed_at = timezone.now()
    try:
        with transaction.atomic():
            erased = ebay_user_erase(username=deletion.username)
    except Exception as error:  # recorded on the row and tried again; the erasure itself rolled back
        logger.exception("eBay account deletion %s failed (attempt %s)", deletion.pk, deletion.attempts)
        deletion.error = f"{type(error).__name__}: {error}"[:500]
        if deletion.attempts >= MAX_ATTEMPTS:
            deletion.state = AccountDeletion.State.FAILED
        # The sweeper asks again RETRY_AFTER after this attempt (processed_at).
        deletion.save(update_fields=["attempts", "error", "state", "processed_at"])
        return deletion
    deletion.state = AccountDeletion.State.DONE
    deletion.orders_erased = len(erased.order_ids)
    deletion.username = ""  # kept no longer than the work needed it
    deletion.error = ""
    deletion.save()
    return deletion


def ebay_user_erase(*, username: str) -> Erasure:
    """Erase an eBay user's personal data from their orders, their customer rows and the channel's
    copies of their orders."""
    order_ids = ebay_buyer_order_ids(username=username)
    if not order_ids:
        return Erasure()
    links = list(PlatformOrderLink.objects.select_for_update().filter(order_id__in=order_ids).order_by("pk"))
    also = {username.strip()} | {value for link in links for value in _buyer_values(link.payload)}
    erased = personal_data_erase(
        order_ids=order_ids,
        actor=Actor.channel("eBay"),
        reason=REASON,
        keep_attributes=KEEP_ATTRIBUTES,
        also_erase=also,
    )
    for link in links:
        payload = erased_payload(link.payload)
        if payload != link.payload:
            PlatformOrderLink.objects.filter(pk=link.pk).update(payload=payload)
        deliveries = Delivery.objects.filter(
            connection_id=link.connection_id, platform_order_id=link.platform_order_id
        ) | Delivery.objects.filter(order_id=link.order_id)
        for delivery in deliveries.only("pk", "body"):
            body = _erased_body(delivery.body)
            if body != delivery.body:
                Delivery.objects.filter(pk=delivery.pk).update(body=body)
    return erased


def _erased_body(body: str) -> str:
    try:
        payload = loads(body)
    except ValueError:
        return body
    if not isinstance(payload, dict) or "orderId" not in payload:
        return body
    erased = erased_payload(payload)
    return body if erased == payload else json.dumps(erased, default=str)


def _buyer_values(payload) -> set[str]:
    """The buyer's names, addresses and contacts as the eBay payload gave them (they may differ from
    what the order kept: a ship-to edited in Packline since)."""
    if not isinstance(payload, dict):
        return set()
    found: set[str] = set()

    def collect(value, skip=("countryCode",)) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in skip:
                    collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif value not in (None, "") and not isinstance(value, bool):
            found.add(str(value).strip())

    collect(payload.get("buyer"))
    collect(payload.get("buyerCheckoutNotes"))
    for instruction in payload.get("fulfillmentStartInstructions") or []:
        if isinstance(instruction, dict) and isinstance(instruction.get("shippingStep"), dict):
            collect(instruction["shippingStep"].get("shipTo"))
            collect(instruction["shippingStep"].get("shipToReferenceId"))
    return {value for value in found if value}
