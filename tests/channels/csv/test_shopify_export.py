"""Shopify's order export imports faithfully (issue 15): its columns are recognised, a historical import
keeps cancellations, payments with their dates and refunds, note attributes and the billing phone, and
the file's own total, tax and discount are checked against the computed ones (a warning, not an error).

The fixture is a Shopify export of seven orders with 79 of its columns, most of which Packline has no
use for: one row per line, order fields on each order's first row."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from channels.csv.columns import auto_map
from channels.csv.models import ImportOutcome, ImportRowError
from channels.csv.validation import import_preview
from channels.csv.values import note_attributes
from orders.models import Order, OrderEvent
from orders.money.models import Payment, Refund
from orders.workflow import Stage
from tests.channels.csv.conftest import csv_bytes
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "fixtures" / "shopify_orders_export.csv"
D = Decimal


@pytest.fixture
def catalogue():
    """The export's products, taxed at 10% as the shop taxed them."""
    return {
        sku: ProductFactory(sku=sku, price=D(price), tax_rate=D("10.00"))
        for sku, price in (
            ("MUG-BLK", "12.00"),
            ("TEE-WHT-M", "25.00"),
            ("CAP-NVY", "18.00"),
            ("SOCK-3PK", "9.50"),
        )
    }


@pytest.fixture
def export() -> bytes:
    return EXPORT.read_bytes()


@pytest.fixture
def imported(upload, validate, run_import, catalogue, export):
    """The export imported in historical mode: {reference: order}."""
    order_import = run_import(validate(upload(export, "orders_export_1.csv"), historical=True))
    assert (order_import.created_count, order_import.held_count, order_import.rejected_count) == (7, 0, 0)
    return {order.channel_order_id: order for order in Order.objects.all()}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_mapper_recognises_every_shopify_column_packline_uses_and_leaves_the_others(export):
    headers = export.decode("utf-8").splitlines()[0].split(",")
    assert len(headers) == 79
    mapping, group_by = auto_map(headers)
    named = {key: headers[index] for key, index in mapping.items()}
    assert headers[group_by] == "Name"
    assert named == {
        # Recognised before this issue.
        "email": "Email", "payment_status": "Financial Status", "status": "Fulfillment Status",
        "currency": "Currency", "delivery_fee": "Shipping", "shipping_method": "Shipping Method",
        "order_date": "Created at", "quantity": "Lineitem quantity", "line_name": "Lineitem name",
        "unit_price": "Lineitem price", "sku": "Lineitem sku", "line_discount": "Lineitem discount",
        "customer_name": "Billing Name", "company": "Billing Company", "shipping_name": "Shipping Name",
        "line1": "Shipping Street", "line2": "Shipping Address2", "city": "Shipping City",
        "postcode": "Shipping Zip", "region": "Shipping Province", "country": "Shipping Country",
        "shipping_phone": "Shipping Phone", "notes": "Notes", "tags": "Tags", "payment_method": "Payment Method",
        "phone": "Phone",
        # Recognised now.
        "cancelled_at": "Cancelled at", "refunded_amount": "Refunded Amount", "paid_at": "Paid at",
        "attributes": "Note Attributes", "billing_phone": "Billing Phone", "file_tax": "Taxes",
        "file_total": "Total", "file_discount": "Discount Amount",
        "billing_line1": "Billing Street", "billing_line2": "Billing Address2", "billing_city": "Billing City",
        "billing_postcode": "Billing Zip", "billing_region": "Billing Province", "billing_country": "Billing Country",
    }  # fmt: skip
    for unknown in (
        "Fulfilled at", "Accepts Marketing", "Subtotal", "Discount Code", "Lineitem compare at price",
        "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Payment Reference",
        "Vendor", "Outstanding Balance", "Id", "Risk Level", "Source", "Tax 1 Name", "Tax 1 Value", "Receipt Number",
        "Duties", "Payment ID", "Payment Terms Name", "Next Payment Due At", "Billing Province Name",
    ):  # fmt: skip
        assert unknown not in named.values()


