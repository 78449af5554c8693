"""The columns an order CSV may have: each field with its synonyms (other tools' exports included), how
headers are matched to fields, and the template's rows.
"""

import re
from dataclasses import dataclass

MAX_ATTRIBUTES = 100


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


def template_rows() -> list[list[str]]:
    """The template: every supported column, then two example orders (1001 has two lines on two rows)."""
    rows = [[f.label for f in FIELDS]]
    for index in range(3):
        rows.append([f.example[index] for f in FIELDS])
    return rows
