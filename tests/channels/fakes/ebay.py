"""FakeEbay: a local stand-in for eBay's OAuth token endpoint and Sell Fulfillment API v1, over real HTTP.

    with FakeEbay(client_id="Acme-Packline-PRD-1a2b", client_secret="PRD-1a2b3c", refresh_token="v^1.1#r") as ebay:
        ebay.add_order(order_payload)                # an Order as getOrder answers it
        client = EbayClient(ebay.access(), limiter)  # api_base_url and credentials point at the fake
        client.orders_updated_since(since)
        ebay.expire_tokens()                         # the next API call answers 401: the client renews
        assert ebay.pushes == [{"order_id": "12-01234-56789", "body": {...}}]

It listens on 127.0.0.1 on a free port (`ebay.url`, no trailing slash) in a background thread and
answers what eBay documents for the endpoints Packline uses:

    POST /identity/v1/oauth2/token      form-encoded, HTTP Basic client_id:client_secret (else 401
                                        invalid_client). grant_type=refresh_token: the refresh token must
                                        be the fake's and not revoked (else 400 invalid_grant), the scope a
                                        subset of the granted ones (else 400 invalid_scope); answers
                                        {"access_token", "expires_in", "token_type": "User Access Token"}.
                                        grant_type=authorization_code: a code from consent() with the
                                        fake's RuName as redirect_uri, once; answers the refresh token too.
                                        grant_type=client_credentials: an application token.
    GET  /sell/fulfillment/v1/order     filter=lastmodifieddate:[start..] or [start..end], inclusive
                                        (creationdate likewise, and preferred when both are given, as eBay
                                        does; orderfulfillmentstatus:{A|B}); limit 1-200 (default 50),
                                        offset; orderIds=a,b (filter and paging then ignored). Orders are
                                        listed by creation date, oldest first, as eBay does; the answer
                                        holds href, total, limit, offset, orders, and next/prev hrefs when
                                        there is such a page. cancelStatus.cancelRequests is always empty
                                        here, as eBay documents for getOrders.
    GET  /sell/fulfillment/v1/order/{orderId}                      one order, or 404
    GET  /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment {"fulfillments", "total"}
    POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment {"lineItems": [{"lineItemId",
                                        "quantity"}], "shippedDate", "shippingCarrierCode",
                                        "trackingNumber"}: 201 with Location .../shipping_fulfillment/<id>
                                        (the id is the tracking number, as eBay makes it) and {}. An
                                        unknown or repeated line, a tracking number without a carrier
                                        (or with other than letters and digits), or a bad shippedDate: 400
                                        with eBay's error id; more than is left to ship of a line: 409
                                        (eBay documents 409 without error ids: the wording is the fake's).
                                        A shipment moves the lines' and the order's fulfilment status and
                                        the order's lastModifiedDate.
    GET  /commerce/notification/v1/public_key/{kid}                a key added with add_public_key
    GET  /oauth2/authorize              the consent page (auth.ebay.com's): client_id, redirect_uri (the
                                        fake's RuName), response_type=code, scope within the granted
                                        ones, state; the seller consents at once and is sent (302) to
                                        `accept_url` with ?state=&code=&expires_in=299, or, after
                                        decline_next(), with ?state=&error=access_denied. A bad request
                                        answers 400 and sends nobody anywhere.

Every /sell/ and /commerce/ request needs "Authorization: Bearer <token>" with a token the fake issued
and that has not expired, else 401 with eBay's errors body (errorId 1001, "Invalid access token").

Knobs (thread-safe; each applies to the next matching requests, in the order set):
    add_order(payload) -> dict    stores a copy (orderId, creationDate, lastModifiedDate filled in when
                                  missing) and returns it
    modify(order_id, **fields)    changes an order as a buyer or eBay would; lastModifiedDate moves on
    fail_next(status, times=1, retry_after=None, path=None, method=None, after=0)
                                  the next `times` requests (whose path starts with `path`, of `method`,
                                  when given) answer `status` with eBay's errors body, and Retry-After
                                  when given; `after` lets that many matching requests through first
                                  (a 429 on the second page of a poll)
    slow_next(seconds, times=1, path=None, method=None)   answer only after `seconds`
    expire_tokens()               every access token issued so far has expired (mid-sync expiry)
    expire_tokens_after(requests) the API answers `requests` more calls, then every token issued so
                                  far expires (a token running out between two pages of a poll)
    max_page_size = N             getOrders answers at most N orders a page whatever limit was asked
                                  (its `limit` and `next` say so), so a test pages with a few orders
    revoke()                      the seller withdrew consent: the refresh token answers invalid_grant
    hide_order_once(order_id)     the next getOrder of it answers 404, the one after returns it
    consent() -> code             an authorization code, as eBay's consent page would hand one back
                                  (after revoke(), the next code grant gives a new refresh token and
                                  renewals work again, as a new consent does)
    accept_url                    where /oauth2/authorize sends the seller back (the RuName's accept URL)
    decline_next()                the next consent is declined
    consents                      the query of every /oauth2/authorize request
    grant_token(expires_in=None) -> (token, expires_at ISO)   a user token issued outside the client
    add_public_key(kid, pem, digest="SHA1")   a Notification API public key (PEM as eBay gives it)
Records:
    requests      every request: EbayRequest(method, path, query, status, body, bearer)
    token_requests   the token endpoint's requests, with their grant_type
    pushes        every accepted shipping_fulfillment: {"order_id", "body"}
    orders        order id -> the stored order
    fulfillments(order_id)   what getShippingFulfillments lists
Helpers: url, credentials, access(**credentials) (a base.Access for the client).
"""

