"""FakeWooCommerce: a local stand-in for one shop's WooCommerce REST API v3, over real HTTP.

    with FakeWooCommerce(consumer_key="ck_x", consumer_secret="cs_y") as shop:
        shop.add_order({"id": 101, "status": "processing", "date_modified_gmt": "2025-05-01T10:00:00", ...})
        access = Access(shop_url=shop.url, api_base_url="", credentials=shop.credentials)
        ...
        assert shop.pushes == [{"order_id": 101, "note": "Shipped with DHL, tracking 123", "customer_note": True}]

It listens on 127.0.0.1 on a free port (`shop.url`, no trailing slash) in a background thread and
answers what the documented API answers for the endpoints Packline uses:

    GET  /wp-json/                         the site index: name, namespaces (no keys needed)
    GET  /wp-json/wc/v3/orders             modified_after (strictly after, dates_are_gmt), orderby
                                           (date, id, modified), order (asc, desc), page, per_page
                                           (1-100); X-WP-Total, X-WP-TotalPages and Link headers
    GET  /wp-json/wc/v3/orders/<id>        one order, 404 woocommerce_rest_shop_order_invalid_id
    PUT  /wp-json/wc/v3/orders/<id>        merges the JSON body into the order; a status change is
                                           recorded in `status_changes` and moves date_modified_gmt
    GET  /wp-json/wc/v3/orders/<id>/notes  the order's notes, newest first
    POST /wp-json/wc/v3/orders/<id>/notes  {"note", "customer_note"}: recorded in `pushes` and `notes`

Every /wp-json/wc/ request needs HTTP Basic auth with the fake's key and secret, else 401
woocommerce_rest_cannot_view. Knobs and records (all thread-safe):

    add_order(payload) -> dict      stores an order (id and dates filled in when missing); returns it
    fail_next(status, times=1, retry_after=None, method=None)
                                    the next `times` requests (of `method` only, when given) answer
                                    `status` (429, 500, 503 ...), with a Retry-After header when given
    slow_next(seconds, times=1, method=None)
                                    the next `times` requests (of `method`) wait `seconds` first
    requests                        every request: RecordedRequest(method, path, query, status, body)
    pushes                          every note POSTed: {"order_id", "note", "customer_note"}
    notes                           order id -> the notes WooCommerce would list for it
    status_changes                  (order_id, old status, new status) for every PUT that changed it
    orders                          order id -> the stored order
    credentials                     {"consumer_key": ..., "consumer_secret": ...} for Access

Money should be strings, as WooCommerce sends it; Decimal values are written as JSON numbers.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.channels.fakes.host import FakeHost

API = "/wp-json/wc/v3"
ERRORS = {
    400: ("rest_invalid_param", "Invalid parameter(s): per_page"),
    401: ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    404: ("rest_no_route", "No route was found matching the URL and request method."),
    429: ("too_many_requests", "Too many requests. Please slow down."),
    500: ("internal_server_error", "There has been a critical error on this website."),
    502: ("bad_gateway", "Bad gateway."),
    503: ("service_unavailable", "The site is temporarily down for maintenance."),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int = 0
    body: object = None  # the parsed JSON body, when there was one
    authorised: bool = False


@dataclass
class _Knob:
    status: int = 0
    seconds: float = 0.0
    retry_after: float | None = None
    times: int = 0
    method: str | None = None


@dataclass
class _State:
    orders: dict[int, dict] = field(default_factory=dict)
    notes: dict[int, list[dict]] = field(default_factory=dict)
    pushes: list[dict] = field(default_factory=list)
    status_changes: list[tuple[int, str, str]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)


class FakeWooCommerce(FakeHost):
    def __init__(
        self,
        *,
        consumer_key: str = "ck_fake",
        consumer_secret: str = "cs_fake",
        name: str = "Fake Woo Shop",
    ):
        super().__init__()
        self.consumer_key, self.consumer_secret, self.name = consumer_key, consumer_secret, name
        self._lock = threading.Lock()
        self._state = _State()
        self._failures: list[_Knob] = []
        self._slowness: list[_Knob] = []
        self._next_note_id = 5000

    # Lifecycle

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"shop": self})

    @property
    def credentials(self) -> dict[str, str]:
        return {"consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret}

    # Knobs

    def add_order(self, payload: dict) -> dict:
        with self._lock:
            order = json.loads(json.dumps(payload, default=_number))  # a copy, as the shop would store it
            order.setdefault("id", max(self._state.orders, default=100) + 1)
            order.setdefault("number", str(order["id"]))
            order.setdefault("status", "processing")
            now = _now()
            order.setdefault("date_created_gmt", now)
            order.setdefault("date_modified_gmt", order["date_created_gmt"])
            order.setdefault("line_items", [])
            self._state.orders[int(order["id"])] = order
            return order

    def fail_next(
        self, status: int, times: int = 1, retry_after: float | None = None, method: str | None = None
    ) -> None:
        with self._lock:
            self._failures.append(_Knob(status=status, retry_after=retry_after, times=times, method=method))

    def slow_next(self, seconds: float, times: int = 1, method: str | None = None) -> None:
        with self._lock:
            self._slowness.append(_Knob(seconds=seconds, times=times, method=method))

    # Records

    @property
    def orders(self) -> dict[int, dict]:
        return self._state.orders

    @property
    def notes(self) -> dict[int, list[dict]]:
        return self._state.notes

    @property
    def pushes(self) -> list[dict]:
        return self._state.pushes

    @property
    def status_changes(self) -> list[tuple[int, str, str]]:
        return self._state.status_changes

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.requests

    # What the handler asks

    def _take(self, knobs: list[_Knob], method: str) -> _Knob | None:
        with self._lock:
            knob = next((knob for knob in knobs if knob.method in (None, method)), None)
            if knob is None:
                return None
            knob.times -= 1
            if knob.times <= 0:
                knobs.remove(knob)
            return knob

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:]).decode()
        except ValueError:
            return False
        return given == f"{self.consumer_key}:{self.consumer_secret}"

    def _answer(self, request: RecordedRequest, authorised: bool) -> tuple[int, object, dict[str, str]]:
        path = request.path.rstrip("/") or "/"
        if request.method == "GET" and path == "/wp-json":
            return 200, self._index(), {}
        if not path.startswith(API):
            return _error(404)
        if not authorised:
            return _error(401)
        parts = path.removeprefix(API).strip("/").split("/")
        if parts[0] != "orders":
            return _error(404)
        with self._lock:
            if len(parts) == 1 and request.method == "GET":
                return self._orders_page(request.query)
            if not parts[1].isdigit() or int(parts[1]) not in self._state.orders:
                if len(parts) >= 2:
                    return 404, _body("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404), {}
                return _error(404)
            order = self._state.orders[int(parts[1])]
            if len(parts) == 2 and request.method == "GET":
                return 200, order, {}
            if len(parts) == 2 and request.method == "PUT":
                return self._update(order, request.body if isinstance(request.body, dict) else {})
            if parts[2:] == ["notes"] and request.method == "GET":
                return 200, list(reversed(self._state.notes.get(order["id"], []))), {}
            if parts[2:] == ["notes"] and request.method == "POST":
                return self._add_note(order, request.body if isinstance(request.body, dict) else {})
        return _error(404)

    def _index(self) -> dict:
        return {
            "name": self.name,
            "description": "Just another WordPress site",
            "url": self.url,
            "home": self.url,
            "gmt_offset": "0",
            "timezone_string": "",
            "namespaces": ["oembed/1.0", "wc/store/v1", "wc/v1", "wc/v2", "wc/v3", "wp/v2"],
            "authentication": [],
            "routes": {},
        }

    def _orders_page(self, query: dict[str, str]) -> tuple[int, object, dict[str, str]]:
        try:
            page = int(query.get("page", "1"))
            per_page = int(query.get("per_page", "10"))
        except ValueError:
            return _error(400)
        if not 1 <= per_page <= 100 or page < 1:
            return _error(400)
        orders = list(self._state.orders.values())
        if "modified_after" in query:
            after = _parse(query["modified_after"])
            orders = [order for order in orders if _parse(order["date_modified_gmt"]) > after]
        key = {
            "modified": lambda order: (_parse(order["date_modified_gmt"]), order["id"]),
            "id": lambda order: order["id"],
        }.get(query.get("orderby", "date"), lambda order: (_parse(order["date_created_gmt"]), order["id"]))
        orders.sort(key=key, reverse=query.get("order", "desc") == "desc")
        total = len(orders)
        pages = max(1, -(-total // per_page)) if total else 0
        chosen = orders[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        if page < pages:
            links.append(f'<{self.url}{API}/orders?page={page + 1}>; rel="next"')
        if page > 1:
            links.append(f'<{self.url}{API}/orders?page={page - 1}>; rel="prev"')
        if links:
            headers["Link"] = ", ".join(links)
        return 200, chosen, headers

    def _update(self, order: dict, changes: dict) -> tuple[int, object, dict[str, str]]:
        old = order.get("status")
        order.update(changes)
        if "status" in changes and changes["status"] != old:
            self._state.status_changes.append((order["id"], old, changes["status"]))
            order["date_modified_gmt"] = _now()
            if changes["status"] == "completed":
                order["date_completed_gmt"] = order["date_modified_gmt"]
        return 200, order, {}

    def _add_note(self, order: dict, body: dict) -> tuple[int, object, dict[str, str]]:
        if not str(body.get("note", "")).strip():
            return 400, _body("rest_missing_callback_param", "Missing parameter(s): note", 400), {}
        self._next_note_id += 1
        now = _now()
        note = {
            "id": self._next_note_id,
            "author": "WooCommerce",
            "date_created": now,
            "date_created_gmt": now,
            "note": body["note"],
            "customer_note": bool(body.get("customer_note", False)),
        }
        self._state.notes.setdefault(order["id"], []).append(note)
        self._state.pushes.append(
            {"order_id": order["id"], "note": body["note"], "customer_note": note["customer_note"]}
        )
        return 201, note, {}


class _Handler(BaseHTTPRequestHandler):
    shop: FakeWooCommerce
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def log_message(self, format, *args) -> None:  # quiet: the test's own output matters
        pass

    def _handle(self) -> None:
        shop = self.shop
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query={key: values[-1] for key, values in parse_qs(split.query).items()},
            body=body,
            authorised=shop._authorised(self.headers.get("Authorization")),
        )
        with shop._lock:
            shop._state.requests.append(request)
        slow = shop._take(shop._slowness, self.command)
        if slow:
            time.sleep(slow.seconds)
        failure = shop._take(shop._failures, self.command)
        if failure:
            status, payload, headers = _error(failure.status)
            if failure.retry_after is not None:
                headers["Retry-After"] = f"{failure.retry_after:g}"
        else:
            status, payload, headers = shop._answer(request, request.authorised)
        request.status = status
        data = json.dumps(payload, default=_number).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)


def _error(status: int) -> tuple[int, dict, dict[str, str]]:
    code, message = ERRORS.get(status, ("error", "Error."))
    return status, _body(code, message, status), {}


def _body(code: str, message: str, status: int) -> dict:
    return {"code": code, "message": message, "data": {"status": status}}


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
