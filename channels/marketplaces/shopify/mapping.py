"""Shopify orders as PlatformOrders, from both shapes Shopify describes an order in: the REST-shaped JSON
that webhooks deliver and the GraphQL Order node the client reads. The GraphQL node is first read into
the REST shape, so one set of rules decides both and the same order gives equal PlatformOrders (only
`raw` differs). A field that cannot be read is left empty and named in `problems`; only an order without
an id or an updated_at raises ValueError.

Past 400 lines on purpose: the REST rules and the reading of the GraphQL node change together (a field
mapping reads is a field the client asks for), so they stay side by side."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from channels.marketplaces.base import Buyer, FinancialStatus, PlatformLine, PlatformOrder, PlatformRefund
from channels.marketplaces.shopify.countries import COUNTRY_CODES
from channels.marketplaces.values import cents, decimal_of, shown, text_of, whole_number

ZERO = Decimal("0")
CENT = Decimal("0.01")

FINANCIAL_STATUSES = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.PENDING,  # authorised is not captured
    "partially_paid": FinancialStatus.PARTIALLY_PAID,
    "paid": FinancialStatus.PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "voided": FinancialStatus.VOIDED,
    "expired": FinancialStatus.VOIDED,  # the authorisation lapsed: nothing will be captured
}
# Everything was captured once; refunds are counted separately (PlatformOrder.amount_paid is before refunds).
CAPTURED_IN_FULL = {"paid", "partially_refunded", "refunded"}


def order_from_rest(payload: dict) -> PlatformOrder:
    """A webhook's order (orders/create, orders/updated, orders/paid, orders/cancelled, ...)."""
    if not isinstance(payload, dict):
        raise ValueError(f"A Shopify order is a JSON object, not {type(payload).__name__}.")
    problems: list[str] = []
    status = text_of(payload.get("financial_status")).lower()
    total = _money(payload.get("total_price"), "the order total", problems, missing=None, unreadable=None)
    amount_paid = ZERO
    if status in CAPTURED_IN_FULL:
        amount_paid = total or ZERO
    elif status == "partially_paid":
        outstanding = _money(
            payload.get("total_outstanding"), "the amount outstanding", problems, missing=None
        )
        if outstanding is None:  # without it, what was paid is unknown: count nothing rather than all
            problems.append("the order is partially paid but does not say how much is outstanding")
        else:
            amount_paid = max((total or ZERO) - outstanding, ZERO)
    return _order(payload, amount_paid=amount_paid, total=total, problems=problems, raw=payload)


def order_from_graphql(node: dict) -> PlatformOrder:
    """An Order node as the client's queries select it (client.ORDER_FIELDS)."""
    if not isinstance(node, dict):
        raise ValueError(f"A Shopify order is a JSON object, not {type(node).__name__}.")
    problems: list[str] = []
    view = rest_view(node)
    if (node.get("lineItems") or {}).get("pageInfo", {}).get("hasNextPage"):
        problems.append(f"the order has more than {len(view['line_items'])} lines; only those were read")
    total = _money(view.get("total_price"), "the order total", problems, missing=None, unreadable=None)
    received = _money(_shop_amount(node.get("totalReceivedSet")), "the amount received", problems)
    return _order(view, amount_paid=received, total=total, problems=problems, raw=node)


