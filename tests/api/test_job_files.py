"""An export job's file through the API: the same file and the same visibility as the job page's
download (orders/jobs/reports.job_file_response serves both)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orders.jobs.models import BulkJob
from orders.jobs.runner import job_run
from tests.api.answers import problem_answer
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def exported(client, action: str, orders) -> BulkJob:
    response = client.post(
        "/jobs", {"action": action, "selection": {"ids": [order.display_number for order in orders]}}
    )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert client.get(f"/jobs/{job_id}").json()["has_file"] is False
    job_run(job_id)
    assert client.get(f"/jobs/{job_id}").json()["has_file"] is True
    return BulkJob.objects.get(pk=job_id)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_csv_export_downloads_as_on_the_job_page(api, token_for, make_user, client):
    manager = make_user("manager")
    orders = [make_order(), make_order()]
    api_client = api(token_for(manager))
    job = exported(api_client, "export_csv", orders)
    response = api_client.get(f"/jobs/{job.pk}/file")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="packline-job-{job.pk}.csv"'
    data = body(response)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3 and {order.display_number for order in orders} <= {
        cell for row in rows for cell in row
    }
    client.force_login(manager)
    page = client.get(reverse("orders:job_file", kwargs={"pk": job.pk}))
    assert page.status_code == 200 and body(page) == data


def test_an_xlsx_export_downloads_as_a_workbook(api, token_for):
    order = make_order()
    api_client = api(token_for("csr"))
    job = exported(api_client, "export_xlsx", [order])
    response = api_client.get(f"/jobs/{job.pk}/file")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert sheet.max_row == 2


def test_the_file_is_its_submitters_and_every_superadmins_and_a_read_token_may_fetch_it(
    api, token_for, make_user
):
    owner = make_user("manager")
    job = exported(api(token_for(owner)), "export_csv", [make_order()])
    assert api(token_for(owner, scopes="read")).get(f"/jobs/{job.pk}/file").status_code == 200
    assert api(token_for("superadmin", scopes="read")).get(f"/jobs/{job.pk}/file").status_code == 200
    for other in ("manager", "csr", "viewer"):
        problem_answer(api(token_for(other)).get(f"/jobs/{job.pk}/file"), 404)
    problem_answer(api(None).get(f"/jobs/{job.pk}/file"), 401)


def test_no_file_yet_a_job_without_one_a_vanished_file_and_a_bad_id_are_404(
    api, token_for, make_user, settings
):
    manager = make_user("manager")
    client = api(token_for(manager))
    order = make_order()
    response = client.post("/jobs", {"action": "export_csv", "selection": {"ids": [order.number]}})
    queued = response.json()["id"]
    assert "no file" in problem_answer(client.get(f"/jobs/{queued}/file"), 404)["detail"]
    hold = client.post(
        "/jobs", {"action": "hold", "selection": {"ids": [order.number]}, "params": {"reason": "x"}}
    )
    job_run(hold.json()["id"])
    problem_answer(client.get(f"/jobs/{hold.json()['id']}/file"), 404)
    job_run(queued)
    BulkJob.objects.filter(pk=queued).update(file="../../etc/passwd")
    assert "gone" in problem_answer(client.get(f"/jobs/{queued}/file"), 404)["detail"]
    for bad in ("0", "x", str(2**63)):
        assert client.get(f"/jobs/{bad}/file").status_code in (404, 422)
