"""eBay's order JSON (Sell Fulfillment API v1, getOrder and getOrders) read as a PlatformOrder.

What cannot be read is never an exception: it is left empty (or 0) and said in a sentence in
`problems`, and intake puts the order on hold with it. Only an order without an orderId or a
lastModifiedDate raises ValueError: without them nobody can tell which order it is or how recent.

Money is Decimal throughout; eBay sends amounts as {"value": "12.50", "currency": "GBP"} with the value
as a string, in the seller's currency (a converted buyer's amount keeps its original in
convertedFromValue, which Packline does not need). Load bodies with `loads` so that no number becomes
a float.

Past 400 lines on purpose: eBay's money (tax it collects and remits, refunds on the order and on lines,
promotions) is read in one pass whose rules depend on each other; split, they would be read twice.

How eBay's money becomes Packline's (unit price and line discount net of tax, tax as a rate):
- lineItemCost is the line before discounts (unit price x quantity); the discount is lineItemCost less
  discountedLineItemCost, or the line's appliedPromotions when eBay gives no discounted cost.
- A line's `taxes` are tax the seller charged on top of the price (US sales tax) unless eBay collects
  and remits them itself (the same amounts under ebayCollectAndRemitTaxes: UK/EU import VAT, US
  marketplace sales tax). Tax the seller charged becomes the line's rate; tax eBay remits is not the
  seller's money and is left out, as eBay leaves it out of pricingSummary.total. A line with no tax of
  the seller's gets rate 0, not the product's: eBay's listing prices already include any VAT the
  seller owes, and Packline's total must be what the buyer paid the seller.
- The delivery fee is pricingSummary.deliveryCost less its deliveryDiscount (Packline taxes no
  delivery fee; what the buyer paid for delivery is the fee).
- amount_paid is the payments eBay marks PAID, less the tax eBay collects and remits (eBay includes it
  in payments.amount). Refunds are the refunds eBay has paid out (refundStatus REFUNDED), order-level
  and line-level, each once by its id.
- When the lines, delivery and tax read do not add up to eBay's own pricingSummary.total, the order
  says so in `problems`: something Packline does not read (a price adjustment, a fee) changed it.
"""

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from channels.marketplaces.base import (
    Buyer,
    FinancialStatus,
    PlatformLine,
    PlatformOrder,
    PlatformRefund,
)
from channels.marketplaces.shopify.countries import ISO_ALPHA_2
from channels.marketplaces.values import capitalised, cents, decimal_of, shown, text_of, utc_of, whole_number

CENT = Decimal("0.01")
ZERO = Decimal("0")
GATEWAY = "ebay_managed_payments"  # every eBay order is paid through eBay's managed payments

# eBay ships to Kosovo under the user-assigned code XK; the rest are ISO 3166-1 alpha-2.
COUNTRY_CODES = ISO_ALPHA_2 | {"XK"}

# orderPaymentStatus (OrderPaymentStatusEnum) in Packline's words.
FINANCIAL_STATUSES = {
    "PAID": FinancialStatus.PAID,
    "PENDING": FinancialStatus.PENDING,
    "FAILED": FinancialStatus.VOIDED,
    "FULLY_REFUNDED": FinancialStatus.REFUNDED,
    "PARTIALLY_REFUNDED": FinancialStatus.PARTIALLY_REFUNDED,
}
CANCEL_STATES = ("NONE_REQUESTED", "IN_PROGRESS", "CANCELED")


