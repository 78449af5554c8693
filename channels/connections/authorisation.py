"""An OAuth connection's authorisation (eBay, TikTok Shop): lost when the platform refuses its refresh
token, given again by the seller's consent. While it is lost the connection "needs re-authorisation":
it is not polled, its tracking pushes wait and its webhook deliveries wait, instead of failing again at
every beat; the consent clears it and the work resumes. Both moments are rows of the sync log."""

import logging
import secrets

from django.db import transaction
from django.utils import timezone

from channels.connections.models import Connection
from channels.intake.models import Delivery

logger = logging.getLogger(__name__)

AUTHORISATION_TOPIC = "authorisation"  # the sync log's rows about consent (not deliveries: no retry)


def _log(connection: Connection, *, state: str, outcome: str) -> None:
    now = timezone.now()
    Delivery.objects.create(
        connection=connection,
        source=Delivery.Source.POLL,
        topic=AUTHORISATION_TOPIC,
        delivery_id=f"{AUTHORISATION_TOPIC}:{now.isoformat()}:{secrets.token_hex(4)}",
        body="",
        state=state,
        outcome=outcome[:300],
        processed_at=now,
        attempts=1,
    )


def connection_authorisation_lost(*, connection: Connection, error: str) -> Connection:
    """The platform refused the connection's refresh token (`error` in the platform's words): the
    connection needs re-authorisation. The first refusal is logged; later ones only update the words.
    `connection` is the row the failing client was made from: when the seller consented again since
    (a newer authorised_at), the refusal was of the old token and changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        row = Connection.objects.select_for_update().get(pk=connection.pk)
        if row.authorised_at is not None and (
            connection.authorised_at is None or row.authorised_at > connection.authorised_at
        ):
            logger.info("connection %s: a refusal of a token older than its consent, ignored", row.pk)
            return row
        first = row.authorisation_failed_at is None
        row.authorisation_error = str(error)[:2000]
        if first:
            row.authorisation_failed_at = now
        row.save(update_fields=["authorisation_error", "authorisation_failed_at"])
        if first:
            _log(
                row,
                state=Delivery.State.FAILED,
                outcome=f"{row.label} refused Packline's authorisation; polling and tracking pushes stop "
                f"until a manager authorises again. {error}",
            )
    if first:
        logger.warning("connection %s needs re-authorisation", row.pk)
    connection.authorisation_error = row.authorisation_error
    connection.authorisation_failed_at = row.authorisation_failed_at
    return row


def connection_authorised(*, connection_id: int, credentials: dict[str, str], by: str = "") -> Connection:
    """The seller consented: the tokens it gave are kept (encrypted) with the connection, the lost
    authorisation is cleared, and what waited resumes (deliveries now, tracking pushes at the sweep)."""
    from channels.intake.queueing import queue_backlog
    from channels.tracking.models import TrackingPush

    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_id)
        again = " again" if connection.authorised_at is not None else ""
        connection.credentials = {**connection.credentials, **{k: str(v) for k, v in credentials.items()}}
        connection.authorised_at = timezone.now()
        connection.authorisation_error = ""
        connection.authorisation_failed_at = None
        connection.save(
            update_fields=["credentials", "authorised_at", "authorisation_error", "authorisation_failed_at"]
        )
        TrackingPush.objects.filter(connection=connection, state=TrackingPush.State.PENDING).update(
            next_attempt_at=connection.authorised_at
        )
        who = f" by {by}" if by else ""
        _log(
            connection,
            state=Delivery.State.APPLIED,
            outcome=f"Authorised with {connection.label}{again}{who}; polling and tracking pushes go on.",
        )
        transaction.on_commit(lambda: queue_backlog(connection_id))
    return connection
