"""TikTok Shop's Open API (version 202309) for one shop: the few calls Packline needs, signed, paced by
the connection's shared limiter, with bounded retries, and the access token kept fresh.

- Every request carries app_key, timestamp, shop_cipher (shop-scoped calls) and sign in its query
  (signing.py) and the access token in the x-tts-access-token header. A body is serialised once and
  the same bytes are signed and sent.
- Answers come in TikTok's envelope {"code", "message", "request_id", "data"}: code 0 is success;
  any other code is a PlatformError with TikTok's message, permanent unless it is a rate limit or a
  server failure.
- `limiter.wait()` before every request; HTTP 429 (or an answer saying "too many requests") pauses
  the connection through `limiter.pause(seconds)` (Retry-After when given); 5xx answers are retried
  with doubling backoff; at most `max_attempts` tries.
- An access token TikTok calls expired (code 105002, or any 105xxx token error / HTTP 401) is renewed
  once and the request tried again (auth.TokenKeeper); it is also renewed shortly before its expiry.
- Timeouts and dropped connections are retried for reads (GET, the search POSTs) and for calls that
  carry an idempotency key; "Mark Package As Shipped" is not: it may have been applied, and the next
  push looks for its tracking number before shipping again.
- Each request is logged (method, path, HTTP status, TikTok code, milliseconds): never the query
  string (sign, app secret on token calls), headers (the token) or bodies (buyers' addresses).
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from channels.marketplaces import values
from channels.marketplaces.base import (
    Access,
    Limiter,
    OrdersPage,
    PlatformError,
    PlatformOrder,
    ReauthorisationNeeded,
    TrackingPush,
)
from channels.marketplaces.tiktok import fulfilment, mapping
from channels.marketplaces.tiktok.auth import REAUTHORISE, RENEW_BEFORE, TokenKeeper
from channels.marketplaces.tiktok.signing import request_signature

API_VERSION = "202309"
DEFAULT_API_BASE_URL = "https://open-api.tiktokglobalshop.com"
PAGE_SIZE = 50
MAX_ATTEMPTS = 5
LONGEST_PAUSE = 120.0  # the longest pause one answer may put on every worker, whatever TikTok says
ACCESS_TOKEN_EXPIRED = 105002  # 105xxx: the access token's errors
SIGN_INVALID = 106001
MAX_CANCELLATION_PAGES = 10

SHOPS = f"/authorization/{API_VERSION}/shops"
ORDERS_SEARCH = f"/order/{API_VERSION}/orders/search"
ORDERS = f"/order/{API_VERSION}/orders"
SHIPPING_PROVIDERS = f"/logistics/{API_VERSION}/delivery_options/{{id}}/shipping_providers"
MARK_SHIPPED = f"/fulfillment/{API_VERSION}/orders/{{id}}/packages"
CANCELLATIONS_SEARCH = f"/return_refund/{API_VERSION}/cancellations/search"
CANCELLATION_DECISION = f"/return_refund/{API_VERSION}/cancellations/{{id}}/{{decision}}"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CancellationRequest:
    """One cancellation of an order as TikTok Shop lists it (Search Cancellations)."""

    cancel_id: str
    order_id: str
    status: str  # CANCELLATION_REQUEST_PENDING, _SUCCESS, _CANCEL(LED), _COMPLETE
    cancel_type: str  # BUYER_CANCEL (the seller approves or rejects) or CANCEL
    reason: str
    requested_by: str  # BUYER, SELLER or SYSTEM
    created_at: datetime | None
    order_line_item_ids: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def awaiting_decision(self) -> bool:
        return self.status == "CANCELLATION_REQUEST_PENDING"


class TikTokShopClient:
    """One shop's Open API. `access.credentials` holds app_key, app_secret, access_token, refresh_token,
    shop_cipher, and optionally access_token_expires_at (ISO, as renewals hand it over) and
    auth_base_url. `on_credentials_renewed(dict)` receives {"access_token", "access_token_expires_at",
    "refresh_token"} after every renewal: the framework must keep them, or the next client renews again.

    `backoff` is the first pause after a 5xx (doubling each time); a Retry-After longer than
    `max_retry_after` is not waited out in the worker: the connection is paused and
    PlatformError(retry_after=...) raised. `transport`: for tests. Use as a context manager or close()."""

    def __init__(
        self,
        access: Access,
        limiter: Limiter,
        *,
        on_credentials_renewed: Callable[[dict[str, str]], None] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = 1.0,
        max_retry_after: float = 60.0,
        renew_before: float = RENEW_BEFORE,
        page_size: int = PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
    ):
        credentials = access.credentials or {}
        base = (access.api_base_url or DEFAULT_API_BASE_URL).strip().rstrip("/")
        if "://" not in base:
            base = f"https://{base}"
        self.base_url = base
        self.limiter = limiter
        self.read_timeout = read_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.page_size = page_size
        self.app_key = str(credentials.get("app_key") or "").strip()
        self._app_secret = str(credentials.get("app_secret") or "").strip()
        self.shop_cipher = str(credentials.get("shop_cipher") or "").strip()
        self._http = httpx.Client(
            base_url=base,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            follow_redirects=False,
            transport=transport,
        )
        self.tokens = TokenKeeper(
            credentials,
            http=self._http,
            limiter=limiter,
            on_renewed=on_credentials_renewed,
            renew_before=renew_before,
            timeout=read_timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "TikTokShopClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # What the framework asks (base.PlatformClient).

    def check(self) -> str:
        """The name of the shop the connection's shop_cipher names, from the shops the app is authorised
        for (with no cipher set, the only one)."""
        shops = self.authorized_shops()
        listed = "; ".join(f"{shop.get('name')} (cipher {shop.get('cipher')})" for shop in shops) or "none"
        if self.shop_cipher:
            shop = next((shop for shop in shops if str(shop.get("cipher") or "") == self.shop_cipher), None)
            if shop is None:
                raise PlatformError(
                    f"The app is not authorised for the shop with this shop_cipher; it may reach: {listed}.",
                    permanent=True,
                )
        elif len(shops) == 1:
            shop = shops[0]
        else:
            raise PlatformError(
                f"Enter the shop_cipher of the shop to connect; the app may reach: {listed}.", permanent=True
            )
        return str(shop.get("name") or shop.get("code") or shop.get("id") or "").strip()

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrdersPage:
        """One page of orders updated at or after `since` (whole seconds, floored), oldest change first;
        the cursor is TikTok's next_page_token."""
        if since.tzinfo is None:
            raise ValueError("orders_updated_since needs an aware datetime.")
        params = {
            "page_size": self.page_size,
            "sort_field": "update_time",
            "sort_order": "ASC",
            "page_token": cursor,
        }
        data = self._call(
            "POST", ORDERS_SEARCH, params=params, body={"update_time_ge": int(since.timestamp())}
        )
        orders = []
        for payload in data.get("orders") or []:
            try:
                orders.append(mapping.order_from_detail(payload))
            except ValueError as error:
                # Without an id or an update_time the order cannot be named; the rest of the page can.
                logger.error("tiktok: skipped an order while paging: %s", error)
        token = str(data.get("next_page_token") or "").strip()
        return OrdersPage(orders=orders, next_cursor=token if token and token != cursor else None)

    def order(self, platform_order_id: str) -> PlatformOrder:
        return mapping.order_from_detail(self._order_detail(platform_order_id))

    def push_tracking(self, push: TrackingPush) -> str:
        """Marks the shipped line items as shipped with the carrier (one of TikTok's shipping providers)
        and tracking number; TikTok's package id. A push whose tracking number the order already carries
        answers that package, so a retried push never ships twice."""
        order_id = _path_id(push.platform_order_id, "order")
        if not push.tracking_number.strip():
            raise PlatformError(
                f"TikTok Shop order {order_id}: a shipment needs a tracking number.", permanent=True
            )
        order = self._order_detail(order_id)
        existing = fulfilment.existing_package(order, push.tracking_number)
        if existing:
            logger.info(
                "tiktok order %s already carries this tracking number (package %s)", order_id, existing
            )
            return existing
        status = str(order.get("status") or "").upper()
        if status == "CANCELLED":
            raise PlatformError(
                f"TikTok Shop order {order_id} is cancelled; nothing can be shipped.", permanent=True
            )
        if status in {"UNPAID", "ON_HOLD"}:
            raise PlatformError(
                f"TikTok Shop order {order_id} is {status.lower().replace('_', ' ')}; it can be marked shipped "
                "once it awaits shipment."
            )
        if str(order.get("shipping_type") or "").upper() == "TIKTOK":
            raise PlatformError(
                f"TikTok Shop ships order {order_id} with its own label (shipping type TIKTOK): Packline's "
                "tracking cannot be given to it. Ship it with TikTok's label in Seller Center.",
                permanent=True,
            )
        line_item_ids = fulfilment.units_to_ship(order, push)
        option = str(order.get("delivery_option_id") or "").strip()
        if not option:
            raise PlatformError(
                f"TikTok Shop gives order {order_id} no delivery option, so its shipping providers are unknown.",
                permanent=True,
            )
        providers = self._call("GET", SHIPPING_PROVIDERS.format(id=_path_id(option, "delivery option")))
        provider_id = fulfilment.shipping_provider_id(
            push.carrier, list(providers.get("shipping_providers") or []), order_id=order_id
        )
        body = {
            "tracking_number": push.tracking_number.strip(),
            "shipping_provider_id": provider_id,
            "order_line_item_ids": line_item_ids,
        }
        data = self._call("POST", MARK_SHIPPED.format(id=order_id), body=body, idempotent=False)
        warning = (
            (data.get("warning") or {}).get("message") if isinstance(data.get("warning"), dict) else None
        )
        if warning:
            logger.warning("tiktok order %s marked shipped with a warning: %s", order_id, warning)
        return str(data.get("package_id") or order_id)

    def authorized_shops(self) -> list[dict]:
        """The shops the seller authorised the app for, as TikTok lists them (id, name, region, cipher,
        code, seller_type): after exchange_code, the consent flow keeps the chosen shop's cipher."""
        data = self._call("GET", SHOPS, shop_scoped=False)
        return [shop for shop in data.get("shops") or [] if isinstance(shop, dict)]

    # For the CSR's decisions on a buyer's cancellation request.

    def cancellation_requests(self, platform_order_id: str) -> list[CancellationRequest]:
        """Every cancellation TikTok Shop has for the order, newest last as TikTok lists them."""
        order_id = _path_id(platform_order_id, "order")
        found, token = [], None
        for _ in range(MAX_CANCELLATION_PAGES):
            params = {"page_size": PAGE_SIZE, "page_token": token}
            data = self._call("POST", CANCELLATIONS_SEARCH, params=params, body={"order_ids": [order_id]})
            found.extend(
                _cancellation(item) for item in data.get("cancellations") or [] if isinstance(item, dict)
            )
            token = str(data.get("next_page_token") or "").strip() or None
            if token is None:
                break
        return found

    def approve_cancellation(self, cancel_id: str) -> None:
        """The buyer's cancellation request granted: TikTok Shop cancels the order (and refunds)."""
        self._decide(cancel_id, "approve", None)

    def reject_cancellation(self, cancel_id: str, reason: str, comment: str = "") -> None:
        """The buyer's cancellation request refused. `reason` is one of TikTok's reject reason codes
        (e.g. "seller_reject_apply_product_has_been_packed"); `comment` is shown with it."""
        if not reason.strip():
            raise PlatformError(
                "Rejecting a TikTok Shop cancellation needs TikTok's reject reason.", permanent=True
            )
        body = {"reject_reason": reason.strip(), **({"comment": comment.strip()} if comment.strip() else {})}
        self._decide(cancel_id, "reject", body)

    def _decide(self, cancel_id: str, decision: str, body: dict | None) -> None:
        cancel_id = _path_id(cancel_id, "cancellation")
        # The same key for the same decision: TikTok applies it once, so a timed-out call may be sent again.
        params = {"idempotency_key": f"packline-{decision}-{cancel_id}"}
        self._call(
            "POST", CANCELLATION_DECISION.format(id=cancel_id, decision=decision), params=params, body=body
        )

    # The calls.

    def _order_detail(self, platform_order_id: str) -> dict:
        order_id = _path_id(platform_order_id, "order")
        data = self._call("GET", ORDERS, params={"ids": order_id})
        for order in data.get("orders") or []:
            if isinstance(order, dict) and str(order.get("id") or "") == order_id:
                return order
        # TikTok Shop notifies before every reader sees the order: the framework asks again later.
        raise PlatformError(f"TikTok Shop does not show order {order_id} yet.")

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        body: dict | None = None,
        shop_scoped: bool = True,
        idempotent: bool = True,
    ) -> dict:
        """The `data` of one call, tried up to max_attempts times (a token renewal is not a try)."""
        if not self.app_key or not self._app_secret:
            raise PlatformError(
                "The TikTok Shop connection needs the app's key and secret (Partner Center › App & Service).",
                permanent=True,
            )
        if shop_scoped and not self.shop_cipher:
            raise PlatformError(
                "The TikTok Shop connection has no shop_cipher; Test connection lists the shops the app may reach.",
                permanent=True,
            )
        content = (
            b"" if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        )
        failure: PlatformError | None = None
        renewed = False
        attempt = 0
        while attempt < self.max_attempts:
            attempt += 1
            last = attempt == self.max_attempts
            token = self.tokens.current()
            query = {key: str(value) for key, value in (params or {}).items() if value is not None}
            query.update(app_key=self.app_key, timestamp=str(int(time.time())))
            if shop_scoped:
                query["shop_cipher"] = self.shop_cipher
            query["sign"] = request_signature(self._app_secret, path, query, content)
            self.limiter.wait()
            started = time.monotonic()
            try:
                response = self._http.request(
                    method, path, params=query, content=content or None, headers={"x-tts-access-token": token}
                )
            except httpx.HTTPError as error:
                self._log(method, path, type(error).__name__, None, started, attempt)
                never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
                if isinstance(error, httpx.TimeoutException) and not never_sent:
                    failure = PlatformError(
                        f"TikTok Shop did not answer {method} {path} within {self.read_timeout:g} s"
                        + (
                            "."
                            if idempotent
                            else "; the change may or may not have been made (the next push looks first)."
                        )
                    )
                else:
                    failure = PlatformError(
                        f"Could not reach TikTok Shop at {self.base_url}: {type(error).__name__}."
                    )
                if not (idempotent or never_sent):
                    raise failure from error
                self._back_off(attempt)
                continue

            status = response.status_code
            envelope = _envelope(response)
            code = envelope.get("code") if envelope is not None else None
            message = str((envelope or {}).get("message") or "").strip()
            self._log(method, path, status, code, started, attempt)

            if status == 429 or (code not in (0, None) and _says_too_many(message)):
                seconds = _retry_after(response) or max(self.backoff, 1.0)
                self.limiter.pause(min(seconds, LONGEST_PAUSE))
                failure = PlatformError(
                    f"TikTok Shop is rate-limiting this shop ({method} {path}); trying again in {seconds:g} s.",
                    retry_after=seconds,
                )
                if last or seconds > self.max_retry_after:
                    raise failure
                continue  # the next limiter.wait() sits out the pause
            if status >= 500:
                failure = PlatformError(
                    f"TikTok Shop answered HTTP {status} to {method} {path}. {message}".strip()
                )
                if not idempotent:
                    raise failure
                self._back_off(attempt)
                continue
            if envelope is None:
                failure = PlatformError(
                    f"TikTok Shop answered {method} {path} (HTTP {status}) with something that is not its JSON envelope."
                )
                if status >= 300 or not idempotent:
                    raise PlatformError(str(failure), permanent=status >= 300)
                self._back_off(attempt)
                continue
            if code == 0 and status < 300:
                data = envelope.get("data")
                return data if isinstance(data, dict) else {}
            if _token_refused(code, status):
                if renewed:
                    raise ReauthorisationNeeded(
                        f"{REAUTHORISE} TikTok Shop refused the renewed access token: {message} (code {code})."
                    )
                renewed = True
                self.tokens.renew_after_refusal(token)
                attempt -= 1
                continue
            request_id = str(envelope.get("request_id") or "")
            if code == SIGN_INVALID:
                raise PlatformError(
                    f"TikTok Shop refused the request's signature ({message}, request {request_id}): check the "
                    "connection's app key and app secret.",
                    permanent=True,
                )
            raise PlatformError(
                f"TikTok Shop refused {method} {path}: {message or 'no reason given'} (code {code}, request {request_id}).",
                permanent=True,
            )
        raise PlatformError(
            f"TikTok Shop still failed after {_attempts(self.max_attempts)}: {failure}",
            retry_after=getattr(failure, "retry_after", None),
        )

    def _back_off(self, attempt: int) -> None:
        if attempt < self.max_attempts:
            time.sleep(min(self.backoff * 2 ** (attempt - 1), 30.0))

    def _log(self, method: str, path: str, status, code, started: float, attempt: int) -> None:
        logger.info(
            "tiktok %s %s %s -> %s code %s in %d ms (attempt %d)",
            urlsplit(self.base_url).hostname,
            method,
            path,
            status,
            code,
            (time.monotonic() - started) * 1000,
            attempt,
        )