def order_from_payload(payload: dict) -> PlatformOrder:
    """The order an eBay Order object describes (getOrder's answer, one of getOrders' `orders`)."""
    if not isinstance(payload, dict):
        raise ValueError(f"An eBay order is a JSON object, not {type(payload).__name__}.")
    order_id = text_of(payload.get("orderId"))
    if not order_id:
        raise ValueError(f"An eBay order needs an orderId; this one has {shown(payload.get('orderId'))}.")
    reading = _Reading()
    updated_at = reading.date(payload.get("lastModifiedDate"), "the last modification date")
    if updated_at is None:
        raise ValueError(
            f"eBay order {order_id} has no readable lastModifiedDate "
            f"({shown(payload.get('lastModifiedDate'))}): Packline cannot tell how recent it is."
        )
    created_at = reading.date(payload.get("creationDate"), "the creation date")

    pricing = reading.part(payload, "pricingSummary")
    total = reading.money(pricing.get("total"), "the order total", required=True)
    delivery_fee = reading.delivery_fee(pricing, payload.get("lineItems"))
    lines, remitted = reading.lines(payload.get("lineItems"))
    reading.check_subtotal(pricing.get("priceSubtotal"), payload.get("lineItems"))
    reading.check_untold_tax(pricing.get("tax"), payload.get("lineItems"))
    if total is not None:
        reading.check_total(total, lines, delivery_fee)

    instruction = reading.fulfilment_instruction(payload.get("fulfillmentStartInstructions"))
    shipping_step = reading.part(instruction, "shippingStep", what="the shipping step")
    ship_to = reading.part(shipping_step, "shipTo", what="the ship-to contact")
    buyer_part = reading.part(payload, "buyer")
    registration = reading.part(buyer_part, "buyerRegistrationAddress", what="the buyer's registration")

    status = text_of(payload.get("orderPaymentStatus")).upper()
    financial_status = FINANCIAL_STATUSES.get(status, FinancialStatus.PENDING)
    if status not in FINANCIAL_STATUSES:
        reading.problems.append(
            f"The payment status {shown(payload.get('orderPaymentStatus'))} is unknown; taken as pending."
        )
    payment_summary = reading.part(payload, "paymentSummary")
    paid = reading.payments(payment_summary.get("payments"))
    cancel = reading.cancellation(payload.get("cancelStatus"), updated_at)

    order = PlatformOrder(
        platform_order_id=order_id,
        number=order_id,  # Seller Hub shows the order number as eBay's orderId: 12-03955-36441
        updated_at=updated_at,
        created_at=created_at,
        buyer=Buyer(
            name=text_of(registration.get("fullName")) or text_of(ship_to.get("fullName")),
            email=text_of(registration.get("email")) or text_of(ship_to.get("email")),
            phone=_phone(registration) or _phone(ship_to),
            company=text_of(registration.get("companyName")) or text_of(ship_to.get("companyName")),
        ),
        shipping_address=reading.address(ship_to, "shipping"),
        billing_address=reading.address(registration, "buyer's registration") if registration else {},
        lines=lines,
        shipping_method=text_of(shipping_step.get("shippingServiceCode")),
        delivery_fee=delivery_fee,
        currency=reading.currency(),
        payment_gateways=[GATEWAY],
        financial_status=financial_status,
        amount_paid=max(paid - remitted, ZERO) if paid else ZERO,
        refunds=reading.refunds(payment_summary.get("refunds"), payload.get("lineItems")),
        total=total,
        cancelled_at=cancel.cancelled_at,
        cancellation_requested=cancel.requested,
        ship_by=reading.ship_by(payload.get("lineItems")),
        fulfilled=text_of(payload.get("orderFulfillmentStatus")).upper() == "FULFILLED",
        notes=text_of(payload.get("buyerCheckoutNotes")),
        attributes=_attributes(payload, buyer_part, shipping_step, instruction, cancel.details),
        raw=payload,
    )
    if not ship_to:
        reading.problems.append(_no_address(instruction))
    order.problems = reading.problems
    return order


class _Cancellation:
    def __init__(self) -> None:
        self.cancelled_at: datetime | None = None
        self.requested = False
        self.details: dict[str, str] = {}


