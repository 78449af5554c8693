"""WooCommerce's order JSON read as a PlatformOrder: the same shape arrives in order.* webhooks and from
REST API v3 (/wp-json/wc/v3/orders), so both doors share this one reading.

What cannot be read is never an exception: it is left empty (or 0) and said in a sentence in
`problems`, and intake puts the order on hold with it. Only an order without an id or a
date_modified_gmt raises ValueError: without them nobody can tell which order it is or how recent.

Money is Decimal throughout (WooCommerce sends amounts as strings and a line's `price` as a JSON
number; load bodies with `loads`, which reads JSON numbers as Decimal).
"""

import json
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from channels.marketplaces.base import (
    Buyer,
    FinancialStatus,
    PlatformLine,
    PlatformOrder,
    PlatformRefund,
)
from channels.marketplaces.values import capitalised, decimal_of, shown, text_of, utc_of, whole_number
from channels.marketplaces.woocommerce.countries import ISO_3166_ALPHA_2

CENT = Decimal("0.01")
ZERO = Decimal("0")

# Statuses a WooCommerce order can have out of the box. Plugins add their own ("shipped",
# "awaiting-pickup", ...); those are read by whether the order was paid, like processing.
STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)
AWAITING_PAYMENT = frozenset({"pending", "on-hold", "checkout-draft"})
CANCELLED = frozenset({"cancelled", "trash"})  # trash: the shop threw the order away


def order_from_payload(payload: dict) -> PlatformOrder:
    """The order a WooCommerce order object describes (webhook body or REST answer)."""
    if not isinstance(payload, dict):
        raise ValueError(f"A WooCommerce order is a JSON object, not {type(payload).__name__}.")
    order_id = _order_id(payload)
    reading = _Reading(payload.get("tax_lines"))
    updated_at = reading.date(payload.get("date_modified_gmt"), "date_modified_gmt")
    if updated_at is None:
        raise ValueError(
            f"WooCommerce order {order_id} has no readable date_modified_gmt "
            f"({shown(payload.get('date_modified_gmt'))}): Packline cannot tell how recent it is."
        )
    created_at = reading.date(payload.get("date_created_gmt"), "the creation date")
    status = text_of(payload.get("status")).lower().removeprefix("wc-")
    date_paid = reading.date(payload.get("date_paid_gmt"), "the date paid")
    total = reading.amount(payload.get("total"), "the order total", required=True)
    refunds = reading.refunds(payload.get("refunds"))
    refunded = sum((refund.amount for refund in refunds), ZERO)

    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    shipping = payload.get("shipping") if isinstance(payload.get("shipping"), dict) else {}
    if not _has_address(shipping):
        # "Force shipping to the customer billing address" leaves the shipping fields empty.
        shipping = {**billing, "phone": shipping.get("phone") or billing.get("phone")}

    shipping_lines = payload.get("shipping_lines") if isinstance(payload.get("shipping_lines"), list) else []
    # Packline's delivery fee carries no tax of its own, so it takes WooCommerce's shipping with its tax:
    # the order's total then agrees with WooCommerce's.
    delivery_fee = reading.amount(payload.get("shipping_total"), "the shipping total") + reading.amount(
        payload.get("shipping_tax"), "the shipping tax"
    )
    number = text_of(payload.get("number")) or order_id
    payment_method = text_of(payload.get("payment_method"))

    order = PlatformOrder(
        platform_order_id=order_id,
        number=number if number.startswith("#") else f"#{number}",
        updated_at=updated_at,
        created_at=created_at,
        buyer=Buyer(
            name=_person(billing) or _person(shipping),
            email=text_of(billing.get("email")),
            phone=text_of(billing.get("phone")) or text_of(shipping.get("phone")),
            company=text_of(billing.get("company")) or text_of(shipping.get("company")),
        ),
        shipping_address=reading.address(shipping, "shipping"),
        billing_address=reading.address(billing, "billing"),
        lines=reading.lines(payload.get("line_items")),
        shipping_method=", ".join(
            text_of(line.get("method_title")) for line in shipping_lines if isinstance(line, dict)
        ).strip(", "),
        delivery_fee=delivery_fee,
        currency=text_of(payload.get("currency")).upper(),
        payment_gateways=[payment_method] if payment_method else [],
        financial_status=financial_status(
            status, paid=date_paid is not None, refunded=refunded, total=total or ZERO
        ),
        amount_paid=(total or ZERO) if date_paid is not None else ZERO,
        refunds=refunds,
        total=total,
        cancelled_at=updated_at if status in CANCELLED else None,
        fulfilled=status == "completed",
        notes=text_of(payload.get("customer_note")),
        attributes=_attributes(payload),
        raw=payload,
    )
    order.problems = reading.problems
    return order


