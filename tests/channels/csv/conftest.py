"""CSV import fixtures: files in memory, an uploaded and mapped import, and the import run in-process."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from channels.csv import pipeline, services, validation
from channels.csv.models import OrderImport
from tests.factories import ProductFactory

SHOPIFY_HEADERS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal", "Shipping",
    "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Lineitem discount", "Billing Name", "Shipping Name", "Shipping Street", "Shipping Address1",
    "Shipping Address2", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country",
    "Shipping Phone", "Shipping Method", "Notes", "Tags", "Payment Method",
]  # fmt: skip


def csv_bytes(
    rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n"
) -> bytes:
    output = io.StringIO()
    csv.writer(output, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return output.getvalue().encode(encoding)


def shopify_order(name: str, email: str, lines: list[tuple[str, str, str]], **order) -> list[list[str]]:
    """The rows of one order in Shopify's export layout: order-level columns on the first row only.
    lines: (sku, quantity, price)."""
    rows = []
    for index, (sku, quantity, price) in enumerate(lines):
        values = dict.fromkeys(SHOPIFY_HEADERS, "")
        values.update({"Name": name, "Email": email, "Lineitem sku": sku, "Lineitem quantity": quantity})
        values.update({"Lineitem price": price, "Lineitem name": f"Item {sku}"})
        if index == 0:
            values.update(
                {
                    "Financial Status": "paid",
                    "Currency": "USD",
                    "Shipping": "4.99",
                    "Created at": "2025-03-01 10:15:00 -0500",
                    "Billing Name": "Ada Lovelace",
                    "Shipping Name": "Ada Lovelace",
                    "Shipping Street": "12 Harbour Road",
                    "Shipping City": "Leeds",
                    "Shipping Zip": "LS1 4AP",
                    "Shipping Country": "GB",
                    "Shipping Method": "Standard",
                    "Payment Method": "Shopify Payments",
                }
            )
            values.update(order)
        rows.append([values[header] for header in SHOPIFY_HEADERS])
    return rows


def shopify_file(*orders: list[list[str]], headers=SHOPIFY_HEADERS, **options) -> bytes:
    return csv_bytes([list(headers), *[row for order in orders for row in order]], **options)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Tasks the services queue, recorded instead of sent to the broker (tests run them in-process)."""
    calls = []
    monkeypatch.setattr(services, "enqueue_validation", lambda *args: calls.append(("validate", *args)))
    monkeypatch.setattr(services, "enqueue_run", lambda *args: calls.append(("run", *args)))
    return calls


@pytest.fixture
def csr(make_user):
    return make_user("csr", username="carla", first_name="Carla", last_name="Reyes")


@pytest.fixture
def products():
    """The SKUs the example files use, with prices."""
    return {sku: ProductFactory(sku=sku) for sku in ("MUG-1", "TEE-1", "CAP-1", "HOOD-1")}


@pytest.fixture
def upload(csr):
    def make(content: bytes, name: str = "orders.csv", user=None) -> OrderImport:
        return services.import_upload(user=user or csr, uploaded_file=SimpleUploadedFile(name, content))

    return make


@pytest.fixture
def validate(django_capture_on_commit_callbacks, csr):
    """Set (or keep) the mapping and run the validation pass in-process."""

    def run(order_import: OrderImport, user=None, **changes) -> OrderImport:
        fields = {
            "mapping": order_import.mapping,
            "constants": order_import.constants,
            "group_by": order_import.group_by,
            "historical": order_import.historical,
        }
        fields.update(changes)
        with django_capture_on_commit_callbacks(execute=True):
            order_import = services.import_set_mapping(order_import=order_import, user=user or csr, **fields)
        if order_import.size_bytes > 256 * 1024:
            validation.import_validate(import_id=order_import.pk, generation=order_import.generation)
        order_import.refresh_from_db()
        return order_import

    return run


@pytest.fixture
def run_import(django_capture_on_commit_callbacks, csr):
    """Queue the import and run it as the worker would, allocation after each chunk included."""

    def run(order_import: OrderImport, user=None) -> OrderImport:
        services.import_start(order_import=order_import, user=user or csr)
        with django_capture_on_commit_callbacks(execute=True):
            pipeline.import_run(import_id=order_import.pk)
        order_import.refresh_from_db()
        return order_import

    return run