class _Reading:
    """Reads one order's values, collecting a sentence for each it cannot read."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.currencies: list[str] = []

    # Plain values

    def part(self, container: dict, key: str, *, what: str = "") -> dict:
        """A nested object; {} when absent, {} and a problem when it is something else."""
        value = container.get(key) if isinstance(container, dict) else None
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append(f"{capitalised(what or key)} is not an object ({shown(value)}).")
            return {}
        return value

    def date(self, value, what: str) -> datetime | None:
        if value is None or value == "":
            return None
        try:
            return utc_of(value)
        except (TypeError, ValueError):
            self.problems.append(f"{capitalised(what)} {shown(value)} is not a date.")
            return None

    def money(self, container, what: str, *, required: bool = False) -> Decimal | None:
        """An eBay Amount's value; 0 when absent, None (with a problem) when required and absent or
        when it cannot be read."""
        if container is None:
            if required:
                self.problems.append(f"{capitalised(what)} is missing.")
                return None
            return ZERO
        value = container.get("value") if isinstance(container, dict) else container
        amount = decimal_of(value)
        if amount is None:
            self.problems.append(f"{capitalised(what)} {shown(value)} is not an amount.")
            return None
        currency = text_of(container.get("currency")).upper() if isinstance(container, dict) else ""
        if currency:
            self.currencies.append(currency)
        return amount

    def currency(self) -> str:
        found = list(dict.fromkeys(self.currencies))
        if len(found) > 1:
            self.problems.append(f"The order's amounts are in several currencies ({', '.join(found)}).")
        return found[0] if found else ""

    # Addresses

    def fulfilment_instruction(self, instructions) -> dict:
        if instructions is None:
            return {}
        if not isinstance(instructions, list):
            self.problems.append(f"The fulfilment instructions are not a list ({shown(instructions)}).")
            return {}
        # eBay documents one set of instructions per order today; more would be a split Packline
        # cannot follow, so it is said rather than guessed.
        if len(instructions) > 1:
            self.problems.append(
                f"eBay gives {len(instructions)} sets of fulfilment instructions; the first one's "
                "address is used."
            )
        first = instructions[0] if instructions else {}
        if not isinstance(first, dict):
            self.problems.append(f"The fulfilment instruction is not an object ({shown(first)}).")
            return {}
        return first

    def address(self, contact: dict, what: str) -> dict:
        if not contact:
            return {}
        place = self.part(contact, "contactAddress", what=f"the {what} address")
        country = text_of(place.get("countryCode")).upper()
        if country and country not in COUNTRY_CODES:
            self.problems.append(
                f"The {what} country {shown(place.get('countryCode'))} is not an ISO 3166-1 country code."
            )
            country = ""
        return {
            "name": text_of(contact.get("fullName")) or text_of(contact.get("companyName")),
            "line1": text_of(place.get("addressLine1")),
            "line2": text_of(place.get("addressLine2")),
            "city": text_of(place.get("city")),
            "region": text_of(place.get("stateOrProvince")),
            "postcode": text_of(place.get("postalCode")),
            "country": country,
            "phone": _phone(contact),
        }

    # Lines and money

    def lines(self, items) -> tuple[list[PlatformLine], Decimal]:
        """The lines, and the tax eBay collects and remits on them (not the seller's money)."""
        if not isinstance(items, list) or not items:
            self.problems.append("The order has no line items.")
            return [], ZERO
        lines, remitted = [], ZERO
        for position, item in enumerate(items, start=1):
            line, line_remitted = self.line(position, item)
            lines.append(line)
            remitted += line_remitted
        return lines, remitted

    def ship_by(self, items) -> datetime | None:
        """The earliest of the lines' shipByDate (lineItemFulfillmentInstructions): the order is late
        once any of its lines is."""
        dates = []
        for position, item in enumerate(items if isinstance(items, list) else [], start=1):
            instructions = item.get("lineItemFulfillmentInstructions") if isinstance(item, dict) else None
            if not isinstance(instructions, dict):
                continue
            moment = self.date(instructions.get("shipByDate"), f"the ship-by date of line {position}")
            if moment is not None:
                dates.append(moment)
        return min(dates, default=None)

    def line(self, position: int, item) -> tuple[PlatformLine, Decimal]:
        if not isinstance(item, dict):
            self.problems.append(f"Line {position} is not a line item ({shown(item)}).")
            return PlatformLine(platform_line_id="", sku="", name="", quantity=0, unit_price=ZERO), ZERO
        title = text_of(item.get("title"))
        label = f"line {position} ({title})" if title else f"line {position}"
        line_id = text_of(item.get("lineItemId"))
        if not line_id:
            self.problems.append(f"{capitalised(label)} has no lineItemId.")
        sku = _sku(item)
        if not sku:
            self.problems.append(f"{capitalised(label)} has no SKU and no listing id.")
        quantity = whole_number(item.get("quantity"))
        if quantity is None or quantity <= 0:
            self.problems.append(
                f"{capitalised(label)} has quantity {shown(item.get('quantity'))}, not a whole number above 0."
            )
            quantity = 0
        cost = self.money(item.get("lineItemCost"), f"the cost of {label}", required=True)
        discount = self.line_discount(item, label, cost)
        unit_price, discount = self.unit_price(label, cost, discount, quantity)
        seller_tax, remitted = self.line_taxes(item, label)
        net = unit_price * quantity - discount
        return (
            PlatformLine(
                platform_line_id=line_id,
                sku=sku,
                name=_name(title, item.get("variationAspects")),
                quantity=quantity,
                unit_price=unit_price,
                discount=discount,
                tax_rate=self.tax_rate(label, net, seller_tax),
            ),
            remitted,
        )

    def line_discount(self, item: dict, label: str, cost: Decimal | None) -> Decimal:
        """What eBay took off the line: lineItemCost less discountedLineItemCost when eBay gives it,
        else the sum of the line's promotions (their amounts taken as positive: eBay shows discounts
        negative in some containers)."""
        if item.get("discountedLineItemCost") is not None:
            discounted = self.money(item.get("discountedLineItemCost"), f"the discounted cost of {label}")
            if cost is not None and discounted is not None:
                if discounted > cost:
                    self.problems.append(
                        f"{capitalised(label)} costs {discounted} after discounts, more than {cost} before."
                    )
                    return ZERO
                return cost - discounted
            return ZERO
        promotions = item.get("appliedPromotions")
        if promotions is None:
            return ZERO
        if not isinstance(promotions, list):
            self.problems.append(f"The promotions of {label} are not a list ({shown(promotions)}).")
            return ZERO
        discount = ZERO
        for promotion in promotions:
            if not isinstance(promotion, dict):
                self.problems.append(f"A promotion of {label} is not an object ({shown(promotion)}).")
                continue
            amount = self.money(promotion.get("discountAmount"), f"a promotion of {label}")
            discount += abs(amount or ZERO)
        return discount

    def unit_price(
        self, label: str, cost: Decimal | None, discount: Decimal, quantity: int
    ) -> tuple[Decimal, Decimal]:
        """The unit price and the line's discount, so that quantity x price - discount is eBay's line
        to the cent. A cost that does not split into whole cents per unit is rounded up per unit and
        the spare cents join the discount."""
        if cost is None:
            return ZERO, ZERO
        if cost < 0:
            self.problems.append(f"{capitalised(label)} has a negative cost ({cost}).")
            return ZERO, ZERO
        if not quantity:  # its quantity is a problem already
            return cost.quantize(CENT, ROUND_HALF_UP), ZERO
        unit = cost / quantity
        rounded = unit.quantize(CENT, ROUND_HALF_UP)
        unit = rounded if rounded == unit else unit.quantize(CENT, ROUND_CEILING)
        discount += unit * quantity - cost
        if discount > unit * quantity:
            self.problems.append(f"{capitalised(label)} is discounted by {discount}, more than it costs.")
            return unit, ZERO
        return unit, discount

    def line_taxes(self, item: dict, label: str) -> tuple[Decimal, Decimal]:
        """(tax the seller charged on the line, tax eBay collects and remits on it)."""
        charged = self.tax_sum(item.get("taxes"), f"a tax of {label}")
        remitted = self.tax_sum(item.get("ebayCollectAndRemitTaxes"), f"a collect-and-remit tax of {label}")
        # eBay lists remitted tax in `taxes` too; what is left over is the seller's own.
        return max(charged - remitted, ZERO), remitted

    def tax_sum(self, taxes, what: str) -> Decimal:
        if taxes is None:
            return ZERO
        if not isinstance(taxes, list):
            self.problems.append(f"{capitalised(what)} list is not a list ({shown(taxes)}).")
            return ZERO
        total = ZERO
        for tax in taxes:
            if not isinstance(tax, dict):
                self.problems.append(f"{capitalised(what)} is not an object ({shown(tax)}).")
                continue
            total += self.money(tax.get("amount"), what) or ZERO
        return total

    def tax_rate(self, label: str, net: Decimal, tax: Decimal) -> Decimal:
        """The rate in percent, 2 places, that gives eBay's tax on the line's net to the cent."""
        if not tax:
            return ZERO
        if net <= 0:
            self.problems.append(f"{capitalised(label)} carries tax {tax} on a net of {net}.")
            return ZERO
        rate = (tax / net * 100).quantize(CENT, ROUND_HALF_UP)
        if cents(net * rate / 100) != tax:
            # Two-place rates cannot always give the cents eBay charged (a tax rounded per unit):
            # the nearest is kept, and a person looks at the difference.
            self.problems.append(
                f"{capitalised(label)}'s tax {tax} is not {rate} % of {net} to the cent; {rate} % is used."
            )
        return rate

    def delivery_fee(self, pricing: dict, items) -> Decimal:
        if pricing.get("deliveryCost") is not None:
            cost = self.money(pricing.get("deliveryCost"), "the delivery cost") or ZERO
            discount = self.money(pricing.get("deliveryDiscount"), "the delivery discount") or ZERO
            return max(cost - abs(discount), ZERO)
        fee = ZERO  # older orders and partial payloads: the lines' own delivery costs
        for position, item in enumerate(items if isinstance(items, list) else [], start=1):
            delivery = self.part(item, "deliveryCost", what=f"the delivery cost of line {position}")
            what = f"line {position}"
            fee += self.money(delivery.get("shippingCost"), f"the shipping cost of {what}") or ZERO
            fee += self.money(delivery.get("handlingCost"), f"the handling cost of {what}") or ZERO
            fee -= abs(self.money(delivery.get("discountAmount"), f"the shipping discount of {what}") or ZERO)
        return max(fee, ZERO)

    def check_subtotal(self, subtotal, items) -> None:
        if subtotal is None or not isinstance(items, list):
            return
        expected = self.money(subtotal, "the order subtotal")
        costs = [decimal_of(_value(item.get("lineItemCost"))) for item in items if isinstance(item, dict)]
        if expected is None or None in costs or len(costs) != len(items):
            return  # said already
        if sum(costs, ZERO) != expected:
            self.problems.append(
                f"eBay's subtotal {expected} is not the sum of the lines' costs ({sum(costs, ZERO)}): "
                "a line may be missing."
            )

    def check_untold_tax(self, tax, items) -> None:
        """Tax eBay charged on the order that no line carries cannot be given a rate: say so."""
        amount = self.money(tax, "the order's tax") if tax is not None else ZERO
        if not amount or not isinstance(items, list):
            return
        if not any(isinstance(item, dict) and item.get("taxes") for item in items):
            self.problems.append(f"eBay charged tax {amount} on the order, but no line says on what.")

    def check_total(self, total: Decimal, lines: list[PlatformLine], delivery_fee: Decimal) -> None:
        read = delivery_fee + sum(
            (net + cents(net * (line.tax_rate or ZERO) / 100))
            for line in lines
            for net in [line.unit_price * line.quantity - line.discount]
        )
        if read != total:
            self.problems.append(
                f"eBay's total {total} is not what the lines, delivery and tax add up to ({read}): "
                "eBay may have adjusted the price or added a fee Packline does not read."
            )

    # Payments, refunds, cancellation

    def payments(self, payments) -> Decimal:
        if payments is None:
            return ZERO
        if not isinstance(payments, list):
            self.problems.append(f"The payments are not a list ({shown(payments)}).")
            return ZERO
        paid = ZERO
        for position, payment in enumerate(payments, start=1):
            if not isinstance(payment, dict):
                self.problems.append(f"Payment {position} is not an object ({shown(payment)}).")
                continue
            if text_of(payment.get("paymentStatus")).upper() == "PAID":
                paid += self.money(payment.get("amount"), f"the amount of payment {position}") or ZERO
        return paid

    def refunds(self, order_refunds, items) -> list[PlatformRefund]:
        """Refunds eBay has paid out; pending and failed ones are not money that left yet."""
        found: dict[str, PlatformRefund] = {}
        sources = [("the order", order_refunds)]
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("refunds"):
                sources.append((f"line {text_of(item.get('lineItemId'))}", item.get("refunds")))
        for where, refunds in sources:
            if not isinstance(refunds, list):
                if refunds is not None:
                    self.problems.append(f"The refunds of {where} are not a list ({shown(refunds)}).")
                continue
            for refund in refunds:
                if not isinstance(refund, dict):
                    self.problems.append(f"A refund of {where} is not an object ({shown(refund)}).")
                    continue
                status = text_of(refund.get("refundStatus")).upper()
                if status and status != "REFUNDED":
                    continue
                refund_id = text_of(refund.get("refundId")) or text_of(refund.get("refundReferenceId"))
                amount = self.money(refund.get("amount"), f"the amount of refund {refund_id or '(no id)'}")
                if not refund_id:
                    self.problems.append(
                        f"A refund of {amount} on {where} has no refundId; Packline cannot record it once only."
                    )
                    continue
                if amount is None or refund_id in found:
                    continue
                found[refund_id] = PlatformRefund(
                    platform_refund_id=refund_id,
                    amount=abs(amount),
                    created_at=self.date(refund.get("refundDate"), f"the date of refund {refund_id}"),
                )
        return list(found.values())

    def cancellation(self, status, updated_at: datetime) -> _Cancellation:
        """NONE_REQUESTED: nothing. IN_PROGRESS: someone asked to cancel (getOrders always leaves
        cancelRequests empty, so who asked is known from getOrder only): a CSR decides, so it is a
        request. CANCELED: cancelled on eBay, dated cancelledDate or the last modification."""
        cancel = _Cancellation()
        if status is None:
            return cancel
        if not isinstance(status, dict):
            self.problems.append(f"The cancellation status is not an object ({shown(status)}).")
            return cancel
        state = text_of(status.get("cancelState")).upper()
        requests = [r for r in status.get("cancelRequests") or [] if isinstance(r, dict)]
        asked = [r for r in requests if text_of(r.get("cancelRequestState")).upper() == "REQUESTED"]
        for request in asked[-1:]:
            cancel.details = {
                key: text_of(request.get(field))
                for key, field in (("cancel_initiator", "cancelInitiator"), ("cancel_reason", "cancelReason"))
                if text_of(request.get(field))
            }
        if state == "CANCELED":
            cancel.cancelled_at = (
                self.date(status.get("cancelledDate"), "the cancellation date") or updated_at
            )
        elif state == "IN_PROGRESS":
            cancel.requested = True
        elif state not in ("", "NONE_REQUESTED"):
            self.problems.append(f"The cancellation state {shown(status.get('cancelState'))} is unknown.")
        return cancel


def _no_address(instruction: dict) -> str:
    kind = text_of(instruction.get("fulfillmentInstructionsType"))
    if kind:
        return f"eBay gives no address to ship to (fulfilment type {kind})."
    return "eBay gives no address to ship to."


def _attributes(payload: dict, buyer: dict, shipping_step: dict, instruction: dict, cancel: dict) -> dict:
    """What a person may want to see next to the order, under plain names."""
    attributes = {
        "legacy_order_id": text_of(payload.get("legacyOrderId")),
        "sales_record_reference": text_of(payload.get("salesRecordReference")),
        "ebay_buyer": text_of(buyer.get("username")),
        # The Global Shipping Program's hub wants this reference on the label above its address.
        "ship_to_reference": text_of(shipping_step.get("shipToReferenceId")),
        **cancel,
    }
    kind = text_of(instruction.get("fulfillmentInstructionsType"))
    if kind and kind != "SHIP_TO":
        attributes["fulfillment_type"] = kind
    if instruction.get("ebaySupportedFulfillment") is True:
        attributes["ebay_supported_fulfillment"] = "yes"
    return {key: value for key, value in attributes.items() if value}


def _sku(item: dict) -> str:
    """The seller's SKU; a listing without one (common in legacy listings) is named by its listing id,
    with the variation's id when it has one, so that the connection's SKU mapping can name the product."""
    sku = text_of(item.get("sku"))
    if sku:
        return sku
    listing = text_of(item.get("legacyItemId"))
    variation = text_of(item.get("legacyVariationId"))
    return f"{listing}-{variation}" if listing and variation else listing


def _name(title: str, aspects) -> str:
    pairs = [
        f"{text_of(aspect.get('name'))}: {text_of(aspect.get('value'))}"
        for aspect in (aspects if isinstance(aspects, list) else [])
        if isinstance(aspect, dict) and text_of(aspect.get("name"))
    ]
    return f"{title} ({', '.join(pairs)})" if pairs else title


def _value(amount):
    return amount.get("value") if isinstance(amount, dict) else None


def _phone(contact: dict) -> str:
    phone = contact.get("primaryPhone") if isinstance(contact, dict) else None
    return text_of(phone.get("phoneNumber")) if isinstance(phone, dict) else ""