def test_a_historical_import_keeps_statuses_and_cancellations(imported):
    assert {reference: order.stage for reference, order in imported.items()} == {
        "#1001": Stage.SHIPPED,  # fulfilled
        "#1002": Stage.CANCELLED,  # Cancelled at, though unfulfilled
        "#1003": Stage.SHIPPED,
        "#1004": Stage.PROCESSING,  # unfulfilled and paid: as a new paid order
        "#1005": Stage.PROCESSING,  # cash on delivery
        "#1006": Stage.CANCELLED,
        "#1007": Stage.SHIPPED,
    }
    assert imported["#1002"].events.get(type="order.created").params["status"] == "Cancelled"
    assert not imported["#1002"].holds.exists() and not imported["#1006"].holds.exists()


def test_payments_are_recorded_as_of_the_files_paid_at(imported):
    payments = {
        payment.order.channel_order_id: (payment.amount, payment.method, payment.recorded_at)
        for payment in Payment.objects.select_related("order")
    }
    assert payments == {
        "#1001": (D("58.90"), "card", utc("2025-03-01T10:16:02-05:00")),
        "#1002": (D("24.80"), "card", utc("2025-03-02T08:01:30-05:00")),
        "#1003": (D("78.65"), "card", utc("2025-03-04T19:46:10+01:00")),
        "#1004": (D("99.00"), "card", utc("2025-03-05T12:00:30+08:00")),
        "#1007": (D("39.60"), "channel", utc("2025-03-08T11:12:00+01:00")),
    }  # #1005 (pending) and #1006 (voided) paid nothing
    assert {reference: order.amount_paid for reference, order in imported.items()} == {
        "#1001": D("58.90"), "#1002": D("24.80"), "#1003": D("78.65"), "#1004": D("99.00"),
        "#1005": D("0.00"), "#1006": D("0.00"), "#1007": D("39.60"),
    }  # fmt: skip


def test_refunds_are_recorded_as_paid_out_with_the_files_amounts(imported, csr):
    refunds = {
        refund.order.channel_order_id: (
            refund.kind, refund.amount, refund.method, refund.reason, refund.reference,
            refund.executed_at is not None, refund.executed_by, refund.recorded_by,
        )
        for refund in Refund.objects.select_related("order")
    }  # fmt: skip
    assert refunds == {
        "#1002": ("cancellation", D("24.80"), "card", "order cancelled", "#1002", True, csr, csr),
        "#1003": ("manual", D("27.50"), "card", "refunded before the import", "#1003", True, csr, csr),
        "#1007": ("manual", D("39.60"), "channel", "refunded before the import", "#1007", True, csr, csr),
    }
    cancelled = Refund.objects.get(order=imported["#1002"])
    assert cancelled.recorded_at == cancelled.executed_at == utc("2025-03-03T09:00:00-05:00")
    # The timeline words them as the money services do, after the payment.
    assert list(imported["#1003"].events.order_by("id").values_list("type", flat=True)) == [
        "order.created", "payment.recorded", "refund.recorded", "refund.executed",
    ]  # fmt: skip
    recorded, executed = imported["#1003"].events.filter(type__startswith="refund.").order_by("id")
    refund = Refund.objects.get(order=imported["#1003"])
    assert recorded.params == {
        "refund": refund.pk, "amount": "27.50", "currency": "USD", "kind": "Manual",
        "reason": "refunded before the import", "return_number": "",
    }  # fmt: skip
    assert executed.params == {
        "refund": refund.pk,
        "amount": "27.50",
        "currency": "USD",
        "reference": "#1003",
    }


def test_the_order_page_shows_paid_refunded_and_balance_from_the_files_money(client, csr, imported):
    client.force_login(csr)

    def figures(reference: str) -> dict[str, str]:
        page = client.get(reverse("orders:detail", kwargs={"number": imported[reference].number}))
        html = page.content.decode()
        return {
            name: re.search(rf'data-testid="breakdown-{name}">([^<]*)<', html).group(1)
            for name in ("paid", "refunded", "balance-due")
        } | {"status": re.search(r'data-testid="payment-status">([^<]*)<', html).group(1)}

    assert figures("#1003") == {
        "paid": "78.65 USD", "refunded": "27.50 USD", "balance-due": "0.00 USD", "status": "Partially refunded",
    }  # fmt: skip
    assert figures("#1002") == {
        "paid": "24.80 USD", "refunded": "24.80 USD", "balance-due": "0.00 USD", "status": "Refunded",
    }  # fmt: skip
    assert figures("#1001") == {
        "paid": "58.90 USD", "refunded": "0.00 USD", "balance-due": "0.00 USD", "status": "Paid",
    }  # fmt: skip
    assert figures("#1006") == {
        "paid": "0.00 USD", "refunded": "0.00 USD", "balance-due": "0.00 USD", "status": "Unpaid",
    }  # fmt: skip