import base64
import copy
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from channels.marketplaces.base import Access
from tests.channels.fakes.host import FakeHost

API = "/sell/fulfillment/v1"
TOKEN_PATH = "/identity/v1/oauth2/token"
AUTHORIZE_PATH = "/oauth2/authorize"
PUBLIC_KEY_PATH = "/commerce/notification/v1/public_key/"
FULFILLMENT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
APPLICATION_SCOPE = "https://api.ebay.com/oauth/api_scope"
RU_NAME = "Packline_Ltd-Packline-Packli-abcde"
ERRORS = {
    400: (32600, "Invalid input data"),
    401: (1001, "Invalid access token"),
    403: (1100, "Access denied"),
    404: (32100, "Not found"),
    409: (32600, "Conflict"),
    429: (2001, "Too many requests. The request limit has been reached for the resource."),
    500: (30500, "System error"),
    502: (30500, "System error"),
    503: (30500, "System error"),
}
FILTER = re.compile(r"(\w+):(\[[^\]]*\]|\{[^}]*\})")


@dataclass
class EbayRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int = 0
    body: object = None  # parsed JSON, or the form as a dict
    bearer: str = ""


@dataclass
class _Knob:
    status: int = 0
    seconds: float = 0.0
    retry_after: float | None = None
    times: int = 0
    path: str | None = None
    method: str | None = None
    after: int = 0  # matching requests let through before this knob applies


@dataclass
class _Token:
    expires: float  # time.monotonic()
    kind: str  # "user" or "application"


@dataclass
class _State:
    orders: dict[str, dict] = field(default_factory=dict)
    fulfillments: dict[str, list[dict]] = field(default_factory=dict)
    pushes: list[dict] = field(default_factory=list)
    requests: list[EbayRequest] = field(default_factory=list)
    token_requests: list[str] = field(default_factory=list)
    tokens: dict[str, _Token] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)
    keys: dict[str, dict] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)