def rest_view(node: dict) -> dict:
    """A GraphQL Order node in the REST shape's keys: what `_order` reads, nothing more."""
    customer = node.get("customer") or None
    if customer is not None:
        customer = {
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
            "email": (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
            "phone": (customer.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        }
    return {
        "id": node.get("legacyResourceId"),
        "name": node.get("name"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "note": node.get("note"),
        "tags": node.get("tags"),
        "note_attributes": [
            {"name": item.get("key"), "value": item.get("value")}
            for item in _list(node.get("customAttributes"))
            if isinstance(item, dict)
        ],
        "payment_gateway_names": node.get("paymentGatewayNames"),
        "financial_status": text_of(node.get("displayFinancialStatus")).lower() or None,
        "fulfillment_status": text_of(node.get("displayFulfillmentStatus")).lower() or None,
        "currency": node.get("currencyCode"),
        "taxes_included": node.get("taxesIncluded"),
        "total_price": _shop_amount(node.get("totalPriceSet")),
        "customer": customer,
        "shipping_address": _rest_address(node.get("shippingAddress")),
        "billing_address": _rest_address(node.get("billingAddress")),
        "line_items": [_rest_line(line) for line in _nodes(node.get("lineItems"))],
        "shipping_lines": [
            {
                "title": line.get("title"),
                "price": _shop_amount(line.get("originalPriceSet")),
                "discount_allocations": _rest_allocations(line.get("discountAllocations")),
                "tax_lines": _rest_taxes(line.get("taxLines")),
            }
            for line in _nodes(node.get("shippingLines"))
        ],
        "refunds": [
            {
                "id": refund.get("legacyResourceId"),
                "created_at": refund.get("createdAt"),
                "note": refund.get("note"),
                "transactions": [
                    {
                        "kind": text_of(transaction.get("kind")).lower(),
                        "status": text_of(transaction.get("status")).lower(),
                        "amount": _shop_amount(transaction.get("amountSet")),
                    }
                    for transaction in _nodes(refund.get("transactions"))
                ],
            }
            for refund in _list(node.get("refunds"))
            if isinstance(refund, dict)
        ],
    }


def numeric_id(value) -> str:
    """Shopify's numeric id as a string, from 1234, "1234" or "gid://shopify/Order/1234"; "" otherwise."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value) if value > 0 else ""
    text = text_of(value)
    if text.startswith("gid://"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text if text.isascii() and text.isdigit() and int(text) > 0 else ""


# The one set of rules, over the REST shape.


def _order(view: dict, *, amount_paid: Decimal, total: Decimal | None, problems: list[str], raw: dict):
    order_id = numeric_id(view.get("id"))
    if not order_id:
        raise ValueError(f"The Shopify order has no usable id ({shown(view.get('id'))}).")
    updated_at = _when(view.get("updated_at"))
    if updated_at is None:
        raise ValueError(
            f"Shopify order {order_id} has no usable updated_at ({shown(view.get('updated_at'))})."
        )
    created_at = _when(view.get("created_at"))
    if created_at is None and view.get("created_at"):
        problems.append(f"the order date {shown(view.get('created_at'))} is not a date")
    cancelled_at = _when(view.get("cancelled_at"))
    if cancelled_at is None and view.get("cancelled_at"):
        problems.append(f"the cancellation date {shown(view.get('cancelled_at'))} is not a date")

    status = text_of(view.get("financial_status")).lower()
    financial_status = FINANCIAL_STATUSES.get(status, FinancialStatus.PENDING)
    if status and status not in FINANCIAL_STATUSES:
        problems.append(f"the payment status {shown(status)} is unknown; taken as pending")

    # An order edit (or a refund that restocks before shipping) leaves the line with current_quantity 0:
    # there is nothing of it left to ship.
    raw_lines = [item for item in _list(view.get("line_items")) if not _removed(item)]
    if not raw_lines:
        problems.append("the order has no line items")
    taxes_included = view.get("taxes_included") is True
    lines = [
        _line(position, item, problems, taxes_included=taxes_included)
        for position, item in enumerate(raw_lines, start=1)
    ]

    # REST keeps shipping lines removed by an edit (is_removed); GraphQL leaves them out.
    shipping_lines = [
        item
        for item in _list(view.get("shipping_lines"))
        if isinstance(item, dict) and not item.get("is_removed")
    ]
    delivery_fee = ZERO
    for position, item in enumerate(shipping_lines, start=1):
        what = f"shipping line {position} ({text_of(item.get('title')) or 'untitled'})"
        price = _money(item.get("price"), f"the price of {what}", problems)
        fee = max(price - _allocated(item, what, problems), ZERO)
        if not taxes_included:  # Packline taxes no delivery fee: the buyer paid it with its tax
            fee += _taxes(item.get("tax_lines"), what, problems)[1] or ZERO
        delivery_fee += fee

    return PlatformOrder(
        platform_order_id=order_id,
        number=text_of(view.get("name")) or (f"#{view['order_number']}" if view.get("order_number") else ""),
        updated_at=updated_at,
        created_at=created_at,
        buyer=_buyer(view),
        shipping_address=_address(view.get("shipping_address"), "shipping", problems),
        billing_address=_address(view.get("billing_address"), "billing", problems),
        lines=lines,
        shipping_method=text_of(shipping_lines[0].get("title")) if shipping_lines else "",
        delivery_fee=delivery_fee,
        currency=text_of(view.get("currency")).upper(),
        payment_gateways=[
            text_of(name) for name in _list(view.get("payment_gateway_names")) if text_of(name)
        ],
        financial_status=financial_status,
        amount_paid=amount_paid,
        refunds=_refunds(view.get("refunds"), problems),
        total=total,
        cancelled_at=cancelled_at,
        fulfilled=text_of(view.get("fulfillment_status")).lower() == "fulfilled",
        notes=text_of(view.get("note")),
        tags=_tags(view.get("tags")),
        attributes={
            text_of(item.get("name")): text_of(item.get("value"))
            for item in _list(view.get("note_attributes"))
            if isinstance(item, dict) and text_of(item.get("name"))
        },
        problems=problems,
        raw=raw,
    )


def _line(position: int, item, problems: list[str], *, taxes_included: bool) -> PlatformLine:
    """Packline adds tax to net prices. Where Shopify's prices include tax (taxes_included, usual in
    the EU) the unit price and discount are taken back to net, so that net + tax is Shopify's line."""
    if not isinstance(item, dict):
        problems.append(f"line {position} is not a line item ({shown(item)})")
        return PlatformLine(platform_line_id="", sku="", name="", quantity=0, unit_price=ZERO)
    name = text_of(item.get("name")) or text_of(item.get("title"))
    what = f"line {position} ({name})" if name else f"line {position}"
    line_id = numeric_id(item.get("id"))
    if not line_id:
        problems.append(f"{what} has no Shopify line id")
    sku = text_of(item.get("sku"))
    if not sku:
        problems.append(f"{what} has no SKU")
    # current_quantity: what is left after order edits and restocking refunds; older payloads lack it.
    asked = item.get("current_quantity", item.get("quantity"))
    quantity = _whole(asked)
    if quantity is None:
        problems.append(f"{what} has quantity {shown(asked)}, not a whole number above 0")
        quantity = 0
    unit_price = _money(item.get("price"), f"the price of {what}", problems, missing=None)
    if unit_price is None:
        problems.append(f"{what} has no price")
        unit_price = ZERO
    if item.get("discount_allocations"):
        discount = _allocated(item, what, problems)
    else:
        discount = _money(item.get("total_discount"), f"the discount of {what}", problems)
    rate, tax = _taxes(item.get("tax_lines"), what, problems)
    tax_rate = None
    if rate is not None:
        net = unit_price * quantity - discount
        if taxes_included:
            unit_price, discount, net, tax = _net_of_tax(unit_price, quantity, discount, rate, tax)
        tax_rate = _rate_reproducing(rate, net, tax)
    return PlatformLine(
        platform_line_id=line_id,
        sku=sku,
        name=name,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        tax_rate=tax_rate,
    )


def _taxes(tax_lines, what: str, problems: list[str]) -> tuple[Decimal | None, Decimal | None]:
    """The line's tax rate as a fraction (Shopify's 0.2 for 20 %, summed over its taxes) and its tax
    in money; None when the line has no tax lines or they cannot be read. No tax line: no tax."""
    if not isinstance(tax_lines, list):
        return None, None
    rate, amount = ZERO, ZERO
    for tax in tax_lines:
        value = decimal_of(tax.get("rate")) if isinstance(tax, dict) else None
        if value is None or value < 0 or value >= 1:
            problems.append(f"a tax rate of {what} is not a rate ({shown(tax)})")
            return None, None
        rate += value
        price = decimal_of(tax.get("price"))
        amount = amount + price if amount is not None and price is not None and price >= 0 else None
    return rate, amount


def _net_of_tax(unit_price: Decimal, quantity: int, discount: Decimal, rate: Decimal, tax: Decimal | None):
    """Net unit price and discount from tax-inclusive ones: the line's net is Shopify's amount less
    Shopify's tax to the cent; the unit price is rounded up and the spare cents join the discount."""
    gross = unit_price * quantity - discount
    if tax is None:
        tax = (gross - gross / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
    net = gross - tax
    unit = (unit_price / (1 + rate)).quantize(CENT, ROUND_UP)
    if quantity <= 0:
        return unit, (discount / (1 + rate)).quantize(CENT, ROUND_HALF_UP), net, tax
    unit = max(unit, (net / quantity).quantize(CENT, ROUND_UP))
    return unit, unit * quantity - net, net, tax


def _rate_reproducing(rate: Decimal, net: Decimal, tax: Decimal | None) -> Decimal:
    """The tax rate in percent, 2 places: the shop's, unless Packline's tax on the net (rounded to the
    cent) would then differ from the tax Shopify charged and a rate read from the amounts would not."""
    shop_rate = (rate * 100).quantize(CENT, ROUND_HALF_UP)
    if tax is None or net <= 0 or cents(net * shop_rate / 100) == tax:
        return shop_rate
    computed = (tax / net * 100).quantize(CENT, ROUND_HALF_UP)
    return computed if computed < 100 and cents(net * computed / 100) == tax else shop_rate


def _removed(item) -> bool:
    return (
        isinstance(item, dict)
        and item.get("current_quantity") is not None
        and decimal_of(item["current_quantity"]) == Decimal(0)
    )


def _allocated(item: dict, what: str, problems: list[str]) -> Decimal:
    total = ZERO
    for allocation in _list(item.get("discount_allocations")):
        amount = allocation.get("amount") if isinstance(allocation, dict) else allocation
        total += _money(amount, f"a discount of {what}", problems)
    return total


def _refunds(value, problems: list[str]) -> list[PlatformRefund]:
    """Refunds with money that actually went back; one whose transactions are all pending or failed is
    left out until Shopify says it succeeded, so intake never records a refund of nothing."""
    refunds = []
    for position, refund in enumerate(_list(value), start=1):
        if not isinstance(refund, dict):
            continue
        refund_id = numeric_id(refund.get("id"))
        what = f"refund {refund_id or position}"
        amount = ZERO
        for transaction in _list(refund.get("transactions")):
            if not isinstance(transaction, dict):
                continue
            kind = text_of(transaction.get("kind")).lower()
            status = text_of(transaction.get("status")).lower()
            if kind == "refund" and status == "success":
                amount += _money(transaction.get("amount"), f"the amount of {what}", problems)
        if amount <= 0:
            continue
        if not refund_id:
            problems.append(f"a refund of {amount} has no Shopify id")
        refunds.append(
            PlatformRefund(
                platform_refund_id=refund_id,
                amount=amount,
                created_at=_when(refund.get("created_at")),
                note=text_of(refund.get("note")),
            )
        )
    return refunds


def _buyer(view: dict) -> Buyer:
    customer = view.get("customer") if isinstance(view.get("customer"), dict) else {}
    billing = view.get("billing_address") if isinstance(view.get("billing_address"), dict) else {}
    shipping = view.get("shipping_address") if isinstance(view.get("shipping_address"), dict) else {}
    name = _joined(customer.get("first_name"), customer.get("last_name"))
    return Buyer(
        name=name or _address_name(billing) or _address_name(shipping),
        email=text_of(view.get("email")) or text_of(customer.get("email")),
        phone=(
            text_of(view.get("phone"))
            or text_of(customer.get("phone"))
            or text_of(billing.get("phone"))
            or text_of(shipping.get("phone"))
        ),
        company=text_of(billing.get("company")) or text_of(shipping.get("company")),
    )


def _address(value, which: str, problems: list[str]) -> dict:
    if not isinstance(value, dict) or not value:
        return {}
    code = text_of(value.get("country_code")).upper()
    country = code if code in COUNTRY_CODES else ""
    if code and not country:
        problems.append(f"the {which} address country code {shown(code)} is not a country we know")
    elif not code and text_of(value.get("country")):
        problems.append(f"the {which} address country {shown(value.get('country'))} has no country code")
    return {
        "name": _address_name(value),
        "line1": text_of(value.get("address1")),
        "line2": text_of(value.get("address2")),
        "city": text_of(value.get("city")),
        "region": text_of(value.get("province_code")) or text_of(value.get("province")),
        "postcode": text_of(value.get("zip")),
        "country": country,
        "phone": text_of(value.get("phone")),
    }


def _address_name(address: dict) -> str:
    return text_of(address.get("name")) or _joined(address.get("first_name"), address.get("last_name"))


def _tags(value) -> list[str]:
    """Tags once each, in alphabetical order: REST gives a comma-separated string, GraphQL a list."""
    parts = value.split(",") if isinstance(value, str) else _list(value)
    return sorted({text_of(tag) for tag in parts if text_of(tag)}, key=str.casefold)


# GraphQL pieces in the REST shape.


def _rest_line(line) -> dict:
    if not isinstance(line, dict):
        return line
    return {
        "id": numeric_id(line.get("id")) or line.get("id"),
        "sku": line.get("sku"),
        "title": line.get("title"),
        "name": line.get("name"),
        "quantity": line.get("quantity"),
        "current_quantity": line.get("currentQuantity"),
        "price": _shop_amount(line.get("originalUnitPriceSet")),
        "total_discount": _shop_amount(line.get("totalDiscountSet")),
        "discount_allocations": _rest_allocations(line.get("discountAllocations")),
        "tax_lines": _rest_taxes(line.get("taxLines")),
    }


def _rest_taxes(value) -> list | None:
    if not isinstance(value, list):
        return None
    return [
        {"rate": tax.get("rate"), "price": _shop_amount(tax.get("priceSet"))}
        if isinstance(tax, dict)
        else tax
        for tax in value
    ]


def _rest_allocations(value) -> list:
    return [
        {"amount": _shop_amount(allocation.get("allocatedAmountSet"))}
        for allocation in _list(value)
        if isinstance(allocation, dict)
    ]


def _rest_address(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    return {
        "first_name": value.get("firstName"),
        "last_name": value.get("lastName"),
        "name": value.get("name"),
        "company": value.get("company"),
        "address1": value.get("address1"),
        "address2": value.get("address2"),
        "city": value.get("city"),
        "province": value.get("province"),
        "province_code": value.get("provinceCode"),
        "zip": value.get("zip"),
        "country": value.get("country"),
        "country_code": value.get("countryCodeV2"),
        "phone": value.get("phone"),
    }


def _shop_amount(money_bag):
    """The shop-currency amount of a MoneyBag ({"shopMoney": {"amount": "12.5"}})."""
    if not isinstance(money_bag, dict):
        return None
    return (money_bag.get("shopMoney") or {}).get("amount")


def _nodes(connection) -> list:
    if isinstance(connection, list):
        return connection
    if not isinstance(connection, dict):
        return []
    if "nodes" in connection:
        return _list(connection["nodes"])
    return [edge.get("node") for edge in _list(connection.get("edges")) if isinstance(edge, dict)]


# Values.


def _joined(*parts) -> str:
    return " ".join(text_of(part) for part in parts if text_of(part))


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _money(value, what: str, problems: list[str], *, missing=ZERO, unreadable=ZERO) -> Decimal | None:
    """An amount of money, exact. A missing one is `missing`; an unreadable or negative one is
    `unreadable` and a problem."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return missing
    amount = decimal_of(value)
    if amount is None or amount < 0:
        problems.append(f"{what} is not an amount ({shown(value)})")
        return unreadable
    return amount


def _whole(value) -> int | None:
    """A whole number above 0, or None."""
    number = whole_number(value)
    return number if number is not None and number > 0 else None


def _when(value) -> datetime | None:
    """An aware datetime in UTC; None when missing, unreadable or without an offset."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(UTC)
