"""Mapping: automatic from headers and synonyms (other tools' multi-row exports included), changed by the
user, constants for missing columns, the group-by column, and mappings saved and reused by name."""

import pytest
from django.urls import reverse

from channels.csv.columns import auto_map
from channels.csv.models import ImportMapping, OrderImport
from channels.csv.services import MappingInvalid, import_set_mapping
from tests.channels.csv.conftest import SHOPIFY_HEADERS, csv_bytes, shopify_file, shopify_order

pytestmark = pytest.mark.django_db


def test_shopify_headers_map_to_packline_fields_and_group_by_name():
    mapping, group_by = auto_map(SHOPIFY_HEADERS)
    named = {key: SHOPIFY_HEADERS[index] for key, index in mapping.items()}
    assert SHOPIFY_HEADERS[group_by] == "Name"
    assert named == {
        "email": "Email", "payment_status": "Financial Status", "status": "Fulfillment Status",
        "currency": "Currency", "delivery_fee": "Shipping", "order_date": "Created at",
        "quantity": "Lineitem quantity", "line_name": "Lineitem name", "unit_price": "Lineitem price",
        "sku": "Lineitem sku", "line_discount": "Lineitem discount", "customer_name": "Billing Name",
        "shipping_name": "Shipping Name", "line1": "Shipping Street", "line2": "Shipping Address2",
        "city": "Shipping City", "postcode": "Shipping Zip", "region": "Shipping Province",
        "country": "Shipping Country", "shipping_phone": "Shipping Phone", "shipping_method": "Shipping Method",
        "notes": "Notes", "tags": "Tags", "payment_method": "Payment Method",
        "paid_at": "Paid at", "file_total": "Total",
    }  # fmt: skip


def test_shipping_address1_is_the_street_when_there_is_no_shipping_street():
    headers = ["Name", "Lineitem sku", "Lineitem quantity", "Shipping Address1", "Shipping Address2"]
    mapping, _ = auto_map(headers)
    assert headers[mapping["line1"]] == "Shipping Address1"
    assert headers[mapping["line2"]] == "Shipping Address2"


def test_headers_match_whatever_their_case_spacing_and_underscores():
    mapping, group_by = auto_map(["ORDER_ID", " sku ", "Qty", "unit-price", "Zip Code"])
    assert group_by == 0
    assert mapping == {"sku": 1, "quantity": 2, "unit_price": 3, "postcode": 4}


def test_unmapped_required_fields_get_default_constants(upload):
    order_import = upload(csv_bytes([["Order reference", "SKU", "Quantity"], ["A", "MUG-1", "1"]]))
    assert order_import.constants == {"channel": "csv", "payment_method": "card"}


def test_the_user_changes_a_mapping_sets_constants_and_the_group_by(
    client, csr, products, upload, django_capture_on_commit_callbacks
):
    headers = ["Ref", "Article", "How many", "Ship via", "Zip"]
    order_import = upload(csv_bytes([headers, ["R1", "MUG-1", "2", "Express", "LS1"]]))
    assert order_import.group_by is None and "sku" not in order_import.mapping
    client.force_login(csr)
    data = {
        "group_by": "0", "map_sku": "1", "map_quantity": "2", "map_shipping_method": "3", "map_postcode": "4",
        "const_channel": "manual", "const_payment_method": "cash", "const_country": "GB", "historical": "",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("channels:import_mapping", kwargs={"pk": order_import.pk}), data)
    assert response.status_code == 302
    order_import.refresh_from_db()
    assert order_import.group_by == 0
    assert order_import.mapping == {"sku": 1, "quantity": 2, "shipping_method": 3, "postcode": 4}
    assert order_import.constants == {"channel": "manual", "payment_method": "cash", "country": "GB"}
    assert order_import.state == OrderImport.State.READY  # a small file is checked at once
    from channels.csv.validation import import_preview

    order = import_preview(order_import=order_import)[0]
    assert order.reference == "R1" and "GB" in order.address


def test_a_mapping_without_sku_or_reference_is_refused_with_the_fields_named(client, csr, upload):
    order_import = upload(csv_bytes([["Order reference", "SKU", "Quantity"], ["A", "MUG-1", "1"]]))
    client.force_login(csr)
    response = client.post(
        reverse("channels:import_mapping", kwargs={"pk": order_import.pk}),
        {"group_by": "", "map_quantity": "2"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required" in page or "order reference" in page.lower()
    with pytest.raises(MappingInvalid) as refused:
        import_set_mapping(
            order_import=order_import,
            user=csr,
            mapping={"quantity": 2},
            constants={},
            group_by=0,
            historical=False,
        )
    assert set(refused.value.errors) == {"sku", "channel", "payment_method"}
    assert "SKU is required" in refused.value.errors["sku"]


def test_an_unknown_channel_constant_is_refused(csr, upload):
    order_import = upload(csv_bytes([["Order reference", "SKU", "Quantity"], ["A", "MUG-1", "1"]]))
    with pytest.raises(MappingInvalid, match="'etsy' is not a sales channel"):
        import_set_mapping(
            order_import=order_import, user=csr, mapping={"sku": 1, "quantity": 2},
            constants={"channel": "etsy", "payment_method": "card"}, group_by=0, historical=False,
        )  # fmt: skip


def test_a_mapping_saved_by_name_is_reused_on_a_file_whose_columns_are_in_another_order(
    client, csr, upload, products
):
    first = upload(csv_bytes([["Ref", "Item code", "How many"], ["R1", "MUG-1", "2"]]))
    import_set_mapping(
        order_import=first, user=csr, mapping={"sku": 1, "quantity": 2}, constants={"channel": "csv", "payment_method": "cash"},
        group_by=0, historical=False, save_as="Warehouse export",
    )  # fmt: skip
    saved = ImportMapping.objects.get(name="Warehouse export")
    assert saved.columns == {"sku": "Item code", "quantity": "How many"} and saved.group_by == "Ref"
    second = upload(csv_bytes([["How many", "Ref", "Item code"], ["3", "R2", "TEE-1"]]))
    client.force_login(csr)
    detail = client.get(reverse("channels:import_detail", kwargs={"pk": second.pk})).content.decode()
    assert "Warehouse export" in detail
    response = client.post(
        reverse("channels:import_mapping", kwargs={"pk": second.pk}), {"apply_saved": "1", "saved": saved.pk}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.mapping == {"sku": 2, "quantity": 0}
    assert second.group_by == 1
    assert second.constants == {"channel": "csv", "payment_method": "cash"}


def test_the_mapping_page_shows_every_field_with_the_files_columns(client, csr, upload):
    order_import = upload(shopify_file(shopify_order("#1", "a@example.com", [("MUG-1", "1", "1")])))
    client.force_login(csr)
    page = client.get(reverse("channels:import_detail", kwargs={"pk": order_import.pk})).content.decode()
    assert 'data-testid="mapping-table"' in page
    assert 'name="map_sku"' in page and "Lineitem sku" in page
    assert 'name="const_channel"' in page and 'name="group_by"' in page


def test_a_mapping_cannot_change_once_the_import_has_started(csr, upload, validate, run_import, products):
    order_import = run_import(
        validate(upload(csv_bytes([["Order reference", "SKU", "Quantity"], ["A", "MUG-1", "1"]])))
    )
    from channels.csv.services import ImportActionRefused

    with pytest.raises(ImportActionRefused, match="mapping is fixed"):
        import_set_mapping(
            order_import=order_import, user=csr, mapping=order_import.mapping, constants=order_import.constants,
            group_by=0, historical=False,
        )  # fmt: skip
