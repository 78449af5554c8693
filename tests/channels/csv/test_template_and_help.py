"""The CSV template and the column help page (seed 003: "download the CSV template to see required columns")."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels.csv.columns import FIELDS
from orders.models import Order

pytestmark = pytest.mark.django_db


def template(client, csr) -> list[list[str]]:
    client.force_login(csr)
    response = client.get(reverse("channels:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_the_template_has_every_supported_column_in_a_comment_free_header_row(client, csr):
    rows = template(client, csr)
    assert rows[0] == [field.label for field in FIELDS]
    assert not rows[0][0].startswith("#")
    assert all(len(row) == len(rows[0]) for row in rows)


def test_the_template_holds_two_example_orders_one_with_two_lines_on_two_rows(client, csr):
    rows = template(client, csr)
    reference = rows[0].index("Order reference")
    sku = rows[0].index("SKU")
    references = [row[reference] for row in rows[1:]]
    assert references == ["1001", "1001", "1002"]
    assert rows[1][sku] != rows[2][sku]
    # Order-level values only on the order's first row, as other tools export them.
    email = rows[0].index("Email")
    assert rows[1][email] and not rows[2][email]


def test_the_template_imports_as_it_is(client, csr, products, upload, validate, run_import):
    for sku in ("MUG-BLA-0002", "TEE-WHI-0000", "CAP-NAV-0003"):
        products[sku] = type(products["MUG-1"]).objects.create(sku=sku, name=sku, price="5.00")
    client.force_login(csr)
    content = client.get(reverse("channels:import_template")).content
    order_import = validate(upload(content, "template.csv"))
    assert order_import.group_by == 0
    assert {"sku", "quantity", "line1", "payment_method"} <= set(order_import.mapping)
    assert (order_import.valid_orders, order_import.invalid_orders) == (2, 0)
    order_import = run_import(order_import)
    assert order_import.created_count == 2
    assert Order.objects.get(channel_order_id="1001").lines.count() == 2


def test_the_help_page_lists_each_column_whether_it_is_required_and_its_format(client, csr):
    client.force_login(csr)
    response = client.get(reverse("channels:import_help"))
    assert response.status_code == 200
    page = response.content.decode()
    for field in FIELDS:
        assert f'data-field="{field.key}"' in page
        assert field.label in page
    rows = page.split('data-field="')
    quantity = next(row for row in rows if row.startswith("quantity"))
    assert "Required" in quantity and "A whole number" in quantity
    notes = next(row for row in rows if row.startswith("notes"))
    assert "Optional" in notes


def test_the_upload_page_links_the_template_and_the_help(client, csr):
    client.force_login(csr)
    page = client.get(reverse("channels:import_list")).content.decode()
    assert reverse("channels:import_template") in page and reverse("channels:import_help") in page


def test_an_upload_through_the_page_lands_on_the_mapping(client, csr, products):
    client.force_login(csr)
    content = b"Order reference,SKU,Quantity\r\nA-1,MUG-1,2\r\n"
    response = client.post(
        reverse("channels:import_upload"), {"file": SimpleUploadedFile("mine.csv", content)}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert b'data-testid="mapping-form"' in detail.content
