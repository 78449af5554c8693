"""Reading order CSV files: the supported columns, storing an upload safely, sniffing encoding and
delimiter, mapping headers to fields, and turning the rows of one order into checked values.

Nothing here writes to the database. Row numbers are the spreadsheet's: the header is row 1.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils import timezone

from orders.inputs import LineInput
from orders.models import Channel, PaymentMethod, Status, Warehouse
from orders.workflow import Stage

MAX_FIELD_CHARS = 100_000
MAX_COLUMNS = 500
MAX_ATTRIBUTES = 100
SNIFF_CHARS = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(MAX_FIELD_CHARS)


class ImportRefused(Exception):
    """A file that cannot be imported at all; the message says why and what to do."""


class FileBroken(Exception):
    """The stored file stops being readable part-way (found while reading it, not at upload)."""

    def __init__(self, row: int, message: str):
        self.row = row
        super().__init__(f"row {row}: {message}")


# The supported columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str  # the template's header
    level: str  # "order": read from the order's first row that has it; "line": one per row
    required: str  # "yes", "constant" (a column or a constant), or "no"
    format: str
    synonyms: tuple[str, ...] = ()
    historical_only: bool = False
    example: tuple[str, str, str] = ("", "", "")  # the template's three example rows


FIELDS: list[ImportField] = [
    ImportField("reference", "Order reference", "order", "yes",
                "Text, up to 100 characters. The rows of one order share it and follow each other; a row "
                "with it empty continues the order above. Re-importing a reference already imported on "
                "the same channel skips it.",
                ("order reference", "name", "order", "order id", "order number", "order no", "order #",
                 "reference", "order ref", "external id", "channel order id", "order name"),
                example=("1001", "1001", "1002")),
    ImportField("channel", "Channel", "order", "constant",
                "A sales channel's code or name (csv, shopify, woocommerce ...). Default: CSV import.",
                ("channel", "sales channel", "channel code")),
    ImportField("order_date", "Order date", "order", "no",
                "YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], optionally with an offset (+01:00, -0500, Z). "
                "Historical imports only; otherwise the order is dated when it is imported.",
                ("order date", "created at", "date", "created", "processed at", "placed at", "order created"),
                historical_only=True, example=("2025-03-01 10:15", "", "2025-03-02 16:40")),
    ImportField("status", "Status", "order", "no",
                "A status's name or code (Processing, Shipped, Delivered ...), or a stage name. Historical "
                "imports only; otherwise orders start as new orders do.",
                ("status", "order status", "fulfillment status", "fulfilment status"),
                historical_only=True, example=("Delivered", "", "Processing")),
    ImportField("cancelled_at", "Cancelled at", "order", "no",
                "A date, as for the order date. Historical imports only: an order with one is created "
                "cancelled, whatever its status says (its refund comes from Payment status and Refunded "
                "amount).",
                ("cancelled at", "canceled at", "cancelled date", "cancellation date", "cancelled on"),
                historical_only=True),
    ImportField("payment_status", "Payment status", "order", "no",
                "paid or unpaid (also pending, partially_paid, refunded, authorized, voided). Paid orders "
                "are recorded as paid in full.",
                ("payment status", "financial status", "paid status"),
                example=("paid", "", "unpaid")),
    ImportField("amount_paid", "Amount paid", "order", "no",
                "An amount like 12.50, when only part was paid.", ("amount paid", "paid amount")),
    ImportField("paid_at", "Paid at", "order", "no",
                "A date, as for the order date. Historical imports only: the date of the order's payment "
                "(otherwise the payment is dated when it is imported).",
                ("paid at", "payment date", "paid date", "paid on", "date paid"), historical_only=True),
    ImportField("refunded_amount", "Refunded amount", "order", "no",
                "An amount like 12.50 already refunded to the customer: recorded as a refund paid out, at "
                "most what was paid. A payment status of refunded without it refunds everything paid.",
                ("refunded amount", "amount refunded", "refund amount", "total refunded")),
    ImportField("customer_name", "Customer name", "order", "no",
                "Up to 200 characters. Default: the ship-to name, else the email.",
                ("customer name", "customer", "billing name", "buyer name", "full name", "bill to name"),
                example=("Ada Lovelace", "", "Grace Hopper")),
    ImportField("email", "Email", "order", "no",
                "The customer's email: orders with the same email belong to the same customer.",
                ("email", "e-mail", "customer email", "email address", "buyer email"),
                example=("ada@example.com", "", "grace@example.com")),
    ImportField("phone", "Phone", "order", "no", "Up to 40 characters.",
                ("phone", "customer phone", "telephone", "phone number", "mobile"),
                example=("+44 20 7946 0001", "", "+1 212 555 0142")),
    ImportField("company", "Company", "order", "no", "Up to 200 characters.",
                ("company", "billing company", "shipping company", "company name")),
    ImportField("shipping_name", "Ship to name", "order", "no", "Up to 200 characters.",
                ("ship to name", "shipping name", "recipient", "recipient name", "delivery name")),
    ImportField("line1", "Shipping street", "order", "no",
                "Street and number. An order without street, city, postcode or country is created on hold.",
                ("shipping street", "shipping address1", "shipping address 1", "shipping address", "address",
                 "address1", "address 1", "address line 1", "street", "ship to street"),
                example=("12 Harbour Road", "", "5 Park Avenue")),
    ImportField("line2", "Shipping address 2", "order", "no", "Flat, floor, building.",
                ("shipping address2", "shipping address 2", "address2", "address 2", "address line 2")),
    ImportField("city", "Shipping city", "order", "no", "Town or city.",
                ("shipping city", "city", "town", "ship to city"), example=("Leeds", "", "New York")),
    ImportField("postcode", "Shipping postcode", "order", "no", "Postcode or ZIP code.",
                ("shipping postcode", "shipping zip", "shipping postal code", "postcode", "post code", "zip",
                 "zip code", "postal code", "ship to zip"),
                example=("LS1 4AP", "", "10001")),
    ImportField("region", "Shipping region", "order", "no", "State, province or county.",
                ("shipping region", "shipping province", "shipping province name", "shipping state",
                 "province", "state", "region", "county"),
                example=("", "", "NY")),
    ImportField("country", "Shipping country", "order", "no", "ISO country code (GB, US ...) or name.",
                ("shipping country", "shipping country code", "country", "country code", "ship to country"),
                example=("GB", "", "US")),
    ImportField("shipping_phone", "Shipping phone", "order", "no", "Up to 40 characters.",
                ("shipping phone", "delivery phone", "ship to phone")),
    ImportField("billing_line1", "Billing street", "order", "no",
                "Street and number of the billing address (named by the customer name). Without any "
                "billing column the billing address is the shipping address.",
                ("billing street", "billing address1", "billing address 1", "billing address", "bill to street")),
    ImportField("billing_line2", "Billing address 2", "order", "no", "Flat, floor, building.",
                ("billing address2", "billing address 2")),
    ImportField("billing_city", "Billing city", "order", "no", "Town or city.",
                ("billing city", "bill to city")),
    ImportField("billing_postcode", "Billing postcode", "order", "no", "Postcode or ZIP code.",
                ("billing zip", "billing postal code", "billing zip code", "bill to zip")),
    ImportField("billing_region", "Billing region", "order", "no", "State, province or county.",
                ("billing province", "billing state", "billing province name", "billing county")),
    ImportField("billing_country", "Billing country", "order", "no", "ISO country code (GB, US ...) or name.",
                ("billing country", "billing country code", "bill to country")),
    ImportField("billing_phone", "Billing phone", "order", "no",
                "Up to 40 characters: the billing address' phone (and the customer's, without a Phone "
                "column).",
                ("billing phone", "bill to phone")),
    ImportField("shipping_method", "Shipping method", "order", "no",
                "Up to 100 characters. Orders without one are created on hold.",
                ("shipping method", "delivery method", "shipping service", "shipping line title",
                 "shipping option", "carrier service"),
                example=("Standard", "", "Express")),
    ImportField("delivery_fee", "Delivery fee", "order", "no", "An amount like 4.99. Default 0.",
                ("delivery fee", "shipping", "shipping fee", "shipping cost", "shipping price",
                 "shipping amount", "postage"),
                example=("4.99", "", "0")),
    ImportField("payment_method", "Payment method", "order", "constant",
                "cash, card, transfer, pos or channel (also Cash on delivery, Credit card, Bank transfer, "
                "PayPal ...). Default: Card.",
                ("payment method", "payment", "payment type", "payment gateway", "gateway"),
                example=("card", "", "cash")),
    ImportField("currency", "Currency", "order", "no", "Three-letter ISO code. Default: the shop's currency.",
                ("currency", "currency code"), example=("GBP", "", "USD")),
    ImportField("warehouse", "Warehouse", "order", "no", "A warehouse's code or name. Default: the main one.",
                ("warehouse", "warehouse code", "fulfilment centre", "fulfillment center")),
    ImportField("po_number", "PO number", "order", "no", "B2B purchase order number, up to 100 characters.",
                ("po number", "po", "purchase order", "purchase order number", "po #")),
    ImportField("customer_reference", "Customer reference", "order", "no", "Up to 100 characters.",
                ("customer reference", "your reference", "customer ref")),
    ImportField("notes", "Notes", "order", "no", "Free text.",
                ("notes", "note", "comments", "comment", "order notes", "remarks"),
                example=("Leave with the neighbour", "", "")),
    ImportField("tags", "Tags", "order", "no", "Comma-separated, each up to 40 characters.",
                ("tags", "tag", "labels"), example=("vip, gift", "", "")),
    ImportField("gift_message", "Gift message", "order", "no", "Free text, printed on the packing slip.",
                ("gift message", "gift note")),
    ImportField("attributes", "Order attributes", "order", "no",
                "Name: value pairs, one per line (Shopify's Note Attributes), kept on the order and shown "
                f"on its page. At most {MAX_ATTRIBUTES}, names up to 200 characters.",
                ("note attributes", "order attributes", "attributes", "custom attributes", "additional details")),
    ImportField("file_total", "Order total", "order", "no",
                "The total the file gives, compared with the one Packline computes from the lines, tax and "
                "delivery fee: a difference is a warning on the order, not an error.",
                ("total", "order total", "grand total", "total price", "total amount")),
    ImportField("file_tax", "Tax total", "order", "no",
                "The file's tax total, compared with the computed one (a difference is a warning).",
                ("taxes", "tax total", "total tax", "total taxes", "tax amount")),
    ImportField("file_discount", "Discount total", "order", "no",
                "The file's discount total, compared with the sum of the line discounts (a difference is a "
                "warning).",
                ("discount amount", "discount total", "total discount", "total discounts", "order discount")),
    ImportField("sku", "SKU", "line", "yes",
                "The product's SKU, up to 64 characters; one line per row. Unknown SKUs put the order on hold.",
                ("sku", "lineitem sku", "item sku", "product sku", "variant sku", "article number",
                 "product code", "item code"),
                example=("MUG-BLA-0002", "TEE-WHI-0000", "CAP-NAV-0003")),
    ImportField("line_name", "Product name", "line", "no", "Default: the product's name.",
                ("product name", "lineitem name", "product", "item name", "item", "description", "title"),
                example=("Classic Mug, Black", "Organic T-Shirt, White", "Everyday Cap, Navy")),
    ImportField("quantity", "Quantity", "line", "yes", "A whole number, 1 or more.",
                ("quantity", "lineitem quantity", "qty", "units", "item quantity"), example=("2", "1", "3")),
    ImportField("unit_price", "Unit price", "line", "no", "An amount like 12.50. Default: the product's price.",
                ("unit price", "lineitem price", "price", "item price"), example=("9.50", "24.99", "15.00")),
    ImportField("line_discount", "Line discount", "line", "no",
                "An amount off the whole line, like 2.00. Default 0.",
                ("line discount", "lineitem discount", "discount", "item discount"), example=("1.00", "", "")),
    ImportField("tax_rate", "Tax rate", "line", "no", "Percent, like 20. Default: the product's rate.",
                ("tax rate", "vat rate", "tax %", "vat %")),
]  # fmt: skip
FIELD_BY_KEY = {f.key: f for f in FIELDS}
CONSTANT_FIELDS = ("channel", "payment_method", "warehouse", "shipping_method", "currency", "country")


def normalise(header: str) -> str:
    text = header.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s_\-.:]+", " ", text)
    return text.strip()


def auto_map(headers: list[str]) -> tuple[dict[str, int], int | None]:
    """Map fields to columns by header names and synonyms; each column serves one field. Returns
    (mapping without the reference, the reference's column as the group-by)."""
    names = [normalise(header) for header in headers]
    used: set[int] = set()
    mapping: dict[str, int] = {}
    for import_field in FIELDS:
        candidates = (
            normalise(import_field.label),
            *import_field.synonyms,
            import_field.key.replace("_", " "),
        )
        for synonym in candidates:
            index = next((i for i, name in enumerate(names) if name == synonym and i not in used), None)
            if index is not None:
                mapping[import_field.key] = index
                used.add(index)
                break
    return mapping, mapping.pop("reference", None)


# Storing an upload: size, type, encoding -------------------------------------------------------------

SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or a zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"{\\rtf": "an RTF document",
}
NOT_CSV_SUFFIXES = {
    ".xlsx",
    ".xls",
    ".xlsm",
    ".ods",
    ".numbers",
    ".pdf",
    ".zip",
    ".json",
    ".xml",
    ".doc",
    ".docx",
}
SAVE_AS_CSV = "Save it as CSV (in Excel: File › Save As › CSV UTF-8) and upload that."
# Bytes that Windows-1252 leaves undefined: a file that has them is read as Latin-1.
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


