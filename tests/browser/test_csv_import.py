"""CSV import through the real UI with a real Celery worker (seed 003, issue 6): a CSR downloads the
template, uploads another tool's multi-row export, fixes one mapping, sees the row errors, imports,
watches the progress bar, opens the report, and uploads the same file again for zero new orders."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from channels.csv.models import OrderImport
from orders.models import Order
from orders.workflow import Stage
from tests.channels.csv.conftest import SHOPIFY_HEADERS, shopify_file, shopify_order
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT_URL = re.compile(r"/imports/(\d+)/$")
JOB_TIMEOUT = 45_000  # ms: the worker starts, takes the task from the broker and imports


def shopify_export(tmp_path: Path) -> Path:
    """Shopify's layout, one row per line item, with "Ship via" where Shopify says "Shipping Method"."""
    headers = ["Ship via" if header == "Shipping Method" else header for header in SHOPIFY_HEADERS]
    orders = [
        shopify_order(
            "#1001",
            "ada@example.com",
            [("MUG-1", "2", "9.50"), ("TEE-1", "1", "20.00")],
            **{"Shipping Method": "Express"},
        ),
        shopify_order(
            "#1002", "bob@example.com", [("CAP-1", "two", "5.00")], **{"Shipping Method": "Standard"}
        ),
        shopify_order(
            "#1003",
            "cy@example.com",
            [("MUG-1", "1", "9.50")],
            **{"Shipping Method": "Standard", "Shipping Zip": ""},
        ),
        shopify_order(
            "#1004", "dee@example.com", [("TEE-1", "3", "20.00")], **{"Shipping Method": "Standard"}
        ),
    ]
    # shopify_order() fills "Shipping Method"; the file calls that column "Ship via".
    path = tmp_path / "orders_export_1.csv"
    path.write_bytes(shopify_file(*orders, headers=headers))
    return path


def upload(page, path: Path) -> OrderImport:
    page.goto("/imports/")
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_test_id("upload-submit").click()
    page.wait_for_url(IMPORT_URL)
    return OrderImport.objects.get(pk=int(IMPORT_URL.search(page.url).group(1)))


def test_a_csr_imports_a_shopify_export_and_importing_it_again_creates_nothing(
    page, login, make_user, celery_worker_factory, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    for sku in ("MUG-1", "TEE-1", "CAP-1"):
        ProductFactory(sku=sku)
    csr = make_user("csr", first_name="Carla", last_name="Reyes")
    celery_worker_factory(MEDIA_ROOT=str(settings.MEDIA_ROOT))
    login(csr)

    # The template, from the page the menu leads to.
    page.get_by_test_id("side-nav").get_by_role("link", name="Import orders").click()
    with page.expect_download() as download:
        page.get_by_test_id("template-link").click()
    template = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert template[0][:3] == ["Order reference", "Channel", "Order date"] and len(template) == 4

    # Upload the export; everything but "Ship via" is recognised.
    export = shopify_export(tmp_path)
    order_import = upload(page, export)
    expect(page.get_by_test_id("mapping-table")).to_be_visible()
    expect(page.get_by_test_id("group-by")).to_have_value(str(SHOPIFY_HEADERS.index("Name")))
    expect(page.get_by_test_id("map-sku")).to_have_value(str(SHOPIFY_HEADERS.index("Lineitem sku")))
    shipping_method = page.get_by_test_id("map-shipping-method")
    expect(shipping_method).to_have_value("")

    # Fix that one mapping, save it for next time, and see every row's problems.
    shipping_method.select_option(label="Ship via")
    page.get_by_test_id("save-as").fill("Shopify export")
    page.get_by_test_id("save-mapping").click()
    errors = page.get_by_test_id("row-errors")
    expect(errors).to_contain_text("row 4, Lineitem quantity: 'two' is not a whole number")
    expect(errors).to_contain_text("row 5: will be created on hold: missing shipping address (postcode)")
    expect(page.get_by_test_id("validation-summary")).to_contain_text("2 orders will be created")
    expect(page.get_by_test_id("preview").locator("tbody tr").first).to_contain_text(
        "will be created as Processing"
    )

    # Import, and watch the progress bar fill.
    page.get_by_test_id("start-import").click()
    progress = page.get_by_test_id("import-progress")
    expect(page.get_by_test_id("import-bar")).to_be_visible()
    expect(progress).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT)
    expect(page.get_by_test_id("import-bar")).to_have_attribute("value", "100")
    counts = page.get_by_test_id("import-counts")
    expect(counts).to_contain_text("2 created")
    expect(counts).to_contain_text("1 created on hold")
    expect(counts).to_contain_text("1 rejected")
    assert Order.objects.count() == 3
    assert Order.objects.get(channel_order_id="#1001").shipping_method == "Express"
    assert Order.objects.get(channel_order_id="#1003").stage == Stage.ON_HOLD

    # The report: on the page, and as a file.
    outcomes = page.get_by_test_id("import-outcomes")
    expect(outcomes.locator("tr[data-result=rejected]")).to_contain_text("'two' is not a whole number")
    expect(outcomes.locator("tr[data-result=held]")).to_contain_text("Missing address: postcode")
    with page.expect_download() as download:
        page.get_by_test_id("import-report").click()
    report = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row[1:3] for row in report] == [
        ["reference", "result"], ["#1001", "Created"], ["#1002", "Rejected"], ["#1003", "Created on hold"],
        ["#1004", "Created"],
    ]  # fmt: skip
    held = Order.objects.get(channel_order_id="#1003")
    outcomes.get_by_role("link", name=str(held)).click()
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "imported from file orders_export_1.csv, row 5 by Carla Reyes"
    )

    # The same file again, with the saved mapping: nothing new.
    again = upload(page, export)
    page.get_by_test_id("saved-mapping").select_option(label="Shopify export")
    page.get_by_test_id("apply-saved").click()
    expect(page.get_by_test_id("validation-summary")).to_contain_text("3 already imported (skipped)")
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-progress")).to_have_attribute(
        "data-state", "done", timeout=JOB_TIMEOUT
    )
    expect(page.get_by_test_id("import-counts")).to_contain_text("0 created")
    expect(page.get_by_test_id("import-counts")).to_contain_text("3 already imported, skipped")
    assert Order.objects.count() == 3
    assert again.pk != order_import.pk
    assert not page.console_errors
