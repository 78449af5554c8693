"""The rows of one order turned into checked values (an OrderInput's parts) and the errors a person can
fix, row by row.

Over 400 lines because OrderParser reads every column the import knows, each a few lines, in one pass
per order (the import's hot loop).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from channels.csv.columns import FIELD_BY_KEY, MAX_ATTRIBUTES
from channels.csv.files import MAX_COLUMNS, RowGroup
from channels.csv.values import (
    AMOUNT,
    CURRENCY_MARKS,
    MAX_AMOUNT,
    NOT_A_STATUS,
    PAID,
    PARTIALLY_REFUNDED,
    PLAIN_AMOUNT,
    REFUNDED,
    TEXT_FIELDS,
    UNPAID,
    WHOLE,
    ZERO,
    Lookups,
    note_attributes,
    parse_payment_method,
    shown,
)
from orders.inputs import LineInput
from orders.models import PaymentMethod
from orders.workflow import Stage


@dataclass
class RowError:
    row: int
    column: str
    message: str
    severity: str = "error"  # or "hold", or "warning" (the order is created; the message says how)

    def __str__(self) -> str:
        return (
            f"row {self.row}, {self.column}: {self.message}"
            if self.column
            else f"row {self.row}: {self.message}"
        )


@dataclass
class ParsedLine(LineInput):
    """A line as order creation takes it, with the file row it came from."""

    row: int = 0


@dataclass
class ParsedOrder:
    reference: str
    first_row: int
    last_row: int
    values: dict = field(default_factory=dict)
    lines: list[ParsedLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # the order is created all the same


class OrderParser:
    """Turns the rows of one order into checked values, with every problem as a RowError naming the
    row, the file's own header and what to do."""

    def __init__(
        self, *, headers: list[str], mapping: dict, constants: dict, historical: bool, lookups: Lookups
    ):
        self.headers = headers
        self.mapping = {key: int(index) for key, index in mapping.items() if index is not None}
        self.constants = {key: str(value).strip() for key, value in constants.items() if str(value).strip()}
        self.historical = historical
        self.lookups = lookups
        self.line_keys = [
            key
            for key in ("sku", "line_name", "quantity", "unit_price", "line_discount", "tax_rate")
            if key in self.mapping
        ]
        self.line_positions = [
            self.mapping.get(key, -1)
            for key in ("sku", "line_name", "quantity", "unit_price", "line_discount", "tax_rate")
        ]
        self.order_indexes = [
            (key, index)
            for key, index in self.mapping.items()
            if FIELD_BY_KEY[key].level == "order" and key != "reference"
        ]
        self._payment_methods: dict[str, str] = {}

    def column(self, key: str) -> str:
        if key in self.mapping:
            index = self.mapping[key]
            return (
                self.headers[index]
                if index < len(self.headers) and self.headers[index]
                else f"Column {index + 1}"
            )
        if key in self.constants:
            return f"{FIELD_BY_KEY[key].label} (constant)"
        return FIELD_BY_KEY[key].label

    def _order_values(self, group: RowGroup) -> dict[str, tuple[str, int]]:
        """Every order-level value with its row: the first of the order's rows that has it, else the
        constant, else empty."""
        rows = group.rows
        first_row, first = rows[0]
        width = len(first)
        found: dict[str, tuple[str, int]] = {}
        # Most order-level cells are empty, and most of them on an order's later rows: an empty cell is
        # not stripped (about 30 str.strip calls per line of a Shopify export otherwise).
        for key, index in self.order_indexes:
            value = first[index] if index < width else ""
            if value and (value := value.strip()):
                found[key] = (value, first_row)
                continue
            for number, cells in rows[1:]:
                if index < len(cells) and (value := cells[index]) and (value := value.strip()):
                    found[key] = (value, number)
                    break
        for key, value in self.constants.items():
            found.setdefault(key, (value, first_row))
        return found

    def parse(self, group: RowGroup, reference_column: str) -> ParsedOrder:
        order = ParsedOrder(group.reference, group.first_row, group.last_row)
        errors = order.errors

        def error(row: int, key: str, message: str) -> None:
            errors.append(RowError(row, self.column(key) if key in FIELD_BY_KEY else key, message))

        values = order.values
        if not group.reference:
            errors.append(RowError(group.first_row, reference_column, "the order reference is empty"))
        elif len(group.reference) > 100:
            errors.append(
                RowError(
                    group.first_row,
                    reference_column,
                    f"{shown(group.reference)} is longer than 100 characters",
                )
            )
        raw = self._order_values(group)
        empty = ("", group.first_row)
        for key, limit in TEXT_FIELDS:
            value, row = raw.get(key, empty)
            if limit is not None and len(value) > limit:
                error(row, key, f"{shown(value)} is longer than {limit} characters")
                value = ""
            values[key] = value
        for key in ("country", "billing_country"):
            if len(values[key]) == 2:
                values[key] = values[key].upper()

        def warn(row: int, key: str, message: str) -> None:
            order.warnings.append(RowError(row, self.column(key), message, "warning"))

        value, row = raw.get("channel", empty)
        values["channel"] = None
        if value:
            channel = self.lookups.channels.get(value.lower())
            if channel is None:
                known = ", ".join(sorted({c.code for c in self.lookups.channels.values()}))
                error(row, "channel", f"{shown(value)} is not a sales channel; use one of {known}")
            values["channel"] = channel

        value, row = raw.get("warehouse", empty)
        values["warehouse"] = None
        if value:
            warehouse = self.lookups.warehouses.get(value.lower())
            if warehouse is None:
                known = ", ".join(sorted({w.code for w in self.lookups.warehouses.values()}))
                error(row, "warehouse", f"{shown(value)} is not a warehouse; use one of {known}")
            values["warehouse"] = warehouse

        value, row = raw.get("payment_method", empty)
        values["payment_method"] = PaymentMethod.CARD
        if value:
            method = self._payment_methods.get(value)
            if method is None:
                method = self._payment_methods[value] = parse_payment_method(value) or ""
            if not method:
                error(
                    row,
                    "payment_method",
                    f"{shown(value)} is not a payment method; use cash, card, transfer, pos or channel",
                )
            else:
                values["payment_method"] = method

        value, row = raw.get("currency", empty)
        values["currency"] = ""
        if value:
            if len(value) == 3 and value.isascii() and value.isalpha():
                values["currency"] = value.upper()
            else:
                error(
                    row,
                    "currency",
                    f"{shown(value)} is not a currency code; use three letters like USD or EUR",
                )

        value, row = raw.get("delivery_fee", empty)
        values["delivery_fee"] = self.amount(value, row, "delivery_fee", errors) if value else Decimal(0)

        value, row = raw.get("payment_status", empty)
        values["paid_in_full"] = False
        word = value.lower()
        if value:
            if word in PAID:
                values["paid_in_full"] = True
            elif word not in UNPAID:
                error(row, "payment_status", f"{shown(value)} is not a payment status; use paid or unpaid")
        status_word, status_row = value, row
        value, row = raw.get("amount_paid", empty)
        values["amount_paid"] = self.amount(value, row, "amount_paid", errors) if value else None
        value, row = raw.get("refunded_amount", empty)
        values["refunded_amount"] = self.amount(value, row, "refunded_amount", errors) if value else None
        values["refunded_row"] = row
        values["refunded_in_full"] = word in REFUNDED
        if word in PARTIALLY_REFUNDED and not values["refunded_amount"]:
            warn(
                status_row,
                "payment_status",
                f"{shown(status_word)}, but the file gives no refunded amount: the payment is recorded, "
                "no refund",
            )
        values["figures"] = {}
        for key in ("file_total", "file_tax", "file_discount"):
            value, row = raw.get(key, empty)
            if value:
                amount = self.amount(value, row, key, errors)
                if amount is not None:
                    values["figures"][key] = (amount, row)

        value, row = raw.get("attributes", empty)
        values["attributes"] = self.attributes(value, row, errors) if value else {}

        value, row = raw.get("tags", empty)
        tags = [tag.strip() for tag in value.split(",") if tag.strip()] if value else []
        for tag in tags:
            if len(tag) > 40:
                error(row, "tags", f"the tag {shown(tag)} is longer than 40 characters")
        values["tags"] = [tag for tag in tags if len(tag) <= 40]

        values["status"] = values["created_at"] = None
        if self.historical:
            value, row = raw.get("status", empty)
            if value.lower() not in NOT_A_STATUS:
                status = self.lookups.statuses.get(value.lower().replace("-", " ").replace("_", " "))
                if status is None:
                    error(
                        row,
                        "status",
                        f"{shown(value)} is not a status; use one of {self.lookups.status_examples}",
                    )
                values["status"] = status
            value, row = raw.get("order_date", empty)
            if value:
                values["created_at"] = self.date(value, row, errors)
        values["paid_at"] = values["cancelled_at"] = None
        value, row = raw.get("cancelled_at", empty)
        if self.historical:
            if value:
                values["cancelled_at"] = self.date(value, row, errors, "cancelled_at")
                status = values["status"]
                if values["cancelled_at"] and (status is None or status.stage != Stage.CANCELLED):
                    values["status"] = self.lookups.cancelled  # the cancellation came last
            value, row = raw.get("paid_at", empty)
            if value:
                values["paid_at"] = self.date(value, row, errors, "paid_at")
        elif value:
            warn(
                row,
                "cancelled_at",
                f"cancelled {shown(value)} in the file, but created as a new order: only a historical "
                "import keeps statuses",
            )

        line_rows = wide_rows = 0
        for number, cells in group.rows:
            if len(cells) > MAX_COLUMNS:
                wide_rows += 1  # past the sniffed start of the file: said, not cut silently
                errors.append(
                    RowError(
                        number,
                        "",
                        f"the row has {len(cells):,} cells, the header {len(self.headers)}; an order file has "
                        f"at most {MAX_COLUMNS} columns (check the delimiter and the quotes)",
                    )
                )
                continue
            line_rows += self.parse_line(order, number, cells)
        if not line_rows and not wide_rows:
            errors.append(
                RowError(
                    group.first_row,
                    self.column("sku"),
                    "the order has no lines: every order needs a SKU and a quantity",
                )
            )
        return order

    def parse_line(self, order: ParsedOrder, number: int, cells: list[str]) -> bool:
        """Add the row's line to the order; False when the row has no line at all."""
        width = len(cells)
        sku, name, quantity, price, discount, tax_rate = (
            cells[index].strip() if 0 <= index < width else "" for index in self.line_positions
        )
        if not (sku or name or quantity or price or discount or tax_rate):
            return False  # an order-level row without a line (some exports have them)
        if (
            sku
            and len(sku) <= 64
            and len(name) <= 200
            and quantity.isascii()  # "²" is a digit to isdigit() but no number to int()
            and quantity.isdigit()
            and not tax_rate
            and 1 <= (count := int(quantity)) <= 1_000_000
            and (not price or PLAIN_AMOUNT.match(price))
            and (not discount or PLAIN_AMOUNT.match(discount))
        ):  # the common, well-formed line
            order.lines.append(
                ParsedLine(
                    sku=sku,
                    quantity=count,
                    unit_price=Decimal(price) if price else None,
                    discount=Decimal(discount) if discount else ZERO,
                    name=name,
                    row=number,
                )
            )
            return True
        cell = {
            "sku": sku,
            "line_name": name,
            "quantity": quantity,
            "unit_price": price,
            "line_discount": discount,
            "tax_rate": tax_rate,
        }
        errors = order.errors
        before = len(errors)
        sku = cell.get("sku", "")
        if not sku:
            errors.append(RowError(number, self.column("sku"), "the SKU is empty: every line needs one"))
        elif len(sku) > 64:
            errors.append(RowError(number, self.column("sku"), f"{shown(sku)} is longer than 64 characters"))
        name = cell.get("line_name", "")
        if len(name) > 200:
            errors.append(
                RowError(number, self.column("line_name"), f"{shown(name)} is longer than 200 characters")
            )
        raw = cell.get("quantity", "")
        quantity = 0
        if not raw:
            errors.append(
                RowError(
                    number, self.column("quantity"), "the quantity is empty: write a whole number like 1"
                )
            )
        elif not WHOLE.match(raw):
            errors.append(RowError(number, self.column("quantity"), f"{shown(raw)} is not a whole number"))
        else:
            quantity = int(Decimal(raw))
            if quantity < 1:
                errors.append(RowError(number, self.column("quantity"), f"{shown(raw)} must be 1 or more"))
            elif quantity > 1_000_000:
                errors.append(
                    RowError(number, self.column("quantity"), f"{shown(raw)} is more than 1,000,000")
                )
        price = (
            self.amount(cell["unit_price"], number, "unit_price", errors) if cell.get("unit_price") else None
        )
        discount = (
            self.amount(cell["line_discount"], number, "line_discount", errors)
            if cell.get("line_discount")
            else Decimal(0)
        )
        tax_rate = None
        if cell.get("tax_rate"):
            tax_rate = self.amount(cell["tax_rate"].rstrip("%"), number, "tax_rate", errors)
            if tax_rate is not None and tax_rate > 100:
                errors.append(
                    RowError(
                        number, self.column("tax_rate"), f"{shown(cell['tax_rate'])} is more than 100 percent"
                    )
                )
        if len(errors) == before:
            order.lines.append(
                ParsedLine(
                    sku=sku,
                    quantity=quantity,
                    unit_price=price,
                    discount=discount or Decimal(0),
                    name=name,
                    tax_rate=tax_rate,
                    row=number,
                )
            )
        return True

    def amount(self, raw: str, row: int, key: str, errors: list[RowError]) -> Decimal | None:
        """An amount as people write it: 12.50, 1,234.50, 12,50, $12.50. Never negative."""
        if PLAIN_AMOUNT.match(raw):
            return Decimal(raw)
        text = raw.strip().strip(CURRENCY_MARKS).replace("\u00a0", "").strip()
        match = AMOUNT.match(text)
        if not match:
            errors.append(
                RowError(row, self.column(key), f"{shown(raw)} is not an amount; write it like 12.50")
            )
            return None
        digits = text.replace(" ", "").replace("'", "")
        if "," in digits and "." in digits:
            decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        elif "," in digits:
            decimal_mark = "," if re.search(r",\d{1,2}$", digits) and digits.count(",") == 1 else "."
        else:
            decimal_mark = "."
        thousands = "." if decimal_mark == "," else ","
        digits = digits.replace(thousands, "").replace(decimal_mark, ".")
        try:
            value = Decimal(digits)
        except InvalidOperation:
            errors.append(
                RowError(row, self.column(key), f"{shown(raw)} is not an amount; write it like 12.50")
            )
            return None
        if value < 0:
            errors.append(RowError(row, self.column(key), f"{shown(raw)} cannot be negative"))
            return None
        if value > MAX_AMOUNT:
            errors.append(RowError(row, self.column(key), f"{shown(raw)} is too large"))
            return None
        return value

    def attributes(self, raw: str, row: int, errors: list[RowError]) -> dict[str, str]:
        found = note_attributes(raw)
        if len(found) > MAX_ATTRIBUTES:
            errors.append(
                RowError(
                    row,
                    self.column("attributes"),
                    f"{len(found)} attributes; an order keeps at most {MAX_ATTRIBUTES}",
                )
            )
            return {}
        for name in found:
            if len(name) > 200:
                errors.append(
                    RowError(
                        row,
                        self.column("attributes"),
                        f"the attribute name {shown(name)} is longer than 200 characters",
                    )
                )
                return {}
        return found

    def date(self, raw: str, row: int, errors: list[RowError], key: str = "order_date") -> datetime | None:
        text = re.sub(r"\s+([+-]\d{2}:?\d{2}|Z)$", r"\1", raw.strip()).replace("/", "-")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            errors.append(
                RowError(
                    row,
                    self.column(key),
                    f"{shown(raw)} is not a date; write it like 2025-03-01 or 2025-03-01 14:30",
                )
            )
            return None
        if len(text) <= 10:
            value = datetime.combine(value.date(), time(12, 0))
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now() + timedelta(days=1):
            errors.append(RowError(row, self.column(key), f"{shown(raw)} is in the future"))
            return None
        return value
