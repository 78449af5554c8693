"""A large job is worked by several runners at once: each claims its own chunks, nothing is applied
twice, every order is reported once, and the runner that commits last marks the job done."""

import dataclasses
import threading
import time

import pytest
from django.db import connection, transaction

from orders.jobs import runner as jobs
from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.registry import ACTIONS
from orders.jobs.runner import job_run, job_submit
from orders.models import Order, OrderEvent, OrderHold
from tests.orders.jobs.test_worker_kill import many_processing_orders

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch):
    """The job ids handed to the broker, instead of a broker."""
    sent: list[int] = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)
    return sent


def hold_job(user, ids: list[int]) -> BulkJob:
    return job_submit(
        user=user, action_code="hold", selection={"tab": "processing", "ids": ids}, params={"reason": "count"}
    )


def test_a_job_of_many_chunks_queues_helpers_up_to_the_runner_count(users, settings, queued):
    settings.BULK_CHUNK_SIZE, settings.BULK_JOB_RUNNERS = 10, 3
    job = hold_job(users["manager"], many_processing_orders(45))
    queued.clear()  # the submit's own enqueue
    job_run(job.pk)
    assert queued == [job.pk, job.pk], "two helpers beside the first runner"
    queued.clear()
    job_run(job.pk)  # a redelivered run of a job already materialised queues no more helpers
    assert queued == []


def test_a_job_of_one_chunk_runs_alone(users, settings, queued):
    settings.BULK_CHUNK_SIZE, settings.BULK_JOB_RUNNERS = 100, 4
    job = hold_job(users["manager"], many_processing_orders(30))
    queued.clear()
    job_run(job.pk)
    assert queued == []
    assert BulkJob.objects.get(pk=job.pk).state == "done"


def test_two_runners_at_once_split_the_chunks_and_apply_each_order_once(users, settings, queued, monkeypatch):
    settings.BULK_CHUNK_SIZE = 20
    ids = many_processing_orders(300)
    job = hold_job(users["manager"], ids)
    job_run_first_materialises = threading.Event()
    chunks: list[tuple[str, list[int]]] = []
    hold = ACTIONS["hold"]

    def slow_apply(chunk_ids, actor, params):
        chunks.append((threading.current_thread().name, list(chunk_ids)))
        job_run_first_materialises.set()
        time.sleep(0.05)  # long enough that the other runner claims chunks meanwhile
        return hold.apply(chunk_ids, actor, params)

    monkeypatch.setitem(ACTIONS, "hold", dataclasses.replace(hold, apply=slow_apply))
    errors: list[BaseException] = []

    def runner():
        try:
            job_run(job.pk)
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=runner, name="first")
    first.start()
    assert job_run_first_materialises.wait(timeout=30)
    second = threading.Thread(target=runner, name="second")
    second.start()
    first.join(60)
    second.join(60)
    assert errors == []

    by_runner = {name for name, _ in chunks}
    assert by_runner == {"first", "second"}, "both runners worked on the job"
    claimed = [pk for _, chunk in chunks for pk in chunk]
    assert sorted(claimed) == sorted(ids), "every order claimed by exactly one runner"

    job.refresh_from_db()
    assert (job.state, job.total, job.done_count, job.skipped_count, job.failed_count) == (
        "done",
        300,
        300,
        0,
        0,
    )
    assert BulkJobResult.objects.filter(job=job, state="done").count() == 300
    assert Order.objects.filter(pk__in=ids, stage="on_hold").count() == 300
    assert OrderHold.objects.filter(order_id__in=ids).count() == 300
    assert OrderEvent.objects.filter(order_id__in=ids, type="status.changed").count() == 300
    assert OrderEvent.objects.filter(order_id__in=ids, type="hold.placed").count() == 300


def test_a_runner_that_finds_every_chunk_taken_leaves_the_job_running(users, settings, queued):
    """The runner holding the last chunk finishes the job, not one that merely found nothing to claim."""
    settings.BULK_CHUNK_SIZE = 50
    ids = many_processing_orders(40)
    job = hold_job(users["manager"], ids)
    jobs._materialise(job)
    locked, done = threading.Event(), threading.Event()

    def other_runner_holds_the_chunk():
        with transaction.atomic():
            list(BulkJobResult.objects.select_for_update().filter(job=job))
            locked.set()
            done.wait(30)
        connection.close()

    holder = threading.Thread(target=other_runner_holds_the_chunk)
    holder.start()
    try:
        assert locked.wait(30)
        job_run(job.pk)
        assert BulkJob.objects.get(pk=job.pk).state == "running"
    finally:
        done.set()
        holder.join(30)
    job_run(job.pk)
    assert BulkJob.objects.get(pk=job.pk).state == "done"
