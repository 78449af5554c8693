"""Hostile and random files through the parser, the mapper, the validation pass and the import: the answer
is always a clear refusal or row errors, never a crash, and never a half-written order."""

import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from channels.csv.files import ImportRefused
from channels.csv.models import OrderImport
from channels.csv.pipeline import import_run
from channels.csv.services import import_set_mapping, import_start, import_upload
from channels.csv.validation import import_validate
from orders.models import Order

pytestmark = pytest.mark.django_db
# Hypothesis keeps its caches outside the work tree.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "packline-hypothesis"))
HEADER = ["Order reference", "Email", "SKU", "Quantity", "Unit price", "Shipping street", "Notes"]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "MUG-1",
            "1",
            "2",
            "two",
            "-1",
            "9.50",
            "1,5",
            '=HYPERLINK("http://x")',
            "+1 555",
            "@SUM(A1)",
            "#1",
            "A-1",
        ]
    ),
    st.text(max_size=30),
    st.text(alphabet="\"',;\t\r\n\\", max_size=10),
    st.builds(lambda n: "x" * n, st.integers(0, 5000)),
)
NEWLINES = st.sampled_from(["\r\n", "\n", "\r"])


def build(
    rows: list[list[str]], newline_choices: list[str], delimiter: str, bom: bool, encoding: str
) -> bytes:
    lines = []
    for index, row in enumerate(rows):
        cells = []
        for cell in row:
            if any(ch in cell for ch in f'"{delimiter}\r\n') or cell[:1] == " ":
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        lines.append(delimiter.join(cells) + newline_choices[index % len(newline_choices)])
    data = "".join(lines).encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" if bom else b"") + data


@pytest.fixture
def owner(make_user):
    return make_user("csr")


def run_through(owner, content: bytes, name: str = "fuzz.csv") -> None:
    """Upload, check and import a file; anything but a refusal must end with whole orders only."""
    before = Order.objects.count()
    try:
        order_import = import_upload(user=owner, uploaded_file=SimpleUploadedFile(name, content))
    except ImportRefused as refusal:
        assert str(refusal)
        assert Order.objects.count() == before
        return
    if order_import.group_by is None or not {"sku", "quantity"} <= set(order_import.mapping):
        return  # the person maps it first
    order_import = import_set_mapping(
        order_import=order_import, user=owner, mapping=order_import.mapping, constants=order_import.constants,
        group_by=order_import.group_by, historical=False,
    )  # fmt: skip
    import_validate(import_id=order_import.pk, generation=order_import.generation)
    order_import.refresh_from_db()
    assert Order.objects.count() == before  # the validation pass writes no order
    if order_import.state != OrderImport.State.READY:
        assert order_import.error.startswith("The file cannot be read past row")
        return
    import_start(order_import=order_import, user=owner)
    order_import = import_run(import_id=order_import.pk)
    assert order_import.state in (OrderImport.State.DONE, OrderImport.State.FAILED)
    assert order_import.outcomes.count() == order_import.orders_done
    created = Order.objects.filter(pk__in=order_import.outcomes.exclude(order=None).values("order"))
    assert not created.annotate(n=Count("lines")).filter(n=0).exists()
    assert not created.exclude(events__type="order.created").exists()


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=9), min_size=1, max_size=8),
    newlines=st.lists(NEWLINES, min_size=1, max_size=3),
    delimiter=st.sampled_from([",", ";", "\t"]),
    bom=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1252", "latin-1"]),
)
def test_random_rows_under_a_real_header_end_in_row_errors_or_orders_never_a_crash(
    owner, rows, newlines, delimiter, bom, encoding
):
    run_through(owner, build([HEADER, *rows], newlines, delimiter, bom, encoding))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(content=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "b.txt", "c.xlsx", "d"]))
def test_random_bytes_are_refused_or_handled(owner, content, name):
    run_through(owner, content, name)


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfOrder reference,SKU,Quantity\r\nA,MUG-1,1\nB,MUG-1,2\rC,MUG-1,3\r\n",
        b'Order reference,SKU,Quantity,Notes\r\nA,MUG-1,1,"unterminated\r\nB,MUG-1,2,x\r\n',
        b"Order reference,SKU,Quantity\r\nA,MUG-1,1\x00\r\n",
        b'Order reference,SKU,Quantity,Notes\r\nA,MUG-1,1,"' + b"y" * 150_000 + b'"\r\nB,MUG-1,1,z\r\n',
        b"Order reference,SKU,Quantity\r\n=cmd|' /C calc'!A0,@SUM(1+1),+1\r\n-2+3,MUG-1,1\r\n",
        ",".join(["Order reference", "SKU", "Quantity"] + [f"c{i}" for i in range(10_000)]).encode()
        + b"\r\nA,MUG-1,1\r\n",
        b"Order reference;SKU;Quantity\r\n" + b"A;MUG-1;1;extra;cells;here\r\nB\r\n;;\r\n",
    ],
    ids=[
        "crlf-mix-bom",
        "unterminated-quote",
        "nul",
        "huge-field",
        "formula-cells",
        "10000-columns",
        "ragged",
    ],
)
def test_hostile_files(owner, content, products):
    run_through(owner, content)