@dataclass
class StoredFile:
    size: int
    encoding: str
    delimiter: str
    headers: list[str]


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


def store_upload(chunks: Iterable[bytes], path: Path, *, name: str, max_bytes: int) -> StoredFile:
    """Stream an upload to `path`, refusing what cannot be an order CSV; then sniff it. The file is
    removed again when it is refused."""
    suffix = Path(name).suffix.lower()
    if suffix in NOT_CSV_SUFFIXES:
        raise ImportRefused(f"{suffix} files are not CSV text. {SAVE_AS_CSV}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        size, encoding = _write_checked(chunks, path, max_bytes)
        delimiter, headers = sniff(path, encoding)
        return StoredFile(size, encoding, delimiter, headers)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_checked(chunks: Iterable[bytes], path: Path, max_bytes: int) -> tuple[int, str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, cp1252, size, head = True, True, 0, b""
    with path.open("wb") as output:
        for chunk in chunks:
            if not chunk:
                continue
            if size == 0 or len(head) < 8192:
                head = (head + chunk)[:8192]
            if size == 0:
                _check_head(chunk)
            nul = chunk.find(b"\x00")
            if nul >= 0:
                raise ImportRefused(
                    f"The file contains NUL bytes (the first at byte {size + nul + 1}): it is binary, not CSV "
                    f"text. {SAVE_AS_CSV}"
                )
            size += len(chunk)
            if size > max_bytes:
                raise ImportRefused(
                    f"The file is larger than {megabytes(max_bytes)}, the most one import takes. "
                    "Split it into smaller files and import them one after the other."
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if cp1252 and any(byte in chunk for byte in CP1252_UNDEFINED):
                cp1252 = False
            output.write(chunk)
    if size == 0:
        raise ImportRefused("The file is empty.")
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if controls > max(2, len(head) // 100):
        raise ImportRefused(f"The file looks binary (it has control characters), not CSV text. {SAVE_AS_CSV}")
    if utf8:
        return size, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    return size, "cp1252" if cp1252 else "latin-1"


def _check_head(chunk: bytes) -> None:
    for signature, what in SIGNATURES.items():
        if chunk.startswith(signature):
            raise ImportRefused(f"This is {what}, not a CSV file. {SAVE_AS_CSV}")
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(
            "The file is UTF-16 text; save it as CSV UTF-8 (in Excel: File › Save As › CSV UTF-8)."
        )


def sniff(path: Path, encoding: str) -> tuple[str, list[str]]:
    """The delimiter (comma, semicolon, tab or pipe) and the header row; refuse a file without a
    header Packline recognises."""
    with path.open(encoding=encoding, newline="", errors="replace") as text:
        sample = text.read(SNIFF_CHARS)
        truncated = bool(text.read(1))
    rest = ""  # the start of a row too long for the sample
    if truncated and "\n" in sample:
        cut = sample.rfind("\n") + 1
        sample, rest = sample[:cut], sample[cut:]  # whole records only
    best: tuple | None = None
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        body = rows[1:21]
        steady = sum(1 for row in body if len(row) == width) / len(body) if body else 1.0
        score = (width > 1, steady >= 0.8, steady, width)
        if best is None or score > best[0]:
            best = (score, delimiter, rows)
    if best is None:
        raise ImportRefused("The file has no rows.")
    _score, delimiter, rows = best
    headers = [cell.replace("\ufeff", "").strip() for cell in rows[0]]
    if len(headers) > MAX_COLUMNS:
        raise ImportRefused(
            f"The file has {len(headers):,} columns; an order file has at most {MAX_COLUMNS}. "
            "Is it really comma-, semicolon- or tab-separated?"
        )
    mapping, group_by = auto_map(headers)
    if not mapping and group_by is None:
        first = ", ".join(repr(header[:30]) for header in headers[:5])
        raise ImportRefused(
            "No recognisable header: the first row must name the columns (for example Order reference, "
            f"SKU, Quantity; download the template). The first row reads: {first}."
        )
    # A data row wider than any order file (a delimiter that is not one, a broken quote) is refused
    # for what it is, whether it fits the sample or runs past it.
    widths = [len(row) for row in rows[1:]] + ([rest.count(delimiter) + 1] if rest else [])
    if max(widths, default=0) > MAX_COLUMNS:
        raise ImportRefused(
            f"A row under the header has {max(widths):,}{' or more' if widths[-1] == max(widths) and rest else ''} "
            f"columns; an order file has at most {MAX_COLUMNS} (the header has {len(headers)}). "
            "Is it really comma-, semicolon- or tab-separated, with its quotes closed?"
        )
    if len(rows) < 2:
        raise ImportRefused("The file has a header row but no orders under it.")
    return delimiter, headers


# Reading the stored file -----------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it (the progress of a pass over the file)."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        read = self.raw.readinto(buffer)
        self.count += read or 0
        return read

    def close(self) -> None:
        self.raw.close()
        super().close()


def read_records(
    path: Path, encoding: str, delimiter: str, counter: list | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every data row after the header, streamed. Raises FileBroken when the
    file cannot be read on (an over-long field, a broken encoding)."""
    try:
        raw = CountingReader(path.open("rb"))
    except OSError as error:
        raise FileBroken(1, "the stored file cannot be read (it was removed?); upload it again") from error
    if counter is not None:
        counter.append(raw)
    text = io.TextIOWrapper(io.BufferedReader(raw, 256 * 1024), encoding=encoding, newline="")
    row = 1
    try:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            next(reader)
            for cells in reader:
                row += 1
                yield row, cells
        except csv.Error as error:
            message = str(error)
            if "field larger than field limit" in message:
                message = f"a cell is longer than {MAX_FIELD_CHARS:,} characters"
            raise FileBroken(row + 1, message) from error
        except UnicodeDecodeError as error:
            raise FileBroken(row + 1, f"the text is not valid {encoding}") from error
        except StopIteration:
            return
    finally:
        text.close()


@dataclass
class RowGroup:
    """The consecutive rows of one order."""

    reference: str
    rows: list[tuple[int, list[str]]]

    @property
    def first_row(self) -> int:
        return self.rows[0][0]

    @property
    def last_row(self) -> int:
        return self.rows[-1][0]


def group_rows(records: Iterable[tuple[int, list[str]]], group_by: int) -> Iterator[RowGroup]:
    """Consecutive rows with the same reference form one order; a row whose reference is empty
    continues the order above. Blank rows are skipped."""
    current: RowGroup | None = None
    for number, cells in records:
        if not any(cells) or not "".join(cells).strip():
            continue
        reference = cells[group_by].strip() if group_by < len(cells) else ""
        if current is not None and (not reference or reference == current.reference):
            current.rows.append((number, cells))
            continue
        if current is not None:
            yield current
        current = RowGroup(reference, [(number, cells)])
    if current is not None:
        yield current


# Parsing one order -----------------------------------------------------------------------------------


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


def shown(value: str) -> str:
    """A cell as quoted in a message: short, one line."""
    value = value.replace("\r", " ").replace("\n", " ")
    return repr(value if len(value) <= 40 else value[:39] + "…")


AMOUNT = re.compile(r"^[+-]?(\d[\d,.' ]*)$")
ZERO = Decimal(0)
# Order-level text and its longest length (the model's max_length).
TEXT_FIELDS = (
    ("customer_name", 200), ("email", 254), ("phone", 40), ("company", 200), ("shipping_name", 200),
    ("line1", 200), ("line2", 200), ("city", 100), ("postcode", 20), ("region", 100), ("country", 60),
    ("shipping_phone", 40), ("shipping_method", 100), ("po_number", 100), ("customer_reference", 100),
    ("notes", None), ("gift_message", None), ("billing_line1", 200), ("billing_line2", 200),
    ("billing_city", 100), ("billing_postcode", 20), ("billing_region", 100), ("billing_country", 60),
    ("billing_phone", 40),
)  # fmt: skip
PLAIN_AMOUNT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
WHOLE = re.compile(r"^[+-]?\d+(\.0*)?$")
CURRENCY_MARKS = "$€£¥\u00a0"
MAX_AMOUNT = Decimal("9999999999.99")
PAYMENT_WORDS = [
    ("cash", PaymentMethod.CASH), ("cod", PaymentMethod.CASH), ("pos", PaymentMethod.POS),
    ("transfer", PaymentMethod.TRANSFER), ("bank", PaymentMethod.TRANSFER), ("wire", PaymentMethod.TRANSFER),
    ("invoice", PaymentMethod.TRANSFER), ("card", PaymentMethod.CARD), ("visa", PaymentMethod.CARD),
    ("mastercard", PaymentMethod.CARD), ("amex", PaymentMethod.CARD), ("stripe", PaymentMethod.CARD),
    ("shopify payments", PaymentMethod.CARD), ("paypal", PaymentMethod.CHANNEL),
    ("amazon", PaymentMethod.CHANNEL), ("marketplace", PaymentMethod.CHANNEL), ("klarna", PaymentMethod.CHANNEL),
    ("channel", PaymentMethod.CHANNEL), ("tiktok", PaymentMethod.CHANNEL), ("ebay", PaymentMethod.CHANNEL),
]  # fmt: skip
PAID = {"paid", "partially refunded", "partially_refunded", "refunded", "yes", "true", "1", "y"}
# Paid, then refunded (Shopify's financial statuses): all of it, or part (the file's refunded amount).
REFUNDED = {"refunded"}
PARTIALLY_REFUNDED = {"partially refunded", "partially_refunded"}
UNPAID = {
    "unpaid", "pending", "authorized", "authorised", "voided", "expired", "no", "false", "0", "n",
    "partially paid", "partially_paid", "",
}  # fmt: skip
# Seeds' and other tools' status names (SPEC 2.1) and Shopify's fulfilment statuses.
STAGE_WORDS = {
    "expected": Stage.AWAITING_PAYMENT, "pending": Stage.AWAITING_PAYMENT, "created": Stage.AWAITING_PAYMENT,
    "awaiting payment": Stage.AWAITING_PAYMENT, "concept": Stage.DRAFT, "complete": Stage.SHIPPED,
    "fulfilled": Stage.SHIPPED, "in transit": Stage.SHIPPED, "completed": Stage.DELIVERED,
    "failed": Stage.DELIVERY_FAILED, "paused": Stage.ON_HOLD, "canceled": Stage.CANCELLED,
    "partial": Stage.PROCESSING, "partially fulfilled": Stage.PROCESSING,
}  # fmt: skip
NOT_A_STATUS = {"unfulfilled", "open", ""}  # no status: the order starts as a new one would


class Lookups:
    """Channels, warehouses and statuses by what a file may call them; read once per pass."""

    def __init__(self):
        self.channels: dict[str, Channel] = {}
        for channel in Channel.objects.all():
            self.channels[channel.code.lower()] = channel
            self.channels.setdefault(channel.name.lower(), channel)
        self.warehouses: dict[str, Warehouse] = {}
        for warehouse in Warehouse.objects.filter(active=True):
            self.warehouses[warehouse.code.lower()] = warehouse
            self.warehouses.setdefault(warehouse.name.lower(), warehouse)
        statuses = list(Status.objects.all())
        builtin = {status.stage: status for status in statuses if status.is_builtin}
        self.cancelled = builtin.get(Stage.CANCELLED)
        self.statuses: dict[str, Status] = {}
        for word, stage in STAGE_WORDS.items():
            if stage in builtin:
                self.statuses[word] = builtin[stage]
        for stage in Stage:
            if stage in builtin:
                self.statuses[stage.value.replace("_", " ")] = builtin[stage]
                self.statuses[stage.label.lower()] = builtin[stage]
        for status in statuses:
            self.statuses[status.code.lower().replace("-", " ")] = status
            self.statuses[status.label.lower()] = status
        self.status_examples = ", ".join(status.label for status in statuses if status.is_builtin)


def parse_payment_method(text: str) -> str | None:
    value = text.strip().lower()
    for choice, label in PaymentMethod.choices:
        if value in (choice, label.lower()):
            return choice
    for word, choice in PAYMENT_WORDS:
        if re.search(rf"\b{re.escape(word)}\b", value):
            return choice
    return None


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


def note_attributes(text: str) -> dict[str, str]:
    """Shopify's Note Attributes as name -> value: `name: value` pairs, one per line. A line without
    a name continues the value above (a value written on several lines); a name given twice keeps
    both values, one per line."""
    found: dict[str, str] = {}
    name = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        key, colon, value = line.partition(":")
        if colon and key.strip():
            name, value = key.strip(), value.strip()
            found[name] = f"{found[name]}\n{value}" if name in found else value
        elif line.strip():
            if name is None:
                name, found[line.strip()] = line.strip(), ""
            else:
                found[name] = f"{found[name]}\n{line.strip()}".lstrip("\n")
    return found


def template_rows() -> list[list[str]]:
    """The template: every supported column, then two example orders (1001 has two lines on two rows)."""
    rows = [[f.label for f in FIELDS]]
    for index in range(3):
        rows.append([f.example[index] for f in FIELDS])
    return rows
