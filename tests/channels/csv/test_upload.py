"""Uploads: size limit, encodings, delimiters, and the files refused at the door with the reason."""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels.csv.files import ImportRefused
from channels.csv.models import OrderImport
from tests.channels.csv.conftest import csv_bytes, shopify_file, shopify_order

pytestmark = pytest.mark.django_db

ROWS = [
    ["Order reference", "Customer name", "SKU", "Quantity", "Notes"],
    ["A-1", "Zoë Ångström", "MUG-1", "2", "Crème brûlée €5"],
]


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("cp1252", b"", "cp1252")],
)
def test_the_encoding_is_detected_and_the_text_read_right(
    upload, validate, encoding, prefix, expected, products
):
    order_import = upload(prefix + csv_bytes(ROWS, encoding=encoding))
    assert order_import.encoding == expected
    assert order_import.headers[0] == "Order reference"  # no BOM left on the first header
    from channels.csv.validation import import_preview

    preview = import_preview(order_import=validate(order_import))
    assert preview[0].customer.startswith("Zoë Ångström")


def test_latin_1_is_used_when_the_bytes_are_not_windows_1252(upload, validate, products):
    rows = [ROWS[0], ["A-1", "Zoë Ångström", "MUG-1", "2", "Crème brûlée"]]
    content = csv_bytes(rows, encoding="latin-1") + "A-2,Ren\x81,MUG-1,1,x\r\n".encode("latin-1")
    order_import = upload(content)
    assert order_import.encoding == "latin-1"
    checked = validate(order_import)
    assert (checked.valid_orders + checked.hold_orders, checked.invalid_orders) == (2, 0)


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_the_delimiter_is_sniffed(upload, validate, products, delimiter, name):
    content = csv_bytes([*ROWS, ["A-2", "Bo", "TEE-1", "1", "a, b; c"]], delimiter=delimiter)
    order_import = upload(content, f"orders-{name}.csv")
    assert order_import.delimiter == delimiter
    assert order_import.headers == ROWS[0]
    checked = validate(order_import)
    assert (checked.valid_orders + checked.hold_orders, checked.invalid_orders) == (2, 0)


def test_a_semicolon_file_with_decimal_commas_reads_its_amounts(upload, validate, products):
    rows = [
        ["Order reference", "SKU", "Quantity", "Unit price", "Delivery fee"],
        ["A-1", "MUG-1", "2", "12,50", "4,99"],
    ]
    order_import = validate(upload(csv_bytes(rows, delimiter=";")))
    from channels.csv.validation import import_preview

    assert import_preview(order_import=order_import)[0].total.startswith("34.99")


def test_the_file_is_stored_under_a_name_of_our_own(upload, media):
    order_import = upload(csv_bytes(ROWS), name="../../etc/passwd.csv")
    stored = Path(media) / order_import.file
    assert stored.exists() and stored.parent == Path(media) / "imports"
    assert stored.name != "passwd.csv" and len(stored.stem) == 36  # a uuid
    assert order_import.original_name == "passwd.csv"


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_kept(upload, settings, media):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportRefused, match=r"at most 0.001 MB.*Split it"):
        upload(csv_bytes([ROWS[0]] + [ROWS[1]] * 50))
    assert not OrderImport.objects.exists()
    assert not any((Path(media) / "imports").glob("*")) if (Path(media) / "imports").exists() else True


def test_the_size_limit_comes_from_the_environment():
    from config import settings as config

    assert int(os.environ.get("IMPORT_MAX_BYTES", 50_000_000)) == config.IMPORT_MAX_BYTES


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"x" * 100, "orders.csv", "Excel workbook or a zip archive"),
        (b"%PDF-1.7\n" + b"x" * 100, "orders.csv", "PDF document"),
        (b"Order reference,SKU\r\nA-1,MUG\x00-1\r\n", "orders.csv", "NUL bytes"),
        (bytes(range(256)) * 4, "orders.csv", "NUL bytes"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 64, "orders.csv", "looks binary"),
        (b"", "orders.csv", "empty"),
        (b"foo,bar,baz\r\n1,2,3\r\n", "orders.csv", "No recognisable header"),
        (b"Order reference,SKU,Quantity\r\n", "orders.csv", "no orders under it"),
        ("Order reference,SKU\r\nA,B\r\n".encode("utf-16"), "orders.csv", "UTF-16"),
        (b"Order reference,SKU,Quantity\r\nA,B,1\r\n", "orders.xlsx", "not CSV text"),
    ],
    ids=[
        "xlsx",
        "pdf",
        "nul",
        "binary",
        "control-characters",
        "empty",
        "no-header",
        "header-only",
        "utf-16",
        "suffix",
    ],
)
def test_files_that_cannot_be_order_files_are_refused_with_the_reason(upload, content, name, reason, media):
    with pytest.raises(ImportRefused, match=reason):
        upload(content, name)
    assert not OrderImport.objects.exists()
    folder = Path(media) / "imports"
    assert not folder.exists() or not any(folder.iterdir())


def test_ten_thousand_columns_are_refused(upload):
    header = ["Order reference", "SKU", "Quantity"] + [f"c{i}" for i in range(10_000)]
    with pytest.raises(ImportRefused, match="10,003 columns"):
        upload(csv_bytes([header, ["A"] * len(header)]))


def test_the_upload_page_shows_the_refusal_and_creates_nothing(client, csr):
    client.force_login(csr)
    response = client.post(
        reverse("channels:import_upload"), {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.4 binary")}
    )
    assert response.status_code == 400
    assert b'data-testid="upload-refusal"' in response.content
    assert b"report.pdf" in response.content and b"not CSV text" in response.content
    assert not OrderImport.objects.exists()


def test_a_shopify_export_is_accepted_and_its_layout_recognised(upload):
    order_import = upload(shopify_file(shopify_order("#1001", "ada@example.com", [("MUG-1", "1", "9.50")])))
    assert order_import.headers[order_import.group_by] == "Name"
    assert order_import.delimiter == ","
