"""One pass over an import's file, order by order: parse, map, and decide what becomes of each order
(created, held, skipped or rejected) with batched creation's own planning. The validation pass, the
preview and the import all walk the file through ImportPass.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.conf import settings

from channels.csv.columns import FIELD_BY_KEY
from channels.csv.events import ImportEvent
from channels.csv.files import RowGroup, group_rows, read_records
from channels.csv.models import OrderImport
from channels.csv.parsing import OrderParser, ParsedOrder, RowError
from channels.csv.values import Lookups
from fulfilment.services.allocation import new_lines_allocate
from orders.actors import Actor
from orders.inputs import OrderInput
from orders.models import ActorKind, Channel, HoldReason
from orders.money.models import Refund
from orders.money.services.refunds import refund_due
from orders.services.create import money
from orders.services.create_many import OrderBatchCreator
from orders.services.planned import (
    REJECTED,
    SKIPPED,
    BatchOrder,
    NewCustomer,
    Planned,
    RefundAtCreation,
)
from orders.workflow import Stage

# The timeline event of an order whose file figures differ from the computed ones (orders/timeline.py).
# The file's own figures, compared with the order's computed ones: (the figure's name, Order field).
FILE_FIGURES = {
    "file_total": ("total", "total"),
    "file_tax": ("tax", "tax_total"),
    "file_discount": ("discount", "discount_total"),
}


BILLING_KEYS = (
    ("line1", "billing_line1"), ("line2", "billing_line2"), ("city", "billing_city"),
    ("region", "billing_region"), ("postcode", "billing_postcode"), ("country", "billing_country"),
)  # fmt: skip


def chunk_orders() -> int:
    return int(getattr(settings, "IMPORT_CHUNK_ORDERS", 1000))


def _path(order_import: OrderImport) -> Path:
    return Path(settings.MEDIA_ROOT) / order_import.file


HOLD_WORDS = {
    HoldReason.MISSING_ADDRESS: "missing shipping address ({detail})",
    HoldReason.MISSING_SHIPPING_METHOD: "missing shipping method",
    HoldReason.UNKNOWN_SKU: "unknown SKU {detail}",
}


def hold_note(findings) -> str:
    parts = []
    for finding in findings:
        words = HOLD_WORDS.get(finding.reason)
        parts.append(words.format(detail=finding.detail) if words else str(finding))
    return "will be created on hold: " + "; ".join(parts)


@dataclass
class Decision:
    """What becomes (or became) of one order of the file."""

    parsed: ParsedOrder
    result: str
    errors: list[RowError]
    message: str = ""
    planned: Planned | None = None
    warnings: list[RowError] = field(default_factory=list)  # created all the same


class ImportPass:
    """One pass over a stored file with its mapping: parse, group, plan (and, importing, write)."""

    def __init__(self, order_import: OrderImport, *, actor: Actor | None = None):
        self.order_import = order_import
        self.lookups = Lookups()
        headers = order_import.headers
        self.parser = OrderParser(
            headers=headers,
            mapping=order_import.mapping,
            constants=order_import.constants,
            historical=order_import.historical,
            lookups=self.lookups,
        )
        self.reference_column = headers[order_import.group_by] or f"Column {order_import.group_by + 1}"
        self.default_channel = Channel.objects.get(code="csv")
        user = order_import.created_by
        self.actor = actor or Actor(user=user, kind=ActorKind.JOB, label=str(order_import))
        # Stock is reserved in each chunk's own transaction: an imported order is never committed without
        # its allocation, and its lines are written once.
        self.creator = OrderBatchCreator(
            actor=self.actor, source="csv", describe_key=lambda key: f"row {key}", allocate=new_lines_allocate
        )
        self.detail = f"imported from file {order_import.original_name}, row {{row}} by {user}"
        self.counter: list = []

    def groups(self) -> Iterator[RowGroup]:
        order_import = self.order_import
        records = read_records(
            _path(order_import), order_import.encoding, order_import.delimiter, self.counter
        )
        return group_rows(records, order_import.group_by)

    @property
    def bytes_read(self) -> int:
        return self.counter[0].count if self.counter else 0

    def batch_order(self, parsed: ParsedOrder) -> BatchOrder:
        values = parsed.values
        address = {
            key: values[source]
            for key, source in (
                ("name", "shipping_name"),
                ("line1", "line1"),
                ("line2", "line2"),
                ("city", "city"),
                ("region", "region"),
                ("postcode", "postcode"),
                ("country", "country"),
                ("phone", "shipping_phone"),
            )
            if values[source]
        }
        name = (
            values["customer_name"]
            or values["shipping_name"]
            or values["email"]
            or values["phone"]
            or f"Customer of order {parsed.reference}"
        )
        customer = NewCustomer(
            name=name[:200],
            email=values["email"],
            phone=values["phone"] or values["billing_phone"],
            company=values["company"],
            address=address,
        )
        data = OrderInput(
            customer=customer,
            lines=parsed.lines,  # ParsedLine is a LineInput
            channel=values["channel"] or self.default_channel,
            channel_order_id=parsed.reference,
            channel_order_number=parsed.reference,
            shipping_address=address,
            billing_address=self.billing_address(values, address),
            shipping_method=values["shipping_method"],
            payment_method=values["payment_method"],
            amount_paid=values["amount_paid"] or Decimal(0),
            delivery_fee=values["delivery_fee"] or Decimal(0),
            currency=values["currency"],
            po_number=values["po_number"],
            customer_reference=values["customer_reference"],
            gift_message=values["gift_message"],
            notes=values["notes"],
            tags=values["tags"],
            attributes=values["attributes"],
            warehouse=values["warehouse"],
        )
        return BatchOrder(
            key=parsed.first_row,
            data=data,
            source_detail=self.detail.format(row=parsed.first_row),
            status=values["status"],
            created_at=values["created_at"],
            paid_in_full=values["paid_in_full"] and values["amount_paid"] is None,
            paid_at=values["paid_at"],
            refund=self.refund(values),
        )

    @staticmethod
    def billing_address(values: dict, shipping: dict) -> dict:
        """The file's billing address, named like the customer; with only a billing phone, the
        shipping address with that phone; without either, none (creation copies the shipping one)."""
        billing = {key: values[source] for key, source in BILLING_KEYS if values[source]}
        phone = values["billing_phone"]
        if billing:
            if values["customer_name"]:
                billing["name"] = values["customer_name"]
            if phone:
                billing["phone"] = phone
            return billing
        return {**shipping, "phone": phone} if phone else {}

    @staticmethod
    def refund(values: dict) -> RefundAtCreation | None:
        """What the file says was refunded before the import: its refunded amount, or everything paid
        when its payment status is refunded. A cancelled order's refund is the cancellation's."""
        amount = values["refunded_amount"] or None
        if amount is None and not values["refunded_in_full"]:
            return None
        status = values["status"]
        if status is not None and status.stage == Stage.CANCELLED:
            return RefundAtCreation(
                amount=amount,
                kind=Refund.Kind.CANCELLATION,
                reason="order cancelled",
                at=values["cancelled_at"],
            )
        return RefundAtCreation(amount=amount)

    def noticed(self, parsed: ParsedOrder, p: Planned) -> list[RowError]:
        """What the order will not keep as the file has it, as warnings: the file's own total, tax or
        discount differing from the computed ones (also written on the order's timeline), a refund
        larger than the payment."""
        order, values = p.order, parsed.values
        warnings, differences = [], []
        for key, (amount, row) in values["figures"].items():
            figure, attribute = FILE_FIGURES[key]
            given, computed = money(amount), getattr(order, attribute)
            if given != computed:
                message = f"the file's {figure} {given} differs from the computed {computed}"
                warnings.append(RowError(row, self.parser.column(key), message, "warning"))
                differences.append({"figure": figure, "file": str(given), "computed": str(computed)})
        if differences:
            p.item.events.append(
                (ImportEvent.FIGURES_DIFFER, {"differences": differences, "currency": order.currency})
            )
        refund = p.item.refund
        if refund is not None and refund.amount is not None and money(refund.amount) > refund_due(p):
            column = "refunded_amount" if "refunded_amount" in self.parser.mapping else "payment_status"
            paid = order.amount_paid
            message = (
                f"the file's refunded amount {money(refund.amount)} is more than the {paid} paid: "
                f"{paid} is recorded as refunded"
                if paid > 0
                else f"the file's refunded amount {money(refund.amount)}, but nothing was paid: no refund "
                "is recorded"
            )
            warnings.append(RowError(values["refunded_row"], self.parser.column(column), message, "warning"))
        return warnings

    def decide(self, groups: list[RowGroup]) -> list[Decision]:
        """Parse and plan a chunk of orders; nothing is written."""
        parsed = [self.parser.parse(group, self.reference_column) for group in groups]
        items = [self.batch_order(order) for order in parsed if not order.errors]
        planned = {p.item.key: p for p in self.creator.plan(items)}
        decisions = []
        for order in parsed:
            p = planned.get(order.first_row)
            if p is None:
                decisions.append(Decision(order, REJECTED, order.errors))
            elif p.result == REJECTED:
                decisions.append(Decision(order, REJECTED, self.service_errors(order, p.errors), planned=p))
            elif p.result == SKIPPED:
                decisions.append(Decision(order, SKIPPED, [], p.message, planned=p))
            else:
                message = "; ".join(str(finding) for finding in p.findings)
                warnings = [*order.warnings, *self.noticed(order, p)]
                decisions.append(Decision(order, p.result, [], message, planned=p, warnings=warnings))
        return decisions

    def service_errors(self, order: ParsedOrder, errors: dict[str, list[str]]) -> list[RowError]:
        """order_create's validation errors ({"lines[2]": [...]}) as row errors."""
        found = []
        for key, messages in errors.items():
            row, column = order.first_row, ""
            if key.startswith("lines[") and key.endswith("]"):
                index = int(key[6:-1]) - 1
                if 0 <= index < len(order.lines):
                    row = order.lines[index].row
                discount = any("discount" in message.lower() for message in messages)
                column = self.parser.column("line_discount" if discount else "unit_price")
            elif key == "channel_order_id":
                column = self.reference_column
            elif key in FIELD_BY_KEY:
                column = self.parser.column(key)
            found.extend(RowError(row, column, message.rstrip(".")) for message in messages)
        return found


def in_chunks(groups: Iterator[RowGroup], size: int) -> Iterator[list[RowGroup]]:
    while chunk := list(islice(groups, size)):
        yield chunk


def tapered_chunks(
    groups: Iterator[RowGroup], size: int, share_read: Callable[[], float]
) -> Iterator[list[RowGroup]]:
    """Chunks for the pipelined import: `size` orders, but smaller at both ends. The first chunks grow
    from an eighth of `size`, so that the writers start soon; near the end of the file (share_read()
    is the part of it read so far, which estimates the orders left) they shrink again, so that little
    is left to write once reading ends. Full-size chunks at both ends left one core idle for about a
    second of a 100,000-line import."""
    # Below a few hundred orders, a chunk's round trips cost more than its earlier start saves.
    smallest = max(size // 8, min(size, 250))
    want, read = smallest, 0
    while chunk := list(islice(groups, want)):
        yield chunk
        read += len(chunk)
        want = min(size, want * 2)
        share = share_read()
        if 0 < share < 1:
            want = max(smallest, min(want, int(read * (1 - share) / share / 2)))
