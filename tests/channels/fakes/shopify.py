"""FakeShopify: a local stand-in for one shop's GraphQL Admin API, over real HTTP on 127.0.0.1.

    with FakeShopify(token="shpat_x", shop_name="Mugs & Co") as shop:
        shop.add_order(rest_payload)            # an order as webhooks deliver it (REST shape)
        client = ShopifyClient(shop.access(), limiter)
        client.orders_updated_since(since)      # paged, filtered and sorted as Shopify does
        shop.fail_next(429, retry_after=1)      # the next answer is a 429 with Retry-After: 1
        shop.requests[-1].operation             # "PacklineOrdersUpdated"

What it serves: POST /admin/api/<version>/graphql.json, answering the root fields shop { name },
orders(first, after, sortKey: UPDATED_AT | ID, reverse, query: "updated_at:>='<iso>'"), order(id:) and
the mutation fulfillmentCreate(fulfillment: {...}). Queries are parsed (fields, aliases, arguments,
variables, fragments): the answer holds exactly the fields asked for, a field Shopify's Order does not
have is an error, and each query's requested cost is computed the way Shopify documents it (object 1,
connection 2 + first x node) and refused above 1,000 points. Money is rendered the way GraphQL
renders Decimals ("12.5"), dates in UTC.

One representation of each order is kept: the REST payload given to add_order. Its GraphQL node is
rendered from it (`graphql_order`), so a test can compare what mapping makes of both shapes. Each order
gets fulfillment orders from its lines (one, or the groups given to add_order), whose remaining
quantities fulfillmentCreate lowers; a fulfillmentCreate asking for more than remains, or for a closed
fulfillment order, answers userErrors and changes nothing.

Knobs (each applies to the next requests, in the order set):
    fail_next(status, times=1, retry_after=None)   HTTP error answers (429, 500, 503 ...)
    throttle_next(times=1)                         200 with a THROTTLED error; the cost extension
                                                   says the bucket is 30 points short of the query's
                                                   cost (all of it for cheaper ones) and refills at
                                                   100 points a second: about 0.3 s to wait
    slow_next(seconds, times=1)                    answer only after `seconds`
    on_next(operation, callback)                   run callback() just before the next request of that
                                                   operation is served (a change made in the shop
                                                   admin between two of our calls)
Records:
    requests      every request: FakeRequest(path, api_version, operation, variables, status, cost)
    pushes        every fulfillmentCreate input (the `fulfillment` variable), accepted or refused
    fulfillments(order_id)   the fulfillments created: id, tracking info, lines and quantities
Helpers: url, access() (a base.Access for the client), order(order_id) (the stored REST payload),
fulfil_all(order_id) (as the merchant would in the admin), hold(order_id) / release(order_id) (its
fulfillment orders on hold and back), remaining(order_id) ({line id: quantity}).

One long module on purpose: the framework's tests import this one file, and the small GraphQL reader at
the bottom serves nothing else.
"""

import base64
import copy
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

from channels.marketplaces.base import Access
from tests.channels.fakes.host import FakeHost