class FakeEbay(FakeHost):
    def __init__(
        self,
        *,
        client_id: str = "Packline-Packline-PRD-0a1b2c3d4",
        client_secret: str = "PRD-0a1b2c3d4e5f-6a7b-8c9d",
        refresh_token: str = "v^1.1#i^1#r^1#f^0#p^3#I^3#t^Ul4xMF8x",
        expires_in: int = 7200,
        scopes: tuple[str, ...] = (FULFILLMENT_SCOPE, f"{FULFILLMENT_SCOPE}.readonly"),
        seller_id: str = "packline_homeware",
    ):
        super().__init__()
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.expires_in = expires_in
        self.scopes = scopes
        self.seller_id = seller_id
        self.revoked = False
        self.max_page_size: int | None = None
        self._expire_countdown: int | None = None
        self.accept_url = ""
        self.consents: list[dict[str, str]] = []
        self._decline = False
        self._lock = threading.Lock()
        self._state = _State()
        self._failures: list[_Knob] = []
        self._slowness: list[_Knob] = []
        self._numbers = itertools.count(1)

    # Lifecycle

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"ebay": self})

    @property
    def credentials(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }

    def access(self, **credentials: str) -> Access:
        return Access(
            shop_url=self.url, api_base_url=self.url, credentials={**self.credentials, **credentials}
        )

    # Knobs

    def add_order(self, payload: dict) -> dict:
        with self._lock:
            order = json.loads(json.dumps(payload, default=_number))  # a copy, as eBay would keep it
            number = next(self._numbers)
            order.setdefault("orderId", f"27-{10000 + number:05d}-{60000 + number:05d}")
            now = _stamp(datetime.now(UTC))
            order.setdefault("creationDate", now)
            order.setdefault("lastModifiedDate", order["creationDate"])
            order.setdefault("sellerId", self.seller_id)
            order.setdefault("lineItems", [])
            order.setdefault("cancelStatus", {"cancelState": "NONE_REQUESTED", "cancelRequests": []})
            self._state.orders[order["orderId"]] = order
            return order

    def modify(self, order_id: str, **fields) -> dict:
        with self._lock:
            order = self._state.orders[order_id]
            order.update(json.loads(json.dumps(fields, default=_number)))
            if "lastModifiedDate" not in fields:
                order["lastModifiedDate"] = _stamp(datetime.now(UTC))
            return order

    def fail_next(
        self,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        path: str | None = None,
        method: str | None = None,
        after: int = 0,
    ) -> None:
        with self._lock:
            self._failures.append(
                _Knob(
                    status=status, retry_after=retry_after, times=times, path=path, method=method, after=after
                )
            )

    def slow_next(
        self, seconds: float, times: int = 1, path: str | None = None, method: str | None = None
    ) -> None:
        with self._lock:
            self._slowness.append(_Knob(seconds=seconds, times=times, path=path, method=method))

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self._state.tokens.values():
                token.expires = time.monotonic() - 1

    def expire_tokens_after(self, requests: int) -> None:
        with self._lock:
            self._expire_countdown = requests

    def revoke(self) -> None:
        with self._lock:
            self.revoked = True

    def hide_order_once(self, order_id: str) -> None:
        with self._lock:
            self._state.hidden.add(order_id)

    def consent(self) -> str:
        with self._lock:
            code = f"v^1.1#i^1#I^3#f^0#p^3#r^1#t^{secrets.token_urlsafe(24)}"
            self._state.codes.add(code)
            return code

    def decline_next(self) -> None:
        with self._lock:
            self._decline = True

    def grant_token(self, expires_in: int | None = None) -> tuple[str, str]:
        lifetime = self.expires_in if expires_in is None else expires_in
        with self._lock:
            token = self._issue("user", lifetime)
        return token, (datetime.now(UTC) + timedelta(seconds=lifetime)).isoformat(timespec="seconds")

    def add_public_key(self, kid: str, pem: str, digest: str = "SHA1") -> None:
        with self._lock:
            self._state.keys[kid] = {"key": pem, "algorithm": "ECDSA", "digest": digest}

    # Records

    @property
    def orders(self) -> dict[str, dict]:
        return self._state.orders

    @property
    def pushes(self) -> list[dict]:
        return self._state.pushes

    @property
    def requests(self) -> list[EbayRequest]:
        return self._state.requests

    @property
    def token_requests(self) -> list[str]:
        return self._state.token_requests

    def fulfillments(self, order_id: str) -> list[dict]:
        return self._state.fulfillments.get(order_id, [])

    # What the handler asks

    def _take(self, knobs: list[_Knob], path: str, method: str) -> _Knob | None:
        with self._lock:
            knob = next(
                (
                    k
                    for k in knobs
                    if (k.path is None or path.startswith(k.path)) and k.method in (None, method)
                ),
                None,
            )
            if knob is None:
                return None
            if knob.after > 0:
                knob.after -= 1
                return None
            knob.times -= 1
            if knob.times <= 0:
                knobs.remove(knob)
            return knob

    def _issue(self, kind: str, lifetime: int) -> str:
        token = f"v^1.1#i^1#p^3#I^3#f^0#r^0#t^{secrets.token_urlsafe(32)}"
        self._state.tokens[token] = _Token(expires=time.monotonic() + lifetime, kind=kind)
        return token

    def _authorize(self, query: dict[str, str]) -> tuple[int, object, dict[str, str]]:
        with self._lock:
            self.consents.append(dict(query))
            asked = query.get("scope", "").split()
            if (
                query.get("client_id") != self.client_id
                or query.get("redirect_uri") != RU_NAME
                or query.get("response_type") != "code"
                or not asked
                or any(scope not in self.scopes for scope in asked)
                or not self.accept_url
            ):
                return 400, _oauth_error("invalid_request", "the consent request is not valid"), {}
            if self._decline:
                self._decline = False
                answer = {"state": query.get("state", ""), "error": "access_denied"}
            else:
                code = f"v^1.1#i^1#I^3#f^0#p^3#r^1#t^{secrets.token_urlsafe(24)}"
                self._state.codes.add(code)
                answer = {"state": query.get("state", ""), "code": code, "expires_in": "299"}
        return 302, None, {"Location": f"{self.accept_url}?{urlencode(answer)}"}

    def _answer(self, request: EbayRequest, authorization: str) -> tuple[int, object, dict[str, str]]:
        if request.path == AUTHORIZE_PATH and request.method == "GET":
            return self._authorize(request.query)
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(request.body if isinstance(request.body, dict) else {}, authorization)
        if not (request.path.startswith(f"{API}/") or request.path.startswith(PUBLIC_KEY_PATH)):
            return _error(404, message="Resource not found")
        with self._lock:
            token = self._state.tokens.get(request.bearer)
            if token is None or token.expires <= time.monotonic():
                return _error(
                    401,
                    long="Invalid access token. Check the value of the Authorization HTTP request header.",
                    domain="OAuth",
                )
            if self._expire_countdown is not None:
                self._expire_countdown -= 1
                if self._expire_countdown <= 0:  # this call is answered; the next one finds it expired
                    self._expire_countdown = None
                    for issued in self._state.tokens.values():
                        issued.expires = time.monotonic() - 1
            if request.path.startswith(PUBLIC_KEY_PATH):
                key = self._state.keys.get(unquote(request.path.removeprefix(PUBLIC_KEY_PATH)))
                return (200, key, {}) if key else _error(404, message="Public key not found")
            if token.kind != "user":
                return _error(403, long="Insufficient permissions to fulfill the request.")
            parts = [unquote(part) for part in request.path.removeprefix(API).strip("/").split("/")]
            if parts[0] != "order":
                return _error(404, message="Resource not found")
            if len(parts) == 1 and request.method == "GET":
                return self._orders_page(request.query)
            order = self._state.orders.get(parts[1])
            if len(parts) == 2 and request.method == "GET" and parts[1] in self._state.hidden:
                self._state.hidden.discard(parts[1])
                order = None
            if order is None:
                return _error(404, error_id=32100, message=f"Invalid order ID: {parts[1]}")
            if len(parts) == 2 and request.method == "GET":
                return 200, copy.deepcopy(order), {}
            if parts[2:] == ["shipping_fulfillment"] and request.method == "GET":
                listed = self._state.fulfillments.get(order["orderId"], [])
                return 200, {"fulfillments": copy.deepcopy(listed), "total": len(listed)}, {}
            if parts[2:] == ["shipping_fulfillment"] and request.method == "POST":
                return self._ship(order, request.body if isinstance(request.body, dict) else {})
        return _error(404, message="Resource not found")

    def _token(self, form: dict, authorization: str) -> tuple[int, object, dict[str, str]]:
        grant = form.get("grant_type", "")
        with self._lock:
            self._state.token_requests.append(grant)
            if not _basic_matches(authorization, self.client_id, self.client_secret):
                return (
                    401,
                    {"error": "invalid_client", "error_description": "client authentication failed"},
                    {},
                )
            if grant == "client_credentials":
                token = self._issue("application", self.expires_in)
                return (
                    200,
                    {
                        "access_token": token,
                        "expires_in": self.expires_in,
                        "token_type": "Application Access Token",
                    },
                    {},
                )
            if grant == "authorization_code":
                code = form.get("code", "")
                if code not in self._state.codes or form.get("redirect_uri") != RU_NAME:
                    return (
                        400,
                        _oauth_error(
                            "invalid_grant",
                            "the provided authorization grant code is invalid or was issued to another client",
                        ),
                        {},
                    )
                self._state.codes.discard(code)
                if self.revoked:  # a new consent: a new refresh token, which renews again
                    self.refresh_token = f"v^1.1#i^1#r^1#f^0#p^3#I^3#t^{secrets.token_urlsafe(16)}"
                    self.revoked = False
                token = self._issue("user", self.expires_in)
                return 200, {
                    "access_token": token,
                    "expires_in": self.expires_in,
                    "refresh_token": self.refresh_token,
                    "refresh_token_expires_in": 47304000,
                    "token_type": "User Access Token",
                }, {}  # fmt: skip
            if grant != "refresh_token":
                return (
                    400,
                    _oauth_error(
                        "unsupported_grant_type",
                        "grant type in request is not supported by the authorization server",
                    ),
                    {},
                )
            if self.revoked or form.get("refresh_token") != self.refresh_token:
                return (
                    400,
                    _oauth_error(
                        "invalid_grant",
                        "the provided authorization refresh token is invalid or was issued to another client",
                    ),
                    {},
                )
            asked = form.get("scope", "").split()
            if any(scope not in self.scopes for scope in asked):
                return (
                    400,
                    _oauth_error(
                        "invalid_scope",
                        "the requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client",
                    ),
                    {},
                )
            token = self._issue("user", self.expires_in)
            return (
                200,
                {"access_token": token, "expires_in": self.expires_in, "token_type": "User Access Token"},
                {},
            )

    def _orders_page(self, query: dict[str, str]) -> tuple[int, object, dict[str, str]]:
        orders = sorted(self._state.orders.values(), key=lambda o: (_parse(o["creationDate"]), o["orderId"]))
        if query.get("orderIds"):
            wanted = [part.strip() for part in query["orderIds"].split(",") if part.strip()]
            if len(wanted) > 50:
                return _error(
                    400,
                    error_id=30900,
                    message="Exceeded maximum number of order IDs (the current limit is 50)",
                )
            chosen = [self._listed(order) for order in orders if order["orderId"] in wanted]
            return (
                200,
                {
                    "href": self._href(query),
                    "total": len(chosen),
                    "limit": len(wanted),
                    "offset": 0,
                    "orders": chosen,
                },
                {},
            )
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 200:
            return _error(400, error_id=31100, message=f"Invalid limit: {query.get('limit')}")
        limit = min(limit, self.max_page_size or limit)
        try:
            offset = int(query.get("offset", "0"))
        except ValueError:
            offset = -1
        if offset < 0:
            return _error(400, error_id=31000, message=f"Invalid offset: {query.get('offset')}")
        criteria = dict(FILTER.findall(query.get("filter", "")))
        unknown = set(criteria) - {"creationdate", "lastmodifieddate", "orderfulfillmentstatus"}
        if unknown:
            return _error(400, error_id=30700, message=f"Invalid filter name: {sorted(unknown)[0]}")
        date_field = "creationdate" if "creationdate" in criteria else "lastmodifieddate"
        if date_field in criteria:
            try:
                start, end = _range(criteria[date_field])
            except ValueError as error:
                return _error(400, error_id=int(str(error)), message="Invalid date format")
            if start > datetime.now(UTC) + timedelta(seconds=1):
                return _error(400, error_id=30850, message="Start and end dates can't be in the future")
            key = "creationDate" if date_field == "creationdate" else "lastModifiedDate"
            orders = [o for o in orders if start <= _parse(o[key]) and (end is None or _parse(o[key]) <= end)]
        if "orderfulfillmentstatus" in criteria:
            states = set(criteria["orderfulfillmentstatus"].strip("{}").split("|"))
            orders = [o for o in orders if o.get("orderFulfillmentStatus", "NOT_STARTED") in states]
        chosen = [self._listed(order) for order in orders[offset : offset + limit]]
        page = {
            "href": self._href(query),
            "total": len(orders),
            "limit": limit,
            "offset": offset,
            "orders": chosen,
        }
        if offset + limit < len(orders):
            page["next"] = self._href({**query, "limit": str(limit), "offset": str(offset + limit)})
        if offset > 0:
            page["prev"] = self._href({**query, "limit": str(limit), "offset": str(max(0, offset - limit))})
        return 200, page, {}

    def _listed(self, order: dict) -> dict:
        listed = copy.deepcopy(order)
        if isinstance(listed.get("cancelStatus"), dict):
            listed["cancelStatus"]["cancelRequests"] = []  # getOrders leaves them out, as documented
        return listed

    def _href(self, query: dict[str, str]) -> str:
        params = "&".join(f"{key}={quote(str(value), safe='')}" for key, value in query.items())
        return f"{self.url}{API}/order" + (f"?{params}" if params else "")

    def _ship(self, order: dict, body: dict) -> tuple[int, object, dict[str, str]]:
        items = {str(item.get("lineItemId")): item for item in order.get("lineItems", [])}
        lines = body.get("lineItems")
        if not isinstance(lines, list) or not lines:
            return _error(400, error_id=32600, message="Invalid input data")
        seen = set()
        for line in lines:
            line_id = str(line.get("lineItemId")) if isinstance(line, dict) else ""
            if line_id not in items:
                return _error(400, error_id=32200, message=f"Invalid line item id: {line_id}")
            if line_id in seen:
                return _error(400, error_id=32210, message="Duplicate line item in the request")
            seen.add(line_id)
            quantity = line.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
                return _error(400, error_id=32600, message="Invalid input data")
            left = int(items[line_id].get("quantity", 0)) - self._shipped(order["orderId"], line_id)
            if quantity > left:
                return _error(409, message=f"Line item {line_id} has {left} left to ship, not {quantity}.")
        carrier, tracking = body.get("shippingCarrierCode"), body.get("trackingNumber")
        if bool(carrier) != bool(tracking) or (
            tracking and not (str(tracking).isascii() and str(tracking).isalnum())
        ):
            return _error(400, error_id=32300, message="Invalid shipment tracking number or carrier")
        shipped = body.get("shippedDate") or _stamp(datetime.now(UTC))
        try:
            _parse(shipped)
        except (TypeError, ValueError):
            return _error(400, error_id=32500, message="Invalid shipped date")
        listed = self._state.fulfillments.setdefault(order["orderId"], [])
        fulfillment_id = str(tracking) if tracking else str(999 + len(listed))
        listed.append(
            {
                "fulfillmentId": fulfillment_id,
                "lineItems": [
                    {"lineItemId": str(line["lineItemId"]), "quantity": line["quantity"]} for line in lines
                ],
                "shipmentTrackingNumber": tracking or "",
                "shippedDate": shipped,
                "shippingCarrierCode": carrier or "",
            }
        )
        self._state.pushes.append({"order_id": order["orderId"], "body": copy.deepcopy(body)})
        for line_id, item in items.items():
            done = self._shipped(order["orderId"], line_id)
            item["lineItemFulfillmentStatus"] = (
                "FULFILLED"
                if done >= int(item.get("quantity", 0))
                else "IN_PROGRESS"
                if done
                else "NOT_STARTED"
            )
        statuses = {item.get("lineItemFulfillmentStatus") for item in items.values()}
        order["orderFulfillmentStatus"] = "FULFILLED" if statuses == {"FULFILLED"} else "IN_PROGRESS"
        location = (
            f"{self.url}{API}/order/{quote(order['orderId'], safe='')}/shipping_fulfillment/{fulfillment_id}"
        )
        order.setdefault("fulfillmentHrefs", []).append(location)
        order["lastModifiedDate"] = _stamp(datetime.now(UTC))
        return 201, {}, {"Location": location}

    def _shipped(self, order_id: str, line_id: str) -> int:
        return sum(
            line["quantity"]
            for fulfillment in self._state.fulfillments.get(order_id, [])
            for line in fulfillment["lineItems"]
            if line["lineItemId"] == line_id
        )


