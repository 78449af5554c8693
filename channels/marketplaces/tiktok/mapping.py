"""TikTok Shop's order (Get Order Detail and Get Order List, API 202309: the same order object) read as
a PlatformOrder.

What cannot be read is never an exception: it is left empty (or 0) and said in a sentence in
`problems`, and intake puts the order on hold with it. Only an order without an id or an update_time
raises ValueError: without them nobody can tell which order it is or how recent.

How TikTok Shop describes an order, and what Packline makes of it:

- Times are Unix epoch seconds (UTC); 0 or absent means "not yet".
- Money is a string per field ("12.50"), in `payment.currency`. A line item is one unit: an order for
  three mugs lists three line items with the same sku_id and no quantity (a `quantity`, where one is
  sent, is honoured). Units of one sku_id become one PlatformLine named by the first unit's id, with
  the quantity; the unit price is the original (list) price, and the seller's and TikTok's discounts
  together are the line's discount, so the line totals what the buyer paid for it (the sum of the units'
  sale_price, as payment.sub_total = original_total_product_price - seller_discount - platform_discount).
  A unit TikTok shows as cancelled while the order goes on is left out.
- Tax: in the US (and for cross-border shops) prices are net, payment.tax is the buyer's tax and each
  unit's item_tax says its share; the line's tax rate is the one that reproduces that tax to the cent.
  Elsewhere (UK, EU local shops) prices include VAT and TikTok Shop gives no split: the lines carry tax
  rate 0, so Packline's total is what the buyer paid, and attributes["tax"] says so.
- The delivery fee is what the buyer paid for shipping: shipping_fee, its tax, and the US retail
  delivery fee (TikTok's total_amount = sub_total + shipping_fee + tax + retail_delivery_fee).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from channels.marketplaces.base import Buyer, FinancialStatus, PlatformLine, PlatformOrder
from channels.marketplaces.shopify.countries import COUNTRY_CODES
from channels.marketplaces.values import capitalised, cents, decimal_of, shown, text_of, whole_number

CENT = Decimal("0.01")
ZERO = Decimal("0")

STATUSES = frozenset(
    {
        "UNPAID",
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "PARTIALLY_SHIPPING",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
        "CANCELLED",
    }
)
# Handed over (AWAITING_COLLECTION: the shipment is arranged and labelled, waiting for the carrier's
# pick-up) or further along: the seller's part is done.
FULFILLED = frozenset({"AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"})
# Cash on delivery is paid when the parcel arrives.
COD_PAID = frozenset({"DELIVERED", "COMPLETED"})

# district_info names its levels in words (address_level_name); the first match wins.
CITY_LEVELS = ("city", "post town", "town", "municipality", "locality", "district")
REGION_LEVELS = ("state", "province", "region", "prefecture", "county")

ORDER_TYPE_TAGS = {"PRE_ORDER": "pre-order", "MADE_TO_ORDER": "made to order", "BACK_ORDER": "back order"}


def order_from_detail(payload: dict) -> PlatformOrder:
    """The order one element of `data.orders` describes (Get Order Detail or Get Order List)."""
    if not isinstance(payload, dict):
        raise ValueError(f"A TikTok Shop order is a JSON object, not {type(payload).__name__}.")
    order_id = _order_id(payload.get("id"))
    reading = _Reading()
    updated_at = reading.time(payload.get("update_time"), "update_time")
    if updated_at is None:
        raise ValueError(
            f"TikTok Shop order {order_id} has no readable update_time ({shown(payload.get('update_time'))}): "
            "Packline cannot tell how recent it is."
        )
    status = text_of(payload.get("status")).upper()
    if status not in STATUSES:
        reading.problems.append(
            f"The order status {shown(payload.get('status'))} is not one TikTok Shop documents."
        )
    payment = reading.section(payload, "payment")
    address_part = reading.section(payload, "recipient_address")
    paid_at = reading.time(payload.get("paid_time"), "paid_time")
    cod = payload.get("is_cod") is True
    paid = paid_at is not None or (cod and status in COD_PAID)

    total = reading.amount(payment.get("total_amount"), "the order total (total_amount)", required=True)
    order_tax = reading.amount(payment.get("tax"), "the order's tax")
    lines, taxed = reading.lines(payload.get("line_items"), whole_order_cancelled=status == "CANCELLED")
    if order_tax and not taxed:
        reading.problems.append(
            f"TikTok Shop charged {order_tax} tax but named no line's share of it; "
            "the products' own tax rates are used."
        )
        for line in lines:
            line.tax_rate = None
    delivery_fee = (
        reading.amount(payment.get("shipping_fee"), "the shipping fee")
        + reading.amount(payment.get("shipping_fee_tax"), "the shipping fee's tax")
        + reading.amount(payment.get("retail_delivery_fee"), "the retail delivery fee")
    )
    currency = text_of(payment.get("currency")).upper() or reading.line_currency
    address = reading.address(address_part)
    cancel_time = reading.time(payload.get("cancel_time"), "cancel_time")

    order = PlatformOrder(
        platform_order_id=order_id,
        number=order_id,  # TikTok Shop shows the order id itself
        updated_at=updated_at,
        created_at=reading.time(payload.get("create_time"), "create_time"),
        buyer=Buyer(name=address["name"], email=text_of(payload.get("buyer_email")), phone=address["phone"]),
        shipping_address=address,
        lines=lines,
        shipping_method=text_of(payload.get("delivery_option_name")),
        delivery_fee=delivery_fee,
        currency=currency,
        payment_gateways=[name] if (name := text_of(payload.get("payment_method_name"))) else [],
        financial_status=financial_status(status, paid=paid),
        amount_paid=(total or ZERO) if paid else ZERO,
        total=total,
        cancelled_at=(cancel_time or updated_at) if status == "CANCELLED" else None,
        cancellation_requested=payload.get("is_buyer_request_cancel") is True,
        # The ready-to-ship SLA: the latest time the seller hands the parcel over (late after it).
        ship_by=reading.time(payload.get("rts_sla_time"), "rts_sla_time"),
        fulfilled=status in FULFILLED,
        notes=text_of(payload.get("buyer_message")),
        tags=_tags(payload, cod),
        attributes=reading.attributes(payload, payment, taxed=taxed or bool(order_tax)),
        raw=payload,
    )
    order.problems = reading.problems
    return order


def financial_status(status: str, *, paid: bool) -> str:
    """UNPAID is pending; a cancelled order never paid is voided (nothing left to collect); a cancelled
    paid one stays paid, and Packline's cancellation owes the refund. Every other status is paid once
    TikTok Shop dates the payment (an ON_HOLD pre-order is authorised only a day before release)."""
    if status == "UNPAID":
        return FinancialStatus.PENDING
    if status == "CANCELLED":
        return FinancialStatus.PAID if paid else FinancialStatus.VOIDED
    return FinancialStatus.PAID if paid else FinancialStatus.PENDING


@dataclass
class UnitGroup:
    """The line items (units) of one sku_id: one PlatformLine, named by the first unit's id."""

    platform_line_id: str
    units: list[dict] = field(default_factory=list)

    def live_units(self) -> list[dict]:
        return [unit for unit in self.units if not is_cancelled(unit)]


