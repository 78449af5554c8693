"""The printable picklist (issue 19): a PDF in bin order (the picking route, bin-less lines last),
each product with its barcode, opening in the browser for printing."""

import shutil
import subprocess

import pytest

from fulfilment.services import picklist_create
from fulfilment.services.documents import picklist_render
from tests.fulfilment.test_pick_pack_ship import picker, place, stocked  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")


def text_of(pdf: bytes) -> str:
    return subprocess.run(
        [PDFTOTEXT, "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def picklist(place, picker):  # noqa: F811
    tea = stocked("TEA-01", bin_code="C-09", barcode="5012345000028")
    mug = stocked("MUG-01", bin_code="A-01", barcode="5012345000011")
    loose = stocked("BAG-01")  # no bin
    first = place((tea, 1), (mug, 2))
    second = place((loose, 1), (mug, 1))
    picklist, refusals = picklist_create(order_ids=[first.pk, second.pk], actor=picker)
    assert not refusals
    return picklist, first, second


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_picklist_pdf_walks_the_bins_in_order_with_barcodes(picklist):
    picklist, first, second = picklist
    pdf = picklist_render(picklist=picklist)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    # Bin order along the route; the product without a bin comes last.
    assert text.index("A-01") < text.index("C-09") < text.index("BAG-01")
    assert text.index("MUG-01") < text.index("TEA-01")
    # The barcodes are drawn as SVG with their human-readable text underneath.
    assert "5012345000011" in text and "5012345000028" in text
    flat = " ".join(text.split())
    assert f"2 × {first}" in flat and f"1 × {second}" in flat, repr(flat)
    # Every order's number as a barcode for the packing station.
    assert text.count(str(first)) >= 2 and text.count(str(second)) >= 2


def test_the_picklist_pdf_opens_in_the_browser(client, picklist, picker):  # noqa: F811
    picklist = picklist[0]
    client.force_login(picker)
    response = client.get(f"/fulfilment/picklists/{picklist.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="picklist-{picklist.pk}.pdf"'
    assert response.content.startswith(b"%PDF")
    page = client.get(f"/fulfilment/picklists/{picklist.pk}/").content.decode()
    assert f'href="/fulfilment/picklists/{picklist.pk}/pdf/"' in page


@pytest.mark.parametrize("role", ["csr", "agent", "viewer"])
def test_only_the_warehouse_prints_picklists(client, picklist, make_user, role):
    client.force_login(make_user(role))
    assert client.get(f"/fulfilment/picklists/{picklist[0].pk}/pdf/").status_code == 403
