"""A thin client for one shop's WooCommerce REST API v3 (/wp-json/wc/v3/): reads orders page by page,
tells the shop an order shipped, and behaves under load and failure.

- HTTP Basic auth with the consumer key and secret (WooCommerce accepts it over HTTPS only).
- `limiter.wait()` before every request; a 429 (or a 503 with Retry-After) pauses the whole
  connection through `limiter.pause(seconds)`; 5xx answers are retried with doubling backoff; at most
  `attempts` tries, then PlatformError.
- 401/403 and other 4xx answers are permanent PlatformErrors with a sentence a manager can act on.
- Timeouts and dropped connections are retried for GET and PUT only: a POST (an order note) that
  timed out may have been written, and trying again would send the customer a second email.
- Each request is logged (method, path, status, milliseconds); never credentials, query strings or
  bodies.
"""

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from channels.marketplaces import values
from channels.marketplaces.base import (
    Access,
    Limiter,
    OrdersPage,
    PlatformError,
    PlatformOrder,
    TrackingPush,
)
from channels.marketplaces.woocommerce import mapping

logger = logging.getLogger(__name__)

API = "/wp-json/wc/v3"
PER_PAGE = 100  # WooCommerce's largest page
OPEN_STATUSES = frozenset({"pending", "processing", "on-hold"})  # a shipment may complete these
IDEMPOTENT = frozenset({"GET", "PUT"})


