"""The validation pass and the preview: every row's errors with row number, the file's own column and a
message a person can act on; incomplete orders marked as going on hold (SPEC 2.2); nothing written."""

import csv
import io

import pytest
from django.urls import reverse

from channels.csv.models import ImportRowError, OrderImport
from channels.csv.validation import import_preview, import_validate
from orders.models import Customer, Order
from tests.channels.csv.conftest import shopify_file, shopify_order

pytestmark = pytest.mark.django_db


def messages(order_import, severity=None) -> list[str]:
    errors = ImportRowError.objects.filter(order_import=order_import)
    if severity:
        errors = errors.filter(severity=severity)
    return [str(error) for error in errors.order_by("row_number", "pk")]


def test_row_812_with_a_quantity_in_words_is_reported_exactly(upload, validate, products):
    orders = [shopify_order(f"#{n}", f"c{n}@example.com", [("MUG-1", "1", "9.50")]) for n in range(1, 900)]
    orders[810] = shopify_order("#811", "c811@example.com", [("MUG-1", "two", "9.50")])  # data row 812
    order_import = validate(upload(shopify_file(*orders)))
    assert messages(order_import, "error") == ["row 812, Lineitem quantity: 'two' is not a whole number"]
    assert order_import.invalid_orders == 1 and order_import.valid_orders == 898
    assert order_import.rows_total == 899


def test_incomplete_orders_are_marked_as_going_on_hold_not_rejected(upload, validate, products):
    content = shopify_file(
        shopify_order("#1", "a@example.com", [("MUG-1", "1", "9.50")], **{"Shipping Zip": ""}),
        shopify_order("#2", "b@example.com", [("NOPE-9", "1", "9.50")]),
        shopify_order("#3", "c@example.com", [("MUG-1", "1", "9.50")], **{"Shipping Method": ""}),
    )
    order_import = validate(upload(content))
    assert messages(order_import, "hold") == [
        "row 2: will be created on hold: missing shipping address (postcode)",
        "row 3: will be created on hold: unknown SKU NOPE-9",
        "row 4: will be created on hold: missing shipping method",
    ]
    assert (order_import.hold_orders, order_import.invalid_orders) == (3, 0)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Lineitem quantity": "-1"}, "row 2, Lineitem quantity: '-1' must be 1 or more"),
        (
            {"Lineitem quantity": ""},
            "row 2, Lineitem quantity: the quantity is empty: write a whole number like 1",
        ),
        ({"Lineitem quantity": "2.5"}, "row 2, Lineitem quantity: '2.5' is not a whole number"),
        ({"Lineitem price": "abc"}, "row 2, Lineitem price: 'abc' is not an amount; write it like 12.50"),
        ({"Lineitem price": "-3"}, "row 2, Lineitem price: '-3' cannot be negative"),
        ({"Lineitem sku": ""}, "row 2, Lineitem sku: the SKU is empty: every line needs one"),
        ({"Shipping": "lots"}, "row 2, Shipping: 'lots' is not an amount; write it like 12.50"),
        (
            {"Payment Method": "Bitcoin"},
            "row 2, Payment Method: 'Bitcoin' is not a payment method; use cash, card, transfer, pos or channel",
        ),
        (
            {"Currency": "Dollars"},
            "row 2, Currency: 'Dollars' is not a currency code; use three letters like USD or EUR",
        ),
        (
            {"Financial Status": "maybe"},
            "row 2, Financial Status: 'maybe' is not a payment status; use paid or unpaid",
        ),
        (
            {"Lineitem discount": "99"},
            "row 2, Lineitem discount: Discount 99 is more than the line's price 9.50",
        ),
        ({"Shipping Zip": "X" * 30}, f"row 2, Shipping Zip: '{'X' * 30}' is longer than 20 characters"),
    ],
)
def test_data_that_cannot_form_an_order_is_rejected_with_an_actionable_message(
    upload, validate, products, changes, expected
):
    order_import = validate(
        upload(shopify_file(shopify_order("#1", "a@example.com", [("MUG-1", "1", "9.50")], **changes)))
    )
    assert messages(order_import, "error") == [expected]
    assert order_import.invalid_orders == 1


def test_an_order_whose_rows_are_not_together_is_rejected_the_second_time(upload, validate, products):
    content = shopify_file(
        shopify_order("#1", "a@example.com", [("MUG-1", "1", "9.50")]),
        shopify_order("#2", "b@example.com", [("MUG-1", "1", "9.50")]),
        shopify_order("#1", "a@example.com", [("TEE-1", "1", "9.50")]),
    )
    order_import = validate(upload(content))
    assert messages(order_import, "error") == [
        "row 4, Name: #1 appears again; its first appearance was at row 2"
    ]


