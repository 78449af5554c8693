"""Shopify's GraphQL Admin API for one shop: the few queries Packline needs, over httpx, paced by the
connection's shared limiter, with bounded retries on 5xx, 429 and THROTTLED."""

import logging
import time
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import httpx

from channels.marketplaces.base import (
    Access,
    Limiter,
    OrdersPage,
    PlatformError,
    PlatformOrder,
    TrackingPush,
)
from channels.marketplaces.shopify import fulfilment, mapping
from channels.marketplaces.shopify.queries import ORDER_QUERY, ORDERS_UPDATED_QUERY, SHOP_QUERY

API_VERSION = "2026-10"
MAX_ATTEMPTS = 5
PAGE_SIZE = 50
# Longest we ever ask the limiter to hold everyone back on one answer, whatever Shopify says.
LONGEST_PAUSE = 120.0

logger = logging.getLogger(__name__)


class ShopifyClient:
    """One shop's Admin API. `connect_timeout`/`read_timeout` in seconds; `backoff` is the first pause
    after a 5xx (doubling each time); `transport` lets a test hand httpx a mock transport."""

    def __init__(
        self,
        access: Access,
        limiter: Limiter,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = 1.0,
        page_size: int = PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
    ):
        base = (access.api_base_url or access.shop_url or "").strip().rstrip("/")
        if base and "://" not in base:
            base = f"https://{base}"
        self.endpoint = f"{base}/admin/api/{API_VERSION}/graphql.json" if base else ""
        self.limiter = limiter
        self.read_timeout = read_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.page_size = page_size
        self._token = (access.credentials or {}).get("access_token", "").strip()
        self._path = urlsplit(self.endpoint).path
        self._http = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # What the framework asks (base.PlatformClient).

    def check(self) -> str:
        shop = self._field(self._post("PacklineShop", SHOP_QUERY, {}), "shop")
        return str(shop.get("name") or "")

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrdersPage:
        if since.tzinfo is None:
            raise ValueError("orders_updated_since needs an aware datetime.")
        # Shopify's search compares whole seconds: flooring never leaves a change out.
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        variables = {"first": self.page_size, "after": cursor, "query": f"updated_at:>='{stamp}'"}
        listing = self._field(self._post("PacklineOrdersUpdated", ORDERS_UPDATED_QUERY, variables), "orders")
        orders = []
        for listed in listing.get("nodes") or []:
            node = self._order_node(str(listed.get("legacyResourceId", "")))
            if node is None:  # deleted between the listing and the read
                logger.info("shopify order %s vanished while paging", listed.get("legacyResourceId"))
                continue
            orders.append(mapping.order_from_graphql(node))
        page_info = listing.get("pageInfo") or {}
        next_cursor = page_info.get("endCursor") if page_info.get("hasNextPage") else None
        return OrdersPage(orders=orders, next_cursor=next_cursor or None)

    def order(self, platform_order_id: str) -> PlatformOrder:
        node = self._order_node(platform_order_id)
        if node is None:
            raise PlatformError(
                f"Shopify has no order {platform_order_id}: it was deleted, or is older than the app may read.",
                permanent=True,
            )
        return mapping.order_from_graphql(node)

    def push_tracking(self, push: TrackingPush) -> str:
        """Creates one fulfillment with the tracking; its numeric id. A push whose tracking number is
        already on the order answers that fulfillment's id, so retrying a push never ships twice."""
        gid = _order_gid(push.platform_order_id)
        data = self._post("PacklineFulfillmentOrders", fulfilment.FULFILLMENT_ORDERS_QUERY, {"id": gid})
        order = data.get("order")
        if not order:
            raise PlatformError(f"Shopify has no order {push.platform_order_id}.", permanent=True)
        existing = fulfilment.existing_fulfillment(order, push.tracking_number)
        if existing:
            logger.info("shopify fulfillment %s already carries this tracking number", existing)
            return existing
        fulfillment = fulfilment.fulfillment_input(order, push)
        data = self._post(
            "PacklineFulfillmentCreate",
            fulfilment.FULFILLMENT_CREATE,
            {"fulfillment": fulfillment},
            mutation=True,
        )
        created = self._field(data, "fulfillmentCreate")
        # userErrors are Shopify checking the input against the order (nothing left, wrong quantity):
        # the same input is refused again, so trying again cannot help.
        if created.get("userErrors"):
            raise PlatformError(
                f"Shopify refused the fulfilment of order {push.platform_order_id}: "
                f"{fulfilment.user_errors_text(created['userErrors'])}",
                permanent=True,
            )
        fulfillment_id = mapping.numeric_id((created.get("fulfillment") or {}).get("id"))
        if not fulfillment_id:
            raise PlatformError(f"Shopify created no fulfillment for order {push.platform_order_id}.")
        return fulfillment_id

    # The calls.

    def _order_node(self, platform_order_id: str) -> dict | None:
        data = self._post("PacklineOrder", ORDER_QUERY, {"id": _order_gid(platform_order_id)})
        return data.get("order") or None

    def _post(self, operation: str, query: str, variables: dict, *, mutation: bool = False) -> dict:
        """The `data` of one GraphQL call, tried up to max_attempts times. A mutation is tried again
        only when Shopify certainly did not run it (429, THROTTLED, no connection)."""
        if not self.endpoint:
            raise PlatformError("The Shopify connection has no shop address.", permanent=True)
        if not self._token:
            raise PlatformError("The Shopify connection has no access token.", permanent=True)
        body = {"query": query, "variables": variables, "operationName": operation}
        headers = {"X-Shopify-Access-Token": self._token}
        failure = None
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.wait()
            started = time.monotonic()
            try:
                response = self._http.post(self.endpoint, json=body, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                self._log(operation, "no connection", started, attempt)
                failure = PlatformError(
                    f"Could not reach Shopify at {urlsplit(self.endpoint).hostname}: {error}"
                )
                self._back_off(attempt)
                continue
            except httpx.TimeoutException as error:
                self._log(operation, "timeout", started, attempt)
                raise PlatformError(
                    f"Shopify did not answer {operation} within {self.read_timeout:g} s; trying again later may help."
                ) from error
            except httpx.HTTPError as error:
                self._log(operation, "failed", started, attempt)
                raise PlatformError(f"Calling Shopify failed: {error}") from error
            self._log(operation, response.status_code, started, attempt)

            status = response.status_code
            if status in (401, 403):
                raise PlatformError(
                    f"Shopify refused the access token: {_error_text(response) or status}. "
                    "Check that the app is still installed and its token has the read_orders and "
                    "write_merchant_managed_fulfillment_orders scopes, or paste a new token.",
                    permanent=True,
                )
            if status == 429:
                seconds = _retry_after(response) or _throttle_wait(_json(response)) or max(self.backoff, 1.0)
                self.limiter.pause(seconds)
                failure = PlatformError(
                    f"Shopify is rate-limiting this shop (429 on {operation}).", retry_after=seconds
                )
                continue
            if status >= 500:
                failure = PlatformError(f"Shopify answered {status} to {operation}.")
                if mutation:  # it may have been applied: the next push looks before it creates
                    raise failure
                self._back_off(attempt)
                continue
            if status == 402:
                raise PlatformError(
                    "Shopify says the shop is frozen (402): its Shopify bill is unpaid.", permanent=True
                )
            if status == 423:
                raise PlatformError("Shopify says the shop is locked (423).", permanent=True)
            if status == 404:
                raise PlatformError(
                    f"Shopify has no shop at {urlsplit(self.endpoint).hostname} (404); check the shop address.",
                    permanent=True,
                )
            if 300 <= status < 400:
                raise PlatformError(
                    f"Shopify sent {operation} elsewhere ({status} to {response.headers.get('Location', '?')}); "
                    "check the shop address (it must be the shop's myshopify.com address).",
                    permanent=True,
                )
            if not 200 <= status < 300:
                raise PlatformError(
                    f"Shopify refused {operation} ({status}): {_error_text(response)}", permanent=True
                )

            payload = _json(response)
            if payload is None:
                failure = PlatformError(f"Shopify answered {operation} with something that is not JSON.")
                if mutation:
                    raise failure
                self._back_off(attempt)
                continue
            errors = payload.get("errors")
            if errors:
                codes = _error_codes(errors)
                if "THROTTLED" in codes:
                    seconds = _throttle_wait(payload) or max(self.backoff, 1.0)
                    self.limiter.pause(seconds)
                    failure = PlatformError(f"Shopify throttled {operation}.", retry_after=seconds)
                    continue
                if "INTERNAL_SERVER_ERROR" in codes and not mutation:
                    failure = PlatformError(f"Shopify failed {operation}: {_errors_text(errors)}")
                    self._back_off(attempt)
                    continue
                if "ACCESS_DENIED" in codes:
                    raise PlatformError(
                        f"Shopify refused the access token: {_errors_text(errors)}. Grant the app the "
                        "read_orders and write_merchant_managed_fulfillment_orders scopes.",
                        permanent=True,
                    )
                raise PlatformError(f"Shopify refused {operation}: {_errors_text(errors)}", permanent=True)
            data = payload.get("data")
            if not isinstance(data, dict):
                raise PlatformError(f"Shopify answered {operation} without data.")
            return data
        raise PlatformError(
            f"Shopify still failed after {_attempts(self.max_attempts)}: {failure}",
            retry_after=getattr(failure, "retry_after", None),
        )

    def _field(self, data: dict, name: str) -> dict:
        value = data.get(name)
        if not isinstance(value, dict):
            raise PlatformError(f"Shopify's answer has no {name}.")
        return value

    def _back_off(self, attempt: int) -> None:
        if attempt < self.max_attempts:
            time.sleep(min(self.backoff * 2 ** (attempt - 1), 30.0))

    def _log(self, operation: str, status, started: float, attempt: int) -> None:
        # Never headers (the token), never bodies (buyers' addresses).
        logger.info(
            "shopify POST %s %s -> %s in %d ms (attempt %d)",
            self._path,
            operation,
            status,
            (time.monotonic() - started) * 1000,
            attempt,
        )


def _order_gid(platform_order_id: str) -> str:
    order_id = mapping.numeric_id(platform_order_id)
    if not order_id:
        raise PlatformError(f"{platform_order_id!r} is not a Shopify order id.", permanent=True)
    return f"gid://shopify/Order/{order_id}"


def _json(response: httpx.Response) -> dict | None:
    try:
        payload = response.json(parse_float=Decimal)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return min(seconds, LONGEST_PAUSE) if seconds > 0 else None


def _throttle_wait(payload: dict | None) -> float | None:
    """Seconds until the shop's bucket holds what the query asked for: (requested - available) / restore."""
    cost = ((payload or {}).get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(status["currentlyAvailable"])
        restore_rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if restore_rate <= 0:
        return None
    return min(max((requested - available) / restore_rate, 1 / restore_rate), LONGEST_PAUSE)


def _error_codes(errors) -> set[str]:
    if not isinstance(errors, list):
        return set()
    return {
        str(((error or {}).get("extensions") or {}).get("code", "")).upper()
        for error in errors
        if isinstance(error, dict)
    }


def _errors_text(errors) -> str:
    if isinstance(errors, list):
        text = "; ".join(
            str(error.get("message", error)) if isinstance(error, dict) else str(error) for error in errors
        )
    else:
        text = str(errors)
    return text[:300]


def _error_text(response: httpx.Response) -> str:
    payload = _json(response)
    if payload and payload.get("errors"):
        return _errors_text(payload["errors"])
    return response.reason_phrase or ""


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"
