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


def test_submitting_a_job_of_many_chunks_queues_its_runners_together_up_to_the_runner_count(
    users, settings, queued
):
    settings.BULK_CHUNK_SIZE, settings.BULK_JOB_RUNNERS = 10, 3
    job = hold_job(users["manager"], many_processing_orders(45))
    assert queued == [job.pk] * 3, "three runners for five chunks, queued at submit"
    job_run(job.pk)
    job_run(job.pk)  # a redelivered run queues no more runners
    assert queued == [job.pk] * 3
    assert BulkJob.objects.get(pk=job.pk).state == "done"


def test_a_job_of_one_chunk_runs_alone(users, settings, queued):
    settings.BULK_CHUNK_SIZE, settings.BULK_JOB_RUNNERS = 100, 4
    job = hold_job(users["manager"], many_processing_orders(30))
    assert queued == [job.pk]
    job_run(job.pk)
    assert BulkJob.objects.get(pk=job.pk).state == "done"


def test_a_filter_selection_gets_every_runner_and_a_job_that_writes_a_file_one(users, settings, queued):
    """A filter's size is unknown at submit; a file is written once, by one runner."""
    settings.BULK_CHUNK_SIZE, settings.BULK_JOB_RUNNERS = 10, 3
    many_processing_orders(5)
    manager = users["manager"]
    hold = job_submit(
        user=manager, action_code="hold", selection={"tab": "processing", "query": ""}, params={"reason": "r"}
    )
    export = job_submit(
        user=manager, action_code="export_csv", selection={"tab": "all", "query": ""}, params={}
    )
    assert queued == [hold.pk] * 3 + [export.pk]
    for job in (hold, export, hold, hold, export):  # every queued run, in any order
        job_run(job.pk)
    hold.refresh_from_db()
    assert (hold.state, hold.done_count) == ("done", 5)
    assert BulkJob.objects.get(pk=export.pk).state == "done"


def test_runners_queued_together_wait_for_the_first_to_materialise_then_share_the_chunks(
    users, settings, queued, monkeypatch
):
    settings.BULK_CHUNK_SIZE = 20
    ids = many_processing_orders(200)
    job = hold_job(users["manager"], ids)
    chunks: list[tuple[str, list[int]]] = []
    hold = ACTIONS["hold"]

    def slow_apply(chunk_ids, actor, params):
        chunks.append((threading.current_thread().name, list(chunk_ids)))
        time.sleep(0.05)  # long enough that both runners are claiming chunks
        return hold.apply(chunk_ids, actor, params)

    monkeypatch.setitem(ACTIONS, "hold", dataclasses.replace(hold, apply=slow_apply))
    materialised: list[str] = []
    materialise = jobs._materialise

    def counted_materialise(job):
        running = materialise(job)
        materialised.append(threading.current_thread().name)
        return running

    monkeypatch.setattr(jobs, "_materialise", counted_materialise)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def runner():
        try:
            start.wait(timeout=30)
            job_run(job.pk)
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, name=name) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(materialised) == ["one", "two"]
    assert BulkJobResult.objects.filter(job=job).count() == 200, "the selection materialised once"
    assert {name for name, _ in chunks} == {"one", "two"}, "both runners worked on the job"
    assert sorted(pk for _, chunk in chunks for pk in chunk) == sorted(ids), "each order claimed once"
    job.refresh_from_db()
    assert (job.state, job.total, job.done_count) == ("done", 200, 200)
    assert OrderEvent.objects.filter(order_id__in=ids, type="hold.placed").count() == 200


def test_a_runner_queued_beside_one_that_failed_the_job_leaves_it_failed(
    users, settings, queued, monkeypatch
):
    """The other runner fails the job (its selection went bad) while this one checks it: this one,
    finding the job ended when it reaches the job row, neither runs it nor marks it done."""
    settings.BULK_CHUNK_SIZE, settings.BULK_JOB_RUNNERS = 10, 2
    ids = many_processing_orders(30)
    job = hold_job(users["manager"], ids)
    assert queued == [job.pk, job.pk]
    reason = "You cannot see the 'processing' tab, so its orders cannot be selected."

    def failed_meanwhile(job, selection=True):
        jobs._finish(job, BulkJob.State.FAILED, reason)  # what the other runner did
        return None  # this runner's own check had passed

    monkeypatch.setattr(jobs, "job_refusal", failed_meanwhile)
    job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.error) == ("failed", reason)
    assert not BulkJobResult.objects.filter(job=job).exists()
    assert not Order.objects.filter(pk__in=ids, stage="on_hold").exists()


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
