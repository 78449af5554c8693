"""Mass actions through the API: the list's registry, permissions, tabs and parameter forms; the same
runner; the job page's report."""

import csv
import io

import pytest
from django.urls import reverse

from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.runner import job_run
from orders.models import OrderHold
from orders.workflow import Stage
from tests.api.answers import problem_answer
from tests.conftest import wait_for
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _report(client, job_id: int, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        response = client.get(f"/jobs/{job_id}/report", **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def test_holding_orders_by_number_runs_the_lists_action_and_reports_each_order(api, token_for):
    first, second, held = (
        make_order(),
        make_order(),
        make_order(shipping_method=""),
    )  # held: no shipping method
    client = api(token_for("manager"))
    response = client.post(
        "/jobs",
        {"action": "hold", "selection": {"ids": [first.display_number, str(second.number), held.number]},
         "params": {"reason": "stock count"}},
    )  # fmt: skip
    assert response.status_code == 202, response.content
    job = BulkJob.objects.get(pk=response.json()["id"])
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}")
    assert job.selection == {"tab": "all", "ids": [first.pk, second.pk, held.pk]}
    assert job.params == {"reason": "stock count"} and response.json()["state"] == "queued"
    job_run(job.pk)
    progress = client.get(f"/jobs/{job.pk}").json()
    assert (progress["state"], progress["total"], progress["done"], progress["skipped"]) == ("done", 3, 2, 1)
    assert progress["percent"] == 100
    report = {row["order"]: (row["result"], row["reason"]) for row in _report(client, job.pk, limit=1)}
    assert report[first.display_number] == ("done", "") and report[second.display_number] == ("done", "")
    assert report[held.display_number][0] == "skipped" and str(held) in report[held.display_number][1]
    assert OrderHold.objects.filter(order__in=[first, second], detail="stock count").count() == 2
    skipped = _report(client, job.pk, result="skipped")
    assert [row["order"] for row in skipped] == [held.display_number]


def test_a_filter_selection_is_stored_as_the_list_stores_it_and_matches_only_its_orders(api, token_for):
    vip, plain = make_order(tags=["vip"]), make_order()
    client = api(token_for("csr"))
    response = client.post(
        "/jobs",
        {"action": "update_status", "selection": {"filter": {"tab": "processing", "tag": "vip"}},
         "params": {"status": "on-hold", "reason": "vip check"}},
    )  # fmt: skip
    assert response.status_code == 202, response.content
    job = BulkJob.objects.get(pk=response.json()["id"])
    assert job.selection == {"tab": "processing", "query": "tags=vip"}
    job_run(job.pk)
    vip.refresh_from_db()
    plain.refresh_from_db()
    assert (vip.stage, plain.stage) == (Stage.ON_HOLD, Stage.PROCESSING)
    assert [row["order"] for row in _report(client, job.pk)] == [vip.display_number]


def test_the_csv_report_is_the_job_pages_report(api, token_for, client, make_user):
    orders = [make_order(), make_order()]
    user = make_user("manager")
    api_client = api(token_for(user))
    job_id = api_client.post(
        "/jobs", {"action": "export_csv", "selection": {"ids": [order.number for order in orders]}}
    ).json()["id"]
    job_run(job_id)
    from_api = client.get(
        f"/api/v1/jobs/{job_id}/report", headers={**api_client.headers, "Accept": "text/csv"}
    )
    assert from_api["Content-Type"] == "text/csv"
    client.force_login(user)
    from_page = client.get(reverse("orders:job_report", kwargs={"pk": job_id}))
    api_rows = list(csv.reader(io.StringIO(b"".join(from_api.streaming_content).decode())))
    page_rows = list(csv.reader(io.StringIO(b"".join(from_page.streaming_content).decode())))
    assert api_rows == page_rows and len(api_rows) == 3
    assert api_client.get(f"/jobs/{job_id}").json()["has_file"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "explode", "selection": {"ids": [1]}}, "action"),
        ({"action": "hold", "selection": {"ids": ["PL-1"]}, "params": {"reason": "x"}}, "selection.ids[0]"),
        ({"action": "hold", "selection": {"ids": ["not a number"]}, "params": {"reason": "x"}}, "selection.ids[0]"),
        ({"action": "hold", "selection": {}, "params": {"reason": "x"}}, "selection"),
        ({"action": "hold", "selection": {"ids": []}, "params": {"reason": "x"}}, "selection.ids"),
        ({"action": "hold", "selection": {"filter": {"tab": "nowhere"}}, "params": {"reason": "x"}}, "selection.filter.tab"),
        ({"action": "hold", "selection": {"filter": {"status": "nope"}}, "params": {"reason": "x"}}, "selection.filter.status"),
        ({"action": "hold", "selection": {"filter": {"created_after": "2026-13-01"}}, "params": {"reason": "x"}},
         "selection.filter.created_after"),
        ({"action": "hold", "selection": {"filter": {}}}, "params.reason"),
        ({"action": "hold", "selection": {"filter": {}}, "params": {"reason": "x", "colour": "red"}}, "params.colour"),
        ({"action": "release", "selection": {"filter": {"tab": "on_hold"}}, "params": {"reason": "x"}}, "params"),
        ({"action": "update_status", "selection": {"filter": {"tab": "processing"}}, "params": {"status": "nope"}},
         "params.status"),
        # Not offered on the tab: the list's action menu would not show it there.
        ({"action": "release", "selection": {"filter": {"tab": "processing"}}}, "selection"),
        ({"action": "hold", "selection": {"filter": {}}, "params": {"reason": "x"}, "when": "now"}, "when"),
    ],
)  # fmt: skip
def test_bad_submissions_are_422s_naming_the_field_and_no_job_is_stored(api, token_for, body, field):
    make_order()
    problem = problem_answer(api(token_for("manager")).post("/jobs", body), 422)
    assert problem["errors"][0]["field"] == field, problem
    assert not BulkJob.objects.exists()


