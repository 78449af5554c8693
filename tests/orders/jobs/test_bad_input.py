"""A job always ends: done, or failed with a reason. A selection that cannot be built is refused at
submit, and one that went bad later fails the job on the worker or in the sweeper (issue 15)."""

import pytest
from django.urls import reverse

from orders.errors import OrderError
from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.runner import job_run, job_submit, jobs_sweep
from tests.conftest import wait_for
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def messages_of(response) -> str:
    """The messages the request queued for the next page, as one text."""
    return " ".join(str(message) for message in response.wsgi_request._messages)


BAD_FILTER = "created_before=9999-12-31"


def stale_job(user, **selection) -> BulkJob:
    """A queued job as one submitted before its selection was checked, its enqueue lost long ago."""
    job = BulkJob.objects.create(action="export_csv", selection=selection, created_by=user)
    BulkJob.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2000))
    return job


def test_select_all_on_the_deleted_tab_as_a_csr_is_refused_at_submit(client, users):
    make_order()
    client.force_login(users["csr"])
    data = {"action": "export_csv", "tab": "deleted", "select_all": "1", "query": "tab=deleted"}
    response = client.post(reverse("orders:bulk"), data)
    assert response.status_code == 302
    assert "cannot see the 'deleted' tab" in messages_of(response)
    assert not BulkJob.objects.exists()


def test_an_export_with_a_filter_the_list_refuses_is_refused_at_submit(users):
    with pytest.raises(OrderError, match="filter cannot be used: To: Enter a date between"):
        job_submit(
            user=users["viewer"],
            action_code="export_csv",
            selection={"tab": "all", "query": BAD_FILTER},
            params={},
        )
    assert not BulkJob.objects.exists()


def test_an_action_not_offered_on_the_tab_is_refused_at_submit(users):
    with pytest.raises(OrderError, match="not offered"):
        job_submit(
            user=users["superadmin"], action_code="hold", selection={"tab": "deleted", "ids": [1]},
            params={"reason": "x"},
        )  # fmt: skip


@pytest.mark.parametrize(
    ("role", "selection", "reason"),
    [
        ("csr", {"tab": "deleted", "query": ""}, "cannot see the 'deleted' tab"),
        ("viewer", {"tab": "all", "query": BAD_FILTER}, "filter cannot be used"),
    ],
)
def test_a_job_whose_selection_cannot_be_built_fails_with_the_reason_when_run(users, role, selection, reason):
    job = stale_job(users[role], **selection)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.FAILED and reason in job.error
    assert job.finished_at is not None


def test_the_sweeper_fails_a_queued_job_that_cannot_start_instead_of_queueing_it_again(users, monkeypatch):
    bad = stale_job(users["viewer"], tab="all", query=BAD_FILTER)
    good = stale_job(users["viewer"], tab="all", query="")
    queued = []
    monkeypatch.setattr("orders.jobs.runner.enqueue", queued.append)
    assert jobs_sweep() == [good.pk]
    assert queued == [good.pk]
    bad.refresh_from_db()
    assert bad.state == BulkJob.State.FAILED and "filter cannot be used" in bad.error


def test_an_unexpected_error_in_a_chunk_fails_the_job_with_a_reason(users, monkeypatch):
    make_order()
    job = job_submit(
        user=users["manager"],
        action_code="hold",
        selection={"tab": "all", "query": ""},
        params={"reason": "r"},
    )

    def broken(ids, actor, params):
        raise RuntimeError("the disk is full")

    from orders.jobs.registry import ACTIONS

    monkeypatch.setitem(
        ACTIONS, "hold", ACTIONS["hold"].__class__(**{**ACTIONS["hold"].__dict__, "apply": broken})
    )
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == BulkJob.State.FAILED
    assert "unexpected error (RuntimeError)" in job.error
    assert BulkJobResult.objects.filter(job=job, state="pending").count() == 1  # nothing half-applied


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_on_a_real_worker_a_job_that_cannot_build_its_selection_ends_failed(users, celery_worker_process):
    from orders.jobs.runner import enqueue

    job = BulkJob.objects.create(
        action="export_csv", selection={"tab": "deleted", "query": ""}, created_by=users["csr"]
    )
    enqueue(job.pk)
    wait_for(
        lambda: BulkJob.objects.get(pk=job.pk).finished,
        timeout=60,
        message=f"the job to end\n{celery_worker_process.output()[-3000:]}",
    )
    job.refresh_from_db()
    assert job.state == BulkJob.State.FAILED and "cannot see the 'deleted' tab" in job.error