def order_deleted(payload: dict, *, received_at: datetime) -> PlatformOrder:
    """order.deleted carries only {"id": N} (WooCommerce sends it when an order is trashed or deleted
    for good). Nothing says when, nor whether it had shipped, so the order is marked for a CSR to
    approve its cancellation, dated when the delivery arrived, and says why in `problems`."""
    order_id = _order_id(payload)
    return PlatformOrder(
        platform_order_id=order_id,
        number=f"#{order_id}",
        updated_at=received_at,
        cancellation_requested=True,
        problems=[
            f"WooCommerce says order {order_id} was deleted or moved to the trash; "
            "the delivery carries nothing but its id."
        ],
        raw=payload,
    )


def financial_status(status: str, *, paid: bool, refunded: Decimal = ZERO, total: Decimal = ZERO) -> str:
    """Where the money stands, from the order's status and whether WooCommerce recorded a payment.

    A cancelled (or trashed) order that was never paid is `voided`: there is nothing left to collect.
    """
    if status in AWAITING_PAYMENT:
        return FinancialStatus.PENDING
    if status == "refunded":
        return FinancialStatus.REFUNDED
    if status == "failed":
        return FinancialStatus.VOIDED
    if not paid:
        return FinancialStatus.VOIDED if status in CANCELLED else FinancialStatus.PENDING
    if refunded and total and refunded >= total:
        return FinancialStatus.REFUNDED
    if refunded:
        return FinancialStatus.PARTIALLY_REFUNDED
    return FinancialStatus.PAID


