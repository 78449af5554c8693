"""One seller's eBay Sell Fulfillment API v1: reads orders page by page, tells eBay an order shipped,
and behaves under load and failure.

- OAuth 2 user access token in the Authorization header, renewed by auth.TokenKeeper before it expires
  and once on a 401 (then the call is tried again; a second 401 is a permanent error).
- `limiter.wait()` before every request, the token renewal's included; a 429 (or a 503 with
  Retry-After) pauses the whole connection through `limiter.pause(seconds)`; 5xx answers are tried
  again with doubling backoff; at most `attempts` tries, then PlatformError.
- Timeouts and dropped connections are tried again for reads only: a createShippingFulfillment that
  timed out may have been made. push_tracking looks for a fulfilment with its tracking number before
  it creates one, so the outbox trying the push again never ships twice.
- Each request is logged (method, path, status, milliseconds); never tokens, query strings or bodies.

eBay does not sort getOrders by modification (it lists by creation date), so a page's changes are not
oldest first. Every page of one run is read with the same `since`, so a run that reads to the last
page sees every change; see EbayPlatform.changes_oldest_first for what the framework must do about a
run that stops half-way.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

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
from channels.marketplaces.ebay import auth, mapping
from channels.marketplaces.ebay.carriers import ebay_carrier_code

logger = logging.getLogger(__name__)

API = "/sell/fulfillment/v1"
PAGE_SIZE = 200  # getOrders' largest page
READS = frozenset({"GET"})


class EbayClient:
    """One seller's Fulfillment API at `access.api_base_url` (https://api.ebay.com, or the sandbox's
    https://api.sandbox.ebay.com). Credentials: client_id, client_secret, refresh_token; access_token and
    access_token_expires_at when an earlier renewal was kept; auth_base_url to reach the token endpoint
    elsewhere than the API host.

    `on_credentials_renewed` is called with {"access_token", "access_token_expires_at"} after each
    renewal, for the framework to keep. The client keeps a connection pool: use it as a context manager
    or call close() when done."""

    def __init__(
        self,
        access: Access,
        limiter: Limiter,
        *,
        on_credentials_renewed: Callable[[dict], None] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        attempts: int = 5,
        backoff: float = 1.0,
        max_retry_after: float = 60.0,
        renew_before: float = auth.RENEW_BEFORE,
        page_size: int = PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        """`backoff`: seconds before the second try after a 5xx, doubling each time. `max_retry_after`:
        a Retry-After longer than this is not waited out in the worker: the connection is paused for it
        and PlatformError(retry_after=...) is raised for the task to come back later. `now`: the clock
        token expiry is judged by (tests)."""
        base = (access.api_base_url or auth.DEFAULT_API_BASE_URL).strip().rstrip("/")
        if "://" not in base:
            base = f"https://{base}"
        self.base_url = base
        self.limiter = limiter
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.page_size = max(1, min(page_size, PAGE_SIZE))
        self.read_timeout = read_timeout
        self._host = urlsplit(base).netloc
        self.tokens = auth.TokenKeeper(
            access,
            self._post_token,
            on_renewed=on_credentials_renewed,
            renew_before=renew_before,
            now=now,
        )
        self._http = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"Accept": "application/json", "User-Agent": "Packline/1.0 (order intake)"},
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "EbayClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # PlatformClient

    def check(self) -> str:
        """ "Test connection": one order read proves the token renews and may read orders. eBay's
        Fulfillment API has no shop name; the seller's user id from an order names it, else the count."""
        listing = self._json(self._request("GET", f"{API}/order", params={"limit": 1}), f"{API}/order")
        orders = listing.get("orders") if isinstance(listing.get("orders"), list) else []
        seller = next(
            (str(o.get("sellerId")) for o in orders if isinstance(o, dict) and o.get("sellerId")), ""
        )
        if seller:
            return seller
        total = listing.get("total")
        return f"eBay seller ({total if isinstance(total, int) else len(orders)} orders)"

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrdersPage:
        """One page of orders modified at or after `since` (eBay's lastmodifieddate filter includes its
        start, to the millisecond). The cursor is the next page's offset; a `next` href from eBay is
        accepted as a cursor too. Pages are not oldest change first: eBay lists by creation date."""
        if since.tzinfo is None:
            raise ValueError("orders_updated_since needs an aware datetime.")
        offset = _offset(cursor)
        # eBay refuses a start in the future (error 30850): a clock ahead of eBay's asks from now.
        stamp = _ebay_time(min(since.astimezone(UTC), datetime.now(UTC)))
        path = f"{API}/order"
        listing = self._json(
            self._request(
                "GET",
                path,
                params={"filter": f"lastmodifieddate:[{stamp}..]", "limit": self.page_size, "offset": offset},
            ),
            path,
        )
        payloads = listing.get("orders")
        if payloads is None:
            payloads = []
        if not isinstance(payloads, list):
            raise PlatformError(f"eBay answered the orders list with {type(payloads).__name__}, not a list.")
        orders = []
        for payload in payloads:
            try:
                orders.append(mapping.order_from_payload(payload))
            except ValueError as error:
                # Without an id or a modification date the order cannot be named; the rest of the page can.
                logger.error("ebay %s: skipped an order at offset %s: %s", self._host, offset, error)
        return OrdersPage(orders=orders, next_cursor=_next_offset(listing, offset, len(payloads)))

    def order(self, platform_order_id: str) -> PlatformOrder:
        """The order as eBay has it now. eBay may not show a just-placed order yet: its 404 is not
        permanent, and the framework asks again later."""
        return mapping.order_from_payload(self._order(platform_order_id))

    def push_tracking(self, push: TrackingPush) -> str:
        """createShippingFulfillment with the carrier, tracking number and the shipped lines (every
        line not yet shipped when push.lines is empty); returns the fulfilment's id from the Location
        header. A fulfilment already carrying this tracking number is answered with its id instead:
        a push tried again never ships twice."""
        carrier = ebay_carrier_code(push.carrier)
        tracking = _tracking_number(push.tracking_number)
        order_path = f"{API}/order/{_order_id(push.platform_order_id)}"
        existing = self._existing_fulfilment(order_path, tracking)
        if existing:
            logger.info("ebay fulfilment %s already carries this tracking number", existing)
            return existing
        if push.lines:
            # eBay refuses a line named twice (error 32210): one entry per line, quantities added.
            quantities: dict[str, int] = {}
            for line in push.lines:
                quantities[line.platform_line_id] = quantities.get(line.platform_line_id, 0) + line.quantity
            lines = [
                {"lineItemId": line_id, "quantity": quantity} for line_id, quantity in quantities.items()
            ]
        else:
            lines = _lines_to_ship(self._order(push.platform_order_id), push.platform_order_id)
        path = f"{order_path}/shipping_fulfillment"
        response = self._request(
            "POST",
            path,
            json={
                "lineItems": lines,
                "shippedDate": _ebay_time(datetime.now(UTC)),
                "shippingCarrierCode": carrier,
                "trackingNumber": tracking,
            },
        )
        location = response.headers.get("Location", "")
        # eBay names a fulfilment with a tracking number after the tracking number.
        return location.rstrip("/").rsplit("/", 1)[-1] if location else tracking

    # HTTP

    def _order(self, platform_order_id: str) -> dict:
        path = f"{API}/order/{_order_id(platform_order_id)}"
        payload = self._json(self._request("GET", path), path)
        if not payload.get("orderId"):
            raise PlatformError(f"eBay answered {path} without an order.")
        return payload

    def _existing_fulfilment(self, order_path: str, tracking: str) -> str:
        path = f"{order_path}/shipping_fulfillment"
        listing = self._json(self._request("GET", path), path)
        for fulfilment in listing.get("fulfillments") or []:
            if (
                isinstance(fulfilment, dict)
                and str(fulfilment.get("shipmentTrackingNumber") or "") == tracking
            ):
                return str(fulfilment.get("fulfillmentId") or tracking)
        return ""

    def _post_token(self, url: str, form: dict, headers: dict) -> httpx.Response:
        return self._request("POST", url, data=form, headers=headers, token_call=True)

    def _request(
        self, method: str, target: str, *, token_call: bool = False, headers: dict | None = None, **kwargs
    ) -> httpx.Response:
        """One call, tried up to `attempts` times. `target` is an API path or (the token endpoint) a
        full URL. The token endpoint's own refusals (4xx) are returned for auth.py to read."""
        url = target if "://" in target else f"{self.base_url}{target}"
        path = urlsplit(url).path
        # Renewing a token twice is harmless, so the token call is tried again like a read.
        retryable = method in READS or token_call
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.attempts
            sent_headers = dict(headers or {})
            if not token_call:
                sent_headers["Authorization"] = f"Bearer {self.tokens.bearer()}"
            self.limiter.wait()
            started = time.monotonic()
            try:
                response = self._http.request(method, url, headers=sent_headers, **kwargs)
            except httpx.TransportError as error:
                self._log(method, path, type(error).__name__, started)
                # A request that never left (no connection) can always be tried again.
                if last or not (retryable or isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)):
                    raise PlatformError(self._transport_message(error, method, path)) from error
                time.sleep(self._delay(attempt))
                continue
            self._log(method, path, response.status_code, started)
            status = response.status_code
            if status < 300:
                return response
            if token_call and status < 500 and status != 429:
                return response
            if status == 401 and not token_call:
                if renewed:
                    raise PlatformError(
                        f"eBay refused Packline's access token even after renewing it (HTTP 401: "
                        f"{_error_text(response)}). Connect the eBay account again through eBay's "
                        "consent page.",
                        permanent=True,
                    )
                renewed = True
                attempt -= 1  # renewing is not a failed try
                self.tokens.forget()
                continue
            retry_after = _retry_after(response)
            if status == 429 or (status == 503 and retry_after is not None):
                wait = retry_after if retry_after is not None else self._delay(attempt)
                self.limiter.pause(wait)
                if last or wait > self.max_retry_after:
                    raise PlatformError(
                        f"eBay asks Packline to slow down (HTTP {status} on {method} {path}); "
                        f"trying again in {wait:g} s.",
                        retry_after=wait,
                    )
                continue  # the next limiter.wait() sits out the pause
            if status >= 500:
                if not retryable:
                    # It may have been made: the next push looks for it before creating another.
                    raise PlatformError(
                        f"eBay failed {method} {path} (HTTP {status}: {_error_text(response)}); the "
                        "change may or may not have been made."
                    )
                if last:
                    raise PlatformError(
                        f"eBay kept failing (HTTP {status} on {method} {path}, {self.attempts} tries): "
                        f"{_error_text(response)}"
                    )
                time.sleep(self._delay(attempt))
                continue
            raise self._refusal(method, path, response)

    def _delay(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1)

    def _log(self, method: str, path: str, status, started: float) -> None:
        # Never headers (the token), query strings or bodies (buyers' addresses).
        elapsed = (time.monotonic() - started) * 1000
        logger.info("ebay %s %s %s %s %d ms", self._host, method, path, status, elapsed)

    def _json(self, response: httpx.Response, path: str) -> dict:
        try:
            body = values.loads(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise PlatformError(f"eBay answered {path} with something that is not JSON ({kind}).") from None
        if not isinstance(body, dict):
            raise PlatformError(f"eBay answered {path} with {type(body).__name__}, not an object.")
        return body

    def _transport_message(self, error: httpx.TransportError, method: str, path: str) -> str:
        if isinstance(error, httpx.TimeoutException):
            what = f"did not answer {method} {path} within {self.read_timeout:g} s"
            if method not in READS:
                what += (
                    " (the change may or may not have been made; the next push looks for it before "
                    "creating another)"
                )
            return f"eBay at {self.base_url} {what}."
        return f"Packline could not reach eBay at {self.base_url} ({type(error).__name__})."

    def _refusal(self, method: str, path: str, response: httpx.Response) -> PlatformError:
        status, detail = response.status_code, _error_text(response)
        if 300 <= status < 400:
            # Not followed: a redirect would carry the token to another host.
            target = response.headers.get("Location", "another address")
            return PlatformError(
                f"eBay at {self.base_url} redirects {path} to {target} (HTTP {status}): check the "
                "connection's API base URL (https://api.ebay.com, or https://api.sandbox.ebay.com).",
                permanent=True,
            )
        if status == 403:
            return PlatformError(
                f"eBay refused {method} {path} (HTTP 403: {detail}): the seller's consent does not cover "
                "sell.fulfillment; connect the eBay account again through eBay's consent page.",
                permanent=True,
            )
        if status == 404 and method in READS and path.startswith(f"{API}/order/"):
            # eBay may not show an order it has just notified about yet; the framework asks again.
            return PlatformError(f"eBay does not show {path.removeprefix(API)} yet (HTTP 404: {detail}).")
        if status == 404:
            return PlatformError(
                f"eBay at {self.base_url} has no {path} (HTTP 404: {detail}): check the connection's API "
                "base URL.",
                permanent=True,
            )
        return PlatformError(f"eBay refused {method} {path} (HTTP {status}: {detail}).", permanent=True)


def _order_id(platform_order_id: str) -> str:
    order_id = str(platform_order_id or "").strip()
    if not order_id:
        raise PlatformError("An eBay order id is needed.", permanent=True)
    return quote(order_id, safe="")


def _tracking_number(value: str) -> str:
    """eBay takes letters and digits only: the spaces and hyphens of a printed label are dropped."""
    number = "".join(ch for ch in str(value or "") if ch not in " -\t")
    if not number or not number.isascii() or not number.isalnum():
        raise PlatformError(
            f"eBay accepts a tracking number of letters and digits only, not {value!r}.", permanent=True
        )
    return number


def _lines_to_ship(payload: dict, order_id: str) -> list[dict]:
    """Every line eBay does not already count as shipped, whole."""
    lines = [
        {"lineItemId": str(item.get("lineItemId")), "quantity": item.get("quantity")}
        for item in payload.get("lineItems") or []
        if isinstance(item, dict)
        and item.get("lineItemId")
        and str(item.get("lineItemFulfillmentStatus") or "").upper() != "FULFILLED"
    ]
    if not lines:
        raise PlatformError(
            f"eBay already counts every line of order {order_id} as shipped; nothing is left to push.",
            permanent=True,
        )
    return lines


def _offset(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    text = str(cursor)
    # eBay's own `next` href carries the offset among its parameters.
    value = httpx.URL(text).params.get("offset", "0") if "?" in text else text
    try:
        offset = int(value)
    except ValueError:
        offset = -1
    if offset < 0:
        raise PlatformError(f"{cursor!r} is not an eBay page offset.", permanent=True)
    return offset


def _next_offset(listing: dict, offset: int, count: int) -> str | None:
    """The next page's offset: from eBay's `next` href, else from `total`; None on the last page."""
    if not count:
        return None
    following = listing.get("next")
    if isinstance(following, str) and following:
        try:
            return str(_offset(following))
        except PlatformError:
            pass
    total = listing.get("total")
    if isinstance(total, int) and offset + count < total:
        return str(offset + count)
    return None


def _ebay_time(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _error_text(response: httpx.Response) -> str:
    """eBay's errors are {"errors": [{"errorId", "message", "longMessage", ...}]}; anything else is cut
    short."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        texts = []
        for error in errors[:3]:
            if isinstance(error, dict):
                code = f"{error['errorId']}: " if error.get("errorId") else ""
                texts.append(f"{code}{error.get('longMessage') or error.get('message') or ''}".strip())
        if texts:
            return "; ".join(texts)[:300]
    return response.reason_phrase or "no details"


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