class _Handler(BaseHTTPRequestHandler):
    ebay: FakeEbay
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms wait between them

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format, *args) -> None:  # quiet: the test's own output matters
        pass

    def _handle(self) -> None:
        ebay = self.ebay
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if "form-urlencoded" in self.headers.get("Content-Type", ""):
            body = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        authorization = self.headers.get("Authorization") or ""
        request = EbayRequest(
            method=self.command,
            path=split.path,
            query={key: values[-1] for key, values in parse_qs(split.query).items()},
            body=body,
            bearer=authorization[7:] if authorization.startswith("Bearer ") else "",
        )
        with ebay._lock:
            ebay._state.requests.append(request)
        slow = ebay._take(ebay._slowness, split.path, self.command)
        if slow:
            time.sleep(slow.seconds)
        failure = ebay._take(ebay._failures, split.path, self.command)
        if failure:
            status, payload, headers = _error(failure.status)
            if failure.retry_after is not None:
                headers["Retry-After"] = f"{failure.retry_after:g}"
        else:
            status, payload, headers = ebay._answer(request, authorization)
        request.status = status
        data = json.dumps(payload, default=_number).encode() if payload is not None else b""
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)


def _error(
    status: int,
    *,
    error_id: int | None = None,
    message: str = "",
    long: str = "",
    domain: str = "API_FULFILLMENT",
) -> tuple[int, dict, dict[str, str]]:
    default_id, default_message = ERRORS.get(status, (30500, "System error"))
    error = {
        "errorId": error_id or default_id,
        "domain": domain,
        "category": "REQUEST" if status < 500 else "APPLICATION",
        "message": message or default_message,
    }
    if long:
        error["longMessage"] = long
    return status, {"errors": [error]}, {}


def _oauth_error(error: str, description: str) -> dict:
    return {"error": error, "error_description": description}


def _basic_matches(header: str, client_id: str, client_secret: str) -> bool:
    if not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:]).decode()
    except ValueError:
        return False
    return given == f"{client_id}:{client_secret}"


def _range(text: str) -> tuple[datetime, datetime | None]:
    """[start..] or [start..end]; ValueError with eBay's error id."""
    start, dots, end = text.strip("[]").partition("..")
    if not dots:
        raise ValueError("30810")
    if not start:
        raise ValueError("30820")
    try:
        return _parse(start), (_parse(end) if end else None)
    except ValueError:
        raise ValueError("30810") from None


def _number(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