class WooCommerceClient:
    """One shop's REST API. `access.api_base_url or access.shop_url` is the site's address (a shop in a
    sub-folder keeps it: https://example.com/shop); credentials hold consumer_key and consumer_secret.

    The client keeps a connection pool: use it as a context manager or call close() when done.
    """

    def __init__(
        self,
        access: Access,
        limiter: Limiter,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        attempts: int = 5,
        backoff: float = 1.0,
        max_retry_after: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ):
        """`backoff`: seconds before the second try after a 5xx, doubling each time (1, 2, 4, 8 s).
        `max_retry_after`: a Retry-After longer than this is not waited out in the worker: the
        connection is paused for it and PlatformError(retry_after=...) is raised for the task to
        come back later. `transport`: for tests (httpx.MockTransport)."""
        base = (access.api_base_url or access.shop_url or "").strip().rstrip("/")
        if not base:
            raise PlatformError("The connection has no shop address.", permanent=True)
        if "://" not in base:
            base = f"https://{base}"
        self.base_url = base
        self.limiter = limiter
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        key = access.credentials.get("consumer_key", "")
        secret = access.credentials.get("consumer_secret", "")
        if not key or not secret:
            raise PlatformError(
                "The connection has no WooCommerce consumer key and secret: create a REST API key in "
                "WooCommerce › Settings › Advanced › REST API and enter both.",
                permanent=True,
            )
        self._host = urlsplit(base).netloc
        self._http = httpx.Client(
            base_url=base,
            auth=(key, secret),
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"Accept": "application/json", "User-Agent": "Packline/1.0 (order intake)"},
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "WooCommerceClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # PlatformClient

    def check(self) -> str:
        """The site's name from the WordPress REST index (GET /wp-json/), then GET
        /wp-json/wc/v3/orders?per_page=1: the index needs no keys, so only the orders list proves the
        keys may read orders. A site that hides its index (a security plugin) is named by its host."""
        try:
            index = self._json(self._request("GET", "/wp-json/"), "/wp-json/")
        except PlatformError as error:
            if not error.permanent:
                raise
            index = {}
        index = index if isinstance(index, dict) else {}
        namespaces = index.get("namespaces")
        if isinstance(namespaces, list) and "wc/v3" not in namespaces:
            raise PlatformError(
                f"{self.base_url} runs WordPress but offers no WooCommerce REST API v3: is WooCommerce "
                "installed and active?",
                permanent=True,
            )
        self._request("GET", f"{API}/orders", params={"per_page": 1})
        return str(index.get("name") or "").strip() or self._host

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrdersPage:
        """One page of orders modified at or after `since`, oldest change first; the cursor is the
        next page number. WooCommerce's modified_after is strictly after and counts in whole seconds,
        so the query starts one second early: an order seen twice is harmless (updated_at says it is
        not newer), one missed is not.

        Pages are numbered, not keyed: an order modified while the pages are read moves to the end and
        may shift another one page earlier, past the reader. Read again from the newest updated_at
        seen rather than trusting one pass."""
        page = _page_number(cursor)
        moment = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        after = moment.replace(microsecond=0) - timedelta(seconds=1)
        response = self._request(
            "GET",
            f"{API}/orders",
            params={
                "modified_after": after.strftime("%Y-%m-%dT%H:%M:%S"),
                "dates_are_gmt": "true",
                "orderby": "modified",
                "order": "asc",
                "per_page": PER_PAGE,
                "page": page,
            },
        )
        payloads = self._json(response, f"{API}/orders")
        if not isinstance(payloads, list):
            raise PlatformError(
                f"WooCommerce answered the orders list with {type(payloads).__name__}, not a list."
            )
        orders = []
        for payload in payloads:
            try:
                orders.append(mapping.order_from_payload(payload))
            except ValueError as error:
                # Without an id or a modification date the order cannot be named; the rest of the page can.
                logger.error("woocommerce %s: skipped an order on page %s: %s", self._host, page, error)
        total_pages = _int_header(response, "X-WP-TotalPages")
        more = page < total_pages if total_pages is not None else len(payloads) >= PER_PAGE
        return OrdersPage(orders=orders, next_cursor=str(page + 1) if more else None)

    def order(self, platform_order_id: str) -> PlatformOrder:
        return mapping.order_from_payload(self._order(platform_order_id))

    def push_tracking(self, push: TrackingPush) -> str:
        """An order note with the carrier and tracking number (a customer note emails the buyer when
        push.notify_customer), and, when this shipment covers the whole order, the order marked
        completed. A note with the same text already on the order is not written twice (a retried
        push). Returns the note's id."""
        payload = self._order(push.platform_order_id)
        order_path = f"{API}/orders/{int(push.platform_order_id)}"
        text = tracking_note(push)
        existing = self._json(self._request("GET", f"{order_path}/notes"), f"{order_path}/notes")
        notes = existing if isinstance(existing, list) else []
        note_id = next(
            (str(note.get("id")) for note in notes if isinstance(note, dict) and note.get("note") == text),
            None,
        )
        if note_id is None:
            note = self._json(
                self._request(
                    "POST", f"{order_path}/notes", json={"note": text, "customer_note": push.notify_customer}
                ),
                f"{order_path}/notes",
            )
            note_id = str(note.get("id", "")) if isinstance(note, dict) else ""
        if _ships_whole_order(push, payload) and str(payload.get("status")) in OPEN_STATUSES:
            self._request("PUT", order_path, json={"status": "completed"})
        return note_id

    # HTTP

    def _order(self, platform_order_id: str) -> dict:
        try:
            order_id = int(str(platform_order_id))
        except ValueError:
            raise PlatformError(
                f"{platform_order_id!r} is not a WooCommerce order id.", permanent=True
            ) from None
        path = f"{API}/orders/{order_id}"
        payload = self._json(self._request("GET", path), path)
        if not isinstance(payload, dict):
            raise PlatformError(f"WooCommerce answered {path} with {type(payload).__name__}, not an order.")
        return payload

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            self.limiter.wait()
            started = time.monotonic()
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as error:
                elapsed = (time.monotonic() - started) * 1000
                logger.warning(
                    "woocommerce %s %s %s failed after %d ms: %s",
                    self._host, method, path, elapsed, type(error).__name__,
                )  # fmt: skip
                # A request that never left (no connection) can always be tried again.
                retryable = method in IDEMPOTENT or isinstance(
                    error, httpx.ConnectError | httpx.ConnectTimeout
                )
                if last or not retryable:
                    raise PlatformError(_transport_message(self.base_url, error, method)) from error
                time.sleep(self._delay(attempt))
                continue
            elapsed = (time.monotonic() - started) * 1000
            logger.info(
                "woocommerce %s %s %s %s %d ms", self._host, method, path, response.status_code, elapsed
            )
            status = response.status_code
            if status < 300:
                return response
            retry_after = _retry_after(response)
            if status == 429 or (status == 503 and retry_after is not None):
                wait = retry_after if retry_after is not None else self._delay(attempt)
                self.limiter.pause(wait)
                if last or wait > self.max_retry_after:
                    raise PlatformError(
                        f"The shop at {self.base_url} asks Packline to slow down (HTTP {status}); "
                        f"trying again in {wait:g} s.",
                        retry_after=wait,
                    )
                continue  # the next limiter.wait() sits out the pause
            if status >= 500:
                if last:
                    raise PlatformError(
                        f"The shop at {self.base_url} kept failing (HTTP {status} on {method} {path}, "
                        f"{self.attempts} tries): {_error_text(response)}"
                    )
                time.sleep(self._delay(attempt))
                continue
            raise _refusal(self.base_url, method, path, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1)

    def _json(self, response: httpx.Response, path: str):
        try:
            return values.loads(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise PlatformError(
                f"{self.base_url}{path} answered with something that is not JSON ({kind}): a security or "
                "caching plugin may be blocking the REST API."
            ) from None


def tracking_note(push: TrackingPush) -> str:
    return " ".join(
        filter(None, (f"Shipped with {push.carrier}, tracking {push.tracking_number}", push.tracking_url))
    )


def _ships_whole_order(push: TrackingPush, payload: dict) -> bool:
    if not push.lines:
        return True
    shipped: dict[str, int] = {}
    for line in push.lines:
        shipped[line.platform_line_id] = shipped.get(line.platform_line_id, 0) + line.quantity
    items = [item for item in payload.get("line_items") or [] if isinstance(item, dict)]
    return bool(items) and all(
        shipped.get(str(item.get("id")), 0) >= (values.whole_number(item.get("quantity")) or 0)
        for item in items
    )


def _refusal(base_url: str, method: str, path: str, response: httpx.Response) -> PlatformError:
    status, detail = response.status_code, _error_text(response)
    if 300 <= status < 400:
        # Not followed: a redirect would drop the keys (another host) or turn a POST into a GET.
        target = response.headers.get("Location", "another address")
        return PlatformError(
            f"The shop at {base_url} redirects {path} to {target} (HTTP {status}): enter the address it "
            "redirects to as the shop's address in the connection settings.",
            permanent=True,
        )
    if status in (401, 403):
        advice = (
            "Check the consumer key and secret in the connection settings, and that the key's user may "
            "manage WooCommerce with Read/Write permission (WooCommerce › Settings › Advanced › REST API)."
        )
        if base_url.startswith("http://"):
            advice += " The shop's address uses http://: WooCommerce accepts keys over HTTPS only."
        return PlatformError(
            f"WooCommerce refused Packline's API key (HTTP {status}: {detail}). {advice}", permanent=True
        )
    if status == 404 and "/orders/" in path:
        return PlatformError(
            f"The shop has no order at {path.removeprefix(API)} (HTTP 404: {detail}); it may have been deleted.",
            permanent=True,
        )
    if status == 404 and path.startswith(API):
        return PlatformError(
            f"{base_url} has no WooCommerce REST API at {path} (HTTP 404: {detail}): is WooCommerce active, "
            "and are permalinks anything but Plain (WordPress › Settings › Permalinks)?",
            permanent=True,
        )
    return PlatformError(f"WooCommerce refused {method} {path} (HTTP {status}: {detail}).", permanent=True)


def _error_text(response: httpx.Response) -> str:
    """WooCommerce's errors are {"code", "message", "data": {"status"}}; anything else is cut short."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if isinstance(body, dict) and body.get("message"):
        code = f"{body['code']}: " if body.get("code") else ""
        return f"{code}{str(body['message'])[:300]}"
    return response.reason_phrase or "no details"


def _transport_message(base_url: str, error: httpx.TransportError, method: str) -> str:
    if isinstance(error, httpx.TimeoutException):
        what = "did not answer in time"
        if method not in IDEMPOTENT:
            what += " (the change may or may not have been made; check the order before trying again)"
        return f"The shop at {base_url} {what}."
    return f"Packline could not reach the shop at {base_url} ({type(error).__name__})."


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers.get(name, ""))
    except ValueError:
        return None


def _page_number(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 1
    try:
        page = int(cursor)
    except ValueError:
        page = 0
    if page < 1:
        raise PlatformError(f"{cursor!r} is not a WooCommerce page number.", permanent=True)
    return page
