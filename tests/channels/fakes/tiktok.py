"""FakeTikTokShop: a local stand-in for one shop's TikTok Shop Open API (202309) and its auth host, over
real HTTP.

    with FakeTikTokShop(shop_name="Packline Homeware UK") as shop:
        shop.add_order({"id": "576486316948490001", "status": "AWAITING_SHIPMENT", "update_time": ..., ...})
        client = TikTokShopClient(shop.access(), limiter, on_credentials_renewed=renewed.append)
        ...
        assert shop.pushes == [{"order_id": "576486316948490001", "tracking_number": "JD014600006281230", ...}]

It listens on 127.0.0.1 on a free port (`shop.url`, no trailing slash) in a background thread; the
auth host is the same address (`credentials["auth_base_url"]`). It answers what the documented API
answers for the endpoints Packline uses, in TikTok's envelope {"code", "message", "request_id", "data"}:

    GET  /open/authorize?service_id&state                          the seller's consent page
                                                                   (services.tiktokshop.com's): the
                                                                   seller consents at once and is sent
                                                                   (302) to `redirect_url` with
                                                                   ?code=&state= (and app_key, locale,
                                                                   shop_region); after decline_next()
                                                                   with ?state=&error=access_denied (the
                                                                   fake's choice of words)
    GET  /api/v2/token/refresh?app_key&app_secret&refresh_token&grant_type=refresh_token
    GET  /api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code
    GET  /authorization/202309/shops                               the shops the app may reach
    POST /order/202309/orders/search?page_size&page_token&sort_field&sort_order
         body {update_time_ge, update_time_lt, create_time_ge, create_time_lt, order_status}
    GET  /order/202309/orders?ids=a,b                              orders it has (up to 50 ids)
    GET  /logistics/202309/delivery_options/{id}/shipping_providers
    POST /fulfillment/202309/orders/{order_id}/packages            Mark Package As Shipped
    POST /return_refund/202309/cancellations/search                body {order_ids, cancel_ids, cancel_status}
    POST /return_refund/202309/cancellations/{cancel_id}/approve?idempotency_key
    POST /return_refund/202309/cancellations/{cancel_id}/reject?idempotency_key  body {reject_reason, comment}

Every Open API request is checked as TikTok Shop checks it, with the documented algorithm written out
here (not imported from the adapter): app_key, a timestamp within 5 minutes, `sign` (HMAC-SHA256 with
the app secret over secret + path + sorted params except sign and access_token + body + secret),
the x-tts-access-token header (unknown: 105001, expired: 105002), and shop_cipher on shop-scoped
paths. A bad sign answers HTTP 401 code 106001 "Invalid credentials. The 'sign' query parameter is
invalid." as TikTok Shop does. Codes marked "fake" below are this fake's own choice where the
documentation at hand gives none; the client goes by the HTTP status for those.

Knobs and records (all thread-safe):

    add_order(payload) -> dict      stores a copy (id, create_time, update_time filled in when missing)
    hide_order_once(order_id)       the next order-detail read leaves the order out (not yet visible)
    add_cancellation(order_id, ...) a buyer's cancellation request (pending); the order is flagged
    add_auth_code(code)             an authorisation code token/get accepts once
    redirect_url, service_id        where /open/authorize sends the seller back; the app's service id
    decline_next()                  the next consent is declined
    expire_tokens()                 every access token issued so far is expired from now on
    expire_tokens_after(requests)   the Open API answers `requests` more calls, then every access token
                                    issued so far expires (a week runs out between two pages of a poll)
    max_page_size = N               orders/search answers at most N orders a page whatever page_size
                                    was asked, so a test pages with a few orders
    revoke()                        the seller withdrew consent: refreshes are refused, tokens invalid
    fail_next(status, times=1, retry_after=None, code=None, path=None, message=None, after=0)
                                    the next `times` requests (to `path` only, when given) answer
                                    `status` (and `code`, `message`), with Retry-After when given;
                                    `after` lets that many matching requests through first
    slow_next(seconds, times=1, path=None)
                                    the next `times` requests wait `seconds` before answering
    requests                        every request: RecordedRequest(method, path, query, body, status, code)
    pushes                          every accepted Mark Package As Shipped body, with the order id
    decisions                       every cancellation decision: {"cancel_id", "decision", "reject_reason", "comment"}
    refreshes                       how many token refreshes were answered with a new token
    orders, cancellations           what the fake holds, by id
    credentials, access(...)        what a connection to this fake holds
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from channels.marketplaces.base import Access
from tests.channels.fakes.host import FakeHost

VERSION = "202309"
TIMESTAMP_TOLERANCE = 300  # seconds either side of the fake's clock

# (HTTP status, code, message)
SIGN_INVALID = (401, 106001, "Invalid credentials. The 'sign' query parameter is invalid.")
APP_KEY_INVALID = (401, 106001, "Invalid credentials. The 'app_key' query parameter is invalid.")
TIMESTAMP_INVALID = (401, 106001, "Invalid credentials. The 'timestamp' is out of range.")
TOKEN_INVALID = (401, 105001, "Invalid credentials. The access token is invalid.")
TOKEN_EXPIRED = (401, 105002, "Expired credentials. The access token has expired.")
CIPHER_INVALID = (400, 106011, "The shop_cipher is invalid or missing.")  # fake
PATH_INVALID = (404, 36009009, "Invalid path.")
PARAM_INVALID = (400, 36009004, "Invalid parameter.")
REFRESH_REFUSED = (200, 36004004, "The refresh token is invalid or expired.")  # fake
AUTH_CODE_INVALID = (200, 36004003, "The auth code is invalid or expired.")  # fake
FAILURES = {  # fake codes for injected failures; the client goes by the HTTP status
    429: (10429, "Too many requests. Please try again later."),
    500: (10500, "Internal server error."),
    502: (10502, "Bad gateway."),
    503: (10503, "Service unavailable."),
}
DEFAULT_PROVIDERS = (
    {"id": "6617675021119438849", "name": "Royal Mail"},
    {"id": "6617675021119438850", "name": "DPD"},
    {"id": "6617675021119438851", "name": "Evri"},
    {"id": "6617675021119438852", "name": "DHL eCommerce"},
    {"id": "6617675021119438853", "name": "UPS"},
    {"id": "6617675021119438854", "name": "UPS SurePost"},
)
SHIPPED = frozenset({"PROCESSING", "FULFILLING", "COMPLETED"})


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: object = None  # the parsed JSON body, when there was one
    token: str = ""  # the x-tts-access-token header
    status: int = 0
    code: int | None = None


@dataclass
class _Knob:
    status: int = 0
    seconds: float = 0.0
    retry_after: float | None = None
    code: int | None = None
    message: str | None = None
    times: int = 0
    path: str | None = None
    after: int = 0  # matching requests let through before this knob applies


@dataclass
class _State:
    orders: dict[str, dict] = field(default_factory=dict)
    cancellations: dict[str, dict] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    pushes: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires (epoch)
    refresh_tokens: set[str] = field(default_factory=set)
    auth_codes: set[str] = field(default_factory=set)
    idempotency: dict[str, dict] = field(default_factory=dict)
    refreshes: int = 0


class FakeTikTokShop(FakeHost):
    def __init__(
        self,
        *,
        app_key: str = "6a6fake0app0key",
        app_secret: str = "fake0app0secret0e59af819cc",
        shop_cipher: str = "ROW_fakeShopCipher0001",
        shop_name: str = "Packline Homeware UK",
        token_lifetime: float = 7 * 24 * 3600,
        shipping_providers: tuple[dict, ...] = DEFAULT_PROVIDERS,
    ):
        super().__init__()
        self.app_key, self.app_secret, self.shop_cipher, self.shop_name = (
            app_key,
            app_secret,
            shop_cipher,
            shop_name,
        )
        self.token_lifetime = token_lifetime
        self.shipping_providers = [dict(p) for p in shipping_providers]
        self.revoked = False
        self.max_page_size: int | None = None
        self._expire_countdown: int | None = None
        self.service_id = "7310000000000000001"
        self.redirect_url = ""
        self._decline = False
        self._lock = threading.Lock()
        self._state = _State()
        self._failures: list[_Knob] = []
        self._slowness: list[_Knob] = []
        self._serial = 0
        self.access_token, self.refresh_token = self._issue()

    # Lifecycle

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"shop": self})

    @property
    def credentials(self) -> dict[str, str]:
        """A connection's credentials as first authorised (the current tokens, their expiry)."""
        with self._lock:
            expires = self._state.access_tokens.get(self.access_token, 0)
            return {
                "app_key": self.app_key,
                "app_secret": self.app_secret,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "shop_cipher": self.shop_cipher,
                "auth_base_url": self.url,
                "access_token_expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
            }

    def access(self, **credentials) -> Access:
        return Access(
            shop_url="https://seller-uk.tiktok.com",
            api_base_url=self.url,
            credentials={**self.credentials, **credentials},
        )

    # Knobs

    def add_order(self, payload: dict) -> dict:
        order = json.loads(json.dumps(payload, default=str))  # a copy, as TikTok would store it
        with self._lock:
            now = int(time.time())
            order.setdefault("id", str(576_486_316_948_490_000 + len(self._state.orders) + 1))
            order["id"] = str(order["id"])
            order.setdefault("status", "AWAITING_SHIPMENT")
            order.setdefault("create_time", now)
            order.setdefault("update_time", order["create_time"])
            order.setdefault("line_items", [])
            self._state.orders[order["id"]] = order
            return order

    def hide_order_once(self, order_id: str) -> None:
        with self._lock:
            self._state.hidden[str(order_id)] = self._state.hidden.get(str(order_id), 0) + 1

    def add_cancellation(
        self,
        order_id: str,
        *,
        cancel_id: str | None = None,
        reason: str = "No longer needed",
        role: str = "BUYER",
    ) -> dict:
        with self._lock:
            order = self._state.orders[str(order_id)]
            cancel_id = cancel_id or str(4_035_113_220_000_000 + len(self._state.cancellations) + 1)
            cancellation = {
                "cancel_id": cancel_id,
                "order_id": order["id"],
                "cancel_status": "CANCELLATION_REQUEST_PENDING",
                "cancel_type": "BUYER_CANCEL",
                "cancel_reason": reason,
                "cancel_reason_text": reason,
                "role": role,
                "create_time": int(time.time()),
                "update_time": int(time.time()),
                "cancel_line_items": [
                    {
                        "order_line_item_id": u.get("id"),
                        "sku_id": u.get("sku_id"),
                        "seller_sku": u.get("seller_sku"),
                    }
                    for u in order.get("line_items") or []
                ],
                "refund_amount": {
                    "currency": (order.get("payment") or {}).get("currency", "GBP"),
                    "refund_total": (order.get("payment") or {}).get("total_amount", "0"),
                },
            }
            self._state.cancellations[cancel_id] = cancellation
            order["is_buyer_request_cancel"] = True
            order["update_time"] = int(time.time())
            return cancellation

    def add_auth_code(self, code: str) -> None:
        with self._lock:
            self._state.auth_codes.add(code)

    def decline_next(self) -> None:
        with self._lock:
            self._decline = True

    def expire_tokens(self) -> None:
        with self._lock:
            now = time.time()
            for token in self._state.access_tokens:
                self._state.access_tokens[token] = min(self._state.access_tokens[token], now - 1)

    def expire_tokens_after(self, requests: int) -> None:
        with self._lock:
            self._expire_countdown = requests

    def revoke(self) -> None:
        with self._lock:
            self.revoked = True
            self._state.access_tokens.clear()
            self._state.refresh_tokens.clear()

    def fail_next(
        self,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        code: int | None = None,
        path: str | None = None,
        message: str | None = None,
        after: int = 0,
    ) -> None:
        with self._lock:
            self._failures.append(
                _Knob(
                    status=status,
                    retry_after=retry_after,
                    code=code,
                    message=message,
                    times=times,
                    path=path,
                    after=after,
                )
            )

    def slow_next(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        with self._lock:
            self._slowness.append(_Knob(seconds=seconds, times=times, path=path))

    # Records

    @property
    def orders(self) -> dict[str, dict]:
        return self._state.orders

    @property
    def cancellations(self) -> dict[str, dict]:
        return self._state.cancellations

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.requests

    @property
    def pushes(self) -> list[dict]:
        return self._state.pushes

    @property
    def decisions(self) -> list[dict]:
        return self._state.decisions

    @property
    def refreshes(self) -> int:
        return self._state.refreshes

    def api_requests(self) -> list[RecordedRequest]:
        """The Open API requests, without the token calls."""
        return [r for r in self._state.requests if not r.path.startswith("/api/v2/token/")]

    # The checks TikTok Shop makes

    def expected_sign(self, path: str, query: dict[str, str], body: bytes, content_type: str = "") -> str:
        """TikTok Shop's documented request signature, written out independently of the adapter."""
        pairs = [key + query[key] for key in sorted(query) if key not in ("sign", "access_token")]
        signed = path + "".join(pairs)
        raw = signed.encode("utf-8")
        if not content_type.startswith("multipart/form-data"):
            raw += body
        secret = self.app_secret.encode("utf-8")
        return hmac.new(secret, secret + raw + secret, hashlib.sha256).hexdigest()

    def _issue(self) -> tuple[str, str]:
        self._serial += 1
        access, refresh = f"TTP_access_{self._serial:04d}", f"TTP_refresh_{self._serial:04d}"
        self._state.access_tokens[access] = time.time() + self.token_lifetime
        self._state.refresh_tokens.add(refresh)
        return access, refresh

    def _take(self, knobs: list[_Knob], path: str) -> _Knob | None:
        with self._lock:
            knob = next((k for k in knobs if k.path in (None, path)), None)
            if knob is None:
                return None
            if knob.after > 0:
                knob.after -= 1
                return None
            knob.times -= 1
            if knob.times <= 0:
                knobs.remove(knob)
            return knob

    def _authorize(self, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Where the consent page sends the seller: the redirect URL with the answer, or "" for a bad
        request."""
        with self._lock:
            if query.get("service_id") != self.service_id or not self.redirect_url:
                return "", {}
            if self._decline:
                self._decline = False
                return self.redirect_url, {"state": query.get("state", ""), "error": "access_denied"}
            self._serial += 1
            code = f"TTP_code_{self._serial:04d}"
            self._state.auth_codes.add(code)
            answer = {"app_key": self.app_key, "code": code, "locale": "en-GB", "shop_region": "GB"}
            return self.redirect_url, {**answer, "state": query.get("state", "")}

    def _answer(
        self, request: RecordedRequest, raw: bytes, content_type: str
    ) -> tuple[int, int, str, object]:
        if request.path.startswith("/api/v2/token/"):
            return self._token_call(request)
        refused = self._refusal(request, raw, content_type)
        if refused:
            return (*refused, None)
        parts = request.path.strip("/").split("/")
        if len(parts) < 3 or parts[1] != VERSION:
            return (*PATH_INVALID, None)
        route = (request.method, parts[0], *parts[2:])
        body = request.body if isinstance(request.body, dict) else {}
        with self._lock:
            match route:
                case ("GET", "authorization", "shops"):
                    return self._ok(self._shops())
                case ("POST", "order", "orders", "search"):
                    return self._orders_search(request.query, body)
                case ("GET", "order", "orders"):
                    return self._orders_detail(request.query)
                case ("GET", "logistics", "delivery_options", _, "shipping_providers"):
                    return self._ok({"shipping_providers": self.shipping_providers})
                case ("POST", "fulfillment", "orders", order_id, "packages"):
                    return self._mark_shipped(order_id, body)
                case ("POST", "return_refund", "cancellations", "search"):
                    return self._cancellations_search(request.query, body)
                case (
                    "POST",
                    "return_refund",
                    "cancellations",
                    cancel_id,
                    ("approve" | "reject") as decision,
                ):
                    return self._decide(cancel_id, decision, request.query, body)
        return (*PATH_INVALID, None)

    def _refusal(
        self, request: RecordedRequest, raw: bytes, content_type: str
    ) -> tuple[int, int, str] | None:
        query = request.query
        if query.get("app_key") != self.app_key:
            return APP_KEY_INVALID
        try:
            stamp = int(query.get("timestamp", ""))
        except ValueError:
            return TIMESTAMP_INVALID
        if abs(time.time() - stamp) > TIMESTAMP_TOLERANCE:
            return TIMESTAMP_INVALID
        given = query.get("sign", "")
        if not hmac.compare_digest(given, self.expected_sign(request.path, query, raw, content_type)):
            return SIGN_INVALID
        with self._lock:
            expires = self._state.access_tokens.get(request.token)
        if expires is None:
            return TOKEN_INVALID
        if expires <= time.time():
            return TOKEN_EXPIRED
        with self._lock:
            if self._expire_countdown is not None:
                self._expire_countdown -= 1
                if self._expire_countdown <= 0:  # this call is answered; the next one finds it expired
                    self._expire_countdown = None
                    for token in self._state.access_tokens:
                        self._state.access_tokens[token] = min(
                            self._state.access_tokens[token], time.time() - 1
                        )
        shop_scoped = not request.path.startswith(("/authorization/", "/seller/"))
        if shop_scoped and query.get("shop_cipher") != self.shop_cipher:
            return CIPHER_INVALID
        return None

    def _token_call(self, request: RecordedRequest) -> tuple[int, int, str, object]:
        query = request.query
        if (
            request.method != "GET"
            or query.get("app_key") != self.app_key
            or query.get("app_secret") != self.app_secret
        ):
            return 200, 36004005, "The app key or secret is invalid.", None  # fake code
        with self._lock:
            if request.path == "/api/v2/token/refresh" and query.get("grant_type") == "refresh_token":
                if self.revoked or query.get("refresh_token") not in self._state.refresh_tokens:
                    return (*REFRESH_REFUSED, None)
                self._state.refresh_tokens.discard(query["refresh_token"])
            elif request.path == "/api/v2/token/get" and query.get("grant_type") == "authorized_code":
                if query.get("auth_code") not in self._state.auth_codes:
                    return (*AUTH_CODE_INVALID, None)
                self._state.auth_codes.discard(query["auth_code"])
                self.revoked = False
            else:
                return (*PATH_INVALID, None)
            self.access_token, self.refresh_token = self._issue()
            self._state.refreshes += request.path.endswith("/refresh")
            now = int(time.time())
            return self._ok(
                {
                    "access_token": self.access_token,
                    "access_token_expire_in": int(self._state.access_tokens[self.access_token]),
                    "refresh_token": self.refresh_token,
                    "refresh_token_expire_in": now + 365 * 24 * 3600,
                    "open_id": "hWaeegAAAABqXniBPelkeRAmTmxju9EITT7YTUXSfP8mjfsVIU4Exg",
                    "seller_name": self.shop_name,
                    "seller_base_region": "GB",
                    "user_type": 0,
                    "granted_scopes": [
                        "seller.order.info",
                        "seller.fulfillment.basic",
                        "seller.return_refund.basic",
                    ],
                }
            )

    # The endpoints (called with the lock held)

    @staticmethod
    def _ok(data) -> tuple[int, int, str, object]:
        return 200, 0, "Success", data

    def _shops(self) -> dict:
        return {
            "shops": [
                {
                    "id": "7494049642642441621",
                    "name": self.shop_name,
                    "region": "GB",
                    "seller_type": "LOCAL",
                    "cipher": self.shop_cipher,
                    "code": "GBLCTXQHN6",
                }
            ]
        }

    def _orders_search(self, query: dict[str, str], body: dict) -> tuple[int, int, str, object]:
        try:
            page_size = int(query.get("page_size", ""))
            offset = (
                int(base64.urlsafe_b64decode(query["page_token"]).decode()) if query.get("page_token") else 0
            )
        except (ValueError, UnicodeDecodeError):
            return (*PARAM_INVALID, None)
        if not 1 <= page_size <= 100:
            return (*PARAM_INVALID, None)
        page_size = min(page_size, self.max_page_size or page_size)
        field_name = query.get("sort_field", "create_time")
        if field_name not in ("create_time", "update_time"):
            return (*PARAM_INVALID, None)
        orders = list(self._state.orders.values())
        for key, keep in (
            ("update_time_ge", lambda order, v: _moment(order, "update_time", v) >= v),
            ("update_time_lt", lambda order, v: _moment(order, "update_time", v) < v + 1),
            ("create_time_ge", lambda order, v: _moment(order, "create_time", v) >= v),
            ("create_time_lt", lambda order, v: _moment(order, "create_time", v) < v + 1),
            ("order_status", lambda order, v: order["status"] == v),
        ):
            if key in body:
                orders = [order for order in orders if keep(order, body[key])]
        orders.sort(
            key=lambda order: (_moment(order, field_name, 0), order["id"]),
            reverse=query.get("sort_order", "DESC") == "DESC",
        )
        chosen = orders[offset : offset + page_size]
        more = offset + page_size < len(orders)
        token = base64.urlsafe_b64encode(str(offset + page_size).encode()).decode() if more else ""
        return self._ok({"orders": chosen, "next_page_token": token, "total_count": len(orders)})

    def _orders_detail(self, query: dict[str, str]) -> tuple[int, int, str, object]:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 50:
            return (*PARAM_INVALID, None)
        found = []
        for order_id in ids:
            if self._state.hidden.get(order_id):
                self._state.hidden[order_id] -= 1
                continue
            if order_id in self._state.orders:
                found.append(self._state.orders[order_id])
        return self._ok({"orders": found})

    def _mark_shipped(self, order_id: str, body: dict) -> tuple[int, int, str, object]:
        order = self._state.orders.get(order_id)
        if order is None:
            return 400, 21011001, "The order does not exist.", None  # fake code
        provider = next(
            (p for p in self.shipping_providers if p["id"] == body.get("shipping_provider_id")), None
        )
        if not str(body.get("tracking_number") or "").strip() or provider is None:
            return (*PARAM_INVALID, None)
        if order.get("shipping_type") != "SELLER" or order.get("status") not in (
            "AWAITING_SHIPMENT",
            "PARTIALLY_SHIPPING",
        ):
            return (
                400,
                21011002,
                "The order cannot be shipped by the seller in its current status.",
                None,
            )  # fake
        units = {str(u.get("id")): u for u in order.get("line_items") or []}
        wanted = [str(i) for i in body.get("order_line_item_ids") or []] or [
            i
            for i, u in units.items()
            if u.get("display_status") != "CANCELLED" and not u.get("tracking_number")
        ]
        for unit_id in wanted:
            unit = units.get(unit_id)
            if unit is None or unit.get("tracking_number") or unit.get("display_status") == "CANCELLED":
                return 400, 21011003, f"Line item {unit_id} cannot be shipped.", None  # fake code
        package_id = str(1_153_132_168_123_859_000 + len(self._state.pushes) + 1)
        for unit_id in wanted:
            units[unit_id].update(
                tracking_number=body["tracking_number"],
                package_id=package_id,
                package_status="PROCESSING",
                shipping_provider_id=provider["id"],
                shipping_provider_name=provider["name"],
                display_status="IN_TRANSIT",
            )
        live = [u for u in units.values() if u.get("display_status") != "CANCELLED"]
        order["status"] = (
            "IN_TRANSIT" if all(u.get("tracking_number") for u in live) else "PARTIALLY_SHIPPING"
        )
        order["update_time"] = max(int(time.time()), order["update_time"] + 1)
        order["tracking_number"] = body["tracking_number"]
        order["shipping_provider"], order["shipping_provider_id"] = provider["name"], provider["id"]
        order.setdefault("packages", []).append({"id": package_id})
        self._state.pushes.append({"order_id": order_id, **body})
        return self._ok({"order_id": order_id, "order_line_item_ids": wanted, "package_id": package_id})

    def _cancellations_search(self, query: dict[str, str], body: dict) -> tuple[int, int, str, object]:
        found = list(self._state.cancellations.values())
        for key, field_name in (
            ("order_ids", "order_id"),
            ("cancel_ids", "cancel_id"),
            ("cancel_status", "cancel_status"),
        ):
            if body.get(key):
                found = [c for c in found if c[field_name] in body[key]]
        return self._ok({"cancellations": found, "next_page_token": "", "total_count": len(found)})

    def _decide(
        self, cancel_id: str, decision: str, query: dict[str, str], body: dict
    ) -> tuple[int, int, str, object]:
        key = query.get("idempotency_key")
        if key and key in self._state.idempotency:
            return self._ok(self._state.idempotency[key])  # the same request again: applied once
        cancellation = self._state.cancellations.get(cancel_id)
        if cancellation is None:
            return 400, 25016001, "The cancellation does not exist.", None  # fake code
        if cancellation["cancel_status"] != "CANCELLATION_REQUEST_PENDING":
            return 400, 25016002, "The cancellation request is not pending.", None  # fake code
        if decision == "reject" and not str(body.get("reject_reason") or "").strip():
            return (*PARAM_INVALID, None)
        order = self._state.orders[cancellation["order_id"]]
        now = int(time.time())
        if decision == "approve":
            cancellation["cancel_status"] = "CANCELLATION_REQUEST_SUCCESS"
            order.update(status="CANCELLED", cancel_time=now, cancellation_initiator="BUYER")
        else:
            cancellation["cancel_status"] = "CANCELLATION_REQUEST_CANCEL"
        order.update(is_buyer_request_cancel=False, update_time=max(now, order["update_time"] + 1))
        cancellation["update_time"] = now
        self._state.decisions.append(
            {
                "cancel_id": cancel_id,
                "decision": decision,
                "reject_reason": body.get("reject_reason", ""),
                "comment": body.get("comment", ""),
            }
        )
        if key:
            self._state.idempotency[key] = {}
        return self._ok({})


class _Handler(BaseHTTPRequestHandler):
    shop: FakeTikTokShop
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK wait per answer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format, *args) -> None:  # quiet: the test's own output matters
        pass

    def _handle(self) -> None:
        shop = self.shop
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw, parse_float=Decimal) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query={key: values[-1] for key, values in parse_qs(split.query, keep_blank_values=True).items()},
            body=body,
            token=self.headers.get("x-tts-access-token", ""),
        )
        with shop._lock:
            shop._state.requests.append(request)
        if split.path == "/open/authorize" and self.command == "GET":
            target, answer = shop._authorize(request.query)
            self.send_response(302 if target else 400)
            if target:
                self.send_header("Location", f"{target}?{urlencode(answer)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        slow = shop._take(shop._slowness, split.path)
        if slow:
            time.sleep(slow.seconds)
        failure = shop._take(shop._failures, split.path)
        headers = {}
        if failure:
            code, message = FAILURES.get(failure.status, (failure.status, "Error."))
            status, code, data = failure.status, failure.code if failure.code is not None else code, None
            message = failure.message or message
            if failure.retry_after is not None:
                headers["Retry-After"] = f"{failure.retry_after:g}"
        else:
            status, code, message, data = shop._answer(request, raw, self.headers.get("Content-Type", ""))
        request.status, request.code = status, code
        envelope = {
            "code": code,
            "message": message,
            "request_id": f"2026{time.time_ns():x}".upper(),
            "data": data,
        }
        payload = json.dumps(envelope, default=str).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)


def _moment(order: dict, key: str, otherwise: int) -> int:
    """An order's time; one stored malformed (a test of how the client reads it) passes every filter."""
    value = order.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else otherwise