PATH = re.compile(r"^/admin/api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json$")
MAX_COST = 1000
BUCKET = {"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0, "restoreRate": 100.0}
FULFILLABLE = {"OPEN", "IN_PROGRESS"}


@dataclass
class FakeRequest:
    path: str
    api_version: str
    operation: str  # the operation's name, or "" when the body could not be read
    variables: dict
    status: int
    cost: int = 0  # the requested query cost computed for it


@dataclass
class _Fault:
    kind: str  # "fail", "throttle", "slow"
    status: int = 0
    retry_after: float | None = None
    seconds: float = 0.0


@dataclass
class _FulfillmentOrder:
    gid: str
    order_id: int
    status: str
    lines: list[dict]  # {"gid", "line_item_id", "total", "remaining"}


@dataclass
class _Shop:
    orders: dict[int, dict] = field(default_factory=dict)
    fulfillment_orders: dict[int, list[_FulfillmentOrder]] = field(default_factory=dict)
    fulfillments: dict[int, list[dict]] = field(default_factory=dict)
    next_id: int = 900_000_000


class GraphQLError(Exception):
    def __init__(self, message: str, code: str = "", **extensions):
        super().__init__(message)
        self.code = code
        self.extensions = extensions

    def as_json(self) -> dict:
        error = {"message": str(self)}
        if self.code or self.extensions:
            error["extensions"] = {**({"code": self.code} if self.code else {}), **self.extensions}
        return error


class FakeShopify(FakeHost):
    def __init__(self, *, token: str = "shpat_fake_token", shop_name: str = "Packline Test Shop"):
        super().__init__()
        self.token = token
        self.shop_name = shop_name
        self.requests: list[FakeRequest] = []
        self.pushes: list[dict] = []
        self._shop = _Shop()
        self._faults: list[_Fault] = []
        self._hooks: list[tuple[str, object]] = []
        self._lock = threading.RLock()

    # Life.

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def access(self, *, token: str | None = None) -> Access:
        return Access(shop_url=self.url, api_base_url="", credentials={"access_token": token or self.token})

    # The shop's data.

    def add_order(self, payload: dict, *, fulfillment_orders: list[list[int]] | None = None) -> dict:
        """Stores (or replaces) an order given in the REST shape; `fulfillment_orders` splits its line
        ids into several fulfillment orders (one holding every line otherwise)."""
        order = json.loads(json.dumps(payload, default=_json_default), parse_float=Decimal)
        order_id = int(order["id"])
        with self._lock:
            self._shop.orders[order_id] = order
            # A line an edit removed (current_quantity 0) has nothing to fulfil: Shopify lists it nowhere.
            items = {int(item["id"]): item for item in order.get("line_items") or [] if _quantity(item) > 0}
            groups = [[int(line_id) for line_id in group] for group in fulfillment_orders or [list(items)]]
            done = order.get("fulfillment_status") == "fulfilled"
            self._shop.fulfillment_orders[order_id] = [
                _FulfillmentOrder(
                    gid=f"gid://shopify/FulfillmentOrder/{self._new_id()}",
                    order_id=order_id,
                    status="CLOSED" if done else "OPEN",
                    lines=[
                        {
                            "gid": f"gid://shopify/FulfillmentOrderLineItem/{self._new_id()}",
                            "line_item_id": line_id,
                            "total": _quantity(items[line_id]),
                            "remaining": 0 if done else _quantity(items[line_id]),
                        }
                        for line_id in group
                    ],
                )
                for group in groups
            ]
            self._shop.fulfillments.setdefault(order_id, [])
        return order

    def order(self, order_id) -> dict:
        with self._lock:
            return copy.deepcopy(self._shop.orders[int(order_id)])

    def graphql_order(self, order_id) -> dict:
        """The order's GraphQL node with every field the fake knows, connections fully expanded."""
        with self._lock:
            node = self._render_order(self._shop.orders[int(order_id)])
        return _expand(node)

    def remaining(self, order_id) -> dict[str, int]:
        with self._lock:
            left: dict[str, int] = {}
            for fo in self._shop.fulfillment_orders[int(order_id)]:
                for line in fo.lines:
                    left[str(line["line_item_id"])] = (
                        left.get(str(line["line_item_id"]), 0) + line["remaining"]
                    )
            return left

    def fulfillments(self, order_id) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._shop.fulfillments[int(order_id)])

    def fulfil_all(self, order_id) -> None:
        with self._lock:
            for fo in self._shop.fulfillment_orders[int(order_id)]:
                for line in fo.lines:
                    line["remaining"] = 0
                fo.status = "CLOSED"
            self._shop.orders[int(order_id)]["fulfillment_status"] = "fulfilled"

    def hold(self, order_id, status: str = "ON_HOLD") -> None:
        """Puts the order's open fulfillment orders on hold (or SCHEDULED), as a fraud check would."""
        with self._lock:
            for fo in self._shop.fulfillment_orders[int(order_id)]:
                if fo.status in FULFILLABLE:
                    fo.status = status

    def release(self, order_id) -> None:
        with self._lock:
            for fo in self._shop.fulfillment_orders[int(order_id)]:
                if fo.status in ("ON_HOLD", "SCHEDULED"):
                    fo.status = "OPEN"

    # Knobs.

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        with self._lock:
            self._faults += [_Fault("fail", status=status, retry_after=retry_after) for _ in range(times)]

    def throttle_next(self, times: int = 1) -> None:
        with self._lock:
            self._faults += [_Fault("throttle") for _ in range(times)]

    def slow_next(self, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._faults += [_Fault("slow", seconds=seconds) for _ in range(times)]

    def on_next(self, operation: str, callback) -> None:
        with self._lock:
            self._hooks.append((operation, callback))

    # Serving one request.

    def _serve(self, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        """(status, extra headers, JSON body) for one POST."""
        match = PATH.match(path.split("?", 1)[0])
        if match is None:
            return self._log(path, "", "", {}, 404, 0, (404, {}, {"errors": "Not Found"}))
        version = match["version"]
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
            fault = None
        try:
            request = json.loads(body or b"{}", parse_float=Decimal)
            query, variables = request["query"], request.get("variables") or {}
            document = _parse(query)
            kind, operation, selections = document.operation(request.get("operationName"))
        except (ValueError, KeyError, TypeError, GraphQLError) as error:
            answer = (200, {}, {"errors": [{"message": f"Parse error: {error}"}]})
            return self._log(path, version, "", {}, 200, 0, answer)
        cost = 10 if kind == "mutation" else _requested_cost(selections, document, variables)

        def log(answer):
            return self._log(path, version, operation, variables, answer[0], cost, answer)

        if fault is not None and fault.kind == "fail":
            extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            return log((fault.status, extra, {"errors": f"Fake failure {fault.status}"}))
        if headers.get("X-Shopify-Access-Token") != self.token:
            message = "[API] Invalid API key or access token (unrecognized login or wrong password)"
            return log((401, {}, {"errors": message}))
        if fault is not None and fault.kind == "throttle":
            bucket = {**BUCKET, "currentlyAvailable": float(max(cost - 30, 0))}
            throttled = {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {
                    "cost": {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": bucket}
                },
            }
            return log((200, {}, throttled))
        if cost > MAX_COST:
            error = GraphQLError(
                f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_COST}).",
                "MAX_COST_EXCEEDED",
                cost=cost,
                maxCost=MAX_COST,
            )
            return log((200, {}, {"errors": [error.as_json()]}))
        with self._lock:
            hooks = [hook for hook in self._hooks if hook[0] == operation]
            if hooks:
                self._hooks.remove(hooks[0])
        if hooks:
            hooks[0][1]()
        extensions = {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": min(cost, 12),
                "throttleStatus": dict(BUCKET),
            }
        }
        try:
            with self._lock:
                data = self._execute(kind, selections, document, variables)
        except GraphQLError as error:
            return log((200, {}, {"errors": [error.as_json()], "extensions": extensions}))
        return log((200, {}, {"data": data, "extensions": extensions}))

    def _log(self, path, version, operation, variables, status, cost, answer):
        with self._lock:
            self.requests.append(
                FakeRequest(path, version, operation, copy.deepcopy(variables), status, cost)
            )
        return answer

    def _execute(self, kind: str, selections, document, variables) -> dict:
        roots = (
            {"fulfillmentCreate": self._fulfillment_create}
            if kind == "mutation"
            else {"shop": self._shop_field, "orders": self._orders, "order": self._order_field}
        )
        data = {}
        for selected in document.fields(selections):
            if selected.name not in roots:
                root = "Mutation" if kind == "mutation" else "QueryRoot"
                raise GraphQLError(
                    f"Field '{selected.name}' doesn't exist on type '{root}'", "undefinedField"
                )
            value = roots[selected.name](_arguments(selected.arguments, variables))
            data[selected.alias] = _shape(value, selected, document, variables)
        return data

    # Root fields.

    def _shop_field(self, arguments) -> dict:
        return {"__typename": "Shop", "name": self.shop_name, "id": "gid://shopify/Shop/1"}

    def _order_field(self, arguments) -> dict | None:
        order_id = _gid_number(arguments.get("id"), "Order")
        order = self._shop.orders.get(order_id)
        return self._render_order(order) if order else None

    def _orders(self, arguments) -> dict:
        first = arguments.get("first")
        if not isinstance(first, int) or not 0 < first <= 250:
            raise GraphQLError("you must provide one of first or last, from 1 to 250", "argumentOutOfRange")
        since = None
        found = re.search(r"updated_at:\s*>=\s*'?([0-9T:.+\-Z]+)'?", arguments.get("query") or "")
        if found:
            since = _parse_time(found[1])
        sort_key = arguments.get("sortKey") or "ID"

        def key(order):
            moment = _parse_time(order["updated_at"]).isoformat()
            return [moment, int(order["id"])] if sort_key == "UPDATED_AT" else ["", int(order["id"])]

        orders = [
            o for o in self._shop.orders.values() if since is None or _parse_time(o["updated_at"]) >= since
        ]
        orders.sort(key=key, reverse=bool(arguments.get("reverse")))
        after = arguments.get("after")
        if after:
            try:
                position = json.loads(base64.urlsafe_b64decode(after.encode()))
            except ValueError as error:
                raise GraphQLError("Invalid cursor for current pagination sort.", "invalidCursor") from error
            reverse = bool(arguments.get("reverse"))
            orders = [o for o in orders if (key(o) < position if reverse else key(o) > position)]
        page = orders[:first]
        cursors = [base64.urlsafe_b64encode(json.dumps(key(o)).encode()).decode() for o in page]
        return {
            "nodes": [self._render_order(order) for order in page],
            "edges": [
                {"cursor": cursor, "node": self._render_order(order)}
                for cursor, order in zip(cursors, page, strict=True)
            ],
            "pageInfo": {
                "hasNextPage": len(orders) > first,
                "hasPreviousPage": bool(after),
                "startCursor": cursors[0] if cursors else None,
                "endCursor": cursors[-1] if cursors else None,
            },
        }

    def _fulfillment_create(self, arguments) -> dict:
        wanted = arguments.get("fulfillment") or {}
        self.pushes.append(copy.deepcopy(wanted))
        groups = wanted.get("lineItemsByFulfillmentOrder") or []
        errors, plan = [], []
        by_gid = {fo.gid: fo for fos in self._shop.fulfillment_orders.values() for fo in fos}
        for group in groups:
            fo = by_gid.get(group.get("fulfillmentOrderId"))
            if fo is None:
                errors.append("Fulfillment order does not exist.")
                continue
            if fo.status not in FULFILLABLE:
                errors.append(f"Fulfillment order {fo.gid} has an unfulfillable status= {fo.status.lower()}.")
                continue
            items = group.get("fulfillmentOrderLineItems")
            if not items:
                chosen = [(line, line["remaining"]) for line in fo.lines if line["remaining"] > 0]
                if not chosen:
                    errors.append("Fulfillment order has no line items left to fulfill.")
            else:
                lines = {line["gid"]: line for line in fo.lines}
                chosen = []
                for item in items:
                    line = lines.get(item.get("id"))
                    quantity = item.get("quantity")
                    if line is None or not isinstance(quantity, int) or not 0 < quantity <= line["remaining"]:
                        errors.append("Invalid fulfillment order line item quantity requested.")
                    else:
                        chosen.append((line, quantity))
            plan.append((fo, chosen))
        if not groups:
            errors.append("lineItemsByFulfillmentOrder must not be empty.")
        if len({fo.order_id for fo, _ in plan}) > 1:
            errors.append("Fulfillment orders must belong to the same order.")
        if errors:
            return {
                "fulfillment": None,
                "userErrors": [{"field": ["fulfillment"], "message": m} for m in errors],
            }
        order_id = plan[0][0].order_id
        number = self._new_id()
        tracking = wanted.get("trackingInfo") or {}
        created = {
            "id": f"gid://shopify/Fulfillment/{number}",
            "legacyResourceId": str(number),
            "status": "SUCCESS",
            "trackingInfo": [{key: tracking.get(key) for key in ("company", "number", "url")}],
            "notifyCustomer": bool(wanted.get("notifyCustomer")),
            "lines": {},
        }
        for fo, chosen in plan:
            for line, quantity in chosen:
                line["remaining"] -= quantity
                key = str(line["line_item_id"])
                created["lines"][key] = created["lines"].get(key, 0) + quantity
            fo.status = "CLOSED" if all(line["remaining"] == 0 for line in fo.lines) else "IN_PROGRESS"
        self._shop.fulfillments[order_id].append(created)
        order = self._shop.orders[order_id]
        done = all(fo.status == "CLOSED" for fo in self._shop.fulfillment_orders[order_id])
        order["fulfillment_status"] = "fulfilled" if done else "partial"
        order["updated_at"] = datetime.now(UTC).replace(microsecond=0).isoformat()
        return {
            "fulfillment": {k: created[k] for k in ("id", "legacyResourceId", "status")},
            "userErrors": [],
        }

    # The GraphQL node, from the REST payload.

    def _render_order(self, order: dict) -> dict:
        order_id = int(order["id"])
        currency = order.get("currency") or "EUR"

        def bag(amount):
            return _money_bag(amount, currency)

        customer = order.get("customer")
        node = {
            "__typename": "Order",
            "id": f"gid://shopify/Order/{order_id}",
            "legacyResourceId": str(order_id),
            "name": order.get("name"),
            "createdAt": _utc(order.get("created_at")),
            "updatedAt": _utc(order.get("updated_at")),
            "processedAt": _utc(order.get("processed_at") or order.get("created_at")),
            "cancelledAt": _utc(order.get("cancelled_at")),
            "cancelReason": (order.get("cancel_reason") or "").upper() or None,
            "email": order.get("email"),
            "phone": order.get("phone"),
            "note": order.get("note"),
            "tags": [t.strip() for t in (order.get("tags") or "").split(",") if t.strip()],
            "customAttributes": [
                {"key": a.get("name"), "value": None if a.get("value") is None else str(a.get("value"))}
                for a in order.get("note_attributes") or []
            ],
            "paymentGatewayNames": list(order.get("payment_gateway_names") or []),
            "displayFinancialStatus": (order.get("financial_status") or "").upper() or None,
            "displayFulfillmentStatus": {"fulfilled": "FULFILLED", "partial": "PARTIALLY_FULFILLED"}.get(
                order.get("fulfillment_status"), "UNFULFILLED"
            ),
            "currencyCode": currency,
            "taxesIncluded": bool(order.get("taxes_included")),
            "totalPriceSet": bag(order.get("total_price")),
            "totalReceivedSet": bag(_received(order)),
            "customer": None
            if not customer
            else {
                "id": f"gid://shopify/Customer/{customer.get('id', 1)}",
                "firstName": customer.get("first_name"),
                "lastName": customer.get("last_name"),
                "displayName": " ".join(
                    p for p in (customer.get("first_name"), customer.get("last_name")) if p
                ),
                "defaultEmailAddress": {"emailAddress": customer["email"]} if customer.get("email") else None,
                "defaultPhoneNumber": {"phoneNumber": customer["phone"]} if customer.get("phone") else None,
            },
            "shippingAddress": _address(order.get("shipping_address")),
            "billingAddress": _address(order.get("billing_address")),
            "lineItems": _connection([_line(item, bag) for item in order.get("line_items") or []]),
            "shippingLines": _connection(
                [
                    {
                        "title": line.get("title"),
                        "code": line.get("code"),
                        "originalPriceSet": bag(line.get("price")),
                        "discountedPriceSet": bag(line.get("discounted_price") or line.get("price")),
                        "discountAllocations": _allocations(line, bag),
                        "taxLines": _tax_lines(line, bag),
                    }
                    for line in order.get("shipping_lines") or []
                    if not line.get("is_removed")
                ]
            ),
            "refunds": _limited(
                [
                    {
                        "id": f"gid://shopify/Refund/{refund['id']}",
                        "legacyResourceId": str(refund["id"]),
                        "createdAt": _utc(refund.get("created_at")),
                        "note": refund.get("note"),
                        "transactions": _connection(
                            [
                                {
                                    "kind": (t.get("kind") or "").upper(),
                                    "status": (t.get("status") or "").upper(),
                                    "amountSet": bag(t.get("amount")),
                                }
                                for t in refund.get("transactions") or []
                            ]
                        ),
                    }
                    for refund in order.get("refunds") or []
                ]
            ),
            "fulfillmentOrders": _connection(
                [
                    {
                        "id": fo.gid,
                        "status": fo.status,
                        "lineItems": _connection(
                            [
                                {
                                    "id": line["gid"],
                                    "remainingQuantity": line["remaining"],
                                    "totalQuantity": line["total"],
                                    "lineItem": {"id": f"gid://shopify/LineItem/{line['line_item_id']}"},
                                }
                                for line in fo.lines
                            ]
                        ),
                    }
                    for fo in self._shop.fulfillment_orders.get(order_id, [])
                ]
            ),
            "fulfillments": _limited(
                [
                    {
                        "id": f["id"],
                        "legacyResourceId": f["legacyResourceId"],
                        "status": f["status"],
                        "trackingInfo": _limited(f["trackingInfo"]),
                    }
                    for f in self._shop.fulfillments.get(order_id, [])
                ]
            ),
        }
        return node

    def _new_id(self) -> int:
        self._shop.next_id += 1
        return self._shop.next_id


