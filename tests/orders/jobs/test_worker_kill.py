"""A mass action survives a worker killed mid-job: the next worker finishes it, nothing twice."""

import time

import pytest

from orders.jobs.models import BulkJob, BulkJobResult
from orders.jobs.runner import job_submit, jobs_sweep
from orders.models import Order, OrderEvent, OrderHold
from tests.conftest import wait_for
from tests.factories import make_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ORDERS = 1500


def many_processing_orders(count: int) -> list[int]:
    template = make_order()
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Order._meta.concrete_fields
        if field.attname not in {"id", "number", "search_vector", "channel_order_id"}
    }
    copies = Order.objects.bulk_create([Order(**fields) for _ in range(count - 1)], batch_size=1000)
    return [template.pk] + [order.pk for order in copies]


def test_a_worker_killed_mid_job_leaves_the_job_to_finish_on_the_next_worker(users, celery_worker_factory):
    ids = many_processing_orders(ORDERS)
    first = celery_worker_factory(BULK_CHUNK_SIZE=5)
    job = job_submit(
        user=users["manager"],
        action_code="hold",
        selection={"tab": "processing", "query": ""},
        params={"reason": "audit"},
    )

    def progress():
        return BulkJob.objects.filter(pk=job.pk).values_list("done_count", flat=True).first()

    wait_for(
        lambda: progress() and progress() >= 50,
        timeout=60,
        message=f"the first chunks\n{first.output()[-3000:]}",
    )
    first.kill()
    killed_at = progress()
    time.sleep(0.5)
    assert progress() == killed_at, "the killed worker made no more progress"
    assert killed_at < ORDERS, "the job finished before the kill; the test proves nothing"

    second = celery_worker_factory(BULK_CHUNK_SIZE=500)
    assert job.pk in jobs_sweep(stale_after_seconds=0)
    wait_for(
        lambda: BulkJob.objects.get(pk=job.pk).state == "done", timeout=90,
        message=f"the job to finish on the second worker\n{second.output()[-3000:]}",
    )  # fmt: skip

    job.refresh_from_db()
    assert (job.total, job.done_count, job.skipped_count, job.failed_count) == (ORDERS, ORDERS, 0, 0)
    assert BulkJobResult.objects.filter(job=job, state="done").count() == ORDERS
    assert Order.objects.filter(pk__in=ids, stage="on_hold").count() == ORDERS
    # Nothing applied twice: one hold and one pair of events per order.
    assert OrderHold.objects.filter(order_id__in=ids).count() == ORDERS
    assert (
        OrderEvent.objects.filter(order_id__in=ids, type="hold.placed", actor_label=f"Job {job.pk}").count()
        == ORDERS
    )
    assert (
        OrderEvent.objects.filter(
            order_id__in=ids, type="status.changed", actor_label=f"Job {job.pk}"
        ).count()
        == ORDERS
    )