def test_orders_the_user_cannot_see_are_not_selectable(api, token_for, make_user):
    from orders.actors import Actor
    from orders.services.bulk import order_assign_many

    agent = make_user("agent")
    mine, theirs = make_order(), make_order()
    order_assign_many(order_ids=[mine.pk], actor=Actor.system("tests"), role="agent", person=agent)
    client = api(token_for("manager"))
    deleted_tab = {"action": "export_csv", "selection": {"ids": [mine.number], "tab": "deleted"}}
    assert problem_answer(client.post("/jobs", deleted_tab), 422)["errors"][0]["field"] == "selection.ids[0]"
    # An agent has no mass action at all: refused before the selection is looked at.
    refused = api(token_for(agent)).post(
        "/jobs", {"action": "export_csv", "selection": {"ids": [theirs.number]}}
    )
    assert problem_answer(refused, 403)["detail"] == "You may not export csv."
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize(
    ("role", "action", "params", "status"),
    [
        ("superadmin", "restore", {}, 202),
        ("manager", "restore", {}, 403),
        ("csr", "hold", {"reason": "x"}, 202),
        ("warehouse", "hold", {"reason": "x"}, 403),
        ("warehouse", "fulfil", {"carrier": "DHL"}, 202),
        ("csr", "fulfil", {"carrier": "DHL"}, 403),
        ("viewer", "export_csv", {}, 202),
        ("viewer", "cancel", {"reason": "x"}, 403),
        ("agent", "export_csv", {}, 403),
    ],
)
def test_each_role_submits_the_actions_its_permissions_allow(api, token_for, role, action, params, status):
    from orders.actors import Actor
    from orders.services.edit import order_soft_delete

    order = make_order()
    tab = "all"
    if action == "restore":
        order_soft_delete(order_id=order.pk, actor=Actor.system("tests"), reason="test")
        tab = "deleted"
    response = api(token_for(role)).post(
        "/jobs", {"action": action, "selection": {"ids": [order.number], "tab": tab}, "params": params}
    )
    assert response.status_code == status, response.content
    assert BulkJob.objects.exists() == (status == 202)


def test_a_job_is_its_submitters_and_every_superadmins(api, token_for, make_user):
    order = make_order()
    owner = make_user("csr")
    job_id = (
        api(token_for(owner))
        .post("/jobs", {"action": "export_csv", "selection": {"ids": [order.number]}})
        .json()["id"]
    )
    for who, status in [(owner, 200), ("superadmin", 200), ("csr", 404), ("manager", 404)]:
        client = api(token_for(who))
        assert client.get(f"/jobs/{job_id}").status_code == status, who
        assert client.get(f"/jobs/{job_id}/report").status_code == status, who


def test_a_read_only_token_submits_nothing(api, token_for):
    order = make_order()
    response = api(token_for("manager", scopes="read")).post(
        "/jobs", {"action": "export_csv", "selection": {"ids": [order.number]}}
    )
    assert problem_answer(response, 403) and not BulkJob.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_job_submitted_through_the_api_runs_on_a_real_worker_and_its_report_matches(
    api, token_for, celery_worker_process
):
    orders = [make_order() for _ in range(3)]
    held = make_order(shipping_method="")
    client = api(token_for("manager"))
    response = client.post(
        "/jobs",
        {"action": "cancel", "selection": {"filter": {"tab": "all"}}, "params": {"reason": "duplicate"}},
    )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    wait_for(
        lambda: client.get(f"/jobs/{job_id}").json()["state"] in ("done", "failed"),
        timeout=60,
        message=f"the job to end\n{celery_worker_process.output()[-3000:]}",
    )
    progress = client.get(f"/jobs/{job_id}").json()
    assert (progress["state"], progress["total"], progress["processed"]) == ("done", 4, 4)
    report = {row["order"]: row["result"] for row in _report(client, job_id)}
    results = {
        result.order.display_number: result.state
        for result in BulkJobResult.objects.filter(job_id=job_id).select_related("order")
    }
    assert report == results and set(report) == {order.display_number for order in [*orders, held]}
    cancelled = {
        order.display_number
        for order in [*orders, held]
        if order.__class__.objects.get(pk=order.pk).stage == Stage.CANCELLED
    }
    assert {number for number, state in report.items() if state == "done"} == cancelled


def test_a_person_is_named_by_username_and_must_be_one_the_list_may_assign(api, token_for, make_user):
    order = make_order()
    csr = make_user("csr", username="casey")
    client = api(token_for("manager"))
    selection = {"ids": [order.number]}
    refused = client.post(
        "/jobs", {"action": "assign_csr", "selection": selection, "params": {"person": "nobody"}}
    )
    assert problem_answer(refused, 422)["errors"][0]["field"] == "params.person"
    assert not BulkJob.objects.exists()
    response = client.post(
        "/jobs", {"action": "assign_csr", "selection": selection, "params": {"person": "casey"}}
    )
    assert response.status_code == 202, response.content
    job = BulkJob.objects.get()
    assert job.params == {"person": csr.pk}
    job_run(job.pk)
    order.refresh_from_db()
    assert order.assigned_csr == csr