def test_note_attributes_are_kept_on_the_order_and_listed_on_its_page(client, csr, imported):
    assert imported["#1001"].attributes == {"gift_wrap": "yes", "delivery_slot": "Saturday 9-12"}
    assert imported["#1003"].attributes == {
        "How did you hear about us?": "Instagram",
        "delivery_instructions": "Ring twice\nthen leave it by the door",
    }
    assert imported["#1005"].attributes == {}
    client.force_login(csr)
    html = client.get(reverse("orders:detail", kwargs={"number": imported["#1003"].number})).content.decode()
    card = html[html.index('data-testid="order-attributes"') :]
    assert "Attributes" in card[:200]
    assert "<dt" in card and "How did you hear about us?</dt>" in card
    assert "Ring twice<br>then leave it by the door" in card
    page = client.get(reverse("orders:detail", kwargs={"number": imported["#1005"].number}))
    assert b'data-testid="order-attributes"' not in page.content


def test_the_billing_address_and_its_phone_come_from_the_billing_columns(imported):
    first = imported["#1001"]
    assert first.billing_address == {
        "name": "Zoë Ångström", "line1": "500 Fifth Avenue", "city": "New York", "region": "NY",
        "postcode": "10110", "country": "US", "phone": "+1 212 555 0142",
    }  # fmt: skip
    assert first.shipping_address["line1"] == 'Flat 2, 12 "Harbour" Road'
    assert first.shipping_address["phone"] == "+1 718 555 0199"
    # Without a Phone of its own, the customer is reached on the billing phone.
    assert first.customer_phone == first.customer.phone == "+1 212 555 0142"
    assert first.customer.name == "Zoë Ångström" and first.customer.company == "Ångström & Co"
    cancelled = imported["#1002"]
    assert cancelled.customer_phone == "+1 213 555 0123"  # the Phone column
    assert "phone" not in cancelled.billing_address
    assert imported["#1004"].customer_name == "李小龍"


def test_the_preview_and_the_validation_warn_about_a_total_that_differs(
    client, csr, upload, validate, catalogue, export
):
    order_import = validate(upload(export), historical=True)
    assert (order_import.valid_orders, order_import.hold_orders, order_import.invalid_orders) == (7, 0, 0)
    warnings = ImportRowError.objects.filter(order_import=order_import, severity="warning")
    assert [(w.reference, str(w)) for w in warnings] == [
        ("#1004", "row 8, Total: the file's total 101.99 differs from the computed 99.00"),
    ]
    preview = {order.reference: order for order in import_preview(order_import=order_import)}
    assert preview["#1004"].result == "created"
    assert preview["#1004"].warnings == [
        "row 8, Total: the file's total 101.99 differs from the computed 99.00"
    ]
    assert all(not order.warnings for reference, order in preview.items() if reference != "#1004")
    client.force_login(csr)
    html = client.get(order_import.get_absolute_url()).content.decode()
    assert 'data-testid="preview-warning"' in html
    assert "the file&#x27;s total 101.99 differs from the computed 99.00" in html
    assert 'data-severity="warning"' in html


def test_the_orders_timeline_says_the_files_total_differed(client, csr, imported):
    order = imported["#1004"]
    event = order.events.get(type="import.figures_differ")
    assert event.params == {
        "differences": [{"figure": "total", "file": "101.99", "computed": "99.00"}], "currency": "USD",
    }  # fmt: skip
    assert event.actor == csr
    assert not OrderEvent.objects.filter(type="import.figures_differ").exclude(order=order).exists()
    client.force_login(csr)
    html = client.get(reverse("orders:detail", kwargs={"number": order.number})).content.decode()
    assert "The file's total 101.99 differs from the computed 99.00" in html
    outcome = ImportOutcome.objects.get(reference="#1004")
    assert (outcome.result, outcome.message) == (
        "created",
        "row 8, Total: the file's total 101.99 differs from the computed 99.00",
    )


