"""The webhook door (SPEC 5): size cap, the platform's signature over the raw body, then the delivery
is stored (deduplicated by the platform's delivery id) and a worker is asked to apply it. The answer
is given at once; nothing is parsed or applied here."""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db import connection as db
from django.db.models import F
from django.db.models.functions import Now
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels.connections.models import Connection
from channels.intake.models import Delivery
from channels.intake.queueing import queue_processing
from channels.marketplaces import platform
from channels.marketplaces.base import signature_matches

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # a 250-line order is ~0.5 MB; anything past this is not an order


@dataclass(frozen=True)
class KnownConnection:
    pk: int
    kind: str
    webhook_secrets: list[str]
    paused: bool
    app_key: str = ""  # TikTok Shop signs with the app's key and secret


# What the door needs of a connection, kept a few seconds per process: a storm of deliveries would
# otherwise read and decrypt the same row hundreds of times a second. A new secret or a pause takes
# effect within KNOWN_FOR seconds (the worker checks the pause itself).
KNOWN_FOR = 5.0
_known: dict[int, tuple[float, KnownConnection | None]] = {}


def known_connection(connection_id: int) -> KnownConnection | None:
    now = time.monotonic()
    cached = _known.get(connection_id)
    if cached is not None and now - cached[0] < KNOWN_FOR:
        return cached[1]
    row = (
        Connection.objects.filter(pk=connection_id)
        .only("id", "kind", "webhook_secrets", "paused", "credentials")
        .first()
    )
    known = (
        KnownConnection(
            row.pk,
            row.kind,
            [str(secret) for secret in row.webhook_secrets],
            row.paused,
            app_key=str(row.credentials.get("app_key", "")),
        )
        if row
        else None
    )
    if len(_known) > 10_000:  # probes of made-up ids must not grow it without end
        _known.clear()
    _known[connection_id] = (now, known)
    return known


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@login_not_required  # the shop signs its deliveries; it has no Packline session
@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, connection_id: int) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "Content-Length is not a number.")
    if length > MAX_BODY_BYTES:
        return _answer(413, f"A delivery is at most {MAX_BODY_BYTES:,} bytes.")
    connection = known_connection(connection_id)
    if connection is None:
        return _answer(404, "No such connection.")
    adapter = platform(connection.kind)
    try:
        body = request.body
    except RawPostDataException:  # multipart: the input checks read it as a stream, and no shop sends one
        return _answer(415, "A delivery's body is JSON (or a form-encoded ping), not multipart form data.")
    signature = request.headers.get(adapter.signature_header, "")
    if not signature:
        ping = getattr(adapter, "is_ping", None)
        if ping is not None and ping(body):
            return _answer(200, "pong")
    if not _signed(adapter, connection, body, signature):
        Connection.objects.filter(pk=connection.pk).update(
            rejected_deliveries=F("rejected_deliveries") + 1, last_rejected_at=Now()
        )
        logger.warning("connection %s: webhook refused, signature does not match", connection.pk)
        return _answer(401, "The signature does not match this connection's webhook secret.")
    # A platform without a delivery id header (TikTok Shop) takes it from the body.
    from_body = getattr(adapter, "webhook_from_body", None)
    hook = from_body(request.headers, body) if from_body is not None else adapter.webhook(request.headers)
    if hook is None:
        return _answer(400, "The delivery id or topic header is missing.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _answer(400, "The body is not UTF-8.")
    if "\x00" in text:
        return _answer(400, "The body contains a NUL character.")
    key = hook.delivery_id[:150]
    if getattr(adapter, "delivery_ids_repeat", False):
        # The same id with another body is another delivery; a redelivery repeats both.
        key = f"{key}:{hashlib.sha256(body).hexdigest()[:32]}"
    delivery_id = delivery_store(
        connection_id=connection.pk, source=Delivery.Source.WEBHOOK, delivery_id=key,
        topic=hook.topic[:100], body=text,
    )  # fmt: skip
    if delivery_id is not None and not connection.paused:
        queue_processing(connection.pk)
    return _answer(200, "stored" if delivery_id is not None else "duplicate")


def _signed(adapter, connection: KnownConnection, body: bytes, signature: str) -> bool:
    """The platform's own check when it signs otherwise (TikTok Shop: the app key and secret over the
    body, hex); base64 HMAC-SHA256 with the webhook secrets (Shopify, WooCommerce) by default."""
    own_check = getattr(adapter, "signature_valid", None)
    if own_check is not None:
        return own_check(body, signature, app_key=connection.app_key, app_secrets=connection.webhook_secrets)
    return signature_matches(body, signature, connection.webhook_secrets)


def delivery_store(
    *, connection_id: int, source: str, delivery_id: str, topic: str, body: str, run_id=None
) -> int | None:
    """Store a delivery once: its id, or None when this connection already has that delivery id."""
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Delivery._meta.db_table} (connection_id, source, delivery_id, topic, body, run_id, "
            "state, outcome, platform_order_id, attempts, received_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'received', '', '', 0, now()) "
            "ON CONFLICT (connection_id, delivery_id) DO NOTHING RETURNING id",
            [connection_id, source, delivery_id, topic, body, run_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None