def test_validation_writes_nothing_but_its_findings(upload, validate, products):
    validate(upload(shopify_file(shopify_order("#1", "new@example.com", [("MUG-1", "1", "9.50")]))))
    assert not Order.objects.exists()
    assert not Customer.objects.filter(email="new@example.com").exists()


def test_the_preview_shows_the_first_orders_as_they_will_be_imported(upload, validate, products):
    products["MUG-1"].price = "9.50"
    products["MUG-1"].tax_rate = "0"
    products["MUG-1"].save()
    content = shopify_file(
        shopify_order("#1", "ada@example.com", [("MUG-1", "2", ""), ("TEE-1", "1", "20")]),
        shopify_order("#2", "bob@example.com", [("MUG-1", "x", "1")]),
    )
    first, second = import_preview(order_import=validate(upload(content)))
    assert (first.reference, first.rows, first.result) == ("#1", "2–3", "created")
    assert first.customer == "Ada Lovelace <ada@example.com>"
    assert first.address == "12 Harbour Road, Leeds, LS1 4AP, GB"
    assert first.lines[0] == "2 × MUG-1 Item MUG-1 @ 9.50"
    assert first.message == "will be created as Processing"
    assert (second.result, second.message) == (
        "rejected",
        "row 4, Lineitem quantity: 'x' is not a whole number",
    )


def test_the_page_lists_the_row_errors_and_offers_them_as_csv(client, csr, upload, validate, products):
    content = shopify_file(
        shopify_order("#1", "a@example.com", [("MUG-1", "two", "9.50")]),
        shopify_order("#2", "b@example.com", [("MUG-1", "1", "9.50")], **{"Shipping Street": ""}),
    )
    order_import = validate(upload(content))
    client.force_login(csr)
    page = client.get(reverse("channels:import_detail", kwargs={"pk": order_import.pk})).content.decode()
    assert "row 2, Lineitem quantity: &#x27;two&#x27; is not a whole number" in page
    assert "row 3: will be created on hold: missing shipping address (street address)" in page
    assert 'data-testid="start-import"' in page
    report = client.get(reverse("channels:import_errors", kwargs={"pk": order_import.pk}))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows == [
        ["row", "column", "reference", "result", "message"],
        ["2", "Lineitem quantity", "#1", "Rejected", "'two' is not a whole number"],
        ["3", "", "#2", "On hold", "will be created on hold: missing shipping address (street address)"],
    ]


def test_a_big_file_is_validated_in_the_background_with_progress(
    client, csr, upload, settings, queued, products, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_VALIDATION_BYTES = 10
    order_import = upload(
        shopify_file(*[shopify_order(f"#{n}", "a@example.com", [("MUG-1", "1", "1")]) for n in range(50)])
    )
    client.force_login(csr)
    data = {
        "group_by": "0",
        "map_sku": "13",
        "map_quantity": "10",
        "const_channel": "csv",
        "const_payment_method": "card",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("channels:import_mapping", kwargs={"pk": order_import.pk}), data)
    order_import.refresh_from_db()
    assert order_import.state == OrderImport.State.VALIDATING
    assert queued == [("validate", order_import.pk, order_import.generation)]
    progress = client.get(
        reverse("channels:import_detail", kwargs={"pk": order_import.pk}), headers={"HX-Request": "true"}
    )
    fragment = progress.content.decode()
    assert 'data-state="validating"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert 'data-testid="validation-bar"' in fragment and "<html" not in fragment
    import_validate(import_id=order_import.pk, generation=order_import.generation)  # what the worker runs
    fragment = client.get(
        reverse("channels:import_detail", kwargs={"pk": order_import.pk}), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-state="ready"' in fragment and "hx-trigger" not in fragment
    assert 'data-testid="start-import"' in fragment


def test_a_validation_for_an_older_mapping_does_nothing(upload, validate, products):
    order_import = validate(
        upload(shopify_file(shopify_order("#1", "a@example.com", [("MUG-1", "two", "1")])))
    )
    import_validate(import_id=order_import.pk, generation=order_import.generation - 1)
    assert ImportRowError.objects.filter(order_import=order_import).count() == 1


def test_the_validation_pass_runs_with_the_garbage_collector_paused(upload, validate, products, monkeypatch):
    import gc

    from channels.csv.deciding import ImportPass

    seen, real = [], ImportPass.decide

    def decide(self, groups):
        seen.append(gc.isenabled())
        return real(self, groups)

    monkeypatch.setattr(ImportPass, "decide", decide)
    order_import = validate(upload(shopify_file(shopify_order("#1", "a@example.com", [("MUG-1", "2", "1")]))))
    assert order_import.state == OrderImport.State.READY and order_import.valid_orders == 1
    assert seen == [False] and gc.isenabled()