def test_importing_the_export_again_creates_nothing_twice(upload, validate, run_import, imported, export):
    counts = (
        Order.objects.count(),
        Payment.objects.count(),
        Refund.objects.count(),
        OrderEvent.objects.count(),
    )
    assert counts[:3] == (7, 5, 3)
    again = run_import(validate(upload(export, "orders_export_1.csv"), historical=True))
    assert (again.created_count, again.skipped_count) == (0, 7)
    assert (
        Order.objects.count(),
        Payment.objects.count(),
        Refund.objects.count(),
        OrderEvent.objects.count(),
    ) == counts


def test_without_historical_mode_a_cancelled_order_is_imported_as_a_new_one_with_a_warning(
    upload, validate, run_import, catalogue, export
):
    order_import = validate(upload(export))
    warnings = [str(w) for w in ImportRowError.objects.filter(order_import=order_import, severity="warning")]
    assert warnings == [
        "row 4, Cancelled at: cancelled '2025-03-03 09:00:00 -0500' in the file, but created as a new order: "
        "only a historical import keeps statuses",
        "row 8, Total: the file's total 101.99 differs from the computed 99.00",
        "row 11, Cancelled at: cancelled '2025-03-07 18:00:00 +0000' in the file, but created as a new order: "
        "only a historical import keeps statuses",
    ]
    run_import(order_import)
    order = Order.objects.get(channel_order_id="#1002")
    assert order.stage == Stage.PROCESSING
    payment = order.payments.get()
    assert payment.recorded_at.date() != datetime(2025, 3, 2).date()  # Paid at is historical only
    # The money is what the file says: paid, and refunded.
    assert list(order.refunds.values_list("kind", "amount")) == [("manual", D("24.80"))]


# Money the file gives in other ways --------------------------------------------------------------

HEADERS = [
    "Name", "Email", "Financial Status", "Refunded Amount", "Total", "Taxes", "Discount Amount", "Lineitem sku",
    "Lineitem quantity", "Lineitem price", "Lineitem discount", "Shipping Street", "Shipping City", "Shipping Zip",
    "Shipping Country", "Shipping Method", "Cancelled at", "Billing Phone", "Note Attributes",
]  # fmt: skip


def one_order(**cells) -> bytes:
    row = dict.fromkeys(HEADERS, "")
    row.update({
        "Name": "#2001", "Email": "pat@example.com", "Financial Status": "paid", "Lineitem sku": "MUG-BLK",
        "Lineitem quantity": "2", "Lineitem price": "12.00", "Shipping Street": "1 High St", "Shipping City": "Leeds",
        "Shipping Zip": "LS1 1AA", "Shipping Country": "GB", "Shipping Method": "Standard",
    })  # fmt: skip
    row.update(cells)
    return csv_bytes([HEADERS, [row[header] for header in HEADERS]])


def test_partially_refunded_without_an_amount_records_the_payment_and_warns(
    upload, validate, run_import, catalogue
):
    order_import = validate(upload(one_order(**{"Financial Status": "partially_refunded"})), historical=True)
    assert [str(w) for w in ImportRowError.objects.filter(order_import=order_import, severity="warning")] == [
        "row 2, Financial Status: 'partially_refunded', but the file gives no refunded amount: the payment is "
        "recorded, no refund"
    ]
    run_import(order_import)
    order = Order.objects.get()
    assert order.amount_paid == order.total == D("26.40") and not order.refunds.exists()


def test_a_refund_larger_than_the_payment_is_recorded_as_the_payment_with_a_warning(
    upload, validate, run_import, catalogue
):
    content = one_order(**{"Financial Status": "refunded", "Refunded Amount": "30.00"})
    order_import = validate(upload(content), historical=True)
    assert [str(w) for w in ImportRowError.objects.filter(order_import=order_import, severity="warning")] == [
        "row 2, Refunded Amount: the file's refunded amount 30.00 is more than the 26.40 paid: 26.40 is "
        "recorded as refunded"
    ]
    run_import(order_import)
    assert list(Refund.objects.values_list("amount", flat=True)) == [D("26.40")]


