"""The rows of one order turned into checked values (an OrderInput's parts) and the errors a person can
fix, row by row.

Over 400 lines because OrderParser reads every column the import knows, each a few lines, in one pass
per order (the import's hot loop).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice

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

LINE_KEYS = ("sku", "line_name", "quantity", "unit_price", "line_discount", "tax_rate")


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
        self.line_positions = tuple(self.mapping.get(key, -1) for key in LINE_KEYS)
        self.order_indexes = {
            key: index
            for key, index in self.mapping.items()
            if FIELD_BY_KEY[key].level == "order" and key != "reference"
        }
        self._payment_methods: dict[str, str] = {}
        self._plain_amounts: dict[str, Decimal] = {}  # _plain_amount's, by their text

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

    def _order_values(self, group: RowGroup) -> dict[str, str]:
        """Every order-level value: the first of the order's rows that has it, else the constant; an
        empty value is left out. The row it came from is looked up only for a message (_row)."""
        rows = group.rows
        first = rows[0][1]
        width = len(first)
        found: dict[str, str] = {}
        missing = []  # what the first row leaves empty: most order-level cells of the later rows are empty
        for key, index in self.order_indexes.items():
            value = first[index] if index < width else ""
            if value and (value := value.strip()):
                found[key] = value
            else:
                missing.append((key, index))
        if missing and len(rows) > 1:
            for _number, cells in islice(rows, 1, None):
                width = len(cells)
                for key, index in missing:
                    if (
                        key not in found
                        and index < width
                        and (value := cells[index])
                        and (value := value.strip())
                    ):
                        found[key] = value
        for key, value in self.constants.items():
            found.setdefault(key, value)
        return found

    def _row(self, group: RowGroup, key: str) -> int:
        """The row an order-level value came from (as _order_values picks it): the first of the order's
        rows with the cell filled; the order's first row for a constant or an empty value."""
        index = self.order_indexes.get(key)
        if index is not None:
            for number, cells in group.rows:
                if index < len(cells) and cells[index].strip():
                    return number
        return group.first_row

    def _amount(self, group: RowGroup, key: str, raw: str, errors: list[RowError]) -> Decimal | None:
        """amount() of an order-level value; its row is looked up only when the amount is refused."""
        value = self._plain_amounts.get(raw)
        if value is None and (value := self._plain_amount(raw)) is None:
            return self.amount(raw, self._row(group, key), key, errors)
        return value

    def parse(self, group: RowGroup, reference_column: str) -> ParsedOrder:
        first_row = group.first_row
        order = ParsedOrder(group.reference, first_row, group.last_row)
        errors = order.errors

        def error(key: str, message: str) -> None:
            errors.append(RowError(self._row(group, key), self.column(key), message))

        def warn(key: str, message: str) -> None:
            order.warnings.append(RowError(self._row(group, key), self.column(key), message, "warning"))

        values = order.values
        if not group.reference:
            errors.append(RowError(first_row, reference_column, "the order reference is empty"))
        elif len(group.reference) > 100:
            errors.append(
                RowError(
                    first_row,
                    reference_column,
                    f"{shown(group.reference)} is longer than 100 characters",
                )
            )
        raw = self._order_values(group)
        get = raw.get
        for key, limit in TEXT_FIELDS:
            value = get(key, "")
            if limit is not None and len(value) > limit:
                error(key, f"{shown(value)} is longer than {limit} characters")
                value = ""
            values[key] = value
        for key in ("country", "billing_country"):
            if len(values[key]) == 2:
                values[key] = values[key].upper()

        value = get("channel", "")
        values["channel"] = None
        if value:
            channel = self.lookups.channels.get(value.lower())
            if channel is None:
                known = ", ".join(sorted({c.code for c in self.lookups.channels.values()}))
                error("channel", f"{shown(value)} is not a sales channel; use one of {known}")
            values["channel"] = channel

        value = get("warehouse", "")
        values["warehouse"] = None
        if value:
            warehouse = self.lookups.warehouses.get(value.lower())
            if warehouse is None:
                known = ", ".join(sorted({w.code for w in self.lookups.warehouses.values()}))
                error("warehouse", f"{shown(value)} is not a warehouse; use one of {known}")
            values["warehouse"] = warehouse

        value = get("payment_method", "")
        values["payment_method"] = PaymentMethod.CARD
        if value:
            method = self._payment_methods.get(value)
            if method is None:
                method = self._payment_methods[value] = parse_payment_method(value) or ""
            if not method:
                error(
                    "payment_method",
                    f"{shown(value)} is not a payment method; use cash, card, transfer, pos or channel",
                )
            else:
                values["payment_method"] = method

        value = get("currency", "")
        values["currency"] = ""
        if value:
            if len(value) == 3 and value.isascii() and value.isalpha():
                values["currency"] = value.upper()
            else:
                error("currency", f"{shown(value)} is not a currency code; use three letters like USD or EUR")

        value = get("delivery_fee", "")
        values["delivery_fee"] = self._amount(group, "delivery_fee", value, errors) if value else Decimal(0)

        status_word = get("payment_status", "")
        values["paid_in_full"] = False
        word = status_word.lower()
        if status_word:
            if word in PAID:
                values["paid_in_full"] = True
            elif word not in UNPAID:
                error("payment_status", f"{shown(status_word)} is not a payment status; use paid or unpaid")
        value = get("amount_paid", "")
        values["amount_paid"] = self._amount(group, "amount_paid", value, errors) if value else None
        value = get("refunded_amount", "")
        values["refunded_amount"] = self._amount(group, "refunded_amount", value, errors) if value else None
        values["refunded_row"] = self._row(group, "refunded_amount") if value else first_row
        values["refunded_in_full"] = word in REFUNDED
        if word in PARTIALLY_REFUNDED and not values["refunded_amount"]:
            warn(
                "payment_status",
                f"{shown(status_word)}, but the file gives no refunded amount: the payment is recorded, "
                "no refund",
            )
        values["figures"] = {}
        for key in ("file_total", "file_tax", "file_discount"):
            value = get(key, "")
            if value:
                amount = self._amount(group, key, value, errors)
                if amount is not None:
                    values["figures"][key] = (amount, self._row(group, key))

        value = get("attributes", "")
        values["attributes"] = self.attributes(value, group, errors) if value else {}

        value = get("tags", "")
        tags = [tag.strip() for tag in value.split(",") if tag.strip()] if value else []
        for tag in tags:
            if len(tag) > 40:
                error("tags", f"the tag {shown(tag)} is longer than 40 characters")
        values["tags"] = [tag for tag in tags if len(tag) <= 40]

        values["status"] = values["created_at"] = None
        if self.historical:
            value = get("status", "")
            if value.lower() not in NOT_A_STATUS:
                status = self.lookups.statuses.get(value.lower().replace("-", " ").replace("_", " "))
                if status is None:
                    error(
                        "status", f"{shown(value)} is not a status; use one of {self.lookups.status_examples}"
                    )
                values["status"] = status
            value = get("order_date", "")
            if value:
                values["created_at"] = self.date(value, group, errors)
        values["paid_at"] = values["cancelled_at"] = None
        value = get("cancelled_at", "")
        if self.historical:
            if value:
                values["cancelled_at"] = self.date(value, group, errors, "cancelled_at")
                status = values["status"]
                if values["cancelled_at"] and (status is None or status.stage != Stage.CANCELLED):
                    values["status"] = self.lookups.cancelled  # the cancellation came last
            value = get("paid_at", "")
            if value:
                values["paid_at"] = self.date(value, group, errors, "paid_at")
        elif value:
            warn(
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
                    first_row,
                    self.column("sku"),
                    "the order has no lines: every order needs a SKU and a quantity",
                )
            )
        return order

    def parse_line(self, order: ParsedOrder, number: int, cells: list[str]) -> bool:
        """Add the row's line to the order; False when the row has no line at all."""
        width = len(cells)
        at_sku, at_name, at_quantity, at_price, at_discount, at_tax = self.line_positions
        # One expression per column, not a generator over the six: this runs once per line of the file.
        sku = cells[at_sku].strip() if 0 <= at_sku < width else ""
        name = cells[at_name].strip() if 0 <= at_name < width else ""
        quantity = cells[at_quantity].strip() if 0 <= at_quantity < width else ""
        price = cells[at_price].strip() if 0 <= at_price < width else ""
        discount = cells[at_discount].strip() if 0 <= at_discount < width else ""
        tax_rate = cells[at_tax].strip() if 0 <= at_tax < width else ""
        if not (sku or name or quantity or price or discount or tax_rate):
            return False  # an order-level row without a line (some exports have them)
        amounts = self._plain_amounts
        unit_price = amounts.get(price) if price else None
        line_discount = amounts.get(discount) if discount else ZERO
        if (
            sku
            and len(sku) <= 64
            and len(name) <= 200
            and quantity.isascii()  # "²" is a digit to isdigit() but no number to int()
            and quantity.isdigit()
            and not tax_rate
            and 1 <= (count := int(quantity)) <= 1_000_000
            and (unit_price is not None or not price or (unit_price := self._plain_amount(price)) is not None)
            and (line_discount is not None or (line_discount := self._plain_amount(discount)) is not None)
        ):  # the common, well-formed line
            order.lines.append(
                ParsedLine(
                    sku=sku,
                    quantity=count,
                    unit_price=unit_price,
                    discount=line_discount,
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

    def _plain_amount(self, text: str) -> Decimal | None:
        """A plain amount (12.50) as a Decimal, else None. A file repeats its few prices and discounts on
        line after line: each text is checked and converted once (Decimals are immutable, so shared)."""
        if not PLAIN_AMOUNT.match(text):
            return None
        if len(self._plain_amounts) >= 10_000:
            self._plain_amounts.clear()
        value = self._plain_amounts[text] = Decimal(text)
        return value

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

    def attributes(self, raw: str, group: RowGroup, errors: list[RowError]) -> dict[str, str]:
        found = note_attributes(raw)
        if len(found) > MAX_ATTRIBUTES:
            errors.append(
                RowError(
                    self._row(group, "attributes"),
                    self.column("attributes"),
                    f"{len(found)} attributes; an order keeps at most {MAX_ATTRIBUTES}",
                )
            )
            return {}
        for name in found:
            if len(name) > 200:
                errors.append(
                    RowError(
                        self._row(group, "attributes"),
                        self.column("attributes"),
                        f"the attribute name {shown(name)} is longer than 200 characters",
                    )
                )
                return {}
        return found

    def date(
        self, raw: str, group: RowGroup, errors: list[RowError], key: str = "order_date"
    ) -> datetime | None:
        text = re.sub(r"\s+([+-]\d{2}:?\d{2}|Z)$", r"\1", raw.strip()).replace("/", "-")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            errors.append(
                RowError(
                    self._row(group, key),
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
            errors.append(RowError(self._row(group, key), self.column(key), f"{shown(raw)} is in the future"))
            return None
        return value
