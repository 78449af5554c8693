"""Files past the database's or the format's limits: a row error found by the validation pass or a
refusal with the right reason, never a lost chunk (issue 15)."""

import pytest
from django.urls import reverse

from channels.csv.files import ImportRefused
from channels.csv.models import ImportOutcome, ImportRowError, OrderImport
from orders.models import Order
from tests.channels.csv.conftest import csv_bytes, shopify_file, shopify_order

pytestmark = pytest.mark.django_db
HEADER = ["Order reference", "SKU", "Quantity", "Unit price"]


def test_an_order_whose_total_is_past_numeric_12_2_is_a_row_error_and_the_rest_of_its_chunk_imports(
    upload, validate, run_import, products
):
    content = shopify_file(
        shopify_order("#1", "a@example.com", [("MUG-1", "1", "9.50")]),
        # 1,000,000 units at 99,999.99: each cell fits, the total (99,999,990,000) does not.
        shopify_order("#2", "b@example.com", [("MUG-1", "1000000", "99999.99")]),
        shopify_order("#3", "c@example.com", [("TEE-1", "2", "5.00")]),
    )
    order_import = validate(upload(content))
    assert (order_import.valid_orders, order_import.invalid_orders) == (2, 1)
    error = ImportRowError.objects.get(order_import=order_import, severity="error")
    assert (error.row_number, error.reference) == (3, "#2")
    assert "largest amount" in error.message and error.column == "Lineitem price"

    order_import = run_import(order_import)
    assert order_import.state == OrderImport.State.DONE, order_import.error
    assert (order_import.created_count, order_import.rejected_count) == (2, 1)
    assert set(Order.objects.values_list("channel_order_id", flat=True)) == {"#1", "#3"}
    rejected = ImportOutcome.objects.get(order_import=order_import, reference="#2")
    assert rejected.result == "rejected" and "largest amount" in rejected.message


def test_a_data_row_of_200000_columns_is_refused_for_its_width(upload):
    content = csv_bytes([HEADER, ["A", "MUG-1", "1", "2.00", *([""] * 200_000)]])
    with pytest.raises(
        ImportRefused, match=r"has [\d,]+ or more columns; an order file has at most 500"
    ) as refused:
        upload(content)
    assert "no orders under it" not in str(refused.value)


def test_a_good_row_then_a_row_of_200000_columns_is_refused_not_cut(upload):
    content = csv_bytes(
        [HEADER, ["A", "MUG-1", "1", "2.00"], ["B", "MUG-1", "1", "2.00", *(["x"] * 200_000)]]
    )
    with pytest.raises(ImportRefused, match="an order file has at most 500"):
        upload(content)


def test_a_row_too_wide_past_the_sniffed_start_is_a_row_error_of_its_order(upload, validate, products):
    filler = [[f"F{n}", "MUG-1", "1", "2.00", "n" * 100] for n in range(700)]  # past the 64K sniffed
    rows = [[*HEADER, "Notes"], *filler, ["WIDE", "MUG-1", "1", "2.00", *(["x"] * 1_000)]]
    order_import = validate(upload(csv_bytes(rows)))
    assert order_import.state == OrderImport.State.READY
    assert (order_import.valid_orders + order_import.hold_orders, order_import.invalid_orders) == (700, 1)
    error = ImportRowError.objects.get(order_import=order_import, severity="error")
    assert error.reference == "WIDE" and "1,004 cells" in error.message


def test_a_failed_import_does_not_say_every_order_was_created(client, csr):
    order_import = OrderImport.objects.create(
        created_by=csr, original_name="orders.csv", file="imports/gone.csv", encoding="utf-8",
        delimiter=",", headers=HEADER, mapping={"sku": 1, "quantity": 2}, group_by=0,
        state=OrderImport.State.FAILED, error="Stopped by an unexpected error (OperationalError).",
    )  # fmt: skip
    client.force_login(csr)
    page = client.get(reverse("channels:import_detail", kwargs={"pk": order_import.pk})).content.decode()
    assert "Every order was created as it came." not in page
    assert "were not imported" in page


def test_a_quantity_of_superscript_digits_is_a_row_error(upload, validate, products):
    order_import = validate(
        upload(csv_bytes([HEADER, ["A", "MUG-1", "²", "2.00"], ["B", "MUG-1", "1", "2.00"]]))
    )
    assert order_import.state == OrderImport.State.READY
    assert order_import.invalid_orders == 1
    error = ImportRowError.objects.get(order_import=order_import, severity="error")
    assert "is not a whole number" in error.message