def test_a_refunded_amount_on_an_unpaid_order_records_no_refund(upload, validate, run_import, catalogue):
    content = one_order(**{"Financial Status": "pending", "Refunded Amount": "5.00"})
    order_import = validate(upload(content), historical=True)
    assert [str(w) for w in ImportRowError.objects.filter(order_import=order_import, severity="warning")] == [
        "row 2, Refunded Amount: the file's refunded amount 5.00, but nothing was paid: no refund is recorded"
    ]
    run_import(order_import)
    assert not Refund.objects.exists() and not Payment.objects.exists()


def test_tax_and_discount_that_differ_are_warned_about_together(upload, validate, run_import, catalogue):
    content = one_order(**{"Taxes": "2.00", "Discount Amount": "5.00", "Total": "26.40"})
    order_import = validate(upload(content))
    assert [str(w) for w in ImportRowError.objects.filter(order_import=order_import, severity="warning")] == [
        "row 2, Taxes: the file's tax 2.00 differs from the computed 2.40",
        "row 2, Discount Amount: the file's discount 5.00 differs from the computed 0.00",
    ]
    run_import(order_import)
    event = Order.objects.get().events.get(type="import.figures_differ")
    assert event.params["differences"] == [
        {"figure": "tax", "file": "2.00", "computed": "2.40"},
        {"figure": "discount", "file": "5.00", "computed": "0.00"},
    ]


def test_figures_that_agree_however_written_raise_no_warning(upload, validate, run_import, catalogue):
    content = one_order(**{"Total": "$26.4", "Taxes": "2.40", "Discount Amount": "0"})
    order_import = validate(upload(content))
    assert not ImportRowError.objects.filter(order_import=order_import).exists()
    run_import(order_import)
    assert not OrderEvent.objects.filter(type="import.figures_differ").exists()


def test_a_billing_phone_alone_joins_the_shipping_address_as_the_billing_one(
    upload, validate, run_import, catalogue
):
    run_import(validate(upload(one_order(**{"Billing Phone": "+44 113 496 0000"}))))
    order = Order.objects.get()
    assert order.billing_address == {**order.shipping_address, "phone": "+44 113 496 0000"}
    assert order.customer_phone == "+44 113 496 0000"


def test_attribute_values_are_escaped_on_the_order_page(client, csr, upload, validate, run_import, catalogue):
    run_import(validate(upload(one_order(**{"Note Attributes": "<b>note</b>: <script>alert(1)</script>"}))))
    order = Order.objects.get()
    assert order.attributes == {"<b>note</b>": "<script>alert(1)</script>"}
    client.force_login(csr)
    html = client.get(reverse("orders:detail", kwargs={"number": order.number})).content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>note</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;note&lt;/b&gt;" in html


def test_too_many_attributes_reject_the_order(upload, validate, catalogue):
    text = "\n".join(f"key{n}: {n}" for n in range(101))
    order_import = validate(upload(one_order(**{"Note Attributes": text})))
    assert [str(e) for e in ImportRowError.objects.filter(order_import=order_import)] == [
        "row 2, Note Attributes: 101 attributes; an order keeps at most 100"
    ]


@pytest.mark.parametrize(
    "text, attributes",
    [
        ("gift_wrap: yes", {"gift_wrap": "yes"}),
        ("a: 1\r\nb: 2\r\n", {"a": "1", "b": "2"}),
        ("slot: 10:00-12:00", {"slot": "10:00-12:00"}),  # the first colon ends the name
        ("note: first line\nsecond line\n\nthird", {"note": "first line\nsecond line\nthird"}),
        ("tag: a\ntag: b", {"tag": "a\nb"}),  # a name given twice keeps both
        ("loose words\nkey: value", {"loose words": "", "key": "value"}),
        (": no name\nkey:", {": no name": "", "key": ""}),
    ],
)
def test_shopify_note_attributes_are_read_as_name_value_pairs(text, attributes):
    assert note_attributes(text) == attributes


def test_the_help_page_says_how_cancellations_refunds_and_the_files_figures_are_imported(client, csr):
    client.force_login(csr)
    page = client.get(reverse("channels:import_help")).content.decode()
    assert "An order with a <em>Cancelled at</em> date is created cancelled" in page
    money = " ".join(page.split('data-testid="money-help">', 1)[1].split("</p>", 1)[0].split())
    assert "are recorded as refunds already paid out" in money and "a difference is a warning" in money