def _token_refused(code, status: int) -> bool:
    if isinstance(code, int) and str(code).startswith("105"):
        return True
    return status == 401 and not str(code).startswith("106")  # 106xxx: the signature, not the token


def _says_too_many(message: str) -> bool:
    text = message.lower()
    return "too many request" in text or "rate limit" in text


def _envelope(response: httpx.Response) -> dict | None:
    try:
        payload = values.loads(response.content)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) and "code" in payload else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _path_id(value: str, what: str) -> str:
    text = str(value or "").strip()
    if not text or not all(ch.isalnum() or ch in "-_" for ch in text):
        raise PlatformError(f"{value!r} is not a TikTok Shop {what} id.", permanent=True)
    return text


def _cancellation(item: dict) -> CancellationRequest:
    created = values.whole_number(item.get("create_time"))
    return CancellationRequest(
        cancel_id=str(item.get("cancel_id") or ""),
        order_id=str(item.get("order_id") or ""),
        status=str(item.get("cancel_status") or ""),
        cancel_type=str(item.get("cancel_type") or ""),
        reason=str(item.get("cancel_reason_text") or item.get("cancel_reason") or ""),
        requested_by=str(item.get("role") or ""),
        created_at=datetime.fromtimestamp(created, UTC) if created and created > 0 else None,
        order_line_item_ids=[
            str(line.get("order_line_item_id"))
            for line in item.get("cancel_line_items") or []
            if isinstance(line, dict) and line.get("order_line_item_id")
        ],
        raw=item,
    )


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"