# REST pieces as GraphQL.


def _line(item: dict, bag) -> dict:
    return {
        "id": f"gid://shopify/LineItem/{item['id']}",
        "sku": item.get("sku"),
        "title": item.get("title"),
        "name": item.get("name"),
        "variantTitle": item.get("variant_title"),
        "quantity": item.get("quantity"),
        "currentQuantity": item.get("current_quantity", item.get("quantity")),
        "originalUnitPriceSet": bag(item.get("price")),
        "totalDiscountSet": bag(item.get("total_discount") or "0"),
        "discountAllocations": _allocations(item, bag),
        "taxLines": _tax_lines(item, bag),
    }


def _allocations(item: dict, bag) -> list:
    return [{"allocatedAmountSet": bag(a.get("amount"))} for a in item.get("discount_allocations") or []]


def _tax_lines(item: dict, bag) -> list:
    return [
        {
            "title": tax.get("title"),
            "rate": float(tax["rate"]) if tax.get("rate") is not None else None,
            "ratePercentage": float(Decimal(str(tax["rate"])) * 100) if tax.get("rate") is not None else None,
            "priceSet": bag(tax.get("price")),
        }
        for tax in item.get("tax_lines") or []
    ]


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    return {
        "firstName": address.get("first_name"),
        "lastName": address.get("last_name"),
        "name": address.get("name"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "provinceCode": address.get("province_code"),
        "zip": address.get("zip"),
        "country": address.get("country"),
        "countryCodeV2": address.get("country_code"),
        "phone": address.get("phone"),
    }


def _received(order: dict):
    """What Shopify's totalReceivedSet would say: everything captured, before refunds."""
    total = Decimal(str(order.get("total_price") or "0"))
    status = order.get("financial_status")
    if status in ("paid", "partially_refunded", "refunded"):
        return total
    if status == "partially_paid":
        return total - Decimal(str(order.get("total_outstanding") or "0"))
    return Decimal("0")


def _money_bag(amount, currency: str) -> dict | None:
    if amount is None:
        return None
    money = {"amount": _graphql_decimal(amount), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def _graphql_decimal(amount) -> str:
    """Shopify's Decimal scalar: "12.5" for 12.50, "10.0" for 10."""
    number = Decimal(str(amount))
    if number == number.to_integral_value():
        return f"{number.to_integral_value()}.0"
    return format(number.normalize(), "f")


def _utc(value) -> str | None:
    if not value:
        return None
    return _parse_time(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _quantity(item: dict) -> int:
    return int(item.get("current_quantity", item.get("quantity")) or 0)


def _gid_number(value, kind: str) -> int:
    found = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", str(value or ""))
    if not found:
        raise GraphQLError(f"Invalid global id '{value}'", "argumentLiteralsIncompatible")
    return int(found[1])


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() or "." in str(value) else int(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


# Connections and lists whose size the query chooses.


class _Sized:
    """A field whose value depends on its `first` argument."""

    def __init__(self, items: list, connection: bool):
        self.items = items
        self.connection = connection

    def resolve(self, arguments: dict):
        first = arguments.get("first")
        if self.connection and not isinstance(first, int):
            raise GraphQLError("you must provide one of first or last", "missingRequiredArguments")
        items = self.items[:first] if isinstance(first, int) else self.items
        if not self.connection:
            return items
        return {
            "nodes": items,
            "edges": [{"cursor": str(index), "node": node} for index, node in enumerate(items)],
            "pageInfo": {"hasNextPage": len(self.items) > len(items), "hasPreviousPage": False},
        }


def _connection(items: list) -> _Sized:
    return _Sized(items, connection=True)


def _limited(items: list) -> _Sized:
    return _Sized(items, connection=False)


def _expand(value):
    if isinstance(value, _Sized):
        return _expand(value.resolve({"first": len(value.items)} if value.connection else {}))
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


# A small GraphQL reader: enough of the language for the client's documents.

_TOKENS = re.compile(
    r'\.\.\.|[{}():!$@\[\]=]|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[_A-Za-z]\w*'
)


@dataclass
class _Field:
    alias: str
    name: str
    arguments: dict
    selections: list | None


@dataclass
class _Spread:
    fragment: str


@dataclass
class _Inline:
    selections: list


@dataclass
class _Variable:
    name: str


@dataclass
class _Document:
    operations: dict  # name -> (kind, selections)
    fragments: dict  # name -> selections

    def operation(self, name: str | None):
        if name:
            if name not in self.operations:
                raise GraphQLError(f'No operation named "{name}"')
            kind, selections = self.operations[name]
            return kind, name, selections
        if len(self.operations) != 1:
            raise GraphQLError("An operation name is required")
        ((only, (kind, selections)),) = self.operations.items()
        return kind, only or "", selections

    def fields(self, selections: list) -> list[_Field]:
        found = []
        for selection in selections:
            if isinstance(selection, _Field):
                found.append(selection)
            elif isinstance(selection, _Spread):
                if selection.fragment not in self.fragments:
                    raise GraphQLError(f"Fragment {selection.fragment} was used, but not defined")
                found += self.fields(self.fragments[selection.fragment])
            else:
                found += self.fields(selection.selections)
        return found


def _parse(text: str) -> _Document:
    tokens = _TOKENS.findall(re.sub(r"#[^\n]*", "", text))
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take(expected=None):
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token != expected):
            raise GraphQLError(f"Expected {expected or 'more'}, found {token}")
        position += 1
        return token

    def value():
        token = take()
        if token == "$":
            return _Variable(take())
        if token.startswith('"'):
            return json.loads(token)
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        if token == "[":
            items = []
            while peek() != "]":
                items.append(value())
            take("]")
            return items
        if token == "{":
            fields = {}
            while peek() != "}":
                key = take()
                take(":")
                fields[key] = value()
            take("}")
            return fields
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if re.fullmatch(r"-?\d.*", token):
            return Decimal(token)
        return token  # an enum value

    def arguments():
        found = {}
        take("(")
        while peek() != ")":
            key = take()
            take(":")
            found[key] = value()
        take(")")
        return found

    def skip_variables():
        depth = 0
        while True:
            token = take()
            depth += token == "("
            depth -= token == ")"
            if depth == 0:
                return

    def selection_set():
        take("{")
        selections = []
        while peek() != "}":
            selections.append(selection())
        take("}")
        return selections

    def selection():
        if peek() == "...":
            take()
            if peek() == "on":
                take()
                take()
                return _Inline(selection_set())
            return _Spread(take())
        alias = name = take()
        if peek() == ":":
            take()
            name = take()
        found = arguments() if peek() == "(" else {}
        while peek() == "@":
            take()
            take()
            if peek() == "(":
                arguments()
        return _Field(alias, name, found, selection_set() if peek() == "{" else None)

    operations, fragments = {}, {}
    while peek() is not None:
        if peek() == "{":
            operations[None] = ("query", selection_set())
        elif peek() in ("query", "mutation", "subscription"):
            kind = take()
            name = take() if peek() not in ("(", "{") else None
            if peek() == "(":
                skip_variables()
            operations[name] = (kind, selection_set())
        elif peek() == "fragment":
            take()
            name = take()
            take("on")
            take()
            fragments[name] = selection_set()
        else:
            raise GraphQLError(f"Unexpected {peek()}")
    return _Document(operations, fragments)


def _arguments(arguments: dict, variables: dict) -> dict:
    def resolved(value):
        if isinstance(value, _Variable):
            return variables.get(value.name)
        if isinstance(value, list):
            return [resolved(item) for item in value]
        if isinstance(value, dict):
            return {key: resolved(item) for key, item in value.items()}
        return value

    return {key: resolved(value) for key, value in arguments.items()}


def _shape(value, selected: _Field, document: _Document, variables: dict):
    """The value cut down to what `selected` asks for."""
    if isinstance(value, _Sized):
        value = value.resolve(_arguments(selected.arguments, variables))
    if value is None or selected.selections is None:
        return value
    if isinstance(value, list):
        return [_shape_object(item, selected, document, variables) for item in value]
    return _shape_object(value, selected, document, variables)


def _shape_object(value, selected: _Field, document: _Document, variables: dict):
    if value is None:
        return None
    shaped = {}
    for child in document.fields(selected.selections):
        if child.name == "__typename":
            shaped[child.alias] = value.get("__typename")
            continue
        if child.name not in value:
            raise GraphQLError(
                f"Field '{child.name}' doesn't exist on type '{value.get('__typename') or selected.name}'",
                "undefinedField",
            )
        shaped[child.alias] = _shape(value[child.name], child, document, variables)
    return shaped


def _requested_cost(selections: list, document: _Document, variables: dict) -> int:
    """Shopify's documented estimate: scalars 0, objects 1, connections 2 + first x the node."""
    total = 0
    for selected in document.fields(selections):
        if selected.selections is None:
            continue
        first = _arguments(selected.arguments, variables).get("first")
        children = document.fields(selected.selections)
        node = next((c for c in children if c.name == "nodes"), None)
        edges = next((c for c in children if c.name == "edges"), None)
        if edges is not None:
            node = next((c for c in document.fields(edges.selections or []) if c.name == "node"), node)
        if node is not None and isinstance(first, int):
            total += 2 + first * (1 + _requested_cost(node.selections or [], document, variables))
        elif isinstance(first, int):
            total += first * (1 + _requested_cost(selected.selections, document, variables))
        else:
            total += 1 + _requested_cost(selected.selections, document, variables)
    return total


def _handler(fake: FakeShopify):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, delayed ACKs add 40 ms to each answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, extra, payload = fake._serve(self.path, self.headers, body)
            self._answer(status, extra, payload)

        def do_GET(self):
            fake._log(self.path, "", "", {}, 404, 0, None)
            self._answer(404, {}, {"errors": "Not Found"})

        def _answer(self, status, extra, payload):
            data = json.dumps(payload, default=_json_default).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, format, *args):  # quiet: tests read fake.requests instead
            pass

    return Handler
