"""eBay's Marketplace Account Deletion endpoint, one for the whole Packline (not per connection): the
challenge eBay sends when the endpoint is saved, and the signed notifications after it. Nothing is
erased here: a verified notification is stored and a worker erases (erasure.py); eBay gets its answer
at once.

Answers: GET with challenge_code 200 {"challengeResponse"}; GET without it 400. POST: 413 past the size
cap, 503 while Packline is not configured for it (or eBay's key cannot be fetched: eBay sends again),
412 when the signature does not verify (as eBay documents), 400 for a body that is not an account
deletion, 204 once stored (a notification stored before: 204 too, nothing more).
"""

import json
import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels.marketplaces.base import PlatformError
from channels.marketplaces.ebay.account_deletion import (
    UnknownPublicKey,
    challenge_response,
    deleted_user,
    public_key_fetcher,
    verify_notification,
)
from channels.marketplaces.ebay.erasure import account_deletion_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a notification is well under 1 KB
_fetchers: dict[tuple[str, str, str], object] = {}


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _fetcher():
    """One key cache per process and per app credentials (public_key_fetcher keeps keys an hour)."""
    key = (settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET, settings.EBAY_API_BASE_URL)
    if key not in _fetchers:
        if len(_fetchers) > 10:
            _fetchers.clear()
        _fetchers[key] = public_key_fetcher(client_id=key[0], client_secret=key[1], api_base_url=key[2])
    return _fetchers[key]


@login_not_required  # eBay has no Packline session; it signs its notifications instead
@csrf_exempt
@require_http_methods(["GET", "POST"])
def account_deletion_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _challenge(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "Content-Length is not a number.")
    if length > MAX_BODY_BYTES:
        return _answer(413, f"A notification is at most {MAX_BODY_BYTES:,} bytes.")
    if not (settings.EBAY_CLIENT_ID and settings.EBAY_CLIENT_SECRET):
        logger.error("eBay account deletion received, but EBAY_CLIENT_ID or EBAY_CLIENT_SECRET is not set")
        return _answer(503, "Packline is not configured for eBay's account deletion notifications.")
    try:
        body = request.body
    except RawPostDataException:
        return _answer(415, "A notification's body is JSON, not multipart form data.")
    try:
        verified = verify_notification(request.headers, body, _fetcher())
    except UnknownPublicKey:
        verified = False  # a key id eBay never issued: not eBay's signature
    except PlatformError as error:
        logger.warning("eBay account deletion not verified for now: %s", error)
        return _answer(503, "Packline could not fetch eBay's public key; send it again later.")
    if not verified:
        logger.warning("eBay account deletion refused: the signature does not verify")
        return _answer(412, "The X-EBAY-SIGNATURE signature does not verify.")
    try:
        payload = json.loads(body)
    except ValueError:
        return _answer(400, "The body is not JSON.")
    try:
        username, user_id, _eias_token = deleted_user(payload)
    except ValueError as error:
        return _answer(400, str(error))
    notification = payload.get("notification") or {}
    notification_id = str(notification.get("notificationId") or "").strip()
    if not notification_id:
        return _answer(400, "The notification has no notificationId.")
    account_deletion_receive(
        notification_id=notification_id,
        username=username,
        user_id=user_id,
        event_date=_date(notification.get("eventDate")),
    )
    return HttpResponse(status=204)


def _challenge(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("challenge_code", "").strip()
    if not code:
        return _answer(400, "challenge_code is missing.")
    token, endpoint = settings.EBAY_DELETION_VERIFICATION_TOKEN, settings.EBAY_DELETION_ENDPOINT_URL
    if not (token and endpoint):
        logger.error(
            "eBay's challenge came, but EBAY_DELETION_VERIFICATION_TOKEN or _ENDPOINT_URL is not set"
        )
        return _answer(503, "Packline is not configured for eBay's account deletion notifications.")
    return JsonResponse({"challengeResponse": challenge_response(code, token, endpoint)})


def _date(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
