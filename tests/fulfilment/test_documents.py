"""Documents for many orders at once: the mass action's merged PDF shows each order as the order
page's own document does, also when it is rendered in parts by several processes and joined; and the
barcode drawn as one path encodes what Code 128 says it should."""

import re
import shutil
import subprocess
from base64 import b64decode

import barcode
import pytest

from fulfilment.services.documents import QUIET_MODULES, code128_svg, document_render, documents_render
from orders.models import Order
from tests.fulfilment import test_pick_pack_ship as pick_pack
from tests.fulfilment.test_pick_pack_ship import stocked

place = pick_pack.place  # the fixture: an order placed through the services, its stock on hand

PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.django_db


def _modules(uri: str) -> str:
    """The bar pattern an SVG of code128_svg draws, as Code 128 modules ('1' bar, '0' space)."""
    svg = b64decode(uri.split(",", 1)[1]).decode()
    path = re.search(r'<path d="([^"]*)"', svg).group(1)
    pattern, at = [], QUIET_MODULES
    for x, width in re.findall(r"M(\d+) 0h(\d+)v", path):
        pattern += ["0"] * (int(x) - at) + ["1"] * int(width)
        at = int(x) + int(width)
    return "".join(pattern)


@pytest.mark.parametrize("text", ["PL-100042", "RMA-7", "4006381333931", "a b/c"])
def test_the_barcode_path_draws_exactly_the_code128_modules(text):
    assert _modules(code128_svg(text)) == barcode.get("code128", text).build()[0].rstrip("0")


def _pages(pdf: bytes) -> list[str]:
    text = subprocess.run([PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return [page for page in text.decode().split("\f") if page.strip()]


def _footers(pages: list[str]) -> list[tuple[str, int]]:
    return [(found[1], int(found[2])) for found in (re.search(r"(PL-\d+) · page (\d+)", p) for p in pages)]


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("kind", ["packing-slip", "invoice"])
def test_many_orders_in_one_pdf_each_read_as_their_own_document(place, kind):
    orders = [
        place((stocked("MUG-01", bin_code="A-01"), 1), gift_message="Happy birthday, Sam"),
        place((stocked("TEA-02", bin_code="B-07"), 2), (stocked("CUP-03"), 1)),
        place((stocked("PEN-04", bin_code="C-11"), 3)),
    ]
    orders = list(Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("number"))
    merged = _pages(documents_render(orders=orders, kind=kind))
    singles = [page for order in orders for page in _pages(document_render(order=order, kind=kind))]
    assert merged == singles
    assert len(merged) == 3
    if kind == "packing-slip":  # the bins the picker walks to, on every slip of the wave
        assert ["A-01" in merged[0], "B-07" in merged[1], "C-11" in merged[2]] == [True] * 3
    for order, page in zip(orders, merged, strict=True):
        assert f"{order} · page" in page


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_wave_rendered_in_parts_by_several_processes_reads_as_one_rendering(place, settings):
    long = place(*[(stocked(f"BOX-{n:02}"), 1) for n in range(40)])  # two pages
    shorts = [place((stocked(f"MUG-{n}", bin_code=f"A-{n}"), 1 + n)) for n in range(4)]
    orders = list(
        Order.objects.filter(pk__in=[long.pk] + [o.pk for o in shorts])
        .select_related("warehouse", "channel")
        .order_by("number")
    )
    settings.DOCUMENT_PART_SHEETS, settings.DOCUMENT_RENDER_PROCESSES = 100, 1
    whole = _pages(documents_render(orders=orders, kind="packing-slip"))
    settings.DOCUMENT_PART_SHEETS, settings.DOCUMENT_RENDER_PROCESSES = 2, 2
    parts = _pages(documents_render(orders=orders, kind="packing-slip"))

    assert parts == whole
    expected = []
    for order in orders:  # each order's pages numbered from 1, in the order given
        expected += [(order.display_number, page) for page in ((1, 2) if order.pk == long.pk else (1,))]
    assert _footers(parts) == expected
    assert parts == [
        page for order in orders for page in _pages(document_render(order=order, kind="packing-slip"))
    ]


def test_the_queries_do_not_grow_with_the_orders(place, django_assert_max_num_queries):
    orders = [place((stocked(f"SKU-{n}", bin_code=f"A-{n}"), 1)) for n in range(6)]
    orders = list(Order.objects.filter(pk__in=[o.pk for o in orders]).select_related("warehouse", "channel"))
    with django_assert_max_num_queries(3):
        documents_render(orders=orders, kind="packing-slip")