class _Reading:
    """Reads one order's values, collecting a sentence for each it cannot read."""

    def __init__(self, tax_lines=None) -> None:
        self.problems: list[str] = []
        # rate id -> percent, from the order's tax lines; compound rates are left out (they tax the
        # tax, so their percentages do not add up).
        self.rates: dict[str, Decimal] = {}
        for line in tax_lines if isinstance(tax_lines, list) else []:
            if isinstance(line, dict) and not line.get("compound"):
                rate = decimal_of(line.get("rate_percent"))
                if rate is not None:
                    self.rates[text_of(line.get("rate_id"))] = rate

    def amount(self, value, what: str, *, required: bool = False) -> Decimal | None:
        """An amount; 0 when absent, None (with a problem) when required and absent or unreadable."""
        if value is None or value == "":
            if required:
                self.problems.append(f"{capitalised(what)} is missing.")
                return None
            return ZERO
        amount = decimal_of(value)
        if amount is None:
            self.problems.append(f"{capitalised(what)} {shown(value)} is not an amount.")
            return None if required else ZERO
        return amount

    def date(self, value, what: str) -> datetime | None:
        if value is None or value == "":
            return None
        try:
            return utc_of(value)
        except (TypeError, ValueError):
            self.problems.append(f"{capitalised(what)} {shown(value)} is not a date.")
            return None

    def address(self, part: dict, what: str) -> dict:
        country = text_of(part.get("country")).upper()
        if country and country not in ISO_3166_ALPHA_2:
            self.problems.append(
                f"The {what} country {shown(part.get('country'))} is not an ISO 3166-1 country code."
            )
            country = ""
        return {
            "name": _person(part) or text_of(part.get("company")),
            "line1": text_of(part.get("address_1")),
            "line2": text_of(part.get("address_2")),
            "city": text_of(part.get("city")),
            "region": text_of(part.get("state")),
            "postcode": text_of(part.get("postcode")),
            "country": country,
            "phone": text_of(part.get("phone")),
        }

    def lines(self, items) -> list[PlatformLine]:
        if not isinstance(items, list) or not items:
            self.problems.append("The order has no line items.")
            return []
        return [self.line(position, item) for position, item in enumerate(items, start=1)]

    def line(self, position: int, item) -> PlatformLine:
        if not isinstance(item, dict):
            self.problems.append(f"Line {position} is not a line item ({shown(item)}).")
            return PlatformLine(platform_line_id="", sku="", name="", quantity=0, unit_price=ZERO)
        name = text_of(item.get("name"))
        label = f"line {position} ({name})" if name else f"line {position}"
        sku = text_of(item.get("sku"))
        if not sku:
            self.problems.append(f"{capitalised(label)} has no SKU.")
        line_id = text_of(item.get("id"))
        if not line_id:
            self.problems.append(f"{capitalised(label)} has no id.")
        quantity = whole_number(item.get("quantity"))
        if quantity is None or quantity <= 0:
            self.problems.append(
                f"{capitalised(label)} has quantity {shown(item.get('quantity'))}, not a whole number above 0."
            )
            quantity = 0
        unit_price, discount = self._price(label, item, quantity)
        tax_rate = None
        line_total = decimal_of(item.get("total"))
        line_tax = decimal_of(item.get("total_tax"))
        if item.get("total_tax") not in (None, "") and line_tax is None:
            self.problems.append(
                f"{capitalised(label)} has tax {shown(item.get('total_tax'))}, not an amount."
            )
        elif line_total and line_total > 0 and line_tax is not None:
            tax_rate = self._tax_rate(item, line_total, line_tax)
        return PlatformLine(
            platform_line_id=line_id,
            sku=sku,
            name=name,
            quantity=quantity,
            unit_price=unit_price,
            discount=discount,
            tax_rate=tax_rate,
        )

    def _tax_rate(self, item: dict, line_total: Decimal, line_tax: Decimal) -> Decimal:
        """The line's tax in percent of its total, to 2 places. The shop's own rates (tax_lines'
        rate_percent, WooCommerce 5.7+) are preferred when they give the line's tax to the cent: the
        quotient of two rounded amounts reads 20.98 where the shop charges 21."""
        computed = (line_tax / line_total * 100).quantize(CENT, ROUND_HALF_UP)
        taxes = [
            tax for tax in item.get("taxes") or [] if isinstance(tax, dict) and decimal_of(tax.get("total"))
        ]
        rates = [self.rates.get(text_of(tax.get("id"))) for tax in taxes]
        if not rates or None in rates:
            return computed
        shop_rate = sum(rates, ZERO).quantize(CENT, ROUND_HALF_UP)
        if (line_total * shop_rate / 100).quantize(CENT, ROUND_HALF_UP) == line_tax:
            return shop_rate
        return computed

    def _price(self, label: str, item: dict, quantity: int) -> tuple[Decimal, Decimal]:
        """Unit price and the discount on the whole line, so that quantity x price - discount is
        WooCommerce's line total to the cent. The price is the subtotal (before discounts) per unit;
        when the subtotal does not split into whole cents, the price is rounded up and the spare
        cents join the discount."""
        subtotal, total, price = (decimal_of(item.get(key)) for key in ("subtotal", "total", "price"))
        if not quantity:  # its quantity is a problem already; a price per unit cannot be told
            return (price.quantize(CENT, ROUND_HALF_UP) if price is not None and price >= 0 else ZERO), ZERO
        if subtotal is not None:
            unit = subtotal / quantity
        elif price is not None:
            unit = price
            if item.get("subtotal") not in (None, ""):
                self.problems.append(
                    f"{capitalised(label)} has subtotal {shown(item.get('subtotal'))}, not an amount; "
                    f"its price {price} is used."
                )
        else:
            self.problems.append(
                f"{capitalised(label)} has no readable price "
                f"(subtotal {shown(item.get('subtotal'))}, price {shown(item.get('price'))})."
            )
            return ZERO, ZERO
        rounded = unit.quantize(CENT, ROUND_HALF_UP)
        unit = rounded if rounded == unit else unit.quantize(CENT, ROUND_CEILING)
        if unit < 0:
            self.problems.append(f"{capitalised(label)} has a negative price ({unit}).")
            return ZERO, ZERO
        if total is None:
            self.problems.append(f"{capitalised(label)} has total {shown(item.get('total'))}, not an amount.")
            return unit, ZERO
        discount = unit * quantity - total
        if discount < 0:
            self.problems.append(
                f"{capitalised(label)} totals {total}, more than {quantity} × {unit} before discounts."
            )
            return unit, ZERO
        return unit, discount

    def refunds(self, items) -> list[PlatformRefund]:
        refunds = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            amount = decimal_of(item.get("total"))
            if amount is None:
                self.problems.append(
                    f"Refund {shown(item.get('id'))} has total {shown(item.get('total'))}, not an amount."
                )
                continue
            # WooCommerce lists a refund's total as a negative amount ("-10.00").
            refunds.append(
                PlatformRefund(
                    platform_refund_id=text_of(item.get("id")),
                    amount=abs(amount),
                    note=text_of(item.get("reason")),
                )
            )
        return refunds


def _order_id(payload: dict) -> str:
    value = payload.get("id")
    if isinstance(value, bool) or whole_number(value) is None or whole_number(value) <= 0:
        raise ValueError(f"A WooCommerce order needs a numeric id; this one has {shown(value)}.")
    return str(whole_number(value))


def _has_address(part: dict) -> bool:
    return any(text_of(part.get(key)) for key in ("address_1", "city", "postcode", "country"))


def _person(part: dict) -> str:
    return " ".join(filter(None, (text_of(part.get("first_name")), text_of(part.get("last_name")))))


def _attributes(payload: dict) -> dict[str, str]:
    """The order's meta data a person may want to see: keys starting with "_" are WooCommerce's and
    plugins' own bookkeeping. The payment's title and transaction id come along when the shop's meta
    does not already use those names."""
    attributes = {}
    for item in payload.get("meta_data") if isinstance(payload.get("meta_data"), list) else []:
        if not isinstance(item, dict):
            continue
        key = text_of(item.get("key"))
        if key and not key.startswith("_"):
            attributes[key] = _meta_value(item.get("value"))
    for key in ("payment_method_title", "transaction_id"):
        value = text_of(payload.get(key))
        if value:
            attributes.setdefault(key, value)
    return attributes


def _meta_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)