def unit_groups(line_items) -> list[UnitGroup]:
    """Line items grouped as the mapping groups them (fulfilment uses it to name the units of a line).
    A gift is kept apart from a bought unit of the same SKU; an item without sku_id is its own group."""
    groups: dict[tuple, UnitGroup] = {}
    for position, item in enumerate(line_items if isinstance(line_items, list) else []):
        if not isinstance(item, dict):
            continue
        sku_id = text_of(item.get("sku_id"))
        key = (sku_id or f"line:{text_of(item.get('id')) or position}", item.get("is_gift") is True)
        group = groups.setdefault(key, UnitGroup(platform_line_id=text_of(item.get("id"))))
        group.units.append(item)
    return list(groups.values())


def is_cancelled(unit: dict) -> bool:
    return text_of(unit.get("display_status")).upper() == "CANCELLED"


def unit_quantity(unit: dict) -> int:
    """How many units one line item stands for: 1, unless it says otherwise."""
    quantity = whole_number(unit.get("quantity"))
    return quantity if quantity is not None and quantity > 0 else 1


class _Reading:
    """Reads one order's values, collecting a sentence for each it cannot read."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.line_currency = ""

    def section(self, payload: dict, key: str) -> dict:
        value = payload.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append(f"The order's {key} is not an object ({shown(value)}).")
            return {}
        return value

    def time(self, value, what: str) -> datetime | None:
        if value is None or value == "" or value == 0:
            return None
        seconds = whole_number(value)
        if seconds is None or seconds < 0:
            self.problems.append(f"The {what} {shown(value)} is not a Unix time.")
            return None
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            self.problems.append(f"The {what} {shown(value)} is not a Unix time.")
            return None

    def amount(self, value, what: str, *, required: bool = False) -> Decimal | None:
        """An amount; 0 when absent, None (with a problem) when required and absent or unreadable."""
        if value is None or value == "":
            if required:
                self.problems.append(f"{capitalised(what)} is missing.")
                return None
            return ZERO
        amount = decimal_of(value)
        if amount is None or amount < 0:
            self.problems.append(f"{capitalised(what)} {shown(value)} is not an amount.")
            return None if required else ZERO
        return amount

    def address(self, part: dict) -> dict:
        levels = part.get("district_info")
        if levels is not None and not isinstance(levels, list):
            self.problems.append(f"The recipient address's district_info is not a list ({shown(levels)}).")
            levels = []
        named = {}
        for level in levels or []:
            if not isinstance(level, dict):
                self.problems.append(f"A district_info entry is not an object ({shown(level)}).")
                continue
            name = text_of(level.get("address_level_name")).lower()
            if name and text_of(level.get("address_name")):
                named.setdefault(name, text_of(level.get("address_name")))
        country = text_of(part.get("region_code")).upper()
        if country and country not in COUNTRY_CODES:
            self.problems.append(
                f"The recipient's region_code {shown(part.get('region_code'))} is not an ISO 3166-1 country code."
            )
            country = ""
        street = [text_of(part.get(f"address_line{n}")) for n in (1, 2, 3, 4)]
        line1 = (
            street[0]
            or text_of(part.get("address_detail"))
            or ("" if any(street) else text_of(part.get("full_address")))
        )
        address = {
            "name": text_of(part.get("name"))
            or " ".join(filter(None, (text_of(part.get("first_name")), text_of(part.get("last_name"))))),
            "line1": line1,
            "line2": ", ".join(filter(None, street[1:])),
            "city": next((named[level] for level in CITY_LEVELS if level in named), "")
            or text_of(part.get("post_town")),
            "region": next((named[level] for level in REGION_LEVELS if level in named), ""),
            "postcode": text_of(part.get("postal_code")),
            "country": country,
            "phone": text_of(part.get("phone_number")),
        }
        if part and address["line1"] and not address["city"]:
            self.problems.append("The recipient address names no city (district_info has no city level).")
        return address

    def lines(self, items, *, whole_order_cancelled: bool) -> tuple[list[PlatformLine], bool]:
        """The order's lines, and whether TikTok Shop split any tax onto them (net prices)."""
        if not isinstance(items, list) or not items:
            self.problems.append("The order has no line items.")
            return [], False
        for position, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                self.problems.append(f"Line item {position} is not an object ({shown(item)}).")
        groups = unit_groups(items)
        taxed = any(isinstance(item, dict) and item.get("item_tax") for item in items)
        every_unit_cancelled = all(not group.live_units() for group in groups)
        lines = []
        for group in groups:
            units = group.units if (whole_order_cancelled or every_unit_cancelled) else group.live_units()
            if units:
                lines.append(self.line(group.platform_line_id, units, taxed=taxed))
        return lines, taxed

    def line(self, line_id: str, units: list[dict], *, taxed: bool) -> PlatformLine:
        first = units[0]
        name = " - ".join(filter(None, (text_of(first.get("product_name")), text_of(first.get("sku_name")))))
        label = f"line {line_id} ({name})" if name else f"line {line_id or '(no id)'}"
        if not line_id:
            self.problems.append(f"A line item ({name or 'no name'}) has no id.")
        sku = text_of(first.get("seller_sku")) or text_of(first.get("sku_id"))
        if not sku:
            self.problems.append(f"{capitalised(label)} has neither a seller_sku nor a sku_id.")
        self.line_currency = self.line_currency or text_of(first.get("currency")).upper()
        quantity = 0
        highest = ZERO
        paid = ZERO
        tax: Decimal | None = ZERO
        for unit in units:
            stated = whole_number(unit.get("quantity"))
            if unit.get("quantity") not in (None, "") and (stated is None or stated <= 0):
                self.problems.append(
                    f"{capitalised(label)} has quantity {shown(unit.get('quantity'))}; 1 is assumed."
                )
            count = unit_quantity(unit)
            original, sale = self._prices(label, unit)
            quantity += count
            highest = max(highest, original, sale)
            paid += sale * count
            unit_tax = self._tax(label, unit.get("item_tax"))
            tax = None if tax is None or unit_tax is None else tax + unit_tax
        # Units of one SKU may sell at different prices (a promotion on the first one): the unit price
        # is the highest list price and the difference to what was paid is the discount.
        discount = highest * quantity - paid
        tax_rate = ZERO
        if taxed:
            tax_rate = None if tax is None else self._rate(paid, tax, first.get("item_tax"))
        return PlatformLine(
            platform_line_id=line_id,
            sku=sku,
            name=name,
            quantity=quantity,
            unit_price=highest,
            discount=discount,
            tax_rate=tax_rate,
        )

    def _prices(self, label: str, unit: dict) -> tuple[Decimal, Decimal]:
        """(list price, price paid) of one unit."""
        original = decimal_of(unit.get("original_price"))
        sale = decimal_of(unit.get("sale_price"))
        if sale is None:
            seller, platform = (
                decimal_of(unit.get("seller_discount")),
                decimal_of(unit.get("platform_discount")),
            )
            if original is not None and seller is not None and platform is not None:
                sale = original - seller - platform
        if sale is None or sale < 0:
            self.problems.append(
                f"{capitalised(label)} has no readable price (sale_price {shown(unit.get('sale_price'))}, "
                f"original_price {shown(unit.get('original_price'))})."
            )
            return (original if original is not None and original >= 0 else ZERO), ZERO
        if original is None or original < 0:
            if unit.get("original_price") not in (None, ""):
                self.problems.append(
                    f"{capitalised(label)} has original_price {shown(unit.get('original_price'))}, not an amount; "
                    f"its sale price {sale} is used."
                )
            original = sale
        return original, sale

    def _tax(self, label: str, item_tax) -> Decimal | None:
        if item_tax in (None, ""):
            return ZERO
        if not isinstance(item_tax, list):
            self.problems.append(f"{capitalised(label)} has item_tax {shown(item_tax)}, not a list.")
            return None
        total = ZERO
        for entry in item_tax:
            amount = decimal_of(entry.get("tax_amount")) if isinstance(entry, dict) else None
            if amount is None or amount < 0:
                self.problems.append(
                    f"{capitalised(label)} has a tax that is not an amount ({shown(entry)})."
                )
                return None
            total += amount
        return total

    def _rate(self, net: Decimal, tax: Decimal, item_tax) -> Decimal:
        """The rate in percent (2 places) that gives `tax` on `net` to the cent: TikTok's own rate when
        it does (written as a fraction, 0.0825, or in percent), else one read from the amounts. TikTok
        taxes each unit and rounds each: when no rate gives the sum to the cent, the stated rate is kept
        (a cent off TikTok's tax), else the one read from the amounts."""
        if net <= 0:
            return ZERO
        stated_rates = []
        for entry in item_tax if isinstance(item_tax, list) else []:
            stated = decimal_of(entry.get("tax_rate")) if isinstance(entry, dict) else None
            if stated is not None:
                stated_rates += [
                    (stated * 100).quantize(CENT, ROUND_HALF_UP),
                    stated.quantize(CENT, ROUND_HALF_UP),
                ]
        computed = (tax / net * 100).quantize(CENT, ROUND_HALF_UP)
        for rate in [*stated_rates, computed]:
            if 0 <= rate < 100 and cents(net * rate / 100) == tax:
                return rate
        plausible = [
            rate for rate in stated_rates if 0 < rate < 100 and abs(cents(net * rate / 100) - tax) <= CENT * 5
        ]
        return plausible[0] if plausible else computed

    def attributes(self, payload: dict, payment: dict, *, taxed: bool) -> dict[str, str]:
        attributes = {}
        # rts_sla_time is the order's ship_by; the delivery SLA is the buyer's promised date.
        moment = self.time(payload.get("delivery_sla_time"), "delivery_sla_time")
        if moment is not None:
            attributes["deliver_by"] = moment.isoformat()
        for key, what in (
            ("shipping_type", "shipping_type"),
            ("fulfillment_type", "fulfillment_type"),
            ("cancel_reason", "cancel_reason"),
            ("cancellation_initiator", "cancelled_by"),
            ("seller_note", "seller_note"),
        ):
            if text_of(payload.get(key)):
                attributes[what] = text_of(payload.get(key))
        platform_discount = decimal_of(payment.get("platform_discount"))
        if platform_discount:
            attributes["tiktok_discount"] = str(
                platform_discount
            )  # TikTok Shop pays this part, not the buyer
        if not taxed:
            attributes["tax"] = "included in the prices; TikTok Shop gives no split"
        return attributes


def _tags(payload: dict, cod: bool) -> list[str]:
    tags = [
        ORDER_TYPE_TAGS[kind]
        for kind in [text_of(payload.get("order_type")).upper()]
        if kind in ORDER_TYPE_TAGS
    ]
    for key, tag in (
        ("is_sample_order", "sample"),
        ("is_replacement_order", "replacement"),
        ("is_exchange_order", "exchange"),
    ):
        if payload.get(key) is True:
            tags.append(tag)
    if cod:
        tags.append("cash on delivery")
    return tags


def _order_id(value) -> str:
    order_id = text_of(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not order_id or any(ch.isspace() for ch in order_id):
        raise ValueError(f"A TikTok Shop order needs an id; this one has {shown(value)}.")
    return order_id
